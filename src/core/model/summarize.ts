// Turns one connection's model into the Report's facts: phases, outcome, dialect, signing,
// encryption, auth and user. No judgement about causes here (that is diagnose/).
import * as W from "../../../assembly/wire";
import { statusLabel, osVersion } from "../names";
import type { Connection, ShareRecord, Outcome, Phase } from "../report";
import type { ConnModel, SessionLeg, SmbResponse, TreeConnect } from "./types";
import { EXPECTED_KRB_ERRORS } from "./kerberos"; // used at call time only (kerberos.ts imports this module too)
import { NONE } from "./lists";
import type { SharedValues } from "../connectionRecord";
import { phasesOf, thousandthsBetween } from "./phaseTable"; // used at call time only (phaseTable.ts imports this module too)
export { phasesOf };

export const isError = (s: number) => (s >>> 0) >= 0xc0000000 && (s >>> 0) !== W.STATUS_MORE_PROCESSING_REQUIRED;
/** A response's status as the capture shows it: the NTSTATUS name, or the SMB1 DOS error ("ERRDOS/ERRnoaccess"). */
export const responseStatus = (r: SmbResponse) => r.dos ?? statusLabel(r.status);
const ms = (a: number, b: number) => thousandthsBetween(a, b) / 1000;

/**
 * SESSION_SETUP legs grouped into authentication attempts: an attempt ends with a response that
 * is not STATUS_MORE_PROCESSING_REQUIRED (NTLM takes two legs, Kerberos one or more).
 */
export function attempts(c: ConnModel): SessionLeg[][] {
  const out: SessionLeg[][] = [];
  let cur: SessionLeg[] = [];
  for (let i = 0; i < c.sessions.length; i++) {
    const leg = c.sessions[i];
    cur.push(leg);
    if (!leg.resp || (leg.resp.status >>> 0) !== W.STATUS_MORE_PROCESSING_REQUIRED) { out.push(cur); cur = []; }
  }
  if (cur.length) out.push(cur);
  return out;
}

const succeeded = (a: SessionLeg[]) => { const l = a[a.length - 1]; return !!l.resp && !isError(l.resp.status) && (l.resp.status >>> 0) !== W.STATUS_MORE_PROCESSING_REQUIRED; };

/**
 * The attempt that established the session the connection used, if any: c.sessions itself when
 * that attempt is all of its legs (a healthy connection's; no copy made for each of the several
 * times it is asked), else a copy of the attempt's. Read it during the call: do not keep it.
 */
export function establishedAttempt(c: ConnModel): SessionLeg[] | undefined {
  // attempts(c).find(succeeded), without making every attempt's array (asked for each of
  // 50,000 connections several times): an attempt ends at a leg that is not
  // MORE_PROCESSING_REQUIRED, and succeeded when that leg has a response that is no error
  const legs = c.sessions;
  let start = 0;
  for (let i = 0; i < legs.length; i++) {
    const r = legs[i].resp;
    if (r && (r.status >>> 0) === W.STATUS_MORE_PROCESSING_REQUIRED) continue;
    if (r && !isError(r.status)) return start === 0 && i === legs.length - 1 ? legs : legs.slice(start, i + 1);
    start = i + 1;
  }
  return undefined;
}

/**
 * STATUS_NETWORK_SESSION_EXPIRED answers the re-authentication of an existing session whose
 * authentication expired: the client authenticates it again (MS-SMB2 3.2.5.1.6, 3.3.5.2.9). It
 * says nothing about the credentials, so it is never a failed logon.
 */
export const sessionExpired = (leg: SessionLeg) => !!leg.resp && (leg.resp.status >>> 0) === W.STATUS_NETWORK_SESSION_EXPIRED;

/** failedExtraAttempts(c).length > 0, without making the attempts (asked of every connection). */
export function hasFailedExtraAttempt(c: ConnModel): boolean {
  let ok = false, failed = false;
  for (let i = 0; i < c.sessions.length; i++) {
    const l = c.sessions[i], r = l.resp;
    if (r && (r.status >>> 0) === W.STATUS_MORE_PROCESSING_REQUIRED) continue; // the attempt goes on
    // the attempt ends here: succeeded, failed (not an expiry), or unanswered
    if (r && !isError(r.status)) ok = true;
    else if (r && !sessionExpired(l)) failed = true;
  }
  return ok && failed;
}

