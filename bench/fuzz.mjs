// Long fuzz campaign: npm run fuzz [-- --flows] [--inputs N] [--seed S] [--start I] [--jobs J] [--segment N] [--report-every K]
//   (default)  byte-mutated captures (scripts/fuzz/mutate.mjs)
//   --flows    structure-aware captures: the seeds' TCP flows rewritten (scripts/fuzz/flows.mjs)
//   --jobs J   J vitest processes at once, each on its own segments (default 1)
// Runs tests/fuzz-decoder.test.ts through vitest in segments (default 100,000 inputs), watching its
// progress file: an input that hangs (no progress for 60 s) is written out and skipped. After every
// input the test checks the wasm's static data and decodes a clean reference capture on the same
// instance (see the test). Failing inputs land in ~/.cache/smbscope/fuzz-failures (FUZZ_OUT); copy
// the ones worth keeping to fixtures/regress/ (tests/bad-input.test.ts and
// tests/isolation.test.ts replay every file there).
import { spawn } from "node:child_process";
import { readFileSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { mutate, loadFuzzSeeds } from "../scripts/fuzz/mutate.mjs";
import { mutateFlows } from "../scripts/fuzz/flows.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (f, d) => { const i = args.indexOf(f); return i >= 0 ? Number(args[i + 1]) : d; };
const FLOWS = args.includes("--flows");
const TOTAL = opt("--inputs", 1_000_000), SEED = opt("--seed", 1), FIRST = opt("--start", 0);
const JOBS = Math.max(1, opt("--jobs", 1)), REPORT_EVERY = opt("--report-every", 10);
const KIND = FLOWS ? "flows" : "bytes";
const SEG = opt("--segment", 100_000); // inputs per vitest process
const OUT = process.env.FUZZ_OUT ?? join(homedir(), ".cache/smbscope/fuzz-failures");
mkdirSync(OUT, { recursive: true });

function segment(start, n, job) {
  const progress = join(OUT, `progress-${process.pid}-${job}`);
  return new Promise((resolve) => {
    const env = {
      ...process.env, FUZZ_INPUTS: String(FLOWS ? 0 : n), FUZZ_FLOW_INPUTS: String(FLOWS ? n : 0), FUZZ_START: String(start),
      FUZZ_SEED: String(SEED), FUZZ_PROGRESS: progress, FUZZ_OUT: OUT, FUZZ_REPORT_EVERY: String(REPORT_EVERY),
    };
    const c = spawn(process.execPath, [join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "tests/fuzz-decoder.test.ts", "-t", "decoder fuzz"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    c.stdout.on("data", (d) => { out += d; });
    c.stderr.on("data", (d) => { out += d; });
    let last = -1, since = Date.now(), hung = -1;
    const watch = setInterval(() => {
      let cur = -1;
      try { cur = parseInt(readFileSync(progress, "utf8"), 10); } catch { /* not yet */ }
      if (cur !== last) { last = cur; since = Date.now(); return; }
      if (cur >= 0 && Date.now() - since > 60_000) { hung = cur; c.kill("SIGKILL"); }
    }, 1000);
    c.on("close", (code) => {
      clearInterval(watch);
      rmSync(progress, { force: true });
      // eslint-disable-next-line no-control-regex
      const plain = out.replace(/\x1b\[[0-9;]*m/g, "");
      const line = /fuzz \w+: .*failures/.exec(plain)?.[0] ?? "";
      const fails = [...new Set([...plain.matchAll(/#\d+: [^\n"]*/g)].map((m) => m[0]))];
      resolve({ start, n, code, hung, line, fails });
    });
  });
}

const seeds = await loadFuzzSeeds(ROOT);
console.log(`fuzz: ${TOTAL} ${FLOWS ? "structure-aware" : "byte-mutated"} inputs from ${seeds.length} seed captures, seed ${SEED}, ${JOBS} job(s), failures to ${OUT}`);
const t0 = Date.now();
let failures = 0, done = 0, slowest = { ms: 0, at: "" };
const queue = [];
for (let i = FIRST; i < FIRST + TOTAL; i += SEG) queue.push([i, Math.min(SEG, FIRST + TOTAL - i)]);
async function worker(job) {
  while (queue.length) {
    const [start, n] = queue.shift();
    const r = await segment(start, n, job);
    if (r.hung >= 0) {
      const input = FLOWS ? mutateFlows(seeds, r.hung, SEED) : mutate(seeds, r.hung, SEED);
      const f = join(OUT, `${KIND}-seed${SEED}-${r.hung}-hang.pcap`);
      writeFileSync(f, input.bytes);
      console.log(`  input #${r.hung} hung (no progress for 60 s): saved ${f}`);
      failures++;
      done += r.hung + 1 - start;
      if (r.hung + 1 < start + n) queue.unshift([r.hung + 1, start + n - r.hung - 1]);
      continue;
    }
    console.log(`  [${((Date.now() - t0) / 1000).toFixed(0)} s] ${r.line || `segment ${start}..${start + n} exited ${r.code}`}`);
    for (const f of r.fails) console.log(`    ${f}`);
    const m = /slowest input (#\d+) ([\d.]+) ms/.exec(r.line);
    if (m && Number(m[2]) > slowest.ms) slowest = { ms: Number(m[2]), at: m[1] };
    failures += r.fails.length + (r.line || r.code === 0 ? 0 : 1);
    done += n;
  }
}
await Promise.all(Array.from({ length: JOBS }, (_, j) => worker(j)));
console.log(`fuzz: done, ${done} ${KIND} inputs (seed ${SEED}) in ${((Date.now() - t0) / 1000).toFixed(0)} s, slowest input ${slowest.at} ${slowest.ms} ms, ${failures} failures`);
process.exitCode = failures ? 1 : 0;
