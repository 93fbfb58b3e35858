// What every diagnosis rule gets: the model, each connection with its summary, the Kerberos
// exchanges, and a way to add findings.
import type { CaptureModel, ConnModel, FoldedReferral } from "../model/types";
import { FoldedRows, hostKey } from "../model/foldedRows";
import { u32Column } from "../model/column";
import { sortedIndex } from "../sortedIndex";
import type { Connection, Finding } from "../report";
import type { KrbExchange } from "../model/kerberos";
import { displayFilter } from "../filters";
import type { HangUp } from "./findings/hangup";

export interface ConnView {
  m: ConnModel;
  s: Omit<Connection, "findings">;
  findings: string[];
  /** what the rules look for on this connection (F bits), from one pass over its messages
   *  (findings/shared/facts.ts) before they run: each rule reads the connections whose bit it
   *  needs, instead of every connection's messages again (tens of passes over 50,000 models) */
  k?: number;
  /** findings/hangup.ts hangUpOf, made once (several ending rules ask) */
  hangUp?: HangUp | null;
}

/**
 * The facts of ConnView.k. A bit says the connection may concern a rule (the rule still decides);
 * without it, the rule has nothing to say about the connection.
 */
export const F = {
  /** it has SESSION_SETUP legs */
  SESSIONS: 1 << 0,
  /** it has TREE_CONNECTs */
  TREES: 1 << 1,
  /** a TREE_CONNECT answered with an error */
  TREE_ERROR: 1 << 2,
  /** a TREE_CONNECT answered with success */
  TREE_OK: 1 << 3,
  /** SMB3 encrypted messages (ConnModel.encrypted) */
  ENCRYPTED: 1 << 4,
  /** an NTLMv1 AUTHENTICATE answered (ntlmv1-refused.ts isNtlmV1Leg) */
  NTLMV1: 1 << 5,
  /** a KRB-ERROR in a SESSION_SETUP response blob (summarize.ts blobKerberosError) */
  BLOB_KRB_ERROR: 1 << 6,
  /** STATUS_USER_SESSION_DELETED on a leg, tree or later request (user-session-deleted.ts) */
  SESSION_DELETED: 1 << 7,
  /** STATUS_PATH_NOT_COVERED on a tree or later request (path-not-covered.ts) */
  PATH_NOT_COVERED: 1 << 8,
  /** a tree refused for a connection limit (tree-connection-limit.ts treeConnectionLimited) */
  TREE_LIMITED: 1 << 9,
  /** a failed NTLM logon answered in the rate limiter's window (auth-rate-limited.ts delayed) */
  RATE_LIMITED: 1 << 10,
  /** STATUS_NETWORK_SESSION_EXPIRED on a leg (summarize.ts sessionExpired) */
  SESSION_EXPIRED: 1 << 11,
  /** at least five legs (session-setup-loop.ts) */
  MANY_LEGS: 1 << 12,
  /** an attempt failed although another one succeeded (summarize.ts failedExtraAttempts) */
  EXTRA_ATTEMPTS: 1 << 13,
  /** a negative NetBIOS session response */
  NBSS_REFUSED: 1 << 14,
  /** its final NEGOTIATE response chose cipher 0 (no-common-cipher.ts) */
  NO_CIPHER: 1 << 15,
  /** lost segments (ConnModel.gaps) */
  GAPS: 1 << 16,
  /** a password was checked against a leg (decrypt stage: SessionLeg.passwordCheck) */
  PASSWORD_CHECK: 1 << 17,
  /** its outcome is "failed" (the ending rules: hangup.ts hangUpOf) */
  FAILED: 1 << 18,
  /** no SESSION_SETUP, no TREE_CONNECT and nothing encrypted (auth-not-attempted.ts) */
  NO_SESSION: 1 << 19,
  /** SMB1 (ConnModel.smb1) */
  SMB1: 1 << 20,
  /** started before the capture, lost segments, or its outcome is "incomplete" (capture-incomplete.ts) */
  INCOMPLETE: 1 << 21,
  /** DFS referral requests (ConnModel.beyond.referrals; path-not-covered.ts) */
  REFERRALS: 1 << 22,
} as const;

