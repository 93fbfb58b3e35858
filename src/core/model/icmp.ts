// ICMP destination-unreachable errors tied to what they refused: a connection's SYN (the quoted
// TCP header has the connection's addresses and ports) or a Kerberos request (the quoted UDP
// header has the request's). The quote is matched, never counted as a message of its own.
import { endpoint } from "../names";
import type { CaptureModel, ConnModel, IcmpMsg, KrbMsg } from "./types";
import type { PendingTcp } from "./pendingTcp";
import { appended } from "./lists";

/**
 * Sets `icmp` on every connection whose SYN an ICMP error answered (the first such error): of
 * the models and of the rows of `pending` (model/pendingTcp.ts, made models again later with
 * it), one list in Report order, the last connection of an id taking the errors quoting it.
 */
export function attachIcmp(m: CaptureModel, pending?: PendingTcp): void {
  if (m.icmp.length === 0) return;
  // (only the ids an error quotes: a scan's rows are 200,000 ids)
  const quotes = m.icmp.map((e) => (e.proto === "tcp" && e.srcPort !== null && e.dstPort !== null ? `${endpoint(e.src, e.srcPort)}-${endpoint(e.dst, e.dstPort)}` : null));
  const quoted = new Set<string | null>(quotes);
  quoted.delete(null);
  if (quoted.size === 0) return;
  const byId = new Map<string, ConnModel | number>();
  const conns = m.connections, rows = pending?.length ? pending.inOrder() : null, n = rows?.length ?? 0;
  for (let i = 0, k = 0; i < conns.length || k < n;) {
    if (k >= n || (i < conns.length && conns[i].order < pending!.order(rows![k]))) {
      const c = conns[i++];
      if (c.syns.length && !c.synAck) { const id = `${c.client}-${c.server}`; if (quoted.has(id)) byId.set(id, c); }
    } else {
      const j = rows![k++], id = pending!.id(j); // (every row: SYNs, no SYN-ACK)
      if (quoted.has(id)) byId.set(id, j);
    }
  }
  for (let i = 0; i < m.icmp.length; i++) {
    const e = m.icmp[i], q = quotes[i];
    const c = q === null ? undefined : byId.get(q);
    if (c === undefined) continue;
    if (typeof c === "number") {
      if (pending!.icmp(c) || e.ts < pending!.firstSynTs(c)) continue;
      pending!.setIcmp(c, e);
      continue;
    }
    if (c.icmp || e.ts < c.syns[0].ts) continue;
    icmpStep(c, e);
  }
}

/** `e` answered `c`'s SYN: its `icmp`, and the refusal in its ladder after the SYN it answers. */
export function icmpStep(c: ConnModel, e: IcmpMsg): void {
  c.icmp = e;
  if (!c.ladderDropped) {
    c.ladder = appended(c.ladder, { frame: e.frame, ts: e.ts, fromClient: false, label: `ICMP destination unreachable from ${e.sender}`, kind: "tcp", error: true });
    c.ladder.sort((a, b) => a.frame - b.frame);
  }
}

/** A lookup of the ICMP errors that quote a UDP request (same addresses and ports, at or after it). */
export function icmpForUdp(m: CaptureModel): (req: KrbMsg) => IcmpMsg[] {
  const by = new Map<string, IcmpMsg[]>();
  for (const e of m.icmp) {
    if (e.proto !== "udp" || e.srcPort === null || e.dstPort === null) continue;
    const k = `${endpoint(e.src, e.srcPort)}-${endpoint(e.dst, e.dstPort)}`;
    let l = by.get(k);
    if (!l) by.set(k, (l = []));
    l.push(e);
  }
  return (req) => (req.transport === "udp" ? (by.get(`${req.src}-${req.dst}`) ?? []).filter((e) => e.ts >= req.ts) : []);
}
