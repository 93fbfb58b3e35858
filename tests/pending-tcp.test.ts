// TCP failures kept as rows until the end (src/core/model/pendingTcp.ts): a connection refused by
// a reset right after its SYNs waits as a row instead of its model, and at the end is made a model
// again and kept, or diagnosed alone and folded. The Report (deep equal, its JSON, its text, the
// CLI's --json bytes, the records a sink gets) must be the one made without the rows
// (setPendingTcp(false)), on captures that take every branch of the end: a SYN scan past the
// Report's budgets; replicas of real fixtures (bench/gen.mjs) where a refused 445 has a 139 that
// worked on the same hosts (folded set up fine, or kept to the end), where the client host speaks
// Kerberos, where a share's connection limit refused a tree connect while rows were open, where
// an ICMP error quoting a row's id predates it (the row, the later connection of the id, takes
// the error: model/icmp.ts), and one crafted capture where an ICMP error answers a row's SYN.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { foldingModel } from "./support/foldRun";
import { buildReport } from "../src/core/reportBuilder";
import { setPendingTcp } from "../src/core/model/pendingTcp";
import { LADDERS_PROBLEM } from "../src/core/connectionRecord";
import { FINDINGS_PER_ID } from "../src/core/diagnose/context";
import { renderText } from "../src/cli/render";
import { main } from "../src/cli/main";
import type { Connection, Report } from "../src/core/report";
import { replaceInPcap } from "./support/craft";
// @ts-expect-error: the bench's generator is plain JavaScript
import { loadSeed, generate, floodFlows, floodPcap } from "../bench/gen.mjs";

const FIX = join(__dirname, "../fixtures");
let dir = "";
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "smbscope-pending-")); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

interface Run {
  report: Report;
  /** the records a sink got, in Report order (with `sink`) */
  put: string[];
  /** rows made while decoding; of them folded at the end; connections folded set up fine as they closed */
  rows: number; foldedRows: number; healthy: number;
}

/** The Report of `file` with every fold, with the TCP failures as rows or not. */
async function run(file: string, rows: boolean, sink = false): Promise<Run> {
  const put: [number, string][] = [];
  const to = sink ? { put: (order: number, c: Connection) => { put.push([order, JSON.stringify(c)]); } } : undefined;
  const m = await foldingModel(file, to ?? null, setPendingTcp, rows);
  const n = m.folded?.pending?.length ?? 0, healthy = m.folded?.rows.length ?? 0;
  const diagnosed = m.folded?.diagnosed, before = diagnosed?.count ?? 0;
  const report = buildReport(m, to);
  put.sort((x, y) => x[0] - y[0]);
  return { report, put: put.map(([, j]) => j), rows: n, foldedRows: (diagnosed?.count ?? 0) - before, healthy };
}

/** The CLI's --json output (records through its spool), with the rows or not. */
async function cliJson(file: string, rows: boolean): Promise<string> {
  const parts: string[] = [], err: string[] = [];
  setPendingTcp(rows);
  try {
    const code = await main(["--json", file], (s) => { parts.push(s); }, (s) => { err.push(s); }, (s) => { parts.push(s); });
    expect(err).toEqual([]);
    expect(code).toBe(1); // (a connection failed)
  } finally { setPendingTcp(true); }
  return parts.join("");
}

/** The Reports of `file` with and without the rows, asserted the same; the one with them. */
async function same(file: string): Promise<Run> {
  const rows = await run(file, true), none = await run(file, false);
  expect(none.rows).toBe(0);
  expect(rows.report).toEqual(none.report);
  expect(JSON.stringify(rows.report)).toBe(JSON.stringify(none.report));
  expect(renderText(rows.report, false)).toBe(renderText(none.report, false));
  const sunk = await run(file, true, true), sunkNone = await run(file, false, true);
  expect(sunk.put).toEqual(sunkNone.put);
  expect(JSON.stringify(sunk.report)).toBe(JSON.stringify(sunkNone.report));
  expect(await cliJson(file, true)).toBe(await cliJson(file, false));
  return rows;
}