/** Attempts that failed although another attempt on the same connection succeeded. */
export function failedExtraAttempts(c: ConnModel): SessionLeg[][] {
  const all = attempts(c);
  if (!all.some(succeeded)) return [];
  return all.filter((a) => { const l = a[a.length - 1]; return !!l.resp && isError(l.resp.status) && !sessionExpired(l); });
}

export function finalNegotiate(c: ConnModel) {
  return c.negotiates[c.negotiates.length - 1];
}

/** `est`: establishedAttempt(c), when the caller has it already. */
export function authOf(c: ConnModel, est: SessionLeg[] | undefined = establishedAttempt(c)): Connection["auth"] {
  let auth: Connection["auth"] = null;
  const legs = est ?? c.sessions;
  for (let i = 0; i < legs.length; i++) {
    const leg = legs[i];
    const flags = leg.resp?.sessionFlags ?? 0;
    const ok = leg.resp && !isError(leg.resp.status);
    if (ok && (flags & W.SMB2_SESSION_FLAG_IS_NULL)) return "anonymous";
    if (ok && ((flags & W.SMB2_SESSION_FLAG_IS_GUEST) || (leg.req.smb1 && ((leg.resp!.action ?? 0) & 1)))) return "guest";
    const a = leg.req.auth;
    // SMB1 without extended security: an empty account name is a null session (MS-CIFS 2.2.4.53)
    const smb1Null = leg.req.smb1 && a.ntlmType === undefined && a.user === "" && !a.domain;
    if ((a.ntlmType === 3 && (a.ntlmVersion === 0 || (!a.user && !a.domain))) || smb1Null) auth = "anonymous";
    else if (a.mech === "kerberos" || leg.resp?.auth.mech === "kerberos") auth = "kerberos";
    else if (a.mech === "ntlm" || a.ntlmType !== undefined) auth ??= "ntlm";
  }
  return auth;
}

/**
 * One record per distinct NTLM VERSION, shared by the connections that show it: nearly all of a
 * capture's connections name the same few systems, and each record is two strings and an
 * object (~300 bytes per connection when made for each). Bounded: cleared when full.
 */
const OS_MAX = 1024;
const osSeen = new Map<number, { version: string; name: string }>();
function osOf(v: number | undefined): { version: string; name: string } | null {
  if (v === undefined) return null;
  let o = osSeen.get(v);
  if (!o) {
    if (osSeen.size >= OS_MAX) osSeen.clear();
    osSeen.set(v, (o = osVersion(v)));
  }
  return o;
}

/** The server's names: its CHALLENGE's target info, and the NETNAME context of the client's NEGOTIATE. */
function serverNameOf(c: ConnModel): Connection["serverName"] {
  let ch: NonNullable<SessionLeg["resp"]>["auth"] | undefined;
  for (let i = 0; i < c.sessions.length; i++) { const a = c.sessions[i].resp?.auth; if (a?.nbComputer || a?.dnsComputer) { ch = a; break; } }
  let netname: string | null = null;
  for (let i = 0; i < c.negotiates.length; i++) { const r = c.negotiates[i].req; if (r?.netname) { netname = r.netname; break; } }
  if (!ch && !netname) return null;
  return { netbios: ch?.nbComputer ?? null, dns: ch?.dnsComputer ?? null, domain: ch?.nbDomain ?? null, netname };
}

export function userOf(c: ConnModel, est: SessionLeg[] | undefined = establishedAttempt(c)): string | null {
  const legs = est ?? c.sessions;
  for (let i = legs.length - 1; i >= 0; i--) {
    const a = legs[i].req.auth;
    if (a.user !== undefined && (a.user !== "" || a.domain)) return a.domain ? `${a.domain}\\${a.user}` : a.user;
  }
  return null;
}

/** How a connection ended: the first FIN, RST or LOGOFF in it, and which side sent it. */
export interface Ending { how: "fin" | "rst" | "logoff"; by: "client" | "server"; frame: number; ts: number }

export function endingOf(c: ConnModel): Ending | null {
  const e = endingInto(c, scratchEnding);
  return e ? { how: e.how, by: e.by, frame: e.frame, ts: e.ts } : null;
}

