#!/usr/bin/env node
// Entry point of the `smbscope` command: the CLI bundle built by `npm run build:cli`.
import { existsSync } from "node:fs";
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
);
process.exitCode = code;
