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

export const host = (endpoint: string) => endpoint.replace(/^\[?([^\]]*?)\]?:\d+$/, "$1");
