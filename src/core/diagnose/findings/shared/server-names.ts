// The names a capture knows for a server, for the commands of the remediation texts (issue 16:
// fill what the capture shows, keep a <placeholder> only for what it cannot). Its computer name
// comes from an NTLM CHALLENGE (MsvAvNbComputerName, MsvAvDnsComputerName, MS-NLMP 2.2.2.1) on any
// connection to the same address. (The name the client used is session-text.ts serverName.)
import { host, type DiagnoseContext } from "../../context";

export interface ServerAccount {
  /** the NetBIOS computer name ("DC1"): `setspn`, `netdom`, a Samba account DC1$ */
  netbios: string;
  /** its DNS name ("dc1.corp.example.test"), when the CHALLENGE carried it */
  dns: string | null;
  /** its NetBIOS domain (the computer name again when it is in no domain) */
  domain: string | null;
}

/** Per analysis, the computer each server address named itself (built once: a capture may hold 50,000 failing connections). */
const byContext = new WeakMap<DiagnoseContext, Map<string, ServerAccount>>();

/** The computer the server at this address said it is, in any CHALLENGE of the capture. */
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
      if (!byIp.has(ip)) byIp.set(ip, { netbios: n.netbios, dns: n.dns, domain: n.domain });
    }
  }
  return byIp.get(host(serverEndpoint)) ?? null;
}
