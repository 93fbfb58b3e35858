// Model → Report: summaries of every connection, Kerberos records, findings, the verdict line
// and the per-server summary.
import { REPORT_VERSION, type Report, type Connection, type Finding, type PhaseRecord } from "./report";
import type { CaptureModel, KrbMsg } from "./model/types";
import { FoldedRows, hostKey } from "./model/foldedRows";
import type { FoldedFindings } from "./model/foldedHeads";
import { summarize, phasesOf, failedForKerberos } from "./model/summarize";
import { ModelPhases } from "./model/phaseTable";
import { settlePending } from "./model/pendingTcp";
import { CHUNK_BITS, u32Column } from "./model/column";
import { NONE, textHash } from "./model/lists";
import { attachDrops, pktmonReport } from "./model/pktmon";
import { pairKerberos, failedExchange, KerberosRecords, EXPECTED_KRB_ERRORS, type KrbPairing } from "./model/kerberos";
import type { KrbStore } from "./model/krbStore";
import { KRB_ERRORS, KRB_MSG_TYPES } from "./names";
import { diagnose } from "./diagnose";
import { makeContext, FINDINGS_PER_ID, SEVERITY_RANK, type ConnView, type DiagnoseContext, type Smb1Tail } from "./diagnose/context";
import { SMB1_IN_USE } from "./diagnose/findings/smb1-in-use";
import { sortedIndex } from "./sortedIndex";
import { describePorts } from "./diagnose/findings/shared/ports";
import { rfc3339 } from "./eventsView";
import { verdictOf, ErrorCauses } from "./verdict";
import { smbOverQuic } from "./quic/flow";
import type { ConnectionSink } from "./connectionSink";
import { ServerList } from "./serverList";
import { collect } from "./collect";
import { foldedTitle } from "./groupListing";
import { connectionRecord, SharedValues, LADDERS_OK, LADDERS_PROBLEM } from "./connectionRecord";

export const GENERATOR = "smbscope 0.1.0";

/** A group of findings lists at most this many of its connections (groupFindings). */
export const GROUP_CONNECTIONS = 1000;

/** A group's severity in its text (groupFindings), where its id has a group of another severity too. */
const SEVERITY_WORDS: Record<Finding["severity"], string> = { error: "an error", warning: "a warning", info: "information" };

/**
 * Past FINDINGS_PER_ID findings with the same id and severity (a capture of thousands of failing
 * connections), the rest are folded into one finding that lists the other connections, so that
 * the Report stays readable: a group per severity and id, as Wireshark's Expert Info groups
 * (GUEST_SESSION is an error where the client refused the guest logon, a warning where it took
 * it: two groups, each with its own count and only its own connections and frames). Each
 * connection still lists the finding id. `all`: the findings in Report order;
 * `heads`: those of the connections folded with findings (model/foldedHeads.ts), merged into
 * `all` in Report order as diagnose/order.ts sorted them when they were objects in ctx.findings
 * ahead of the end's own (a stable sort: of equals, a head first). A head is an object here only
 * where the Report shows it (its connection's id too: where a group lists it). A group lists its
 * first GROUP_CONNECTIONS connections; `causes`: where some group left connections out of its
 * list, each connection's error finding (for the verdict). `tail`: the SMB1_IN_USE findings of
 * folded SMB1 connections that are never whole (diagnose/context.ts Smb1Tail), merged in by
 * frame as the findings of `all` they stand for would have been.
 */