/** The connection has one of the facts in `bits` (F; diagnose() gathers them before any rule runs). */
export const has = (c: ConnView, bits: number) => (c.k! & bits) !== 0;

export interface DiagnoseContext {
  model: CaptureModel;
  conns: ConnView[];
  exchanges: KrbExchange[];
  findings: Finding[];
  /** the view of each connection model (rules look connections up by model) */
  viewOf: Map<ConnModel, ConnView>;
  /** per severity (SEVERITY_RANK) and finding id, the findings kept whole (see add): the Report
   *  groups by both (reportBuilder.ts groupFindings) */
  whole: [Map<string, Kept>, Map<string, Kept>, Map<string, Kept>];
  /** ids of the connections an error finding names so far (hasErrorFinding; kept by add) */
  errorOn: Set<string>;
  /** lookups by host, built on first use (connsToServer, okBetween): rules that look for other
   *  connections would otherwise scan every connection for each one (quadratic in a capture of
   *  tens of thousands) */
  index?: {
    byServer?: HostIndex; byClient?: HostIndex; okBetween?: Map<string, Map<string, ConnView[]>>; byClientWith?: Map<number, HostIndex>;
    /** findings/shared/windows-build.ts serverWindows, per server host */
    serverWindows?: Map<string, unknown>;
    /** findings/shared/server-names.ts serverAccount, per server address */
    serverAccount?: Map<string, unknown>;
  };
  /** per F bit (by its number), the connections that have it: the rules that read only those */
  withFact?: ConnView[][];
  /**
   * The connections folded as they closed (model/fold.ts), in Report order: not in `conns`. They
   * set up fine and no rule names them but SMB1_IN_USE (the SMB1 ones); a rule that reads other
   * connections reads these too (foldedToServer, foldedFromClient, smbConnections), by their
   * index here (FoldedRows.at makes one a FoldedConn).
   */
  folded: FoldedRows;
  /** lookups of the folded connections (their indices in `folded`) by host key (hostKey), of the hosts of `conns` only: no rule asks of others */
  foldedIndex?: { byServer?: FoldedIndex; byClient?: FoldedIndex; byPair?: Map<HostKey, FoldedIndex>; bySession?: Map<HostKey, Map<bigint, number[]>> };
  /** a connection diagnosed alone (diagnose/alone.ts): every finding kept as its head, no texts */
  headsOnly: boolean;
  /**
   * The folded SMB1 connections whose SMB1_IN_USE finding the Report can never show whole (past
   * the first FINDINGS_PER_ID + 1 by frame: smb1-in-use.ts), by their index among `folded`'s SMB1
   * rows: not findings in `findings`, which reportBuilder.ts groupFindings counts and groups as
   * if they were (an object, a frame list and an id text each: ~260 bytes a connection held
   * through the end, 28 MB on smb1m's 100,000).
   */
  smb1Tail: Smb1Tail | null;
}

/** The SMB1_IN_USE findings of folded SMB1 connections kept as their rows (DiagnoseContext.smb1Tail). */
export class Smb1Tail {
  /** FoldedRows.smb1 indices, in Report order */
  private readonly at = u32Column();
  private byFrame: Uint32Array | null = null;
  constructor(readonly rows: FoldedRows) {}
  get length(): number { return this.at.length; }
  push(k: number): void { this.at.push(k); this.byFrame = null; }
  /** The t-th in the findings' Report order (by frame: they are one severity), its frame and its connection's id. */
  frame(t: number): number { return this.rows.smb1Frame(this.k(t)); }
  id(t: number): string { return this.rows.smb1Id(this.k(t)); }
  private k(t: number): number {
    if (!this.byFrame) {
      const n = this.at.length, frames = new Uint32Array(n);
      for (let i = 0; i < n; i++) frames[i] = this.rows.smb1Frame(this.at.get(i));
      this.byFrame = sortedIndex(frames, n);
    }
    return this.at.get(this.byFrame[t]);
  }
}

type HostKey = number | string;
type FoldedIndex = Map<HostKey, number[]>;