const seed = (f: string) => loadSeed(join(FIX, f));
type Seed = ReturnType<typeof seed>;

/**
 * A capture of replicas, phase after phase (each `n` replicas of its weighted `mix`), the
 * replicas' hosts those of `hosts` sets (gen.mjs: replicas `hosts` apart share both addresses).
 */
function phased(file: string, phases: { mix: [Seed, number][]; n: number }[], hosts = 0, lanes = 1): void {
  const ends: number[] = [];
  for (const p of phases) ends.push((ends[ends.length - 1] ?? 0) + p.n);
  const seeds = [...new Set(phases.flatMap((p) => p.mix.map(([s]) => s)))];
  // gen.mjs reads every weight once for its total, then, at each pick, the first one's and on
  // until the pick: the first getter counts the reads (the total's, then one per pick); each
  // phase's weights sum to 1, the total
  let reads = 0;
  const phaseNow = () => { const p = Math.max(0, reads - 2); const k = ends.findIndex((e) => p < e); return phases[k < 0 ? phases.length - 1 : k]; };
  const mix = seeds.map((s, i) => ({
    seed: s,
    get weight() {
      if (i === 0) reads++;
      const ph = phaseNow(), total = ph.mix.reduce((t, [, w]) => t + w, 0);
      return (ph.mix.find(([x]) => x === s)?.[1] ?? 0) / total;
    },
  }));
  generate(file, { mix, replicas: ends[ends.length - 1], lanes, hosts });
}

const ids = (r: Report, id: string) => r.connections.filter((c) => c.findings.includes(id));
/** a lead of refused connections on hosts of their own: past them, the Report's budgets are spent */
const LEAD = LADDERS_PROBLEM + 100;

