// Test hook only (?test-synthetic=N, see ui/testHooks.ts): the Report of a real capture with its
// connections replicated to N, each copy its own client port, stream and frames, with its findings.
// The benchmark times the page with a report of 100,000 connections this way (labelled synthetic)
// without a capture that takes minutes to analyse; nothing else ever calls it.
import type { Connection, Finding, Report } from "../core/report";
import { verdictOf } from "../core/verdict";

export function replicateReport(r: Report, n: number): Report {
  if (!r.connections.length || n <= r.connections.length) return r;
  const byConn = new Map<string, Finding[]>();
  const global: Finding[] = [];
  for (const f of r.findings) {
    if (!f.connection) { global.push(f); continue; }
    let l = byConn.get(f.connection);
    if (!l) byConn.set(f.connection, (l = []));
    l.push(f);
  }
  const span = r.connections.reduce((m, c) => Math.max(m, c.lastFrame), 0) + 1;
  const connections: Connection[] = [];
  const findings: Finding[] = [...global];
  for (let i = 0; connections.length < n; i++) {
    for (const c of r.connections) {
      if (connections.length >= n) break;
      const k = connections.length;
      const [host] = c.client.split(/:(?=\d+$)/);
      const client = `${host}:${1024 + (k % 64000)}`;
      const id = i === 0 ? c.id : `${client}-${c.server}~${i}`;
      const shift = i * span;
      connections.push({
        ...c, id, client, stream: k, firstFrame: c.firstFrame + shift, lastFrame: c.lastFrame + shift,
        ladder: i === 0 ? c.ladder : undefined,
      });
      for (const f of byConn.get(c.id) ?? []) findings.push(i === 0 ? f : { ...f, connection: id, frames: f.frames.map((x) => x + shift) });
    }
  }
  const out: Report = { ...r, connections, findings };
  const { verdict, headline } = verdictOf(out);
  return { ...out, verdict, headline };
}
