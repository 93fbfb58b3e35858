// A Report held where it was made (the analyzer worker), and the questions the page asks of it:
// a digest to draw the verdict and the finding groups, and the rows it shows — a window of the
// connection table sorted and filtered here, a page of Kerberos messages or servers, a group's
// occurrences, one connection's detail. A Report of 100,000 connections is ~200 MB of objects: the
// page's thread never holds it (its structured clone alone blocks the page for seconds), only the
// few dozen rows on screen. Pure (no worker API): unit-tested in Node.
import type { Connection, Finding, KerberosRecord, Report, Severity } from "../core/report";
import { groupFindings, type FindingGroup } from "../core/findingGroups";
import { decryptSummary, type DecryptSummary } from "../ui/decryptSummary";
import type { MarkdownSource } from "../ui/markdown";
import {
  authText, compareEndpointKeys, connectionsShown, endpointKey, kerberosPrincipals, shownConnection, failedText, findingCounts, isUnusable, kerberosMark, noFindingsText, noSmbText,
  reportTone, sharesText, DEFAULT_SORT, type OutcomeFilter, type SortKey, type SortState, type Tone,
} from "../ui/model";

/** Bumped when the digest's shape changes: a stored digest of another version is made again from its Report. */
export const DIGEST_VERSION = 3; // 2: decrypt; 3: groups count folded findings as what they stand for, listed

/** The connection of a finding, as a finding card names it. */
export interface ConnectionBrief { id: string; stream: number; client: string; server: string }

export interface GroupView extends Omit<FindingGroup, "occurrences"> {
  /** the group's first finding, shown whole (title, explanation, what to do, evidence) */
  first: Finding;
  firstConnection: ConnectionBrief | null;
  /** entries in the group's list of occurrences (occurrences): its findings, a folded one's listed connections one each */
  listed: number;
}

/** What the page draws before it asks for any row: small whatever the capture. */
export interface ReportDigest {
  digestVersion: number;
  /** the Report without its long lists (connections, findings, kerberos, servers, quic are empty here:
   *  the dense bench capture's QUIC attempts alone made 300 KB of a digest the page and history keep) */
  head: Report;
  connections: number;
  /** connections whose outcome is not "ok" */
  problems: number;
  kerberos: number;
  servers: number;
  /** whether the servers table is shown (several servers, or one with failures) */
  serversTable: boolean;
  findings: number;
  counts: Record<Severity, number>;
  findingIds: string[];
  tone: Tone;
  unusable: boolean;
  noFindingsText: string;
  noSmb: ReturnType<typeof noSmbText>;
  groups: GroupView[];
  /** the connection whose ladder shows first (the first failure, else the first), whole, and the findings about it */
  firstConnection: Connection | null;
  firstFindings: Finding[];
  /** what the Decrypt panel shows */
  decrypt: DecryptSummary;
}

export interface RowQuery {
  offset: number;
  count: number;
  sort: SortState;
  /** the filter box's text: every word must appear in a visible column */
  text: string;
  outcome: OutcomeFilter;
}

export interface RowsResult<T> { rows: T[]; total: number; offset: number }

/** A table row: a Connection without its ladder and phases (the ladder asks for those: connection()). */
export type ConnectionRow = Omit<Connection, "ladder" | "phases"> & { phases?: Connection["phases"] };

export interface KerberosRow extends KerberosRecord { mark: ReturnType<typeof kerberosMark> }

export type ServerRow = NonNullable<Report["servers"]>[number];

/**
 * One entry of a group's list of occurrences: a finding and its connection, or (`folded`) one of
 * the connections a folded finding lists (past FINDINGS_PER_ID of its id and severity: its title,
 * frames and filter are the group's, not this connection's)
 */
export interface Occurrence { finding: Finding; connection: ConnectionBrief | null; folded?: true }

