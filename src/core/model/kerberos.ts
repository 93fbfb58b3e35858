// Kerberos on port 88: pairs each reply with its request, says which errors are a normal part
// of pre-authentication, and attaches exchanges to the SMB connection they served (same client,
// close in time, service cifs/ or host/ with a name the client used for that server). The others
// stay unattached: the Report lists them under Kerberos, not as a cause of an SMB connection.
import { KRB_ERRORS, KRB_MSG_TYPES } from "../names";
import type { KerberosRecord } from "../report";
import type { ConnModel, KrbMsg } from "./types";
import { establishedAttempt } from "./summarize";

/** Errors that are part of a normal exchange (RFC 4120 7.2.1, 7.5.9): the client retries. */
export const EXPECTED_KRB_ERRORS = new Set([25 /* PREAUTH_REQUIRED */, 52 /* RESPONSE_TOO_BIG: retry over TCP */]);

export interface KrbExchange {
  req: KrbMsg | null;
  reply: KrbMsg | null;
  service: string | null;
  client: string; // IP
  kdc: string;
  conn: ConnModel | null;
}

/** How long before a connection a Kerberos exchange may be the one that served it (bestConnection). */
export const KRB_PAIR_WINDOW_MS = 120_000;

/**
 * The host a Kerberos message speaks for as a client (the request's sender, the reply's
 * receiver). The fold (model/fold.ts) keeps a connection of a host whose message is in the
 * pairing's reach (an NTLM connection can be the one a failed or unanswered Kerberos exchange
 * served: KDC_UNREACHABLE on an NTLM fallback names it) until model/krbFinality.ts shows that no
 * exchange pairs with it. AUTH_NOT_ATTEMPTED looks as far back for a connection's own diagnosis.
 */
export function kerberosClient(toKdc: boolean, srcIp: string, dstIp: string): string {
  return toKdc ? srcIp : dstIp;
}

/** An exchange that got the client no ticket: an error after pre-authentication, or no answer at all. */
export const failedExchange = (ex: KrbExchange) =>
  (ex.req !== null && ex.reply === null) || (ex.reply?.msgType === 30 && ex.reply.errorCode !== null && !EXPECTED_KRB_ERRORS.has(ex.reply.errorCode));

/**
 * The names the client used for a connection's server: the SMB 3.1.1 NETNAME context, the server
 * part of its tree paths, the NTLM target name (MsvAvTargetName) and the Kerberos ticket's service
 * in its SESSION_SETUP blobs. Lower case, without the cifs/ or host/ prefix.
 */
export function namesOf(c: ConnModel): string[] {
  const out: string[] = [];
  const svc = (s: string | undefined) => { const m = s && /^(cifs|host)\/([^/@]+)/i.exec(s); if (m) out.push(m[2].toLowerCase()); };
  for (const n of c.negotiates) if (n.req?.netname) out.push(n.req.netname.toLowerCase());
  for (const l of c.sessions) { svc(l.req.auth.krbSname); svc(l.req.auth.spn); }
  for (const t of c.trees) { const m = /^\\\\([^\\]+)\\/.exec(t.path); if (m) out.push(m[1].toLowerCase()); }
  return out;
}

const isAddress = (n: string) => /^[0-9.]+$/.test(n) || n.includes(":");
/** Same host: the same name, or a short name and an FQDN of it (never two addresses that only share a prefix). */
const sameName = (a: string, b: string) => a === b || (!isAddress(a) && !isAddress(b) && a.split(".")[0] === b.split(".")[0]);

/** A service ticket an SMB client asks for: cifs/<name> or host/<name> (MS-KILE 3.3.5.6; host/ stands for cifs/ in AD). */
export function smbServiceName(service: string | null): string | null {
  const m = service && /^(cifs|host)\/([^/@]+)/i.exec(service);
  return m ? m[2].toLowerCase() : null;
}

/** An exchange that can lead to a connection's service ticket: ticket-granting (AS, TGS for krbtgt/), or of no service named (pairKerberos). */
export function ticketGranting(service: string | null): boolean {
  const svc = service?.toLowerCase() ?? "";
  return !smbServiceName(svc) && (svc.startsWith("krbtgt/") || svc === "");
}

/** The first and last times a Kerberos exchange can pair with `c` (bestConnection): two minutes before it to 1 ms after its first SESSION_SETUP (else its last packet). */
export const pairFrom = (c: ConnModel) => c.firstTs - KRB_PAIR_WINDOW_MS;
export const pairTo = (c: ConnModel) => (firstSessionTs(c) ?? c.lastTs) + 1;

/**
 * How close candidate `c` is to an exchange at `t` (lower is closer; ties go to the earlier
 * connection), or null when the exchange's service `name` is not one of the names `ns` its client
 * used for the server: the time from its NEGOTIATE response, less KRB_PAIR_WINDOW_MS when it
 * shows names and one is the service's (bestConnection; model/krbFinality.ts reads the same).
 */
