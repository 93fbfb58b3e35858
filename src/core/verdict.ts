// The one-line verdict of a Report (report.verdict, the text the CLI, the page and the Markdown
// all show) and its counts (report.headline). Each failed connection is counted under its own
// cause: a line that names one connection's phase and status must never speak for the others.
import type { Report, Connection, Finding, Headline, HeadlineCause } from "./report";
import { groupCount } from "./groupListing";

const PHASE_TEXT = { tcp: "TCP connect", negotiate: "NEGOTIATE", session_setup: "session setup", tree_connect: "tree connect" } as const;
const PHASE_RANK = { tcp: 0, negotiate: 1, session_setup: 2, tree_connect: 3 } as const;

/**
 * Causes by finding id, most specific first (a connection with several error findings is counted
 * under the first of them here): [singular, plural] words, and the group they are counted in.
 */
const CAUSES: [id: string, words: [string, string], group?: [string, string]][] = [
  // a pktmon drop names why the packets went missing (SYN unanswered, request unanswered)
  ["PACKET_DROPPED", ["packets dropped on the capturing computer", "packets dropped on the capturing computer"]],
  ["TCP_NO_ANSWER", ["TCP connect unanswered", "TCP connects unanswered"]],
  ["TCP_REJECTED", ["TCP connection refused", "TCP connections refused"]],
  ["NETBIOS_SESSION_REJECTED", ["NetBIOS session refused", "NetBIOS sessions refused"]],
  ["NEGOTIATE_DIALECT_MISMATCH", ["no common dialect", "no common dialect"]],
  ["NEGOTIATE_NO_RESPONSE", ["NEGOTIATE unanswered", "NEGOTIATEs unanswered"]],
  ["NEGOTIATE_FAILED", ["NEGOTIATE refused", "NEGOTIATEs refused"]],
  ["NO_COMMON_CIPHER", ["no common cipher", "no common cipher"]],
  ["ENCRYPTION_REQUIRED_BY_CLIENT", ["client requires encryption", "client requires encryption"]],
  ["SIGNING_MISMATCH", ["signing mismatch", "signing mismatches"]],
  ["GUEST_SESSION", ["guest logon refused", "guest logons refused"]],
  ["KERBEROS_SPN_UNKNOWN", ["missing Kerberos SPN", "missing Kerberos SPNs"]],
  ["KERBEROS_ETYPE_MISMATCH", ["Kerberos etype mismatch", "Kerberos etype mismatches"]],
  ["KERBEROS_ERROR", ["Kerberos error", "Kerberos errors"]],
  ["KDC_UNREACHABLE", ["KDC unreachable", "KDC unreachable"]],
  ["TREE_ACCESS_DENIED_ENCRYPTION", ["encryption required", "encryption required"], ["access denied", "access denied"]],
  ["SESSION_ACCESS_DENIED", ["session refused", "sessions refused"], ["access denied", "access denied"]],
  ["TREE_ACCESS_DENIED_PERMISSIONS", ["permissions", "permissions"], ["access denied", "access denied"]],
  ["NTLMV1_REFUSED", ["NTLMv1 refused", "NTLMv1 refused"], ["logon failure", "logon failures"]],
  ["LOGON_FAILURE", ["logon failure", "logon failures"], ["logon failure", "logon failures"]],
  ["SESSION_SIGNING_FAILED", ["session signing failed", "session signing failed"]],
  ["SESSION_SETUP_NO_RESPONSE", ["session setup unanswered", "session setups unanswered"]],
  ["SESSION_SETUP_LOOP", ["session setup loop", "session setup loops"]],
  ["SESSION_SETUP_FAILED", ["session setup failed", "session setups failed"]],
  ["AUTH_NOT_ATTEMPTED", ["no authentication attempted", "no authentication attempted"]],
  ["USER_SESSION_DELETED", ["session no longer on the server", "sessions no longer on the server"]],
  ["TREE_BAD_NETWORK_NAME", ["bad share name", "bad share names"]],
  ["TREE_CONNECTION_LIMIT", ["share connection limit", "share connection limits"]],
  ["PATH_NOT_COVERED", ["DFS path not followed", "DFS paths not followed"]],
  ["TREE_CONNECT_FAILED", ["tree connect failed", "tree connects failed"]],
  ["CONNECTION_ABANDONED", ["connection abandoned", "connections abandoned"]],
];
const CAUSE_RANK = new Map(CAUSES.map((c, i) => [c[0], i]));
const CAUSE_OF = new Map(CAUSES.map((c) => [c[0], c]));
const rankOf = (id: string | null) => (id !== null ? CAUSE_RANK.get(id) : undefined) ?? CAUSES.length;