/** Everything the printed report needs beyond the digest (see printRows). */
export interface PrintRows {
  connections: RowsResult<ConnectionRow>;
  /** the table was too long to print whole: only its connections with a problem are in `connections` */
  onlyProblems: boolean;
  kerberos: RowsResult<KerberosRow>;
  servers: RowsResult<ServerRow>;
  /** every group's occurrences (groups of more than one) */
  occurrences: Record<string, Occurrence[]>;
  /** the error findings of each printed connection that did not set up (its ladder marks what they cite) */
  errorsOf: Record<string, Finding[]>;
}

/**
 * The first rows of each list in their default order, kept with a saved report: a report reopened
 * from history shows them while the worker reads the stored form (seconds for 100,000 connections).
 */
export interface ReportPreview {
  query: Omit<RowQuery, "offset" | "count">;
  connections: RowsResult<ConnectionRow>;
  kerberos: RowsResult<KerberosRow>;
  servers: RowsResult<ServerRow>;
}

export const PREVIEW_ROWS = 120;

/** Lists longer than this print only their rows with a problem (failing connections, Kerberos errors, servers with failures). */
export const PRINT_ALL_ROWS = 5000;

const OUTCOME_RANK: Record<string, number> = { failed: 0, "no-response": 1, incomplete: 2, ok: 3 };
const collator = new Intl.Collator(undefined);

/** The report's finding ids, each once, in report order (without an array of every finding's id). */
function findingIds(findings: readonly Finding[]): string[] {
  const ids = new Set<string>();
  for (const f of findings) ids.add(f.id);
  return [...ids];
}

/** A folded finding (past FINDINGS_PER_ID of its id and severity) with the connections it lists: an occurrence each. */
const listsFolded = (f: Finding) => f.count !== undefined && (f.connections?.length ?? 0) > 0;

function brief(c: Connection | undefined): ConnectionBrief | null {
  return c ? { id: c.id, stream: c.stream, client: c.client, server: c.server } : null;
}

function rowOf(c: Connection, detail: boolean): ConnectionRow {
  if (detail) return c;
  const { ladder: _l, phases: _p, ...row } = c;
  return row;
}

/**
 * A Report's connections kept in columns, not as objects (the analysis's records,
 * worker/connectionColumns.ts; history's stored form, history/storedForm.ts storedTable): the
 * index reads them from there, in the order the Report has them.
 */
export interface StoredTable {
  readonly length: number;
  /** the connections at these places in Report order, as shown: whole with `detail`, else table rows (without ladder and phases) */
  rows(at: ArrayLike<number>, detail: boolean): ConnectionRow[];
  /** every record as the Report has it, in Report order (the exports) */
  inOrder(): Iterable<Connection>;
  /** one field of every record in Report order, as shown (a Kerberos connection's user: see connectionsShown) */
  column(key: keyof Connection): unknown[];
}

/** The indexes of `num` in ascending order of their values, ties in index order. */
function byNumber(num: Float64Array): ArrayLike<number> {
  // without a comparator where the values are distinct (a sort of numbers: 100,000 endpoints in
  // ms), each index put where a binary search finds its value
  const n = num.length;
  const sorted = Float64Array.from(num).sort();
  for (let i = 1; i < n; i++) if (sorted[i] === sorted[i - 1]) return Array.from(num.keys()).sort((a, b) => num[a] - num[b]);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[lowerBound(sorted, n, num[i])] = i;
  return out;
}

/** The first index below `n` of the ascending `sorted` whose value is not less than `v` (n - 1 at most). */
function lowerBound(sorted: Float64Array, n: number, v: number): number {
  let lo = 0, hi = n - 1;
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (sorted[mid] < v) lo = mid + 1; else hi = mid; }
  return lo;
}

/**
 * "a.b.c.d:port" as one number, (((a × 256 + b) × 256 + c) × 256 + d) × 65536 + port; -1 for
 * anything else: what /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/ matches with each
 * byte ≤ 255 and the port ≤ 65535, read without a regex (100,000 endpoints: 60 → 5 ms).
 */