/** Another connection as a rule names it in its texts: a view's, or a folded one (a FoldedConn, FoldedRows.at). */
export interface Peer { order: number; id: string; stream: number; firstFrame: number; lastFrame: number; serverPort: number }
export const peerOf = (c: ConnView): Peer =>
  ({ order: c.m.order, id: c.s.id, stream: c.s.stream, firstFrame: c.m.firstFrame, lastFrame: c.m.lastFrame, serverPort: c.m.serverPort });

/** How many SMB connections the capture holds (the views and the folded ones). */
export const smbConnections = (ctx: DiagnoseContext) => ctx.conns.length + ctx.folded.length;

/** Connections by a host address: one connection as itself (most hosts of a capture of 50,000
 *  connections have one: no array each), more in an array. */
type HostIndex = Map<string, ConnView | ConnView[]>;

/**
 * The Report shows the first FINDINGS_PER_ID findings of an id and severity one by one and folds
 * the others into the next one (reportBuilder.ts, groupFindings).
 */
export const FINDINGS_PER_ID = 20;
/** Report order of findings: errors first, then by their first frame (then as added). */
export const SEVERITY_RANK = { error: 0, warning: 1, info: 2 } as const;

/** (of one severity: Report order among them is by first frame, then as added) */
interface Place { at: number; frame: number }
/** The places kept whole of one id and severity, and which of them comes last in Report order. */
interface Kept { places: Place[]; last: number }
const after = (a: Place, b: Place) => (a.frame - b.frame || a.at - b.at) > 0;

/** `folded`: the folded connections, in Report order (FoldedRows.sort). */
export function makeContext(model: CaptureModel, conns: ConnView[], exchanges: KrbExchange[], folded: FoldedRows = NO_ROWS): DiagnoseContext {
  return { model, conns, exchanges, findings: [], viewOf: new Map(conns.map((c) => [c.m, c])), whole: [new Map(), new Map(), new Map()], errorOn: new Set(), folded, headsOnly: false, index: undefined, withFact: undefined, foldedIndex: undefined, smb1Tail: null };
}

/**
 * `ctx` made again for one connection (diagnose/alone.ts, as it closes): what makeContext(model,
 * [view], exchanges) gives, in the same object and its same Maps. A context per connection (and
 * its Maps, and the entries of the rules' lookups by context) was a tenth of the garbage of the
 * dense bench's decoding. Everything a diagnosis leaves on the context is here: the lookups the
 * rules build (index, foldedIndex: the rules' caches by host live there, not in lookups of their
 * own by context) and the facts' lists (withFact).
 */
export function resetContext(ctx: DiagnoseContext, model: CaptureModel, view: ConnView, exchanges: KrbExchange[]): void {
  ctx.model = model;
  // (Map.clear makes a new table, and so does a delete that leaves it empty (V8 shrinks it): the
  // new view set before the last one is deleted; clear only what holds something)
  const was = ctx.conns.length === 1 ? ctx.conns[0].m : null;
  if (was !== view.m) {
    if (was === null && ctx.viewOf.size !== 0) ctx.viewOf.clear();
    ctx.viewOf.set(view.m, view);
    if (was !== null) ctx.viewOf.delete(was);
  } else ctx.viewOf.set(view.m, view);
  if (ctx.conns.length === 1) ctx.conns[0] = view; else ctx.conns = [view];
  ctx.exchanges = exchanges;
  ctx.findings = []; // (the caller keeps the last one's)
  for (const w of ctx.whole) if (w.size !== 0) w.clear();
  if (ctx.errorOn.size !== 0) ctx.errorOn.clear();
  ctx.folded = NO_ROWS;
  ctx.headsOnly = false;
  ctx.index = undefined;
  ctx.withFact = undefined;
  ctx.foldedIndex = undefined;
  ctx.smb1Tail = null;
}

/** An error finding added so far names this connection (as `connection` or in `connections`). */
export function hasErrorFinding(ctx: DiagnoseContext, id: string): boolean {
  return ctx.errorOn.has(id);
}

