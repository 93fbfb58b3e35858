// Run by tests/decoder-lets-go.test.ts in a process of its own (node --expose-gc): runs the built
// CLI's main (dist/cli/smbscope.js) over the files given and prints, as one JSON line, which
// decoders' wasm memories were still alive at each of the CLI's collections before a Report is
// written. A WeakRef to each instance's memory is taken as it is made; the CLI's gc() is
// wrapped so the check runs right after the real collection.
const refs = [];
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async function (...args) {
  const r = await instantiate.apply(this, args);
  const inst = r instanceof WebAssembly.Instance ? r : r.instance;
  refs.push(new WeakRef(inst.exports.memory));
  return r;
};
const gc = globalThis.gc;
const collections = [];
globalThis.gc = () => { gc(); collections.push(refs.map((r) => r.deref() !== undefined)); };
const [bundle, ...argv] = process.argv.slice(2);
const { main } = await import(bundle);
let written = 0;
const code = await main(argv, (s) => { written += s.length; }, (s) => process.stderr.write(s + "\n"),
  (s) => { written += s.length; }, async () => {}, async (b) => { written += b.length; });
process.stdout.write(JSON.stringify({ code, written, collections }) + "\n");
