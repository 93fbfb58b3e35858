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

// An exchange as the pairing makes it (pairKerberos): its time, kind, service name, host, and the
// closest witness so far. Those followed (not of another service) are numbered in the order they
// come, which is time order, and live in Exchanges' columns: a slot per number in a ring that
// spans the numbers not yet let go (the queue of the comments below). The exchanges were objects
// (29,625 on the dense bench, with their hosts' lists ~8 MiB of heap at the end of decoding).
const REPLIED = 1, FAILED = 2, GONE = 4, KIND_SHIFT = 3;
const NONE = -1;

/**
 * The columns of the exchanges followed, by number (a slot each: number & mask). Not model/column.ts's
 * columns: those only grow (and spill), where these slots are taken again once the queue has passed.
 */
class Exchanges {
  mask: number;
  /** the number in the slot (a request that waits for its reply asks whether its exchange is still there) */
  id: Int32Array;
  t: Float64Array;
  best: Float64Array;
  bestOrder: Int32Array;
  /** REPLIED, FAILED, GONE, and the kind above KIND_SHIFT */
  bits: Uint8Array;
  /** the next exchange of the same host (NONE: its last) */
  next: Int32Array;
  host: (Host | null)[];
  /** an SMB service's name (smbServiceName) */
  name: (string | null)[];

  constructor(cap: number) {
    this.mask = cap - 1;
    this.id = new Int32Array(cap).fill(NONE); this.t = new Float64Array(cap); this.best = new Float64Array(cap);
    this.bestOrder = new Int32Array(cap); this.bits = new Uint8Array(cap); this.next = new Int32Array(cap);
    this.host = new Array<Host | null>(cap).fill(null); this.name = new Array<string | null>(cap).fill(null);
  }

  get cap(): number { return this.mask + 1; }

  /** Twice the slots, the numbers `from`…`to`-1 in them. */
  grown(from: number, to: number): Exchanges {
    const g = new Exchanges(this.cap * 2);
    for (let x = from; x < to; x++) {
      const a = x & this.mask, b = x & g.mask;
      g.id[b] = this.id[a]; g.t[b] = this.t[a]; g.best[b] = this.best[a]; g.bestOrder[b] = this.bestOrder[a];
      g.bits[b] = this.bits[a]; g.next[b] = this.next[a]; g.host[b] = this.host[a]; g.name[b] = this.name[a];
    }
    return g;
  }
}

/** Slots of the first ring; it doubles as the exchanges not let go need (at most EXCHANGES + 1). */
const FIRST_SLOTS = 1024;

class Host {
  /** its exchanges followed and not let go, in time order: the first's and the last's numbers (NONE: none), and how many */
  head = NONE;
  tail = NONE;
  count = 0;
  /** the latest time of an exchange of its let go */
  goneMax = -Infinity;
  /** its closed connections waiting to be told */
  waiting: Waiting[] = NO_WAITING;
  /** in KrbFinality.news */
  news = false;
}
/** (a host's list until one waits: most never have one) */
const NO_WAITING: Waiting[] = [];

/** A request waiting for its reply: its exchange's number (NONE: one of another service, not followed) and host. */
interface Pending { x: number; host: Host }

export class KrbFinality {
  private readonly hosts = new Map<string, Host>();
  private ex = new Exchanges(FIRST_SLOTS);
  /** the numbers of the exchanges followed: the oldest not let go (qHead) up to the next to come */
  private qHead = 0;
  private nextId = 0;
  private readonly pendingTcp = new Map<number, Pending[]>();
  private readonly pendingUdp = new Map<string, Map<string, Pending[]>>();
  private lastTs = -Infinity;
  /** a message out of time order or without a time: nothing is told any more (every host's connections in reach are kept) */
  private broken = false;
  /** hosts with waiting connections whose exchanges changed */
  private news: Host[] = [];
  /** the host of the exchange `exchange` made last */
  private madeHost: Host | null = null;

  /** A Kerberos message the model keeps, in capture order. */
  message(m: KrbMsg): void {
    if (this.broken) return;
    const ts = m.ts;
    if (!(ts >= this.lastTs) || !Number.isFinite(ts)) { this.break(); return; }
    this.lastTs = ts;
    this.expire(ts);
    const type = m.msgType;
    if (type === 10 || type === 12) {
      const x = this.exchange(m.srcIp, ts, m.sname, true);
      const p: Pending = { x, host: this.madeHost! };
      let pending: Map<number | string, Pending[]>, key: number | string;
      if (m.transport === "tcp") { pending = this.pendingTcp; key = m.stream; }
      else {
        let bySrc = this.pendingUdp.get(m.src);
        if (!bySrc) this.pendingUdp.set(m.src, (bySrc = new Map()));
        pending = bySrc; key = m.dst;
      }
      const l = pending.get(key);
      if (l) l.push(p); else pending.set(key, [p]);
    } else if (type === 11 || type === 13 || type === 30) {
      const paired = this.answered(m);
      let x: number, host: Host;
      if (paired) { x = paired.x; host = paired.host; }
      else { x = this.exchange(kerberosClient(m.toKdc, m.srcIp, m.dstIp), ts, m.sname, false); host = this.madeHost!; }
      // (a request's exchange let go and its slot taken since: nothing of it is read any more)
      const e = this.ex, s = x & e.mask;
      if (x !== NONE && e.id[s] === x) {
        const failed = type === 30 && m.errorCode !== null && !EXPECTED_KRB_ERRORS.has(m.errorCode);
        e.bits[s] = (e.bits[s] & ~(REPLIED | FAILED)) | REPLIED | (failed ? FAILED : 0);
        if (e.bits[s] >> KIND_SHIFT === UNKNOWN) this.classify(s, m.sname);
      }
      this.changed(host);
    }
  }