/** What a logon failure's status says, in the words of the count. */
const LOGON_WORDS: Record<string, string> = {
  STATUS_LOGON_FAILURE: "wrong user or password", STATUS_WRONG_PASSWORD: "wrong password", STATUS_NO_SUCH_USER: "unknown user",
  STATUS_ACCOUNT_DISABLED: "account disabled", STATUS_ACCOUNT_LOCKED_OUT: "account locked out", STATUS_ACCOUNT_EXPIRED: "account expired",
  STATUS_PASSWORD_EXPIRED: "password expired", STATUS_PASSWORD_MUST_CHANGE: "password must change",
};

interface Failed { c: Connection; id: string | null; finding: Finding | undefined }

// counts as the finding groups write them ("199,970", not "199970": groupListing.ts groupCount)
const plural = (k: number, w: string) => `${groupCount(k)} ${w}${k === 1 ? "" : "s"}`;
const words = (k: number, w: [string, string]) => `${groupCount(k)} ${k === 1 ? w[0] : w[1]}`;

/** Each error finding of `findings` with each connection it names (its own, or those it lists). */
function eachError(findings: Iterable<Finding>, take: (conn: string, f: Finding) => void): void {
  for (const f of findings) {
    if (f.severity !== "error") continue;
    if (f.connection) take(f.connection, f);
    else for (const c of f.connections ?? []) take(c, f);
  }
}

/**
 * On the record of a connection folded with findings as the verdict reads it (model/foldedHeads.ts
 * LiteRecord): its index among those connections, by which ErrorCauses knows its error finding
 * without its id text (a scan of 200,000 refused connects: 200,000 id texts kept, ~35 MB).
 */
export const FOLDED_INDEX = Symbol("folded connection index");
type IndexedRecord = Connection & { [FOLDED_INDEX]?: number };

/**
 * Per connection id, the id of the error finding the verdict counts it under (the first of the
 * most specific, as verdictOf picks), from the findings before they were grouped: a group of
 * findings lists at most GROUP_CONNECTIONS of its connections (reportBuilder.ts groupFindings), and
 * a connection it leaves out is still failed for that cause.
 */
export class ErrorCauses {
  private readonly of = new Map<string, string>();
  /** per folded connection index, 1 + the index of its finding id in `ids` (0: none): 2 bytes
   *  each, not a Map entry each (a scan's 200,000 refused connects) */
  private folded = new Uint16Array(0);
  private readonly ids: string[] = [];
  private readonly idIndex = new Map<string, number>();
  /** An error finding `id` of the connection `conn`. */
  put(conn: string, id: string): void {
    const o = this.of.get(conn);
    if (o === undefined || rankOf(id) < rankOf(o)) this.of.set(conn, id);
  }
  /** An error finding `id` of the folded connection of index `i` (FOLDED_INDEX). */
  putFolded(i: number, id: string): void {
    const o = this.foldedId(i);
    if (o !== undefined && rankOf(id) >= rankOf(o)) return;
    let k = this.idIndex.get(id);
    if (k === undefined) { k = this.ids.push(id); this.idIndex.set(id, k); }
    if (i >= this.folded.length) {
      const a = new Uint16Array(Math.max(i + 1, 2 * this.folded.length, 1024));
      a.set(this.folded);
      this.folded = a;
    }
    this.folded[i] = k; // (finding ids: a few hundred at most, the catalogue's)
  }
  private foldedId(i: number): string | undefined {
    const k = i < this.folded.length ? this.folded[i] : 0;
    return k === 0 ? undefined : this.ids[k - 1];
  }
  /** The error findings among `findings`. */
  putAll(findings: Iterable<Finding>): this {
    eachError(findings, (conn, f) => this.put(conn, f.id));
    return this;
  }
  /** The error finding of the connection of record `c` (where both lists have one: the lower rank, of equals the end's, put first). */
  get(c: Connection): string | undefined {
    const i = (c as IndexedRecord)[FOLDED_INDEX];
    const a = i === undefined ? undefined : this.foldedId(i);
    if (this.of.size === 0) return a;
    const b = this.of.get(c.id);
    return a === undefined || (b !== undefined && rankOf(b) <= rankOf(a)) ? b : a;
  }
}