function hostIndex(ctx: DiagnoseContext, hostOf: (c: ConnView) => string | null, conns: readonly ConnView[] = ctx.conns): HostIndex {
  const by: HostIndex = new Map();
  for (let i = 0; i < conns.length; i++) { // (indexed: see walk.ts)
    const c = conns[i];
    // the model's addresses are host() of the summary's endpoints, without parsing them again
    const h = hostOf(c);
    if (h === null) continue;
    const l = by.get(h);
    if (l === undefined) by.set(h, c);
    else if (Array.isArray(l)) l.push(c);
    else by.set(h, [l, c]);
  }
  return by;
}

const listOf = (x: ConnView | ConnView[] | undefined): readonly ConnView[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** The connections whose server is this host (`host()` of their server), in Report order (of ctx.conns: the folded ones are foldedToServer's). */
export function connsToServer(ctx: DiagnoseContext, serverHost: string): readonly ConnView[] {
  const ix = (ctx.index ??= {});
  return listOf((ix.byServer ??= hostIndex(ctx, (c) => c.m.serverIp)).get(serverHost));
}

/** The connections whose client is this host (`host()` of their client), in Report order. */
export function connsFromClient(ctx: DiagnoseContext, clientHost: string): readonly ConnView[] {
  const ix = (ctx.index ??= {});
  return listOf((ix.byClient ??= hostIndex(ctx, (c) => c.m.clientIp)).get(clientHost));
}

/** The connections of this client host that have this fact (one F bit), in Report order: an index
 *  of the few connections a rule looks for (not of every connection). */
export function connsFromClientWith(ctx: DiagnoseContext, bit: number, clientHost: string): readonly ConnView[] {
  const by = ((ctx.index ??= {}).byClientWith ??= new Map());
  let ix = by.get(bit);
  if (!ix) by.set(bit, (ix = hostIndex(ctx, (c) => c.m.clientIp, connsWith(ctx, bit))));
  return listOf(ix.get(clientHost));
}

/** The connections set up fine ("ok") from this client host to this server host, in Report order (of ctx.conns: the folded ones are foldedBetween's). */
export function okBetween(ctx: DiagnoseContext, clientHost: string, serverHost: string): readonly ConnView[] {
  // per server host asked, its connections set up fine by client host, from connsToServer (the
  // index other rules build too: one of its own over every connection cost more than its lookups;
  // and one list per server, filtered per call, was quadratic for a server of many clients)
  const by = ((ctx.index ??= {}).okBetween ??= new Map());
  let clients = by.get(serverHost);
  if (!clients) {
    by.set(serverHost, (clients = new Map()));
    const all = connsToServer(ctx, serverHost);
    for (let i = 0; i < all.length; i++) {
      const c = all[i];
      // outcomes are settled before the rules run (summaries, then failedForKerberos)
      if (c.s.outcome !== "ok") continue;
      const l = clients.get(c.m.clientIp);
      if (l) l.push(c); else clients.set(c.m.clientIp, [c]);
    }
  }
  return clients.get(clientHost) ?? NO_VIEWS;
}

const NO_VIEWS: readonly ConnView[] = [];

/** No folded connection (a model without the fold). */
const NO_ROWS = new FoldedRows(false);

/** Folded connections (their indices) by a host's key, for the hosts of the views only (rules ask of those). */
function foldedIndex(ctx: DiagnoseContext, hostOfView: (c: ConnView) => string, keyOf: (i: number) => HostKey): FoldedIndex {
  const by: FoldedIndex = new Map();
  const n = ctx.folded.length;
  if (n === 0) return by;
  const hosts = new Set<HostKey>();
  for (let i = 0; i < ctx.conns.length; i++) hosts.add(hostKey(hostOfView(ctx.conns[i])));
  for (let i = 0; i < n; i++) {
    const h = keyOf(i);
    if (!hosts.has(h)) continue;
    const l = by.get(h);
    if (l) l.push(i); else by.set(h, [i]);
  }
  return by;
}

const NO_FOLDED: readonly number[] = [];
const byServer = (ctx: DiagnoseContext) => ((ctx.foldedIndex ??= {}).byServer ??= foldedIndex(ctx, (c) => c.m.serverIp, (i) => ctx.folded.serverKey(i)));

/** The folded connections (indices in ctx.folded) whose server is this host, in Report order (a host of one of ctx.conns' servers). */
export function foldedToServer(ctx: DiagnoseContext, serverHost: string): readonly number[] {
  return byServer(ctx).get(hostKey(serverHost)) ?? NO_FOLDED;
}

/** The folded connections (indices in ctx.folded) whose client is this host, in Report order (a host of one of ctx.conns' clients). */
export function foldedFromClient(ctx: DiagnoseContext, clientHost: string): readonly number[] {
  const ix = (ctx.foldedIndex ??= {});
  return (ix.byClient ??= foldedIndex(ctx, (c) => c.m.clientIp, (i) => ctx.folded.clientKey(i))).get(hostKey(clientHost)) ?? NO_FOLDED;
}

/** The folded connections (indices in ctx.folded) from this client host to this server host, in Report order (hosts of ctx.conns). */
export function foldedBetween(ctx: DiagnoseContext, clientHost: string, serverHost: string): readonly number[] {
  const ix = (ctx.foldedIndex ??= {});
  if (!ix.byPair) {
    const by = (ix.byPair = new Map<HostKey, FoldedIndex>());
    const clients = new Set<HostKey>();
    for (let i = 0; i < ctx.conns.length; i++) clients.add(hostKey(ctx.conns[i].m.clientIp));
    for (const [s, l] of byServer(ctx)) {
      const of: FoldedIndex = new Map();
      for (const i of l) {
        const k = ctx.folded.clientKey(i);
        if (!clients.has(k)) continue;
        const p = of.get(k);
        if (p) p.push(i); else of.set(k, [i]);
      }
      if (of.size) by.set(s, of);
    }
  }
  return ix.byPair.get(hostKey(serverHost))?.get(hostKey(clientHost)) ?? NO_FOLDED;
}

/** The folded connections (indices in ctx.folded) to this server host that set up this session, in Report order (a host of ctx.conns). */
export function foldedWithSession(ctx: DiagnoseContext, serverHost: string, sid: bigint): readonly number[] {
  const ix = (ctx.foldedIndex ??= {});
  if (!ix.bySession) {
    ix.bySession = new Map();
    for (const [h, l] of byServer(ctx)) {
      const by = new Map<bigint, number[]>();
      for (const i of l) {
        const sid = ctx.folded.sessionId(i);
        if (sid === undefined) continue;
        const p = by.get(sid);
        if (p) p.push(i); else by.set(sid, [i]);
      }
      ix.bySession.set(h, by);
    }
  }
  return ix.bySession.get(hostKey(serverHost))?.get(sid) ?? NO_FOLDED;
}

/** The referral requests of folded connections of this client host that a PATH_NOT_COVERED may read (model/fold.ts Folder keeps those), in fold order. */
export function foldedReferralsFrom(ctx: DiagnoseContext, clientHost: string): readonly FoldedReferral[] {
  return ctx.folded.referralsFrom(clientHost);
}

/** The connections that have this fact (one F bit), in Report order. */
export function connsWith(ctx: DiagnoseContext, bit: number): readonly ConnView[] {
  return ctx.withFact?.[31 - Math.clz32(bit)] ?? NO_VIEWS;
}

/** What deciding a finding's place takes: all that a finding the Report folds keeps (strip). */
export type FindingHead = Pick<Finding, "id" | "severity" | "connection" | "frames" | "connections">;
/** The words of a finding, made only when the Report can show it whole. */
export type FindingTexts = Pick<Finding, "title" | "explanation" | "remediation" | "filter" | "references">;

/**
 * Adds a finding (and its id to the connection's list). Of each id and severity (the Report groups
 * by both: a GUEST_SESSION refused is an error, one taken a warning), only the findings that can
 * appear whole in the Report (its first FINDINGS_PER_ID + 1 in Report order) keep their text;
 * the others keep what folding needs (connection, frames): a capture with 50,000 failing
 * connections otherwise held 50,000 explanations (~70 MB) until the Report folded them.
 * With `texts`, `f` is the head only and the texts are made only for a finding kept whole (made
 * for each of 50,000 failing connections, they were most of the diagnosis's time); the finding
 * then has the fields in the order of Finding.
 */
export function add(ctx: DiagnoseContext, f: Finding, conn?: ConnView): void;
export function add(ctx: DiagnoseContext, f: FindingHead, conn: ConnView | undefined, texts: () => FindingTexts): void;
export function add(ctx: DiagnoseContext, f: Finding | FindingHead, conn?: ConnView, texts?: () => FindingTexts): void {
  const at = ctx.findings.length;
  if (f.severity === "error") {
    if (f.connection) ctx.errorOn.add(f.connection);
    if (f.connections) for (const id of f.connections) ctx.errorOn.add(id);
  }
  // (a first id as an array of one: push would give the empty list room for 17)
  if (conn) { if (conn.findings.length === 0) conn.findings = [f.id]; else if (!conn.findings.includes(f.id)) conn.findings.push(f.id); }
  if (ctx.headsOnly) { ctx.findings.push(bare(f)); return; }
  const frame = f.frames[0] ?? 0;
  // (a Map per severity: no key string made per finding)
  const of = ctx.whole[SEVERITY_RANK[f.severity]];
  let kept = of.get(f.id);
  if (!kept) of.set(f.id, (kept = { places: [], last: 0 }));
  const places = kept.places;
  let whole = true;
  if (places.length <= FINDINGS_PER_ID) {
    const me: Place = { at, frame };
    places.push(me);
    if (places.length > 1 && after(me, places[kept.last])) kept.last = places.length - 1;
  } else if ((places[kept.last].frame - frame || places[kept.last].at - at) > 0) { // after(last, me)
    const me: Place = { at, frame };
    // me takes the place of the last one; which is last now (findings mostly come in frame order: rarely)
    strip(ctx, places[kept.last].at);
    places[kept.last] = me;
    let last = 0;
    for (let i = 1; i < places.length; i++) if (after(places[i], places[last])) last = i;
    kept.last = last;
  } else whole = false;
  ctx.findings.push(!whole ? bare(f) : texts ? withTexts(f, texts()) : (f as Finding));
}

function withTexts(h: FindingHead, t: FindingTexts): Finding {
  const f: Finding = { id: h.id, severity: h.severity, title: t.title, explanation: t.explanation, remediation: t.remediation, connection: h.connection, frames: h.frames };
  if (t.filter !== undefined) f.filter = t.filter;
  if (t.references !== undefined) f.references = t.references;
  if (h.connections !== undefined) f.connections = h.connections;
  return f;
}

/** A finding the Report folds: what folding needs. */
const bare = (f: FindingHead): Finding => ({ id: f.id, severity: f.severity, title: "", explanation: "", remediation: NO_REMEDIATION, connection: f.connection, frames: f.frames });
/** (never in the Report: reportBuilder.ts groupFindings keeps only what folding needs of a bare one; one list for all) */
const NO_REMEDIATION = Object.freeze([]) as unknown as Finding["remediation"];

function strip(ctx: DiagnoseContext, at: number): void {
  ctx.findings[at] = bare(ctx.findings[at]);
}

/** "1.2 ms", "230 µs", "20.0 s" */
export function dur(msv: number): string {
  if (msv < 1) return `${Math.round(msv * 1000)} µs`;
  if (msv < 1000) return `${msv.toFixed(msv < 10 ? 2 : 1)} ms`;
  return `${(msv / 1000).toFixed(1)} s`;
}

/** The display filter of a connection's stream (filters.ts builds every filter). */
export function streamFilter(c: ConnView): string {
  return displayFilter({ stream: c.s.stream });
}

/** "10.0.0.1:445" → "10.0.0.1", "[fe80::1]:445" → "fe80::1" */
export function host(endpoint: string): string {
  const i = endpoint.lastIndexOf(":");
  const h = i > 0 ? endpoint.slice(0, i) : endpoint;
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}