function groupFindings(all: Finding[], heads: FoldedFindings | null, byIndex: boolean, tail: Smb1Tail | null): { findings: Finding[]; causes?: ErrorCauses } {
  // per severity (SEVERITY_RANK) and id: a Map per severity, no key string per finding
  type PerSeverity<T> = [Map<string, T>, Map<string, T>, Map<string, T>];
  const per = <T>(): PerSeverity<T> => [new Map(), new Map(), new Map()];
  const nh = heads?.headCount ?? 0;
  const count: PerSeverity<number> = nh ? heads!.idCounts() : per();
  for (const f of all) { const c = count[SEVERITY_RANK[f.severity]]; c.set(f.id, (c.get(f.id) ?? 0) + 1); }
  const nt = tail?.length ?? 0;
  if (nt) { const c = count[SEVERITY_RANK.warning]; c.set(SMB1_IN_USE, (c.get(SMB1_IN_USE) ?? 0) + nt); }
  const out: Finding[] = [];
  const folded = per<Finding & { connections: string[] }>();
  const seen = per<number>();
  // the connections of each group that folds (groupConnections): a head's by its connection's index,
  // a finding's by id (a connection is folded, with heads, or kept, with findings: never both)
  const named = per<Named>();
  let capped = false;
  const order = nh ? heads!.headsInOrder() : null, connOf = nh ? heads!.headConnections() : null;
  // (f: a finding of `all`; else the head h, or with t >= 0 the t-th of `tail`)
  const one = (f: Finding | null, h: number, t = -1) => {
    const id = f ? f.id : t >= 0 ? SMB1_IN_USE : heads!.headId(h);
    const rank = f ? SEVERITY_RANK[f.severity] : t >= 0 ? SEVERITY_RANK.warning : heads!.rank(h);
    const n = (seen[rank].get(id) ?? 0) + 1, total = count[rank].get(id)!;
    seen[rank].set(id, n);
    if (total > FINDINGS_PER_ID + 1) {
      let s = named[rank].get(id);
      if (!s) named[rank].set(id, (s = new Named(heads?.count ?? 0, tail)));
      if (t >= 0) s.tailed(t);
      else if (!f) s.folded(connOf![h]);
      else if (f.connection) s.add(f.connection);
      else for (const c of f.connections ?? []) s.add(c);
    }
    // (a finding of the tail comes after the FINDINGS_PER_ID + 1 of its id that add() kept whole,
    // all of lesser frames: its group is made by then)
    if (total <= FINDINGS_PER_ID + 1 || n <= FINDINGS_PER_ID) { out.push(f ?? heads!.head(h, heads!.idOf(connOf![h]))); return; }
    let g = folded[rank].get(id);
    if (!g) {
      f ??= heads!.head(h, heads!.idOf(connOf![h]));
      const rest = total - FINDINGS_PER_ID;
      // which severity, where the id has findings of another one too (its other group)
      const which = count.some((c, r) => r !== rank && c.has(id)) ? ` as ${SEVERITY_WORDS[f.severity]}` : "";
      g = {
        ...f,
        title: foldedTitle(rest, f.title),
        explanation: `The same finding (${id}${which}) applies to ${rest} more connections; this one is the first of them. ${f.explanation}`,
        connection: null,
        connections: [],
        frames: [],
        count: rest,
      };
      folded[rank].set(id, g);
      out.push(g);
    }
    if (f) {
      if (f.connection) { if (g.connections.length < GROUP_CONNECTIONS) g.connections.push(f.connection); else capped = true; }
      else if (f.connections?.length) capped = true; // (a finding of several connections: the group lists none of them)
      if (g.frames.length < 20) g.frames.push(...f.frames.slice(0, 2));
    } else if (t >= 0) {
      // (as a bare finding of its connection and its one frame)
      if (g.connections.length < GROUP_CONNECTIONS) g.connections.push(tail!.id(t)); else capped = true;
      if (g.frames.length < 20) g.frames.push(tail!.frame(t));
    } else {
      // (a head always names its connection)
      if (g.connections.length < GROUP_CONNECTIONS) g.connections.push(heads!.idOf(connOf![h]));
      else capped = true;
      if (g.frames.length < 20) g.frames.push(...heads!.headFrames(h, 2));
    }
  };
  // the three in Report order: by severity, then first frame; of equals, a head first (the tail's
  // are of connections of their own: never equal to a finding of `all`)
  let i = 0, j = 0, t = 0;
  const WARNING = SEVERITY_RANK.warning;
  while (i < all.length || j < nh || t < nt) {
    if (t < nt) {
      const tf = tail!.frame(t);
      const beforeAll = i >= all.length || WARNING < SEVERITY_RANK[all[i].severity] || (WARNING === SEVERITY_RANK[all[i].severity] && tf < (all[i].frames[0] ?? 0));
      const h = j < nh ? order![j] : -1;
      const beforeHead = h < 0 || WARNING < heads!.rank(h) || (WARNING === heads!.rank(h) && tf < heads!.firstFrame(h));
      if (beforeAll && beforeHead) { one(null, 0, t++); continue; }
    }
    if (j < nh) {
      const h = order![j];
      if (i >= all.length) { one(null, h); j++; continue; }
      const f = all[i], rank = heads!.rank(h), fr = SEVERITY_RANK[f.severity];
      if (rank < fr || (rank === fr && heads!.firstFrame(h) <= (f.frames[0] ?? 0))) { one(null, h); j++; continue; }
    }
    one(all[i++], 0);
  }
  for (let r = 0; r < 3; r++) for (const [id, g] of folded[r]) g.groupConnections = named[r].get(id)!.size;
  if (!capped) return { findings: out };
  // the verdict counts each failed connection under its error finding: where a group's list left
  // some out, it is told which, from the end's findings and the heads (verdict.ts ErrorCauses; of
  // two error ids of equal rank, not one of verdict.ts CAUSES, the first put counts: the end's,
  // then the heads in Report order; `byIndex`: the verdict reads the heads' records as
  // foldedHeads.ts LiteRecord, known by their index, else as records known by their id)
  const causes = new ErrorCauses().putAll(all);
  for (let j = 0; j < nh; j++) {
    const h = order![j];
    if (heads!.rank(h) !== SEVERITY_RANK.error) continue;
    if (byIndex) causes.putFolded(connOf![h], heads!.headId(h)); else causes.put(heads!.idOf(connOf![h]), heads!.headId(h));
  }
  return { findings: out, causes };
}

