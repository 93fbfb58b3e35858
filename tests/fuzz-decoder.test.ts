// Fuzzes the wasm decoder (through src/core/decoder/wasm.ts, as the app uses it) with mutated real
// captures, of two kinds:
//   bytes  (scripts/fuzz/mutate.mjs): bit flips, truncations at every kind of boundary, length-field
//          lies (pcap record headers, pcapng block lengths, NBSS lengths, SMB2 offsets), splices,
//          random blocks;
//   flows  (scripts/fuzz/flows.mjs): the seeds' TCP flows rewritten: resegmentation with
//          conflicting overlaps, reorder storms, holes, far-future segments, sequence wrap at 2^32,
//          SYN/RST/FIN reuse, lying acks, NBSS/SMB2/NTLMSSP/ASN.1 length lies, in valid packets.
// Every input must decode without a trap, within a time budget, without the wasm memory growing,
// and every warning/error must read as text (describeProblem). After every input, on the same
// instance (as the CLI and the worker did before they took a fresh instance per file), the wasm's
// static data must still be byte-identical to a fresh instance's, and a clean reference capture
// with Kerberos (fixtures/krb-smb-ok.pcap) must give the byte-identical Report: so a write outside
// the decoder's own buffers is caught even where isolation would hide it from users.
//
// `npm test` runs FUZZ_INPUTS byte inputs (default 10000) and FUZZ_FLOW_INPUTS structure-aware
// ones (default 3000), about 25 s; `npm run fuzz` (bench/fuzz.mjs) runs long campaigns the same way
// (FUZZ_INPUTS, FUZZ_FLOW_INPUTS, FUZZ_SEED, FUZZ_START, FUZZ_PROGRESS, FUZZ_OUT).
import { describe, it, expect } from "vitest";
import { mkdirSync, writeFileSync, openSync, writeSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { homedir } from "node:os";
import { nodeDecoder } from "../src/cli/wasmNode";
import { Decoder, DecoderTrap } from "../src/core/decoder/wasm";
import type { RawEvent } from "../src/core/decoder/records";
import { describeProblem } from "../src/core/problems";
import { analyzeCapture, analyzeBytes } from "../src/core/analyze";
import { blobSource } from "../src/core/source";
import * as C from "../assembly/events";
import { compressedSeeds } from "./support/smb2-compress";
// @ts-ignore plain JS modules shared with bench/fuzz.mjs
import { mutate, loadFuzzSeeds } from "../scripts/fuzz/mutate.mjs";
// @ts-ignore
import { mutateFlows } from "../scripts/fuzz/flows.mjs";

const N = Number(process.env.FUZZ_INPUTS ?? 10000);
const NF = Number(process.env.FUZZ_FLOW_INPUTS ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const START = Number(process.env.FUZZ_START ?? 0);
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 2000);
const OUT = process.env.FUZZ_OUT ?? join(homedir(), ".cache/smbscope/fuzz-failures");
const REPORT_EVERY = Number(process.env.FUZZ_REPORT_EVERY ?? 10);
const REFERENCE = join(__dirname, "../fixtures/krb-smb-ok.pcap");

const UNREADABLE = /(warning|error) \d+[.)]|undefined|NaN|\[object/;

type Input = { bytes: Uint8Array; chunk: number; ops: unknown[] };

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
    expect(before).toBeLessThanOrEqual(51 << 20);
    expect((await nodeDecoder()).memoryBytes).toBe(before);
  });

  it("has a static data region of constants that decoding the fixtures leaves as it was", async () => {
    const d = await nodeDecoder();
    const fresh = d.staticData();
    expect(fresh.length).toBeGreaterThan(1024); // OIDs, strings, tables: where a stray write would land
    for (const f of ["krb-smb-ok.pcap", "smb311-ok.pcapng", "nbss139.pcap", "krb-kdc-udp.pcap"]) {
      await reportWith(d, new Uint8Array(readFileSync(join(__dirname, "../fixtures", f))), f);
      expect(d.staticDataChangedAt()).toBe(-1);
    }
    expect(d.staticData()).toEqual(fresh);
  });
});

async function reportWith(d: Decoder, bytes: Uint8Array, name: string): Promise<string> {
  return JSON.stringify(await analyzeCapture(d, blobSource(new Blob([bytes as Uint8Array<ArrayBuffer>]), name)));
}
const reportNow = (d: Decoder, bytes: Uint8Array) => JSON.stringify(analyzeBytes(d, bytes, "reference.pcap"));
/** The event records of a capture in diagnosis mode: all that its Report is computed from. */
function setupRecords(d: Decoder, bytes: Uint8Array): Uint8Array {
  d.setSetupOnly(true);
  try { return d.recordBytes(bytes); } finally { d.setSetupOnly(false); }
}
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, k) => v === b[k]);

