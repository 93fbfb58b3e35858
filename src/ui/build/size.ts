// The download size of the app: every file a first visit fetches (HTML, JS, CSS, wasm, manifest,
// service worker), gzipped. Printed after each build; the build fails above the budget.
import { gzipSync } from "node:zlib";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export const BUDGET_BYTES = 300 * 1024;
const COUNTED = /\.(html|js|mjs|css|wasm|webmanifest|svg)$/;

export interface SizeRow { file: string; bytes: number; gzip: number }

export function measure(dir: string): SizeRow[] {
  const rows: SizeRow[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) { if (name !== "samples") walk(p); continue; }
      if (!COUNTED.test(name)) continue;
      const buf = readFileSync(p);
      rows.push({ file: relative(dir, p), bytes: buf.length, gzip: gzipSync(buf, { level: 9 }).length });
    }
  };
  walk(dir);
  return rows.sort((a, b) => b.gzip - a.gzip);
}

export function sizeReport(rows: SizeRow[], budget = BUDGET_BYTES): { text: string; total: number; over: boolean } {
  const total = rows.reduce((s, r) => s + r.gzip, 0);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const lines = rows.map((r) => `  ${kb(r.gzip).padStart(9)}  ${r.file} (${kb(r.bytes)} raw)`);
  const text = `app shell + decoder, gzipped: ${kb(total)} of the ${kb(budget)} budget\n${lines.join("\n")}`;
  return { text, total, over: total > budget };
}