/** endingOf(c), written into `out` (returned; null for none): for a caller that reads it during the call only. */
function endingInto(c: ConnModel, out: Ending): Ending | null {
  // the earliest of them (the first named wins a tie), as one Ending (no closure, no Ending per candidate)
  let how: Ending["how"] = "logoff";
  let e: EndEvent | undefined = c.logoff;
  if (c.finClient && (!e || c.finClient.frame < e.frame)) { how = "fin"; e = c.finClient; }
  if (c.finServer && (!e || c.finServer.frame < e.frame)) { how = "fin"; e = c.finServer; }
  if (c.rst && (!e || c.rst.frame < e.frame)) { how = "rst"; e = c.rst; }
  if (!e) return null;
  out.how = how; out.by = e.fromClient ? "client" : "server"; out.frame = e.frame; out.ts = e.ts;
  return out;
}
/** summarize's Ending, read during its call (no Ending made per connection summed up) */
const scratchEnding: Ending = { how: "fin", by: "client", frame: 0, ts: 0.5 };
type EndEvent = { frame: number; ts: number; fromClient: boolean };

/**
 * A connection one side ended after a response, without the step the protocol expects next
 * (NEGOTIATE → SESSION_SETUP, MORE_PROCESSING_REQUIRED → the next leg, SESSION_SETUP success →
 * TREE_CONNECT): where it stopped, the response it stopped after, and what did not follow.
 * `end` is null when the capture ends with the connection still open (no verdict then).
 */
export interface Abandonment {
  phase: Phase;
  /** the last response before the end */
  after: SmbResponse;
  /** "SESSION_SETUP", "the next SESSION_SETUP leg", "TREE_CONNECT", "an SMB2 NEGOTIATE" */
  expected: string;
  end: Ending | null;
}

// (a function of its own, not a closure over `end`: that made a context at every call, of every connection)
const abandoned = (phase: Phase, after: SmbResponse, expected: string, end: Ending | null): Abandonment =>
  ({ phase, after, expected, end: end && end.frame > after.frame ? end : null });

/** `est`, `end`: establishedAttempt(c) and endingOf(c), when the caller has them already. */
export function abandonment(c: ConnModel, est?: SessionLeg[] | null, end?: Ending | null): Abandonment | null {
  if (c.encrypted || c.trees.length > 0) return null;
  const neg = finalNegotiate(c);
  // started mid-connection without its NEGOTIATE: the tree connects may predate the capture
  if (c.midstream && !neg) return null;
  if (end === undefined) end = endingOf(c);
  if (c.sessions.length === 0) {
    if (!neg?.resp || isError(neg.resp.status) || neg.resp.dialect === null) return null;
    // an SMB2 "2.???" answer to a multi-protocol SMB1 NEGOTIATE asks for a second, SMB2 NEGOTIATE (MS-SMB2 3.2.5.2)
    return abandoned("negotiate", neg.resp, neg.resp.dialect === "2.???" ? "an SMB2 NEGOTIATE" : "SESSION_SETUP", end);
  }
  if (est === undefined) est = establishedAttempt(c);
  const last = c.sessions[c.sessions.length - 1];
  if (est) {
    const l = est[est.length - 1];
    // a later attempt (a re-authentication, a bind) that failed or waits is judged elsewhere
    if (last !== l) return null;
    // a multichannel bind (SMB2_SESSION_FLAG_BINDING, MS-SMB2 2.2.5) adds a channel to a session
    // whose trees exist already: its I/O needs no TREE_CONNECT of its own
    if (((l.req.flags ?? 0) & W.SMB2_SESSION_FLAG_BINDING) !== 0) return null;
    // an anonymous session the client asked for and then logged off from is a probe (server
    // information, a share list over RPC), ended in order
    if (end?.how === "logoff" && end.by === "client" && authOf(c, est) === "anonymous") return null;
    return abandoned("session_setup", l.resp!, "TREE_CONNECT", end);
  }
  if (last.resp && (last.resp.status >>> 0) === W.STATUS_MORE_PROCESSING_REQUIRED) return abandoned("session_setup", last.resp, "the next SESSION_SETUP leg", end);
  return null;
}

/**
 * The server reset the connection right after a request it never answered: its refusal (a
 * malformed or unsupported message, say), not a response lost on the way. Longer silences before
 * the reset are the no-response pattern (a filter driver holding the request, then a timeout).
 */
