// Network Monitor 2.x .cap files: the real fixtures converted by `editcap -F netmon2`
// (fixtures/netmon/, scripts/fixtures/netmon.sh) must give the same Report as their pcap, read
// from a file (the CLI) and from a Blob (the app). Files NetMon itself writes differ from
// editcap's: version 2.3 records with a UTC FILETIME, records not in file order, NetEvent frames
// carrying ndiscap events. Those are crafted here from the same real packets (labelled crafted:
// written from the format's description in ../shared/knowledge/windows-capture-formats.md and
// Wireshark's netmon.c, not from the reader) and must give the same Report too.
import { describe, it, expect } from "vitest";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join, basename } from "node:path";
import { reportOf } from "./support/report";
import { nodeDecoder } from "../src/cli/wasmNode";
import { analyzeCapture } from "../src/core/analyze";
import { blobSource } from "../src/core/source";
import type { Report } from "../src/core/report";
import type { RawEvent } from "../src/core/decoder/records";
import { describeProblem } from "../src/core/problems";
import * as C from "../assembly/events";

const FIX = join(__dirname, "../fixtures");
const NM = join(FIX, "netmon");
const caps = existsSync(NM) ? readdirSync(NM).filter((f) => f.endsWith(".cap")).sort() : [];

/** The Report without what names the file and its container. */
function sameParts(r: Report): unknown {
  const { file: _f, format: _fm, bytes: _b, ...capture } = r.capture;
  return { ...r, capture };
}

function originalOf(cap: string): string {
  const b = basename(cap, ".cap");
  return b.endsWith("-pcapng") ? join(FIX, `${b.slice(0, -7)}.pcapng`) : join(FIX, `${b}.pcap`);
}

async function reportOfBytes(bytes: Uint8Array, name: string): Promise<Report> {
  return analyzeCapture(await nodeDecoder(), blobSource(new Blob([bytes as Uint8Array<ArrayBuffer>]), name));
}

describe("Network Monitor copies of the fixtures (editcap -F netmon2)", () => {
  it("exist", () => expect(caps.length).toBeGreaterThan(30));
  for (const f of caps) {
    it(f, async () => {
      const cap = join(NM, f);
      const [mine, theirs] = await Promise.all([reportOf(cap), reportOf(originalOf(cap))]);
      expect(mine.capture.format).toBe("netmon");
      expect(sameParts(mine)).toEqual(sameParts(theirs));
      // the app reads the File through Blob slices: the same Report
      expect(sameParts(await reportOfBytes(readFileSync(cap), f))).toEqual(sameParts(theirs));
    });
  }
});

// Network Monitor 1.x (RTSS, millisecond times): editcap's conversions of a few fixtures, each
// next to the pcap editcap wrote back from it (the same packets at the same millisecond times,
// as Wireshark reads the .cap): the Reports must be equal.
const NM1 = join(FIX, "netmon1");
const caps1 = existsSync(NM1) ? readdirSync(NM1).filter((f) => f.endsWith(".cap")).sort() : [];
describe("Network Monitor 1.x copies of the fixtures (editcap -F netmon1)", () => {
  it("exist", () => expect(caps1.length).toBeGreaterThanOrEqual(6));
  for (const f of caps1) {
    it(f, async () => {
      const cap = join(NM1, f);
      const bytes = readFileSync(cap);
      expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("RTSS");
      const [mine, theirs] = await Promise.all([reportOf(cap), reportOf(join(NM1, f.replace(/\.cap$/, ".pcap")))]);
      expect(mine.capture.format).toBe("netmon");
      expect(mine.capture.packets).toBeGreaterThan(0);
      expect(mine.capture.start).toMatch(/\.\d{3}000Z$/); // whole milliseconds, as the format keeps them
      expect(sameParts(mine)).toEqual(sameParts(theirs));
      expect(sameParts(await reportOfBytes(bytes, f))).toEqual(sameParts(theirs));
    });
  }
  it("a 1.x header with another major version: a clear error, not a misread", async () => {
    const b = Uint8Array.from(readFileSync(join(NM1, caps1[0])));
    b[5] = 3; // ver_major
    const d = await nodeDecoder();
    const evs: RawEvent[] = [];
    d.decodeBytes(b, evs);
    const text = evs.filter((e) => e.kind === C.EV_ERROR).map((e) => describeProblem(e, "old.cap").text).join("\n");
    expect(text).toContain("old.cap is a Network Monitor capture of version 3.1, whose magic names another version");
  });
});

// ---- crafted NetMon files, from a pcap's real packets ----
interface Pkt { tsUs: bigint; orig: number; data: Uint8Array }

