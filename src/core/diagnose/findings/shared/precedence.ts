// Which finding a situation gets, where several could claim it: the one place that decides it
// (the finding modules consult these verdicts through the walk, walk.ts, and never repeat the
// conditions). Precedence and suppression, in words:
// - TCP: a connect refused or unanswered while the same client reached the same server on another
//   port is PORT_139_FALLBACK (information), never a TCP failure; otherwise TCP_REJECTED when a
//   reset (or, without one, an ICMP error quoting the SYN) answered, else TCP_NO_ANSWER.
// - NEGOTIATE (a connection that failed there): a response with dialect index 0xFFFF, or an SMB1-only
//   offer the server closed on unanswered, is NEGOTIATE_DIALECT_MISMATCH; an error status is
//   NEGOTIATE_FAILED; no response at all is NEGOTIATE_NO_RESPONSE. A refused NetBIOS session
//   (NETBIOS_SESSION_REJECTED) is told in addition, before these.
// - SESSION_SETUP: the connection's own failure (its last leg, if it failed there), then the first
//   of the further attempts refused on a connection that did set up a session. Unanswered:
//   SESSION_SETUP_NO_RESPONSE. By status: a credential status LOGON_FAILURE, ACCESS_DENIED
//   SESSION_ACCESS_DENIED (plus TREE_ACCESS_DENIED_ENCRYPTION for the connection's own failure
//   when the client cannot encrypt), INVALID_SIGNATURE SESSION_SIGNING_FAILED, any other
//   SESSION_SETUP_FAILED. An NTLMv1 AUTHENTICATE refused is left to NTLMV1_REFUSED (the protocol
//   was refused, not the password); a success or MORE_PROCESSING_REQUIRED the client did not go
//   on from is a hang-up, left to the ending findings (SIGNING_MISMATCH, CONNECTION_ABANDONED…).
// - Kerberos errors from the KDC: the pre-authentication ones (KDC_ERR_PREAUTH_REQUIRED,
//   KRB_ERR_RESPONSE_TOO_BIG) are KERBEROS_PREAUTH_NORMAL, one per client; KDC_ERR_ETYPE_NOSUPP is
//   left to KERBEROS_ETYPE_MISMATCH (it names the etypes); the others are grouped (retries of one
//   request: same client, service, error and SMB connection) and each group is
//   KERBEROS_SPN_UNKNOWN (principal unknown, codes 7 and 8) or KERBEROS_ERROR.
// - TREE_CONNECT refused: a connection-limit status is left to TREE_CONNECTION_LIMIT; BAD_NETWORK_NAME
//   is TREE_BAD_NETWORK_NAME; ACCESS_DENIED (or NETWORK_ACCESS_DENIED) is, in this order:
//   TREE_ACCESS_DENIED_ANONYMOUS for a null session, TREE_ACCESS_DENIED_PERMISSIONS when encryption
//   is ruled out (SMB1, a server that does not speak SMB 3), TREE_ACCESS_DENIED_ENCRYPTION when the
//   client cannot encrypt, TREE_ACCESS_DENIED_PERMISSIONS when it can, TREE_CONNECT_FAILED
//   ("undecided") when the capture cannot tell; any other status TREE_CONNECT_FAILED.
// - The capture: NO_SMB_TRAFFIC only for a capture with no SMB connection, no Kerberos, no error
//   and no pre-TCP SMB (SMB_PRE_TCP_TRANSPORT says that one).
// - The fallbacks (meta.fallback: AUTH_NOT_ATTEMPTED, then CONNECTION_ABANDONED) run after every
//   other module and speak only for a connection no error finding explained (explainedByError).
// Order of emission (which the Report keeps among findings of one severity on one frame and in
// each connection's list of ids) is the walk's: walk.ts.
import { hasErrorFinding, has, F, okBetween, foldedBetween, peerOf, smbConnections, type ConnView, type DiagnoseContext, type Peer } from "../../context";
import { statusLabel, statusInWords } from "../../../names";
import { isError, serverResetAfter, failedExtraAttempts } from "../../../model/summarize";
import { EXPECTED_KRB_ERRORS, type KrbExchange } from "../../../model/kerberos";
import type { SessionLeg, TreeConnect } from "../../../model/types";
import { treeConnectionLimited } from "../tree-connection-limit";
import { clientCanEncrypt, encryptionRuledOut, type EncryptionAbility } from "./encryption";
import { ntlmV1Refused } from "../ntlmv1-refused";
import { sessionLegDeleted, treeSessionDeleted } from "../user-session-deleted";
import { treePathNotCovered } from "../path-not-covered";
import { dialectRangeRefused } from "./dialect-range";
import { smbOverQuic } from "../../../quic/flow";
import { CREDENTIAL } from "../logon-failure";
import type { WorkingShares } from "./tree-text";