export const SERVER_RESET_MS = 1000;
export function serverResetAfter(c: ConnModel, req: { frame: number; ts: number }): boolean {
  return !!c.rst && !c.rst.fromClient && c.rst.frame > req.frame && c.rst.ts - req.ts < SERVER_RESET_MS;
}

/**
 * How far the connection got: the first phase that did not complete decides it. `captureEnd`
 * tells a request the capture simply stopped after (incomplete) from one left unanswered. A
 * connection that a side ended after a response, without the next step, failed where it stopped.
 */
export function outcomeOf(c: ConnModel, captureEnd: number | null, est: SessionLeg[] | undefined = establishedAttempt(c), end?: Ending | null): Judged {
  const neg = finalNegotiate(c);
  const closed = !!(c.rst || c.finClient || c.finServer);
  // A connection that established a session is judged by what followed; extra attempts that
  // failed on it (e.g. refused multichannel binds) are findings, not its outcome.
  const lastLeg = est ? undefined : c.sessions[c.sessions.length - 1];
  let failedTree: TreeConnect | undefined, unansweredTree: TreeConnect | undefined;
  for (let i = 0; i < c.trees.length; i++) {
    const t = c.trees[i];
    if (!t.resp) unansweredTree ??= t;
    else if (failedTree === undefined && isError(t.resp.status)) failedTree = t;
  }
  const hasSmb = c.negotiates.length > 0 || c.sessions.length > 0 || c.trees.length > 0 || c.encrypted;
  if (c.syns.length && !c.synAck && !hasSmb && !c.midstream) {
    if ((c.rst && !c.rst.fromClient) || c.icmp) return judged("failed", "tcp"); // refused by a reset or an ICMP error
    return judged("no-response", "tcp");
  } else if (c.nbssResponse && !c.nbssResponse.positive) {
    return judged("failed", "negotiate");
  } else if (c.nbssRequest && !c.nbssResponse && !hasSmb) {
    return unanswered(c, c.nbssRequest, "negotiate", closed, captureEnd);
  } else if (neg?.req && !neg.resp && c.sessions.length === 0) {
    return unanswered(c, neg.req, "negotiate", closed, captureEnd);
  } else if (neg?.resp && isError(neg.resp.status)) {
    return judged("failed", "negotiate", neg.resp);
  } else if (neg?.resp?.smb1 && neg.resp.dialect === null) {
    return judged("failed", "negotiate");
  } else if (lastLeg && !lastLeg.resp && !failedTree) {
    return unanswered(c, lastLeg.req, "session_setup", closed, captureEnd);
  } else if (lastLeg?.resp && closed && blobKerberosError(lastLeg) && !failedTree) {
    return judged("failed", "session_setup"); // the server's Kerberos refused the ticket (a KRB-ERROR in the blob), the client gave up
  } else if (lastLeg && sessionExpired(lastLeg) && !failedTree) {
    // a session older than the capture asked to re-authenticate, and the capture shows no more
    return judged("incomplete", null);
  } else if (lastLeg?.resp && isError(lastLeg.resp.status) && !sessionExpired(lastLeg)) {
    return judged("failed", "session_setup", lastLeg.resp);
  } else if (failedTree) {
    return judged("failed", "tree_connect", failedTree.resp!);
  } else if (unansweredTree && !c.encrypted) {
    return unanswered(c, unansweredTree.req, "tree_connect", closed, captureEnd);
  } else if (!neg && c.sessions.length === 0 && c.trees.length === 0) {
    return judged("incomplete", null); // started mid-connection, or nothing of the setup was captured
  }
  const ab = abandonment(c, est ?? null, end);
  // ended without the next step: failed there; still open when the capture stopped: incomplete
  if (ab) return judged(ab.end ? "failed" : "incomplete", ab.end ? ab.phase : null);
  return OK;
}

type Judged = Readonly<{ outcome: Outcome; failedPhase: Phase | null; status: string | null }>;
const judged = (outcome: Outcome, failedPhase: Phase | null, r: SmbResponse | null = null): Judged => ({ outcome, failedPhase, status: r === null ? null : responseStatus(r) });
/** the judgement of every connection set up fine (asked two or three times of each): one object */
const OK: Judged = Object.freeze(judged("ok", null));

/**
 * A request left unanswered: refused by a server reset; cut off by the capture's end, or with
 * server bytes lost after it (the response may be in the hole): incomplete; else no-response.
 */
