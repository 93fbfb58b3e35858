// TCP failures as compact rows until the end (issue 15): a connection that never got past its
// SYNs and was refused by a reset (SYN, maybe retransmitted, then RST; no SYN-ACK, no data) is
// kept from its close to the end as a row in typed columns (~100 bytes; its addresses as words,
// an IPv6 one as 16 bytes, the same server's shared: no text per row) instead of its model,
// summary, events and ladder (~2.4 KB: a SYN scan of 200,000 flows took 514 MiB). Such a connection cannot fold at its close (model/fold.ts reach): an ICMP error
// may still answer its SYN (model/icmp.ts attaches them at the end, by id, the last such
// connection of an id taking them), and its verdict reads every other connection of its host
// pair, later ones too (precedence.ts tcpVerdict: PORT_139_FALLBACK when the client got through
// on another port).
//
// Why the row is final: it is made once the capture is past the reset's frame (model/fold.ts
// Folder, as for every fold: the last connection of a capture, with no record past it, stays a
// model), and the decoder never gives a stream an event after its close
// (tests/fold-after-close.test.ts). The row keeps all of the model (its SYNs, the reset, its
// frames and times, its ladder's fate): `model` makes it again as it was, field for field; a
// connection whose model holds anything else (more than MAX_SYNS SYNs, a ladder step that is not
// one of those, data) stays a model.
//
// Unanswered SYNs (OPEN rows): a connection that is SYNs and nothing else so far is open (no
// reset, no FIN: builder.ts never closes it), and any later packet of its stream may still come
// (a retransmitted SYN, a SYN-ACK, a reset). Once quiet for QUIET_MS of capture time (or the oldest
// of more than QUIET_MAX waiting: a scan whose SYNs go unanswered, or a capture whose clock stands
// still) it becomes a row all the same (due; builder.ts rowOpen lets its model and open ladder go,
// its ladder being its SYNs' steps), and a later packet of its stream makes it the model it was
// again (revive; builder.ts revived puts its steps back in the open ladders and it back among the
// connections, in Report order) before that packet is read: the row never misses an event. At the
// end (builder.ts finish) every connection still unanswered becomes a row, its ladder as finish
// makes an open connection's. Such a row is final only at the end, so counts for the end's ladder
// budget (foldDiagnosed.ts failed) only there, before any row is settled; a refused row counted
// as it closed. (dense bench: 1,401 connections whose SYNs went unanswered or were refused by ICMP,
// each a model to the end before.)
//
// At the end the rows give their columns' memory back as they are settled (done: a scan's rows
// come nearly in Report order), while their records and folded rows are made.
//
// At the end (settlePending, before the Report's diagnosis): ICMP errors attach to the rows as
// to the models (attachIcmp, one walk of both in Report order), then each row, in Report order,
// is made a model again and either
// - kept to the end as a model (put back among the connections: diagnosed with them, as without
//   the rows), where its diagnosis or record could read or be read by something else (readers):
//   its client host spoke Kerberos (the pairing takes connections of the client host, one
//   without names too: kerberos.ts bestConnection); a connection of its host pair kept to the
//   end, or one folded set up fine, is on another server port (tcpVerdict); a request to its
//   server was refused for a connection limit while it was open (tree-connection-limit.ts
//   othersAt counts the open ones); its ladder may be one the Report keeps (fewer than
//   LADDERS_PROBLEM failed connections kept to the end before it: foldDiagnosed.ts
//   problemsBefore, which counted the rows as kept when they closed; the first LADDERS_PROBLEM
//   of those in Report order always stay models, so what it said to the folds since holds);
//   one of its findings may be shown whole (fewer than FINDINGS_PER_ID + 1 findings of that id and severity
//   of rows kept before it, foldDiagnosed.ts (4); the folds at close never have a TCP finding);
//   a fallback finding among its own (foldDiagnosed.ts aloneSafe);
// - or diagnosed alone (diagnose/alone.ts: its TCP finding is then its own) and folded as
//   model/foldDiagnosed.ts folds a connection with findings: its record (to the sink, or kept for
//   buildReport), its row of FoldedRows (not ok, no SESSION_SETUP legs: what other rules read of
//   it), its heads (model/foldedHeads.ts), which the Report's groups, verdict and servers read as
//   those of every folded connection (an error one's id: reportBuilder.ts explainedByHeads).
// tests/pending-tcp.test.ts, pending-tcp-open.test.ts: the Reports with and without the rows are the same.
import type { CaptureModel, ConnModel, IcmpMsg, TcpEvent } from "./types";
import type { ConnectionSink } from "../connectionSink";
import type { EventRecord } from "../decoder/records";
import { CHUNK_BITS, u32Column, f64Column, U8Column } from "./column";
import { NONE } from "./lists";
import { endpoint } from "../names";
import { tcpFlagsText } from "../eventsView";
import { ladderStep } from "./builder";
import { sortedIndex } from "../sortedIndex";
import { attachIcmp, icmpStep } from "./icmp";
import { aloneModel, diagnoseAlone, type Alone } from "../diagnose/alone";
import { connectionRecord, SharedValues } from "../connectionRecord";
import { FINDINGS_PER_ID, SEVERITY_RANK } from "../diagnose/context";
import { placeKey } from "./foldDiagnosed";
import { Smallest } from "./heaps";
import { kerberosClient } from "./kerberos";
import { treeConnectionLimited } from "../diagnose/findings/tree-connection-limit";
import { authNotAttempted } from "../diagnose/findings/auth-not-attempted";
import connectionAbandoned from "../diagnose/findings/connection-abandoned";
import { hostKey } from "./foldedRows";
import { AddressWords, TEXT, V4, V6 } from "./addressWords";
import * as W from "../../../assembly/wire";

