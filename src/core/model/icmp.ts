// ICMP destination-unreachable errors tied to what they refused: a connection's SYN (the quoted
// TCP header has the connection's addresses and ports) or a Kerberos request (the quoted UDP
// header has the request's). The quote is matched, never counted as a message of its own.
import { endpoint } from "../names";
import type { CaptureModel, ConnModel, IcmpMsg, KrbMsg } from "./types";
import { appended } from "./lists";

/** Sets `icmp` on every connection whose SYN an ICMP error answered (the first such error). */
export function attachIcmp(m: CaptureModel): void {
  if (m.icmp.length === 0) return;
  const byId = new Map<string, ConnModel>();
  for (const c of m.connections) if (c.syns.length && !c.synAck) byId.set(`${c.client}-${c.server}`, c);
  for (const e of m.icmp) {
    if (e.proto !== "tcp" || e.srcPort === null || e.dstPort === null) continue;
    const c = byId.get(`${endpoint(e.src, e.srcPort)}-${endpoint(e.dst, e.dstPort)}`);
    if (!c || c.icmp || e.ts < c.syns[0].ts) continue;
    c.icmp = e;
    // the refusal belongs in the connection's ladder, after the SYN it answers
    if (!c.ladderDropped) {
      c.ladder = appended(c.ladder, { frame: e.frame, ts: e.ts, fromClient: false, label: `ICMP destination unreachable from ${e.sender}`, kind: "tcp", error: true });
      c.ladder.sort((a, b) => a.frame - b.frame);
    }
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