export function pairScore(t: number, c: ConnModel, name: string | null, ns: string[]): number | null {
  let score = Math.abs(t - (c.negotiates[0]?.resp?.ts ?? c.firstTs));
  if (name && ns.length) {
    if (!ns.some((n) => sameName(n, name))) return null;
    score -= KRB_PAIR_WINDOW_MS;
  }
  return score;
}

const NO_NAMES: string[] = [];

/**
 * The SMB connection a Kerberos exchange most likely served: same client; the request made
 * between two minutes before the connection and its first SESSION_SETUP; the closest in time
 * after NEGOTIATE. With a service name, a connection that shows the names its client used for
 * the server is a candidate only if one of them is that name.
 */
function bestConnection(ex: KrbExchange, name: string | null, cands: ConnModel[], names: (c: ConnModel) => string[], ok?: (c: ConnModel) => boolean): ConnModel | null {
  const t = (ex.req ?? ex.reply)!.ts;
  let best: ConnModel | null = null;
  let bestScore = Infinity;
  for (let i = 0; i < cands.length; i++) { // (indexed: once per exchange, mostly before the optimizer has it)
    const c = cands[i];
    if (t < pairFrom(c) || t > pairTo(c) || (ok && !ok(c))) continue;
    const score = pairScore(t, c, name, name ? names(c) : NO_NAMES);
    if (score !== null && score < bestScore) { bestScore = score; best = c; }
  }
  return best;
}

/** When the connection's first SESSION_SETUP request in the capture was sent, if it has one. */
function firstSessionTs(c: ConnModel): number | undefined {
  const legs = c.sessions;
  for (let i = 0; i < legs.length; i++) if (legs[i].req.frame) return legs[i].req.ts;
  return undefined;
}

/**
 * What a Kerberos message's Report record takes of its exchange (kerberosRecord), per message:
 * texts only, so that the records can be made once the exchanges and the connections' models are
 * gone (reportBuilder.ts).
 */
export interface KrbPairing {
  /** the exchange's service, else the message's sname */
  service: (string | null)[];
  /** the message's cname, else its exchange's request's */
  cname: (string | null)[];
  /** the id of the connection the exchange served */
  connection: (string | null)[];
}

export function pairKerberos(msgs: KrbMsg[], conns: ConnModel[]): { exchanges: KrbExchange[]; pairing: KrbPairing } {
  // requests waiting for their reply: over TCP by stream, over UDP by the source's then the
  // destination's address and port (the model's own strings: no key string made per message)
  const pendingTcp = new Map<number, KrbExchange[]>(), pendingUdp = new Map<string, Map<string, KrbExchange[]>>();
  const exchanges: KrbExchange[] = [];
  /** the exchange of each message, by its index in msgs */
  const exOf: (KrbExchange | undefined)[] = new Array(msgs.length);
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    const isReq = m.msgType === 10 || m.msgType === 12;
    if (isReq) {
      const ex: KrbExchange = { req: m, reply: null, service: m.sname, client: m.srcIp, kdc: m.dstIp, conn: null };
      let pending: Map<number | string, KrbExchange[]>, key: number | string;
      if (m.transport === "tcp") { pending = pendingTcp; key = m.stream; }
      else {
        let bySrc = pendingUdp.get(m.src);
        if (!bySrc) pendingUdp.set(m.src, (bySrc = new Map()));
        pending = bySrc; key = m.dst;
      }
      const l = pending.get(key);
      if (l) l.push(ex); else pending.set(key, [ex]);
      exchanges.push(ex);
      exOf[i] = ex;
    } else if (m.msgType === 11 || m.msgType === 13 || m.msgType === 30) {
      const waiting = m.transport === "tcp" ? pendingTcp.get(m.stream) : pendingUdp.get(m.dst)?.get(m.src);
      const paired = waiting?.shift();
      const ex = paired ?? { req: null, reply: null, service: m.sname, client: kerberosClient(m.toKdc, m.srcIp, m.dstIp), kdc: m.toKdc ? m.dstIp : m.srcIp, conn: null };
      ex.reply = m;
      ex.service ??= m.sname;
      if (!paired) exchanges.push(ex);
      exOf[i] = ex;
    }
  }
  // (no message: no index of the connections by client, a capture of 200,000 of them without Kerberos made one for nothing)
  if (msgs.length === 0) return { exchanges, pairing: { service: [], cname: [], connection: [] } };
  // Attach service-ticket exchanges to the SMB connection they served, then each AS exchange to
  // the connection its client's next service ticket went to. (A client's connections: one as
  // itself, more in an array: most clients of a capture of 50,000 connections have one.)
  const byClientIp = new Map<string, ConnModel | ConnModel[]>();
  for (let i = 0; i < conns.length; i++) {
    const c = conns[i];
    const l = byClientIp.get(c.clientIp);
    if (l === undefined) byClientIp.set(c.clientIp, c);
    else if (Array.isArray(l)) l.push(c);
    else byClientIp.set(c.clientIp, [l, c]);
  }
  const NONE: ConnModel[] = [];
  const connsOf = (ip: string): ConnModel[] => { const l = byClientIp.get(ip); return l === undefined ? NONE : Array.isArray(l) ? l : [l]; };
  // the names each candidate's client used for its server, made once per connection (a client's
  // connections are candidates for each of its exchanges)
  const namesByConn = new Map<ConnModel, string[]>();
  const names = (c: ConnModel) => { let l = namesByConn.get(c); if (!l) namesByConn.set(c, (l = namesOf(c))); return l; };
  for (let i = 0; i < exchanges.length; i++) { // (indexed: see bestConnection)
    const ex = exchanges[i];
    const name = smbServiceName(ex.service);
    if (name) ex.conn = bestConnection(ex, name, connsOf(ex.client), names);
  }
  // Per client, the attached exchanges in capture order, to find "the next one" by binary search
  const attached = new Map<string, KrbExchange[]>();
  for (let i = 0; i < exchanges.length; i++) {
    const ex = exchanges[i];
    if (!ex.conn) continue;
    let l = attached.get(ex.client);
    if (!l) attached.set(ex.client, (l = []));
    l.push(ex);
  }
  const tsOf = (e: KrbExchange) => (e.req ?? e.reply)!.ts;
  // Only ticket-granting exchanges (AS, TGS for krbtgt/) can lead to a connection's service ticket;
  // a request for another service (ldap/, HTTP/, a user principal as user-to-user and S4U2Self
  // requests name) served something else. One that failed for real can have served only a
  // connection that never established a session (MS-SMB2 3.2.4.2.3: no ticket, no session).
  for (let i = 0; i < exchanges.length; i++) {
    const ex = exchanges[i];
    if (!ticketGranting(ex.service)) continue;
    const err = ex.reply?.msgType === 30 ? ex.reply.errorCode : null;
    const failed = err !== null && !EXPECTED_KRB_ERRORS.has(err);
    const couldServe = (c: ConnModel) => !failed || !establishedAttempt(c);
    const t = tsOf(ex);
    const l = attached.get(ex.client) ?? [];
    let lo = 0, hi = l.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (tsOf(l[mid]) < t) lo = mid + 1; else hi = mid; }
    const next = lo < l.length && tsOf(l[lo]) - t < KRB_PAIR_WINDOW_MS ? l[lo] : undefined;
    if (next) { if (couldServe(next.conn!)) ex.conn = next.conn; }
    else ex.conn = bestConnection(ex, null, connsOf(ex.client), names, couldServe);
  }
  // one id string per connection, shared by the records of its exchanges
  const idOf = new Map<ConnModel, string>();
  const connId = (c: ConnModel) => { let id = idOf.get(c); if (id === undefined) idOf.set(c, (id = `${c.client}-${c.server}`)); return id; };
  const n = msgs.length;
  const pairing: KrbPairing = { service: new Array(n), cname: new Array(n), connection: new Array(n) };
  for (let i = 0; i < n; i++) {
    const m = msgs[i], ex = exOf[i];
    pairing.service[i] = ex?.service ?? m.sname;
    pairing.cname[i] = m.cname ?? ex?.req?.cname ?? null;
    pairing.connection[i] = ex?.conn ? connId(ex.conn) : null;
  }
  return { exchanges, pairing };
}

