// Model → Report: summaries of every connection, Kerberos records, findings, the verdict line
// and the per-server summary.
import { REPORT_VERSION, type Report, type Connection, type Finding } from "./report";
import type { CaptureModel } from "./model/types";
import { FoldedRows } from "./model/foldedRows";
import { summarize, phasesOf, failedForKerberos } from "./model/summarize";
import { attachIcmp } from "./model/icmp";
import { attachDrops, pktmonReport } from "./model/pktmon";
import { pairKerberos, failedExchange, kerberosRecord, EXPECTED_KRB_ERRORS, type KrbPairing } from "./model/kerberos";
import { KRB_ERRORS, KRB_MSG_TYPES } from "./names";
import { diagnose } from "./diagnose";
import { makeContext, FINDINGS_PER_ID, type ConnView } from "./diagnose/context";
import { describePorts } from "./diagnose/findings/shared/ports";
import { rfc3339 } from "./eventsView";
import { verdictOf, errorCauses } from "./verdict";
import { smbOverQuic } from "./quic/flow";
import type { ConnectionSink } from "./connectionSink";
import { ServerList } from "./serverList";
import { connectionRecord, SharedValues, LADDERS_OK, LADDERS_PROBLEM } from "./connectionRecord";
import { sortedIndex } from "./sortedIndex";

export const GENERATOR = "smbscope 0.1.0";

/** A group of findings lists at most this many of its connections (groupFindings). */
export const GROUP_CONNECTIONS = 1000;

/**
 * Past FINDINGS_PER_ID findings with the same id (a capture of thousands of failing connections),
 * the rest are folded into one finding that lists the other connections (the first
 * GROUP_CONNECTIONS), so that the Report stays readable. Each connection still lists the finding
 * id. `capped`: some group left connections out of its list.
 */
function groupFindings(all: Finding[]): { findings: Finding[]; capped: boolean } {
  const count = new Map<string, number>();
  for (const f of all) count.set(f.id, (count.get(f.id) ?? 0) + 1);
  const out: Finding[] = [];
  const folded = new Map<string, Finding & { connections: string[] }>();
  const seen = new Map<string, number>();
  let capped = false;
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
    if (f.connection) { if (g.connections.length < GROUP_CONNECTIONS) g.connections.push(f.connection); else capped = true; }
    else if (f.connections?.length) capped = true; // (a finding of several connections: the group lists none of them)
    if (g.frames.length < 20) g.frames.push(...f.frames.slice(0, 2));
  }
  return { findings: out, capped };
}

/**
 * The Report's records of connections, Kerberos messages and findings. The models are let go one
 * by one as their records are made (with their views: the rules' context is gone by then), so
 * that memory falls through the records instead of holding models, views and records at once
 * (in a capture of 50,000 failing connections the models are ~110 MB, more than the Report).
 * `folded`: the connections folded as they closed (model/fold.ts), in Report order. With `sink`,
 * each record goes there as soon as it is made (the CLI's spool stringifies it: while it is fresh
 * in the cache that costs about half of what it did at the end, over records gone cold in a
 * heap of hundreds of MB) and stays in `connections` too, for the servers and the verdict; no
 * record is changed after it is made.
 */