describe("TCP failures as rows until the end", () => {
  it("make the Report of a SYN scan without them, past the ladders', the findings' and the groups' budgets", async () => {
    // crafted: SYNs to 445, each refused by a reset (gen.mjs flood frames, as the scan200k bench)
    const n = 2600, file = join(dir, "scan.pcap");
    writeFileSync(file, floodPcap(floodFlows(n, { adversarial: false, port: 445 })));
    const r = await same(file);
    // it happened: every connection a row (but the last: no record comes past its reset, it stays
    // a model: model/fold.ts Folder), all but those whose ladders the Report keeps folded
    expect(r.rows).toBe(n - 1);
    expect(r.foldedRows).toBe(n - 1 - LADDERS_PROBLEM);
    const k = n.toLocaleString("en-US"); // the verdict writes counts with separators ("1,020")
    expect(r.report.verdict).toBe(`${k} of ${k} SMB connections failed at TCP connect: ${k} TCP connections refused.`);
    const group = r.report.findings.find((f) => f.id === "TCP_REJECTED" && f.connections);
    expect(group!.connections!.length).toBe(1000); // (a group lists 1,000: the verdict's causes come from the heads)
    expect(r.report.connections.filter((c) => c.ladder).length).toBe(LADDERS_PROBLEM);
  }, 240_000);

  it("keep the first findings of their id whole past the ladders' budget", async () => {
    // refused tree connects (tree-bad-share) spend the Report's budget of failed connections kept
    // to the end; the refused connections after them are the first of their finding id, whose
    // first FINDINGS_PER_ID + 1 the Report shows whole (the rest fold)
    const file = join(dir, "whole.pcap"), n = 100;
    phased(file, [{ mix: [[seed("tree-bad-share.pcap"), 1]], n: LEAD }, { mix: [[seed("tcp-rejected.pcap"), 1]], n }]);
    const r = await same(file);
    expect(r.rows).toBe(n - 1);
    expect(r.foldedRows).toBe(n - 1 - (FINDINGS_PER_ID + 1));
    const rejected = r.report.findings.filter((f) => f.id === "TCP_REJECTED");
    expect(rejected.map((f) => !!f.connection)).toEqual([...new Array(FINDINGS_PER_ID).fill(true), false]);
    expect(rejected[FINDINGS_PER_ID].title).toMatch(/^…and \d+ more: Connection to .* refused \(TCP reset\)$/);
  }, 240_000);

  for (const open of [false, true]) {
    it(`keep a refused 445 whose client reached the server on 139 (PORT_139_FALLBACK), the 139 one ${open ? "kept to the end" : "folded as it closed"}`, async () => {
      // nbss139 replicas, then refused ones (tcp-rejected): the last `pairs` of those on the hosts
      // of an nbss139 one (replicas `hosts` apart share them), past the budgets the first spend;
      // then more healthy connections (smb311-ok, on 445) than refused ones, folded as they close.
      // Open: nbss139 without its closing FINs (the capture stopped before), never folded.
      const nb = seed("nbss139.pcap");
      const fin = nb.packets.findIndex((p: { meta?: { l4: number }; data: Uint8Array }) => p.meta && (p.data[p.meta.l4 + 13] & 1) !== 0);
      const nbss = open ? { ...nb, name: "nbss139-open", packets: nb.packets.slice(0, fin) } : nb;
      const pairs = 30, refused = LEAD + 100 + pairs, file = join(dir, `fallback-${open}.pcap`);
      const healthy = refused + 100;
      phased(file, [{ mix: [[nbss, 1]], n: pairs }, { mix: [[seed("tcp-rejected.pcap"), 1]], n: refused }, { mix: [[seed("smb311-ok.pcap"), 1]], n: healthy }], refused);
      const r = await same(file);
      expect(ids(r.report, "PORT_139_FALLBACK").length).toBe(pairs);
      expect(r.rows).toBe(refused);
      expect(r.foldedRows).toBeGreaterThan(50);
      // the nbss139 ones folded as they closed, or none of them (the last few healthy ones stay models)
      if (open) expect(r.healthy).toBeLessThan(healthy);
      else expect(r.healthy).toBeGreaterThan(healthy + pairs - 5);
    }, 240_000);
  }

  it("keep the refused connections of a client host that speaks Kerberos", async () => {
    // every replica on the same two hosts (one host set): the refused ones among Kerberos setups
    const file = join(dir, "kerberos.pcap");
    const rejected = seed("tcp-rejected.pcap");
    phased(file, [
      { mix: [[rejected, 1]], n: LEAD },
      { mix: [[rejected, 3], [seed("kdc-unreachable.pcap"), 1], [seed("krb-smb-ok.pcap"), 1], [seed("krb-spn-unknown-ntlm-fallback.pcap"), 1]], n: 600 },
    ], 1, 4);
    const r = await same(file);
    expect(r.rows).toBeGreaterThan(LEAD + 200);
    expect(r.report.kerberos.length).toBeGreaterThan(300);
    expect(r.foldedRows).toBe(0);
  }, 240_000);

  it("keep the refused connections open when a share's connection limit refused a tree connect", async () => {
    // share-max-connections (Samba's max connections) among many more refused connections to the
    // same server, 16 at a time: refused ones are open at a refusal, whose text counts them
    // (also tcp-rejected without its ARP frames: replicas of one length stay in step with each
    // other, and a refusal could always come between their resets and their next SYNs)
    const file = join(dir, "limit.pcap");
    const rejected = seed("tcp-rejected.pcap");
    const tcpOnly = { ...rejected, name: "tcp-rejected-tcp", packets: rejected.packets.filter((p: { meta?: { proto: number } }) => p.meta?.proto === 6) };
    phased(file, [{ mix: [[rejected, 1]], n: LEAD }, { mix: [[rejected, 20], [tcpOnly, 20], [seed("share-max-connections.pcap"), 1]], n: 1200 }], 1, 16);
    const r = await same(file);
    // it happened: refusals shown whole, refused connections open at them (the count of those
    // open at a refusal is of the models kept to the end: tree-connection-limit.ts othersAt)
    const limits = r.report.findings.filter((f) => f.id === "TREE_CONNECTION_LIMIT" && f.connection);
    expect(limits.length).toBe(FINDINGS_PER_ID);
    const rows = r.report.connections.filter((c) => c.failedPhase === "tcp");
    const openAt = (at: number) => rows.filter((c) => c.firstFrame <= at && c.lastFrame >= at).length;
    expect(limits.filter((f) => openAt(f.frames[f.frames.length - 1]) > 0).length).toBeGreaterThan(5);
    expect(r.foldedRows).toBeGreaterThan(500);
  }, 240_000);

  it("give an ICMP error to the later connection of an id, a row, as without them", async () => {
    // Port reuse: syn-icmp-prohibited (a SYN refused by ICMP) and, 12,132 replicas later, a
    // refused connection (tcp-rejected) from the same client port (gen.mjs: replica r of a port
    // p gets 1024 + (p - 1024 + 7919 r) mod 64000) on the same hosts. The ICMP error quotes the
    // later connection's id too: it is the last of that id, and the error came before its SYN,
    // so neither takes it (model/icmp.ts), and the first is unanswered.
    const file = join(dir, "icmp-reuse.pcap"), n = 50, apart = 12132;
    phased(file, [{ mix: [[seed("syn-icmp-prohibited.pcap"), 1]], n }, { mix: [[seed("tcp-rejected.pcap"), 1]], n: apart }], apart);
    const r = await same(file);
    const twice = new Map<string, number>();
    for (const c of r.report.connections) twice.set(c.id, (twice.get(c.id) ?? 0) + 1);
    expect([...twice.values()].filter((k) => k === 2).length).toBe(n);
    expect(ids(r.report, "TCP_NO_ANSWER").length).toBe(n);
    expect(r.foldedRows).toBeGreaterThan(10_000);
  }, 240_000);

  it("attach an ICMP error that answers a row's SYN (crafted)", async () => {
    // crafted: syn-icmp-prohibited's SYN and ICMP error, then a reset from the server (tcp-rejected's,
    // given that connection's addresses and ports): refused twice, a row with an ICMP step
    const rst = replaceInPcap(new Uint8Array(readFileSync(join(FIX, "tcp-rejected.pcap"))), [
      { from: Uint8Array.of(10, 99, 1, 2), to: Uint8Array.of(10, 99, 2, 2) },
      { from: Uint8Array.of(10, 99, 1, 1), to: Uint8Array.of(10, 99, 2, 5) },
      { from: Uint8Array.of(0x01, 0xbd, 0x80, 0x06), to: Uint8Array.of(0x01, 0xbd, 0xa4, 0x62) }, // 445 → 32774 (the reset)
    ]);
    const icmp = new Uint8Array(readFileSync(join(FIX, "syn-icmp-prohibited.pcap")));
    const last = lastRecord(rst);
    const both = new Uint8Array(icmp.length + last.length);
    both.set(icmp); both.set(last, icmp.length);
    const crafted = join(dir, "syn-icmp-rst.pcap"), file = join(dir, "icmp-row.pcap");
    writeFileSync(crafted, both);
    phased(file, [{ mix: [[loadSeed(crafted), 1]], n: 30 }, { mix: [[seed("tcp-rejected.pcap"), 1]], n: 200 }]);
    const r = await same(file);
    const withIcmp = r.report.connections.filter((c) => c.ending?.how === "rst" && c.ladder?.some((s) => s.label.startsWith("ICMP destination unreachable")));
    expect(withIcmp.length).toBe(30);
    expect(r.rows).toBe(30 + 200 - 1);
  }, 240_000);
});

/** The last record (header and packet) of a little-endian pcap. */
function lastRecord(b: Uint8Array): Uint8Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let o = 24, at = 24;
  while (o + 16 <= b.length) { at = o; o += 16 + dv.getUint32(o + 8, true); }
  return b.subarray(at, o);
}
