// The names a capture knows for a server, for the commands of the remediation texts (issue 16:
// fill what the capture shows, keep a <placeholder> only for what it cannot). Its computer name
// comes from an NTLM CHALLENGE (MsvAvNbComputerName, MsvAvDnsComputerName, MS-NLMP 2.2.2.1) on any
// connection to the same address. (The name the client used is session-text.ts serverName.)
import { host, connsToServer, foldedToServer, type DiagnoseContext } from "../../context";

export interface ServerAccount {
  /** the NetBIOS computer name ("DC1"): `setspn`, `netdom`, a Samba account DC1$ */
  netbios: string;
  /** its DNS name ("dc1.corp.example.test"), when the CHALLENGE carried it */
  dns: string | null;
  /** its NetBIOS domain (the computer name again when it is in no domain) */
  domain: string | null;
}

/** The computer the server at this address said it is, in the first CHALLENGE of the capture (Report order). */
export function serverAccount(ctx: DiagnoseContext, serverEndpoint: string): ServerAccount | null {
  // per analysis and server address (asked per failing connection: found once per address); on
  // the context's lookups, which a reused context drops (context.ts resetContext)
  const byIp = ((ctx.index ??= {}).serverAccount ??= new Map()) as Map<string, ServerAccount | null>;
  const ip = host(serverEndpoint);
  let a = byIp.get(ip);
  if (a === undefined) byIp.set(ip, (a = firstAccount(ctx, ip)));
  return a ? { netbios: a.netbios, dns: a.dns, domain: a.domain } : null;
}

/** The first connection to this address (in Report order, kept to the end or folded: model/fold.ts) whose CHALLENGE named the computer. */
function firstAccount(ctx: DiagnoseContext, ip: string): ServerAccount | null {
  // (the context's index by server host, shared with the other rules: an index of its own over
  // every connection cost more than all its lookups on the bench's dense capture)
  let kept: (ServerAccount & { order: number }) | null = null;
  const conns = connsToServer(ctx, ip);
  for (let i = 0; i < conns.length; i++) {
    const c = conns[i], n = c.s.serverName;
    if (n?.netbios) { kept = { netbios: n.netbios, dns: n.dns, domain: n.domain, order: c.m.order }; break; }
  }
  for (const i of foldedToServer(ctx, ip)) {
    if (kept && kept.order < ctx.folded.order(i)) break;
    const n = ctx.folded.serverName(i);
    if (n?.netbios) return { netbios: n.netbios, dns: n.dns, domain: n.domain };
  }
  return kept;
}
