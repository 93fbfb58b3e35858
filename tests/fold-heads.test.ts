// The findings and records of connections folded with findings are kept in columns
// (src/core/model/foldedHeads.ts) and given to their readers from there: the grouped findings
// (reportBuilder.ts groupFindings: counts, the connections listed, the frames), the verdict and
// its counts (verdict.ts) and the servers' failed clients (serverList.ts) must be those of the
// Report made without the fold. A capture of replicas of a few failing fixtures, each of whose
// finding ids (errors, warnings, information) has many more folded connections than the Report
// shows whole, and one past the 1,000 connections a group lists. And the ids the fallbacks ask
// of (reportBuilder.ts explainedByHeads): a kept connection that reuses a folded error
// connection's id (the same client port to the same server) is explained by its error.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FINDINGS_PER_ID } from "../src/core/diagnose/context";
// @ts-expect-error: the bench's generator is plain JavaScript
import { loadSeed, generate } from "../bench/gen.mjs";
import { foldsAgree } from "./support/foldRun";

let dir = "";
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "smbscope-heads-")); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });


/**
 * A capture of `first` replicas of `lead`, then of the weighted `mix`, one connection at a time
 * (each closes before the next starts: close order is Report order). The lead's failures spend the
 * Report's budget of failed connections kept to the end (foldDiagnosed.ts (3)); past it, the
 * mix's findings of each id fold from the first past those the Report keeps whole, so that the
 * folded heads are the next ones of their group: its frames and first connections are theirs.
 */
function phased(file: string, lead: string, first: number, mix: [string, number][], replicas: number): void {
  const seed = (f: string) => loadSeed(join(__dirname, "../fixtures", f));
  let picks = 0;
  const total = mix.reduce((s, [, w]) => s + w, 0);
  // (gen.mjs picks by the weights as they are at each pick, against their first total)
  const phasedMix = [
    { seed: seed(lead), get weight() { return picks++ < first ? total : 0; } },
    ...mix.map(([f, w]) => ({ seed: seed(f), get weight() { return picks > first ? w : 0; } })),
  ];
  generate(file, { mix: phasedMix, replicas, lanes: 1 });
}

const MIX: [string, number][] = [
  ["wrong-password.pcap", 4], // LOGON_FAILURE (error): past the 1,000 connections of a group
  ["tree-bad-share.pcap", 1], // TREE_BAD_NETWORK_NAME (error)
  ["ntlmv1-accepted.pcap", 1], // NTLMV1_IN_USE (warning), set up
  ["smb1-dos-wrong-password.pcap", 1], // SMB1_IN_USE (warning) with a logon failure
  ["encrypt-smb3.pcap", 1], // ENCRYPTED_TRAFFIC (information), set up
  ["smb311-ok.pcap", 1],
];

/** The Reports of `file` without a fold, with the fold of connections with findings, and that with a sink, with what they share asserted. */
const same = (file: string) => foldsAgree(file);

describe("folded findings in columns", () => {
  it("group, count and judge as the Report without the fold", async () => {
    const file = join(dir, "heads.pcap");
    phased(file, "tree-access-denied.pcap", 1050, MIX, 3600);
    const { none, all } = await same(file);
    // it happened: of every id, grouped findings whose connections and frames are mostly of folded
    // connections (a fold that never happens proves nothing), of each severity
    expect(all.folded.size).toBeGreaterThan(1500);
    const groups = none.report.findings.filter((f) => f.connections);
    const withFolded = groups.filter((g) => g.connections!.filter((id) => all.folded.has(id)).length > FINDINGS_PER_ID + 1);
    expect(new Set(withFolded.map((g) => g.id))).toEqual(new Set(["LOGON_FAILURE", "TREE_BAD_NETWORK_NAME", "NTLMV1_IN_USE", "SMB1_IN_USE", "ENCRYPTED_TRAFFIC"]));
    expect(new Set(withFolded.map((g) => g.severity))).toEqual(new Set(["error", "warning", "info"]));
    // the mix's groups: the first connection listed is the last the Report keeps whole, the next ones folded
    for (const g of withFolded.filter((g) => g.id !== "LOGON_FAILURE")) {
      expect(g.connections!.slice(0, 12).map((id) => all.folded.has(id)), g.id).toEqual([false, ...new Array(11).fill(true)]);
      expect(g.frames.length).toBeGreaterThanOrEqual(20);
    }
    const logon = groups.find((g) => g.id === "LOGON_FAILURE")!;
    expect(logon.connections!.length).toBe(1000);
    // the servers list folded connections' failures
    const failedClients = (none.report.servers ?? []).flatMap((s) => s.failed.map((f) => f.client));
    expect(failedClients.filter((c) => [...all.folded].some((id) => id.startsWith(`${c}-`))).length).toBeGreaterThan(1000);
    expect(none.report.headline!.failed).toBeGreaterThan(2000);
  }, 240_000);

  it("group, count and judge as the Report without the fold when connections close out of Report order", async () => {
    // 32 connections at once: they close, and fold, in another order than the Report's
    const file = join(dir, "lanes.pcap");
    generate(file, { mix: MIX.map(([f, weight]) => ({ seed: loadSeed(join(__dirname, "../fixtures", f)), weight })), replicas: 2600, lanes: 32 });
    const { none, all } = await same(file);
    expect(all.folded.size).toBeGreaterThan(1000);
    const order = new Map(none.report.connections.map((c, i) => [c.id, i]));
    const folded = none.report.findings.flatMap((f) => f.connections ?? []).filter((id) => all.folded.has(id)).map((id) => order.get(id)!);
    expect(folded.length).toBeGreaterThan(500);
  }, 240_000);

  it("judge one cause as the Report without the fold", async () => {
    // every connection fails the same way, each on hosts of its own (a title each), the last ones
    // folded: one cause (the group lists every connection past the whole ones), the titles differ
    const file = join(dir, "one-cause.pcap");
    const n = 1000 + FINDINGS_PER_ID;
    phased(file, "tree-bad-share.pcap", n, [["tree-bad-share.pcap", 1]], n);
    const { none, all } = await same(file);
    expect(all.folded.size).toBeGreaterThan(10);
    expect(none.report.headline!.causes.length).toBe(1);
    expect(none.report.headline!.failed).toBe(n);
    const k = n.toLocaleString("en-US"); // the verdict writes counts with separators ("1,020")
    // (the folded ones in the group the Report lists: their one finding, not the first one's title)
    expect(none.report.verdict).toBe(`${k} of ${k} SMB connections failed at tree connect: ${k} bad share names.`);
  }, 240_000);
});

