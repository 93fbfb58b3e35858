// Fuzzes the Network Monitor and ETL readers (scripts/fuzz/windows.mjs: lying table offsets and
// lengths, frame entries anywhere, lying buffer sizes and SavedOffsets — decompression bombs —,
// processor indexes out of range, compressed flags flipped, thousands of tiny buffers, swapped
// buffers, cuts and bit flips). These inputs are read in pull mode, so they go through
// Decoder.decodeBytes, which answers the readers' byte-range requests. Every input must decode
// without a trap, within a time budget, without the wasm memory growing, with readable problems,
// and leave nothing behind for the next file.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { nodeDecoder } from "../src/cli/wasmNode";
import { DecoderTrap } from "../src/core/decoder/wasm";
import type { RawEvent } from "../src/core/decoder/records";
import { describeProblem } from "../src/core/problems";
import * as C from "../assembly/events";
// @ts-ignore plain JS module
import { loadWindowsSeeds, mutateWindows } from "../scripts/fuzz/windows.mjs";

const N = Number(process.env.FUZZ_WINDOWS_INPUTS ?? 1500);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 2000);
const UNREADABLE = /(warning|error) \d+[.)]|undefined|NaN|\[object/;

describe("Windows capture fuzz", () => {
  it(`${N} mutated .cap and .etl files: no trap, no hang, bounded memory, readable problems, no effect on the next file`, async () => {
    const seeds = loadWindowsSeeds(join(__dirname, ".."));
    const d = await nodeDecoder();
    const mem0 = d.memoryBytes;
    const pcap = readFileSync(join(__dirname, "../fixtures/tree-bad-share.pcap"));
    const ref: RawEvent[] = [];
    d.decodeBytes(pcap, ref);
    const refJson = JSON.stringify(ref, (_k, v) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? [...v] : v));
    const failures: string[] = [];
    let slowest = 0, problems = 0;
    for (let i = 0; i < N && failures.length < 10; i++) {
      const { bytes, kind, ops } = mutateWindows(seeds, i, SEED) as { bytes: Uint8Array; kind: string; ops: number[] };
      const out: RawEvent[] = [];
      const t = performance.now();
      try { d.decodeBytes(bytes, out); } catch (e) {
        failures.push(`#${i} (${kind}, ops ${ops}): ${e instanceof DecoderTrap ? "trap" : "exception"}: ${(e as Error).message}`);
        continue;
      }
      const ms = performance.now() - t;
      slowest = Math.max(slowest, ms);
      if (ms > BUDGET_MS) failures.push(`#${i} (${kind}, ops ${ops}): took ${ms.toFixed(0)} ms`);
      if (d.memoryBytes !== mem0) { failures.push(`#${i}: wasm memory grew`); break; }
      if (!out.some((e) => e.kind === C.EV_SUMMARY)) failures.push(`#${i}: no summary event`);
      for (const ev of out) {
        if (ev.kind !== C.EV_WARNING && ev.kind !== C.EV_ERROR) continue;
        problems++;
        const p = describeProblem(ev, "fuzz.etl");
        if (UNREADABLE.test(p.text) || !p.text.includes("fuzz.etl")) { failures.push(`#${i}: unreadable problem text: ${p.text}`); break; }
      }
      if (i % 100 === 99) { // the next file is not affected by what came before
        const again: RawEvent[] = [];
        d.decodeBytes(pcap, again);
        const j = JSON.stringify(again, (_k, v) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? [...v] : v));
        if (j !== refJson) failures.push(`after #${i}: a pcap decoded differently`);
      }
    }
    console.log(`fuzz-windows: ${N} inputs, ${problems} warnings/errors, slowest ${slowest.toFixed(1)} ms, ${failures.length} failures`);
    expect(failures).toEqual([]);
  }, 600_000);
});
