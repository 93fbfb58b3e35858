// Which closed connections the Kerberos pairing can be shown not to reach, as the capture is read
// (issue 15). model/kerberos.ts pairKerberos pairs each exchange with at most one connection of its
// client host, from KRB_PAIR_WINDOW_MS before the connection to 1 ms after its first SESSION_SETUP
// (pairFrom, pairTo), the closest by pairScore. The Kerberos findings and records name only the
// connections paired (KERBEROS_PREAUTH_NORMAL, KDC_UNREACHABLE, the errors and etypes: ex.conn;
// AUTH_NOT_ATTEMPTED reads the client's requests for a connection's own diagnosis, which
// model/foldDiagnosed.ts leaves out of any fold). So model/fold.ts may fold a closed connection `c`
// of a host that spoke Kerberos when no exchange pairs with it; and taking out of the pairing's
// candidates a connection no exchange pairs with changes no exchange's choice (each takes its
// best, ties to the earlier connection), so connections so folded one after the other change
// nothing either.
//
// No exchange pairs with `c` when, for each exchange of its host in its window (the capture's time
// past pairTo(c), as the fold waits for: every exchange in that window has come, in a capture in
// time order):
// - of an SMB service (cifs/, host/ name): `c` is no candidate (names), or a closed connection of
//   the host (a witness: its score final) is closer to it than `c` (bestConnection takes the
//   closest, so not `c`, whatever else comes);
// - ticket-granting (ticketGranting): the pairing gives it the connection of the client's next
//   paired SMB-service exchange within KRB_PAIR_WINDOW_MS when there is one, and `c` is paired by
//   none of those (the clause above, for the ones in its window); so `c` is out of its reach when
//   such an exchange surely pairs (it has a witness), or a witness that the exchange could serve
//   (pairKerberos couldServe: a failed one serves no connection that set up a session) is closer;
// - of another service: never paired. An exchange whose service is not known yet (a request
//   without sname: its reply may name it) keeps `c` waiting.
// A witness counts for the exchanges followed when it closes (those that come later do without it,
// which only keeps more). `c` not shown out of reach waits (`wait`), and is asked again when its
// host's exchanges change (a witness, a reply, one let go: `due`).
//
// Connections exchanges do pair with (`paired`, issue 15: on the bench's dense capture half the
// connections kept to the end): a closed connection `c` still in reach folds with its pairing when
// its record is surely the one the end makes. It is diagnosed alone (model/foldDiagnosed.ts
// diagnosePaired: set up fine, no finding of its own) and its PairedFold (kerberos.ts: what the
// pairing reads of a candidate, and its id) stays a candidate of pairKerberos at the end in its
// place, so every exchange pairs as with its model, and the Kerberos records and
// KERBEROS_PREAUTH_NORMAL name it as before. What the exchanges give its record must be known
// when it folds: of the exchanges that can pair with it (its window, and ticket-granting ones up to
// KRB_PAIR_WINDOW_MS before it: they go to the connection of the next SMB-service exchange), one
// that got a ticket gives no finding, one with a pre-authentication error gives
// KERBEROS_PREAUTH_NORMAL, any other (an error, no answer yet: KDC_UNREACHABLE looks for answers to
// come) keeps `c` to the end when it pairs with it. So `paired` makes pairKerberos's choice for
// those (a pre-authentication one only until one is shown to pair with `c`) over the host's
// candidates (its connections since it first spoke Kerberos, and before that those open or whose
// window was still open), once nothing can change it: every candidate in reach past its close,
// no connection to come closer (it starts later: its score is at least the time since the
// exchange, less KRB_PAIR_WINDOW_MS for a named service; ties go to the earlier connection), every
// exchange read followed and answered; else `c` waits (asked again when its host changes, or at
// the time given). A capture out of time order tells nothing. The ladder: none of the Report's
// (foldDiagnosed.ts (3), fold.ts noOkLadder). tests/krb-paired.test.ts: the Reports with and
// without these folds are the same.
//
// Memory: the exchanges are followed per client host, at most HOST_EXCHANGES each and EXCHANGES in
// all, and let go once the capture's time is FOLLOW_MS past them (no connection to come can be
// paired with them, nor `paired` read them); a host keeps the latest time of those let go, and a connection in reach
// of that time is kept to the end, as before this module. A capture whose clock stands still lets
// exchanges go only by those bounds. Requests wait for their replies as pairKerberos pairs them
// (per TCP stream, per UDP endpoints), until answered: their number is bounded by the model's
// (MAX_KRB_MESSAGES).
import type { ConnModel, KrbMsg } from "./types";
import { EXPECTED_KRB_ERRORS, KRB_PAIR_WINDOW_MS, firstSessionTs, kerberosClient, namesOf, pairFrom, pairScore, pairTo, pairedFold, scoreFrom, smbServiceName, ticketGranting, type PairedFold } from "./kerberos";
import { establishedAttempt } from "./summarize";
import { probe } from "./builder";

