// Spilled column chunks (src/core/model/column.ts spillChunksTo, src/cli/chunkFile.ts): with a
// store, the memory a column and the folded rows hold stays the same however many values they
// take, and every value comes back as pushed, read in order or not, changed after it was spilled,
// with a store that refuses chunks; the CLI's file is private and nameless, and none is made where
// the temporary directory cannot be used.
import { describe, it, expect, afterEach } from "vitest";
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { U32Column, spillChunksTo, type ChunkStore } from "../src/core/model/column";
import { FoldedRows } from "../src/core/model/foldedRows";
import { ChunkFile } from "../src/cli/chunkFile";
import type { Connection } from "../src/core/report";

/** A store in memory that counts what it was asked; `room` chunks at most (then it refuses). */
function memoryStore(room = Infinity) {
  const kept: Uint8Array[] = [];
  const s = {
    puts: 0, reads: 0,
    put(b: Uint8Array) { if (kept.length >= room) return -1; s.puts++; kept.push(b.slice()); return kept.length - 1; },
    read(at: number, b: Uint8Array) { s.reads++; b.set(kept[at]); },
  };
  return s satisfies ChunkStore;
}

const value = (i: number) => (i * 2654435761) >>> 0;
function filled(n: number, store: ChunkStore | null) {
  spillChunksTo(store);
  const c = new U32Column();
  spillChunksTo(null);
  for (let i = 0; i < n; i++) c.push(value(i));
  return c;
}

afterEach(() => spillChunksTo(null));

describe("a column with a chunk store", () => {
  it("holds the same memory for 300,000 values as for 1,000,000, and gives every one back", () => {
    const few = filled(300_000, memoryStore()), many = filled(1_000_000, memoryStore());
    expect(many.bytes).toBe(few.bytes);
    expect(filled(1_000_000, null).bytes).toBeGreaterThan(10 * many.bytes);
    for (let i = 0; i < many.length; i++) if (many.get(i) !== value(i)) expect([i, many.get(i)]).toEqual([i, value(i)]);
    // read back from the end to the start: each chunk read once a walk
    for (let i = many.length - 1; i >= 0; i--) if (many.get(i) !== value(i)) expect([i, many.get(i)]).toEqual([i, value(i)]);
    expect(many.bytes).toBeLessThanOrEqual(few.bytes + 2 * 4 * 65_536);
  });

  it("reads a chunk once per walk in order, and keeps all of them when read out of order", () => {
    const store = memoryStore(), c = filled(700_000, store);
    const spilled = store.puts;
    expect(spilled).toBe(Math.floor(700_000 / 65_536));
    for (let i = 0; i < c.length; i++) c.get(i);
    expect(store.reads).toBe(spilled);
    // jumping between chunks many times over: the column takes them all back, once, and holds them
    for (let k = 0; k < 10_000; k++) { const i = (k * 7919 * 65_536 + k) % c.length; expect(c.get(i)).toBe(value(i)); }
    expect(store.reads).toBeLessThan(20 * spilled);
    expect(c.bytes).toBe(filled(700_000, null).bytes);
  });

  it("gives back a value changed after its chunk was spilled, and stops at one let go", () => {
    const c = filled(300_000, memoryStore());
    c.set(5, 42);
    c.set(299_999, 43);
    expect([c.get(5), c.get(6), c.get(299_999), c.get(200_000)]).toEqual([42, value(6), 43, value(200_000)]);
    c.dropBelow(3 * 65_536);
    expect(c.get(3 * 65_536)).toBe(value(3 * 65_536));
    expect(() => c.get(2 * 65_536)).toThrow(/let go/);
  });

  it("keeps in memory the chunks a store refuses", () => {
    const c = filled(400_000, memoryStore(2));
    // (the two it took, not read back yet)
    expect(c.bytes).toBe(filled(400_000, null).bytes - 2 * 4 * 65_536);
    for (let i = 0; i < c.length; i++) if (c.get(i) !== value(i)) expect([i, c.get(i)]).toEqual([i, value(i)]);
  });
});

describe("folded rows with a chunk store", () => {
  const row = (k: number) => ({
    order: k * 3 + 1, stream: k * 2, firstFrame: k * 10 + 1, lastFrame: k * 10 + 9, clientPort: (k * 7) % 65536, serverPort: 445,
    clientIp: `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`, serverIp: `192.168.${k % 3}.1`, serverOs: null, serverName: null,
    shares: [], sessionId: BigInt(k) * 0x100000001n, sessionFrame: k * 10 + 5, ok: true, sessions: true,
  });
  const folded = (n: number, store: ChunkStore | null = memoryStore()) => {
    spillChunksTo(store);
    const rows = new FoldedRows(false);
    spillChunksTo(null);
    for (let k = 0; k < n; k++) rows.push(row(k), null as unknown as Connection);
    return rows;
  };

  it("hold about the same memory for 280,000 connections as for 140,000, and give back every row", () => {
    const few = folded(140_000), many = folded(280_000);
    // (a PackedColumn's block bases stay: 8 bytes a column per 64 rows)
    expect((many.bytes - few.bytes) / 140_000).toBeLessThan(3);
    expect(folded(280_000, null).bytes / 280_000).toBeGreaterThan(15);
    many.sort();
    for (let k = 0; k < many.length; k += 11) {
      const { ok, sessions, ...want } = row(k);
      expect({ ...many.at(k) }).toEqual(want);
    }
  }, 60_000);
});

describe("the CLI's chunk file", () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); delete process.env.TMPDIR; });

  it("is made at the first chunk, has no name in the temporary directory, and gives back what it took", () => {
    const dir = mkdtempSync(join(tmpdir(), "smbscope-chunktest-"));
    dirs.push(dir);
    process.env.TMPDIR = dir;
    const f = new ChunkFile();
    const a = new Uint8Array(1000).map((_, i) => i), b = new Uint8Array(500).fill(7);
    const at = [f.put(a), f.put(b)];
    expect(readdirSync(dir)).toEqual([]);
    const open = readdirSync("/proc/self/fd").map((fd) => { try { return readlinkSync(join("/proc/self/fd", fd)); } catch { return ""; } }).filter((l) => l.startsWith(dir));
    expect(open).toEqual([expect.stringMatching(/\/columns\.bin \(deleted\)$/)]);
    const back = [new Uint8Array(1000), new Uint8Array(500)];
    f.read(at[1], back[1]);
    f.read(at[0], back[0]);
    expect(back).toEqual([a, b]);
    f.close();
  });

  it("takes nothing where the temporary directory cannot be used (the chunks stay in memory)", () => {
    const dir = mkdtempSync(join(tmpdir(), "smbscope-chunktest-"));
    dirs.push(dir);
    writeFileSync(join(dir, "file"), "");
    process.env.TMPDIR = join(dir, "file");
    const f = new ChunkFile();
    expect(f.put(new Uint8Array(10))).toBe(-1);
    spillChunksTo(f);
    const c = new U32Column();
    for (let i = 0; i < 200_000; i++) c.push(value(i));
    for (let i = 0; i < c.length; i++) if (c.get(i) !== value(i)) expect([i, c.get(i)]).toEqual([i, value(i)]);
    f.close();
  });
});