/**
 * What the verdict's text reads of the failed connections, gathered as they come in Report order
 * (a capture of 1,000,000 failing connections: no list of them): how many, the first, and whether
 * they all share its title, its phase and status, its phase.
 */
interface FailedTally {
  count: number;
  first: Failed | null;
  /** every one's finding has the first's title (a Set of them of size 1) */
  oneTitle: boolean;
  /** every one failed in the first's phase with its status */
  samePhaseStatus: boolean;
  /** every one failed in a phase, the first's */
  samePhase: boolean;
}

/**
 * The verdict line and its counts, from a Report whose connections and findings are final.
 * `folded`: connections set up fine that are not in r.connections (folded as they closed,
 * model/fold.ts, and put to a ConnectionSink): counted, never failed, and never with a finding.
 * `conns`: the records, in Report order (r.connections, or those with the records of the
 * connections folded with findings made one at a time: reportBuilder.ts); each is read once.
 * `errorIds` (ErrorCauses): where a group of findings left connections out of its list, what each
 * connection's error finding was.
 */
/** What the verdict reads of a Report: all of it but the Kerberos records, of which only how many (a sink may have taken them: reportBuilder.ts). */
export type VerdictReport = Omit<Report, "kerberos"> & { kerberos: Pick<Report["kerberos"], "length"> };

export function verdictOf(r: VerdictReport, folded = 0, conns: Iterable<Connection> = r.connections, errorIds?: ErrorCauses): { verdict: string; headline: Headline } {
  let n = folded;
  // error findings per connection id (a folded finding lists its connections)
  const errorsOf = new Map<string, Finding[]>();
  eachError(r.findings, (id, f) => { const l = errorsOf.get(id); if (l) l.push(f); else errorsOf.set(id, [f]); });
  // (a connection a group's list left out: its error finding's id, from `errorIds`)
  const hasError = (c: Connection) => errorsOf.has(c.id) || errorIds?.get(c) !== undefined;
  const failedOutcome = (c: Connection) => c.outcome === "failed" || c.outcome === "no-response" || (c.outcome === "incomplete" && hasError(c));
  // A TCP connect refused or unanswered where the same client reached the same server on another
  // port (445 refused, 139 fine: PORT_139_FALLBACK, diagnose/findings/port-139-fallback.ts) is a fallback that worked, not a failure.
  const isFallback = (c: Connection) => c.findings.includes("PORT_139_FALLBACK");
  // one pass over the connections (50,000 of them: three filters were three)
  const failed: FailedTally = { count: 0, first: null, oneTitle: true, samePhaseStatus: true, samePhase: true };
  const causes = new Causes();
  let fallbacks = 0, firstFallback: Connection | null = null, incomplete = 0, hidden = 0;
  for (const c of conns) {
    n++;
    if (failedOutcome(c)) {
      if (isFallback(c)) { if (fallbacks++ === 0) firstFallback = c; }
      else {
        const errs = errorsOf.get(c.id);
        let best: Finding | undefined;
        if (errs) for (const f of errs) if (!best || rankOf(f.id) < rankOf(best.id)) best = f;
        // (`errorIds`, where given, knows every error finding of the connection: a group's list may hold only some)
        const id = errorIds?.get(c) ?? best?.id ?? null;
        const x: Failed = { c, id, finding: best?.id === id ? best : undefined };
        causes.add(x);
        const first = (failed.first ??= x);
        failed.count++;
        if (x.finding?.title !== first.finding?.title) failed.oneTitle = false;
        if (x.c.failedPhase !== first.c.failedPhase || x.c.status !== first.c.status) failed.samePhaseStatus = false;
        if (!(x.c.failedPhase && x.c.failedPhase === first.c.failedPhase)) failed.samePhase = false;
      }
    }
    if (c.outcome === "incomplete" && !hasError(c)) incomplete++;
    // set up as far as a capture can tell (text: SMB3 encryption hides their tree connects)
    if (c.outcome === "ok" && c.findings.includes("ENCRYPTED_TRAFFIC") && c.shares.length === 0) hidden++;
  }
  const headline: Headline = { connections: n, failed: failed.count, fallbacks, causes: causes.done() };
  return { verdict: text(r, n, failed, incomplete, fallbacks, firstFallback, hidden, headline, errorsOf), headline };
}