/** Tests turn it off to compare the Reports (tests/krb-finality.test.ts); off, model/fold.ts keeps every connection of a host whose Kerberos is in reach. */
export const krbFinality = { on: true };

/** Exchanges followed per client host (a client asks a few per connection); past it, the oldest is let go. */
const HOST_EXCHANGES = 128;
/** Exchanges followed in all (a domain controller's capture holds tens of thousands in two minutes). */
const EXCHANGES = 100_000;
/** Connections of one client host waiting to be told; past it, the first is kept to the end. */
const HOST_WAITING = 64;
/** How long exchanges are followed past their time: a paired fold (`paired`) reads those from
 *  KRB_PAIR_WINDOW_MS before a connection's window (a ticket-granting one pairs with the connection
 *  of the next SMB-service one) until KRB_PAIR_WINDOW_MS past its end. */
const FOLLOW_MS = 4 * KRB_PAIR_WINDOW_MS;
/** Candidates followed per client host (connections of a client that spoke Kerberos); past it, `paired` tells none of the host's. */
const HOST_CANDIDATES = 256;

/** What `reach` tells of a closed connection. */
export enum Reach { Out, Later, Kept }

const UNKNOWN = 0, SMB = 1, TGT = 2, OTHER = 3;

/** An exchange as the pairing makes it (pairKerberos): its time, kind, and the closest witness so far. */
class Exchange {
  replied = false;
  /** its reply is a KRB-ERROR after pre-authentication (pairKerberos `failed`) */
  failed = false;
  /** its reply is a KRB-ERROR of pre-authentication (EXPECTED_KRB_ERRORS: KERBEROS_PREAUTH_NORMAL) */
  preauth = false;
  gone = false;
  kind = UNKNOWN;
  /** an SMB service's name (smbServiceName) */
  name: string | null = null;
  /** the closest witness: its score and ConnModel.order (-1: none) */
  best = Infinity; bestOrder = -1;
  constructor(readonly t: number, readonly host: Host) {}
}

class Host {
  /** its exchanges followed, in time order (from `head`) */
  live: Exchange[] = [];
  head = 0;
  /** the latest time of an exchange of its let go */
  goneMax = -Infinity;
  /** its closed connections waiting to be told */
  waiting: Waiting[] = [];
  /** in KrbFinality.news */
  news = false;
  /** the connections of the host that can be the pairing's candidates (paired), in Report order */
  cands: Cand[] = [];
  /** more than HOST_CANDIDATES: not told (paired) */
  crowded = false;
}

/**
 * A connection of a client host that spoke Kerberos, as a candidate of the pairing: open (its
 * model, which may still change), or past its close (`fold`: final), folded with its pairing
 * (`pinned`) or shown unpaired (`out`).
 */
