// The connections with findings folded as they closed (model/foldDiagnosed.ts), in typed columns:
// their findings' heads and what the verdict and the servers' summary read of their records. As
// objects (a Finding per head, with its frames' array and its connection's id string; a lite
// record per connection, with its client's and its id's strings) they were ~250 bytes a
// connection in the heap (the bench's dense capture: 41,000 heads and 32,000 records, ~8 MB),
// ~300 MB for 1,000,000 failing connections. Here they are ~35 bytes a connection outside it.
//
// Per connection: its Report order, its kind (an index into `kinds`: outcome, failed phase,
// status, finding ids and whether a share connected, the few distinct tuples a busy capture has)
// and where its heads end. Per head: its kind (finding id and severity, interned) and where its
// frames end in `frames`. No text per connection: its id, client and server are its row's in
// FoldedRows (the row pushed with it, found by its order once both are in Report order: link),
// the same texts (foldedRows.ts rebuilds an address as ipText wrote it; an endpoint is
// names.ts endpoint of address and port, as builder.ts made the model's).
//
// The readers take them from here at the end without an object each where they only count or
// group (reportBuilder.ts groupFindings, the fallbacks' ids; verdict.ts; serverList.ts): an object
// is made one at a time where one is read (`head`, `record`) and let go.
import type { Connection, Finding } from "../report";
import type { FoldedRows } from "./foldedRows";
import { FOLDED_INDEX } from "../verdict";
import { sortedIndex } from "../sortedIndex";
import { SEVERITY_RANK } from "../diagnose/context";
import { u32Column } from "./column";

/** What the verdict and the servers' summary read of a record, but its texts (its row's). */
interface RecordKind {
  outcome: Connection["outcome"]; failedPhase: Connection["failedPhase"]; status: Connection["status"];
  findings: string[]; shares: Connection["shares"];
  /** one of its heads is an error (the fallbacks ask for its id: precedence.ts explainedByError) */
  error: boolean;
}
interface HeadKind { id: string; severity: Finding["severity"]; rank: number }

/** A record as the verdict (verdict.ts) and the servers (serverList.ts addRecord) read it: its texts made from its row when read. */
class LiteRecord {
  private client_: string | null = null;
  private id_: string | null = null;
  readonly outcome: Connection["outcome"];
  readonly failedPhase: Connection["failedPhase"];
  readonly status: Connection["status"];
  readonly findings: string[];
  readonly shares: Connection["shares"];
  /** its index among the connections folded with findings (fold order: ErrorCauses knows it by that) */
  readonly [FOLDED_INDEX]: number;
  constructor(private readonly rows: FoldedRows, private readonly j: number, k: RecordKind, i: number) {
    this[FOLDED_INDEX] = i;
    this.outcome = k.outcome; this.failedPhase = k.failedPhase; this.status = k.status; this.findings = k.findings; this.shares = k.shares;
  }
  get client(): string { return (this.client_ ??= this.rows.client(this.j)); }
  get server(): string { return this.rows.server(this.j); }
  get id(): string { return (this.id_ ??= `${this.client}-${this.server}`); }
}

export class FoldedFindings {
  // ---- per connection, in fold order ----
  private readonly orders = u32Column();
  private readonly kindOf = u32Column();
  private readonly headEnd = u32Column();
  // ---- per head, in fold order (a connection's in its alone diagnosis's order) ----
  private readonly headKind = u32Column();
  private readonly frameEnd = u32Column();
  private readonly frames = u32Column();
  /** the frames of a head that are not all 32-bit counts (never from the decoder), by head */
  private readonly oddFrames = new Map<number, number[]>();
  private readonly kinds: RecordKind[] = [];
  private readonly kindIds = new Map<string, number>();
  private readonly headKinds: HeadKind[] = [];
  /** per severity (SEVERITY_RANK), the head kinds by finding id */
  private readonly headKindIds: [Map<string, number>, Map<string, number>, Map<string, number>] = [new Map(), new Map(), new Map()];
  /** the kind of the last record pushed (records of a kind come in runs) */
  private lastKind = -1;
  // ---- made by link, at the end ----
  /** the connections in Report order (indices in fold order) */
  private byOrder: Uint32Array | null = null;
  /** per connection (fold order), its row's index in the rows sorted into Report order */
  private rowOf: Uint32Array | null = null;
  private rows: FoldedRows | null = null;

  get count(): number { return this.orders.length; }
  get headCount(): number { return this.headKind.length; }