  /** The request `m` answers (pairKerberos: the first waiting on its stream or endpoints), taken off. */
  private answered(m: KrbMsg): Pending | undefined {
    if (m.transport === "tcp") {
      const l = this.pendingTcp.get(m.stream);
      const p = l?.shift();
      if (l && l.length === 0) this.pendingTcp.delete(m.stream);
      return p;
    }
    const bySrc = this.pendingUdp.get(m.dst), l = bySrc?.get(m.src);
    const p = l?.shift();
    if (l && l.length === 0) { bySrc!.delete(m.src); if (bySrc!.size === 0) this.pendingUdp.delete(m.dst); }
    return p;
  }

  /**
   * A new exchange of client host `ip` at `ts` with service `service` (a request's may be named by
   * its reply: `open`): its number, or NONE for one of another service (never paired: followed
   * only for its reply). Its host in madeHost.
   */
  private exchange(ip: string, ts: number, service: string | null, open: boolean): number {
    let h = this.hosts.get(ip);
    if (!h) this.hosts.set(ip, (h = new Host()));
    this.madeHost = h;
    let kind = UNKNOWN, name: string | null = null;
    if (service !== null || !open) { name = smbServiceName(service); kind = name ? SMB : ticketGranting(service) ? TGT : OTHER; }
    if (kind === OTHER) return NONE;
    if (this.nextId - this.qHead >= this.ex.cap) this.ex = this.ex.grown(this.qHead, this.nextId);
    const x = this.nextId++, e = this.ex, s = x & e.mask;
    e.id[s] = x; e.t[s] = ts; e.best[s] = Infinity; e.bestOrder[s] = NONE; e.bits[s] = kind << KIND_SHIFT;
    e.next[s] = NONE; e.host[s] = h; e.name[s] = name;
    if (h.tail === NONE) h.head = x; else e.next[h.tail & e.mask] = x;
    h.tail = x;
    h.count++;
    if (h.count > HOST_EXCHANGES) this.letGo(h.head);
    if (this.nextId - this.qHead > EXCHANGES) this.letGo(this.qHead);
    return x;
  }

  private classify(s: number, service: string | null): void {
    const e = this.ex, name = smbServiceName(service);
    e.name[s] = name;
    e.bits[s] = (e.bits[s] & (REPLIED | FAILED | GONE)) | ((name ? SMB : ticketGranting(service) ? TGT : OTHER) << KIND_SHIFT);
  }

  /** Lets go of the exchanges no connection to come can be paired with (the capture's time `ts`: past their window). */
  private expire(ts: number): void {
    while (this.qHead < this.nextId && this.ex.t[this.qHead & this.ex.mask] + KRB_PAIR_WINDOW_MS < ts) this.letGo(this.qHead);
  }

  /**
   * Lets exchange `x` go: always its host's first not let go (the oldest of all, or of its host),
   * so a host's list holds none let go. The queue's front then passes the ones let go.
   */
  private letGo(x: number): void {
    const e = this.ex, s = x & e.mask;
    if ((e.bits[s] & GONE) === 0) {
      e.bits[s] |= GONE;
      const h = e.host[s]!;
      if (e.t[s] > h.goneMax) h.goneMax = e.t[s];
      this.changed(h);
      while (h.head !== NONE && (e.bits[h.head & e.mask] & GONE) !== 0) {
        const n = e.next[h.head & e.mask];
        h.count--;
        h.head = n;
        if (n === NONE) h.tail = NONE;
      }
    }
    while (this.qHead < this.nextId && (e.bits[this.qHead & e.mask] & GONE) !== 0) {
      // (the slot is free for a number to come: its host and name go with it)
      const q = this.qHead & e.mask;
      e.host[q] = null; e.name[q] = null;
      this.qHead++;
    }
  }

  /** The exchanges the hosts' lists hold (not let go): what this follows (tests). */
  get held(): number {
    let n = 0;
    for (const h of this.hosts.values()) n += h.count;
    return n;
  }