class Cand {
  /** past its close (its model final) */
  closed = false;
  /** made when first read (most connections fold with none: gone), and then the model let go */
  private fold_: PairedFold | null = null;
  constructor(readonly order: number, private c: ConnModel | null) {}
  /** the model while open (it may still change), else null */
  get open(): ConnModel | null { return this.closed ? null : this.c; }
  get fold(): PairedFold {
    if (this.fold_ === null) { this.fold_ = pairedFold(this.c!, probe(this.c!)); this.c = null; }
    return this.fold_;
  }
  /** the pairing's end of its window (pairTo), final once closed */
  get to(): number { return this.fold_ !== null ? this.fold_.to : pairTo(this.c!); }
}

export class KrbFinality {
  private readonly hosts = new Map<string, Host>();
  /** every exchange followed, in time order (from qHead) */
  private queue: Exchange[] = [];
  private qHead = 0;
  private readonly pendingTcp = new Map<number, Exchange[]>();
  private readonly pendingUdp = new Map<string, Map<string, Exchange[]>>();
  private lastTs = -Infinity;
  /** a message out of time order or without a time: nothing is told any more (every host's connections in reach are kept) */
  private broken = false;
  /** hosts with waiting connections whose exchanges changed */
  private news: Host[] = [];
  /** the connections open (not past their close) by client host, one as itself: a host's candidates when it first speaks Kerberos */
  private readonly open = new Map<string, ConnModel | ConnModel[]>();
  /** connections past their close whose window may reach a message to come (pairTo not past) */
  private recent: ConnModel[] = [];
  private recentCap = 64;
  /** the latest time seen (messages, connections' starts): one earlier after it and nothing is told (paired) */
  private clock = -Infinity;
  private unordered = false;
  /** connections `paired` told so far (MAX_PAIRED) */
  private paired_ = 0;

  /** A Kerberos message the model keeps, in capture order. */
  message(m: KrbMsg): void {
    if (this.broken) return;
    const ts = m.ts;
    if (!(ts >= this.lastTs) || !Number.isFinite(ts)) { this.break(); return; }
    this.lastTs = ts;
    this.tick(ts);
    this.expire(ts);
    const type = m.msgType;
    if (type === 10 || type === 12) {
      const ex = this.exchange(m.srcIp, ts, m.sname, true);
      let pending: Map<number | string, Exchange[]>, key: number | string;
      if (m.transport === "tcp") { pending = this.pendingTcp; key = m.stream; }
      else {
        let bySrc = this.pendingUdp.get(m.src);
        if (!bySrc) this.pendingUdp.set(m.src, (bySrc = new Map()));
        pending = bySrc; key = m.dst;
      }
      const l = pending.get(key);
      if (l) l.push(ex); else pending.set(key, [ex]);
    } else if (type === 11 || type === 13 || type === 30) {
      const paired = this.answered(m);
      const ex = paired ?? this.exchange(kerberosClient(m.toKdc, m.srcIp, m.dstIp), ts, m.sname, false);
      ex.replied = true;
      ex.failed = type === 30 && m.errorCode !== null && !EXPECTED_KRB_ERRORS.has(m.errorCode);
      ex.preauth = type === 30 && m.errorCode !== null && EXPECTED_KRB_ERRORS.has(m.errorCode);
      if (ex.kind === UNKNOWN) this.classify(ex, m.sname);
      this.changed(ex.host);
    }
  }

  /** The request `m` answers (pairKerberos: the first waiting on its stream or endpoints), taken off. */
  private answered(m: KrbMsg): Exchange | undefined {
    if (m.transport === "tcp") {
      const l = this.pendingTcp.get(m.stream);
      const ex = l?.shift();
      if (l && l.length === 0) this.pendingTcp.delete(m.stream);
      return ex;
    }
    const bySrc = this.pendingUdp.get(m.dst), l = bySrc?.get(m.src);
    const ex = l?.shift();
    if (l && l.length === 0) { bySrc!.delete(m.src); if (bySrc!.size === 0) this.pendingUdp.delete(m.dst); }
    return ex;
  }

