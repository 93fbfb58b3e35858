// When an analysis has used the memory it may use, decoding stops and what was decoded is still
// diagnosed and reported, with a warning saying where it stopped (core/source.ts MemoryGuard;
// src/cli/memoryGuard.ts): a capture of more connections than fit gives a partial Report, not a
// process killed for its heap.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { analyzeCapture } from "../src/core/analyze";
import { nodeDecoder } from "../src/cli/wasmNode";
import { main } from "../src/cli/main";
import { memoryBudget } from "../src/cli/memoryGuard";
import type { CaptureSource, MemoryGuard } from "../src/core/source";

const FIX = join(__dirname, "../fixtures");

/** A file in memory read in small pieces, so that the guard is asked several times. */
function pieces(bytes: Uint8Array, name: string, piece: number): CaptureSource {
  return {
    name, size: bytes.length,
    async readInto(offset, dst) {
      const n = Math.max(0, Math.min(piece, dst.length, bytes.length - offset));
      dst.set(bytes.subarray(offset, offset + n));
      return n;
    },
  };
}

describe("analysis stopped for memory", () => {
  // three connections one after another (the last starts at frame 93)
  const file = "dfs-referral-followed.pcap";
  const bytes = new Uint8Array(readFileSync(join(FIX, file)));

  it("reports the connections decoded before the stop, and says where it stopped", async () => {
    const whole = await analyzeCapture(await nodeDecoder(), pieces(bytes, file, 4096), {});
    let asked = 0;
    const guard: MemoryGuard = { full: () => ++asked >= 2 };
    const part = await analyzeCapture(await nodeDecoder(), pieces(bytes, file, 4096), { memory: guard });
    expect(guard.at).toBe(8192);
    expect(part.capture.warnings[0]).toMatch(/^Analysis stopped after 8,192 of 15,213 bytes \(\d+ packets\): the \d+ connections up to there/);
    expect(part.capture.packets).toBeLessThan(whole.capture.packets);
    // the stop fell inside a record: that is not the file's fault, and the Report does not say it is
    expect(part.capture.warnings.join("\n")).not.toMatch(/cut short/);
    expect(part.connections.length).toBeGreaterThan(0);
    expect(part.connections.length).toBeLessThan(whole.connections.length);
    // a connection that ended before the stop is the same as in the whole analysis; one the stop
    // cut short shows the phases it got through up to there, and nothing after
    for (const c of part.connections) {
      const w = whole.connections.find((x) => x.id === c.id && x.stream === c.stream)!;
      expect(w).toBeDefined();
      if (w.lastFrame <= part.capture.packets) expect({ ...c, findings: [] }).toEqual({ ...w, findings: [] });
      else {
        expect(c.lastFrame).toBeLessThanOrEqual(part.capture.packets);
        expect(w.phases.slice(0, c.phases.length).map((p) => [p.phase, p.requestFrame])).toEqual(c.phases.map((p) => [p.phase, p.requestFrame]));
      }
    }
  });

  it("a guard that never trips changes nothing", async () => {
    const whole = await analyzeCapture(await nodeDecoder(), pieces(bytes, file, 4096), {});
    const guarded = await analyzeCapture(await nodeDecoder(), pieces(bytes, file, 4096), { memory: { full: () => false } });
    expect(JSON.stringify(guarded)).toBe(JSON.stringify(whole));
  });

  it("the CLI takes its budget from SMBSCOPE_MEMORY_BUDGET_MB, else a share of the heap limit", () => {
    expect(memoryBudget({ SMBSCOPE_MEMORY_BUDGET_MB: "3" })).toBe(3 * 1048576);
    expect(memoryBudget({})).toBeGreaterThan(64 * 1048576);
    expect(memoryBudget({ SMBSCOPE_MEMORY_BUDGET_MB: "nonsense" })).toBe(memoryBudget({}));
  });

  it("the CLI with a budget already spent prints the warning in the Report", async () => {
    const before = process.env.SMBSCOPE_MEMORY_BUDGET_MB;
    process.env.SMBSCOPE_MEMORY_BUDGET_MB = "0.001";
    try {
      const out: string[] = [];
      await main(["--json", join(FIX, "smb311-ok.pcap")], (s) => out.push(s), () => {});
      const r = JSON.parse(out.join("\n"));
      expect(r.capture.warnings[0]).toMatch(/^Analysis stopped after [\d,]+ of [\d,]+ bytes/);
    } finally {
      if (before === undefined) delete process.env.SMBSCOPE_MEMORY_BUDGET_MB; else process.env.SMBSCOPE_MEMORY_BUDGET_MB = before;
    }
  });
});
