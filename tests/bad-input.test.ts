// Bad input: every case gives a clear error or warning (describeProblem text naming the file and,
// where there is one, the byte offset), never a trap or a hang.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeBytes } from "./support/decode";
import { describeProblem } from "../src/core/problems";
import type { RawEvent } from "../src/core/decoder/records";
import * as C from "../assembly/events";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, copyFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { decodeFile } from "./support/decode";
import { reportOf } from "./support/report";
import { pcapngBlocks, withIdbOptions } from "./support/craft";

const FX = join(__dirname, "../fixtures");
const pcap = () => new Uint8Array(readFileSync(join(FX, "smb311-ok.pcap")));
const pcapng = () => new Uint8Array(readFileSync(join(FX, "smb311-ok.pcapng")));

async function problems(bytes: Uint8Array, name: string, chunk?: number) {
  const t = Date.now();
  const evs = await decodeBytes(bytes, chunk);
  expect(Date.now() - t).toBeLessThan(5000);
  const summary = evs.find((e) => e.kind === C.EV_SUMMARY);
  expect(summary).toBeDefined();
  const probs = evs.filter((e) => e.kind === C.EV_WARNING || e.kind === C.EV_ERROR).map((e) => ({ ev: e, ...describeProblem(e, name) }));
  for (const p of probs) {
    expect(p.text).toContain(name);
    expect(p.text).not.toMatch(/(warning|error) \d+[.)]|undefined|NaN/);
  }
  return { evs, probs, packets: Number(summary!.f.packets), summary: summary as RawEvent };
}

/** pcapng blocks: [{ off, type, len }] (little-endian) */
function blocks(b: Uint8Array) {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: { off: number; type: number; len: number }[] = [];
  for (let o = 0; o + 12 <= b.length; ) { const len = dv.getUint32(o + 4, true); out.push({ off: o, type: dv.getUint32(o, true), len }); o += len; }
  return out;
}

