// What every diagnosis rule gets: the model, each connection with its summary, the Kerberos
// exchanges, and a way to add findings.
import type { CaptureModel, ConnModel } from "../model/types";
import type { Connection, Finding } from "../report";
import type { KrbExchange } from "../model/kerberos";

export interface ConnView { m: ConnModel; s: Omit<Connection, "findings">; findings: string[] }

export interface DiagnoseContext {
  model: CaptureModel;
  conns: ConnView[];
  exchanges: KrbExchange[];
  findings: Finding[];
  /** the view of each connection model (rules look connections up by model) */
  viewOf: Map<ConnModel, ConnView>;
}

export function makeContext(model: CaptureModel, conns: ConnView[], exchanges: KrbExchange[]): DiagnoseContext {
  return { model, conns, exchanges, findings: [], viewOf: new Map(conns.map((c) => [c.m, c])) };
}

export function add(ctx: DiagnoseContext, f: Finding, conn?: ConnView): void {
  ctx.findings.push(f);
  if (conn && !conn.findings.includes(f.id)) conn.findings.push(f.id);
}

/** "1.2 ms", "230 µs", "20.0 s" */
export function dur(msv: number): string {
  if (msv < 1) return `${Math.round(msv * 1000)} µs`;
  if (msv < 1000) return `${msv.toFixed(msv < 10 ? 2 : 1)} ms`;
  return `${(msv / 1000).toFixed(1)} s`;
}

export function streamFilter(c: ConnView, frames?: number[]): string {
  return frames && frames.length ? `tcp.stream eq ${c.s.stream} && frame.number in {${frames.join(" ")}}` : `tcp.stream eq ${c.s.stream}`;
}

/** "10.0.0.1:445" → "10.0.0.1", "[fe80::1]:445" → "fe80::1" */
export function host(endpoint: string): string {
  const i = endpoint.lastIndexOf(":");
  const h = i > 0 ? endpoint.slice(0, i) : endpoint;
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}