type HostKey = number | string;

/** SYNs a row keeps (a client retransmits a few: Windows twice, Linux up to six times); more: the model stays. */
export const MAX_SYNS = 6;
// flags: the ladder's fate; who reset; no reset (SYNs unanswered so far: OPEN); the addresses' kinds
const LADDER_DROPPED = 1, LADDER_KEPT = 2, RST_FROM_CLIENT = 4, OPEN = 8, CLIENT_V6 = 16, CLIENT_TEXT = 32, SERVER_V6 = 64, SERVER_TEXT = 128;
const FROM_CLIENT = 1 << 16;
/** a row made a model again while decoding (revive): no longer one */
const GONE = 0xff;

/**
 * Connections whose SYNs went unanswered so far wait this long (capture time, ms) after their
 * last packet before they become rows: a reply or a retransmission usually comes sooner (a reset
 * within a round trip, Windows' SYN retransmissions 1 and 2 s apart). Past QUIET_MAX of them
 * waiting (a scan whose SYNs go unanswered), the oldest go at once.
 */
const QUIET_MS = 3000;
const QUIET_MAX = 1024;

/** Rows are made unless a test turns them off (tests/pending-tcp.test.ts compares both). */
let enabled = true;
export function setPendingTcp(on: boolean): void { enabled = on; }
/** The rows of unanswered SYNs alone, for tests (tests/pending-tcp-open.test.ts): off, those stay models. */
export const openRows = { on: true };

export class PendingTcp {
  private readonly orders = u32Column();
  private readonly streams = u32Column();
  private readonly firstFrames = u32Column();
  private readonly lastFrames = u32Column();
  private readonly firstTss = f64Column();
  private readonly lastTss = f64Column();
  private readonly ports = u32Column();
  private readonly flags = new U8Column();
  /** where each row's SYNs end in the SYN columns */
  private readonly synEnd = u32Column();
  private readonly rstFrames = u32Column();
  private readonly rstTss = f64Column();
  private readonly rstFlags = u32Column();
  private readonly synFrames = u32Column();
  private readonly synTss = f64Column();
  private readonly synFlags = u32Column();
  /** the addresses: a word each (model/addressWords.ts; the kind in `flags`), no string per row */
  private readonly clientWords = u32Column();
  private readonly serverWords = u32Column();
  private readonly addrs = new AddressWords();
  /** ICMP errors attached at the end (attachIcmp), by row */
  private readonly icmps = new Map<number, IcmpMsg>();
  /** the rows of unanswered SYNs (OPEN), by stream: a later packet of theirs makes them models again (revive) */
  private readonly openAt = new Map<number, number>();
  /** the streams of connections that may become OPEN rows (watch), oldest first, and the time each was watched from (no model held here: a closed one goes as it would) */
  private watched: number[] = [];
  private watchedTs: number[] = [];
  private watchedHead = 0;
  private live = 0;
  private sorted: Uint32Array | null = null;
  /** the switches as they were when the analysis began (tests turn them off around the decoding) */
  private readonly on = enabled;
  private readonly openOn = enabled && openRows.on;

