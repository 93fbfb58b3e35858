// Damaged captures keep yielding what they can: cut at any byte, a corrupt pcapng block in the
// middle, TCP segments lost inside SMB messages, a capture that starts mid-connection. Real
// fixtures, damaged programmatically.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { nodeDecoder } from "../src/cli/wasmNode";
import type { Decoder } from "../src/core/decoder/wasm";
import { readPcap, writePcap } from "./support/pcap";
import { describeProblem } from "../src/core/problems";
import type { RawEvent } from "../src/core/decoder/records";
import * as C from "../assembly/events";

const FX = join(__dirname, "../fixtures");
let dec: Decoder | null = null;
/** Decodes bytes held in memory with one decoder instance (reset per file), in `chunk`-byte slices. */
async function decodeBytes(bytes: Uint8Array, chunk = 1 << 20): Promise<RawEvent[]> {
  dec ??= await nodeDecoder();
  const all: RawEvent[] = [];
  dec.reset();
  for (let i = 0; i < bytes.length; i += chunk) dec.push(bytes.subarray(i, i + chunk), all);
  dec.finish(all);
  return all;
}
const file = (n: string) => new Uint8Array(readFileSync(join(FX, n)));
const SMB = new Set([C.EV_SMB1, C.EV_SMB2, C.EV_NBSS, C.EV_SMB_TRANSFORM]);
const key = (e: RawEvent, frameShift = 0) => `${e.kind}:${e.frame - frameShift}:${e.stream}:${e.f.cmd}:${e.f.response}:${e.f.status}:${String(e.f.msgId)}`;
const smbKeys = (evs: RawEvent[], shift = 0) => evs.filter((e) => SMB.has(e.kind)).map((e) => key(e, shift));
const problemsOf = (evs: RawEvent[], name: string) => evs.filter((e) => e.kind === C.EV_WARNING || e.kind === C.EV_ERROR).map((e) => describeProblem(e, name));

/** Record (pcap) or block (pcapng, little-endian) boundaries: [start, end) and whether it is a packet. */
function units(b: Uint8Array): { start: number; end: number; packet: boolean }[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: { start: number; end: number; packet: boolean }[] = [];
  if (dv.getUint32(0, true) === 0x0a0d0d0a) {
    for (let o = 0; o + 12 <= b.length; ) { const len = dv.getUint32(o + 4, true); out.push({ start: o, end: o + len, packet: dv.getUint32(o, true) === 6 }); o += len; }
  } else {
    out.push({ start: 0, end: 24, packet: false });
    for (let o = 24; o + 16 <= b.length; ) { const len = 16 + dv.getUint32(o + 8, true); out.push({ start: o, end: o + len, packet: true }); o += len; }
  }
  return out;
}

