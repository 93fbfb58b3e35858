// Folding connections that asked for DFS referrals (src/core/model/fold.ts Folder.keepReferrals):
// a PATH_NOT_COVERED reads the referral requests its client host asked afterwards on any of its
// connections (path-not-covered.ts referralsAfter), so a folded connection's referrals that such
// a refusal can read stay in the rows, and the Report is the one made without folding. Captures
// from the bench's generator where the refusal and the referrals of one client host are on
// several connections: dfs-referral-followed (refused on one connection, the referral answered on
// another), and, with shared hosts, dfs-no-referral's refusals among connections of the same
// client host that ask for a referral answered STATUS_NOT_FOUND (a failed referral on another
// connection: the finding names it). A refused connection folds too when its client host had
// a referral answered with success after the refusal before it closed (model/foldDiagnosed.ts
// routineDfs).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeDecoder } from "../src/cli/wasmNode";
import { decodedBuilder } from "./support/foldRun";
import { buildReport } from "../src/core/reportBuilder";
import { renderText } from "../src/cli/render";
import type { Report } from "../src/core/report";
import type { ConnModel } from "../src/core/model/types";
import * as W from "../assembly/wire";
// @ts-expect-error: the bench's generator is plain JavaScript
import { loadSeed, generate } from "../bench/gen.mjs";

let dir = "";
const seed = (name: string) => loadSeed(join(__dirname, `../fixtures/${name}.pcap`));

interface Run { report: Report; kept: ConnModel[] }

async function run(file: string, fold: boolean): Promise<Run> {
  const model = decodedBuilder(await nodeDecoder(), file, null, fold).finish();
  const kept = model.connections.slice();
  return { report: buildReport(model), kept };
}

/** The frames of the connection's answers STATUS_PATH_NOT_COVERED (trees and later requests). */
const refusalFrames = (c: ConnModel) => [...c.trees.map((t) => t.resp), ...(c.beyond?.refused ?? []).map((r) => r.resp)]
  .filter((r) => r && (r.status >>> 0) === W.STATUS_PATH_NOT_COVERED).map((r) => r!.frame);

/** The connections (Report orders) with referral requests whose client host had a request refused STATUS_PATH_NOT_COVERED before one of them. */
function readable(models: ConnModel[]): Set<number> {
  const first = new Map<string, number>();
  for (const c of models) {
    for (const f of refusalFrames(c)) if (f < (first.get(c.clientIp) ?? Infinity)) first.set(c.clientIp, f);
  }
  const out = new Set<number>();
  for (const c of models) if (c.beyond?.referrals.some((r) => r.req.frame > (first.get(c.clientIp) ?? Infinity))) out.add(c.order);
  return out;
}

const noLadders = (r: Report) => JSON.stringify({ ...r, connections: r.connections.map((c) => ({ ...c, ladder: undefined })) });

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "smbscope-fold-referrals-")); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe("fold of connections with DFS referrals", () => {
  for (const [name, hosts, weights] of [["own hosts", 0, [3, 1, 2]], ["shared hosts", 40, [1, 2, 3]]] as const) {
    it(`makes the same Report as no folding, the referrals read from the folded connections (${name})`, async () => {
      const file = join(dir, `${name.replace(" ", "-")}.pcap`);
      generate(file, {
        mix: [{ seed: seed("dfs-referral-followed"), weight: weights[0] }, { seed: seed("dfs-no-referral"), weight: weights[1] }, { seed: seed("smb311-ok"), weight: weights[2] }],
        replicas: 900, lanes: 32, hosts,
      });
      const none = await run(file, false);
      const all = await run(file, true);
      // the same Report but for which healthy connections keep their ladders (model/fold.ts: past
      // the budget, those of the first to close), and as many of them
      expect(noLadders(all.report)).toBe(noLadders(none.report));
      expect(renderText({ ...all.report, connections: all.report.connections.map((c) => ({ ...c, ladder: undefined })) }, false))
        .toBe(renderText({ ...none.report, connections: none.report.connections.map((c) => ({ ...c, ladder: undefined })) }, false));
      const ladders = (r: Report) => r.connections.filter((c) => c.ladder).length;
      expect(ladders(all.report)).toBe(ladders(none.report));
      // the referrals answered on other connections keep the refusals from being findings; with
      // shared hosts, referrals failed on other connections are named by some
      const pnc = none.report.connections.filter((c) => c.findings.includes("PATH_NOT_COVERED"));
      // (without folding, the Report's connections are the models', in the same order)
      const refused = none.kept.map((m, i) => (refusalFrames(m).length ? none.report.connections[i] : null)).filter((c) => c !== null);
      const routine = refused.filter((c) => !c.findings.includes("PATH_NOT_COVERED"));
      expect(routine.length).toBeGreaterThan(300);
      expect(pnc.length).toBeGreaterThan(50);
      if (hosts) {
        // a referral failed on another connection, which folded: the finding names it and cites its frames
        const named = none.report.findings.flatMap((f) => (f.id === "PATH_NOT_COVERED" ? [...f.explanation.matchAll(/on connection ([^)\s]+)\)/g)].map((x) => x[1]) : []));
        const keptIds = new Set(all.kept.map((m) => `${m.client}-${m.server}`));
        expect(named.filter((id) => !keptIds.has(id)).length).toBeGreaterThan(5);
      }
      // and the connections whose referrals a refusal reads mostly folded, their models gone (a
      // fold that never happens proves nothing): all but the first few hundred, whose ladders
      // the Report's budget could still reach (fold.ts noOkLadder)
      const read = readable(none.kept);
      const stillKept = all.kept.filter((c) => read.has(c.order)).length;
      expect(read.size).toBeGreaterThan(500);
      expect(read.size - stillKept).toBeGreaterThan(read.size / 2);
      // so did the refused connections whose client host had a referral answered after the
      // refusal before they closed (dfs-referral-followed), with no finding
      const keptOrders = new Set(all.kept.map((m) => m.order));
      const routineFolded = none.kept.filter((m, i) => refusalFrames(m).length && !none.report.connections[i].findings.length && !keptOrders.has(m.order));
      expect(routineFolded.length).toBeGreaterThan(100);
    }, 120_000);
  }
});
