// The fold of connections open at another's refusal for a connection limit (src/core/model/fold.ts
// limitsHidden): such a connection is counted in that refusal's TREE_CONNECTION_LIMIT text
// (tree-connection-limit.ts othersAt), so it folds only where the Report shows that finding as a
// head, without text; and, set up fine, only where its ladder changes no ladder of the Report
// (limitKept, noOkLadder). The Report, JSON and text, is the one made when every such connection
// is kept to the end, byte for byte. Captures of replicas of the real share-max-connections
// fixture (a first connection holds the share, a second is refused STATUS_INSUFFICIENT_RESOURCES
// while it is open) among NTLM ones set up fine and failing, sharing server hosts (a refusal then
// counts other replicas' connections open at it).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { limitFold } from "../src/core/model/fold";
import { renderText } from "../src/cli/render";
import type { Report } from "../src/core/report";
import { switchRun, type SwitchRun as Run } from "./support/foldRun";
// @ts-expect-error: the bench's generator is plain JavaScript
import { loadSeed, generate } from "../bench/gen.mjs";

let dir = "";
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "smbscope-foldlimit-")); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); limitFold.on = true; });

/** The Report of `file` (folding; with `sink` the records go there), with the limit fold on or off; `kept`: the models kept to the end. */
const run = (file: string, on: boolean, sink = false) => switchRun(file, limitFold, on, sink);

function capture(file: string, mix: [string, number][], replicas: number, hosts: number): void {
  const seed = (f: string) => loadSeed(join(__dirname, "../fixtures", f));
  generate(file, { mix: mix.map(([f, weight]) => ({ seed: seed(f), weight })), replicas, lanes: 256, hosts, tickUs: 200 });
}

/** The Reports with the limit fold and without are the same (and with a sink); returns both runs. */
async function same(file: string): Promise<{ off: Run; on: Run }> {
  const off = await run(file, false);
  const on = await run(file, true);
  expect(on.json === off.json).toBe(true);
  if (on.json !== off.json) expect(on.report).toEqual(off.report); // (the difference, if any)
  expect(renderText(on.report, false)).toBe(renderText(off.report, false));
  const sunk = await run(file, true, true);
  expect(JSON.stringify(sunk.report.connections)).toBe(JSON.stringify(off.report.connections));
  expect(sunk.report.findings).toEqual(off.report.findings);
  expect(sunk.report.verdict).toBe(off.report.verdict);
  return { off, on };
}

const limited = (r: Report) => r.connections.filter((c) => c.findings.includes("TREE_CONNECTION_LIMIT")).length;

describe("fold of connections open at a refusal for a connection limit", () => {
  it("folds them where their ladders change none of the Report's, to the same Report", async () => {
    // refusals on 30 servers shared with connections set up fine of four lengths (their order of
    // closing is not the Report's: which keep ladders tells the folds apart), past the budgets
    const file = join(dir, "ladders.pcap");
    capture(file, [["share-max-connections.pcap", 4], ["smb311-ok.pcap", 1], ["smb1-nt1-ok.pcap", 1], ["nbss139.pcap", 1], ["wrong-password.pcap", 1]], 3000, 30);
    const { off, on } = await same(file);
    // it happened: refusals past the whole findings' budget, connections open at them folded,
    // healthy ones past the ladders' budget
    expect(limited(off.report)).toBeGreaterThan(1000);
    expect(off.report.connections.filter((c) => c.outcome === "ok" && c.ladder).length).toBeGreaterThan(200);
    expect(on.kept).toBeLessThan(off.kept - 1500);
  }, 240_000);

  it("keeps those a refusal's text shown whole counts, to the same Report", async () => {
    // few refusals on 5 servers among many connections set up fine: the ok ladders' budget is
    // spent before the refusals' whole findings are, so the fold of the connections their texts
    // count is told by the texts alone
    const file = join(dir, "texts.pcap");
    capture(file, [["share-max-connections.pcap", 1], ["smb311-ok.pcap", 20], ["smb1-nt1-ok.pcap", 5], ["wrong-password.pcap", 3]], 4000, 5);
    const { off, on } = await same(file);
    expect(limited(off.report)).toBeGreaterThan(100);
    expect(off.report.findings.find((f) => f.id === "TREE_CONNECTION_LIMIT")?.explanation).toMatch(/shows \d+ other connections? to/);
    expect(on.kept).toBeLessThan(off.kept - 700);
  }, 240_000);
});