/**
 * The distinct connections of a group (groupFindings): those the end diagnosed by their ids, the
 * folded ones by their index (a bit each: a scan's 200,000 in 25 KB, not a Set entry each).
 */
class Named {
  private readonly ids = new Set<string>();
  private readonly bits: Uint8Array;
  private foldedCount = 0;
  /** the tail's findings (Smb1Tail indices): their connections counted at the end, by their ids' hashes, no id kept */
  private readonly tails = u32Column();
  constructor(folded: number, private readonly tail: Smb1Tail | null) { this.bits = new Uint8Array((folded + 7) >>> 3); }
  add(id: string): void { this.ids.add(id); }
  folded(i: number): void {
    const b = 1 << (i & 7);
    if ((this.bits[i >>> 3] & b) === 0) { this.bits[i >>> 3] |= b; this.foldedCount++; }
  }
  tailed(t: number): void { this.tails.push(t); }
  get size(): number { return this.ids.size + this.foldedCount + this.distinctTails(); }

  /** The tail's connections whose ids are not among `ids` nor an earlier one's (ids compared where their hashes are equal). */
  private distinctTails(): number {
    const n = this.tails.length;
    if (n === 0) return 0;
    const hashes = new Uint32Array(n);
    for (let k = 0; k < n; k++) hashes[k] = textHash(this.tail!.id(this.tails.get(k)));
    const known = new Set<number>();
    for (const id of this.ids) known.add(textHash(id));
    const byHash = sortedIndex(hashes, n);
    let distinct = 0;
    for (let a = 0; a < n;) {
      let b = a + 1;
      while (b < n && hashes[byHash[b]] === hashes[byHash[a]]) b++;
      if (b === a + 1 && !known.has(hashes[byHash[a]])) distinct++;
      else {
        // (equal hashes: rare, compared by their texts)
        const seen = new Set<string>();
        for (let k = a; k < b; k++) { const id = this.tail!.id(this.tails.get(byHash[k])); if (!this.ids.has(id)) seen.add(id); }
        distinct += seen.size;
      }
      a = b;
    }
    return distinct;
  }
}

/**
 * The Report's records of connections, Kerberos messages and findings. The models are let go one
 * by one as their records are made (with their views: the rules' context is gone by then), so
 * that memory falls through the records instead of holding models, views and records at once
 * (in a capture of 50,000 failing connections the models are ~110 MB, more than the Report).
 * `folded`: the connections folded as they closed (model/fold.ts), in Report order. With `sink`,
 * each record goes there as soon as it is made (the CLI's spool stringifies it: while it is fresh
 * in the cache that costs about half of what it did at the end, over records gone cold in a
 * heap of hundreds of MB), and `connections` keeps only what the servers and the verdict read of
 * it (keptFields: dense's 11,815 kept connections, ~12 MB of records, held through both); no
 * record is changed after it is made. A sink that takes the Kerberos records (ConnectionSink.kerberos)
 * gets them as a list that makes each as it is written, read from `store` when the messages are
 * its (m.kerberos made from it: KrbStore.messages), and `kerberos` is empty; `kerberosCount` is
 * how many there are either way.
 */
