// AUTH_NOT_ATTEMPTED: the NEGOTIATE was answered, then the client closed the connection without a
// SESSION_SETUP and without asking any KDC. A client that must use Kerberos (Kerberos required,
// or NTLM blocked: Windows 11 24H2 / Server 2025 BlockNTLM) and has no service name to ask a
// ticket for gives up so: an IP address as the server name is the usual reason (an SPN names a
// host, never an address; the SMB 3.1.1 NETNAME context shows the name the client used).
import { add, connsWith, F, foldedFromClient, host, streamFilter, type ConnView } from "../context";
import type { NegotiateInfo, TcpEvent } from "../../model/types";
import { namesOf, KRB_PAIR_WINDOW_MS } from "../../model/kerberos";
import { finalNegotiate, isError } from "../../model/summarize";
import type { FindingModule } from "./module";
import { serverAccount } from "./shared/server-names";
import { explainedByError } from "./shared/precedence";

const isAddress = (n: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(n) || (n.includes(":") && /^[0-9a-f:.]+$/i.test(n));

export const authNotAttempted: FindingModule = {
  meta: { id: "AUTH_NOT_ATTEMPTED",
    severity: "error",
    when: "after NEGOTIATE the client hangs up without SESSION_SETUP and without asking a KDC (IP target with Kerberos required, NTLM blocked)",
    references: ["MS-SMB2 3.2.4.2.3 Authenticating the User", "MS-SMB2 2.2.3.1.4 SMB2_NETNAME_NEGOTIATE_CONTEXT_ID", "MS-KILE 3.1.5.11 (SPNs name hosts)"],
    // after the modules that name a cause for a hang-up after NEGOTIATE (SMB1 signing, the
    // client's encryption mandate): it speaks only where none of them did
    fallback: true,
  },
  create(ctx) {
    // the connections that hung up after NEGOTIATE by the client, first: the lookups below are
    // then made for their clients only (not for every Kerberos message and connection)
    const cands: { c: ConnView; neg: NegotiateInfo & { resp: NonNullable<NegotiateInfo["resp"]> }; end: TcpEvent }[] = [];
    const bare = connsWith(ctx, F.NO_SESSION);
    for (let i = 0; i < bare.length; i++) { // (indexed: see walk.ts)
      const c = bare[i];
      const m = c.m;
      const neg = finalNegotiate(m);
      if (!neg?.resp || isError(neg.resp.status) || neg.resp.dialect === null || m.sessions.length || m.trees.length || m.encrypted) continue;
      if (explainedByError(ctx, c)) continue;
      // the client ended it: its FIN or RST (a server that closes is another story)
      const end = m.finClient && (!m.finServer || m.finClient.ts <= m.finServer.ts) ? m.finClient : m.rst?.fromClient ? m.rst : null;
      if (!end || end.ts < neg.resp.ts) continue;
      cands.push({ c, neg: neg as (typeof cands)[number]["neg"], end });
    }
    if (!cands.length) return;
    const clients = new Set(cands.map((x) => x.c.m.clientIp));
    // per client, the times it asked a KDC (capture order); and the servers it authenticated with
    const asked = new Map<string, number[]>();
    const krb = ctx.model.kerberos;
    for (let i = 0; i < krb.length; i++) {
      const k = krb[i];
      if (!k.toKdc || !clients.has(k.srcIp)) continue;
      const l = asked.get(k.srcIp);
      if (l) l.push(k.ts); else asked.set(k.srcIp, [k.ts]);
    }
    const authenticated = new Map<string, Set<string>>();
    const withSessions = connsWith(ctx, F.SESSIONS);
    for (let i = 0; i < withSessions.length; i++) {
      const o = withSessions[i];
      if (!clients.has(o.m.clientIp)) continue;
      const l = authenticated.get(o.m.clientIp);
      if (l) l.add(o.m.serverIp); else authenticated.set(o.m.clientIp, new Set([o.m.serverIp]));
    }
    // the folded connections with legs too (model/fold.ts: all the healthy ones)
    for (const ip of clients) {
      for (const i of foldedFromClient(ctx, ip)) {
        if (!ctx.folded.hasSessions(i)) continue;
        const l = authenticated.get(ip), server = ctx.folded.serverIp(i);
        if (l) l.add(server); else authenticated.set(ip, new Set([server]));
      }
    }
    const askedBetween = (ip: string, from: number, to: number) => {
      const l = asked.get(ip);
      if (!l) return false;
      let lo = 0, hi = l.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (l[mid] < from) lo = mid + 1; else hi = mid; }
      return lo < l.length && l[lo] <= to;
    };
    for (const { c, neg, end } of cands) {
      const m = c.m;
      if (explainedByError(ctx, c)) continue; // (again: a finding of this pass may name the same id)
      // no Kerberos request from this client around the connection (one would be a Kerberos failure, not this)
      if (askedBetween(m.clientIp, m.firstTs - KRB_PAIR_WINDOW_MS, end.ts)) continue;
      // a client that opened another connection to the same server and authenticated there only dropped a spare one
      if (authenticated.get(m.clientIp)?.has(m.serverIp)) continue;
      const resp = neg.resp;
      add(ctx, { id: this.meta.id, severity: "error", connection: c.s.id, frames: [neg.req?.frame, resp.frame, end.frame].filter((x): x is number => !!x) }, c, () => {
      const name = neg.req?.netname ?? namesOf(m)[0] ?? null;
      const ip = name !== null && isAddress(name);
      const named = name !== null
        ? `It named the server "${name}"${neg.req?.netname ? ` (the NETNAME context of its NEGOTIATE, frame ${neg.req.frame})` : ""}.`
        : "The capture does not show which name it used for the server (no NETNAME context: the dialect offer is older than 3.1.1).";
      const why = ip
        ? `An address has no Kerberos service principal (SPNs are registered for host names, cifs/ followed by the server's name), so the client had no ticket to ask for and did not try: it was told to use Kerberos only (smbclient \`--use-kerberos=required\`, a Linux mount with \`sec=krb5\`), or NTLM is blocked (Windows 11 24H2 / Server 2025: \`Set-SmbClientConfiguration -BlockNTLM $true\`, the Lanman Workstation policy "Block NTLM", \`net use /blockntlm\`). Without NTLM and without Kerberos nothing is left to authenticate with.`
        : `It did not ask a KDC for a ticket and did not offer NTLM either: a client that must use Kerberos and has no ticket-granting ticket or no KDC configured (no \`kinit\`, no realm in krb5.conf, not joined to the domain) while NTLM is blocked or disabled ends here.`;
      const computer = serverAccount(ctx, c.s.server)?.netbios ?? "<server computer name>";
      return {
        title: `No authentication attempted: ${host(c.s.client)} hung up after NEGOTIATE${ip ? ` (server named by its address ${name})` : ""}`,
        explanation: `${c.s.server} answered the NEGOTIATE (frame ${resp.frame}), and ${host(c.s.client)} closed the connection (frame ${end.frame}) without a SESSION_SETUP and without any Kerberos request. ${named} ${why}`,
        remediation: ip ? [
          `Connect by the server's name (its FQDN, the name its computer account has an SPN for) instead of the address ${name}; \`setspn -L ${computer}\` lists the SPNs of the server's computer account.`,
          `If the address must be used, either allow NTLM for this server (\`Set-SmbClientConfiguration -BlockNTLMServerExceptionList ${name}\`, or drop \`--use-kerberos=required\` / \`sec=krb5\`), or register an SPN for the address on the server's computer account (\`setspn -S cifs/${name} ${computer}\`; Windows clients try Kerberos for IP addresses only with the TryIPSPN client setting).`,
          "Windows clients log why in Microsoft-Windows-SMBClient/Security and /Connectivity (e.g. the NTLM-blocked events).",
        ] : [
          "Check that the client has a Kerberos ticket-granting ticket (`klist`) and a KDC for its realm (krb5.conf, or domain membership), and whether NTLM is blocked for this server (`Get-SmbClientConfiguration | Select BlockNTLM*`).",
          "Windows clients log why in Microsoft-Windows-SMBClient/Security and /Connectivity.",
        ],
        filter: streamFilter(c),
        references: authNotAttempted.meta.references,
      };
      });
    }
  },
};
