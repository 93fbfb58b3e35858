// Decode-only lower bound: drives build/decoder.wasm directly (read slice → feed → drop the event
// records unread). What the wasm and the file reads cost without any JavaScript event decoding.
//   node bench/decode-wasm.mjs [--sync|--overlap] FILE
//     --sync     readSync then feed (the default): reading and decoding take turns
//     --overlap  async reads into the decoder's second input buffer while it decodes the first
//                (inputPtrAt/feedAt): reading and decoding overlap on two cores; readWaitMs is
//                the time spent waiting for reads (what the overlap did not hide)
// A container that reads out of file order (ETL, Network Monitor: assembly/capture/pull.ts) takes
// over after the first slice: its requests are served with readSync (--sync) or awaited
// positional reads (--overlap, as src/core/source.ts servePulls does), and the figures add the
// number of reads and their bytes. Options:
//     --setup-only  the diagnosis mode the Report is made in (setSetupOnlyMode(1)); default: every
//                message becomes a record, as for --events
//     --wasm FILE   another build of the decoder (e.g. one with a name section, for profiling)
import { readFileSync, openSync, readSync, closeSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
const args = process.argv.slice(2);
const wasmAt = args.indexOf("--wasm");
const file = args.filter((a, i) => !a.startsWith("--") && (wasmAt < 0 || i !== wasmAt + 1) && args[i - 1] !== "--slice")[0];
const overlap = args.includes("--overlap");
const wasm = wasmAt >= 0 ? args[wasmAt + 1] : new URL("../build/decoder.wasm", import.meta.url);
const { instance } = await WebAssembly.instantiate(readFileSync(wasm), { env: { decoderError(l, c) { throw new Error(`trap ${l}:${c}`); } } });
const x = instance.exports;
x.init();
const key = crypto.getRandomValues(new Uint32Array(4)); // as src/core/decoder/wasm.ts does
x.setHashSeed(key[0], key[1], key[2], key[3]);
x.reset();
x.setFileSize(statSync(file).size);
if (args.includes("--setup-only")) x.setSetupOnlyMode(1);
const sliceAt = args.indexOf("--slice"); // --slice BYTES: feed slices of this size (default: the decoder's input capacity)
const cap = sliceAt >= 0 ? Math.min(Number(args[sliceAt + 1]), x.inputCap()) : x.inputCap();
// wasmMs, wasmCpuMs: wall and CPU time inside the decoder's calls only (no reads; with --sync
// nothing else runs meanwhile, so the CPU time is the decoder's, however busy the machine)
let off = 0, events = 0, wasmMs = 0, wasmCpuUs = 0, pulls = 0, pulledBytes = 0, aheadUsed = 0, aheadDropped = 0, readWait = 0;
const timed = (f) => {
  const t = performance.now(), c = process.cpuUsage();
  const r = f();
  const dc = process.cpuUsage(c);
  wasmMs += performance.now() - t; wasmCpuUs += dc.user + dc.system;
  return r;
};
const drainAfter = (more) => {
  events += x.outputLen(); x.outputReset();
  while (more) { more = timed(() => x.resume()); events += x.outputLen(); x.outputReset(); }
};
if (!overlap) {
  const fd = openSync(file, "r");
  for (;;) {
    const view = new Uint8Array(x.memory.buffer, x.inputPtr(), cap);
    const n = readSync(fd, view, 0, cap, off);
    if (n <= 0) break;
    off += n;
    drainAfter(timed(() => x.feed(n)));
    if (x.pullLength() > 0) break;
  }
  for (let len = x.pullLength() >>> 0; len > 0; len = x.pullLength() >>> 0) {
    const n = readSync(fd, new Uint8Array(x.memory.buffer, x.pullPtr() >>> 0, len), 0, len, x.pullOffset());
    pulls++; pulledBytes += n;
    drainAfter(timed(() => x.pulled(n)));
  }
  closeSync(fd);
} else {
  const fh = await open(file, "r");
  const view = (k) => new Uint8Array(x.memory.buffer, x.inputPtrAt(k), cap);
  let k = 0;
  let pending = fh.read(view(0), 0, cap, 0);
  for (;;) {
    const t = performance.now();
    const { bytesRead: n } = await pending;
    readWait += performance.now() - t;
    if (n <= 0) break;
    off += n;
    pending = fh.read(view(1 - k), 0, cap, off); // the next slice, read while this one decodes
    drainAfter(timed(() => x.feedAt(k, n)));
    k = 1 - k;
    if (x.pullLength() > 0) { await pending; break; }
  }
  const SYNC_READ_MAX = 64 << 10;
  // pull mode, with the container's read-ahead in flight while it decodes (as servePulls does)
  let ahead = null;
  const same = (a, off, len, ptr) => a.off === off && a.len === len && a.ptr === ptr;
  for (let len = x.pullLength() >>> 0; len > 0; len = x.pullLength() >>> 0) {
    const off = x.pullOffset(), ptr = x.pullPtr() >>> 0;
    const alen = (x.pullAheadLength?.() ?? 0) >>> 0, aoff = x.pullAheadOffset?.(), aptr = x.pullAheadPtr?.() >>> 0; // (a decoder without read-ahead: none)
    let read;
    if (ahead && same(ahead, off, len, ptr)) { read = ahead.done; ahead = null; aheadUsed++; }
    else {
      if (ahead && !(alen && same(ahead, aoff, alen, aptr))) { await ahead.done; ahead = null; aheadDropped++; }
      read = len <= SYNC_READ_MAX // as src/cli/nodeSource.ts: a small read without the thread pool's trip
        ? Promise.resolve(readSync(fh.fd, new Uint8Array(x.memory.buffer, ptr, len), 0, len, off))
        : fh.read(new Uint8Array(x.memory.buffer, ptr, len), 0, len, off).then((r) => r.bytesRead);
    }
    if (alen && !ahead) ahead = { off: aoff, len: alen, ptr: aptr, done: fh.read(new Uint8Array(x.memory.buffer, aptr, alen), 0, alen, aoff).then((r) => r.bytesRead) };
    const t = performance.now();
    const n = await read;
    readWait += performance.now() - t;
    pulls++; pulledBytes += n;
    drainAfter(timed(() => x.pulled(n)));
  }
  if (ahead) await ahead.done;
  await fh.close();
}
timed(() => x.finish()); events += x.outputLen(); x.outputReset();
// the flow table's lookups (assembly/net/tcp.ts): places looked at, in all and at most by one
console.log(JSON.stringify({ bytes: off, wasmMs: Math.round(wasmMs), wasmCpuMs: Math.round(wasmCpuUs / 1e3), wasmMBps: Math.round((off + pulledBytes) / wasmCpuUs), eventBytes: events, ...(overlap ? { readWaitMs: Math.round(readWait) } : {}), ...(pulls ? { pulls, pulledBytes, aheadUsed, aheadDropped } : {}), flowProbes: Number(x.flowProbes()), flowProbeMax: x.flowProbeMax(), flowRekeys: x.flowRekeys(), flowPrunes: x.flowPrunes?.(), flowsCreated: x.flowsCreated?.(), ...(x.reasmSlotsHigh ? { reasmSlotsHigh: x.reasmSlotsHigh(), reasmBufsHigh: x.reasmBufsHigh() } : {}) }));