function diagnosed(m: CaptureModel, folded: FoldedRows, sink: ConnectionSink | undefined, store: KrbStore | undefined): Pick<Report, "connections" | "kerberos" | "findings"> & { causes?: ErrorCauses; kerberosCount: number } {
  const same = m.folded?.same ?? new SharedValues();
  const heads = m.folded?.diagnosed?.count ? m.folded.diagnosed.columns : null;
  const { conns, pairing, findings, tail, ladders } = diagnosis(m, folded, same, heads);
  // the models are not read past the records: the Report holds none of them
  m.connections = [];
  const connections = new Array<Connection>(conns.length);
  // a sink that writes each record in its put writes its phases from the model, as the fold's
  // (model/fold.ts put): no PhaseRecord made for it (dense: ~8 of buildReport's 246 MiB sampled)
  const fromModel = sink?.phasesFromModel === true ? new ModelPhases() : null;
  for (let i = 0; i < conns.length; i++) {
    const c = conns[i];
    (conns as (ConnView | undefined)[])[i] = undefined; // its model and view go
    const keep = ladders.has(c);
    // (no rule reads the phases: made here, not held through the diagnosis)
    if (fromModel) { fromModel.c = c.m; c.s.phases = fromModel as unknown as PhaseRecord[]; } else c.s.phases = phasesOf(c.m);
    const r = connectionRecord(c.s, c.findings, keep, same);
    // (the record the sink read during its put: what the servers and the verdict read of it stays)
    if (sink) { sink.put(c.m.order, r); connections[i] = keptFields(r); } else connections[i] = r;
    if (fromModel) fromModel.c = null;
  }
  // the Kerberos records last, when the models have gone
  const msgs = m.kerberos;
  // and the messages go, and the store they read, unless the sink's list reads it (dense: 60,660
  // messages, ~3 MB as objects, ~10 MB as records through the servers and the verdict)
  m.kerberos = [];
  m.krbStore = undefined;
  let kerberos: Report["kerberos"] = [];
  if (sink?.kerberos) sink.kerberos(new KerberosRecords(store ? storeMessage(store) : arrayMessage(msgs), msgs.length, pairing));
  else kerberos = new KerberosRecords(arrayMessage(msgs), msgs.length, pairing).slice();
  // (with a sink the verdict reads the heads' connections as lite records, which carry their index)
  return { connections, kerberos, kerberosCount: msgs.length, ...groupFindings(findings, heads, !!sink, tail) };
}

/**
 * Message i for a list of the records (KerberosRecords): read from the store where the messages
 * are its, so that the list holds its columns, not the messages (~3 MB on dense). Functions of
 * their own: a closure holds every variable its scope's closures read (one made in diagnosed, or
 * beside the other here, would hold `msgs`).
 */
const storeMessage = (store: KrbStore) => (i: number) => store.message(i);
const arrayMessage = (msgs: KrbMsg[]) => (i: number) => msgs[i];

/**
 * What the servers' summary (serverList.ts addRecord) and the verdict (verdict.ts verdictOf) read of
 * a record the sink has taken: its values, not copies (the phases, ladder and the rest go).
 */
function keptFields(r: Connection): Connection {
  const { id, client, server, outcome, failedPhase, status, findings, shares } = r;
  return { id, client, server, outcome, failedPhase, status, findings, shares } as Connection;
}

/**
 * The summaries and the diagnosis: each connection's view (its model, summary and finding ids),
 * the Kerberos records and the findings before grouping. A function of its own so that the
 * rules' context (its indexes, the Kerberos exchanges and their models) is let go when it returns.
 */
