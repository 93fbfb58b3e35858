// The analyzer worker's connection records in columns (worker/connectionColumns.ts; from the first
// record here, past COLUMNS_FROM in the app): a Report analysed with them as its ConnectionSink answers the page's questions (digest, table rows sorted
// and filtered, a connection's ladder, a group's occurrences, the printed rows), exports its JSON
// and writes history's stored form exactly as the same Report with its connections as objects —
// also when the records come out of Report order, as the fold at close puts them.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { fileSource } from "../src/cli/nodeSource";
import { nodeDecoder } from "../src/cli/wasmNode";
import { analyzeCapture } from "../src/core/analyze";
import type { Report } from "../src/core/report";
import { ConnectionColumns, reportPositions, type Finished } from "../src/worker/connectionColumns";
import { openStored, storedTable, writeStored } from "../src/history/storedForm";
import { ReportIndex, type RowQuery } from "../src/worker/reportIndex";
import { reportJsonParts } from "../src/worker/reportJson";
import { markdownParts, reportToMarkdown } from "../src/ui/markdown";
import { replicateReport } from "../src/worker/synthetic";
import { kerberosPrincipals, type SortKey } from "../src/ui/model";
import { reportOf } from "./support/report";

const FIX = join(__dirname, "../fixtures");
const noPause = async () => {};
const KEYS: SortKey[] = ["outcome", "first", "client", "server", "dialect", "auth", "shares", "failed"];

function inColumns(f: Finished): Extract<Finished, { kind: "columns" }> {
  if (f.kind !== "columns") throw new Error("the records were kept as objects");
  return f;
}

/** The index the worker makes: the records put into `sink` (in `order`; in columns from the `from`th), the rest of the Report as objects. */
function columnsIndex(r: Report, order: number[], from = 0): { index: ReportIndex; sink: ConnectionColumns } {
  const sink = new ConnectionColumns(from);
  for (const i of order) sink.put(i, r.connections[i]);
  const { columns } = inColumns(sink.finish());
  const rest = { ...r, connections: [] };
  return { index: new ReportIndex(rest, storedTable(columns, kerberosPrincipals(rest))), sink };
}