  /** the rows (not those made models again) */
  get length(): number { return this.live; }
  /** OPEN rows made models again so far (tests/pending-tcp-open.test.ts) */
  revivals = 0;
  /** OPEN rows made so far */
  opened = 0;

  /** Keeps `c` (closed by a reset, the capture past it: model/fold.ts) as a row, if it is one (then its model can go). */
  take(c: ConnModel): boolean {
    if (!this.on || !rowable(c)) return false;
    this.row(c, c.rst!);
    return true;
  }

  /**
   * Keeps `c`, whose SYNs are unanswered so far (open: builder.ts closes it only on a reset or
   * FINs), as an OPEN row if it is one, its `ladderSteps` steps all its SYNs' (then its model and
   * open ladder can go; a later packet of its stream makes it a model again: revive).
   */
  takeOpen(c: ConnModel, ladderSteps: number): boolean {
    if (!this.openOn || ladderSteps !== c.syns.length || !openRowable(c)) return false;
    this.openAt.set(c.stream, this.length0());
    this.row(c, undefined);
    this.opened++;
    return true;
  }

  /** The model of the OPEN row of `stream`, as it was before it became one (its ladder none: the caller's to make again), if there is one; the row is gone. */
  revive(stream: number): ConnModel | undefined {
    if (this.openAt.size === 0) return undefined;
    const j = this.openAt.get(stream);
    if (j === undefined) return undefined;
    this.openAt.delete(stream);
    const c = this.model(j, false);
    this.flags.set(j, GONE);
    this.live--;
    this.revivals++;
    this.sorted = null;
    return c;
  }

  /** `c` (a new or revived connection) may become an OPEN row once quiet (due). */
  watch(c: ConnModel): void {
    if (!this.openOn || (c.serverPort !== W.PORT_SMB && c.serverPort !== W.PORT_NBSS)) return;
    this.watched.push(c.stream); this.watchedTs.push(c.lastTs);
  }

  /**
   * The capture is at record `ev`: each watched connection (`model` of its stream, if still one)
   * quiet since QUIET_MS (or the oldest, past QUIET_MAX watched) goes to `row` (which makes it an
   * OPEN row if it is one) or, having had a packet since it was watched, is watched again from then.
   */
  due(ev: EventRecord, model: (stream: number) => ConnModel | undefined, row: (c: ConnModel) => void): void {
    const w = this.watched, at = this.watchedTs;
    if (this.watchedHead === w.length) return;
    const frame = ev.frame, ts = ev.tsMs();
    while (this.watchedHead < w.length) {
      const i = this.watchedHead;
      const many = w.length - i > QUIET_MAX;
      if (!many && !(at[i] + QUIET_MS < ts)) break;
      const c = model(w[i]);
      if (c !== undefined && c.lastFrame >= frame) break; // (not past it yet)
      this.watchedHead++;
      if (c === undefined) continue; // (closed and gone: folded, or a row already)
      if (!many && c.lastTs > at[i]) { w.push(c.stream); at.push(c.lastTs); continue; } // (a packet since)
      row(c);
    }
    if (this.watchedHead > 1024 && this.watchedHead * 2 > w.length) {
      this.watched = w.slice(this.watchedHead); this.watchedTs = at.slice(this.watchedHead); this.watchedHead = 0;
    }
  }

  /** The rows in Report order (indices). */
  inOrder(): Uint32Array {
    if (!this.sorted) {
      const n = this.length0(), keys = new Uint32Array(this.live), at = new Uint32Array(this.live);
      for (let i = 0, k = 0; i < n; i++) if (this.flags.get(i) !== GONE) { keys[k] = this.orders.get(i); at[k++] = i; }
      const idx = sortedIndex(keys, this.live);
      for (let k = 0; k < idx.length; k++) idx[k] = at[idx[k]];
      this.sorted = idx;
    }
    return this.sorted;
  }