  /**
   * A connection folded with its record `r` and its heads (each naming `r`'s connection, none
   * with a list of connections: foldDiagnosed.ts aloneSafe), as the record's row was pushed.
   */
  push(order: number, r: Connection, heads: readonly Finding[]): void {
    let error = false;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i], rank = SEVERITY_RANK[h.severity];
      // (by severity, then id: no key text made per head)
      const ids = this.headKindIds[rank];
      let k = ids.get(h.id);
      if (k === undefined) {
        k = this.headKinds.push({ id: h.id, severity: h.severity, rank }) - 1;
        ids.set(h.id, k);
      }
      if (rank === 0) error = true;
      const at = this.headKind.length;
      this.headKind.push(k);
      let odd = false;
      const frames = h.frames;
      for (let j = 0; j < frames.length; j++) { const f = frames[j]; if ((f >>> 0) === f) this.frames.push(f); else odd = true; }
      if (odd) this.oddFrames.set(at, h.frames.slice());
      this.frameEnd.push(this.frames.length);
    }
    const k = this.kindIndex(r, error);
    this.orders.push(order);
    this.kindOf.push(k);
    this.headEnd.push(this.headKind.length);
  }

  /**
   * The index in `kinds` of the record's kind (made if new). Found by comparing with the kinds
   * seen so far, the last one first: a key text made for each connection (its finding ids joined)
   * was most of what this file allocated (dense: 21 of 173 MiB the fold's diagnosis allocated,
   * sampled). Its values are strings the code or the decoder shares (statuses are statusLabel's,
   * finding ids the modules'), but compared as strings all the same. A busy capture has a few
   * hundred kinds at most; past KIND_SCAN of them, the rest are found by their key text.
   */
  private kindIndex(r: Connection, error: boolean): number {
    const shares = r.shares.length ? SOME_SHARE : NO_SHARE;
    const ks = this.kinds, n = ks.length;
    const last = this.lastKind;
    if (last >= 0 && sameKind(ks[last], r, shares, error)) return last;
    if (n <= KIND_SCAN) {
      for (let k = n - 1; k >= 0; k--) if (k !== last && sameKind(ks[k], r, shares, error)) return (this.lastKind = k);
      if (n < KIND_SCAN) return (this.lastKind = this.kinds.push({ outcome: r.outcome, failedPhase: r.failedPhase, status: r.status, findings: r.findings, shares, error }) - 1);
      // (the KIND_SCAN-th kind: the first ones go into the Map of key texts too)
      for (let k = 0; k < n; k++) this.kindIds.set(kindKey(ks[k], ks[k].shares, ks[k].error), k);
    }
    const key = kindKey(r, shares, error);
    let k = this.kindIds.get(key);
    if (k === undefined) {
      k = this.kinds.push({ outcome: r.outcome, failedPhase: r.failedPhase, status: r.status, findings: r.findings, shares, error }) - 1;
      this.kindIds.set(key, k);
    }
    return (this.lastKind = k);
  }

  /** Ties each connection to its row in `rows` (sorted into Report order: FoldedRows.sort), for the readers below. */
  link(rows: FoldedRows): this {
    const n = this.count, orders = new Uint32Array(n);
    for (let i = 0; i < n; i++) orders[i] = this.orders.get(i);
    const by = (this.byOrder = sortedIndex(orders, n)), rowOf = (this.rowOf = new Uint32Array(n));
    for (let j = 0, p = 0; p < n && j < rows.length; j++) if (rows.order(j) === orders[by[p]]) rowOf[by[p++]] = j;
    this.rows = rows;
    return this;
  }

  // ---- the connections, by index in Report order (once linked) ----
  /** the p-th connection's Report order */
  order(p: number): number { return this.orders.get(this.byOrder![p]); }
  /** its index in the rows (sorted) */
  row(p: number): number { return this.rowOf![this.byOrder![p]]; }
  /** its outcome */
  outcome(p: number): Connection["outcome"] { return this.kinds[this.kindOf.get(this.byOrder![p])].outcome; }
  /** one of its findings is an error */
  hasError(p: number): boolean { return this.kinds[this.kindOf.get(this.byOrder![p])].error; }
  /** its record as the verdict and the servers read it (made now) */
  record(p: number): Connection {
    const i = this.byOrder![p];
    return new LiteRecord(this.rows!, this.rowOf![i], this.kinds[this.kindOf.get(i)], i) as unknown as Connection;
  }
  /** its connection's id */
  id(p: number): string { return this.rows!.id(this.row(p)); }

  // ---- the heads ----
  /**
   * The heads in Report order (severity, then first frame; in fold order among equals, as a
   * stable sort of them in fold order gives: diagnose/order.ts), as indices in fold order.
   */
  headsInOrder(): Uint32Array {
    const n = this.headCount;
    let maxFrame = 0, sorted = true, last = -1;
    const key = (h: number) => this.rank(h) * (maxFrame + 1) + this.firstFrame(h);
    for (let h = 0; h < n; h++) {
      const fr = this.firstFrame(h);
      if (!(fr >= 0 && Number.isSafeInteger(fr))) return this.byComparator();
      if (fr > maxFrame) maxFrame = fr;
    }
    for (let h = 0; h < n && sorted; h++) { const k = key(h); if (k < last) sorted = false; last = k; }
    const idx = new Uint32Array(n);
    if (sorted) { for (let h = 0; h < n; h++) idx[h] = h; return idx; }
    if (3 * (maxFrame + 1) * n >= Number.MAX_SAFE_INTEGER) return this.byComparator();
    const keys = new Float64Array(n);
    for (let h = 0; h < n; h++) keys[h] = key(h) * n + h;
    keys.sort();
    for (let j = 0; j < n; j++) idx[j] = keys[j] % n;
    return idx;
  }
  private byComparator(): Uint32Array {
    const all = Array.from({ length: this.headCount }, (_, h) => h);
    all.sort((a, b) => this.rank(a) - this.rank(b) || this.firstFrame(a) - this.firstFrame(b));
    return Uint32Array.from(all);
  }

  /** per head (fold order), its connection (fold order) */
  headConnections(): Uint32Array {
    const out = new Uint32Array(this.headCount);
    for (let i = 0, h = 0; i < this.count; i++) for (const end = this.headEnd.get(i); h < end; h++) out[h] = i;
    return out;
  }
  /** a connection's (fold order) id */
  idOf(i: number): string { return this.rows!.id(this.rowOf![i]); }

  /** per severity (SEVERITY_RANK) and finding id, how many heads have it (the Report groups by both) */
  idCounts(): [Map<string, number>, Map<string, number>, Map<string, number>] {
    const per = new Uint32Array(this.headKinds.length);
    for (let h = 0; h < this.headCount; h++) per[this.headKind.get(h)]++;
    const out: [Map<string, number>, Map<string, number>, Map<string, number>] = [new Map(), new Map(), new Map()];
    // (a kind is one id and severity: one entry each)
    for (let k = 0; k < per.length; k++) out[this.headKinds[k].rank].set(this.headKinds[k].id, per[k]);
    return out;
  }

  headId(h: number): string { return this.headKinds[this.headKind.get(h)].id; }
  rank(h: number): number { return this.headKinds[this.headKind.get(h)].rank; }
  /** its first frame, or 0 (diagnose/order.ts) */
  firstFrame(h: number): number {
    const odd = this.oddFrames.get(h);
    if (odd) return odd[0] ?? 0;
    const start = h ? this.frameEnd.get(h - 1) : 0;
    return start < this.frameEnd.get(h) ? this.frames.get(start) : 0;
  }
  /** its first `max` frames */
  headFrames(h: number, max = Infinity): number[] {
    const odd = this.oddFrames.get(h);
    if (odd) return odd.slice(0, max);
    const start = h ? this.frameEnd.get(h - 1) : 0, end = Math.min(this.frameEnd.get(h), start + max);
    const out: number[] = [];
    for (let i = start; i < end; i++) out.push(this.frames.get(i));
    return out;
  }
  /** The head `h` as the Finding the alone diagnosis made (context.ts bare), its connection's id `connection`. */
  head(h: number, connection: string): Finding {
    const k = this.headKinds[this.headKind.get(h)];
    return { id: k.id, severity: k.severity, title: "", explanation: "", remediation: NO_REMEDIATION, connection, frames: this.headFrames(h) };
  }
}

const NO_SHARE = Object.freeze([]) as unknown as Connection["shares"];
const SOME_SHARE = Object.freeze([Object.freeze({})]) as unknown as Connection["shares"];
const NO_REMEDIATION = Object.freeze([]) as unknown as Finding["remediation"];

/** Kinds compared one by one before they are found by key text (FoldedFindings kindIndex). */
const KIND_SCAN = 64;

/** `k` is the kind of record `r` (whose shares are `shares`, one of its heads an error if `error`). */
function sameKind(k: RecordKind, r: Connection, shares: Connection["shares"], error: boolean): boolean {
  if (k.outcome !== r.outcome || k.failedPhase !== r.failedPhase || k.status !== r.status || k.shares !== shares || k.error !== error) return false;
  const a = k.findings, b = r.findings;
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A kind's key text (past KIND_SCAN kinds). */
const kindKey = (r: Pick<RecordKind, "outcome" | "failedPhase" | "status" | "findings">, shares: Connection["shares"], error: boolean) =>
  `${r.outcome} ${r.failedPhase} ${r.status} ${shares.length} ${error} ${r.findings.join(" ")}`;