function pcapPackets(path: string): Pkt[] {
  const b = readFileSync(path);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(0, true) !== 0xa1b2c3d4) throw new Error(`${path}: not a little-endian µs pcap`);
  const out: Pkt[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const incl = dv.getUint32(o + 8, true);
    out.push({ tsUs: BigInt(dv.getUint32(o, true)) * 1000000n + BigInt(dv.getUint32(o + 4, true)), orig: dv.getUint32(o + 12, true), data: b.subarray(o + 16, o + 16 + incl) });
    o += 16 + incl;
  }
  return out;
}

const FT_EPOCH = 116444736000000000n;
const NDISCAP = "2ED6006E-4729-4609-B423-3EE7BCD678EF";

/** GUID text → its 16 bytes as stored (Data1–3 little-endian). */
function guidBytes(g: string): Uint8Array {
  const h = g.replace(/-/g, "");
  const b = new Uint8Array(16);
  const le = (s: string) => s.match(/../g)!.reverse();
  [...le(h.slice(0, 8)), ...le(h.slice(8, 12)), ...le(h.slice(12, 16)), ...h.slice(16).match(/../g)!].forEach((x, i) => { b[i] = parseInt(x, 16); });
  return b;
}

/** An EVENT_RECORD as NetMon stores it in a NetEvent frame, carrying ndiscap 1001 (PacketFragment). */
function netEvent(p: Pkt): Uint8Array {
  const user = 12 + p.data.length;
  const e = new Uint8Array(89 + user);
  const dv = new DataView(e.buffer);
  dv.setUint16(0, e.length, true);
  dv.setUint32(8, 4242, true); // thread
  dv.setUint32(12, 4, true); // process
  dv.setBigUint64(16, p.tsUs * 10n + FT_EPOCH, true);
  e.set(guidBytes(NDISCAP), 24);
  dv.setUint16(40, 1001, true); // event id
  dv.setBigUint64(48, 0x80000000_40000001n | 0x100000000n, true); // PACKET_START|END|SEND-ish keywords, Ethernet
  dv.setUint16(84, 0, true); // no extended data
  dv.setUint16(86, user, true);
  dv.setUint32(89, 7, true); // MiniportIfIndex
  dv.setUint32(93, 7, true); // LowerIfIndex
  dv.setUint32(97, p.data.length, true);
  e.set(p.data, 101);
  return e;
}

/**
 * A NetMon 2.x file: 128-byte header, the records (in reverse file order when `reverse`), the
 * frame table at the end. minor 3 records carry the UTC FILETIME (and ts_delta is left 0, so a
 * reader that ignores the FILETIME gets every time wrong).
 */
function writeNetmon(pkts: Pkt[], o: { minor: number; reverse?: boolean; netEvents?: boolean }): Uint8Array {
  const recs = pkts.map((p) => {
    const data = o.netEvents ? netEvent(p) : p.data;
    const trl = o.minor === 0 ? 0 : o.minor === 1 ? 2 : o.minor === 2 ? 6 : 15;
    const r = new Uint8Array(16 + data.length + trl);
    const dv = new DataView(r.buffer);
    dv.setBigUint64(0, o.minor >= 3 ? 0n : p.tsUs - pkts[0].tsUs + (pkts[0].tsUs % 1000n), true);
    dv.setUint32(8, o.netEvents ? data.length : p.orig, true);
    dv.setUint32(12, data.length, true);
    r.set(data, 16);
    if (trl >= 2) dv.setUint16(16 + data.length, o.netEvents ? 0xffe0 : 1, true);
    if (trl >= 15) dv.setBigUint64(16 + data.length + 6, p.tsUs * 10n + FT_EPOCH, true);
    return r;
  });
  const order = recs.map((_, i) => i);
  if (o.reverse) order.reverse();
  const offsets = new Array<number>(recs.length);
  let off = 128;
  for (const i of order) { offsets[i] = off; off += recs[i].length; }
  const out = new Uint8Array(off + 4 * recs.length);
  const dv = new DataView(out.buffer);
  out.set([0x47, 0x4d, 0x42, 0x55]); // GMBU
  out[4] = o.minor; out[5] = 2;
  dv.setUint16(6, 1, true); // Ethernet
  const start = new Date(Number((pkts[0].tsUs - (pkts[0].tsUs % 1000n)) / 1000n));
  [start.getUTCFullYear(), start.getUTCMonth() + 1, start.getUTCDay(), start.getUTCDate(), start.getUTCHours(),
    start.getUTCMinutes(), start.getUTCSeconds(), start.getUTCMilliseconds()].forEach((v, i) => dv.setUint16(8 + 2 * i, v, true));
  dv.setUint32(24, off, true);
  dv.setUint32(28, 4 * recs.length, true);
  for (const i of order) out.set(recs[i], offsets[i]);
  offsets.forEach((x, i) => dv.setUint32(off + 4 * i, x, true));
  return out;
}