  /** A new exchange of client host `ip` at `ts` with service `service` (a request's may be named by its reply: `open`). */
  private exchange(ip: string, ts: number, service: string | null, open: boolean): Exchange {
    let h = this.hosts.get(ip);
    if (!h) this.hosts.set(ip, (h = this.host(ip, ts)));
    const ex = new Exchange(ts, h);
    if (service !== null || !open) this.classify(ex, service);
    // (one of another service is never paired: followed only for its reply)
    if (ex.kind === OTHER) return ex;
    h.live.push(ex);
    this.queue.push(ex);
    if (h.live.length - h.head > HOST_EXCHANGES) this.letGo(h.live[h.head]);
    if (this.queue.length - this.qHead > EXCHANGES) this.letGo(this.queue[this.qHead]);
    this.compact(h);
    return ex;
  }

  private classify(ex: Exchange, service: string | null): void {
    ex.name = smbServiceName(service);
    ex.kind = ex.name ? SMB : ticketGranting(service) ? TGT : OTHER;
  }

  /** Lets go of the exchanges no connection to come can be paired with (the capture's time `ts`: past their window). */
  private expire(ts: number): void {
    // (letGo may make the queue anew: read it each time)
    while (this.qHead < this.queue.length && this.queue[this.qHead].t + FOLLOW_MS < ts) this.letGo(this.queue[this.qHead]);
  }

  private letGo(ex: Exchange): void {
    if (!ex.gone) {
      ex.gone = true;
      const h = ex.host;
      if (ex.t > h.goneMax) h.goneMax = ex.t;
      this.changed(h);
      this.compact(h);
    }
    // (let go in time order: from the front of the queue, or a host's oldest, which the queue then passes)
    const q = this.queue;
    while (this.qHead < q.length && q[this.qHead].gone) this.qHead++;
    if (this.qHead > 1024 && this.qHead * 2 > q.length) { this.queue = q.slice(this.qHead); this.qHead = 0; }
  }

  /** Drops a host's exchanges let go from the front of its list. */
  private compact(h: Host): void {
    const l = h.live;
    while (h.head < l.length && l[h.head].gone) h.head++;
    if (h.head > 32 && h.head * 2 > l.length) { h.live = l.slice(h.head); h.head = 0; }
  }

  private break(): void {
    this.broken = true;
    this.hosts.clear(); this.queue = []; this.qHead = 0;
    this.pendingTcp.clear(); this.pendingUdp.clear();
  }

  private changed(h: Host): void {
    if (h.waiting.length !== 0 && !h.news) { h.news = true; this.news.push(h); }
  }

  /**
   * A connection past its close (model/fold.ts), every one: a witness for the exchanges of its host
   * in its window, whose choice it bounds (bestConnection: the closest).
   */
  closed(c: ConnModel, now: number): void {
    const h = this.hosts.get(c.clientIp);
    if (this.closeOpen(c)) {
      if (h) this.final(h, c);
      else if (pairTo(c) >= now) {
        // (`now`: the record being read, at or after every message to come)
        this.recent.push(c);
        if (this.recent.length >= this.recentCap) { this.recent = this.recent.filter((x) => pairTo(x) >= now); this.recentCap = Math.max(64, 2 * this.recent.length); }
      }
    }
    if (!h || h.head === h.live.length || probe(c)) return; // (a probe is no candidate: builder.ts finish)
    const l = h.live, to = pairTo(c);
    let names: string[] | null = null, established: boolean | null = null;
    let any = false;
    for (let i = first(h, pairFrom(c)); i < l.length && l[i].t <= to; i++) {
      const ex = l[i];
      if (ex.gone) continue;
      if (ex.kind === SMB) {
        const s = pairScore(ex.t, c, ex.name, (names ??= namesOf(c)));
        if (s !== null) { add(ex, s, c.order); any = true; }
      } else if (ex.kind === TGT) {
        // (one that failed serves no connection that set up a session: a witness only if it did not, or the reply said it did not fail)
        if ((ex.replied && !ex.failed) || !(established ??= !!establishedAttempt(c))) { add(ex, pairScore(ex.t, c, null, NO_NAMES)!, c.order); any = true; }
      }
    }
    if (any) this.changed(h);
  }

