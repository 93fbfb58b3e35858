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
import { fileSource } from "../src/cli/nodeSource";
import { nodeDecoder } from "../src/cli/wasmNode";
import { analyzeCapture } from "../src/core/analyze";
import { blobSource } from "../src/core/source";
import { describeProblem } from "../src/core/problems";
import type { Report } from "../src/core/report";
import type { RawEvent } from "../src/core/decoder/records";
import * as C from "../assembly/events";
// @ts-ignore plain JS module
import { pcapToEtl, pcapToPktmon, EtlWriter, PKTMON_STACK } from "../scripts/fixtures/etl-writer.mjs";

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
  { name: "2 CPUs, LZNT1-compressed 32 KiB buffers (format 2)", opts: { cpus: 2, bufferSize: 32768, compressed: "lznt1", seed: 7 } },
  { name: "3 CPUs, XPRESS Huffman-compressed 128 KiB buffers (format 4)", opts: { cpus: 3, bufferSize: 128 << 10, compressed: "xpress-huff", seed: 9 } },
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
        const fmt = { lznt1: 2, "xpress-huff": 4 }[String(v.opts.compressed)] ?? (v.opts.compressed ? 3 : 0);
        expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0x2c, true)).toBe(fmt); // buffer 0's State: the format
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
  it("24 CPUs, 1 MiB uncompressed buffers: each CPU's window is smaller than its buffer (read on window after window, the next read started while the merge decodes)", async () => {
    const etl = join(tmp, "bulk-24.etl");
    // CPUs 0 and 1 carry most packets (more than a window each), the others a few
    pcapToEtl(join(FIX, "bulk-rw.pcap"), etl, { cpus: 24, bufferSize: 1 << 20, pick: (i: number) => (i % 8 === 0 ? 2 + ((i / 8) % 22) : i % 2) });
    const bytes = readFileSync(etl);
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    const bufs = buffers(bytes);
    expect(new Set(bufs.map((b) => b.cpu)).size).toBe(24);
    expect(bufs.filter((b) => dv.getUint32(b.off + 4, true) > 500_000).length).toBe(2); // records past a cursor's window
    const theirs = sameParts(await reportOf(join(FIX, "bulk-rw.pcap")));
    // a file: some reads start before the reader asks for them (it named them ahead)
    const decoder = await nodeDecoder();
    const src = await fileSource(etl);
    let early = 0;
    const watched = { ...src, readInto(o: number, d: Uint8Array) { const r = decoder.pullRequest(); if (r && r.offset !== o) early++; return src.readInto(o, d); } };
    try { expect(sameParts(await analyzeCapture(decoder, watched))).toEqual(theirs); } finally { await src.close(); }
    expect(early).toBeGreaterThan(2);
    // a Blob (one read at a time): the same
    expect(sameParts(await analyzeCapture(await nodeDecoder(), blobSource(new Blob([bytes]), "bulk-24.etl")))).toEqual(theirs);
  });
  it("one CPU logging nearly every packet (4 CPUs, 64 KiB buffers): its next buffer is read ahead while the merge decodes this one", async () => {
    const etl = join(tmp, "bulk-one-cpu.etl");
    pcapToEtl(join(FIX, "bulk-rw.pcap"), etl, { cpus: 4, bufferSize: 64 << 10, pick: (i: number) => (i % 20 === 0 ? 1 + ((i / 20) % 3) : 0) });
    const bufs = buffers(readFileSync(etl));
    expect(bufs.filter((b) => b.cpu === 0).length).toBeGreaterThan(15);
    const decoder = await nodeDecoder();
    const src = await fileSource(etl);
    let early = 0;
    const watched = { ...src, readInto(o: number, d: Uint8Array) { const r = decoder.pullRequest(); if (r && r.offset !== o) early++; return src.readInto(o, d); } };
    try { expect(sameParts(await analyzeCapture(decoder, watched))).toEqual(sameParts(await reportOf(join(FIX, "bulk-rw.pcap")))); } finally { await src.close(); }
    expect(early).toBeGreaterThan(15); // (before the rule for the cursor being read: 1)
  });
  for (const [name, compressed, cpus] of [["XPRESS Huffman", "xpress-huff", 16], ["LZNT1", "lznt1", 40]] as const) {
    it(`${cpus} CPUs, 1 MiB ${name}-compressed buffers: decompression resumed window after window${compressed === "xpress-huff" ? " (64 KiB of history kept)" : " (chunk by chunk)"}`, async () => {
      const etl = join(tmp, `bulk-${compressed}.etl`);
      pcapToEtl(join(FIX, "bulk-rw.pcap"), etl, { cpus, bufferSize: 1 << 20, compressed, pick: (i: number) => (i % 4 === 0 ? 1 + ((i / 4) % (cpus - 1)) : 0) });
      const bufs = buffers(readFileSync(etl));
      expect(Math.max(...bufs.map((b) => b.size))).toBeGreaterThan(100_000); // a cursor's window is smaller than its buffer
      expect(sameParts(await reportOf(etl))).toEqual(sameParts(await reportOf(join(FIX, "bulk-rw.pcap"))));
    });
  }
  it("XPRESS Huffman buffers of more processors than fit with their 64 KiB history: a clear error naming both numbers", async () => {
    const parts: Uint8Array[] = [];
    const w = new EtlWriter((b: Uint8Array) => parts.push(b.slice()), { cpus: 60, bufferSize: 4096, compressed: "xpress-huff", pick: (i: number) => i % 60 });
    const pkt = readFileSync(join(FIX, "tree-bad-share.pcap")).subarray(24 + 16, 24 + 16 + 42);
    w.start(1_700_000_000_000_000n);
    for (let i = 0; i < 600; i++) w.packet(1_700_000_000_000_000n + BigInt(i * 1000), pkt);
    w.finish();
    const b = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0; for (const p of parts) { b.set(p, o); o += p.length; }
    const text = problems(await eventsOf(b)).join("\n");
    expect(text).toMatch(/compressed with XPRESS Huffman, whose matches reach 64 KiB back, and it has \d+ processors: at most \d+ fit/);
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

// pktmon drops (event 170) on real fixtures' packets, in pktmon captures the writer makes from
// the layout facts (crafted: the drops are placed by the test). Frame numbers are recomputed
// here from the writer's own events, sorted by time: every packet event is a frame.
describe("pktmon drops where they hit an SMB or Kerberos flow (crafted from real packets)", () => {
  const S = PKTMON_STACK;
  type Ev = { qpc: bigint; id: number; packet: number; component: number };
  const framesOf = (events: Ev[], pick: (e: Ev) => boolean) =>
    events.map((e, i) => ({ e, i })).sort((a, b) => (a.e.qpc < b.e.qpc ? -1 : a.e.qpc > b.e.qpc ? 1 : a.i - b.i))
      .map((x, k) => ({ ...x.e, frame: k + 1 })).filter(pick).map((x) => x.frame);

  it("SYNs a WFP filter dropped before they left: the connection exists (the dropped copies analysed as sent) and PACKET_DROPPED names the filter and the reason", async () => {
    const etl = join(tmp, "syn-dropped.etl");
    // every TCP packet (the 5 SYNs of tcp-no-answer) dropped by the WFP MAC-layer filter, reason 8
    const { events } = pcapToPktmon(join(FIX, "tcp-no-answer.pcap"), etl, { drop: (_i: number, d: Uint8Array) => (d[23] === 6 ? { component: S.wfp, reason: 8, location: 0xe0004002 } : null) });
    const r = await reportOf(etl);
    const dropFrames = framesOf(events, (e) => e.id === 170);
    expect(dropFrames).toHaveLength(5);
    const f = r.findings.find((x) => x.id === "PACKET_DROPPED")!;
    expect(f.severity).toBe("error");
    expect(f.frames).toEqual(dropFrames);
    expect(f.connection).toBe("10.99.1.2:39372-10.99.9.9:445");
    expect(f.explanation).toContain(`the SYN (5 times, frames ${dropFrames.join(", ")}), going out, dropped by component ${S.wfp} (wfplwfs.sys, WFP Native MAC Layer LightWeight Filter) on Microsoft Hyper-V Network Adapter #2: Filtered (PktMonDrop_Filtered, code 8)`);
    expect(f.remediation.join("\n")).toContain("Filtering Platform Packet Drop");
    // the SYNs are the connection's: same frames in TCP_NO_ANSWER, and the ladder marks each drop
    const c = r.connections.find((x) => x.id === f.connection)!;
    expect(r.findings.find((x) => x.id === "TCP_NO_ANSWER")!.frames).toEqual(dropFrames);
    // the verdict gives the drop as the cause, not the missing answer it explains
    expect(r.verdict).toBe(`The SMB connection failed at TCP connect: ${f.title}.`);
    expect(r.headline!.causes.map((x) => x.findingId)).toEqual(["PACKET_DROPPED"]);
    expect(c.ladder!.filter((s) => s.label.startsWith("dropped by wfplwfs.sys")).map((s) => s.frame)).toEqual(dropFrames);
    // the capture summary: drops per component and reason, and the adapter analysed with its MAC and address
    expect(r.capture.pktmon!.dropsBy).toEqual([{ component: S.wfp, name: "wfplwfs.sys, WFP Native MAC Layer LightWeight Filter", reason: 8, reasonName: "PktMonDrop_Filtered", reasonText: "Filtered", count: 5 }]);
    expect(r.capture.pktmon!.adapters).toEqual([{ component: S.nic, name: "netvsc.sys", description: "Microsoft Hyper-V Network Adapter #2", ifIndex: S.ifIndex, mac: "26:60:f6:45:22:5e", addresses: ["10.99.1.2"], analysed: true }]);
    expect(r.capture.warnings.join("\n")).toContain("5 by component 14 (wfplwfs.sys, WFP Native MAC Layer LightWeight Filter): Filtered (PktMonDrop_Filtered)");
    expect(r.capture.warnings.join("\n")).toContain("That adapter: MAC 26:60:f6:45:22:5e, 10.99.1.2.");
  });

  it("a SESSION_SETUP request dropped on its way out: named as such, with the TCP/IP network layer's reason", async () => {
    const etl = join(tmp, "ss-dropped.etl");
    // session-setup-no-response: the NTLM AUTHENTICATE request (frame 12) and its retransmissions
    const big = (d: Uint8Array) => d.length === 628;
    const { events } = pcapToPktmon(join(FIX, "session-setup-no-response.pcap"), etl, { drop: (_i: number, d: Uint8Array) => (big(d) ? { component: S.wfp, reason: 909 } : null) });
    const r = await reportOf(etl);
    const f = r.findings.find((x) => x.id === "PACKET_DROPPED")!;
    const dropFrames = framesOf(events, (e) => e.id === 170);
    expect(f.frames).toEqual(dropFrames);
    expect(dropFrames).toHaveLength(8); // the request and its 7 retransmissions, each a whole SESSION_SETUP
    expect(f.explanation).toContain(`the SESSION_SETUP request (8 times, frames ${dropFrames.join(", ")}), going out, dropped by component 14`);
    expect(f.explanation).toContain(": TCP/IP network layer: inspection drop (PktMonDrop_NL_InspectionDrop, code 909)");
    expect(f.connection).toBe(r.connections[0].id);
    expect(r.connections[0].failedPhase).toBe("session_setup");
  });

  it("a Kerberos reply dropped after the adapter: not analysed twice, a warning when the connection then worked", async () => {
    const etl = join(tmp, "krb-dropped.etl");
    // krb-smb-ok: the KDC's first answer (KRB-ERROR PREAUTH_REQUIRED, frame 2 of the pcap) dropped by TCP/IP on the way in
    const { events } = pcapToPktmon(join(FIX, "krb-smb-ok.pcap"), etl, { drop: (i: number) => (i === 1 ? { component: S.tcpip, reason: 1204 } : null) });
    const r = await reportOf(etl);
    const theirs = await reportOf(join(FIX, "krb-smb-ok.pcap"));
    expect(r.kerberos.length).toBe(theirs.kerberos.length); // the adapter's copy only: no duplicate
    expect(r.connections.map((c) => c.outcome)).toEqual(theirs.connections.map((c) => c.outcome));
    const f = r.findings.find((x) => x.id === "PACKET_DROPPED")!;
    expect(f.severity).toBe("warning");
    expect(f.frames).toEqual(framesOf(events, (e) => e.id === 170));
    expect(f.title).toContain("Kerberos for the SMB connection to 10.99.2.1:445");
    expect(f.explanation).toContain("a Kerberos KRB-ERROR");
    expect(f.explanation).toContain("coming in, dropped by component 31 (tcpip.sys, TCP/IPv4 - L3/L4): TCP/IP transport: endpoint not found (PktMonDrop_INET_EndpointNotFound, code 1204)");
  });

  it("the real pktmon file has no drop events: none reported; its adapters are named with their MAC and the addresses bound to them", async () => {
    if (!existsSync(CORPUS)) return;
    const r = await reportOf(CORPUS);
    expect(r.capture.pktmon!.drops).toBe(0);
    expect(r.findings.some((x) => x.id === "PACKET_DROPPED")).toBe(false);
    // event 20 names, 30 IfIndex / MiniportIfIndex, 65/66 the addresses, 70 the MAC (the rundown at the file's end)
    expect(r.capture.pktmon!.adapters.map((a) => [a.component, a.description, a.mac, a.addresses])).toEqual([
      [3, "Microsoft Hyper-V Network Adapter #2", "00:22:48:7b:b0:99", ["10.9.0.22", "fe80::5c19:f5b3:a4bc:efda"]],
      [48, "Mellanox ConnectX-4 Lx Virtual Ethernet Adapter #2", "00:22:48:7b:b3:80", []],
      [59, "Microsoft Hyper-V Network Adapter #3", "00:22:48:7b:b3:80", ["10.9.1.22", "fe80::fb0f:5039:c3e9:adf7"]],
    ]);
    expect(r.capture.pktmon!.adapters.find((a) => a.analysed)!.component).toBe(59);
    expect(r.capture.warnings.join("\n")).toContain("That adapter: MAC 00:22:48:7b:b3:80, 10.9.1.22, fe80::fb0f:5039:c3e9:adf7.");
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