  order(j: number): number { return this.orders.get(j); }
  /** an OPEN row (its SYNs unanswered), not one refused by a reset */
  open(j: number): boolean { return (this.flags.get(j) & OPEN) !== 0; }
  clientIp(j: number): string { return this.host(this.clientWords.get(j), this.flags.get(j), CLIENT_V6, CLIENT_TEXT); }
  serverIp(j: number): string { return this.host(this.serverWords.get(j), this.flags.get(j), SERVER_V6, SERVER_TEXT); }
  /** its record's id, as the model's (`${client}-${server}`) */
  id(j: number): string { const p = this.ports.get(j); return `${endpoint(this.clientIp(j), p >>> 16)}-${endpoint(this.serverIp(j), p & 0xffff)}`; }
  /** its first SYN's time */
  firstSynTs(j: number): number { return this.synTss.get(j ? this.synEnd.get(j - 1) : 0); }
  icmp(j: number): IcmpMsg | undefined { return this.icmps.get(j); }
  setIcmp(j: number, e: IcmpMsg): void { this.icmps.set(j, e); }

  /**
   * Row `j` as the model it was made from (with the ICMP error attachIcmp gave it, as it gives a
   * model's). `ladder`: an OPEN row's made as the builder's finish makes an open connection's
   * (its SYNs' steps); else none, its steps still in the builder's open ladders (revive).
   */
  model(j: number, ladder = true): ConnModel {
    const f = this.flags.get(j), ports = this.ports.get(j), clientIp = this.clientIp(j), serverIp = this.serverIp(j);
    const syns: TcpEvent[] = [];
    for (let i = j ? this.synEnd.get(j - 1) : 0, end = this.synEnd.get(j); i < end; i++) {
      const fl = this.synFlags.get(i);
      syns.push({ frame: this.synFrames.get(i), ts: this.synTss.get(i), flags: fl & 0xffff, fromClient: (fl & FROM_CLIENT) !== 0 });
    }
    const rst: TcpEvent | undefined = (f & OPEN) !== 0 ? undefined : { frame: this.rstFrames.get(j), ts: this.rstTss.get(j), flags: this.rstFlags.get(j), fromClient: (f & RST_FROM_CLIENT) !== 0 };
    const c: ConnModel = {
      order: this.orders.get(j), stream: this.streams.get(j), client: endpoint(clientIp, ports >>> 16), server: endpoint(serverIp, ports & 0xffff), clientIp, serverIp,
      serverPort: ports & 0xffff, midstream: false, firstFrame: this.firstFrames.get(j), lastFrame: this.lastFrames.get(j),
      firstTs: this.firstTss.get(j), lastTs: this.lastTss.get(j), syns, negotiates: NONE, sessions: NONE, trees: NONE, smb1: false,
      smbMessages: 0, encrypted: null, gaps: NONE, pending: null, ladder: (f & LADDER_DROPPED) !== 0 || !ladder ? NONE : ladderOf(syns, rst),
      ladderOverflow: 0, ladderDropped: (f & LADDER_DROPPED) !== 0, ladderKept: (f & LADDER_KEPT) !== 0, ladderAt: -1,
      answeredSmb: undefined, synAck: undefined, rst, finClient: undefined, finServer: undefined,
      logoff: undefined, nbssRequest: undefined, nbssResponse: undefined, negotiateBareAck: undefined, beyond: undefined,
    };
    const e = this.icmps.get(j);
    if (e) icmpStep(c, e);
    return c;
  }

  /** the rows made so far, those made models again too */
  private length0(): number { return this.orders.length; }

  /**
   * Row `j` is read no more (settlePending made it a model, in Report order): the columns' chunks
   * below the first row still to read go (a scan's rows come nearly in Report order), so that the
   * rows give their memory back as their records and folded rows are made.
   */
  done(j: number): void {
    const d = (this.read ??= new Uint8Array(this.length0()));
    d[j] = 1;
    let w = this.low;
    while (w < d.length && (d[w] === 1 || this.flags.get(w) === GONE)) w++;
    if (w === this.low) return;
    this.low = w;
    // (per CHUNK rows: a chunk goes once every row in it is read)
    if ((w >>> CHUNK_BITS) === (this.dropped >>> CHUNK_BITS) && w !== d.length) return;
    this.dropped = w;
    const syns = w > 0 ? this.synEnd.get(w - 1) : 0;
    for (const c of [this.orders, this.streams, this.firstFrames, this.lastFrames, this.ports, this.rstFrames, this.rstFlags, this.clientWords, this.serverWords]) c.dropBelow(w);
    this.synEnd.dropBelow(w - 1); // (a row's SYNs start at the end of the row before)
    for (const c of [this.firstTss, this.lastTss, this.rstTss]) c.dropBelow(w);
    this.flags.dropBelow(w);
    this.synFrames.dropBelow(syns); this.synTss.dropBelow(syns); this.synFlags.dropBelow(syns);
  }
  private read: Uint8Array | null = null;
  private low = 0;
  private dropped = 0;