  /**
   * Whether the pairing reaches closed connection `c`: Out (no exchange pairs with it), Later (not
   * known yet), Kept (never to be told). Only once the capture's time is past pairTo(c) (`final`);
   * before that, Later unless Kept.
   */
  reach(c: ConnModel, final: boolean): Reach {
    if (this.broken || !krbFinality.on) return Reach.Kept;
    const h = this.hosts.get(c.clientIp);
    const from = pairFrom(c);
    if (h && from <= h.goneMax) return Reach.Kept;
    if (!final) return Reach.Later;
    if (!h) return Reach.Out;
    const l = h.live, to = pairTo(c);
    let names: string[] | null = null, established: boolean | null = null;
    for (let i = first(h, from); i < l.length && l[i].t <= to; i++) {
      const ex = l[i];
      if (ex.kind === OTHER) continue;
      if (ex.kind === UNKNOWN) return Reach.Later;
      if (ex.kind === SMB) {
        const s = pairScore(ex.t, c, ex.name, (names ??= namesOf(c)));
        if (s !== null && !closer(ex, s, c.order)) return Reach.Later;
      } else {
        if (ex.replied && ex.failed && (established ??= !!establishedAttempt(c))) continue;
        if (pairedNext(h, ex)) continue;
        if (!closer(ex, pairScore(ex.t, c, null, NO_NAMES)!, c.order)) return Reach.Later;
      }
    }
    return Reach.Out;
  }

  /** A connection starts (builder.ts, its flow's first record): a candidate of its host's pairing. */
  opened(c: ConnModel): void {
    this.tick(c.firstTs);
    const l = this.open.get(c.clientIp);
    if (l === undefined) this.open.set(c.clientIp, c);
    else if (Array.isArray(l)) l.push(c);
    else this.open.set(c.clientIp, [l, c]);
    const h = this.hosts.get(c.clientIp);
    if (h) this.candidate(h, new Cand(c.order, c));
  }

  private isOpen(c: ConnModel): boolean {
    const l = this.open.get(c.clientIp);
    return l === c || (Array.isArray(l) && l.includes(c));
  }

  /** `c` no longer open (past its close): whether it was. */
  private closeOpen(c: ConnModel): boolean {
    const l = this.open.get(c.clientIp);
    if (l === c) { this.open.delete(c.clientIp); return true; }
    if (!Array.isArray(l)) return false;
    const i = l.indexOf(c);
    if (i < 0) return false;
    l.splice(i, 1);
    if (l.length === 1) this.open.set(c.clientIp, l[0]);
    return true;
  }

  /** The capture's time `t` (connections' starts, messages): a time before the latest stops `paired` for good. */
  private tick(t: number): void {
    if (t < this.clock || !Number.isFinite(t)) this.unordered = true;
    else this.clock = t;
  }

  /** A client host's first exchange, at `ts`: its candidates are its connections open, and those past their close that may still pair. */
  private host(ip: string, ts: number): Host {
    const h = new Host();
    const l = this.open.get(ip);
    const open: ConnModel[] = l === undefined ? [] : Array.isArray(l) ? l.slice() : [l];
    this.recent = this.recent.filter((c) => pairTo(c) >= ts);
    for (const c of this.recent) if (c.clientIp === ip) open.push(c);
    open.sort((a, b) => a.order - b.order);
    for (const c of open) {
      const k = new Cand(c.order, c);
      this.candidate(h, k);
      if (!this.isOpen(c)) k.closed = true;
    }
    return h;
  }

