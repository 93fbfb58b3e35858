// What isolation costs: the CLI and the worker give every file a decoder instance of its own
// (src/core/decoder/wasm.ts). Prints, per file, the median time to instantiate the compiled module
// and to init() it, and the time per file of decoding a small capture many times with a fresh
// instance each time against one instance reused (reset), garbage collection of the dropped
// instances' memory included.
//   node bench/instance.mjs [--files N] [capture]     (default: 300 files of fixtures/smb311-ok.pcap)
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const nAt = args.indexOf("--files");
const N = nAt >= 0 ? Number(args[nAt + 1]) : 300;
const file = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--files") ?? join(ROOT, "fixtures/smb311-ok.pcap");
const bytes = readFileSync(file);
const mod = await WebAssembly.compile(readFileSync(join(ROOT, "build/decoder.wasm")));
const imports = { env: { decoderError() {} } };
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

function decode(x) {
  x.reset();
  for (let o = 0; o < bytes.length; o += x.inputCap()) {
    const part = bytes.subarray(o, o + x.inputCap());
    new Uint8Array(x.memory.buffer, x.inputPtrAt(0), part.length).set(part);
    let more = x.feedAt(0, part.length); x.outputReset();
    while (more) { more = x.resume(); x.outputReset(); }
  }
  x.finish(); x.outputReset();
}

const inst = [], init = [];
for (let i = 0; i < 50; i++) {
  let t = performance.now();
  const x = (await WebAssembly.instantiate(mod, imports)).exports;
  inst.push(performance.now() - t); t = performance.now();
  x.init();
  init.push(performance.now() - t);
}
const reused = (await WebAssembly.instantiate(mod, imports)).exports;
reused.init();
for (let i = 0; i < 20; i++) decode(reused); // warm up
let t = performance.now();
for (let i = 0; i < N; i++) decode(reused);
const perReused = (performance.now() - t) / N;
t = performance.now();
for (let i = 0; i < N; i++) { const x = (await WebAssembly.instantiate(mod, imports)).exports; x.init(); decode(x); }
const perFresh = (performance.now() - t) / N;
console.log(`decoder instance: instantiate ${median(inst).toFixed(2)} ms, init ${median(init).toFixed(2)} ms (medians of 50), memory ${(reused.memory.buffer.byteLength / 2 ** 20).toFixed(1)} MiB`);
console.log(`${N} × ${file.split("/").pop()} (${bytes.length} bytes): ${perReused.toFixed(2)} ms per file on one instance, ${perFresh.toFixed(2)} ms with a fresh instance per file (+${(perFresh - perReused).toFixed(2)} ms, GC included)`);