/** Every question the page asks, answered by both indexes alike. */
async function sameAnswers(r: Report, order: number[], from = 0) {
  const ref = new ReportIndex(r);
  const { index, sink } = columnsIndex(r, order, from);
  expect(index.report.connections).toEqual([]);
  expect(index.count).toBe(r.connections.length);
  expect(index.digest()).toEqual(ref.digest());
  const q = (key: SortKey, dir: 1 | -1, text: string, outcome: RowQuery["outcome"], offset = 0, count = 50): RowQuery => ({ sort: { key, dir }, text, outcome, offset, count });
  for (const key of KEYS) for (const dir of [1, -1] as const) expect(index.rows(q(key, dir, "", "all", 7, 60)), `${key} ${dir}`).toEqual(ref.rows(q(key, dir, "", "all", 7, 60)));
  for (const [text, outcome] of [["alice", "problems"], ["STATUS_BAD_NETWORK_NAME", "all"], ["10.99 tree", "ok"], ["kerberos", "all"]] as const) {
    expect(index.rows(q("client", 1, text, outcome))).toEqual(ref.rows(q("client", 1, text, outcome)));
  }
  expect(index.rows(q("server", -1, "", "all", 0, Infinity), true)).toEqual(ref.rows(q("server", -1, "", "all", 0, Infinity), true));
  const some = [0, Math.floor(r.connections.length / 2), r.connections.length - 1].map((i) => r.connections[i].id);
  for (const id of some) expect(index.connection(id)).toEqual(ref.connection(id));
  for (const g of ref.digest().groups) expect(index.occurrences(g.key, 0, 30)).toEqual(ref.occurrences(g.key, 0, 30));
  expect(index.printRows({ sort: { key: "auth", dir: 1 }, text: "", outcome: "all" })).toEqual(ref.printRows({ sort: { key: "auth", dir: 1 }, text: "", outcome: "all" }));
  expect(index.preview()).toEqual(ref.preview());
  // the export: JSON.stringify's text, the connections read from the columns one at a time
  expect([...reportJsonParts(index.report, 2, { connections: index.connectionsInOrder() })].join("")).toBe(JSON.stringify(r, null, 2));
  // the Markdown export: the text of the Report with its connections as objects, read from either
  // index a few lines at a time (parts of about a MiB: never one string of the whole)
  const md = reportToMarkdown(r);
  expect([...markdownParts(ref.markdownSource())].join("")).toBe(md);
  const parts = [...markdownParts(index.markdownSource())];
  expect(parts.join("")).toBe(md);
  expect(parts.length).toBeGreaterThan(1);
  expect(Math.max(...parts.map((p) => p.length))).toBeLessThan(2 ** 20 + 4096);
  // history's stored form, written around the columns: reopened, the same Report
  const { field } = inColumns(sink.finish());
  const blob = await writeStored(index.report, noPause, { writer: sink.writer, lists: { connections: field } });
  const again = await openStored(blob);
  await again.whole();
  expect(JSON.stringify(again.index.withConnections())).toBe(JSON.stringify(r));
  expect(again.index.digest()).toEqual(ref.digest());
  expect(again.index.rows(q("client", -1, "", "all", 3, 40))).toEqual(ref.rows(q("client", -1, "", "all", 3, 40)));
  expect([...markdownParts(again.index.markdownSource())].join("")).toBe(md);
  // (written twice, the same bytes: writing leaves the columns as they were)
  const twice = await writeStored(index.report, noPause, { writer: sink.writer, lists: { connections: field } });
  expect(new Uint8Array(await new Response(twice.stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer()))
    .toEqual(new Uint8Array(await new Response(blob.stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer()));
}

describe("the worker's connection records in columns", () => {
  it("a real capture analysed with them as its sink: the same Report, the same answers", async () => {
    const path = join(FIX, "krb-smb-ok.pcap");
    const src = await fileSource(path);
    const sink = new ConnectionColumns(0);
    let viaSink: Report;
    try { viaSink = await analyzeCapture(await nodeDecoder(), src, { connections: sink }); } finally { await src.close(); }
    const plain = await reportOf(path);
    expect(viaSink.connections).toEqual([]);
    const { columns } = inColumns(sink.finish());
    const table = storedTable(columns, kerberosPrincipals(viaSink))!;
    expect(JSON.stringify({ ...viaSink, connections: [...table.inOrder()] })).toBe(JSON.stringify(plain));
  });

  const seed = (async () => {
    const a = await reportOf(join(FIX, "krb-smb-ok.pcap"));
    const b = await reportOf(join(FIX, "tree-bad-share.pcap"));
    return replicateReport({ ...a, connections: [...a.connections, ...b.connections], findings: [...a.findings, ...b.findings] }, 9000);
  })();

  it("records put in Report order", async () => {
    const r = await seed;
    await sameAnswers(r, r.connections.map((_, i) => i));
  });

  it("records put out of Report order (as connections close), several slices apart", async () => {
    const r = await seed;
    const n = r.connections.length;
    // the odd ones as they "close", each a few hundred later than it opened, then the even ones at the end
    const odd = r.connections.map((_, i) => i).filter((i) => i % 2).sort((a, b) => ((a * 7919) % 600) + a - (((b * 7919) % 600) + b));
    const order = [...odd, ...Array.from({ length: Math.ceil(n / 2) }, (_, k) => 2 * k)];
    expect(reportPositions(Float64Array.from(order))).not.toBeNull();
    await sameAnswers(r, order);
  });

  it("records kept as objects until the threshold, then in columns: the same answers", async () => {
    const r = await seed;
    const order = r.connections.map((_, i) => i).reverse();
    await sameAnswers(r, order, 5000);
  });

  it("below the threshold the records stay objects, in Report order", async () => {
    const r = await seed;
    const sink = new ConnectionColumns(r.connections.length + 1);
    const order = r.connections.map((_, i) => i).sort((a, b) => (a % 7) - (b % 7) || a - b);
    for (const i of order) sink.put(i, r.connections[i]);
    const f = sink.finish();
    expect(f.kind).toBe("objects");
    if (f.kind === "objects") expect(f.connections).toEqual(r.connections);
  });

  it("positions: each order's rank, null when already in order", () => {
    expect(reportPositions(Float64Array.from([3, 9, 12]))).toBeNull();
    expect(Array.from(reportPositions(Float64Array.from([40, 7, 1000, 8]))!)).toEqual([2, 0, 3, 1]);
  });
});
