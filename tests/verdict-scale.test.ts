// The verdict counts every failed connection under its own cause however many share it: past
// FINDINGS_PER_ID findings of an id the Report groups them, and a group lists only its first
// 1000 connections (reportBuilder.ts groupFindings). The verdict once read its causes from those
// lists, so a scan with 1,100 refused connects said "1020 TCP connections refused" and put the
// rest under "failures at TCP connect". Real fixtures replicated by the bench's generator (each
// replica on its own addresses), through the library and through the CLI's --json (whose spool
// takes the folded connections' records).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { reportOf } from "./support/report";
import type { Report } from "../src/core/report";
import { groupFindings } from "../src/core/findingGroups";
import { FINDINGS_PER_ID } from "../src/core/diagnose/context";
// @ts-expect-error: the bench's generator is plain JavaScript
import { loadSeed, generate } from "../bench/gen.mjs";

const FIX = join(__dirname, "../fixtures");
const BIN = join(__dirname, "../bin/smbscope.mjs");
let dir = "", file = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "smbscope-verdict-scale-"));
  file = join(dir, "refused-and-wrong-password.pcap");
  const seed = (n: string, weight: number) => ({ seed: loadSeed(join(FIX, `${n}.pcap`)), weight });
  generate(file, { mix: [seed("tcp-rejected", 10), seed("wrong-password", 10), seed("smb311-ok", 2)], replicas: 2600, lanes: 16 });
});
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

/** How many connection records list the finding `id`. */
const withFinding = (r: Report, id: string) => r.connections.filter((c) => c.findings.includes(id)).length;

function expectCounted(r: Report, refused: number, wrong: number, ok: number): void {
  // past the 1,021 findings one group lists, both of them
  expect(refused).toBeGreaterThan(1021);
  expect(wrong).toBeGreaterThan(1021);
  expect(r.headline!.connections).toBe(refused + wrong + ok);
  expect(r.headline!.failed).toBe(refused + wrong);
  const causes = r.headline!.causes.map((c) => [c.causes, c.count]);
  expect(causes).toEqual(expect.arrayContaining([["TCP connections refused", refused], ["logon failures", wrong]]));
  expect(causes).toHaveLength(2);
  expect(r.verdict).toContain(`${refused.toLocaleString("en-US")} TCP connections refused`);
  expect(r.verdict).toContain(`${wrong.toLocaleString("en-US")} logon failures (wrong user or password)`);
  expect(r.verdict).not.toMatch(/failures? at/);
  // the page's finding groups (and the readable reports'): each cause one group, counting the
  // findings and connections its folded finding stands for, not its one entry and its list
  const groups = groupFindings(r.findings, r.headline);
  for (const [id, n] of [["TCP_REJECTED", refused], ["LOGON_FAILURE", wrong]] as const) {
    const g = groups.find((x) => x.key === `error:${id}`)!;
    expect(g.connections).toBe(n);
    expect(g.count).toBeGreaterThanOrEqual(n);
    expect(g.occurrences).toHaveLength(FINDINGS_PER_ID + 1);
    const folded = r.findings[g.occurrences[FINDINGS_PER_ID]];
    expect(folded.count).toBe(g.count - FINDINGS_PER_ID);
    expect(folded.connections!.length).toBeLessThan(n - FINDINGS_PER_ID);
  }
}

describe("the verdict at scale", () => {
  it("counts every connection of a cause, not the ones a finding group lists", async () => {
    const r = await reportOf(file);
    expectCounted(r, withFinding(r, "TCP_REJECTED"), withFinding(r, "LOGON_FAILURE"), r.connections.filter((c) => c.outcome === "ok").length);
  });

  it("the same through the CLI's --json, whose records come from its spool", () => {
    let out = "";
    try { out = execFileSync(process.execPath, [BIN, "--json", file], { maxBuffer: 1 << 30, encoding: "utf8" }); } catch (e) { out = (e as { stdout: string }).stdout; }
    const r = JSON.parse(out) as Report;
    expectCounted(r, withFinding(r, "TCP_REJECTED"), withFinding(r, "LOGON_FAILURE"), r.connections.filter((c) => c.outcome === "ok").length);
  });
});