const SCENARIOS = ["tree-bad-share", "krb-spn-unknown-ntlm-fallback", "negotiate-no-response", "wrong-password"];

describe("Network Monitor files as NetMon writes them (crafted from real packets)", () => {
  for (const s of SCENARIOS) {
    const pcap = join(FIX, `${s}.pcap`);
    it(`${s}: version 2.3 (UTC FILETIME), records in reverse file order`, async () => {
      const theirs = await reportOf(pcap);
      const mine = await reportOfBytes(writeNetmon(pcapPackets(pcap), { minor: 3, reverse: true }), `${s}.cap`);
      expect(mine.capture.format).toBe("netmon");
      expect(sameParts(mine)).toEqual(sameParts(theirs));
    });
    it(`${s}: every packet in a NetEvent frame (ndiscap 1001), version 2.1`, async () => {
      const theirs = await reportOf(pcap);
      const mine = await reportOfBytes(writeNetmon(pcapPackets(pcap), { minor: 1, netEvents: true }), `${s}.cap`);
      expect(sameParts(mine)).toEqual(sameParts(theirs));
    });
  }
});

async function eventsOf(bytes: Uint8Array): Promise<RawEvent[]> {
  const d = await nodeDecoder();
  const out: RawEvent[] = [];
  d.decodeBytes(bytes, out);
  return out;
}
const problems = (evs: RawEvent[]) => evs.filter((e) => e.kind === C.EV_WARNING || e.kind === C.EV_ERROR).map((e) => describeProblem(e, "x.cap").text);

describe("damaged Network Monitor files", () => {
  const good = readFileSync(join(NM, "tree-bad-share.cap"));
  const tableOff = new DataView(good.buffer, good.byteOffset).getUint32(24, true);

  it("a frame table cut by the end of the file: the frames it lists are read, and it says so", async () => {
    const cut = good.subarray(0, good.length - 40); // the last 10 entries
    const evs = await eventsOf(cut);
    const sum = evs.find((e) => e.kind === C.EV_SUMMARY)!;
    expect(Number(sum.f.packets)).toBe(18);
    expect(problems(evs).join("\n")).toMatch(/frame table ends after 18 of its 28 entries/);
  });

  it("entries pointing past the end of the file are skipped with one warning", async () => {
    const b = new Uint8Array(good);
    const dv = new DataView(b.buffer);
    dv.setUint32(tableOff + 4 * 5, 0x7ffffff0, true);
    dv.setUint32(tableOff + 4 * 6, b.length - 8, true); // a record header cut by the end of the file
    const evs = await eventsOf(b);
    expect(Number(evs.find((e) => e.kind === C.EV_SUMMARY)!.f.packets)).toBe(28);
    expect(problems(evs).join("\n")).toMatch(/2 frames .*frame 6 at byte offset 2147483632/);
  });

  it("a frame table that sends the reader back and forth costs reads in proportion to the file", async () => {
    // two records 64 KiB apart, and a table of 2,000,000 entries alternating between them
    const recA = good.subarray(128, 128 + 16 + 42), recB = recA;
    const n = 2_000_000, gap = 64 << 10;
    const tableAt = 128 + recA.length + gap + recB.length;
    const b = new Uint8Array(tableAt + 4 * n);
    b.set(good.subarray(0, 128));
    b.set(recA, 128);
    b.set(recB, 128 + recA.length + gap);
    const dv = new DataView(b.buffer);
    dv.setUint32(24, tableAt, true);
    dv.setUint32(28, 4 * n, true);
    for (let i = 0; i < n; i++) dv.setUint32(tableAt + 4 * i, i & 1 ? 128 + recA.length + gap : 128, true);
    const t = performance.now();
    const evs = await eventsOf(b);
    expect(performance.now() - t).toBeLessThan(4_000);
    expect(problems(evs).join("\n")).toMatch(/frames of the frame table could not be read/);
  }, 60_000);

  it("a header that is not a NetMon 2.x header is a clear error", async () => {
    const b = new Uint8Array(good);
    b[5] = 3; // version 3.x
    expect(problems(await eventsOf(b)).join("\n")).toMatch(/Network Monitor .*version 3/);
    const t = new Uint8Array(good);
    new DataView(t.buffer).setUint32(28, 7, true); // table length not a multiple of 4
    expect(problems(await eventsOf(t)).join("\n")).toMatch(/frame table/);
    expect(problems(await eventsOf(good.subarray(0, 100))).join("\n")).toMatch(/ends inside its file header \(100 of 128/);
  });
});