  private candidate(h: Host, k: Cand): void {
    const l = h.cands;
    // (those whose window ended before every exchange of the host still followed, and every one to come, go)
    if (l.length >= 32 && l.length % 32 === 0) {
      const oldest = h.head < h.live.length ? Math.min(h.live[h.head].t, this.clock) : this.clock;
      h.cands = l.filter((x) => !x.closed || x.to >= oldest);
    }
    h.cands.push(k);
    if (h.cands.length > HOST_CANDIDATES) h.crowded = true;
  }

  /** `c` of host `h` past its close: its candidate final. */
  private final(h: Host, c: ConnModel): void {
    const k = this.cand(h, c);
    if (!k) return;
    k.closed = true;
    this.changed(h);
  }

  private cand(h: Host, c: ConnModel): Cand | undefined {
    const l = h.cands;
    for (let i = l.length - 1; i >= 0; i--) if (l[i].order === c.order) return l[i];
    return undefined;
  }

  /** `c` folded without a pairing (model/fold.ts): no candidate at the end, none it would have been the closest of (reach). */
  gone(c: ConnModel): void {
    const h = this.hosts.get(c.clientIp);
    if (!h) return;
    const l = h.cands;
    for (let i = l.length - 1; i >= 0; i--) if (l[i].order === c.order) { l.splice(i, 1); return; }
  }

  /** `c`, past its close, goes as a model but stays a candidate (model/pendingTcp.ts takes it as a row): its PairedFold made now. */
  detach(c: ConnModel): void {
    const h = this.hosts.get(c.clientIp);
    const k = h && this.cand(h, c);
    if (k) void k.fold;
  }

  /** `c` folded with its pairing (`paired`): a candidate still, at the end too (its PairedFold, model/fold.ts keeps it). */
  pin(c: ConnModel): PairedFold {
    return this.cand(this.hosts.get(c.clientIp)!, c)!.fold;
  }

  /**
   * What the pairing at the end gives closed connection `c` (past pairTo(c)), at the capture's
   * time `now`, when it can be told: `{ paired, preauth }` (an exchange pairs with it; one of those
   * is a pre-authentication error: KERBEROS_PREAUTH_NORMAL), and then only when every exchange
   * that pairs with it was answered with a ticket or a pre-authentication error (no other
   * Kerberos rule reads it: KDC_UNREACHABLE looks for answers to come); else KEPT (never told),
   * WAIT (told when its host's exchanges or candidates change) or `{ at }` (ask again then).
   *
   * It makes the pairing of pairKerberos for each exchange that can pair with `c` (those from
   * KRB_PAIR_WINDOW_MS before its window, ticket-granting ones going to the next SMB-service
   * exchange's connection, to its end), over the host's candidates, once none can change: every
   * candidate in reach past its close (an open one's score and names may still change), no
   * connection to come in reach (the capture's time KRB_PAIR_WINDOW_MS past each exchange read:
   * a connection starts later), every exchange read followed (none let go) and answered.
   */
  paired(c: ConnModel, now: number): Paired {
    if (this.broken || this.unordered || !krbFinality.on || !pairedFolds.on) return KEPT;
    const h = this.hosts.get(c.clientIp);
    const me = h && this.cand(h, c);
    if (!h || !me || !me.closed || h.crowded) return KEPT;
    const to = me.fold.to, from = me.fold.from - KRB_PAIR_WINDOW_MS;
    if (from <= h.goneMax) return KEPT;
    if (this.paired_ >= MAX_PAIRED) return KEPT;
    const l = h.live;
    let preauth = false;
    /** what a pre-authentication error not told yet says, unless another one is told to pair with `c` */
    let untold: Paired | null = null;
    for (let i = first(h, from); i < l.length && l[i].t <= to; i++) {
      const ex = l[i];
      // (one that got a ticket gives no finding: whichever connection it pairs with, the end's
      // pairing tells the records; a second pre-authentication error changes no finding either)
      if (ex.replied && !ex.failed && (!ex.preauth || preauth)) continue;
      if (!canPair(h, ex, me.fold)) continue;
      const p = this.pairOf(h, ex, now);
      if (p === UNDECIDED || (p !== null && !(p instanceof Cand))) {
        const r = p === UNDECIDED ? WAIT : p;
        if (!ex.preauth) return r;
        untold ??= r;
        continue;
      }
      if (p !== me) continue;
      if (!ex.replied || ex.failed) return KEPT;
      preauth = true;
    }
    if (untold !== null && !preauth) return untold;
    this.paired_++;
    return { preauth };
  }

