// Bad input: every case gives a clear error or warning (describeProblem text naming the file and,
// where there is one, the byte offset), never a trap or a hang.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeBytes } from "./support/decode";
import { describeProblem } from "../src/core/problems";
import type { RawEvent } from "../src/core/decoder/records";
import * as C from "../assembly/events";

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
      expect(probs[0].text).toMatch(/noise\.bin is not a packet capture: it starts with 13 /);
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
