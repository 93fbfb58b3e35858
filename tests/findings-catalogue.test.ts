// One module per finding id, one index, one catalogue: every id the code can emit is a module in
// findings/index.ts, and docs/findings.md is exactly what the modules' meta make
// (scripts/gen-catalogue.mjs writes it).
import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { FINDING_MODULES } from "../src/core/diagnose/findings";
import { renderCatalogue } from "../src/core/diagnose/findings/catalogue";

const ROOT = join(__dirname, "..");
const FINDINGS = join(ROOT, "src/core/diagnose/findings");
/** files in findings/ that are not finding modules */
const NOT_MODULES = new Set(["index.ts", "module.ts", "walk.ts", "catalogue.ts", "hangup.ts", "icmp-text.ts"]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}
const ids = FINDING_MODULES.map((m) => m.meta.id);
/** `id: "SOME_ID"` literals: an object with a finding id */
const ID_LITERAL = /\bid: "([A-Z][A-Z0-9_]+)"/g;

describe("finding modules and their catalogue", () => {
  it("lists each id once", () => {
    expect(ids.length).toBeGreaterThan(30);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("has every finding id of the code in the index: no id literal outside findings/, and each one there is an indexed id", () => {
    const stray: string[] = [];
    for (const f of sources(join(ROOT, "src"))) {
      const inFindings = f.startsWith(FINDINGS + "/");
      for (const m of readFileSync(f, "utf8").matchAll(ID_LITERAL)) if (!inFindings || !ids.includes(m[1])) stray.push(`${relative(ROOT, f)}: ${m[1]}`);
    }
    expect(stray).toEqual([]);
  });

  it("emits from each module only its own id (add() is given meta.id or its own literal)", () => {
    const bad: string[] = [];
    for (const f of sources(FINDINGS)) {
      const rel = relative(FINDINGS, f);
      if (NOT_MODULES.has(rel) || rel.startsWith("shared")) continue;
      const text = readFileSync(f, "utf8");
      const own = /\bid: "([A-Z0-9_]+)"/.exec(text)?.[1];
      expect(own, rel).toBeDefined();
      expect(ids, rel).toContain(own);
      for (const m of text.matchAll(/\bid: ([^,\n]+),/g)) {
        if (!["meta.id", "this.meta.id", `"${own}"`, `"${own}" as const`].includes(m[1].trim())) bad.push(`${rel}: id: ${m[1]}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("runs every module in findings/ (each is in the index)", () => {
    const files = readdirSync(FINDINGS).filter((n) => n.endsWith(".ts") && !NOT_MODULES.has(n));
    const inIndex = readFileSync(join(FINDINGS, "index.ts"), "utf8");
    const missing = files.filter((n) => !inIndex.includes(`"./${n.replace(/\.ts$/, "")}"`));
    expect(missing).toEqual([]);
    expect(files.length).toBe(FINDING_MODULES.length);
  });

  it("has a one-line `when` and a severity for every id", () => {
    for (const { meta } of FINDING_MODULES) {
      expect(meta.when.length, meta.id).toBeGreaterThan(20);
      expect(meta.when, meta.id).not.toMatch(/\n/);
      expect(["error", "warning", "info"]).toContain(meta.severity);
    }
  });

  it("docs/findings.md is the catalogue the index makes (run `node scripts/gen-catalogue.mjs` after changing a module's meta)", () => {
    const committed = readFileSync(join(ROOT, "docs/findings.md"), "utf8");
    const made = renderCatalogue(FINDING_MODULES);
    expect(committed).toBe(made);
    for (const id of ids) expect(committed).toContain(`| \`${id}\` |`);
  });
});