describe("damaged captures", () => {
  for (const name of ["smb311-ok.pcap", "smb311-ok.pcapng", "nbss139.pcap"]) {
    it(`${name} cut at every byte: every whole packet is decoded as in the whole file`, async () => {
      const b = file(name);
      const full = await decodeBytes(b);
      const us = units(b);
      const headerEnd = name.endsWith("ng") ? us[1].end : 24; // SHB + IDB / file header
      for (let cut = 0; cut <= b.length; cut++) {
        const evs = await decodeBytes(b.subarray(0, cut));
        const whole = us.filter((u) => u.packet && u.end <= cut).length;
        const summary = evs.find((e) => e.kind === C.EV_SUMMARY)!;
        expect(Number(summary.f.packets), `cut at ${cut}`).toBe(whole);
        expect(smbKeys(evs), `cut at ${cut}`).toEqual(smbKeys(full.filter((e) => e.frame <= whole)));
        const probs = problemsOf(evs, name);
        if (cut >= headerEnd) expect(probs.filter((p) => p.fatal), `cut at ${cut}`).toEqual([]);
        const midUnit = us.some((u) => u.start < cut && cut < u.end);
        if (cut >= headerEnd && midUnit) {
          expect(probs.map((p) => p.code), `cut at ${cut}`).toEqual([C.W_TRUNCATED_RECORD]);
          expect(probs[0].text).toMatch(new RegExp(`^${name.replace(".", "\\.")}, byte offset \\d+: the last record is cut short`));
        }
      }
    });
  }

  it("a corrupt pcapng block in the middle is skipped with a warning; everything after it is read", async () => {
    const b = file("smb311-ok.pcapng");
    const full = await decodeBytes(b);
    const us = units(b);
    for (let i = 2; i < us.length; i++) {
      const u = us[i];
      for (const how of ["length", "trailer", "garbage"]) {
        const x = b.slice();
        const dv = new DataView(x.buffer);
        if (how === "length") dv.setUint32(u.start + 4, (u.end - u.start) * 3 + 4, true);
        else if (how === "trailer") dv.setUint32(u.end - 4, 12345, true);
        else for (let k = u.start; k < u.end; k++) x[k] = (k * 7919) & 0xff;
        const evs = await decodeBytes(x, 1 + (i % 5) * 37);
        const probs = problemsOf(evs, "corrupt.pcapng");
        expect(probs.filter((p) => p.fatal)).toEqual([]);
        if (i === us.length - 1 && how === "length") {
          // the last block claiming more bytes than the file has: the same as a file cut short
          expect(probs.map((p) => [p.code, p.offset])).toEqual([[C.W_TRUNCATED_RECORD, u.start]]);
          expect(probs[0].text).toContain(`corrupt.pcapng, byte offset ${u.start}: the last record is cut short`);
        } else {
          expect(probs.map((p) => [p.code, p.offset]), `block ${i} ${how}`).toEqual([[C.W_UNKNOWN_BLOCK, u.start]]);
          expect(probs[0].text).toContain(`corrupt.pcapng, byte offset ${u.start}: pcapng block of type`);
          expect(probs[0].text).toContain(`(${u.end - u.start} bytes) skipped`);
        }
        // the messages of every later block are there (a message after a lost TCP segment is
        // handed on when the loss is known, so its frame number may be a later one)
        const lost = us.slice(0, i + 1).filter((k) => k.packet).length; // frame number of the damaged packet
        const noFrame = (l: RawEvent[]) => l.filter((e) => SMB.has(e.kind)).map((e) => `${e.kind}:${e.stream}:${e.f.cmd}:${e.f.response}:${e.f.status}:${String(e.f.msgId)}`);
        const got = noFrame(evs.filter((e) => e.frame >= lost));
        const want = noFrame(full.filter((e) => e.frame > lost));
        expect(got.slice(-want.length || got.length), `block ${i} ${how}`).toEqual(want);
        expect(Number(evs.find((e) => e.kind === C.EV_SUMMARY)!.f.packets)).toBe(us.filter((k) => k.packet).length - (u.packet ? 1 : 0));
      }
    }
  });

  it("random bytes between two pcapng blocks are skipped and counted; no packet is lost", async () => {
    const b = file("smb311-ok.pcapng");
    const full = await decodeBytes(b);
    const us = units(b);
    const at = us[9].start;
    for (const n of [1, 3, 4, 37, 4096, 300_000]) {
      const junk = new Uint8Array(n).map((_, k) => (k * 2654435761) >>> 27);
      const x = new Uint8Array(b.length + n);
      x.set(b.subarray(0, at)); x.set(junk, at); x.set(b.subarray(at), at + n);
      const evs = await decodeBytes(x, 4096);
      const probs = problemsOf(evs, "junk.pcapng");
      expect(probs.map((p) => [p.code, p.offset])).toEqual([[C.W_UNKNOWN_BLOCK, at]]);
      expect(probs[0].text).toContain(`(${n} bytes) skipped`);
      expect(smbKeys(evs)).toEqual(smbKeys(full));
    }
  });

  it("TCP segments lost inside SMB WRITE messages: EV_GAP says so, the framer resyncs, later messages decode", async () => {
    const cap = readPcap(join(FX, "bulk-rw.pcap"));
    const full = await decodeBytes(writePcap(cap.linkType, cap.records));
    const fullSmb = full.filter((e) => e.kind === C.EV_SMB2);
    // Lose three full-sized client segments in the middle of the upload (WRITE payload).
    const big = cap.records.map((r, i) => ({ i, r })).filter(({ r }) => r.data.length > 1400);
    const drop = new Set([big[40].i, big[41].i, big[200].i]);
    const damaged = cap.records.filter((_, i) => !drop.has(i));
    const evs = await decodeBytes(writePcap(cap.linkType, damaged));
    const gaps = evs.filter((e) => e.kind === C.EV_GAP);
    expect(gaps.length).toBeGreaterThanOrEqual(1);
    expect(gaps.every((g) => g.stream === 0 && (g.f.len as number) >= 1400)).toBe(true);
    expect(problemsOf(evs, "lost.pcap").filter((p) => p.fatal)).toEqual([]);
    // every message after the last lost segment is decoded as in the whole capture (frames shift by 3)
    const lastDrop = Math.max(...drop) + 1; // frame number in the whole capture
    const tail = (l: RawEvent[], shift: number) => l.filter((e) => e.kind === C.EV_SMB2 && e.frame - shift > lastDrop + 1).map((e) => key(e, shift));
    expect(tail(evs, -3)).toEqual(tail(fullSmb, 0));
    expect(evs.filter((e) => e.kind === C.EV_SMB2).length).toBeGreaterThan(fullSmb.length - 12);
  });

  it("a capture that starts mid-connection: the flow is marked so and the rest decodes", async () => {
    for (const [name, skip] of [["smb311-ok.pcap", 12], ["bulk-rw.pcap", 300], ["bulk-rw.pcap", 301], ["nbss139.pcap", 9]] as const) {
      const cap = readPcap(join(FX, name));
      const full = await decodeBytes(writePcap(cap.linkType, cap.records));
      const evs = await decodeBytes(writePcap(cap.linkType, cap.records.slice(skip)));
      const flows = evs.filter((e) => e.kind === C.EV_FLOW);
      expect(flows.length).toBeGreaterThanOrEqual(1);
      expect(Number(flows[0].f.value)).toBe(1); // no SYN seen
      expect(problemsOf(evs, name).filter((p) => p.fatal)).toEqual([]);
      // the same SMB messages as the whole capture from some point on (a message cut by the start
      // of the capture is skipped), frame numbers `skip` lower, the stream number the same
      const got = smbKeys(evs, -skip);
      const want = smbKeys(full.filter((e) => e.frame > skip));
      expect(got.length).toBeGreaterThan(0);
      expect(want.slice(want.length - got.length)).toEqual(got);
      expect(want.length - got.length).toBeLessThanOrEqual(2);
    }
  });
});