function diagnosed(m: CaptureModel, folded: FoldedRows, sink: ConnectionSink | undefined): Pick<Report, "connections" | "kerberos" | "findings"> & { causes?: Map<string, string> } {
  const same = m.folded?.same ?? new SharedValues();
  const { conns, pairing, findings } = diagnosis(m, folded, same);
  // the models are not read past the records: the Report holds none of them; nor are the Kerberos
  // messages as objects, when the columns they came from stay (model/krbStore.ts)
  m.connections = [];
  const store = m.krbStore?.length === m.kerberos.length ? m.krbStore : undefined;
  const msgs = m.kerberos;
  if (store) m.kerberos = [];
  // Ladders are kept for the first LADDERS_OK connections that set up fine and the first
  // LADDERS_PROBLEM others: in a capture with tens of thousands of connections they would
  // otherwise be most of the Report (the phases of every connection stay). The folded ones that
  // kept theirs (model/fold.ts: the builder kept it; SMB1 ones the problem budget) count first: which
  // ones those are was decided in close order, before Report order could be known.
  let okLadders = m.folded?.ladders ?? 0, problemLadders = m.folded?.problemLadders ?? 0;
  const connections = new Array<Connection>(conns.length);
  for (let i = 0; i < conns.length; i++) {
    const c = conns[i];
    (conns as (ConnView | undefined)[])[i] = undefined; // its model and view go
    const problem = c.s.outcome !== "ok" || c.findings.length > 0;
    const keep = problem ? problemLadders++ < LADDERS_PROBLEM : okLadders++ < LADDERS_OK;
    // (no rule reads the phases: made here, not held through the diagnosis)
    c.s.phases = phasesOf(c.m);
    const r = (connections[i] = connectionRecord(c.s, c.findings, keep, same));
    sink?.put(c.m.order, r);
  }
  // the Kerberos records last, when the models have gone (each message an object only for its record)
  const kerberos = new Array<Report["kerberos"][number]>(msgs.length);
  for (let i = 0; i < kerberos.length; i++) kerberos[i] = kerberosRecord(store ? store.message(i) : msgs[i], i, pairing);
  // the verdict counts each failed connection under its error finding: where a group's list left
  // some out, it is told which (verdict.ts errorCauses)
  const grouped = groupFindings(findings);
  return { connections, kerberos, findings: grouped.findings, causes: grouped.capped ? errorCauses(findings) : undefined };
}

/**
 * The summaries and the diagnosis: each connection's view (its model, summary and finding ids),
 * the Kerberos records and the findings before grouping. A function of its own so that the
 * rules' context (its indexes, the Kerberos exchanges and their models) is let go when it returns.
 */
function diagnosis(m: CaptureModel, folded: FoldedRows, same: SharedValues): { conns: ConnView[]; pairing: KrbPairing; findings: Finding[] } {
  // (every field of a view in the literal: one hidden class, no property array added by the rules)
  const conns: ConnView[] = m.connections.map((c) => ({ m: c, s: summarize(c, m.lastTs, same, false), findings: [], k: undefined, hangUp: undefined }));
  const krb = pairKerberos(m.kerberos, m.connections);
  const ctx = makeContext(m, conns, krb.exchanges, folded);
  // the connections with findings folded as they closed (model/foldDiagnosed.ts): their findings
  // are heads the Report never shows whole, here as if the rules had added them; an error one's
  // connection is one the fallbacks find explained (precedence.ts explainedByError)
  const heads = m.folded?.diagnosed?.heads ?? [];
  for (let i = 0; i < heads.length; i++) {
    const h = heads[i];
    ctx.findings.push(h);
    if (h.severity === "error" && h.connection) ctx.errorOn.add(h.connection);
  }
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
  return { conns, pairing: krb.pairing, findings: ctx.findings };
}

/** The Report of a model; with `sink`, the connection records go there and Report.connections is empty. */
export function buildReport(m: CaptureModel, sink?: ConnectionSink): Report {
  // the Kerberos messages as the rules read them, from the builder's columns
  if (m.krbStore?.length && m.kerberos.length === 0) m.kerberos = m.krbStore.messages();
  attachIcmp(m);
  attachDrops(m);
  // (nearly in order already: they fold soon after they close)
  const folded = m.folded?.rows.sort() ?? new FoldedRows(false);
  const orders = m.connections.map((c) => c.order);
  const diagnosedFolds = m.folded?.diagnosed;
  const diag = diagnosed(m, folded, sink);
  m.folded = undefined;
  const { kerberos, findings, causes } = diag;
  let connections = diag.connections;
  // the connections with findings folded as they closed (rows of `folded` too), in Report order:
  // what the verdict and the servers read of their records (foldDiagnosed.ts liteRecord)
  const lite = diagnosedFolds?.count ? inOrder(diagnosedFolds.records, diagnosedFolds.orders) : null;
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
    servers: servers(connections, orders, folded, sink, lite),
  };
  const quic = smbOverQuic(m);
  if (quic.length) report.quic = quic;
  if (!sink && folded.length) report.connections = connections = inReportOrder(connections, orders, folded);
  // (with a sink, the folded records are there already and the verdict counts them here: the
  // healthy ones by number, those with findings by what it reads of them)
  else if (lite) report.connections = merged(connections, orders, lite);
  const v = verdictOf(report, sink ? folded.length - (lite?.records.length ?? 0) : 0, causes);
  report.verdict = v.verdict;
  report.headline = v.headline;
  // (the sink has every record: diagnosed put each as it was made)
  if (sink) report.connections = [];
  return report;
}

