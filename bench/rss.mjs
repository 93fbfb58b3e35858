// Preloaded into the benchmarked CLI (node --import): reports the process's peak RSS and CPU time
// at exit to the file named by BENCH_STATS (JSON), using only Node's own process.resourceUsage().
import { writeFileSync } from "node:fs";
process.on("exit", () => {
  const u = process.resourceUsage();
  if (process.env.BENCH_STATS) writeFileSync(process.env.BENCH_STATS, JSON.stringify({ maxRssKiB: u.maxRSS, userUs: u.userCPUTime, sysUs: u.systemCPUTime }));
});