/** The Report's record of Kerberos message `m`, the `i`-th of the capture's (pairing: pairKerberos). */
export function kerberosRecord(m: KrbMsg, i: number, pairing: KrbPairing): KerberosRecord {
  const err = m.errorCode;
  return {
    frame: m.frame,
    transport: m.transport,
    client: kerberosClient(m.toKdc, m.srcIp, m.dstIp),
    kdc: m.toKdc ? m.dstIp : m.srcIp,
    message: (m.msgType !== null && KRB_MSG_TYPES[m.msgType]) || "unknown",
    error: err !== null ? KRB_ERRORS[err] ?? `error ${err}` : null,
    service: pairing.service[i],
    realm: m.realm,
    expected: err !== null ? EXPECTED_KRB_ERRORS.has(err) : null,
    cname: pairing.cname[i],
    errorCode: err,
    etext: m.etext,
    connection: pairing.connection[i],
  };
}

/**
 * The Report's Kerberos records as a list that makes each when it is read (`slice`; `toJSON` for
 * JSON.stringify): what a ConnectionSink takes in place of Report.kerberos (connectionSink.ts).
 * The dense bench's 60,660 records were ~10 MB made at once at the end of buildReport, held
 * beside the kept connections' records until written; here a piece of them at a time, as the CLI
 * writes them (cli/jsonStream.ts), from the messages' store (krbStore.ts: its columns, no object
 * per message held) and the pairing's texts. Each record is made as buildReport made it
 * (kerberosRecord): the same JSON.
 */
export class KerberosRecords {
  /** `msg(i)`: message i of the capture's, as pairKerberos read it */
  constructor(private readonly msg: (i: number) => KrbMsg, readonly length: number, private readonly pairing: KrbPairing) {}
  slice(start = 0, end = this.length): KerberosRecord[] {
    end = Math.min(end, this.length);
    const out = new Array<KerberosRecord>(Math.max(0, end - start));
    for (let i = start; i < end; i++) out[i - start] = kerberosRecord(this.msg(i), i, this.pairing);
    return out;
  }
  toJSON(): KerberosRecord[] { return this.slice(); }
}
