// Which finding a situation gets, where several could claim it: the one place that decides it
// (the finding modules consult these verdicts through the walk, walk.ts, and never repeat the
// conditions). Precedence and suppression, in words:
// - TCP: a connect refused or unanswered while the same client reached the same server on another
//   port is PORT_139_FALLBACK (information), never a TCP failure; otherwise TCP_REJECTED when a
//   reset (or, without one, an ICMP error quoting the SYN) answered, else TCP_NO_ANSWER.
import { host, type ConnView, type DiagnoseContext } from "../../context";

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
