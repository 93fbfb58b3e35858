// ETL (netsh trace / pktmon) files. The real pktmon capture in ../shared/corpus/etl anchors the
// container (compressed buffers, two CPUs, component rundown at the end); ndiscap files made by
// the crafted fixture writer (scripts/fixtures/etl-writer.mjs: real fixture packets in ndiscap
// 1001 events, several CPUs with interleaved buffers, plain and XPRESS-compressed) must give the
// same Report as the pcap they were made from, read from a file (CLI) and from a Blob (the app).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { readFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { reportOf } from "./support/report";
import { nodeDecoder } from "../src/cli/wasmNode";
import { analyzeCapture } from "../src/core/analyze";
import { blobSource } from "../src/core/source";
import { describeProblem } from "../src/core/problems";
import type { Report } from "../src/core/report";
import type { RawEvent } from "../src/core/decoder/records";
import * as C from "../assembly/events";
// @ts-ignore plain JS module
import { pcapToEtl, EtlWriter } from "../scripts/fixtures/etl-writer.mjs";

const FIX = join(__dirname, "../fixtures");
const CORPUS = join(__dirname, "../../shared/corpus/etl/demikernel-PktMon.etl");
let tmp = "";
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), "smbscope-etl-")); });
afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

function sameParts(r: Report): unknown {
  const { file: _f, format: _fm, bytes: _b, ...capture } = r.capture;
  return { ...r, capture };
}
async function eventsOf(bytes: Uint8Array): Promise<RawEvent[]> {
  const d = await nodeDecoder();
  const out: RawEvent[] = [];
  d.decodeBytes(bytes, out);
  return out;
}
const problems = (evs: RawEvent[]) => evs.filter((e) => e.kind === C.EV_WARNING || e.kind === C.EV_ERROR).map((e) => describeProblem(e, "x.etl").text);
const packetsOf = (evs: RawEvent[]) => Number(evs.find((e) => e.kind === C.EV_SUMMARY)!.f.packets);

/** Buffers of an ETL file in file order: offset, processor, size, compressed. */
function buffers(b: Uint8Array) {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: { off: number; cpu: number; size: number; z: boolean }[] = [];
  for (let off = 0; off + 72 <= b.length; off += dv.getUint32(off, true)) {
    out.push({ off, cpu: dv.getUint16(off + 0x28, true), size: dv.getUint32(off, true), z: (dv.getUint16(off + 0x34, true) & 0x40) !== 0 });
  }
  return out;
}

describe("the real pktmon capture (../shared/corpus/etl)", () => {
  if (!existsSync(CORPUS)) console.log(`skipped: ${CORPUS} is absent (the third-party corpus lives in ../shared/corpus)`);
  it.skipIf(!existsSync(CORPUS))("is read: compressed buffers of two CPUs, every packet event a frame, one component's copies analysed", async () => {
    const bytes = readFileSync(CORPUS);
    const bufs = buffers(bytes);
    expect(bufs.filter((b) => b.z).length).toBe(2);
    expect(new Set(bufs.map((b) => b.cpu))).toEqual(new Set([0, 2]));
    const evs = await eventsOf(bytes);
    expect(packetsOf(evs)).toBe(114); // 114 pktmon 160 events (38 packets × 2–4 components)
    const text = problems(evs).join("\n");
    // component 59 is the Hyper-V adapter: type 2 (miniport) in the rundown (event 20) that the
    // capture logged at its end, on the other CPU; 38 of the 114 events are its copies
    expect(text).toContain("copies logged by component 59 (netvsc.sys, Microsoft Hyper-V Network Adapter #3)");
    expect(text).toContain("--component-id 59");
    expect(text).toContain("skips the 76 other copies");
    const r = await reportOf(CORPUS);
    expect(r.capture.format).toBe("etl");
    expect(r.capture.packets).toBe(114);
    // QPC at 10 MHz from the logfile header's StartTime (2024-06-10T20:18:27.922583Z) and the
    // SYSTEM header's clock value; the header's EndTime is 20:18:54.703
    expect(r.capture.start).toBe("2024-06-10T20:18:35.489172Z");
    expect(r.capture.end).toBe("2024-06-10T20:18:53.907418Z");
  });
});