export function ipv4Endpoint(s: string): number {
  const n = s.length;
  let i = 0, value = 0;
  for (let part = 0; part < 5; part++) {
    const most = part < 4 ? 3 : 5;
    let digits = 0, v = 0;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      if (++digits > most) return -1;
      v = v * 10 + (c - 48);
      i++;
    }
    if (digits === 0) return -1;
    if (part < 4) {
      if (v > 255 || s.charCodeAt(i) !== (part < 3 ? 46 : 58)) return -1;
      value = value * 256 + v;
      i++;
    } else {
      if (v > 65535) return -1;
      value = value * 65536 + v;
    }
  }
  return i === n ? value : -1;
}

export class ReportIndex {
  private shownList: Connection[] | null = null;
  private byId: Map<string, number> | null = null;
  private groupList: FindingGroup[] | null = null;
  /** per sort key, the rows in ascending order (descending is its reverse: ties break on frame, both ways) */
  private orders = new Map<SortKey, Uint32Array>();
  private hay: string[] | null = null;
  private lastFilter: { key: string; keep: Uint8Array | null } | null = null;
  private lastView: { key: string; rows: Uint32Array } | null = null;
  private citing: Map<number, Finding[]> | null = null;
  private digestCache: ReportDigest | null = null;

  /**
   * `table`: the connections are read from there (`whole.connections` is empty). `partial`: until
   * complete() gives the rest of the Report, `whole` is only its head: ask nothing but rows
   * without detail of this index before.
   */
  constructor(private whole: Report, private readonly table: StoredTable | null = null, private partial = false) {}

  /** The Report (without its connections where they are in a table: see connectionsInOrder). */
  get report(): Report { return this.whole; }

  /** The rest of the Report, for an index made partial (its connections stay in the table). */
  complete(report: Report): void {
    this.whole = report;
    this.partial = false;
    this.groupList = this.digestCache = null;
    this.citing = null;
  }

  /** How many connections the Report has. */
  get count(): number { return this.table ? this.table.length : this.whole.connections.length; }

  /** Every connection record as the Report has it, in Report order. */
  connectionsInOrder(): Iterable<Connection> { return this.table ? this.table.inOrder() : this.whole.connections; }

  /** The Report with its connections as objects (a copy of them made for it: tests compare it whole). */
  withConnections(): Report { return this.table ? { ...this.whole, connections: [...this.table.inOrder()] } : this.whole; }

  /**
   * Reads the columns sorting needs most (a reopened report does it before the user sorts), one a
   * macrotask: a sort asked for meanwhile is answered between them, reading only the columns it
   * needs (the default order's first, the ids, read by no sort, last).
   */
  async prepare(): Promise<void> {
    for (const k of ["outcome", "firstFrame", "client", "server", "id"] as const) {
      this.column(k);
      await new Promise((r) => setTimeout(r, 0));
    }
  }

  /** (made when first needed: a report reopened from history has its digest already, and its table is asked for first) */
  private get groups(): FindingGroup[] { return (this.groupList ??= groupFindings(this.report.findings, this.report.headline)); }

  /** The connections as the table shows them (made when rows are first asked for: the digest does not wait for it). */
  get shown(): Connection[] { return (this.shownList ??= connectionsShown(this.report)); }

  /** Connection i (Report order) whole, as shown. */
  private connectionAt(i: number): Connection {
    return this.table ? (this.table.rows([i], true)[0] as Connection) : this.shown[i];
  }

  connectionById(id: string): Connection | undefined {
    if (!this.byId) { const ids = this.column("id") as ArrayLike<string>; this.byId = new Map(); for (let i = 0; i < ids.length; i++) this.byId.set(ids[i], i); }
    const i = this.byId.get(id);
    return i === undefined ? undefined : this.connectionAt(i);
  }