describe("bad input", () => {
  it("an empty file: error naming the file", async () => {
    const { probs } = await problems(new Uint8Array(0), "empty.pcap");
    expect(probs.map((p) => [p.fatal, p.code])).toEqual([[true, C.E_EMPTY]]);
    expect(probs[0].text).toMatch(/empty\.pcap is empty/);
  });

  it("random bytes: 'not a packet capture', with the first bytes shown", async () => {
    let x = 12345;
    const b = new Uint8Array(100_000).map(() => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24));
    b[0] = 0x13; // not a magic by chance
    for (const chunk of [1 << 20, 3]) {
      const { probs, packets } = await problems(b, "noise.bin", chunk);
      expect(probs.map((p) => p.code)).toEqual([C.E_NOT_A_CAPTURE]);
      expect(probs[0].text).toMatch(/noise\.bin is not a packet capture: at byte offset 0 it starts with 13 /);
      expect(packets).toBe(0);
    }
  });

  it("a pcap cut inside its file header: error with the bytes present", async () => {
    const { probs } = await problems(pcap().subarray(0, 13), "cut-header.pcap");
    expect(probs.map((p) => p.code)).toEqual([C.E_TRUNCATED_HEADER]);
    expect(probs[0].text).toMatch(/cut-header\.pcap, byte offset 0: the file ends inside its file header \(13 of 24 bytes/);
  });

  it("a pcap cut mid-record: warning at the record's offset, every whole record read", async () => {
    const b = pcap();
    const cut = 24 + 16 + 42 + 16 + 42 + 16 + 30; // inside the third record (two ARP frames of 42 bytes first)
    const dv = new DataView(b.buffer);
    expect(dv.getUint32(24 + 8, true)).toBe(42);
    const { probs, packets } = await problems(b.subarray(0, cut), "cut.pcap");
    expect(packets).toBe(2);
    expect(probs.map((p) => [p.fatal, p.code, p.offset])).toEqual([[false, C.W_TRUNCATED_RECORD, 24 + 2 * 58]]);
    expect(probs[0].text).toMatch(/cut\.pcap, byte offset 140: the last record is cut short \(46 of \d+ bytes present\)/);
  });

  it("a pcap record with a length no capture uses: error naming the offset", async () => {
    const b = pcap();
    new DataView(b.buffer).setUint32(24 + 58 + 8, 0x7fffffff, true); // second record
    const { probs, packets } = await problems(b, "huge-record.pcap");
    expect(packets).toBe(1);
    expect(probs.map((p) => [p.code, p.offset])).toEqual([[C.E_RECORD_TOO_LARGE, 82]]);
    expect(probs[0].text).toMatch(/huge-record\.pcap, byte offset 82: a packet record claims 2147483647 bytes/);
  });

  it("a snaplen of 0xFFFFFFFF: warning at offset 16, packets still read", async () => {
    const b = pcap();
    new DataView(b.buffer).setUint32(16, 0xffffffff, true);
    const { probs, packets } = await problems(b, "snap.pcap");
    expect(packets).toBe((await problems(pcap(), "ok.pcap")).packets);
    expect(probs.map((p) => [p.code, p.offset])).toEqual([[C.W_HUGE_SNAPLEN, 16]]);
    expect(probs[0].text).toMatch(/snap\.pcap, byte offset 16: the file header states a snapshot length of 4294967295 bytes/);
  });

  it("a pcapng whose first block lies about its length: error at offset 0", async () => {
    const b = pcapng();
    new DataView(b.buffer).setUint32(4, 0x1001, true);
    const { probs } = await problems(b, "lying-shb.pcapng");
    expect(probs.map((p) => [p.fatal, p.code, p.offset])).toEqual([[true, C.E_BAD_BLOCK_LENGTH, 0]]);
    expect(probs[0].text).toMatch(/lying-shb\.pcapng, byte offset 0: pcapng block of type 0x0a0d0d0a has an inconsistent length 4097/);
  });

  it("a pcapng block in the middle lying about its length: skipped with a warning, the rest read", async () => {
    const b = pcapng();
    const bl = blocks(b);
    const victim = bl[12];
    for (const lie of [victim.len + 8, 7, 0xfffffff0, 0]) {
      const x = b.slice();
      new DataView(x.buffer).setUint32(victim.off + 4, lie, true);
      for (const chunk of [1 << 20, 64, 5]) {
        const { probs, packets } = await problems(x, "lying-block.pcapng", chunk);
        expect(probs.map((p) => [p.fatal, p.code, p.offset])).toEqual([[false, C.W_UNKNOWN_BLOCK, victim.off]]);
        expect(probs[0].text).toContain(`lying-block.pcapng, byte offset ${victim.off}: pcapng block of type 0x00000006 (${victim.len} bytes) skipped`);
        expect(packets).toBe(bl.filter((k) => k.type === 6).length - 1);
      }
    }
  });

  it("a packet for an interface that does not exist: warning naming the id and the offset", async () => {
    const b = pcapng();
    const victim = blocks(b).filter((k) => k.type === 6)[3];
    new DataView(b.buffer).setUint32(victim.off + 8, 7, true);
    const { probs, packets } = await problems(b, "iface.pcapng");
    expect(packets).toBe(blocks(b).filter((k) => k.type === 6).length);
    expect(probs.map((p) => [p.code, p.offset])).toEqual([[C.W_BAD_INTERFACE, victim.off]]);
    expect(probs[0].text).toMatch(new RegExp(`iface\\.pcapng, byte offset ${victim.off}: a packet refers to interface 7, but the section declares only 1`));
  });

  it("a pcapng IDB with snaplen 0xFFFFFFFF and an EPB claiming more bytes than it holds: decoded", async () => {
    const b = pcapng();
    const bl = blocks(b);
    const idb = bl.find((k) => k.type === 1)!;
    const dv = new DataView(b.buffer);
    dv.setUint32(idb.off + 12, 0xffffffff, true);
    const epb = bl.filter((k) => k.type === 6)[5];
    dv.setUint32(epb.off + 20, 0xfffffff0, true); // captured length beyond the block
    const { probs, packets } = await problems(b, "snapng.pcapng");
    expect(packets).toBe(bl.filter((k) => k.type === 6).length);
    expect(probs.filter((p) => p.fatal)).toEqual([]);
  });

  it("every regression input in fixtures/regress decodes without a trap", async () => {
    const { readdirSync } = await import("node:fs");
    const dir = join(FX, "regress");
    for (const f of readdirSync(dir).filter((x) => /\.(pcap|pcapng|bin)$/.test(x))) {
      await problems(new Uint8Array(readFileSync(join(dir, f))), f);
      await problems(new Uint8Array(readFileSync(join(dir, f))), f, 7);
    }
  });
});