function diagnosis(m: CaptureModel, folded: FoldedRows, same: SharedValues, heads: FoldedFindings | null): { conns: ConnView[]; pairing: KrbPairing; findings: Finding[]; tail: Smb1Tail | null; ladders: Set<ConnView> } {
  // (every field of a view in the literal: one hidden class, no property array added by the rules)
  const conns: ConnView[] = m.connections.map((c) => {
    const s = summarize(c, m.lastTs, same, false);
    // the summary has the ladder, in the Report's steps, and no rule reads the model's: let go
    // (dense: ~1,200 kept ladders, 3.3 MB held twice through the diagnosis and the records)
    c.ladder = NONE;
    return { m: c, s, findings: [], k: undefined, hangUp: undefined };
  });
  const krb = pairKerberos(m.kerberos, m.connections);
  const ctx = makeContext(m, conns, krb.exchanges, folded);
  // the connections with findings folded as they closed (model/foldDiagnosed.ts): their findings
  // are heads the Report never shows whole (merged into the end's by groupFindings; no rule reads
  // ctx.findings, and context.ts add counts only the end's for what it keeps whole); an error
  // one's connection is one the fallbacks find explained (precedence.ts explainedByError)
  if (heads) explainedByHeads(ctx, conns, folded, heads);
  for (const ex of krb.exchanges) if (ex.conn && failedExchange(ex)) failedForKerberos(ctx.viewOf.get(ex.conn)!.s, ex.conn);
  diagnose(ctx);
  const ladders = keptLadders(m, conns);
  // The Kerberos messages a connection depended on belong in its ladder, in time order (only in
  // the ladders the Report keeps: the steps of the others were made, sorted in and let go with
  // their records)
  const touched = new Set<ConnView>();
  for (const ex of krb.exchanges) {
    const v = ex.conn ? ctx.viewOf.get(ex.conn) : undefined;
    if (!v?.s.ladder || v.m.ladderDropped || !ladders.has(v)) continue;
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
    touched.add(v);
  }
  // (once per ladder, not per exchange: a stable sort, so steps of one frame stay in the order put either way)
  for (const v of touched) v.s.ladder!.sort((a, b) => a.frame - b.frame);
  return { conns, pairing: krb.pairing, findings: ctx.findings, tail: ctx.smb1Tail, ladders };
}

/**
 * The views whose ladders the Report keeps: the first LADDERS_OK connections that set up fine and
 * the first LADDERS_PROBLEM others, in Report order (a problem: not ok, or a finding, known once
 * the rules ran). In a capture with tens of thousands of connections the ladders would otherwise
 * be most of the Report (the phases of every connection stay). The folded ones that kept theirs
 * (model/fold.ts: the builder kept it; SMB1 ones the problem budget) count first: which ones those
 * are was decided in close order, before Report order could be known. The others' summaries let
 * theirs go here (no rule reads them; connectionRecord would drop them).
 */
function keptLadders(m: CaptureModel, conns: ConnView[]): Set<ConnView> {
  let okLadders = m.folded?.ladders ?? 0, problemLadders = m.folded?.problemLadders ?? 0;
  const kept = new Set<ConnView>();
  for (const c of conns) {
    const problem = c.s.outcome !== "ok" || c.findings.length > 0;
    if (problem ? problemLadders++ < LADDERS_PROBLEM : okLadders++ < LADDERS_OK) kept.add(c);
    else c.s.ladder = undefined;
  }
  return kept;
}

/**
 * Into ctx.errorOn, the ids of the folded connections with an error finding that the fallbacks
 * can ask of: they ask of the views' (hasErrorFinding), so only the ids of those, and the texts
 * made only for a folded connection between the hosts of a view (rows' host keys: no text).
 */
function explainedByHeads(ctx: DiagnoseContext, conns: ConnView[], folded: FoldedRows, heads: FoldedFindings): void {
  if (conns.length === 0) return;
  const ids = new Set<string>(), pairs = new Map<number | string, Set<number | string>>();
  for (const v of conns) {
    ids.add(v.s.id);
    const s = hostKey(v.m.serverIp);
    let p = pairs.get(s);
    if (!p) pairs.set(s, (p = new Set()));
    p.add(hostKey(v.m.clientIp));
  }
  for (let p = 0; p < heads.count; p++) {
    if (!heads.hasError(p)) continue;
    const j = heads.row(p);
    if (!pairs.get(folded.serverKey(j))?.has(folded.clientKey(j))) continue;
    const id = heads.id(p);
    if (ids.has(id)) ctx.errorOn.add(id);
  }
}