  digest(): ReportDigest {
    if (this.digestCache) return this.digestCache;
    if (this.partial) throw new Error("the digest of a report not decoded whole yet");
    const r = this.report;
    // (a few columns of the connections, not their table fields: the verdict waits for this)
    const n = this.count;
    const outcome = this.column("outcome") as Connection["outcome"][], frame = this.column("firstFrame") as number[], ids = this.column("id") as string[];
    let problems = 0;
    let first = -1;
    for (let i = 0; i < n; i++) {
      if (outcome[i] !== "ok") problems++;
      // the default ladder: the first connection in the table's default order (failures first, then frame)
      const rank = OUTCOME_RANK[outcome[i]] ?? 9, best = first < 0 ? 10 : OUTCOME_RANK[outcome[first]] ?? 9;
      if (first < 0 || rank < best || (rank === best && frame[i] < frame[first])) first = i;
    }
    const firstId = first < 0 ? null : ids[first];
    // the few connections the digest names, found in one pass (not a map of every connection)
    const named = new Set<string>(firstId !== null ? [firstId] : []);
    for (const g of this.groups) { const c = r.findings[g.occurrences[0]].connection; if (c) named.add(c); }
    const found = new Map<string, Connection>();
    // (as shown: from the table, or with the principals of these few only, not every connection's)
    const principal = this.table ? null : kerberosPrincipals(r, named);
    for (let i = 0; i < n; i++) if (named.has(ids[i])) found.set(ids[i], principal ? shownConnection(r.connections[i], principal) : this.connectionAt(i));
    const shownOne = (id: string | null) => (id ? found.get(id) : undefined);
    const firstFindings = firstId !== null ? r.findings.filter((f) => f.connection === firstId || f.connections?.includes(firstId)) : [];
    // (what the digest's summaries read of the connections, for those kept in columns: their
    // outcome, auth, failed phase, findings and decryption, and how many there are)
    let rc = r;
    if (this.table) {
      const [auth, failedPhase, findings, decryption] = (["auth", "failedPhase", "findings", "decryption"] as const).map((k) => this.column(k));
      const light = new Array<Connection>(n);
      for (let i = 0; i < n; i++) light[i] = { outcome: outcome[i], auth: auth[i], failedPhase: failedPhase[i], findings: findings[i], decryption: decryption[i] } as Connection;
      rc = { ...r, connections: light };
    }
    const counts = findingCounts(rc);
    const tone = reportTone(rc);
    const servers = r.servers ?? [];
    const head: Report = { ...r, connections: [], findings: [], kerberos: [], servers: [], ...(r.quic ? { quic: [] } : {}) };
    this.digestCache = {
      digestVersion: DIGEST_VERSION,
      head,
      connections: n,
      problems,
      kerberos: r.kerberos.length,
      servers: servers.length,
      serversTable: servers.length > 1 || servers.some((s) => s.failed.length > 0),
      findings: r.findings.length,
      counts,
      findingIds: findingIds(r.findings),
      tone,
      unusable: isUnusable(rc),
      noFindingsText: noFindingsText(rc, tone),
      noSmb: noSmbText(rc),
      groups: this.groups.map(({ occurrences, ...g }) => {
        const f = r.findings[occurrences[0]];
        return { ...g, first: f, firstConnection: brief(shownOne(f.connection)), listed: this.entries(occurrences) };
      }),
      firstConnection: firstId !== null ? shownOne(firstId)! : null,
      firstFindings,
      decrypt: decryptSummary(rc),
    };
    return this.digestCache;
  }

  // ---- the connection table ----

  private columns = new Map<keyof Connection, ArrayLike<unknown>>();
  /**
   * One field of every connection in Report order, as shown (the user: see connectionsShown):
   * sorting and filtering read these, never a list of every connection's table fields (from
   * columns, 100,000 objects of them held ~200 bytes a connection). `keep`: cached.
   */
  private column(key: keyof Connection, keep = true): ArrayLike<unknown> {
    let c = this.columns.get(key);
    if (!c) {
      c = this.table ? this.table.column(key) : key === "user" ? this.shown.map((x) => x.user) : this.whole.connections.map((x) => x[key]);
      if (keep) this.columns.set(key, c);
    }
    return c;
  }