  private row(c: ConnModel, rst: TcpEvent | undefined): void {
    this.orders.push(c.order); this.streams.push(c.stream);
    this.firstFrames.push(c.firstFrame); this.lastFrames.push(c.lastFrame);
    this.firstTss.push(c.firstTs); this.lastTss.push(c.lastTs);
    this.ports.push(((Number(c.client.slice(c.client.lastIndexOf(":") + 1)) << 16) | c.serverPort) >>> 0);
    let f = (c.ladderDropped ? LADDER_DROPPED : 0) | (c.ladderKept ? LADDER_KEPT : 0) | (rst ? (rst.fromClient ? RST_FROM_CLIENT : 0) : OPEN);
    const a = this.addrs;
    this.clientWords.push(a.word(c.clientIp, 0));
    f |= a.kind === V6 ? CLIENT_V6 : a.kind === TEXT ? CLIENT_TEXT : 0;
    this.serverWords.push(a.word(c.serverIp, 1));
    f |= a.kind === V6 ? SERVER_V6 : a.kind === TEXT ? SERVER_TEXT : 0;
    this.flags.push(f);
    for (const s of c.syns) { this.synFrames.push(s.frame); this.synTss.push(s.ts); this.synFlags.push(s.flags | (s.fromClient ? FROM_CLIENT : 0)); }
    this.synEnd.push(this.synFrames.length);
    this.rstFrames.push(rst?.frame ?? 0); this.rstTss.push(rst?.ts ?? 0); this.rstFlags.push(rst?.flags ?? 0);
    this.live++;
    this.sorted = null;
  }

  /** The text of an address's word, its kind said by flags `f` (bits `v6`, `text`). */
  private host(w: number, f: number, v6: number, text: number): string {
    return this.addrs.text(w, f & text ? TEXT : f & v6 ? V6 : V4);
  }
}

/** The ladder the builder made of these TCP events (builder.ts tcp: one step each, a reset marked). */
function ladderOf(syns: readonly TcpEvent[], rst: TcpEvent | undefined): ConnModel["ladder"] {
  const l: ConnModel["ladder"] = [];
  for (const s of syns) l.push(step(s));
  if (rst) l.push(step(rst));
  return l;
}
/** the step builder.ts tcp makes of a TCP event (ladderStep: a reset marked) */
const step = (t: TcpEvent): ConnModel["ladder"][number] => ladderStep(t.frame, t.ts, t.fromClient, tcpFlagsText(t.flags), "tcp", null, (t.flags & 4) !== 0);

const u32 = (v: number) => (v >>> 0) === v;

/** `c` is SYNs and a reset and nothing else: the row keeps all of it (see the header). */
function rowable(c: ConnModel): boolean {
  const rst = c.rst;
  if (!rst || !synsOnly(c) || !u32(rst.frame) || !u32(rst.flags)) return false;
  for (const s of c.syns) if (s.frame === rst.frame) return false;
  if (c.ladderDropped) return c.ladder.length === 0;
  // every ladder step one of those events, as ladderOf makes it again (a step of another TCP
  // event would be lost; builder.ts step is the one maker of steps while decoding: its keys)
  const l = c.ladder, n = c.syns.length;
  if (l.length !== n + 1) return false;
  for (let i = 0; i <= n; i++) {
    const a = l[i], t = i < n ? c.syns[i] : rst;
    if (a.frame !== t.frame || !Object.is(a.ts, t.ts) || a.fromClient !== t.fromClient || a.label !== tcpFlagsText(t.flags) || a.status !== null || a.kind !== "tcp" || a.error !== ((t.flags & 4) !== 0)) return false;
  }
  return true;
}