export type TcpVerdict =
  | { id: "PORT_139_FALLBACK"; other: Peer }
  | { id: "TCP_REJECTED"; by: "icmp" | "rst" }
  | { id: "TCP_NO_ANSWER" };

/** The TCP finding of a connection that failed at the handshake, or null (it did not). */
export function tcpVerdict(ctx: DiagnoseContext, c: ConnView): TcpVerdict | null {
  const m = c.m;
  if (c.s.failedPhase !== "tcp") return null;
  // Windows tries 445 and 139 together and keeps whichever answers: the client got through
  // (the first in Report order, kept to the end or folded: model/fold.ts)
  const kept = okBetween(ctx, m.clientIp, m.serverIp).find((o) => o !== c && o.m.serverPort !== m.serverPort);
  const fi = foldedBetween(ctx, m.clientIp, m.serverIp).find((i) => ctx.folded.ok(i) && ctx.folded.serverPort(i) !== m.serverPort);
  const folded = fi === undefined ? undefined : ctx.folded.at(fi);
  const other = kept && (!folded || kept.m.order < folded.order) ? peerOf(kept) : folded;
  if (other) return { id: "PORT_139_FALLBACK", other };
  if (c.s.outcome === "failed" && m.icmp && !m.rst) return { id: "TCP_REJECTED", by: "icmp" };
  if (c.s.outcome === "failed" && m.rst) return { id: "TCP_REJECTED", by: "rst" };
  return { id: "TCP_NO_ANSWER" };
}

export type NegotiateVerdict =
  | { id: "NEGOTIATE_DIALECT_MISMATCH"; how: "smb1-only-client" | "server-closed-smb1" | "smb2-range" }
  | { id: "NEGOTIATE_FAILED" }
  | { id: "NEGOTIATE_NO_RESPONSE" };

const SMB2_DIALECTS = new Set(["2.0.2", "2.1", "2.2.2", "2.2.4", "3.0", "3.0.2", "3.1.0", "3.1.1", "SMB 2.002", "SMB 2.???"]);

// the verdicts, one of each (read only: a connection's is one of these, no object made per connection)
const SMB1_ONLY_CLIENT: NegotiateVerdict = Object.freeze({ id: "NEGOTIATE_DIALECT_MISMATCH", how: "smb1-only-client" });
const SMB2_RANGE: NegotiateVerdict = Object.freeze({ id: "NEGOTIATE_DIALECT_MISMATCH", how: "smb2-range" });
const SERVER_CLOSED_SMB1: NegotiateVerdict = Object.freeze({ id: "NEGOTIATE_DIALECT_MISMATCH", how: "server-closed-smb1" });
const NEGOTIATE_FAILED: NegotiateVerdict = Object.freeze({ id: "NEGOTIATE_FAILED" });
const NEGOTIATE_NO_RESPONSE: NegotiateVerdict = Object.freeze({ id: "NEGOTIATE_NO_RESPONSE" });

/** The NEGOTIATE finding of a connection that failed at NEGOTIATE (its last one), or null. */
export function negotiateVerdict(c: ConnView): NegotiateVerdict | null {
  const m = c.m;
  if (c.s.failedPhase !== "negotiate") return null;
  const neg = m.negotiates[m.negotiates.length - 1];
  if (!neg) return null;
  if (neg.resp?.smb1 && neg.resp.dialect === null) return SMB1_ONLY_CLIENT;
  // no SMB 2/3 dialect in common: the offered range tells which side's minimum or maximum misses
  if (dialectRangeRefused(m)) return SMB2_RANGE;
  if (neg.resp && isError(neg.resp.status)) return NEGOTIATE_FAILED;
  if (neg.req && !neg.resp && (c.s.outcome === "no-response" || serverResetAfter(m, neg.req))) {
    const offeredSmb2 = neg.req.smb1 ? neg.req.dialects.some((d) => SMB2_DIALECTS.has(d)) : true;
    if (neg.req.smb1 && !offeredSmb2 && (m.rst || m.finServer)) return SERVER_CLOSED_SMB1;
    return NEGOTIATE_NO_RESPONSE;
  }
  return null;
}

