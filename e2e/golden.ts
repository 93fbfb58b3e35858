// Golden screenshots: e2e/golden/<name>.png, committed. UPDATE_GOLDENS=1 (npm run goldens) writes
// them; otherwise a screenshot is compared with its golden and, when they differ, the screenshot and
// a diff image are written to e2e/artifacts/golden/ (gitignored) and the message says where.
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { decodePng, encodePng } from "./png";
import { compareImages, type CompareOptions, type Comparison } from "./imagediff";

export const GOLDEN_DIR = join(__dirname, "golden");
export const GOLDEN_OUT = join(__dirname, "artifacts", "golden");
export const updating = process.env.UPDATE_GOLDENS === "1";

const rel = (p: string) => relative(process.cwd(), p);

/** "" when `png` matches the golden `name` (or was written as it); otherwise what differs and where to look. */
export function checkGolden(name: string, png: Buffer, opts?: CompareOptions): string {
  const golden = join(GOLDEN_DIR, `${name}.png`);
  const actualOut = join(GOLDEN_OUT, `${name}.actual.png`), diffOut = join(GOLDEN_OUT, `${name}.diff.png`);
  rmSync(actualOut, { force: true }); rmSync(diffOut, { force: true });
  if (updating) {
    // the same pixels are left alone (Chromium's encoder does not always give the same bytes), so
    // that git shows only the goldens that changed
    if (existsSync(golden)) {
      const c = compareImages(decodePng(readFileSync(golden), rel(golden)), decodePng(png, name), { threshold: 0, maxFraction: 0 });
      if (c.ok) return "";
    }
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(golden, png);
    return "";
  }
  if (!existsSync(golden)) {
    mkdirSync(GOLDEN_OUT, { recursive: true });
    writeFileSync(actualOut, png);
    return `${name}: no golden ${rel(golden)} (run npm run goldens); the screenshot is in ${rel(actualOut)}`;
  }
  const want = readFileSync(golden);
  if (want.equals(png)) return ""; // the same bytes: most screenshots, no decoding (the encoder does not always give the same bytes for the same pixels)
  const c = compareImages(decodePng(want, rel(golden)), decodePng(png, name), opts);
  if (c.ok) return "";
  mkdirSync(GOLDEN_OUT, { recursive: true });
  writeFileSync(actualOut, png);
  if (c.diff) writeFileSync(diffOut, encodePng(c.diff));
  return `${name}: ${c.reason}; screenshot ${rel(actualOut)}${c.diff ? `, diff (red: different, yellow: anti-aliasing) ${rel(diffOut)}` : ""}, golden ${rel(golden)}`;
}

/** Compare two screenshots taken in the test (no golden involved). */
export function compareShots(expected: Buffer, actual: Buffer, opts?: CompareOptions): Comparison {
  return compareImages(decodePng(expected, "expected"), decodePng(actual, "actual"), opts);
}

/** What drew the goldens: the browser and the fonts the page's text came out in. */
export interface DrawnWith { chromium: string; fonts: string[] }
const DRAWN_WITH = join(GOLDEN_DIR, "drawn-with.json");

/**
 * With UPDATE_GOLDENS, records `now` beside the goldens; otherwise "" when it is what they were drawn
 * with, else a sentence for a failure message (a different font is the likely cause of a mismatch).
 */
export function checkDrawnWith(now: DrawnWith): string {
  if (updating) { mkdirSync(GOLDEN_DIR, { recursive: true }); writeFileSync(DRAWN_WITH, `${JSON.stringify(now, null, 2)}\n`); return ""; }
  if (!existsSync(DRAWN_WITH)) return `${rel(DRAWN_WITH)} is missing`;
  const then: DrawnWith = JSON.parse(readFileSync(DRAWN_WITH, "utf8"));
  if (JSON.stringify(then) === JSON.stringify(now)) return "";
  return `the goldens were drawn by Chromium ${then.chromium} with ${then.fonts.join(", ")}; this run is Chromium ${now.chromium} with ${now.fonts.join(", ")}`;
}
