// Model → Report: summaries of every connection, Kerberos records, findings, the verdict line
// and the per-server summary.
import { REPORT_VERSION, type Report, type Connection, type Finding } from "./report";
import type { CaptureModel } from "./model/types";
import { summarize, failedForKerberos } from "./model/summarize";
import { attachIcmp } from "./model/icmp";
import { attachDrops, pktmonReport } from "./model/pktmon";
import { pairKerberos, failedExchange, EXPECTED_KRB_ERRORS } from "./model/kerberos";
import { NONE, appended } from "./model/lists";
import { KRB_ERRORS, KRB_MSG_TYPES } from "./names";
import { diagnose } from "./diagnose";
import { makeContext, FINDINGS_PER_ID, type ConnView } from "./diagnose/context";
import { describePorts } from "./diagnose/findings/shared/ports";
import { rfc3339 } from "./eventsView";
import { verdictOf } from "./verdict";
import { smbOverQuic } from "./quic/flow";
import type { ConnectionSink } from "./connectionSink";

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

/**
 * The summaries, the diagnosis and the Report's records of connections, Kerberos messages and
 * findings. A function of its own so that the views, the rules' context and the findings before
 * grouping (~60 MB in a capture of 50,000 connections) are let go when it returns.
 */
function diagnosed(m: CaptureModel): Pick<Report, "connections" | "kerberos" | "findings"> {
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
  const same = new Shared();
  const connections: Connection[] = conns.map((c) => {
    const problem = c.s.outcome !== "ok" || c.findings.length > 0;
    const keep = problem ? problemLadders++ < LADDERS_PROBLEM : okLadders++ < LADDERS_OK;
    // the summary becomes the Report's record in place (a copy by spread cost a hidden class
    // per connection)
    const r = c.s as Connection;
    if (!keep) r.ladder = undefined;
    r.findings = same.list(c.findings);
    // lists of their length: an array grown by push keeps room for 16 (~5 MB of the dense bench's
    // phases), and most connections have no share at all
    r.phases = r.phases.slice();
    r.shares = r.shares.length ? r.shares.slice() : NONE;
    if (r.signing) r.signing = same.signing(r.signing);
    if (r.serverName) r.serverName = same.serverName(r.serverName);
    return r;
  });
  return { connections, kerberos: krb.records, findings: groupFindings(ctx.findings) };
}

/**
 * One copy of each of the small values most connection records repeat (the finding ids of a
 * connection, its signing posture, the server's names), shared by the records that hold an equal
 * one: the JSON is the same, and a capture of 50,000 connections holds a few hundred of them
 * instead of 150,000 (~12 MB). Shared values are frozen: a front end that changed one would
 * change every record holding it.
 */
class Shared {
  private readonly lists = new Map<string, string[]>();
  private readonly objects = new Map<string, object>();
  list(l: string[]): string[] {
    const key = l.join("\n");
    let s = this.lists.get(key);
    if (!s) this.lists.set(key, (s = Object.freeze(l.slice()) as string[]));
    return s;
  }
  signing(v: NonNullable<Connection["signing"]>): NonNullable<Connection["signing"]> {
    return this.object(`s${+v.clientRequired}${+v.serverRequired}`, v);
  }
  serverName(v: NonNullable<Connection["serverName"]>): NonNullable<Connection["serverName"]> {
    return this.object(`n${JSON.stringify([v.netbios, v.dns, v.domain, v.netname])}`, v);
  }
  private object<T extends object>(key: string, v: T): T {
    const s = this.objects.get(key);
    if (s) return s as T;
    // the summaries make these with their keys in one order: the JSON of a shared one is the same
    this.objects.set(key, Object.freeze(v));
    return v;
  }
}

/** The Report of a model; with `sink`, the connection records go there and Report.connections is empty. */
export function buildReport(m: CaptureModel, sink?: ConnectionSink): Report {
  attachIcmp(m);
  attachDrops(m);
  const orders = sink ? m.connections.map((c) => c.order) : null;
  const { connections, kerberos, findings } = diagnosed(m);
  // The connections' models are not read past this point: the Report holds none of them, and
  // a caller that lets the model builder go frees them before the Report is written (in a
  // capture of 50,000 connections they are ~170 MB, more than the Report itself)
  m.connections = [];
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
    kerberos,
    findings,
    servers: servers(connections),
  };
  const quic = smbOverQuic(m);
  if (quic.length) report.quic = quic;
  const v = verdictOf(report);
  report.verdict = v.verdict;
  report.headline = v.headline;
  if (sink) {
    // each record let go once the sink has it
    for (let i = 0; i < connections.length; i++) { sink.put(orders![i], connections[i]); (connections as unknown[])[i] = undefined; }
    report.connections = [];
  }
  return report;
}

function servers(conns: Connection[]): NonNullable<Report["servers"]> {
  const by = new Map<string, NonNullable<Report["servers"]>[number]>();
  for (const c of conns) {
    let s = by.get(c.server);
    if (!s) by.set(c.server, (s = { server: c.server, clients: 0, failed: NONE }));
    s.clients++;
    // most servers of a busy capture have no failed client, or one: the shared empty list, and
    // short lists of their length (model/lists.ts)
    if (c.outcome === "failed" || c.outcome === "no-response") s.failed = appended(s.failed, { client: c.client, phase: c.failedPhase, status: c.status });
  }
  // (a longer list grew by push, which keeps room for 16)
  for (const s of by.values()) if (s.failed.length > 4) s.failed = s.failed.slice();
  return [...by.values()];
}