/** Runs `count` inputs made by `make(i)` through one decoder instance with every check. */
async function campaign(kind: string, count: number, make: (i: number) => Input | null) {
  const refBytes = new Uint8Array(readFileSync(REFERENCE));
  let d = await nodeDecoder();
  const refReport = await reportWith(d, refBytes, "reference.pcap"); // as the CLI reads a file
  expect(reportNow(d, refBytes)).toBe(refReport);
  const refRecords = setupRecords(d, refBytes);
  const fresh = d.staticData();
  const mem0 = d.memoryBytes;
  const progress = process.env.FUZZ_PROGRESS ? openSync(process.env.FUZZ_PROGRESS, "w") : -1;
  const failures: string[] = [];
  const fail = (i: number, input: Input, why: string) => {
    mkdirSync(OUT, { recursive: true });
    const name = join(OUT, `${kind}-seed${SEED}-${i}.pcap`);
    writeFileSync(name, input.bytes);
    failures.push(`#${i}: ${why} [${input.ops.join(",")}] (input saved as ${name})`);
  };
  let events = 0, problems = 0, slowest = 0, slowestAt = -1, bytesIn = 0;
  const spent = { mutate: 0, decode: 0, checks: 0 };
  const t0 = Date.now();
  for (let i = START; i < START + count; i++) {
    if (progress >= 0) writeSync(progress, `${i}        \n`, 0);
    const tm = performance.now();
    const input = make(i);
    spent.mutate += performance.now() - tm;
    if (!input) continue;
    const { bytes, chunk } = input;
    bytesIn += bytes.length;
    const out: RawEvent[] = [];
    const t = performance.now();
    let threw = false;
    try {
      d.reset();
      const step = chunk || bytes.length || 1;
      for (let o = 0; o < bytes.length; o += step) d.push(bytes.subarray(o, o + step), out);
      d.finish(out);
    } catch (e) {
      // (finish() itself refuses a file after which the static data changed: the checks below
      // still run, to show what the next file would have got)
      fail(i, input, e instanceof DecoderTrap ? `trap: ${e.message}` : `exception: ${(e as Error).message}`);
      threw = true;
    }
    const ms = performance.now() - t;
    spent.decode += ms;
    if (ms > slowest) { slowest = ms; slowestAt = i; }
    if (ms > BUDGET_MS) fail(i, input, `took ${ms.toFixed(0)} ms`);
    if (d.memoryBytes !== mem0) { fail(i, input, "wasm memory grew"); break; }
    if (!threw && out.length > 200 + bytes.length / 4) fail(i, input, `${out.length} events from ${bytes.length} bytes`);
    if (!threw && !out.some((e) => e.kind === C.EV_SUMMARY)) fail(i, input, "no summary event");
    for (const ev of out) {
      events++;
      if (ev.kind !== C.EV_WARNING && ev.kind !== C.EV_ERROR) continue;
      problems++;
      const p = describeProblem(ev, "fuzz.pcap");
      if (UNREADABLE.test(p.text) || !p.text.includes("fuzz.pcap")) { fail(i, input, `unreadable problem text: ${p.text}`); break; }
    }
    // Nothing of this input may outlive it: the constants as they were, and the next file's Report
    const tc = performance.now();
    const at = d.staticDataChangedAt();
    if (at >= 0) {
      const now = d.staticData();
      let n = 0; for (let k = 0; k < now.length; k++) if (now[k] !== fresh[k]) n++;
      fail(i, input, `static data changed: ${n} bytes from offset ${at}`);
    }
    // The reference capture next, on this instance: its records byte for byte after every input
    // (they determine its Report: same records, same Report), its Report itself every
    // REPORT_EVERY inputs and whenever the records differ.
    let same = false, why = "";
    try { same = sameBytes(setupRecords(d, refBytes), refRecords); } catch (e) { why = (e as Error).message; }
    if (!same || i % REPORT_EVERY === 0) {
      let next = "";
      try { next = reportNow(d, refBytes); } catch (e) { next = `(${(e as Error).message})`; }
      if (next !== refReport) {
        const k = [...next].findIndex((ch, j) => ch !== refReport[j]);
        fail(i, input, `the clean capture decoded next gives another Report (from char ${k}: …${next.slice(Math.max(0, k - 40), k + 60)}…)`);
      } else if (!same) fail(i, input, `the clean capture decoded next gives other event records${why ? ` (${why})` : ""}`);
    }
    spent.checks += performance.now() - tc;
    if (threw || at >= 0 || !same) d = await nodeDecoder(); // so that one failure does not hide the next
    if (failures.length > 20) break;
  }
  const secs = (Date.now() - t0) / 1000;
  const per = (x: number) => `${(x / count).toFixed(2)}`;
  console.log(`fuzz ${kind}: ${count} inputs (seed ${SEED}, from ${START}, ${(bytesIn / 1e6).toFixed(0)} MB) in ${secs.toFixed(1)} s ` +
    `(ms per input: mutate ${per(spent.mutate)}, decode ${per(spent.decode)}, checks ${per(spent.checks)}), ${events} events, ` +
    `${problems} warnings/errors, slowest input #${slowestAt} ${slowest.toFixed(1)} ms, ${failures.length} failures`);
  for (const f of failures) console.log(`  ${f}`);
  expect(failures).toEqual([]);
}

describe("decoder fuzz", () => {
  it.skipIf(N === 0)(`${N} byte-mutated captures: no trap, no hang, bounded memory, readable problems, nothing reaches the next file`, async () => {
    // + crafted compressed SMB2 messages (MS-SMB2 2.2.42), which no fixture holds: their lengths and streams mutated
    const seeds = [...(await loadFuzzSeeds(join(__dirname, ".."))) as Uint8Array[], ...compressedSeeds()];
    await campaign("bytes", N, (i) => mutate(seeds, i, SEED) as Input);
  }, 3_600_000 * 24);

  it.skipIf(NF === 0)(`${NF} structure-aware captures (TCP flows rewritten): the same checks`, async () => {
    const seeds = [...(await loadFuzzSeeds(join(__dirname, ".."))) as Uint8Array[], ...compressedSeeds()];
    await campaign("flows", NF, (i) => mutateFlows(seeds, i, SEED) as Input | null);
  }, 3_600_000 * 24);
});
