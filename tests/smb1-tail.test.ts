// The SMB1_IN_USE findings of folded SMB1 connections past the first ones the Report shows whole
// stay their rows (diagnose/context.ts Smb1Tail) and reportBuilder.ts groupFindings counts and
// groups them as the findings they stand for: the Report must be the one without any fold (where
// every SMB1 connection is a view and each finding an object), in the findings' order, the
// group's count, connections, frames and groupConnections, the verdict and the headline.
import { describe, it, expect } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-ignore plain JS module shared with bench/run.mjs
import { loadSeed, generate } from "../bench/gen.mjs";
import { foldsAgree } from "./support/foldRun";

const FIX = join(__dirname, "../fixtures");

describe("SMB1_IN_USE of folded SMB1 connections", () => {
  it("gives the Report of no folding", async () => {
    // replicas of real SMB1 captures (bench/gen.mjs): healthy ones, which fold, among failing ones
    // kept to the end, whose SMB1_IN_USE findings come between the folded ones' in Report order;
    // more than a group lists (GROUP_CONNECTIONS)
    const dir = mkdtempSync(join(tmpdir(), "smbscope-smb1-"));
    try {
      const file = join(dir, "smb1-mix.pcap");
      const mix = [["smb1-nt1-ok.pcap", 6], ["smb1-dos-wrong-password.pcap", 1], ["smb1-dos-bad-share.pcap", 1]]
        .map(([f, weight]) => ({ seed: loadSeed(join(FIX, f as string)), weight }));
      generate(file, { mix, replicas: 1400, lanes: 16, seed: 7 });
      const { none, all } = await foldsAgree(file);
      expect(JSON.stringify(all.report.findings)).toBe(JSON.stringify(none.report.findings));
      const group = none.report.findings.find((f) => f.id === "SMB1_IN_USE" && f.count);
      expect(group?.count).toBeGreaterThan(1000);
      // (most of them folded: their findings were the tail's)
      const smb1Folded = all.connections.filter((c) => all.folded.has(c.id) && c.findings.includes("SMB1_IN_USE")).length;
      expect(smb1Folded).toBeGreaterThan(900);
      expect(all.kept.length).toBeGreaterThan(200);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  }, 180_000);

  it("gives the Report of no folding when every SMB1 connection folds (the group made from a folded one's finding)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smbscope-smb1-"));
    try {
      const file = join(dir, "smb1-ok.pcap");
      generate(file, { mix: [{ seed: loadSeed(join(FIX, "smb1-nt1-ok.pcap")), weight: 1 }], replicas: 300, lanes: 16, seed: 3 });
      const { none, all } = await foldsAgree(file);
      expect(JSON.stringify(all.report.findings)).toBe(JSON.stringify(none.report.findings));
      expect(none.report.findings.find((f) => f.id === "SMB1_IN_USE" && f.count)?.count).toBe(280);
      expect(all.kept).toEqual([]);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  }, 180_000);
});