describe("cut and sparse files: the cut-record warning gives the right numbers", () => {
  /** pcap records: [{ off, len }] (header included) */
  const records = (b: Uint8Array) => {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const out: { off: number; len: number }[] = [];
    for (let o = 24; o + 16 <= b.length; o += 16 + dv.getUint32(o + 8, true)) out.push({ off: o, len: 16 + dv.getUint32(o + 8, true) });
    return out;
  };
  const expectCut = (text: string, name: string, off: number, present: number, needed: number | null) =>
    expect(text).toBe(`${name}, byte offset ${off}: the last record is cut short (${needed === null ? `${present} bytes present, too few to hold its length` : `${present} of ${needed} bytes present`}), as when a capture is copied while still being written; everything before it was read.`);

  it("a real pcap cut at several offsets: the offset of the record, bytes present of bytes needed", async () => {
    const b = pcap();
    const recs = records(b);
    for (const [k, into] of [[3, 1], [3, 8], [3, 11], [3, 12], [3, 15], [7, 16], [7, 40], [20, -1]]) {
      const r = recs[k];
      const cut = r.off + (into < 0 ? r.len + into : into);
      for (const chunk of [1 << 20, 7]) {
        const { probs, packets } = await problems(b.subarray(0, cut), "cut.pcap", chunk);
        expect(packets).toBe(k);
        expect(probs.map((p) => [p.code, p.offset])).toEqual([[C.W_TRUNCATED_RECORD, r.off]]);
        expectCut(probs[0].text, "cut.pcap", r.off, cut - r.off, cut - r.off < 12 ? null : r.len);
      }
    }
  });

  it("a real pcapng cut at several offsets, in packet and other blocks", async () => {
    const b = pcapng();
    const bl = pcapngBlocks(b);
    const epbs = (n: number) => bl.slice(0, n).filter((x) => x.type === 6).length;
    for (const [k, into] of [[1, 4], [1, 10], [2, 6], [2, 9], [2, 30], [12, 8], [12, -4], [bl.length - 1, -1]]) {
      const blk = bl[k];
      const cut = blk.off + (into < 0 ? blk.len + into : into);
      for (const chunk of [1 << 20, 5]) {
        const { probs, packets } = await problems(b.subarray(0, cut), "cut.pcapng", chunk);
        expect(packets).toBe(epbs(k));
        expect(probs.map((p) => [p.code, p.offset])).toEqual([[C.W_TRUNCATED_RECORD, blk.off]]);
        expectCut(probs[0].text, "cut.pcapng", blk.off, cut - blk.off, cut - blk.off < 8 ? null : blk.len);
      }
    }
  });

  it("a block larger than the reader buffers (skipped as it streams by), cut: its offset and how much of it is there", async () => {
    const b = pcapng();
    const bl = pcapngBlocks(b);
    const at = bl[3].off, len = 3 << 20; // a 3 MiB Custom Block (crafted), after the first packets
    const big = new Uint8Array(len);
    const dv = new DataView(big.buffer);
    dv.setUint32(0, 0x00000bad, true); dv.setUint32(4, len, true); dv.setUint32(8, 32473, true); dv.setUint32(len - 4, len, true);
    const x = new Uint8Array(b.length + len);
    x.set(b.subarray(0, at)); x.set(big, at); x.set(b.subarray(at), at + len);
    const whole = await problems(x, "big.pcapng");
    expect(whole.probs.map((p) => p.code)).toEqual([C.W_UNKNOWN_BLOCK]); // skipped, said once
    for (const present of [100_000, 2_500_000, len - 1]) {
      const { probs } = await problems(x.subarray(0, at + present), "big.pcapng", 1 << 20);
      expect(probs.map((p) => [p.code, p.offset])).toEqual([[C.W_UNKNOWN_BLOCK, at], [C.W_TRUNCATED_RECORD, at]]);
      expectCut(probs[1].text, "big.pcapng", at, present, len);
    }
  });

  it("a sparse file (a real capture extended with truncate): as many frames as tshark, and a true warning", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smbscope-sparse-"));
    try {
      for (const extra of [8, 13, 100_008]) {
        const p = join(dir, `sparse${extra}.pcap`);
        copyFileSync(join(FX, "smb311-ok.pcap"), p);
        execFileSync("truncate", ["-s", `+${extra}`, p]);
        // (tshark exits 2 on the cut record at the end, after printing every frame before it)
        const tshark = spawnSync("tshark", ["-r", p, "-T", "fields", "-e", "frame.number"], { stdio: ["ignore", "pipe", "ignore"] }).stdout.toString().trim().split("\n").length;
        const evs = await decodeFile(p);
        expect(Number(evs.find((e) => e.kind === C.EV_SUMMARY)!.f.packets)).toBe(tshark);
        const warns = evs.filter((e) => e.kind === C.EV_WARNING).map((e) => describeProblem(e, `sparse${extra}.pcap`));
        const size = pcap().length + extra, left = extra % 16; // the zeros read as 16-byte records of 0 bytes
        expect(warns).toHaveLength(1);
        expectCut(warns[0].text, `sparse${extra}.pcap`, size - left, left, left < 12 ? null : 16);
      }
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});

describe("pcapng timestamps that do not fit (crafted IDB options)", () => {
  const ok = pcapng();
  const firstEpb = (b: Uint8Array) => pcapngBlocks(b).find((x) => x.type === 6)!.off;

  it("an if_tsoffset of ±2^62 s, or a resolution of whole seconds on a µs count: a warning naming the interface and the block, no 1970 date", async () => {
    const cases: [string, { tsresol?: number; tsoffset?: bigint }, RegExp][] = [
      ["plus", { tsoffset: 1n << 62n }, /the interface's if_tsoffset is 4611686018427387904 s/],
      ["minus", { tsoffset: -(1n << 62n) }, /the interface's if_tsoffset is -4611686018427387904 s/],
      ["seconds", { tsresol: 0 }, /hold; such packets/],
      ["binary-seconds", { tsresol: 0x80 }, /hold; such packets/],
    ];
    for (const [name, opts, detail] of cases) {
      const b = withIdbOptions(ok, opts);
      const file = `ts-${name}.pcapng`;
      const { probs, packets } = await problems(b, file);
      expect(packets).toBe(pcapngBlocks(ok).filter((x) => x.type === 6).length);
      expect(probs.map((p) => [p.fatal, p.code, p.offset])).toEqual([[false, C.W_TS_OVERFLOW, firstEpb(b)]]);
      expect(probs[0].ev.frame).toBe(1); // on the packet whose time overflowed (tshark frame 1)
      expect(probs[0].text).toMatch(new RegExp(`^${file.replace(".", "\\.")}, byte offset ${firstEpb(b)}: a timestamp of interface 0 falls outside the years 1677–2262`));
      expect(probs[0].text).toMatch(detail);
      const r = await reportOfBytes(b, file);
      expect(r.capture.start).toBeNull();
      expect(r.capture.end).toBeNull();
      expect(r.capture.warnings).toEqual([probs[0].text]);
      expect(r.connections[0].outcome).toBe("ok"); // the rest of the analysis stands
    }
  });

  it("an ordinary if_tsoffset still shifts the times, with no warning", async () => {
    const base = await reportOfBytes(ok, "ok.pcapng");
    const r = await reportOfBytes(withIdbOptions(ok, { tsoffset: 3600n }), "offset.pcapng");
    expect(r.capture.warnings).toEqual([]);
    expect(Date.parse(r.capture.start!) - Date.parse(base.capture.start!)).toBe(3600_000);
    // the capture's packets are at 1795563319.27–.29 s; i64 nanoseconds end at 9223372036.85 s
    const near = await reportOfBytes(withIdbOptions(ok, { tsoffset: 7_427_808_717n }), "near.pcapng");
    expect(near.capture.warnings).toEqual([]);
    expect(near.capture.start).toBe("2262-04-11T23:47:16.270775Z");
    const past = await reportOfBytes(withIdbOptions(ok, { tsoffset: 7_427_808_718n }), "past.pcapng");
    expect(past.capture.warnings).toHaveLength(1);
    expect(past.capture.warnings[0]).toMatch(/^past\.pcapng, byte offset \d+: a timestamp of interface 0 falls outside/);
    expect(past.capture.start).toBeNull();
  });
});

async function reportOfBytes(b: Uint8Array, name: string) {
  const dir = mkdtempSync(join(tmpdir(), "smbscope-ts-"));
  try {
    const p = join(dir, name);
    (await import("node:fs")).writeFileSync(p, b);
    return await reportOf(p);
  } finally { rmSync(dir, { recursive: true, force: true }); }
}