  /** The candidate pairKerberos pairs `ex` with (null: none), as far as told at `now` (see paired). */
  private pairOf(h: Host, ex: Exchange, now: number): Cand | null | typeof UNDECIDED | { at: number } {
    if (ex.kind === UNKNOWN) return UNDECIDED;
    if (ex.kind === SMB) return this.told(h, ex.t, ex.name, null, now);
    // (its reply may make it a failure, which serves no connection that set up a session)
    if (!ex.replied) return UNDECIDED;
    const l = h.live;
    // the connection of the first SMB-service exchange paired from its time to KRB_PAIR_WINDOW_MS later (pairKerberos `next`)
    for (let i = first(h, ex.t); i < l.length && l[i].t - ex.t < KRB_PAIR_WINDOW_MS; i++) {
      const n = l[i];
      if (n.kind === UNKNOWN) return UNDECIDED;
      if (n.kind !== SMB) continue;
      const b = this.told(h, n.t, n.name, null, now);
      if (b === null) continue;
      if (!(b instanceof Cand)) return b;
      return !ex.failed || !b.fold.established ? b : null;
    }
    // (an SMB-service exchange to come in that time would be the next)
    if (!(now > ex.t + KRB_PAIR_WINDOW_MS)) return { at: ex.t + KRB_PAIR_WINDOW_MS };
    return this.told(h, ex.t, null, ex.failed ? (f) => !f.established : null, now);
  }

  /**
   * bestConnection among the host's candidates for an exchange at `t` of service `name`, once no
   * candidate can change it: none in reach open, and no connection to come closer (it starts at
   * `now` or later, so its score is at least now - t, less KRB_PAIR_WINDOW_MS for a name: ties go
   * to the earlier connection), or none in reach at all (`now` past t + KRB_PAIR_WINDOW_MS).
   */
  private told(h: Host, t: number, name: string | null, ok: ((f: PairedFold) => boolean) | null, now: number): Cand | null | typeof UNDECIDED | { at: number } {
    let best: Cand | null = null, score = Infinity;
    for (const k of h.cands) {
      const o = k.open;
      if (o) {
        if (t < pairFrom(o)) continue;
        const s = firstSessionTs(o);
        if (s !== undefined && t > s + 1) continue;
        return UNDECIDED;
      }
      const f = k.fold;
      if (f.probe || t < f.from || t > f.to || (ok && !ok(f))) continue;
      const sc = scoreFrom(t, f.base, name, name ? f.names : NO_NAMES);
      if (sc !== null && sc < score) { score = sc; best = k; }
    }
    const end = t + KRB_PAIR_WINDOW_MS;
    if (now > end) return best;
    // the time from which no connection to come can be closer
    const closest = t + score + (name ? KRB_PAIR_WINDOW_MS : 0);
    if (best && now >= closest) return best;
    return { at: Math.min(end, closest) };
  }

  /** `w` (its connection closed, Later) waits to be asked again; returns one that waited longest when its host has too many (kept to the end). */
  wait(w: Waiting): Waiting | null {
    const h = this.hosts.get(w[0].clientIp)!;
    h.waiting.push(w);
    return h.waiting.length > HOST_WAITING ? h.waiting.shift()! : null;
  }

