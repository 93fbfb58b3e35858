// Preloaded into the benchmarked CLI (node --import): reports the process's peak RSS and CPU time
// at exit to the file named by BENCH_STATS (JSON), using only Node's own process.resourceUsage().
// bin/smbscope.mjs runs itself again with V8 flags (the hook is loaded in both): the child exits
// first and writes; the parent then keeps the larger peak and adds the CPU times.
import { writeFileSync, readFileSync, existsSync } from "node:fs";
process.on("exit", () => {
  const f = process.env.BENCH_STATS;
  if (!f) return;
  const u = process.resourceUsage();
  const s = { maxRssKiB: u.maxRSS, userUs: u.userCPUTime, sysUs: u.systemCPUTime };
  if (existsSync(f)) {
    const c = JSON.parse(readFileSync(f, "utf8"));
    s.maxRssKiB = Math.max(s.maxRssKiB, c.maxRssKiB); s.userUs += c.userUs; s.sysUs += c.sysUs;
  }
  writeFileSync(f, JSON.stringify(s));
});
