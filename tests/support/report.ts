// Runs the whole analysis (decode → model → diagnose → Report) on a capture file.
import { fileSource } from "../../src/cli/nodeSource";
import { nodeDecoder } from "../../src/cli/wasmNode";
import { analyzeCapture } from "../../src/core/analyze";
import type { Connection, Report } from "../../src/core/report";

export async function reportOf(path: string): Promise<Report> {
  const src = await fileSource(path);
  try { return await analyzeCapture(await nodeDecoder(), src); } finally { await src.close(); }
}

/** Report.servers as the Report contract says it, from the connection records (per server in the order of its first connection). */
export function serversOf(conns: Connection[]) {
  const by = new Map<string, { server: string; clients: number; failed: { client: string; phase: string | null; status: string | null }[] }>();
  for (const c of conns) {
    let s = by.get(c.server);
    if (!s) by.set(c.server, (s = { server: c.server, clients: 0, failed: [] }));
    s.clients++;
    if (c.outcome === "failed" || c.outcome === "no-response") s.failed.push({ client: c.client, phase: c.failedPhase, status: c.status });
  }
  return [...by.values()];
}
