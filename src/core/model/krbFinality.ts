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
// Memory: the exchanges are followed per client host, at most HOST_EXCHANGES each and EXCHANGES in
// all, and let go once the capture's time is KRB_PAIR_WINDOW_MS past them (no connection to come
// can be paired with them); a host keeps the latest time of those let go, and a connection in reach
// of that time is kept to the end, as before this module. A capture whose clock stands still lets
// exchanges go only by those bounds. Requests wait for their replies as pairKerberos pairs them
// (per TCP stream, per UDP endpoints), until answered: their number is bounded by the model's
// (MAX_KRB_MESSAGES).
import type { ConnModel, KrbMsg } from "./types";
import { EXPECTED_KRB_ERRORS, KRB_PAIR_WINDOW_MS, kerberosClient, namesOf, pairFrom, pairScore, pairTo, smbServiceName, ticketGranting } from "./kerberos";
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

/** What `reach` tells of a closed connection. */
export enum Reach { Out, Later, Kept }

const UNKNOWN = 0, SMB = 1, TGT = 2, OTHER = 3;

/** An exchange as the pairing makes it (pairKerberos): its time, kind, and the closest witness so far. */
class Exchange {
  replied = false;
  /** its reply is a KRB-ERROR after pre-authentication (pairKerberos `failed`) */
  failed = false;
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

  /** A Kerberos message the model keeps, in capture order. */
  message(m: KrbMsg): void {
    if (this.broken) return;
    const ts = m.ts;
    if (!(ts >= this.lastTs) || !Number.isFinite(ts)) { this.break(); return; }
    this.lastTs = ts;
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
    if (!h) this.hosts.set(ip, (h = new Host()));
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
    while (this.qHead < this.queue.length && this.queue[this.qHead].t + KRB_PAIR_WINDOW_MS < ts) this.letGo(this.queue[this.qHead]);
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

  /**
   * Drops a host's exchanges let go from the front of its list: all of them once all are (a host
   * that spoke Kerberos a few times, as most do, never reaches the batch of 32 below, and its
   * exchanges stayed to the end: every exchange of smb1m's, ~25,800, 2.5x the window's).
   */
  private compact(h: Host): void {
    const l = h.live;
    while (h.head < l.length && l[h.head].gone) h.head++;
    if (h.head === l.length) { if (h.head !== 0) { h.live = []; h.head = 0; } }
    else if (h.head > 32 && h.head * 2 > l.length) { h.live = l.slice(h.head); h.head = 0; }
  }

  /** The exchanges the hosts' lists hold (let go or not): what this follows (tests). */
  get held(): number {
    let n = 0;
    for (const h of this.hosts.values()) n += h.live.length;
    return n;
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
  closed(c: ConnModel): void {
    const h = this.hosts.get(c.clientIp);
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
