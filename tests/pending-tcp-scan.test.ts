// A SYN scan past what one chunk of the rows' columns holds (src/core/model/pendingTcp.ts: the
// columns give their chunks back as the end settles the rows, model/column.ts dropBelow), its
// server's failed clients past what a server keeps as objects (core/serverList.ts FailedList, read
// as an array by cli/jsonStream.ts), its group's connections and the verdict's causes counted
// without an entry each (reportBuilder.ts Named, verdict.ts ErrorCauses): the Report with the rows
// as without them, and the CLI's --json (the records through its spool, the servers through the
// FailedList) the same text as JSON.stringify of the Report made without a sink.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { foldingModel } from "./support/foldRun";
import { buildReport } from "../src/core/reportBuilder";
import { setPendingTcp } from "../src/core/model/pendingTcp";
import { main } from "../src/cli/main";
import type { Connection, Report } from "../src/core/report";
import type { CaptureModel } from "../src/core/model/types";
// @ts-expect-error: the bench's generator is plain JavaScript
import { floodFlows, floodPcap } from "../bench/gen.mjs";

let dir = "";
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "smbscope-scan-")); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

/** The Report of `file` with every fold, the TCP failures as rows or not (no sink). */
async function report(file: string, rows: boolean): Promise<{ report: Report; rows: number }> {
  const m = await foldingModel(file, null, setPendingTcp, rows);
  return { rows: m.folded?.pending?.length ?? 0, report: buildReport(m) };
}

describe("a SYN scan past a chunk of rows", () => {
  it("makes the Report without the rows, and the CLI writes it as JSON.stringify does", async () => {
    // crafted: SYNs to 445, each refused by a reset (gen.mjs flood frames, as the scan200k bench)
    const n = 70_000, file = join(dir, "scan.pcap");
    writeFileSync(file, floodPcap(floodFlows(n, { adversarial: false, port: 445 })));
    const on = await report(file, true), off = await report(file, false);
    expect(on.rows).toBe(n - 1); // (more than a chunk: 65,536)
    const json = JSON.stringify(off.report);
    expect(JSON.stringify(on.report)).toBe(json);
    expect(on.report.servers![0].failed.length).toBe(n);
    // the group counts every connection (reportBuilder.ts Named), the verdict each under its cause
    // though the group lists 1,000 (verdict.ts ErrorCauses, by the folded ones' index)
    const group = on.report.findings.find((f) => f.id === "TCP_REJECTED" && f.connections)!;
    expect(group.connections!.length).toBe(1000);
    expect(group.groupConnections).toBe(n);
    expect(on.report.verdict).toBe("70,000 of 70,000 SMB connections failed at TCP connect: 70,000 TCP connections refused.");
    const parts: string[] = [], err: string[] = [];
    const code = await main(["--json", file], (s) => { parts.push(s); }, (s) => { err.push(s); }, (s) => { parts.push(s); });
    expect(err).toEqual([]);
    expect(code).toBe(1);
    expect(parts.join("").trimEnd()).toBe(json);
  }, 240_000);

  it("collects the settled rows' garbage before the diagnosis, past a chunk of rows only", async () => {
    // crafted: as above. Where the runtime exposes gc (the CLI), buildReport collects once the
    // rows are settled (reportBuilder.ts: scan200k's peak RSS came after it), never for a few rows
    const at = async (n: number) => {
      const file = join(dir, `scan-${n}.pcap`);
      writeFileSync(file, floodPcap(floodFlows(n, { adversarial: false, port: 445 })));
      const m: CaptureModel = await foldingModel(file, null, setPendingTcp, true);
      const put: Connection[] = [];
      const calls: { pending: boolean; put: number }[] = [];
      const g = globalThis as { gc?: () => void }, before = g.gc;
      g.gc = () => { calls.push({ pending: m.folded?.pending !== undefined, put: put.length }); };
      let r: Report;
      try { r = buildReport(m, { put: (_, c) => { put.push(c); } }); } finally { g.gc = before; }
      return { calls, put: put.length, report: r };
    };
    const big = await at(70_000);
    expect(big.put).toBe(70_000);
    // once: the rows gone from the model, the folded ones' records made (the kept ones' not yet)
    expect(big.calls.length).toBe(1);
    expect(big.calls[0].pending).toBe(false);
    expect(big.calls[0].put).toBeGreaterThan(60_000);
    expect(big.calls[0].put).toBeLessThan(70_000);
    expect(big.report.verdict).toBe("70,000 of 70,000 SMB connections failed at TCP connect: 70,000 TCP connections refused.");
    const small = await at(3_000);
    expect(small.put).toBe(3_000);
    expect(small.calls).toEqual([]);
  }, 240_000);
});