function unanswered(c: ConnModel, req: { frame: number; ts: number }, p: Phase, closed: boolean, captureEnd: number | null): Judged {
  const endedSoonAfter = !closed && captureEnd !== null && captureEnd - req.ts < 2000;
  return judged(serverResetAfter(c, req) ? "failed"
    : endedSoonAfter || serverGapAfter(c, req.frame) ? "incomplete" : "no-response", p);
}

/** Server bytes were lost after frame `frame` (the response may be in the hole). */
function serverGapAfter(c: ConnModel, frame: number): boolean {
  for (let i = 0; i < c.gaps.length; i++) if (!c.gaps[i].fromClient && c.gaps[i].frame > frame) return true;
  return false;
}

/**
 * The connection's facts for the rules and its Report record (connectionRecord.ts). `same`: the
 * analysis's shared values; with it, the record's small objects (signing, the server's names, the
 * systems) are the shared copies already (a capture of 50,000 connections held 50,000 of each
 * through the diagnosis before). The lists are made of their length (an array grown by push keeps
 * room for 16), and most connections have no share: the shared empty list. `withPhases` false:
 * the phases are the shared empty list, for the caller to set (phasesOf) when it makes the
 * record; no rule reads them (~400 B a connection through the diagnosis).
 */
export function summarize(c: ConnModel, captureEnd: number | null, same?: SharedValues, withPhases = true): Omit<Connection, "findings"> {
  const neg = finalNegotiate(c);
  const shares: ShareRecord[] = c.trees.length ? new Array<ShareRecord>(c.trees.length) : NONE;
  for (let i = 0; i < c.trees.length; i++) {
    const t = c.trees[i];
    const status = t.resp ? responseStatus(t.resp) : null, responseFrame = t.resp?.frame ?? null;
    const encrypted = t.resp?.shareFlags !== undefined ? (t.resp.shareFlags & W.SMB2_SHAREFLAG_ENCRYPT_DATA) !== 0 : undefined;
    // (two literals, not a spread of an object made for each share)
    shares[i] = t.req.decrypted
      ? { path: t.path, status, requestFrame: t.req.frame, responseFrame, encrypted, decrypted: true }
      : { path: t.path, status, requestFrame: t.req.frame, responseFrame, encrypted };
  }

  const est = establishedAttempt(c);
  // (read during this call only: outcomeOf keeps no Ending, and the record's own is made below)
  const end = endingInto(c, scratchEnding);
  const { outcome, failedPhase, status } = outcomeOf(c, captureEnd, est, end);

  // Posture
  const dialect = neg?.resp?.dialect ?? null;
  let signing: Connection["signing"] = null;
  if (neg?.req?.secMode !== undefined || neg?.resp?.secMode !== undefined) {
    const smb1 = neg.resp?.smb1 ?? neg.req?.smb1;
    const req = smb1 ? 0x08 : W.SMB2_SIGNING_REQUIRED;
    let clientMode = neg.req?.secMode ?? 0;
    for (let i = 0; i < c.sessions.length; i++) { const m = c.sessions[i].req.secMode; if (m !== undefined) { clientMode = m; break; } }
    const clientRequired = !smb1 && (clientMode & req) !== 0, serverRequired = ((neg.resp?.secMode ?? 0) & req) !== 0;
    // one of the four postures, each made once and frozen (as SharedValues shares them: it keeps
    // the first it is given of each; a record's is frozen already, connectionRecord.ts)
    signing = (SIGNINGS[+clientRequired * 2 + +serverRequired] ??= Object.freeze({ clientRequired, serverRequired }));
    if (same) signing = same.signing(signing);
  }
  let encryption: Connection["encryption"] = "none";
  let sessionEncrypt = false, shareEncrypt = false;
  for (let i = 0; i < c.sessions.length; i++) { const r = c.sessions[i].resp; if (r && ((r.sessionFlags ?? 0) & W.SMB2_SESSION_FLAG_ENCRYPT_DATA)) sessionEncrypt = true; }
  for (let i = 0; i < shares.length; i++) if (shares[i].encrypted) shareEncrypt = true;
  if (sessionEncrypt) encryption = "session";
  else if (shareEncrypt) encryption = "share";
  else if (c.encrypted) encryption = "unknown";

  const ended: Connection["ended"] = c.rst ? (c.rst.fromClient ? "rst-client" : "rst-server")
    : c.finClient && (!c.finServer || c.finClient.ts <= c.finServer.ts) ? "fin-client" : c.finServer ? "fin-server" : "open";

  let serverName = serverNameOf(c);
  // who is talking: the NTLM VERSION of the client's NEGOTIATE/AUTHENTICATE and the server's CHALLENGE
  let clientOs = osOf(firstOs(c.sessions, false));
  let serverOs = osOf(firstOs(c.sessions, true));
  if (same) {
    if (serverName) serverName = same.serverName(serverName);
    if (clientOs) clientOs = same.os(clientOs);
    if (serverOs) serverOs = same.os(serverOs);
  }
  const r: Omit<Connection, "findings"> & { findings: undefined } = {
    id: `${c.client}-${c.server}`,
    stream: c.stream,
    client: c.client,
    server: c.server,
    transport: c.serverPort === W.PORT_NBSS || c.nbssRequest ? "netbios" : "direct",
    firstFrame: c.firstFrame,
    lastFrame: c.lastFrame,
    dialect,
    signing,
    encryption,
    auth: authOf(c, est),
    user: userOf(c, est),
    phases: withPhases ? phasesOf(c) : NONE,
    shares,
    outcome,
    failedPhase,
    status,
    ended,
    ending: end ? { how: end.how, by: end.by, frame: end.frame } : null,
    midstream: c.midstream,
    smb1: c.smb1,
    spn: firstSpn(c.sessions, false) || null,
    kerberosService: firstSpn(c.sessions, true) || null,
    serverName,
    clientOs,
    serverOs,
    decryption: c.decryption,
    // (a ladder the builder let go stays empty: the shared empty list; buildReport adds Kerberos
    // messages only to the others)
    ladder: c.ladder.length === 0 && c.ladderDropped ? NONE : c.ladder.map((l) => ({ frame: l.frame, offsetMs: ms(c.firstTs, l.ts), fromClient: l.fromClient, label: l.label, status: l.status ?? null, kind: l.kind, error: l.error })),
    // the record's last key (connectionRecord.ts sets it): in the literal, so that setting it
    // adds no property (a property array and a new shape per record)
    findings: undefined,
  };
  return r;
}