  /** The waiting connections whose host's exchanges changed since (taken off: `wait` again those still Later), or null. */
  due(): Waiting[] | null {
    if (this.news.length === 0) return null;
    const out: Waiting[] = [];
    for (const h of this.news) { h.news = false; for (const w of h.waiting) out.push(w); h.waiting = []; }
    this.news = [];
    return out;
  }
}

const NO_NAMES: string[] = [];

/** Tests turn it off to compare the Reports (tests/krb-paired.test.ts); off, `paired` tells nothing (KEPT). */
export const pairedFolds = { on: true };

/** What `paired` tells. */
export type Paired = { preauth: boolean } | { at: number } | typeof KEPT | typeof WAIT;
/** Connections folded with their pairing (PairedFold kept to the end); past it, the others are kept to the end. */
const MAX_PAIRED = 100_000;
export const KEPT = 0, WAIT = 1;
const UNDECIDED = 2;

/** `f` may be the connection pairKerberos pairs `ex` with, whatever comes: a candidate of it, or (ticket-granting) of an SMB-service exchange that can be its next. */
function canPair(h: Host, ex: Exchange, f: PairedFold): boolean {
  if (ex.kind === SMB) return candidateOf(ex, f);
  if (ex.kind === UNKNOWN || (ex.t >= f.from && ex.t <= f.to)) return true;
  const l = h.live;
  for (let i = first(h, ex.t); i < l.length && l[i].t - ex.t < KRB_PAIR_WINDOW_MS; i++) if (l[i].kind !== TGT && candidateOf(l[i], f)) return true;
  return false;
}

/** `f` is a candidate of SMB-service exchange `ex` (bestConnection: in its window, one of its names the service's); an exchange not classified yet may be. */
const candidateOf = (ex: Exchange, f: PairedFold) => ex.t >= f.from && ex.t <= f.to && (ex.kind !== SMB || scoreFrom(ex.t, f.base, ex.name, f.names) !== null);

/** A connection waiting, and what the fold knows of it already (model/fold.ts: foldable). */
export type Waiting = [ConnModel, boolean];

/** The index of the first exchange of `h` at `t` or later. */
function first(h: Host, t: number): number {
  const l = h.live;
  let lo = h.head, hi = l.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (l[mid].t < t) lo = mid + 1; else hi = mid; }
  return lo;
}

/** A witness of score `s` (ConnModel.order `o`) for `ex`: kept when the closest (bestConnection's order: lower score, then earlier connection). */
function add(ex: Exchange, s: number, o: number): void {
  if (s < ex.best || (s === ex.best && o < ex.bestOrder)) { ex.best = s; ex.bestOrder = o; }
}

/**
 * A witness comes before a candidate of score `s` (ConnModel.order `o`) for `ex`: the pairing
 * does not take the candidate. (The candidate a witness itself, it is no closer than itself: one
 * witness is enough.)
 */
function closer(ex: Exchange, s: number, o: number): boolean {
  return ex.bestOrder !== -1 && (ex.best < s || (ex.best === s && ex.bestOrder < o));
}

/**
 * An SMB-service exchange of `h` that surely pairs (it has a witness) at `ex`'s time or up to
 * KRB_PAIR_WINDOW_MS after: the ticket-granting `ex` then goes to the connection of the first such
 * (pairKerberos `next`), one that an SMB-service exchange chose.
 */
function pairedNext(h: Host, ex: Exchange): boolean {
  const l = h.live;
  for (let i = first(h, ex.t); i < l.length && l[i].t - ex.t < KRB_PAIR_WINDOW_MS; i++) {
    const n = l[i];
    if (!n.gone && n.kind === SMB && n.bestOrder !== -1) return true;
  }
  return false;
}
