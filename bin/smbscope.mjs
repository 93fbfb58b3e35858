#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=80 --expose-gc
// Entry point of the `smbscope` command: the CLI bundle built by `npm run build:cli`.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

// V8 grows its young generation up to 3 × 16 MiB when short-lived objects survive a little, and
// that alone would put a 1 GiB capture's analysis over its 150 MiB memory budget. The heap can
// only be sized at start-up: the #! line above passes the flags when the command is run as
// `smbscope` or ./bin/smbscope.mjs; run as `node bin/smbscope.mjs`, it runs itself once more
// with them (about 60 ms more). 3 % slower here, 20 MiB less peak RSS (see the bench).
// --expose-gc: the CLI collects after decoding and again before writing the Report, when the
// decoder's memory and then the model have just become garbage (src/core/collect.ts).
// SMBSCOPE_NO_REEXEC=1 skips the second start.
// --heap-growing-percent=80: after each full collection the old generation may grow to 1.8 times
// what was live, not V8's 4 times (on a machine with a heap limit past 2 GiB). At 150 (2.5 times)
// the bench captures peaked 7-35 MiB below V8's own factor; at 80, the dense one (whose peak is at
// the end of decoding, where the heap was 2 times its live data) 14 MiB lower again (186 vs 200
// MiB, median of 5 pairs) for 2-3 % more CPU; mix and smb1m-1g the same or lower, no CPU cost seen.
const FLAGS = ["--max-semi-space-size=4", "--heap-growing-percent=80", "--expose-gc"];
if (!process.execArgv.some((a) => a.startsWith("--max-semi-space-size")) && process.env.SMBSCOPE_NO_REEXEC !== "1") {
  const r = spawnSync(process.execPath, [...FLAGS, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" });
  if (r.error) { process.stderr.write(`smbscope: cannot start node: ${r.error.message}\n`); process.exit(2); }
  process.exit(r.status ?? (r.signal === "SIGINT" ? 130 : 2));
}

const bundle = new URL("../dist/cli/smbscope.js", import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write("smbscope: the CLI is not built yet: run `npm run build` (npm ci does it too)\n");
  process.exit(2);
}
// A closed pipe (smbscope … | head) ends the output quietly.
process.stdout.on("error", (e) => { if (e.code === "EPIPE") process.exit(process.exitCode ?? 0); throw e; });
const { main } = await import(bundle.href);
const code = await main(
  process.argv.slice(2),
  (s) => process.stdout.write(s + "\n"),
  (s) => process.stderr.write(s + "\n"),
  (s) => process.stdout.write(s),
  () => new Promise((resolve) => process.stdout.once("drain", resolve)),
  // (resolves once stdout is done with the bytes: the caller writes its next ones into them; an
  // error goes to the handler above)
  (b) => new Promise((resolve) => process.stdout.write(b, () => resolve())),
);
process.exitCode = code;