/** The four signing postures (by clientRequired * 2 + serverRequired), for the summaries given shared values. */
const SIGNINGS: (NonNullable<Connection["signing"]> | undefined)[] = [undefined, undefined, undefined, undefined];

// (loops, not a search given a function: an arrow function made per call, and the iterator of a
// for-of over the legs, were a third of what the fold allocated beyond the record: smb1m-1g)
/** The first request's SPN (`krb`: Kerberos service name) that is set (not empty). */
function firstSpn(legs: SessionLeg[], krb: boolean): string | undefined {
  for (let i = 0; i < legs.length; i++) { const a = legs[i].req.auth, x = krb ? a.krbSname : a.spn; if (x) return x; }
  return undefined;
}
/** The first NTLM VERSION of the requests (`server`: of the responses). */
function firstOs(legs: SessionLeg[], server: boolean): number | undefined {
  for (let i = 0; i < legs.length; i++) { const x = server ? legs[i].resp?.auth.osVersion : legs[i].req.auth.osVersion; if (x !== undefined) return x; }
  return undefined;
}

/** A SESSION_SETUP response whose blob carries a KRB-ERROR other than the pre-authentication ones (RFC 4120 7.5.9). */
export const blobKerberosError = (leg: SessionLeg) =>
  leg.resp?.auth.krbMsgType === 30 && leg.resp.auth.krbError !== undefined && !EXPECTED_KRB_ERRORS.has(leg.resp.auth.krbError);

/**
 * A Kerberos failure (an error after pre-authentication, or a KDC that never answered) that kept
 * the client from ever sending SESSION_SETUP: without a ticket there is no session to ask for
 * (MS-SMB2 3.2.4.2.3), so the connection it served failed at session setup, although no SMB
 * message carries an error.
 */
export function failedForKerberos(s: Pick<Connection, "outcome" | "failedPhase" | "status">, c: ConnModel): void {
  const neg = finalNegotiate(c);
  if (c.sessions.length || !neg?.resp || isError(neg.resp.status) || c.encrypted || !(c.rst || c.finClient || c.finServer)) return;
  s.outcome = "failed"; s.failedPhase = "session_setup"; s.status = null;
}