/** Failed connections counted per cause (group), most first, then by the phase they failed in. */
class Causes {
  private readonly groups = new Map<string, HeadlineCause & { rank: number }>();
  add(x: Failed): void {
    const groups = this.groups;
    const def = x.id ? CAUSE_OF.get(x.id) : undefined;
    // (the words by phase only for a cause without words of its own: no two texts made per failed connection)
    const group = def ? def[2] ?? def[1] : byPhase(x);
    const key = group[0];
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { cause: group[0], causes: group[1], count: 0, phase: x.c.failedPhase, findingId: def?.[2] ? null : x.id, parts: [], rank: x.c.failedPhase ? PHASE_RANK[x.c.failedPhase] : 2 }));
    g.count++;
    // the parts of a group: its finding ids, and for logon failures the status
    const sub: [string, string] | undefined = x.id === "LOGON_FAILURE" && x.c.status && LOGON_WORDS[x.c.status] ? [LOGON_WORDS[x.c.status], LOGON_WORDS[x.c.status]] : def?.[2] ? def[1] : undefined;
    if (sub) {
      let p = g.parts!.find((y) => y.cause === sub[0]);
      if (!p) g.parts!.push((p = { cause: sub[0], causes: sub[1], count: 0, findingId: x.id }));
      p.count++;
    }
  }
  done(): HeadlineCause[] {
    return [...this.groups.values()]
      .sort((a, b) => b.count - a.count || a.rank - b.rank || a.cause.localeCompare(b.cause))
      .map(({ rank: _rank, parts, ...g }) => (parts!.length ? { ...g, parts: parts!.sort((a, b) => b.count - a.count || rankOf(a.findingId) - rankOf(b.findingId)) } : g));
  }
}

/** A cause's words where CAUSES has none for it: by the phase it failed in (and status), else by its finding id. */
function byPhase(x: Failed): [string, string] {
  return x.c.failedPhase
    ? [`failure at ${PHASE_TEXT[x.c.failedPhase]}${x.c.status ? ` (${x.c.status})` : ""}`, `failures at ${PHASE_TEXT[x.c.failedPhase]}${x.c.status ? ` (${x.c.status})` : ""}`]
    : x.id ? [`${x.id} failure`, `${x.id} failures`] : ["failure before authenticating", "failures before authenticating"];
}

/**
 * "failed at session setup (STATUS_X): <title>", less what the title says itself: no phase when
 * the title names it ("NEGOTIATE never answered by …"), no status when the title carries it
 * ("Logon failed for CORP\\bob: STATUS_ACCOUNT_DISABLED").
 */
function failedAt(c: Connection, title: string | undefined): string {
  const said = (title ?? "").toLowerCase().replace(/_/g, " ");
  const phase = c.failedPhase ? (said.includes(PHASE_TEXT[c.failedPhase].toLowerCase()) ? "" : ` at ${PHASE_TEXT[c.failedPhase]}`) : " before authenticating";
  const status = c.status && !(title ?? "").includes(c.status) ? ` (${c.status})` : "";
  return `${phase}${status}`;
}

function causeText(g: HeadlineCause): string {
  const head = words(g.count, [g.cause, g.causes]);
  if (!g.parts?.length || (g.parts.length === 1 && g.parts[0].cause === g.cause)) return head;
  if (g.parts.length === 1) return `${head} (${g.parts[0].cause})`;
  return `${head} (${g.parts.map((p) => words(p.count, [p.cause, p.causes])).join(", ")})`;
}