export interface SessionFailure {
  id: "SESSION_SETUP_NO_RESPONSE" | "LOGON_FAILURE" | "SESSION_ACCESS_DENIED" | "SESSION_SIGNING_FAILED" | "SESSION_SETUP_FAILED";
  leg: SessionLeg;
  /** 0 for the connection's own failure; else how many further attempts were refused on a connection that set up a session */
  extra: number;
  /** the status label of the leg's response ("" when unanswered) */
  status: string;
  /** SESSION_ACCESS_DENIED: could the client encrypt (can null: encryption explains nothing here) */
  enc?: EncryptionAbility;
}

const NONE: readonly SessionFailure[] = [];
const NONE_EXTRA: SessionLeg[][] = [];

/** The SESSION_SETUP failures of a connection to tell, in order. */
export function sessionFailures(c: ConnView): readonly SessionFailure[] {
  if (c.s.failedPhase !== "session_setup" && !has(c, F.EXTRA_ATTEMPTS)) return NONE;
  const m = c.m;
  const out: SessionFailure[] = [];
  const last = m.sessions[m.sessions.length - 1];
  if (c.s.failedPhase === "session_setup" && last) {
    if (!last.resp && (c.s.outcome === "no-response" || serverResetAfter(m, last.req))) out.push({ id: "SESSION_SETUP_NO_RESPONSE", leg: last, extra: 0, status: "" });
    else if (last.resp && isError(last.resp.status)) { const f = byStatus(c, last, 0); if (f) out.push(f); }
  }
  const extra = has(c, F.EXTRA_ATTEMPTS) ? failedExtraAttempts(m) : NONE_EXTRA;
  if (extra.length) {
    const first = extra[0];
    const f = byStatus(c, first[first.length - 1], extra.length);
    if (f) out.push(f);
  }
  return out;
}

function byStatus(c: ConnView, leg: SessionLeg, extra: number): SessionFailure | null {
  if (ntlmV1Refused(leg)) return null;
  if (sessionLegDeleted(leg)) return null; // the session is gone, not the logon refused: USER_SESSION_DELETED says so
  const status = statusLabel(leg.resp!.status);
  if (CREDENTIAL[status]) return { id: "LOGON_FAILURE", leg, extra, status };
  if (status === "STATUS_ACCESS_DENIED") {
    const a = leg.req.auth;
    // encryption explains nothing on SMB1, nor for a null session (refused as anonymous, however it could encrypt)
    const anonymous = a.ntlmType === 3 && !a.user && !a.domain;
    const enc = encryptionRuledOut(c.m, leg.req.smb1) || anonymous ? { can: null, why: "" } : clientCanEncrypt(c.m);
    return { id: "SESSION_ACCESS_DENIED", leg, extra, status, enc };
  }
  if (status === "STATUS_INVALID_SIGNATURE") return { id: "SESSION_SIGNING_FAILED", leg, extra, status };
  return { id: "SESSION_SETUP_FAILED", leg, extra, status };
}

export interface KrbErrorGroup {
  id: "KERBEROS_SPN_UNKNOWN" | "KERBEROS_ERROR";
  /** the exchanges, retries of one request (the first one is told) */
  group: KrbExchange[];
  err: number;
  /** the SMB connection the exchanges served, or null */
  v: ConnView | null;
  /** an error that served no SMB connection of a capture that has some: listed, not blamed */
  notSmb: boolean;
}

const NO_KRB_ERRORS = Object.freeze({ groups: Object.freeze([]) as unknown as KrbErrorGroup[], preauth: Object.freeze([]) as unknown as KrbExchange[] });

/** The KDC errors to tell, grouped, in the order of their first exchange; and the normal pre-authentication ones. */
export function kerberosErrors(ctx: DiagnoseContext): { groups: KrbErrorGroup[]; preauth: KrbExchange[] } {
  // (no exchange, no error: no index made, as for each connection diagnosed alone; nothing
  // made at all: the walk only reads what this returns)
  if (ctx.exchanges.length === 0) return NO_KRB_ERRORS;
  const preauth: KrbExchange[] = [];
  const viewOf = (ex: KrbExchange) => (ex.conn ? ctx.viewOf.get(ex.conn) ?? null : null);
  const byKey = new Map<string, KrbExchange[]>();
  const exchanges = ctx.exchanges;
  for (let i = 0; i < exchanges.length; i++) { // (indexed: see walk.ts)
    const ex = exchanges[i];
    const err = ex.reply?.msgType === 30 ? ex.reply.errorCode : null;
    if (err === null) continue;
    if (EXPECTED_KRB_ERRORS.has(err)) { preauth.push(ex); continue; }
    if (err === 14) continue; // KDC_ERR_ETYPE_NOSUPP: KERBEROS_ETYPE_MISMATCH tells it with the etypes
    const key = `${ex.client}|${ex.service}|${err}|${ex.conn ? ex.conn.stream : ""}`;
    let l = byKey.get(key);
    if (!l) byKey.set(key, (l = []));
    l.push(ex);
  }
  const groups: KrbErrorGroup[] = [];
  for (const group of byKey.values()) {
    const err = group[0].reply!.errorCode!;
    const v = viewOf(group[0]);
    groups.push({ id: err === 7 || err === 8 ? "KERBEROS_SPN_UNKNOWN" : "KERBEROS_ERROR", group, err, v, notSmb: !v && smbConnections(ctx) > 0 });
  }
  return { groups, preauth };
}

