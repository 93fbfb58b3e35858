// Folding connections with findings (src/core/model/foldDiagnosed.ts): a closed connection that
// fails or sets up with a finding is diagnosed alone as it closes and its model goes, and the
// Report, JSON and text, is the one made without folding. The fixtures are too small for it (the
// fold waits until the Report's budgets of ladders and whole findings are spent), so these run on
// captures made by the bench's generator from every fixture (bench/gen.mjs dense): tens of
// scenarios replayed thousands of times, once with every replica on its own hosts and once with
// the replicas sharing 100 sets of client and server hosts over hours (as on a real network: the rules
// that read other connections of a host, Kerberos pairing, same ports reused, then have work).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { nodeDecoder } from "../src/cli/wasmNode";
import { ModelBuilder, MODEL_FIELDS } from "../src/core/model/builder";
import { fieldFilter, type EventRecord } from "../src/core/decoder/records";
import { buildReport } from "../src/core/reportBuilder";
import { renderText } from "../src/cli/render";
import type { Connection, Report } from "../src/core/report";
import type { ConnectionSink } from "../src/core/connectionSink";
// @ts-expect-error: the bench's generator is plain JavaScript
import { loadSeed, generate } from "../bench/gen.mjs";

const GEN = join(__dirname, "../bench/gen.mjs");
let dir = "";

/** A capture from the bench's generator: `args` after its kind and file. */
function generated(name: string, args: string[]): string {
  const file = join(dir, name);
  execFileSync(process.execPath, [GEN, "dense", file, ...args], { stdio: "ignore" });
  return file;
}

type Fold = "none" | "healthy" | "all";
interface Run { report: Report; diagnosed: number; models: number }

async function run(file: string, fold: Fold, sink?: ConnectionSink): Promise<Run> {
  const bytes = new Uint8Array(readFileSync(file));
  const d = await nodeDecoder();
  const b = new ModelBuilder(file.split("/").pop()!, bytes.length);
  if (fold !== "none") b.foldAtClose(sink ?? null, fold === "all");
  const m = b.model;
  const diagnosed = () => m.folded?.diagnosed?.count ?? 0;
  d.setSetupOnly(true);
  d.setFieldFilter(fieldFilter(MODEL_FIELDS));
  const to = { record: (ev: EventRecord) => b.record(ev) };
  try { d.reset(); d.push(bytes, to); d.finish(to); } finally { d.setSetupOnly(false); d.setFieldFilter(null); }
  const model = b.finish();
  // (the TCP failures kept as rows until the end count as kept: model/pendingTcp.ts settles them there)
  const r = { diagnosed: diagnosed(), models: model.connections.length + (model.folded?.pending?.length ?? 0) };
  return { report: buildReport(model, sink), ...r };
}

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "smbscope-fold-")); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe("fold of connections with findings", () => {
  // (40 MB: ~2,200 failing connections, past the budgets; about 1,100 and 670 of them fold)
  for (const [name, args, folds] of [
    ["own hosts", ["--bytes", "40000000"], 800],
    ["shared hosts", ["--bytes", "40000000", "--hosts", "100", "--tick-us", "100000"], 400],
  ] as const) {
    it(`makes the same Report as no folding (${name})`, async () => {
      const file = generated(`${name.replace(" ", "-")}.pcap`, [...args]);
      const none = await run(file, "none");
      const healthy = await run(file, "healthy");
      const all = await run(file, "all");
      // the same as the fold of healthy connections alone (the product before this fold), and as
      // no fold but for which healthy connections keep their ladders (model/fold.ts: past the
      // ladders' budget, the healthy fold keeps those of the first to close, not the first in
      // Report order)
      const want = JSON.stringify(healthy.report);
      expect(JSON.stringify(all.report)).toBe(want);
      expect(renderText(all.report, false)).toBe(renderText(healthy.report, false));
      const noLadders = (r: Report) => JSON.stringify({ ...r, connections: r.connections.map((c) => ({ ...c, ladder: undefined })) });
      expect(noLadders(all.report)).toBe(noLadders(none.report));
      // it happened, and took models away: a fold that never happens proves nothing
      const failed = none.report.connections.filter((c) => c.outcome !== "ok").length;
      expect(failed).toBeGreaterThan(1500);
      expect(all.diagnosed).toBeGreaterThan(folds);
      expect(all.models).toBe(healthy.models - all.diagnosed);
      // with a sink: the records sort to the Report's connections, the rest is the same
      const got: [number, string][] = [];
      const sunk = await run(file, "all", { put: (order: number, c: Connection) => { got.push([order, JSON.stringify(c)]); } });
      got.sort((a, b) => a[0] - b[0]);
      expect(got.map(([, j]) => j)).toEqual(healthy.report.connections.map((c) => JSON.stringify(c)));
      expect(JSON.stringify({ ...sunk.report, connections: undefined })).toBe(JSON.stringify({ ...healthy.report, connections: undefined }));
    }, 240_000);
  }

  it("folds connections that authenticated with Kerberos where the capture never sees the KDC (a file server's)", async () => {
    // krb-smb-ok without its KDC exchanges, as on the file server's wire, among NTLM ones
    const krb = loadSeed(join(__dirname, "../fixtures/krb-smb-ok.pcap"));
    krb.packets = krb.packets.filter((p: { meta?: { sport: number; dport: number } }) => p.meta && p.meta.sport !== 88 && p.meta.dport !== 88);
    const ntlm = loadSeed(join(__dirname, "../fixtures/smb311-ok.pcap"));
    const file = join(dir, "krb-file-server.pcap");
    generate(file, { mix: [{ seed: krb, weight: 1 }, { seed: ntlm, weight: 1 }], replicas: 1200, lanes: 32 });
    const none = await run(file, "none");
    const all = await run(file, "all");
    const kerberos = none.report.connections.filter((c) => c.auth === "kerberos");
    expect(kerberos.length).toBeGreaterThan(500);
    expect(kerberos.every((c) => c.outcome === "ok" && c.findings.length === 0)).toBe(true);
    // every Kerberos connection folded, its model gone (the NTLM ones by the healthy fold)
    expect(all.diagnosed).toBe(kerberos.length);
    expect(all.models).toBe(0);
    // the same Report but for which healthy connections keep their ladders: as many of them
    const noLadders = (r: Report) => JSON.stringify({ ...r, connections: r.connections.map((c) => ({ ...c, ladder: undefined })) });
    expect(noLadders(all.report)).toBe(noLadders(none.report));
    const ladders = (r: Report) => r.connections.filter((c) => c.ladder).length;
    expect(ladders(all.report)).toBe(ladders(none.report));
  }, 120_000);
});
