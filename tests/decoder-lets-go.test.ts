// The decoder's wasm memory (~50 MB reserved, ~18 MB touched on a busy capture) must be garbage
// once decoding is done: the CLI collects before building the Report (src/core/analyze.ts) and
// again before writing it (src/cli/main.ts), so that neither peak stacks on it. Last session a change of how the CLI reads the file (fs.read of the
// descriptor instead of its FileHandle, src/cli/nodeSource.ts) kept it alive through the write,
// +17 MiB of peak RSS on every bench capture, with every output the same: only a whole run of
// the command shows it, so this runs the built CLI in a process of its own
// (tests/support/decoderKept.mjs) and asks, at each of its collections, which memories live.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { openSync, closeSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

const ROOT = join(__dirname, "..");
const FIX = join(ROOT, "fixtures");
const PROBE = join(__dirname, "support/decoderKept.mjs");
const BUNDLE = join(ROOT, "dist/cli/smbscope.js"); // built by npm test (build:cli)
// a real pktmon capture (../shared/corpus, beside the project; its README says what it is)
const ETL = join(ROOT, "../shared/corpus/etl/demikernel-PktMon.etl");

function probe(args: string[], stdinFile?: string): { code: number; written: number; collections: boolean[][] } {
  const stdin = stdinFile ? openSync(stdinFile, "r") : "ignore";
  try {
    const r = spawnSync(process.execPath, ["--expose-gc", "--max-semi-space-size=4", PROBE, BUNDLE, ...args],
      { stdio: [stdin, "pipe", "pipe"], encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) throw new Error(`probe exited ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  } finally { if (typeof stdin === "number") closeSync(stdin); }
}

// The CLI collects twice at each point (core/collect.ts collectAndRelease: the second gives the
// memory back), before the Report is built and before it is written: four collections a file.
const BOTH_POINTS = [[false], [false], [false], [false]];

describe("the decoder's memory is let go before the Report is written", () => {
  it("for a capture file read by its path (--json)", () => {
    const r = probe(["--json", join(FIX, "bulk-rw.pcap")]);
    expect(r.code).toBe(0);
    expect(r.written).toBeGreaterThan(1000); // the Report was written
    expect(r.collections).toEqual(BOTH_POINTS); // before the Report is built, before it is written
  });

  it("for each of several files, the one before included", () => {
    const r = probe(["--json", join(FIX, "tree-bad-share.pcap"), join(FIX, "smb311-ok.pcapng")]);
    expect(r.code).toBe(1);
    expect(r.collections).toEqual([...BOTH_POINTS, ...BOTH_POINTS.map(() => [false, false])]);
  });

  it("for a capture piped in on standard input", () => {
    const r = probe(["--json", "-"], join(FIX, "bulk-rw.pcap"));
    expect(r.code).toBe(0);
    expect(r.collections).toEqual(BOTH_POINTS); // before the Report is built, before it is written
  });

  // ETL files are read where their container asks (pull mode, src/core/source.ts servePulls),
  // with small reads done synchronously: another way into the decoder's memory.
  it.skipIf(!existsSync(ETL))("for an ETL capture, read where its container asks", () => {
    const r = probe(["--json", ETL]);
    expect(r.code).toBe(0);
    expect(r.collections).toEqual(BOTH_POINTS);
  });
});
if (!existsSync(ETL)) console.log(`decoder-lets-go: the ETL case is skipped: ${ETL} is absent (../shared/corpus beside the project)`);