/**
 * A capture of replicas of the `phases`' fixtures, one phase after the other (each [fixture,
 * replicas]), one connection at a time, the replicas' hosts those of `hosts` sets (gen.mjs:
 * replicas `hosts` apart share both addresses).
 */
function inPhases(file: string, phases: [string, number][], hosts: number): void {
  const ends: number[] = [];
  for (const [, n] of phases) ends.push((ends[ends.length - 1] ?? 0) + n);
  // gen.mjs reads every weight once for its total, then, at each pick, the first one's and on
  // until the pick: the first getter counts the reads (the total's, then one per pick)
  let reads = 0;
  const phaseNow = () => { const p = Math.max(0, reads - 2); return ends.findIndex((e) => p < e); };
  const mix = phases.map(([f], k) => ({
    seed: loadSeed(join(__dirname, "../fixtures", f)),
    get weight() { if (k === 0) reads++; return phaseNow() === k ? 1 : 0; },
  }));
  generate(file, { mix, replicas: ends[ends.length - 1], lanes: 1, hosts });
}

describe("folded error connections and the fallbacks", () => {
  it("a connection whose id a folded connection with an error finding had gets no fallback, as without the fold", async () => {
    // Port reuse: a client that connected from the same port to the same server twice. The first
    // time its tree connect was refused (smb1-dos-bad-share: TREE_BAD_NETWORK_NAME, an error), and
    // that connection folds (past the Report's budget of failed connections kept to the end, spent
    // by the first phase, and past the findings of its ids the Report shows whole); the second time
    // it negotiated and hung up (krb-required-ip: a fallback, AUTH_NOT_ATTEMPTED, kept to the end).
    // The fallbacks speak only for a connection no error finding explains, by its id
    // (precedence.ts explainedByError): the folded connection's error must still explain it.
    // gen.mjs gives replica r of a fixture whose client port is p the port 1024 + (p - 1024 +
    // 7919 r) mod 64000: a smb1-dos-bad-share replica (port 42214) and the krb-required-ip
    // replica (port 59366) 1792 replicas later get the same port; 1792 host sets give them the
    // same hosts too.
    const file = join(dir, "port-reuse.pcap");
    const lead = 1000 + 1, refused = 1900, later = 200;
    inPhases(file, [["krb-required-ip.pcap", lead], ["smb1-dos-bad-share.pcap", refused], ["krb-required-ip.pcap", later]], 1792);
    const { none, all } = await same(file);
    // it happened: ids on two connections, one folded with its error, the other kept
    const count = (ids: string[]) => { const n = new Map<string, number>(); for (const id of ids) n.set(id, (n.get(id) ?? 0) + 1); return n; };
    const reused = [...count(none.report.connections.map((c) => c.id))].filter(([, n]) => n === 2).map(([id]) => id);
    expect(reused.length).toBe(later);
    const kept = count(all.kept);
    expect(reused.filter((id) => kept.get(id) === 1).length).toBe(later);
    const refusedTree = (id: string) => none.report.connections.some((c) => c.id === id && c.failedPhase === "tree_connect");
    expect(reused.filter(refusedTree).length).toBe(later);
    // …and neither Report gives the later connections a fallback
    const fallbacks = none.report.findings.filter((f) => f.id === "AUTH_NOT_ATTEMPTED" || f.id === "CONNECTION_ABANDONED");
    const named = new Set(fallbacks.flatMap((f) => [f.connection, ...(f.connections ?? [])]));
    expect(reused.filter((id) => named.has(id))).toEqual([]);
    // (the lead's own connections do get theirs: the fallback is live in this capture)
    expect(fallbacks.length).toBeGreaterThan(0);
  }, 240_000);
});