  /** The text a column of the table sorts and filters on, of connection i. */
  private textOf(key: Exclude<SortKey, "outcome" | "first">): (i: number) => string {
    const col = <T>(k: keyof Connection, keep = true) => this.column(k, keep) as ArrayLike<T>;
    switch (key) {
      case "client": { const a = col<string>("client"); return (i) => a[i]; }
      case "server": { const a = col<string>("server"); return (i) => a[i]; }
      case "dialect": { const a = col<string | null>("dialect"); return (i) => a[i] ?? ""; }
      case "auth": { const a = col<Connection["auth"]>("auth"), u = col<string | null>("user"); return (i) => authText({ auth: a[i], user: u[i] }); }
      // (each connection's shares are objects: read for this and let go)
      case "shares": { const a = col<Connection["shares"]>("shares", false); return (i) => sharesText({ shares: a[i] } as Connection); }
      default: {
        const p = col<Connection["failedPhase"]>("failedPhase"), st = col<string | null>("status"), o = col<Connection["outcome"]>("outcome");
        return (i) => failedText({ failedPhase: p[i], status: st[i], outcome: o[i] } as Connection);
      }
    }
  }

  private order(key: SortKey): Uint32Array {
    let o = this.orders.get(key);
    if (o) return o;
    const n = this.count;
    const frames = this.column("firstFrame") as ArrayLike<number>;
    const frame = new Float64Array(n);
    for (let i = 0; i < n; i++) frame[i] = frames[i];
    // every key as a number: an outcome's rank, a frame, or a string's rank among the column's distinct values
    // (the default order, by outcome, and by frame, need no table fields: the first rows wait for nothing else)
    const rank = new Float64Array(n);
    if (key === "outcome") { const out = this.column("outcome") as ArrayLike<string>; for (let i = 0; i < n; i++) rank[i] = OUTCOME_RANK[out[i]] ?? 9; }
    else if (key === "first") rank.set(frame);
    else if ((key === "client" || key === "server") && this.endpointRanks(key, rank)) { /* IPv4 endpoints, ranked by number */ }
    else {
      const text = this.textOf(key);
      // each row's value as an index among the column's distinct values (in order of appearance)
      const first = new Map<string, number>();
      const distinct: string[] = [];
      const of = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        const v = text(i);
        let d = first.get(v);
        if (d === undefined) { d = distinct.length; first.set(v, d); distinct.push(v); }
        of[i] = d;
      }
      // the distinct values in order (ties: order of appearance, as a stable sort of them gives)
      let sorted: ArrayLike<number> | null = null;
      if (key === "client" || key === "server") {
        // IPv4 address and port, all of them: one number each orders them as compareEndpoints does
        const num = new Float64Array(distinct.length);
        let v4 = true;
        for (let i = 0; i < distinct.length && v4; i++) { const x = ipv4Endpoint(distinct[i]); if (x < 0) v4 = false; else num[i] = x; }
        if (v4) sorted = byNumber(num);
        else {
          const keys = distinct.map(endpointKey);
          sorted = Array.from(keys.keys()).sort((a, b) => compareEndpointKeys(keys[a], keys[b]));
        }
      } else sorted = Array.from(distinct.keys()).sort((a, b) => collator.compare(distinct[a], distinct[b]));
      const rankOf = new Uint32Array(distinct.length);
      for (let p = 0; p < sorted.length; p++) rankOf[sorted[p]] = p;
      for (let i = 0; i < n; i++) rank[i] = rankOf[of[i]];
    }
    const byFrame = this.byFrame(frame);
    if (byFrame && key === "first") o = byFrame;
    else if (byFrame) {
      // ranks are small integers: a counting sort of the rows in frame order keeps that order within a rank
      let max = 0;
      for (let i = 0; i < n; i++) if (rank[i] > max) max = rank[i];
      const start = new Uint32Array(max + 2);
      for (let i = 0; i < n; i++) start[rank[i] + 1]++;
      for (let r = 1; r < start.length; r++) start[r] += start[r - 1];
      o = new Uint32Array(n);
      for (let j = 0; j < n; j++) { const i = byFrame[j]; o[start[rank[i]]++] = i; }
    } else {
      o = new Uint32Array(n);
      for (let i = 0; i < n; i++) o[i] = i;
      o.sort((a, b) => rank[a] - rank[b] || frame[a] - frame[b]);
    }
    this.orders.set(key, o);
    return o;
  }

  /**
   * Each row's IPv4 "address:port" (client or server) as its rank among the distinct ones by
   * number, into `rank`; false (rank untouched) when one is not an IPv4 endpoint. Equal numbers,
   * equal rank (compareEndpoints finds them equal too: ties go by frame). Without a map of the
   * distinct strings: 100,000 endpoints parsed and ranked by a sort of numbers (the first sort of a
   * report reopened from history waits for this).
   */
  private endpointRanks(key: "client" | "server", rank: Float64Array): boolean {
    const col = this.column(key) as ArrayLike<string>;
    const n = col.length;
    const num = new Float64Array(n);
    for (let i = 0; i < n; i++) { const x = ipv4Endpoint(col[i]); if (x < 0) return false; num[i] = x; }
    const sorted = Float64Array.from(num).sort();
    let m = 0;
    for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[m - 1]) sorted[m++] = sorted[i];
    for (let i = 0; i < n; i++) rank[i] = lowerBound(sorted, m, num[i]);
    return true;
  }

  private frameOrder: Uint32Array | null | undefined;
  /**
   * The rows by first frame, ties in Report order (what the comparator sort gives), made once by a
   * sort of numbers without a comparator (frame × 2^21 + row): 100,000 rows in a few ms instead of
   * 100. null when a frame is not an integer below 2^32 or there are 2^21 rows or more.
   */
  private byFrame(frame: Float64Array): Uint32Array | null {
    if (this.frameOrder !== undefined) return this.frameOrder;
    const n = frame.length, SHIFT = 2 ** 21;
    this.frameOrder = null;
    if (n >= SHIFT) return null;
    const k = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const f = frame[i];
      if (!(Number.isInteger(f) && f >= 0 && f < 2 ** 32)) return null;
      k[i] = f * SHIFT + i;
    }
    k.sort();
    const o = new Uint32Array(n);
    for (let i = 0; i < n; i++) o[i] = k[i] % SHIFT;
    return (this.frameOrder = o);
  }

  /** Which rows pass the filter (null: all of them). */
  private keep(text: string, outcome: OutcomeFilter): Uint8Array | null {
    const words = text.toLowerCase().split(/\s+/).filter(Boolean);
    const key = `${outcome}\u0000${words.join(" ")}`;
    if (this.lastFilter?.key === key) return this.lastFilter.keep;
    let keep: Uint8Array | null = null;
    if (words.length || outcome !== "all") {
      const n = this.count;
      const out = this.column("outcome") as ArrayLike<string>;
      keep = new Uint8Array(n);
      if (words.length && !this.hay) {
        const [client, server, dialect, auth, failed] = (["client", "server", "dialect", "auth", "failed"] as const).map((k) => this.textOf(k));
        const shares = this.textOf("shares"), findings = this.column("findings") as ArrayLike<string[]>, stream = this.column("stream") as ArrayLike<number>;
        const hay = new Array<string>(n);
        for (let i = 0; i < n; i++) hay[i] = [client(i), server(i), dialect(i), auth(i), shares(i), out[i], failed(i), findings[i].join(" "), `stream ${stream[i]}`].join(" ").toLowerCase();
        this.hay = hay;
      }
      for (let i = 0; i < n; i++) {
        const o = out[i];
        if (outcome === "problems" && o === "ok") continue;
        if (outcome === "ok" && o !== "ok") continue;
        if (words.length) { const h = this.hay![i]; if (!words.every((w) => h.includes(w))) continue; }
        keep[i] = 1;
      }
    }
    this.lastFilter = { key, keep };
    return keep;
  }

  /** The table's rows in order (indexes into `shown`), sorted and filtered. */
  private view(sort: SortState, text: string, outcome: OutcomeFilter): Uint32Array {
    const keep = this.keep(text, outcome);
    const key = `${sort.key}\u0000${sort.dir}\u0000${this.lastFilter!.key}`;
    if (this.lastView?.key === key) return this.lastView.rows;
    const asc = this.order(sort.key);
    const n = asc.length;
    let rows: Uint32Array;
    if (!keep && sort.dir === 1) rows = asc;
    else {
      rows = new Uint32Array(n);
      let k = 0;
      for (let j = 0; j < n; j++) {
        const i = asc[sort.dir === 1 ? j : n - 1 - j];
        if (!keep || keep[i]) rows[k++] = i;
      }
      rows = rows.subarray(0, k);
    }
    this.lastView = { key, rows };
    return rows;
  }

  rows(q: RowQuery, detail = false): RowsResult<ConnectionRow> {
    const v = this.view(q.sort, q.text, q.outcome);
    const offset = Math.max(0, Math.min(q.offset, v.length));
    const end = Math.min(v.length, offset + Math.max(0, q.count));
    const rows: ConnectionRow[] = [];
    if (this.table) return { rows: this.table.rows(v.subarray(offset, end), detail), total: v.length, offset };
    for (let j = offset; j < end; j++) rows.push(rowOf(this.shown[v[j]], detail));
    return { rows, total: v.length, offset };
  }

  /** One connection whole (phases, ladder) and the findings about it, for its ladder. */
  connection(id: string): { connection: Connection; findings: Finding[] } | null {
    const c = this.connectionById(id);
    if (!c) return null;
    return { connection: c, findings: this.report.findings.filter((f) => f.connection === id || f.connections?.includes(id)) };
  }

  // ---- findings ----

  /** A group's occurrences, a window at a time: its findings in Report order, a folded one as an entry per connection it lists. */
  occurrences(key: string, offset: number, count: number): RowsResult<Occurrence> {
    const g = this.groups.find((x) => x.key === key);
    if (!g) return { rows: [], total: 0, offset: 0 };
    const total = this.entries(g.occurrences);
    const start = Math.max(0, Math.min(offset, total)), end = Math.min(total, start + Math.max(0, count));
    const rows: Occurrence[] = [];
    for (let k = 0, at = 0; k < g.occurrences.length && at < end; k++) {
      const finding = this.report.findings[g.occurrences[k]];
      if (!listsFolded(finding)) {
        if (at++ >= start) rows.push({ finding, connection: brief(finding.connection ? this.connectionById(finding.connection) : undefined) });
        continue;
      }
      const list = finding.connections ?? [];
      for (let j = Math.max(0, start - at); j < list.length && at + j < end; j++) rows.push({ finding, connection: brief(this.connectionById(list[j])), folded: true });
      at += list.length;
    }
    return { rows, total, offset: start };
  }

  /** How many entries the occurrences `occ` (indexes into findings) make: a folded finding's listed connections one each. */
  private entries(occ: readonly number[]): number {
    let n = 0;
    for (const i of occ) { const f = this.report.findings[i]; n += listsFolded(f) ? f.connections!.length : 1; }
    return n;
  }

  // ---- the Markdown export ----

  /**
   * What the Markdown export reads (ui/markdown.ts markdownParts), from this index: the table's
   * default order and the connections a slice at a time (from columns: never all as objects), the
   * connection a finding names from three columns (not a search of the list per finding: 83,000
   * findings × 100,000 connections), the Kerberos marks from the findings indexed by frame. Only
   * once the whole Report is here.
   */
  markdownSource(): MarkdownSource {
    const d = this.digest();
    const order = this.view(DEFAULT_SORT, "", "all");
    const outcome = this.column("outcome") as ArrayLike<string>;
    const table = this.table, whole = this.whole;
    const SLICE = 1024;
    function* inSlices<T>(at: Uint32Array, get: (at: Uint32Array) => Iterable<T>): Generator<T> {
      for (let j = 0; j < at.length; j += SLICE) yield* get(at.subarray(j, j + SLICE));
    }
    const failing = () => {
      const at = new Uint32Array(order.length);
      let k = 0;
      for (let j = 0; j < order.length; j++) if (outcome[order[j]] !== "ok") at[k++] = order[j];
      return at.subarray(0, k);
    };
    let ids: Map<string, number> | null = null;
    return {
      report: whole, tone: d.tone, noSmb: d.noSmb, noFindings: d.noFindingsText, connectionCount: this.count,
      connection: (id) => {
        if (!ids) { const col = this.column("id") as ArrayLike<string>; ids = new Map(); for (let i = 0; i < col.length; i++) if (!ids.has(col[i])) ids.set(col[i], i); }
        const i = ids.get(id);
        if (i === undefined) return undefined;
        const [stream, client, server] = (["stream", "client", "server"] as const).map((k) => this.column(k));
        return { stream: stream[i] as number, client: client[i] as string, server: server[i] as string };
      },
      tableRows: () => inSlices(order, (at) => (table ? table.rows(at, false) : Array.from(at, (i) => rowOf(this.shown[i], false)))),
      failing: () => inSlices(failing(), (at) => (table ? (table.rows(at, true) as Connection[]) : Array.from(at, (i) => whole.connections[i]))),
      mark: (k) => this.mark(k),
    };
  }

  // ---- the other long lists ----

  kerberosRows(offset: number, count: number, problemsOnly = false): RowsResult<KerberosRow> {
    const all = this.report.kerberos;
    const list = problemsOnly ? all.filter((k) => k.error && !k.expected) : all;
    const start = Math.max(0, Math.min(offset, list.length));
    const rows = list.slice(start, start + Math.max(0, count)).map((k) => ({ ...k, mark: this.mark(k) }));
    return { rows, total: list.length, offset: start };
  }

  /** kerberosMark, with the findings that cite each frame indexed once (91,000 messages × 600 findings otherwise). */
  private mark(k: KerberosRecord): ReturnType<typeof kerberosMark> {
    if (!k.error) return null;
    if (!this.citing) {
      this.citing = new Map();
      for (const f of this.report.findings) for (const fr of f.frames) {
        let l = this.citing.get(fr);
        if (!l) this.citing.set(fr, (l = []));
        l.push(f);
      }
    }
    return kerberosMark(k, this.citing.get(k.frame) ?? []);
  }

  serverRows(offset: number, count: number, problemsOnly = false): RowsResult<ServerRow> {
    const all = this.report.servers ?? [];
    const list = problemsOnly ? all.filter((s) => s.failed.length) : all;
    const start = Math.max(0, Math.min(offset, list.length));
    return { rows: list.slice(start, start + Math.max(0, count)), total: list.length, offset: start };
  }

  preview(): ReportPreview {
    const query = { sort: { key: "outcome" as const, dir: 1 as const }, text: "", outcome: "all" as const };
    return { query, connections: this.rows({ ...query, offset: 0, count: PREVIEW_ROWS }), kerberos: this.kerberosRows(0, 100), servers: this.serverRows(0, 50) };
  }

  /**
   * What goes on paper: every connection of a table up to PRINT_ALL_ROWS rows, else every one with
   * a problem; each whole (its ladder is printed when it failed). Kerberos and servers likewise.
   */
  printRows(q: Omit<RowQuery, "offset" | "count">): PrintRows {
    const all = this.view(q.sort, q.text, q.outcome).length;
    const onlyProblems = all > PRINT_ALL_ROWS;
    const connections = this.rows({ ...q, outcome: onlyProblems && q.outcome === "all" ? "problems" : q.outcome, offset: 0, count: Infinity }, true);
    const k = this.report.kerberos.length > PRINT_ALL_ROWS;
    const s = (this.report.servers?.length ?? 0) > PRINT_ALL_ROWS;
    const occurrences: PrintRows["occurrences"] = {};
    for (const g of this.groups) if (g.count > 1) occurrences[g.key] = this.occurrences(g.key, 0, Infinity).rows;
    const errorsOf: PrintRows["errorsOf"] = {};
    const failing = new Set(connections.rows.filter((c) => c.outcome !== "ok").map((c) => c.id));
    for (const f of this.report.findings) {
      if (f.severity !== "error") continue;
      for (const id of f.connection ? [f.connection] : f.connections ?? []) if (failing.has(id)) (errorsOf[id] ??= []).push(f);
    }
    return { connections, onlyProblems, kerberos: this.kerberosRows(0, Infinity, k), servers: this.serverRows(0, Infinity, s), occurrences, errorsOf };
  }
}
