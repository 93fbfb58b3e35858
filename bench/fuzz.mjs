// Long fuzz campaign: npm run fuzz [-- --inputs N] [--seed S] [--start I]
// Runs tests/fuzz-decoder.test.ts through vitest in segments of 100,000 inputs, watching its
// progress file: an input that hangs (no progress for 60 s) is written out and skipped. Failing
// inputs land in ~/.cache/smbscope/fuzz-failures (FUZZ_OUT); copy the ones worth keeping to
// fixtures/regress/ (tests/regress.test.ts decodes every file there).
import { spawn } from "node:child_process";
import { readFileSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { mutate, loadFuzzSeeds } from "../scripts/fuzz/mutate.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (f, d) => { const i = args.indexOf(f); return i >= 0 ? Number(args[i + 1]) : d; };
const TOTAL = opt("--inputs", 1_000_000), SEED = opt("--seed", 1), FIRST = opt("--start", 0);
const SEG = 100_000;
const OUT = process.env.FUZZ_OUT ?? join(homedir(), ".cache/smbscope/fuzz-failures");
mkdirSync(OUT, { recursive: true });
const PROGRESS = join(OUT, `progress-${process.pid}`);

function segment(start, n) {
  return new Promise((resolve) => {
    const env = { ...process.env, FUZZ_INPUTS: String(n), FUZZ_START: String(start), FUZZ_SEED: String(SEED), FUZZ_PROGRESS: PROGRESS, FUZZ_OUT: OUT };
    const c = spawn(process.execPath, [join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "tests/fuzz-decoder.test.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    c.stdout.on("data", (d) => { out += d; });
    c.stderr.on("data", (d) => { out += d; });
    let last = -1, since = Date.now(), hung = -1;
    const watch = setInterval(() => {
      let cur = -1;
      try { cur = parseInt(readFileSync(PROGRESS, "utf8"), 10); } catch { /* not yet */ }
      if (cur !== last) { last = cur; since = Date.now(); return; }
      if (cur >= 0 && Date.now() - since > 60_000) { hung = cur; c.kill("SIGKILL"); }
    }, 1000);
    c.on("close", (code) => {
      clearInterval(watch);
      const line = /fuzz: .*failures/.exec(out)?.[0] ?? "";
      const fails = [...out.matchAll(/#\d+: [^\n"]*/g)].map((m) => m[0]);
      resolve({ code, hung, line, fails });
    });
  });
}

const seeds = await loadFuzzSeeds(ROOT);
console.log(`fuzz: ${TOTAL} inputs from ${seeds.length} seed captures, seed ${SEED}, failures to ${OUT}`);
const t0 = Date.now();
let i = FIRST, failures = 0;
while (i < FIRST + TOTAL) {
  const n = Math.min(SEG, FIRST + TOTAL - i);
  const r = await segment(i, n);
  if (r.hung >= 0) {
    const { bytes } = mutate(seeds, r.hung, SEED);
    const f = join(OUT, `seed${SEED}-${r.hung}-hang.pcap`);
    writeFileSync(f, bytes);
    console.log(`  input #${r.hung} hung (no progress for 60 s): saved ${f}`);
    failures++;
    i = r.hung + 1;
    continue;
  }
  console.log(`  [${((Date.now() - t0) / 1000).toFixed(0)} s] ${r.line || `segment ${i}..${i + n} exited ${r.code}`}`);
  for (const f of r.fails) console.log(`    ${f}`);
  failures += r.fails.length;
  i += n;
}
rmSync(PROGRESS, { force: true });
console.log(`fuzz: done, ${i - FIRST} inputs in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${failures} failures`);
process.exitCode = failures ? 1 : 0;
