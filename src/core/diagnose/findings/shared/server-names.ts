// The names a capture knows for a server, for the commands of the remediation texts (issue 16:
// fill what the capture shows, keep a <placeholder> only for what it cannot). Its computer name
// comes from an NTLM CHALLENGE (MsvAvNbComputerName, MsvAvDnsComputerName, MS-NLMP 2.2.2.1) on any
// connection to the same address. (The name the client used is session-text.ts serverName.)
import { host, foldedToServer, type DiagnoseContext } from "../../context";

export interface ServerAccount {
  /** the NetBIOS computer name ("DC1"): `setspn`, `netdom`, a Samba account DC1$ */
  netbios: string;
  /** its DNS name ("dc1.corp.example.test"), when the CHALLENGE carried it */
  dns: string | null;
  /** its NetBIOS domain (the computer name again when it is in no domain) */
  domain: string | null;
}

/** Per analysis, the computer each server address named itself (built once: a capture may hold 50,000 failing connections). */
const byContext = new WeakMap<DiagnoseContext, Map<string, ServerAccount & { order: number }>>();

/** The computer the server at this address said it is, in the first CHALLENGE of the capture (Report order). */
export function serverAccount(ctx: DiagnoseContext, serverEndpoint: string): ServerAccount | null {
  let byIp = byContext.get(ctx);
  if (!byIp) {
    byContext.set(ctx, (byIp = new Map()));
    const conns = ctx.conns;
    for (let i = 0; i < conns.length; i++) { // (indexed: see walk.ts)
      const c = conns[i];
      const n = c.s.serverName;
      if (!n?.netbios) continue;
      const ip = c.m.serverIp; // host(c.s.server), as the model has it
      if (!byIp.has(ip)) byIp.set(ip, { netbios: n.netbios, dns: n.dns, domain: n.domain, order: c.m.order });
    }
    // and the folded connections' (model/fold.ts), where one comes first
    for (const ip of new Set(conns.map((c) => c.m.serverIp))) {
      const kept = byIp.get(ip);
      for (const i of foldedToServer(ctx, ip)) {
        const order = ctx.folded.order(i);
        if (kept && kept.order < order) break;
        const n = ctx.folded.serverName(i);
        if (n?.netbios) { byIp.set(ip, { netbios: n.netbios, dns: n.dns, domain: n.domain, order }); break; }
      }
    }
  }
  const a = byIp.get(host(serverEndpoint));
  return a ? { netbios: a.netbios, dns: a.dns, domain: a.domain } : null;
}
