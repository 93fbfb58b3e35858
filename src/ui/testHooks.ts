// Test hooks, only from the page's URL (never set by the app itself): e2e tests use them to make
// the worker fail part-way through a file, or read it slowly:
// ?test-slice=BYTES&test-fail-after=N&test-fail-mode=trap|crash&test-delay=MS; and hash a file
// slowly for history: ?test-hash-delay=MS; the benchmark's synthetic report of N connections: ?test-synthetic=N;
// the connection records kept in columns from the Nth (worker/connectionColumns.ts): ?test-columns-from=N
import type { AnalyzeOptions } from "./analyzerClient";
import type { HashOptions } from "../worker/hash.worker";

export function hashHooksFrom(search: string): HashOptions {
  const delay = Number(new URLSearchParams(search).get("test-hash-delay"));
  return Number.isInteger(delay) && delay > 0 ? { sliceDelayMs: delay } : {};
}

export function testHooksFrom(search: string): AnalyzeOptions {
  const q = new URLSearchParams(search);
  const o: AnalyzeOptions = {};
  const slice = Number(q.get("test-slice"));
  if (Number.isInteger(slice) && slice > 0) o.sliceBytes = slice;
  const delay = Number(q.get("test-delay"));
  if (Number.isInteger(delay) && delay > 0) o.sliceDelayMs = delay;
  const synthetic = Number(q.get("test-synthetic"));
  if (Number.isInteger(synthetic) && synthetic > 0) o.syntheticConnections = synthetic;
  const columns = q.get("test-columns-from");
  if (columns !== null && /^\d+$/.test(columns)) o.columnsFrom = Number(columns);
  const after = q.get("test-fail-after");
  if (after !== null && /^\d+$/.test(after)) {
    o.failAfterSlices = Number(after);
    o.failMode = q.get("test-fail-mode") === "crash" ? "crash" : "trap";
  }
  return o;
}