/** Records with their Report orders, in Report order. */
interface Ordered { records: Connection[]; orders: number[] }

/** `records` (with `orders`, in fold order) in Report order. */
function inOrder(records: Connection[], orders: number[]): Ordered {
  const ix = sortedIndex(Uint32Array.from(orders), orders.length);
  return { records: Array.from(ix, (i) => records[i]), orders: Array.from(ix, (i) => orders[i]) };
}

/** The records of the connections kept to the end (`orders` theirs) and `more`, both in Report order, merged. */
const merged = (conns: Connection[], orders: number[], more: Ordered) =>
  mergedWith(conns, orders, more.records.length, (j) => more.orders[j], (j) => more.records[j]);

/** The records of the connections kept to the end and of the folded ones (both in Report order), merged. */
const inReportOrder = (conns: Connection[], orders: number[], folded: FoldedRows) =>
  mergedWith(conns, orders, folded.length, (j) => folded.order(j), (j) => folded.takeRecord(j));

/** `conns` (with `orders`) and `n` more records (the j-th's order and record given), both in Report order, merged. */
function mergedWith(conns: Connection[], orders: number[], n: number, orderOf: (j: number) => number, take: (j: number) => Connection): Connection[] {
  const out: Connection[] = new Array(conns.length + n);
  let i = 0, j = 0, k = 0;
  while (i < conns.length || j < n) {
    if (j >= n || (i < conns.length && orders[i] < orderOf(j))) out[k++] = conns[i++];
    else out[k++] = take(j++);
  }
  return out;
}

/**
 * Per server, its clients and the failed ones, in the order of each server's first connection.
 * `conns`: the records of the connections kept to the end (`orders` theirs); `folded`: the
 * folded connections, of which `lite` are those with findings (their records as the verdict reads
 * them). Both in Report order: walked together, in that order. A sink
 * that takes the list (serverList.ts: compact, one server per connection in a busy capture) gets
 * it, and Report.servers is then empty.
 */
function servers(conns: Connection[], orders: number[], folded: FoldedRows, sink: ConnectionSink | undefined, lite: Ordered | null): NonNullable<Report["servers"]> {
  const list = new ServerList(conns.length + folded.length);
  // a folded connection with findings that failed is a failed client of its server (its record
  // says how); the others count as clients only
  let p = 0;
  const addFolded = (j: number) => {
    const o = folded.order(j);
    while (lite && p < lite.orders.length && lite.orders[p] < o) p++;
    const r = lite && p < lite.orders.length && lite.orders[p] === o ? lite.records[p] : null;
    if (r && (r.outcome === "failed" || r.outcome === "no-response")) list.addRecord(r);
    else list.addFolded(folded, j);
  };
  let j = 0;
  for (let i = 0; i < conns.length; i++) {
    for (; j < folded.length && folded.order(j) < orders[i]; j++) addFolded(j);
    list.addRecord(conns[i]);
  }
  for (; j < folded.length; j++) addFolded(j);
  list.done();
  if (sink?.servers) { sink.servers(list); return []; }
  return list.toArray();
}
