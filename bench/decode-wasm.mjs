// Decode-only lower bound: drives build/decoder.wasm directly (read slice → feed → drop the event
// records unread). What the wasm and the file reads cost without any JavaScript event decoding.
//   node bench/decode-wasm.mjs [--sync|--overlap] FILE
//     --sync     readSync then feed (the default): reading and decoding take turns
//     --overlap  async reads into the decoder's second input buffer while it decodes the first
//                (inputPtrAt/feedAt): reading and decoding overlap on two cores
import { readFileSync, openSync, readSync, closeSync } from "node:fs";
import { open } from "node:fs/promises";
const args = process.argv.slice(2);
const file = args.filter((a) => !a.startsWith("--"))[0];
const overlap = args.includes("--overlap");
const wasm = new URL("../build/decoder.wasm", import.meta.url);
const { instance } = await WebAssembly.instantiate(readFileSync(wasm), { env: { decoderError(l, c) { throw new Error(`trap ${l}:${c}`); } } });
const x = instance.exports;
x.init();
const key = crypto.getRandomValues(new Uint32Array(4)); // as src/core/decoder/wasm.ts does
x.setHashSeed(key[0], key[1], key[2], key[3]);
x.reset();
const cap = x.inputCap();
let off = 0, events = 0;
const drainAfter = (more) => {
  events += x.outputLen(); x.outputReset();
  while (more) { more = x.resume(); events += x.outputLen(); x.outputReset(); }
};
if (!overlap) {
  const fd = openSync(file, "r");
  for (;;) {
    const view = new Uint8Array(x.memory.buffer, x.inputPtr(), cap);
    const n = readSync(fd, view, 0, cap, off);
    if (n <= 0) break;
    off += n;
    drainAfter(x.feed(n));
  }
  closeSync(fd);
} else {
  const fh = await open(file, "r");
  const view = (k) => new Uint8Array(x.memory.buffer, x.inputPtrAt(k), cap);
  let k = 0;
  let pending = fh.read(view(0), 0, cap, 0);
  for (;;) {
    const { bytesRead: n } = await pending;
    if (n <= 0) break;
    off += n;
    pending = fh.read(view(1 - k), 0, cap, off); // the next slice, read while this one decodes
    drainAfter(x.feedAt(k, n));
    k = 1 - k;
  }
  await fh.close();
}
x.finish(); events += x.outputLen(); x.outputReset();
// the flow table's lookups (assembly/net/tcp.ts): places looked at, in all and at most by one
console.log(JSON.stringify({ bytes: off, eventBytes: events, flowProbes: Number(x.flowProbes()), flowProbeMax: x.flowProbeMax(), flowRekeys: x.flowRekeys(), reasmSlotsHigh: x.reasmSlotsHigh(), reasmBufsHigh: x.reasmBufsHigh() }));