export type TreeVerdict = { shown: string } & (
  | { id: "TREE_BAD_NETWORK_NAME"; working: () => string[] }
  | { id: "TREE_ACCESS_DENIED_ANONYMOUS" }
  | { id: "TREE_ACCESS_DENIED_PERMISSIONS"; ruledOut: string }
  | { id: "TREE_ACCESS_DENIED_ENCRYPTION"; enc: EncryptionAbility }
  | { id: "TREE_CONNECT_FAILED"; undecided: EncryptionAbility | null });

/**
 * The finding of a refused TREE_CONNECT, or null (not refused, or a connection limit);
 * `working` lists per server host the shares that connected (shared/tree-text.ts workingShares;
 * the verdict asks it only when its finding's texts are made).
 * The status is decided by its NTSTATUS meaning and told as the capture shows it (`shown`: an
 * SMB1 DOS error by its name).
 */
/** why a TREE_CONNECT refused inside the encryption is about permissions (the permissions module words it) */
export const DECRYPTED_RULES_OUT = "decrypted";

export function treeVerdict(c: ConnView, t: TreeConnect, working: WorkingShares): TreeVerdict | null {
  if (!t.resp || !isError(t.resp.status)) return null;
  if (treeConnectionLimited(t)) return null;
  if (treeSessionDeleted(t) || treePathNotCovered(t)) return null; // USER_SESSION_DELETED, PATH_NOT_COVERED explain these
  const st = statusLabel(t.resp.status);
  const shown = statusInWords(t.resp);
  if (st === "STATUS_BAD_NETWORK_NAME") return { id: "TREE_BAD_NETWORK_NAME", shown, working: () => working(c.m.serverIp) };
  if (st !== "STATUS_ACCESS_DENIED" && st !== "STATUS_NETWORK_ACCESS_DENIED") return { id: "TREE_CONNECT_FAILED", shown, undecided: null };
  if (c.s.auth === "anonymous") return { id: "TREE_ACCESS_DENIED_ANONYMOUS", shown };
  // read from a decrypted TRANSFORM message: the client encrypted it, so encryption cannot be what is missing
  if (t.req.decrypted) return { id: "TREE_ACCESS_DENIED_PERMISSIONS", shown, ruledOut: DECRYPTED_RULES_OUT };
  const ruledOut = encryptionRuledOut(c.m, t.req.smb1);
  if (ruledOut) return { id: "TREE_ACCESS_DENIED_PERMISSIONS", shown, ruledOut };
  const enc = clientCanEncrypt(c.m);
  if (enc.can === false) return { id: "TREE_ACCESS_DENIED_ENCRYPTION", shown, enc };
  if (enc.can === true) return { id: "TREE_ACCESS_DENIED_PERMISSIONS", shown, ruledOut: `${enc.why}, so the client could have encrypted had the share required it` };
  return { id: "TREE_CONNECT_FAILED", shown, undecided: enc };
}

/** Some error finding already explains this connection (the fallbacks then stay silent). */
export function explainedByError(ctx: DiagnoseContext, c: ConnView): boolean {
  return hasErrorFinding(ctx, c.s.id); // kept by add: a scan of the findings per connection was quadratic
}

/** The capture holds no SMB at all: no connection, no Kerberos, no pre-TCP SMB, and it was read whole. */
export function noSmbAtAll(ctx: DiagnoseContext): boolean {
  const m = ctx.model;
  // SMB over QUIC is SMB too (SMB_OVER_QUIC, SMB_QUIC_FAILED say what can be told of it)
  return smbConnections(ctx) === 0 && m.kerberos.length === 0 && !m.error && m.preTcp.netbeui + m.preTcp.ipx === 0 && smbOverQuic(m).length === 0;
}