  private break(): void {
    this.broken = true;
    this.hosts.clear(); this.ex = new Exchanges(FIRST_SLOTS); this.qHead = this.nextId = 0;
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
    if (!h || h.head === NONE || probe(c)) return; // (a probe is no candidate: builder.ts finish)
    const e = this.ex, to = pairTo(c);
    let names: string[] | null = null, established: boolean | null = null;
    let any = false;
    for (let x = first(e, h, pairFrom(c)); x !== NONE; x = e.next[x & e.mask]) {
      const s = x & e.mask;
      if (e.t[s] > to) break;
      const b = e.bits[s], kind = b >> KIND_SHIFT;
      if ((b & GONE) !== 0) continue;
      if (kind === SMB) {
        const sc = pairScore(e.t[s], c, e.name[s], (names ??= namesOf(c)));
        if (sc !== null) { add(e, s, sc, c.order); any = true; }
      } else if (kind === TGT) {
        // (one that failed serves no connection that set up a session: a witness only if it did not, or the reply said it did not fail)
        if (((b & REPLIED) !== 0 && (b & FAILED) === 0) || !(established ??= !!establishedAttempt(c))) { add(e, s, pairScore(e.t[s], c, null, NO_NAMES)!, c.order); any = true; }
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
    const e = this.ex, to = pairTo(c);
    let names: string[] | null = null, established: boolean | null = null;
    for (let x = first(e, h, from); x !== NONE; x = e.next[x & e.mask]) {
      const s = x & e.mask;
      if (e.t[s] > to) break;
      const b = e.bits[s], kind = b >> KIND_SHIFT;
      if (kind === OTHER) continue;
      if (kind === UNKNOWN) return Reach.Later;
      if (kind === SMB) {
        const sc = pairScore(e.t[s], c, e.name[s], (names ??= namesOf(c)));
        if (sc !== null && !closer(e, s, sc, c.order)) return Reach.Later;
      } else {
        if ((b & REPLIED) !== 0 && (b & FAILED) !== 0 && (established ??= !!establishedAttempt(c))) continue;
        if (pairedNext(e, h, e.t[s])) continue;
        if (!closer(e, s, pairScore(e.t[s], c, null, NO_NAMES)!, c.order)) return Reach.Later;
      }
    }
    return Reach.Out;
  }

  /** `w` (its connection closed, Later) waits to be asked again; returns one that waited longest when its host has too many (kept to the end). */
  wait(w: Waiting): Waiting | null {
    const h = this.hosts.get(w[0].clientIp)!;
    // (a list made for one, as most hosts have: one grown by a push holds room for 16 more)
    if (h.waiting === NO_WAITING) h.waiting = [w];
    else h.waiting.push(w);
    return h.waiting.length > HOST_WAITING ? h.waiting.shift()! : null;
  }

  /** The waiting connections whose host's exchanges changed since (taken off: `wait` again those still Later), or null. */
  due(): Waiting[] | null {
    if (this.news.length === 0) return null;
    const out: Waiting[] = [];
    for (const h of this.news) { h.news = false; for (const w of h.waiting) out.push(w); h.waiting = NO_WAITING; }
    this.news = [];
    return out;
  }
}

const NO_NAMES: string[] = [];

/** A connection waiting, and what the fold knows of it already (model/fold.ts: foldable). */
export type Waiting = [ConnModel, boolean];

/** The number of the first exchange of `h` at `t` or later (NONE: none). */
function first(e: Exchanges, h: Host, t: number): number {
  let x = h.head;
  while (x !== NONE && e.t[x & e.mask] < t) x = e.next[x & e.mask];
  return x;
}

/** A witness of score `sc` (ConnModel.order `o`) for the exchange in slot `s`: kept when the closest (bestConnection's order: lower score, then earlier connection). */
function add(e: Exchanges, s: number, sc: number, o: number): void {
  if (sc < e.best[s] || (sc === e.best[s] && o < e.bestOrder[s])) { e.best[s] = sc; e.bestOrder[s] = o; }
}

/**
 * A witness comes before a candidate of score `sc` (ConnModel.order `o`) for the exchange in slot
 * `s`: the pairing does not take the candidate. (The candidate a witness itself, it is no closer
 * than itself: one witness is enough.)
 */
function closer(e: Exchanges, s: number, sc: number, o: number): boolean {
  return e.bestOrder[s] !== NONE && (e.best[s] < sc || (e.best[s] === sc && e.bestOrder[s] < o));
}

/**
 * An SMB-service exchange of `h` that surely pairs (it has a witness) at time `t` or up to
 * KRB_PAIR_WINDOW_MS after: a ticket-granting exchange at `t` then goes to the connection of the
 * first such (pairKerberos `next`), one that an SMB-service exchange chose.
 */
function pairedNext(e: Exchanges, h: Host, t: number): boolean {
  for (let x = first(e, h, t); x !== NONE; x = e.next[x & e.mask]) {
    const s = x & e.mask;
    if (e.t[s] - t >= KRB_PAIR_WINDOW_MS) break;
    const b = e.bits[s];
    if ((b & GONE) === 0 && b >> KIND_SHIFT === SMB && e.bestOrder[s] !== NONE) return true;
  }
  return false;
}
