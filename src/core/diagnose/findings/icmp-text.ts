// How an ICMP destination-unreachable is named in findings: type, code and meaning.
import { ICMP_UNREACH_CODES, ICMPV6_UNREACH_CODES } from "../../names";
import type { IcmpMsg } from "../../model/types";

export function icmpText(e: IcmpMsg): string {
  const name = (e.v6 ? ICMPV6_UNREACH_CODES : ICMP_UNREACH_CODES)[e.code] ?? `code ${e.code}`;
  return `ICMP${e.v6 ? "v6" : ""} destination unreachable (type ${e.type}, code ${e.code}: ${name})`;
}

/** What the code says about who refused: a filter (administratively prohibited), no listener, no route. */
export function icmpMeaning(e: IcmpMsg): "prohibited" | "port" | "route" {
  if (e.v6) return e.code === 1 || e.code === 5 || e.code === 6 ? "prohibited" : e.code === 4 ? "port" : "route";
  return e.code === 9 || e.code === 10 || e.code === 13 ? "prohibited" : e.code === 3 ? "port" : "route";
}
