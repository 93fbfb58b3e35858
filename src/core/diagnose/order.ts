// The Report order of findings: errors first, then warnings, then information; by first frame
// within a severity; in the order added among findings of one severity on one frame (the walk's
// order of emission, findings/walk.ts). Sorted by one number per finding instead of with a
// comparator: a capture with 50,000 failing connections has ~60,000 findings, and a comparator
// called a million times on findings of many shapes took twice as long (~40 ms against ~20 on
// the bench's dense capture, in code that runs once).
import { SEVERITY_RANK, type DiagnoseContext } from "./context";
import type { Finding } from "../report";

/** Sorts ctx.findings into Report order, in place (a stable sort by severity, then first frame). */
export function sortFindings(ctx: DiagnoseContext): void {
  const all = ctx.findings, n = all.length;
  if (n < 2) return;
  let maxFrame = 0;
  for (let i = 0; i < n; i++) {
    const fr = all[i].frames[0] ?? 0;
    // frame numbers are counts from 1; anything else takes the comparator
    if (!(fr >= 0 && Number.isSafeInteger(fr))) return sortByComparator(all);
    if (fr > maxFrame) maxFrame = fr;
  }
  // key = (rank × (maxFrame + 1) + frame) × n + index: ascending keys are the Report order, and
  // the index keeps the order added among equals (what a stable sort keeps)
  const span = maxFrame + 1;
  if (3 * span * n >= Number.MAX_SAFE_INTEGER) return sortByComparator(all);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = all[i];
    keys[i] = (SEVERITY_RANK[f.severity] * span + (f.frames[0] ?? 0)) * n + i;
  }
  keys.sort();
  const was = all.slice();
  for (let j = 0; j < n; j++) all[j] = was[keys[j] % n];
}

function sortByComparator(all: Finding[]): void {
  all.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || (a.frames[0] ?? 0) - (b.frames[0] ?? 0));
}
