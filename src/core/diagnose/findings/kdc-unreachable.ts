// KDC_UNREACHABLE: Kerberos requests answered by an ICMP destination unreachable (the quoted UDP
// header names the request: same addresses and ports), or never answered at all. An error when
// the SMB connection they served then failed; a warning when the client fell back to NTLM.
import { add, smbConnections, type ConnView, type DiagnoseContext } from "../context";
import { displayFilter } from "../../filters";
import { icmpForUdp } from "../../model/icmp";
import type { KrbExchange } from "../../model/kerberos";
import type { IcmpMsg } from "../../model/types";
import { icmpText, icmpMeaning } from "./icmp-text";
import type { FindingModule } from "./module";

export const kdcUnreachable: FindingModule = {
  meta: { id: "KDC_UNREACHABLE",
    severity: "error",
    when: "Kerberos requests answered by ICMP unreachable or never answered",
    references: ["RFC 4120 7.2.1 (KDC messages over UDP and TCP, port 88)", "RFC 792 / RFC 4443 3.1 (destination unreachable)", "MS-KILE 3.1.5.1 (locating a KDC)"],
  },
  create(ctx) {
    // (every finding here is of an exchange: none, no index made, as for each connection diagnosed alone)
    if (ctx.exchanges.length === 0) return;
    // per client and KDC address: the requests that got no answer, and the ICMP errors quoting them
    const groups = new Map<string, { ex: KrbExchange[]; icmp: IcmpMsg[] }>();
    const icmpFor = icmpForUdp(ctx.model);
    // the last time each KDC sent this client anything (one pass, not one per request)
    // (per KDC, then client: a capture has few KDCs, and no string is made per message)
    const lastFrom = new Map<string, Map<string, number>>();
    const krb = ctx.model.kerberos;
    for (let i = 0; i < krb.length; i++) { // (indexed: see walk.ts)
      const k = krb[i];
      if (k.toKdc) continue;
      const l = lastFrom.get(k.srcIp);
      if (l) l.set(k.dstIp, k.ts); else lastFrom.set(k.srcIp, new Map([[k.dstIp, k.ts]]));
    }
    const exchanges = ctx.exchanges;
    for (let i = 0; i < exchanges.length; i++) {
      const ex = exchanges[i];
      if (!ex.req || ex.reply) continue;
      const icmp = icmpFor(ex.req);
      // unanswered without ICMP: only when nothing at all came back from that KDC to this client later
      if (!icmp.length && (lastFrom.get(ex.kdc)?.get(ex.client) ?? -Infinity) >= ex.req.ts) continue;
      const key = `${ex.client}|${ex.kdc}|${ex.conn?.stream ?? ""}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { ex: [], icmp: [] }));
      g.ex.push(ex);
      for (const e of icmp) if (!g.icmp.includes(e)) g.icmp.push(e);
    }
    for (const g of groups.values()) report(ctx, g.ex, g.icmp);
  },
};

function report(ctx: DiagnoseContext, exs: KrbExchange[], icmp: IcmpMsg[]): void {
  const ex = exs[0];
  const v: ConnView | null = exs.map((e) => (e.conn ? ctx.viewOf.get(e.conn) : undefined)).find((x) => x) ?? null;
  const reqs = exs.map((e) => e.req!);
  const reqFrames = reqs.map((r) => r.frame);
  const fellBack = v ? v.m.sessions.some((l) => l.req.auth.ntlmType !== undefined) && v.s.outcome === "ok" : false;
  const severity = !v ? (smbConnections(ctx) ? "info" : "error") : fellBack ? "warning" : "error";
  add(ctx, { id: "KDC_UNREACHABLE", severity, connection: v?.s.id ?? null, frames: [...reqFrames, ...icmp.map((e) => e.frame)].sort((a, b) => a - b) }, v ?? undefined, () => {
  const kinds = [...new Set(reqs.map((r) => (r.msgType === 10 ? "AS-REQ" : r.msgType === 12 ? "TGS-REQ" : "request")))].join(" and ");
  const realm = reqs.map((r) => r.realm).find((x) => x) ?? null;
  const first = icmp[0];
  const answered = first
    ? `${first.sender === ex.kdc ? `The KDC's address ${ex.kdc}` : `${first.sender} (on the way to ${ex.kdc})`} answered with ${icmpText(first)} (frame${icmp.length > 1 ? "s" : ""} ${icmp.map((e) => e.frame).join(", ")}); the error quotes the request's own addresses and ports, so it is the answer to it, not a new request. ${icmpMeaning(first) === "port" ? `The host is there but nothing listens on UDP port 88: ${ex.kdc} is not a KDC (a wrong address in krb5.conf or DNS SRV records, or the KDC service is stopped).` : icmpMeaning(first) === "prohibited" ? "A firewall refuses Kerberos traffic to the KDC." : "There is no route to the KDC, or the host is down."}`
    : `No answer came back from ${ex.kdc}, neither a Kerberos reply nor an ICMP error: the requests are dropped on the way (a firewall that drops port 88), the address is not a KDC, or the reply is lost.`;
  const smb = v
    ? fellBack
      ? ` The client then fell back to NTLM on the SMB connection to ${v.s.server}, which worked: access works, but without Kerberos (and it breaks where NTLM is blocked).`
      : ` Without a ticket the client could not authenticate the SMB connection to ${v.s.server} (tcp.stream ${v.s.stream}); it never sent SESSION_SETUP.`
    : "";
  return {
    title: `KDC ${ex.kdc} unreachable${first ? `: ${icmpMeaning(first) === "port" ? "nothing on port 88" : icmpMeaning(first) === "prohibited" ? "Kerberos blocked" : "no route"}` : ": no answer"}${fellBack ? " (NTLM fallback worked)" : ""}`,
    explanation: `${ex.client} sent ${exs.length > 1 ? `${exs.length} Kerberos ${kinds}s` : `a Kerberos ${kinds}`} to ${ex.kdc} port 88 (frame${reqFrames.length > 1 ? "s" : ""} ${reqFrames.join(", ")}${ex.service ? `, for ${ex.service}` : ""}) and got no Kerberos answer. ${answered}${smb}`,
    remediation: [
      realm
        ? `Check which KDC the client uses for ${realm}: on Windows \`nltest /dsgetdc:${realm}\` and \`Resolve-DnsName -Type SRV _kerberos._tcp.${realm.toLowerCase()}\`; on Linux the \`kdc =\` lines of krb5.conf for ${realm} (or \`dns_lookup_kdc\` and the _kerberos._udp SRV records).`
        : "Check which KDC the client uses: on Windows `nltest /dsgetdc:` with the domain name and the _kerberos._tcp SRV records of the domain; on Linux the `kdc =` lines of krb5.conf (or `dns_lookup_kdc` and the _kerberos._udp SRV records).",
      `Test the port from the client: \`Test-NetConnection -ComputerName ${ex.kdc} -Port 88\` (TCP) / \`nc -vzu ${ex.kdc} 88\`; on the KDC, \`Get-Service kdc\` (Windows) or \`ss -lunp 'sport = :88'\` (Samba AD: the \`samba\` process).`,
      "Open UDP and TCP 88 from the clients to every domain controller on the firewalls in between.",
    ],
    filter: displayFilter({ frames: [...reqFrames, ...icmp.map((e) => e.frame)] }),
    references: kdcUnreachable.meta.references,
  };
  });
}
