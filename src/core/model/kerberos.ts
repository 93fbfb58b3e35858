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
      const ex = req ? replyOf.get(req)! : { req: null, reply: null, service: m.sname, client: m.dstIp, kdc: m.srcIp, conn: null };
      ex.reply = m;
      ex.service ??= m.sname;
      if (!req) exchanges.push(ex);
      replyOf.set(m, ex);
    }
  }
  // Attach to SMB connections: the first SMB connection from that client that starts after the
  // request (or is under way), within two minutes.
  const byClient = new Map<string, ConnModel[]>();
  for (const c of conns) {
    let l = byClient.get(c.clientIp);
    if (!l) byClient.set(c.clientIp, (l = []));
    l.push(c);
  }
  for (const ex of exchanges) {
    const t = (ex.req ?? ex.reply)!.ts;
    const cands = byClient.get(ex.client) ?? [];
    let best: ConnModel | null = null;
    for (const c of cands) {
      const sessionTs = c.sessions[0]?.req.ts ?? c.lastTs;
      if (t > sessionTs + 1 || c.lastTs + 1 < t) {
        // the exchange happened after this connection authenticated: only a service ticket
        // requested while the connection was waiting can belong to it
        if (!(c.sessions.length === 0 && t >= c.firstTs && t <= c.lastTs + 1)) continue;
      }
      if (t < c.firstTs - WINDOW_MS) continue;
      if (!best || Math.abs(c.firstTs - t) < Math.abs(best.firstTs - t)) best = c;
    }
    const svc = ex.service?.toLowerCase() ?? "";
    if (best && (svc.startsWith("cifs/") || svc.startsWith("krbtgt/") || svc === "")) ex.conn = best;
  }
  const records: KerberosRecord[] = msgs.map((m) => {
    const ex = replyOf.get(m);
    const err = m.errorCode;
    return {
      frame: m.frame,
      transport: m.transport,
      client: m.msgType === 10 || m.msgType === 12 ? m.srcIp : m.dstIp,
      kdc: m.msgType === 10 || m.msgType === 12 ? m.dstIp : m.srcIp,
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