const SCENARIOS = ["tree-bad-share", "krb-spn-unknown-ntlm-fallback", "wrong-password", "smb311-ok", "negotiate-no-response"];
const VARIANTS = [
  { name: "4 CPUs, 4 KiB buffers", opts: { cpus: 4, bufferSize: 4096, seed: 3 } },
  { name: "3 CPUs, XPRESS-compressed 16 KiB buffers", opts: { cpus: 3, bufferSize: 16384, compressed: true, seed: 5 } },
];

describe("ndiscap ETL files from the fixture writer (crafted from real packets)", () => {
  for (const s of SCENARIOS) {
    for (const v of VARIANTS) {
      it(`${s}: ${v.name}: the pcap's Report`, async () => {
        const etl = join(tmp, `${s}-${v.opts.cpus}.etl`);
        pcapToEtl(join(FIX, `${s}.pcap`), etl, v.opts);
        const bytes = readFileSync(etl);
        const bufs = buffers(bytes).slice(1);
        expect(new Set(bufs.map((b) => b.cpu)).size).toBeGreaterThan(1);
        expect(bufs.every((b) => b.z === !!v.opts.compressed)).toBe(true);
        const theirs = await reportOf(join(FIX, `${s}.pcap`));
        const mine = await reportOf(etl);
        expect(mine.capture.format).toBe("etl");
        expect(sameParts(mine)).toEqual(sameParts(theirs));
        const viaBlob = await analyzeCapture(await nodeDecoder(), blobSource(new Blob([bytes]), `${s}.etl`));
        expect(sameParts(viaBlob)).toEqual(sameParts(theirs));
      });
    }
  }
  it("60 CPUs, 1 MiB compressed buffers: each CPU's window is smaller than its buffer (decompression resumed window after window)", async () => {
    const etl = join(tmp, "bulk-60.etl");
    // most packets on CPU 0, a few on each of the others, so that 60 cursors share the arena
    pcapToEtl(join(FIX, "bulk-rw.pcap"), etl, { cpus: 60, bufferSize: 1 << 20, compressed: true, pick: (i: number) => (i % 4 === 0 ? 1 + ((i / 4) % 59) : 0) });
    const bufs = buffers(readFileSync(etl));
    expect(new Set(bufs.map((b) => b.cpu)).size).toBeGreaterThan(50);
    expect(Math.max(...bufs.map((b) => b.size))).toBeGreaterThan(200_000); // compressed bytes larger than a cursor's share
    const theirs = await reportOf(join(FIX, "bulk-rw.pcap"));
    expect(sameParts(await reportOf(etl))).toEqual(sameParts(theirs));
  });
  it("file order is not time order (buffers of several CPUs interleave)", () => {
    const etl = join(tmp, "order.etl");
    pcapToEtl(join(FIX, "krb-smb-ok.pcap"), etl, { cpus: 4, bufferSize: 4096, seed: 3 });
    const b = readFileSync(etl);
    const dv = new DataView(b.buffer, b.byteOffset);
    const firstTs = buffers(b).slice(1).map((x) => dv.getBigUint64(x.off + 72 + 16 + (b[x.off + 74] === 0x11 ? 24 : 0), true));
    expect(firstTs.some((t, i) => i > 0 && t < firstTs[i - 1])).toBe(true);
  });
});

// ---- hostile ETL input ----
function smallEtl(opts: Record<string, unknown> = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  const w = new EtlWriter((b: Uint8Array) => parts.push(b.slice()), { cpus: 2, bufferSize: 4096, ...opts });
  const pkt = readFileSync(join(FIX, "tree-bad-share.pcap")).subarray(24 + 16, 24 + 16 + 42);
  w.start(1_700_000_000_000_000n);
  for (let i = 0; i < 200; i++) w.packet(1_700_000_000_000_000n + BigInt(i * 1000), pkt);
  w.finish();
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0; for (const p of parts) { all.set(p, o); o += p.length; }
  return all;
}

