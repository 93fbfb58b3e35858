// Kerberos on port 88: pairs each reply with its request, says which errors are a normal part
// of pre-authentication, and attaches exchanges to the SMB connection they served (same client,
// close in time, service cifs/<name>).
import { KRB_ERRORS, KRB_MSG_TYPES } from "../names";
import type { KerberosRecord } from "../report";
import type { ConnModel, KrbMsg } from "./types";

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

const WINDOW_MS = 120_000;

/** The server name a connection was opened with (SMB 3.1.1 NETNAME context, or the AP-REQ's service). */
function namesOf(c: ConnModel): string[] {
  const out: string[] = [];
  for (const n of c.negotiates) if (n.req?.netname) out.push(n.req.netname.toLowerCase());
  for (const l of c.sessions) if (l.req.auth.krbSname?.toLowerCase().startsWith("cifs/")) out.push(l.req.auth.krbSname.slice(5).toLowerCase());
  return out;
}

const sameName = (a: string, b: string) => a === b || a.split(".")[0] === b.split(".")[0];

/**
 * The SMB connection a Kerberos exchange most likely served: same client; the request made
 * between two minutes before the connection and its first SESSION_SETUP; a matching server name
 * when the connection shows one; the closest in time after NEGOTIATE.
 */
function bestConnection(ex: KrbExchange, name: string | null, cands: ConnModel[]): ConnModel | null {
  const t = (ex.req ?? ex.reply)!.ts;
  let best: ConnModel | null = null;
  let bestScore = Infinity;
  for (const c of cands) {
    const firstSession = c.sessions.find((l) => l.req.frame)?.req.ts;
    if (t < c.firstTs - WINDOW_MS || t > (firstSession ?? c.lastTs) + 1) continue;
    let score = Math.abs(t - (c.negotiates[0]?.resp?.ts ?? c.firstTs));
    if (name) {
      const names = namesOf(c);
      if (names.length && !names.some((n) => sameName(n, name))) score += 10 * WINDOW_MS;
      else if (names.length) score -= WINDOW_MS;
    }
    if (score < bestScore) { bestScore = score; best = c; }
  }
  return best;
}

export function pairKerberos(msgs: KrbMsg[], conns: ConnModel[]): { exchanges: KrbExchange[]; records: KerberosRecord[] } {
  const pending = new Map<string, KrbMsg[]>();
  const exchanges: KrbExchange[] = [];
  const replyOf = new Map<KrbMsg, KrbExchange>();
  for (const m of msgs) {
    const isReq = m.msgType === 10 || m.msgType === 12;
    if (isReq) {
      const key = m.transport === "tcp" ? `t${m.stream}` : `u${m.src}|${m.dst}`;
      let l = pending.get(key);
      if (!l) pending.set(key, (l = []));
      l.push(m);
      const ex: KrbExchange = { req: m, reply: null, service: m.sname, client: m.srcIp, kdc: m.dstIp, conn: null };
      exchanges.push(ex);
      replyOf.set(m, ex);
    } else if (m.msgType === 11 || m.msgType === 13 || m.msgType === 30) {
      const key = m.transport === "tcp" ? `t${m.stream}` : `u${m.dst}|${m.src}`;
      const req = pending.get(key)?.shift();
      const ex = req ? replyOf.get(req)! : { req: null, reply: null, service: m.sname, client: m.toKdc ? m.srcIp : m.dstIp, kdc: m.toKdc ? m.dstIp : m.srcIp, conn: null };
      ex.reply = m;
      ex.service ??= m.sname;
      if (!req) exchanges.push(ex);
      replyOf.set(m, ex);
    }
  }
  // Attach service-ticket exchanges to the SMB connection they served, then each AS exchange to
  // the connection its client's next service ticket went to.
  const byClient = new Map<string, ConnModel[]>();
  for (const c of conns) {
    let l = byClient.get(c.clientIp);
    if (!l) byClient.set(c.clientIp, (l = []));
    l.push(c);
  }
  for (const ex of exchanges) {
    const svc = ex.service?.toLowerCase() ?? "";
    if (!svc.startsWith("cifs/")) continue;
    ex.conn = bestConnection(ex, svc.slice(5), byClient.get(ex.client) ?? []);
  }
  // Per client, the attached exchanges in capture order, to find "the next one" by binary search
  const attached = new Map<string, KrbExchange[]>();
  for (const ex of exchanges) {
    if (!ex.conn) continue;
    let l = attached.get(ex.client);
    if (!l) attached.set(ex.client, (l = []));
    l.push(ex);
  }
  const tsOf = (e: KrbExchange) => (e.req ?? e.reply)!.ts;
  for (const ex of exchanges) {
    const svc = ex.service?.toLowerCase() ?? "";
    if (svc.startsWith("cifs/")) continue;
    const t = tsOf(ex);
    const l = attached.get(ex.client) ?? [];
    let lo = 0, hi = l.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (tsOf(l[mid]) < t) lo = mid + 1; else hi = mid; }
    const next = lo < l.length && tsOf(l[lo]) - t < WINDOW_MS ? l[lo] : undefined;
    if (next) ex.conn = next.conn;
    else if (svc.startsWith("krbtgt/") || svc === "") ex.conn = bestConnection(ex, null, byClient.get(ex.client) ?? []);
  }
  const records: KerberosRecord[] = msgs.map((m) => {
    const ex = replyOf.get(m);
    const err = m.errorCode;
    return {
      frame: m.frame,
      transport: m.transport,
      client: m.toKdc ? m.srcIp : m.dstIp,
      kdc: m.toKdc ? m.dstIp : m.srcIp,
      message: (m.msgType !== null && KRB_MSG_TYPES[m.msgType]) || "unknown",
      error: err !== null ? KRB_ERRORS[err] ?? `error ${err}` : null,
      service: ex?.service ?? m.sname,
      realm: m.realm,
      expected: err !== null ? EXPECTED_KRB_ERRORS.has(err) : null,
      cname: m.cname ?? ex?.req?.cname ?? null,
      errorCode: err,
      etext: m.etext,
      connection: ex?.conn ? `${ex.conn.client}-${ex.conn.server}` : null,
    };
  });
  return { exchanges, records };
}
