#!/usr/bin/env node
// Writes docs/findings.md, the catalogue of finding ids, from the finding modules' meta
// (src/core/diagnose/findings/index.ts). `--check` only compares and exits 1 when the committed
// file is stale (tests/findings-catalogue.test.ts checks the same).
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runnerImport } from "vite";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = `${root}docs/findings.md`;
const load = (p) => runnerImport(`${root}${p}`, { configFile: false, logLevel: "silent", root }).then((r) => r.module);
const { renderCatalogue } = await load("src/core/diagnose/findings/catalogue.ts");
const { FINDING_MODULES } = await load("src/core/diagnose/findings/index.ts");
const text = renderCatalogue(FINDING_MODULES);

if (process.argv.includes("--check")) {
  let old = "";
  try { old = readFileSync(out, "utf8"); } catch { /* missing: stale */ }
  if (old !== text) { process.stderr.write("docs/findings.md is stale: run `node scripts/gen-catalogue.mjs`\n"); process.exit(1); }
  process.stdout.write(`docs/findings.md is up to date (${FINDING_MODULES.length} ids)\n`);
} else {
  writeFileSync(out, text);
  process.stdout.write(`wrote docs/findings.md (${FINDING_MODULES.length} ids)\n`);
}
