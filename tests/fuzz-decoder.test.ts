// Fuzzes the wasm decoder (through src/core/decoder/wasm.ts, as the app uses it) with mutated real
// captures: bit flips, truncations at every kind of boundary, length-field lies (pcap record
// headers, pcapng block lengths, NBSS lengths, SMB2 offsets), splices, random blocks.
// Every input must decode without a trap, within a time budget, without the wasm memory growing,
// and every warning/error must read as text (describeProblem).
//
// `npm test` runs FUZZ_INPUTS (default 10000, about 10 s) inputs; `npm run fuzz` (bench/fuzz.mjs) runs a long
// campaign in the same way (FUZZ_INPUTS, FUZZ_SEED, FUZZ_PROGRESS, FUZZ_OUT).
import { describe, it, expect } from "vitest";
import { mkdirSync, writeFileSync, openSync, writeSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { homedir } from "node:os";
import { nodeDecoder } from "../src/cli/wasmNode";
import { DecoderTrap } from "../src/core/decoder/wasm";
import type { RawEvent } from "../src/core/decoder/records";
import { describeProblem } from "../src/core/problems";
import * as C from "../assembly/events";
// @ts-ignore plain JS module shared with bench/fuzz.mjs
import { mutate, loadFuzzSeeds } from "../scripts/fuzz/mutate.mjs";

const N = Number(process.env.FUZZ_INPUTS ?? 10000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const START = Number(process.env.FUZZ_START ?? 0);
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 2000);
const OUT = process.env.FUZZ_OUT ?? join(homedir(), ".cache/smbscope/fuzz-failures");

const UNREADABLE = /(warning|error) \d+[.)]|undefined|NaN|\[object/;

describe("decoder memory", () => {
  it("is all allocated up front, within its budget (asconfig.json initialMemory)", async () => {
    // AssemblyScript's allocator doubles the memory when an allocation does not fit: a decoder
    // that outgrew initialMemory would hold up to twice what it uses (the browser worker's budget
    // counts all of it). The buffers are sized so that init() fits the initial memory exactly.
    const wasm = readFileSync(join(__dirname, "../build/decoder.wasm"));
    const inst = new WebAssembly.Instance(new WebAssembly.Module(wasm), { env: { decoderError() {} } });
    const mem = (inst.exports as { memory: WebAssembly.Memory }).memory;
    const before = mem.buffer.byteLength;
    (inst.exports as { init(): void }).init();
    expect(mem.buffer.byteLength).toBe(before);
    expect(before).toBeLessThanOrEqual(40 << 20);
    expect((await nodeDecoder()).memoryBytes).toBe(before);
  });
});

describe("decoder fuzz", () => {
  it(`${N} mutated captures: no trap, no hang, bounded memory, readable problems`, async () => {
    const seeds = (await loadFuzzSeeds(join(__dirname, ".."))) as Uint8Array[];
    const d = await nodeDecoder();
    const mem0 = d.inputView().buffer.byteLength;
    const progress = process.env.FUZZ_PROGRESS ? openSync(process.env.FUZZ_PROGRESS, "w") : -1;
    const failures: string[] = [];
    const fail = (i: number, bytes: Uint8Array, why: string) => {
      mkdirSync(OUT, { recursive: true });
      const name = join(OUT, `seed${SEED}-${i}.pcap`);
      writeFileSync(name, bytes);
      failures.push(`#${i}: ${why} (input saved as ${name})`);
    };
    let events = 0, problems = 0, slowest = 0;
    const t0 = Date.now();
    for (let i = START; i < START + N; i++) {
      if (progress >= 0) writeSync(progress, `${i}        \n`, 0);
      const { bytes, chunk } = mutate(seeds, i, SEED) as { bytes: Uint8Array; chunk: number };
      const out: RawEvent[] = [];
      const t = performance.now();
      try {
        d.reset();
        const step = chunk || bytes.length || 1;
        for (let o = 0; o < bytes.length; o += step) d.push(bytes.subarray(o, o + step), out);
        d.finish(out);
      } catch (e) {
        fail(i, bytes, e instanceof DecoderTrap ? `trap: ${e.message}` : `exception: ${(e as Error).message}`);
        if (failures.length > 20) break;
        continue;
      }
      const ms = performance.now() - t;
      slowest = Math.max(slowest, ms);
      if (ms > BUDGET_MS) fail(i, bytes, `took ${ms.toFixed(0)} ms`);
      if (d.inputView().buffer.byteLength !== mem0) { fail(i, bytes, "wasm memory grew"); break; }
      if (out.length > 200 + bytes.length / 4) fail(i, bytes, `${out.length} events from ${bytes.length} bytes`);
      if (!out.some((e) => e.kind === C.EV_SUMMARY)) fail(i, bytes, "no summary event");
      for (const ev of out) {
        events++;
        if (ev.kind !== C.EV_WARNING && ev.kind !== C.EV_ERROR) continue;
        problems++;
        const p = describeProblem(ev, "fuzz.pcap");
        if (UNREADABLE.test(p.text) || !p.text.includes("fuzz.pcap")) { fail(i, bytes, `unreadable problem text: ${p.text}`); break; }
      }
      if (failures.length > 20) break;
    }
    const secs = (Date.now() - t0) / 1000;
    console.log(`fuzz: ${N} inputs (seed ${SEED}, from ${START}) in ${secs.toFixed(1)} s, ${events} events, ${problems} warnings/errors, slowest input ${slowest.toFixed(1)} ms, ${failures.length} failures`);
    expect(failures).toEqual([]);
  }, 3_600_000 * 24);
});