/**
 * `c` is SYNs, unanswered, and nothing else so far: open, its ladder in the builder's open
 * ladders (whose steps takeOpen's caller counted: one per SYN, builder.ts tcp, so all of them).
 */
function openRowable(c: ConnModel): boolean {
  return !c.rst && synsOnly(c) && !c.ladderDropped && !c.ladderKept && c.ladder.length === 0;
}

/** `c` has SYNs (at most MAX_SYNS, none with a reset's flag) and no other fact of its own: no SYN-ACK, FIN, SMB, ICMP error... */
function synsOnly(c: ConnModel): boolean {
  if (c.synAck || c.syns.length === 0 || c.syns.length > MAX_SYNS || c.midstream || c.finClient || c.finServer) return false;
  if (c.serverPort !== W.PORT_SMB && c.serverPort !== W.PORT_NBSS) return false; // (else maybe a probe: builder.ts finish)
  if (c.negotiates.length || c.sessions.length || c.trees.length || c.smb1 || c.smbMessages || c.encrypted || c.gaps.length) return false;
  if (c.answeredSmb !== undefined || c.notSmb || c.logoff || c.nbssRequest || c.nbssResponse || c.negotiateBareAck || c.beyond) return false;
  if (c.icmp || c.drops || c.decryption || c.ladderOverflow || c.pending !== null) return false;
  if (!u32(c.order) || !u32(c.firstFrame) || !u32(c.lastFrame) || !u32(c.stream)) return false;
  for (const s of c.syns) if (!u32(s.frame) || !u32(s.flags) || s.flags >= FROM_CLIENT || (s.flags & 4) !== 0) return false;
  return true;
}

/**
 * The end of the rows (buildReport, in place of attachIcmp, before anything reads the
 * connections): each row kept to the end as a model again, or folded with its diagnosis (see the
 * header). The models kept are put back among `m.connections` in Report order. Returns how many
 * rows there were.
 */
export function settlePending(m: CaptureModel, sink: ConnectionSink | undefined): number {
  const p = m.folded?.pending, d = m.folded?.diagnosed;
  attachIcmp(m, p);
  if (!p || p.length === 0) return 0;
  m.folded!.pending = undefined;
  const same = m.folded!.same;
  const reads = readers(m, p);
  const alone = aloneModel(m);
  // per severity (SEVERITY_RANK) and finding id, as the Report's groups (foldDiagnosed.ts places)
  const places = [new Map<string, Smallest>(), new Map<string, Smallest>(), new Map<string, Smallest>()];
  const kept: ConnModel[] = [];
  const order = p.inOrder();
  // the unanswered SYNs, failed and now final, count for (3) (rows refused by a reset did as they closed: model/fold.ts may)
  if (d) for (let k = 0; k < order.length; k++) if (p.open(order[k])) d.failed(p.order(order[k]));
  for (let k = 0; k < order.length; k++) {
    const c = p.model(order[k]);
    p.done(order[k]);
    if (!d || reads(c)) { kept.push(c); continue; }
    const a = diagnoseAlone(alone, c, same);
    if (!own(a)) { kept.push(c); continue; }
    // (3) and (4) of model/foldDiagnosed.ts: its ladder and none of its findings shown whole
    let fold = d.problemsBefore(c.order);
    for (let i = 0; fold && i < a.heads.length; i++) {
      const q = places[SEVERITY_RANK[a.heads[i].severity]].get(a.heads[i].id);
      fold = q !== undefined && q.full && q.kth() < placeKey(a.heads[i]);
    }
    if (!fold) {
      // kept: diagnosed again at the end, to the same findings; their places count for the next
      for (const h of a.heads) {
        const of = places[SEVERITY_RANK[h.severity]];
        let q = of.get(h.id);
        if (!q) of.set(h.id, (q = new Smallest(FINDINGS_PER_ID + 1)));
        q.add(placeKey(h));
      }
      kept.push(c);
      continue;
    }
    foldOne(m, c, a, same, sink);
  }
  if (kept.length) m.connections = merged(m.connections, kept);
  return order.length;
}

/**
 * Whether a row's diagnosis or record reads the others, or is read (see the header): its client
 * host spoke Kerberos; a connection of its host pair kept to the end, or folded set up fine, is
 * on another server port; a request to its server was refused for a connection limit while it was open.
 */