function text(r: VerdictReport, n: number, failed: FailedTally, incomplete: number, fallbacks: number, firstFallback: Connection | null, hidden: number, h: Headline, errorsOf: Map<string, Finding[]>): string {
  if (r.capture.error && r.capture.packets === 0) return r.capture.error;
  // Without an SMB connection, an error finding is the capture's answer, whatever its id (a KDC that
  // does not answer is KDC_UNREACHABLE, not a KERBEROS_* id): never "no error" beside an error card
  const firstError = r.findings.find((f) => f.severity === "error");
  if (n === 0) {
    const preTcp = r.findings.find((f) => f.id === "SMB_PRE_TCP_TRANSPORT");
    if (preTcp) return `${preTcp.title}.`;
    if (r.quic?.length) return quicVerdict(r);
    if (r.capture.packets === 0) return "The capture holds no packets: nothing to diagnose (was the capture tool stopped at once, or did its filter match nothing?).";
    if (firstError) return `No SMB connection in the capture; ${firstError.id.startsWith("KERBEROS") ? "Kerberos: " : ""}${firstError.title}.`;
    if (r.kerberos.length) return "No SMB connection in the capture; its Kerberos exchanges show no error after pre-authentication.";
    return `No SMB traffic in this capture (${groupCount(r.capture.packets)} packets${r.capture.topPorts?.length ? `; busiest: ${r.capture.topPorts.slice(0, 2).join(", ")}` : ""}).`;
  }
  const fb = fallbacks
    ? `; ${fallbacks === 1 ? `the connect to ${firstFallback!.server} was ${firstFallback!.outcome === "failed" ? "refused" : "unanswered"}` : `${groupCount(fallbacks)} connects were refused or unanswered`}, and the same client reached the server on another port`
    : "";
  if (failed.count === 0) {
    const m = n - fallbacks;
    const tail = incomplete ? ` (${groupCount(incomplete)} not fully captured)` : "";
    const err = r.findings.find((f) => f.severity === "error");
    const warn = r.findings.find((f) => f.severity === "warning");
    const note = err ? `, but: ${err.title}` : warn ? `; note: ${warn.title}` : "";
    // set up as far as a capture can tell: SMB3 encryption hides every TREE_CONNECT of `hidden`, so
    // a refused share would not show (the Decrypt panel or --password-file/--keytab can read them)
    const fine = hidden === 0 ? "set up fine"
      : hidden === m ? `got through session setup; SMB3 encryption hides ${m === 1 ? "its" : "their"} tree connects, so a refused share would not show (decrypt with the user's password or the server's keytab to see them)`
      : `set up fine, ${groupCount(hidden)} of them as far as SMB3 encryption lets a capture tell (their tree connects are encrypted)`;
    return m === 1
      ? `The SMB connection ${incomplete ? "shows no failure" : fine}${tail}${fb}${note}.`
      : `All ${plural(m, "SMB connection")} ${incomplete ? "show no failure" : fine}${tail}${fb}${note}.`;
  }
  const first = failed.first!;
  if (failed.count === 1) {
    // one failure: its own phase, status and cause
    const { c, finding } = first;
    const head = n === 1 ? "The SMB connection failed" : `1 of ${plural(n, "SMB connection")} failed`;
    const cause = finding ?? errorsOf.get(c.id)?.[0];
    return `${head}${failedAt(c, cause?.title)}: ${cause ? cause.title : `${c.client} → ${c.server}`}${fb}.`;
  }
  const head = `${groupCount(failed.count)} of ${plural(n, "SMB connection")} failed`;
  // one cause with the same title everywhere (the same share missing on every connection) says it whole
  if (h.causes.length === 1 && failed.oneTitle && first.finding && failed.samePhaseStatus) {
    return `${head}${failedAt(first.c, first.finding.title)}: ${first.finding.title}${fb}.`;
  }
  // all in one phase: say which
  const phase = failed.samePhase ? ` at ${PHASE_TEXT[first.c.failedPhase!]}` : "";
  return `${head}${phase}: ${h.causes.map(causeText).join(", ")}${fb}.`;
}

/** A capture whose SMB is all over QUIC: how many attempts, how many failed and why (the findings' titles). */
function quicVerdict(r: VerdictReport): string {
  const q = r.quic!;
  const failed = r.findings.filter((f) => f.id === "SMB_QUIC_FAILED" && f.severity === "error");
  const head = q.length === 1 ? "SMB over QUIC (encrypted: the SMB setup inside cannot be read)" : `${groupCount(q.length)} SMB over QUIC connections (encrypted: the SMB setup inside cannot be read)`;
  if (failed.length === 0) {
    const done = q.filter((c) => c.handshake === "completed").length;
    return `${head}: ${done === q.length ? (q.length === 1 ? "the QUIC handshake completed" : "every QUIC handshake completed") : `${groupCount(done)} of ${groupCount(q.length)} QUIC handshakes completed, the others did not finish in the capture`}.`;
  }
  if (failed.length === 1) return `${head}: ${failed[0].title}.`;
  return `${head}: ${groupCount(failed.length)} failed, the first: ${failed[0].title}.`;
}