/** The Report of a model; with `sink`, the connection records go there and Report.connections is empty. */
export function buildReport(m: CaptureModel, sink?: ConnectionSink): Report {
  // the Kerberos messages as the rules read them, from the builder's columns (which a sink's
  // list of the records reads again: diagnosed)
  const store = m.krbStore?.length && m.kerberos.length === 0 ? m.krbStore : undefined;
  if (store) m.kerberos = store.messages();
  // the Report's SMB over QUIC connections, made once (the rules ask for them too: smbOverQuic caches
  // them per model), and the flows and what their datagrams said go before the diagnosis (~2 MB in dense)
  const quic = smbOverQuic(m);
  m.quic = [];
  // (ICMP errors attach there, to the TCP failures kept as rows too)
  const rows = settlePending(m, sink);
  // A SYN scan's end: settling its rows made a model, a diagnosis and a record of each, and let
  // the rows' columns go a chunk at a time, garbage in an old generation V8 sized on the rows
  // (scan200k: ~25 MB of the JS heap and ~13 MB of dropped chunks). Where the runtime lets us
  // (the CLI: bin/smbscope.mjs exposes gc), one full collection gives it back before the
  // diagnosis and the records add theirs: scan200k's peak RSS came there (150-158 MiB; 141-147
  // with it, for ~15 ms). Only past a chunk of rows (model/column.ts): fewer leave a few MB.
  if (rows > 1 << CHUNK_BITS) collect();
  attachDrops(m);
  // (nearly in order already: they fold soon after they close)
  const folded = m.folded?.rows.sort() ?? new FoldedRows(false);
  const orders = m.connections.map((c) => c.order);
  // the connections with findings folded as they closed (rows of `folded` too), in Report order:
  // their heads and what the verdict and the servers read of their records (model/foldedHeads.ts)
  const lite = m.folded?.diagnosed?.count ? m.folded.diagnosed.columns.link(folded) : null;
  const diag = diagnosed(m, folded, sink, store);
  m.folded = undefined;
  const { kerberos, kerberosCount, findings, causes } = diag;
  let connections = diag.connections;
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
  if (quic.length) report.quic = quic;
  if (!sink && folded.length) report.connections = connections = inReportOrder(connections, orders, folded);
  // (with a sink, the folded records are there already and the verdict counts them here: the
  // healthy ones by number, those with findings by what it reads of them, one at a time)
  // (where the sink took the Kerberos records the verdict counts them all the same: it reads how many, VerdictReport)
  const forVerdict = kerberos.length === kerberosCount ? report : { ...report, kerberos: { length: kerberosCount } };
  const v = sink && lite
    ? verdictOf(forVerdict, folded.length - lite.count, withLite(connections, orders, lite), causes)
    : verdictOf(forVerdict, sink ? folded.length : 0, undefined, causes);
  report.verdict = v.verdict;
  report.headline = v.headline;
  // (the sink has every record: diagnosed put each as it was made)
  if (sink) report.connections = [];
  return report;
}

/** The records of the connections kept to the end (`orders` theirs) and those of `lite` (made one at a time), in Report order. */
function* withLite(conns: Connection[], orders: number[], lite: FoldedFindings): Generator<Connection> {
  let i = 0, j = 0;
  while (i < conns.length || j < lite.count) {
    if (j >= lite.count || (i < conns.length && orders[i] < lite.order(j))) yield conns[i++];
    else yield lite.record(j++);
  }
}

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
function servers(conns: Connection[], orders: number[], folded: FoldedRows, sink: ConnectionSink | undefined, lite: FoldedFindings | null): NonNullable<Report["servers"]> {
  const list = new ServerList(conns.length + folded.length);
  // a folded connection with findings that failed is a failed client of its server (its record
  // says how); the others count as clients only
  let p = 0;
  const addFolded = (j: number) => {
    const o = folded.order(j);
    while (lite && p < lite.count && lite.order(p) < o) p++;
    const r = lite && p < lite.count && lite.order(p) === o ? lite.outcome(p) : null;
    if (r === "failed" || r === "no-response") { const c = lite!.record(p); list.addFoldedFailed(folded, j, c.failedPhase, c.status); }
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