function readers(m: CaptureModel, p: PendingTcp): (c: ConnModel) => boolean {
  const krb = new Set<string>();
  for (const k of m.kerberos) krb.add(kerberosClient(k.toKdc, k.srcIp, k.dstIp));
  // server host → client host → server ports (host keys: foldedRows.ts hostKey, no text made for a folded row)
  const ports = new Map<HostKey, Map<HostKey, number[]>>();
  const portOf = (s: HostKey, cl: HostKey, port: number) => {
    let by = ports.get(s);
    if (!by) ports.set(s, (by = new Map()));
    const l = by.get(cl);
    if (!l) by.set(cl, [port]); else if (!l.includes(port)) l.push(port);
  };
  const limited = new Map<string, number[]>(); // server host → frames of limit refusals
  for (const c of m.connections) {
    portOf(hostKey(c.serverIp), hostKey(c.clientIp), c.serverPort);
    for (const t of c.trees) if (treeConnectionLimited(t)) { const l = limited.get(c.serverIp); if (l) l.push(t.resp!.frame); else limited.set(c.serverIp, [t.resp!.frame]); }
  }
  // the folded rows set up fine (tcpVerdict reads those): of the rows' host pairs only when they
  // are more (of a million healthy rows, few)
  const rows = m.folded!.rows;
  let pairs: Map<HostKey, Set<HostKey>> | null = null;
  if (rows.length > p.length) {
    pairs = new Map();
    const order = p.inOrder();
    for (let k = 0; k < order.length; k++) {
      const s = hostKey(p.serverIp(order[k]));
      let l = pairs.get(s);
      if (!l) pairs.set(s, (l = new Set()));
      l.add(hostKey(p.clientIp(order[k])));
    }
  }
  for (let i = 0; i < rows.length; i++) {
    if (!rows.ok(i)) continue;
    const s = rows.serverKey(i), cl = rows.clientKey(i);
    if (!pairs || pairs.get(s)?.has(cl)) portOf(s, cl, rows.serverPort(i));
  }
  return (c) => {
    if (krb.has(c.clientIp)) return true;
    if (ports.get(hostKey(c.serverIp))?.get(hostKey(c.clientIp))?.some((port) => port !== c.serverPort)) return true;
    return limited.get(c.serverIp)?.some((f) => f >= c.firstFrame && f <= c.lastFrame) ?? false;
  };
}

/** Its findings are its own (model/foldDiagnosed.ts aloneSafe): each names it alone, no fallback among them. */
function own(a: Alone): boolean {
  for (const id of a.findings) if (id === authNotAttempted.meta.id || id === connectionAbandoned.meta.id) return false;
  for (const h of a.heads) if (h.connection !== a.s.id || h.connections) return false;
  return true;
}

/** `c` folded with its diagnosis `a`: its record, its row, its heads (as model/fold.ts foldDiagnosed). */
function foldOne(m: CaptureModel, c: ConnModel, a: Alone, same: SharedValues, sink: ConnectionSink | undefined): void {
  const f = m.folded!;
  const r = connectionRecord(a.s, a.findings, false, same);
  f.rows.push({
    order: c.order, stream: c.stream, firstFrame: c.firstFrame, lastFrame: c.lastFrame,
    clientPort: Number(c.client.slice(c.client.lastIndexOf(":") + 1)), serverPort: c.serverPort,
    clientIp: c.clientIp, serverIp: c.serverIp, serverOs: r.serverOs ?? null, serverName: r.serverName ?? null,
    shares: same.texts([]), sessionId: undefined, sessionFrame: 0, ok: r.outcome === "ok", sessions: false,
  }, r);
  f.diagnosed!.columns.push(c.order, r, a.heads);
  sink?.put(c.order, r);
}

/** Two lists of models in Report order, merged. */
function merged(a: ConnModel[], b: ConnModel[]): ConnModel[] {
  const out: ConnModel[] = new Array(a.length + b.length);
  let i = 0, j = 0, k = 0;
  while (i < a.length || j < b.length) out[k++] = j >= b.length || (i < a.length && a[i].order < b[j].order) ? a[i++] : b[j++];
  return out;
}
