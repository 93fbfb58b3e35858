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
import { host, type ConnView, type DiagnoseContext } from "../../context";
import { isError, serverResetAfter } from "../../../model/summarize";

export type TcpVerdict =
  | { id: "PORT_139_FALLBACK"; other: ConnView }
  | { id: "TCP_REJECTED"; by: "icmp" | "rst" }
  | { id: "TCP_NO_ANSWER" };

/** The TCP finding of a connection that failed at the handshake, or null (it did not). */
export function tcpVerdict(ctx: DiagnoseContext, c: ConnView): TcpVerdict | null {
  const m = c.m;
  if (c.s.failedPhase !== "tcp") return null;
  // Windows tries 445 and 139 together and keeps whichever answers: the client got through
  const other = ctx.conns.find((o) => o !== c && o.s.outcome === "ok" && o.m.serverPort !== m.serverPort && host(o.s.client) === host(c.s.client) && host(o.s.server) === host(c.s.server));
  if (other) return { id: "PORT_139_FALLBACK", other };
  if (c.s.outcome === "failed" && m.icmp && !m.rst) return { id: "TCP_REJECTED", by: "icmp" };
  if (c.s.outcome === "failed" && m.rst) return { id: "TCP_REJECTED", by: "rst" };
  return { id: "TCP_NO_ANSWER" };
}

export type NegotiateVerdict =
  | { id: "NEGOTIATE_DIALECT_MISMATCH"; how: "smb1-only-client" | "server-closed-smb1" }
  | { id: "NEGOTIATE_FAILED" }
  | { id: "NEGOTIATE_NO_RESPONSE" };

const SMB2_DIALECTS = new Set(["2.0.2", "2.1", "2.2.2", "2.2.4", "3.0", "3.0.2", "3.1.0", "3.1.1", "SMB 2.002", "SMB 2.???"]);

/** The NEGOTIATE finding of a connection that failed at NEGOTIATE (its last one), or null. */
export function negotiateVerdict(c: ConnView): NegotiateVerdict | null {
  const m = c.m;
  if (c.s.failedPhase !== "negotiate") return null;
  const neg = m.negotiates[m.negotiates.length - 1];
  if (!neg) return null;
  if (neg.resp?.smb1 && neg.resp.dialect === null) return { id: "NEGOTIATE_DIALECT_MISMATCH", how: "smb1-only-client" };
  if (neg.resp && isError(neg.resp.status)) return { id: "NEGOTIATE_FAILED" };
  if (neg.req && !neg.resp && (c.s.outcome === "no-response" || serverResetAfter(m, neg.req))) {
    const offeredSmb2 = neg.req.smb1 ? neg.req.dialects.some((d) => SMB2_DIALECTS.has(d)) : true;
    if (neg.req.smb1 && !offeredSmb2 && (m.rst || m.finServer)) return { id: "NEGOTIATE_DIALECT_MISMATCH", how: "server-closed-smb1" };
    return { id: "NEGOTIATE_NO_RESPONSE" };
  }
  return null;
}
