// Model → Report: summaries of every connection, Kerberos records, findings, the verdict line
// and the per-server summary.
import { REPORT_VERSION, type Report, type Connection, type Finding } from "./report";
import type { CaptureModel } from "./model/types";
import { summarize, failedForKerberos } from "./model/summarize";
import { attachIcmp } from "./model/icmp";
import { attachDrops, pktmonReport } from "./model/pktmon";
import { pairKerberos, failedExchange, EXPECTED_KRB_ERRORS } from "./model/kerberos";
import { KRB_ERRORS, KRB_MSG_TYPES } from "./names";
import { diagnose } from "./diagnose";
import { makeContext, FINDINGS_PER_ID, type ConnView } from "./diagnose/context";
import { describePorts } from "./diagnose/findings/shared/ports";
import { rfc3339 } from "./eventsView";
import { verdictOf } from "./verdict";
import { smbOverQuic } from "./quic/flow";

export const GENERATOR = "smbscope 0.1.0";
const LADDERS_OK = 200;
const LADDERS_PROBLEM = 1000;

/**
 * Past FINDINGS_PER_ID findings with the same id (a capture of thousands of failing connections),
 * the rest are folded into one finding that lists the other connections, so that the Report stays
 * readable. Each connection still lists the finding id.
 */
function groupFindings(all: Finding[]): Finding[] {
  const count = new Map<string, number>();
  for (const f of all) count.set(f.id, (count.get(f.id) ?? 0) + 1);
  const out: Finding[] = [];
  const folded = new Map<string, Finding & { connections: string[] }>();
  const seen = new Map<string, number>();
  for (const f of all) {
    const n = (seen.get(f.id) ?? 0) + 1;
    seen.set(f.id, n);
    if (count.get(f.id)! <= FINDINGS_PER_ID + 1 || n <= FINDINGS_PER_ID) { out.push(f); continue; }
    let g = folded.get(f.id);
    if (!g) {
      const rest = count.get(f.id)! - FINDINGS_PER_ID;
      g = {
        ...f,
        title: `…and ${rest} more: ${f.title}`,
        explanation: `The same finding (${f.id}) applies to ${rest} more connections; this one is the first of them. ${f.explanation}`,
        connection: null,
        connections: [],
        frames: [],
      };
      folded.set(f.id, g);
      out.push(g);
    }
    if (f.connection && g.connections.length < 1000) g.connections.push(f.connection);
    if (g.frames.length < 20) g.frames.push(...f.frames.slice(0, 2));
  }
  return out;
}

export function buildReport(m: CaptureModel): Report {
  attachIcmp(m);
  attachDrops(m);
  const conns: ConnView[] = m.connections.map((c) => ({ m: c, s: summarize(c, m.lastTs), findings: [] }));
  const krb = pairKerberos(m.kerberos, m.connections);
  const ctx = makeContext(m, conns, krb.exchanges);
  for (const ex of krb.exchanges) if (ex.conn && failedExchange(ex)) failedForKerberos(ctx.viewOf.get(ex.conn)!.s, ex.conn);
  diagnose(ctx);
  // The Kerberos messages a connection depended on belong in its ladder, in time order
  for (const ex of krb.exchanges) {
    const v = ex.conn ? ctx.viewOf.get(ex.conn) : undefined;
    if (!v?.s.ladder || v.m.ladderDropped) continue;
    for (const msg of [ex.req, ex.reply]) {
      if (!msg) continue;
      const name = msg.msgType !== null ? KRB_MSG_TYPES[msg.msgType] : "Kerberos";
      const err = msg.errorCode !== null ? KRB_ERRORS[msg.errorCode] ?? `error ${msg.errorCode}` : null;
      v.s.ladder.push({
        frame: msg.frame, offsetMs: Math.round((msg.ts - v.m.firstTs) * 1000) / 1000, fromClient: msg === ex.req,
        label: `${name} ${msg === ex.req ? "to" : "from"} KDC ${ex.kdc}${ex.service ? ` (${ex.service})` : ""}`,
        status: err, kind: "krb", kdc: ex.kdc, error: err !== null && !EXPECTED_KRB_ERRORS.has(msg.errorCode!),
      });
    }
    v.s.ladder.sort((a, b) => a.frame - b.frame);
  }
  // Ladders are kept for the first LADDERS_OK connections that set up fine and the first
  // LADDERS_PROBLEM others: in a capture with tens of thousands of connections they would
  // otherwise be most of the Report (the phases of every connection stay)
  let okLadders = 0, problemLadders = 0;
  const connections: Connection[] = conns.map((c) => {
    const problem = c.s.outcome !== "ok" || c.findings.length > 0;
    const keep = problem ? problemLadders++ < LADDERS_PROBLEM : okLadders++ < LADDERS_OK;
    // the summary becomes the Report's record in place (a copy by spread cost a hidden class
    // per connection)
    const r = c.s as Connection;
    if (!keep) r.ladder = undefined;
    r.findings = c.findings;
    return r;
  });
  const report: Report = {
    version: REPORT_VERSION,
    generator: GENERATOR,
    capture: {
      file: m.file,
      format: m.format ?? "unknown",
      linkTypes: m.linkTypes,
      packets: m.packets,
      bytes: m.bytes,
      start: m.firstTsNs !== null ? rfc3339(m.firstTsNs, m.tsDigits) : null,
      end: m.lastTsNs !== null ? rfc3339(m.lastTsNs, m.tsDigits) : null,
      warnings: m.warnings,
      topPorts: describePorts(m.tcpPorts, m.udpPorts),
      ...(m.tunnels.packets ? { tunnels: { packets: m.tunnels.packets, kinds: m.tunnels.kinds } } : {}),
      ...(m.pktmon ? { pktmon: pktmonReport(m.pktmon) } : {}),
      error: m.error,
    },
    verdict: "",
    connections,
    kerberos: krb.records,
    findings: groupFindings(ctx.findings),
    servers: servers(connections),
  };
  const quic = smbOverQuic(m);
  if (quic.length) report.quic = quic;
  const v = verdictOf(report);
  report.verdict = v.verdict;
  report.headline = v.headline;
  return report;
}

function servers(conns: Connection[]): NonNullable<Report["servers"]> {
  const by = new Map<string, NonNullable<Report["servers"]>[number]>();
  for (const c of conns) {
    let s = by.get(c.server);
    if (!s) by.set(c.server, (s = { server: c.server, clients: 0, failed: [] }));
    s.clients++;
    if (c.outcome === "failed" || c.outcome === "no-response") s.failed.push({ client: c.client, phase: c.failedPhase, status: c.status });
  }
  return [...by.values()];
}