describe("damaged and hostile ETL files", () => {
  it("a buffer that lies about its size stops the reading with a clear error", async () => {
    const b = smallEtl();
    const second = buffers(b)[2].off;
    new DataView(b.buffer).setUint32(second, 40, true);
    expect(problems(await eventsOf(b)).join("\n")).toMatch(new RegExp(`byte offset ${second}: an event-trace buffer header states 40 bytes`));
  });
  it("a processor index beyond NumberOfProcessors: a warning, the buffer still read", async () => {
    const b = smallEtl();
    const bufs = buffers(b);
    for (const x of bufs.slice(1)) if (x.cpu === 1) new DataView(b.buffer).setUint16(x.off + 0x28, 999, true);
    const evs = await eventsOf(b);
    expect(packetsOf(evs)).toBe(200);
    expect(problems(evs).join("\n")).toMatch(/a buffer of processor 999, but the trace header announces 2 processor/);
  });
  it("a compressed buffer that does not decompress (a bomb, a cut stream) is skipped with a warning", async () => {
    const b = smallEtl({ compressed: true });
    const x = buffers(b)[1];
    b.fill(0xff, x.off + 72 + 4, x.off + x.size); // every item a match of 2^16 bytes at distance 8192
    const evs = await eventsOf(b);
    expect(problems(evs).join("\n")).toMatch(/does not decompress/);
    expect(packetsOf(evs)).toBeLessThan(200);
  });
  it("decompression bombs in buffer after buffer cost work in proportion to the file, not to what they claim", async () => {
    const head = smallEtl({ compressed: true }).subarray(0, 1024); // the header buffer (LogFileMode COMPRESSED)
    // each buffer: 72-byte header claiming 16 MiB, then a literal and one match (distance 1) making
    // up the rest: 15 bytes that decompress to exactly what the header announces
    const bomb = Uint8Array.from([0xff, 0xff, 0xff, 0x7f, 0x61, 0x07, 0x00, 0x0f, 0xff, 0x00, 0x00, 0xfc, 0xff, 0xff, 0x00]);
    const n = 2000, size = 72 + bomb.length;
    const b = new Uint8Array(head.length + n * size);
    b.set(head);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < n; i++) {
      const o = head.length + i * size;
      dv.setUint32(o, size, true); dv.setUint32(o + 4, 72 + (16 << 20), true); dv.setUint16(o + 0x28, i % 2, true); dv.setUint16(o + 0x34, 0x40, true);
      dv.setUint32(o + 0x2c, 3, true);
      b.set(bomb, o + 72);
    }
    const t = performance.now();
    const evs = await eventsOf(b);
    expect(performance.now() - t).toBeLessThan(1_500); // (decompressing what they claim took 4 s here)
    expect(problems(evs).join("\n")).toMatch(/does not decompress/);
  });
  it("more buffers than the index holds: a clear error, quickly", async () => {
    const one = smallEtl().subarray(0, 1024); // the header buffer only
    const n = 140_000;
    const b = new Uint8Array(one.length + n * 72);
    b.set(one);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < n; i++) { const o = one.length + i * 72; dv.setUint32(o, 72, true); dv.setUint32(o + 4, 72, true); }
    const t = performance.now();
    expect(problems(await eventsOf(b)).join("\n")).toMatch(/more than 131072 buffers/);
    expect(performance.now() - t).toBeLessThan(20_000);
  });
  it("cut anywhere, the file gives the packets before the cut and no trap", async () => {
    const b = smallEtl({ compressed: true });
    for (const cut of [100, 1024, 1100, 3000, b.length - 1]) {
      const evs = await eventsOf(b.subarray(0, cut));
      expect(evs.some((e) => e.kind === C.EV_SUMMARY)).toBe(true);
    }
  });
});
