// The Windows release a side runs, as its NTLM VERSION names it (MS-NLMP 2.2.2.10; the connection's
// clientOs / serverOs, model/summarize.ts). Findings use it only where the capture's VERSION says
// so: null for a side that sent none, and for build 0 (Samba and other non-Windows stacks).
import type { Connection } from "../../../report";
import type { ConnModel } from "../../../model/types";
import { osVersion } from "../../../names";
import { connsToServer, foldedToServer, host, peerOf, type ConnView, type DiagnoseContext, type Peer } from "../../context";

export interface WindowsBuild { major: number; minor: number; build: number; name: string }

export function windowsBuild(os: Connection["clientOs"]): WindowsBuild | null {
  if (!os) return null;
  const [major, minor, build] = os.version.split(".").map(Number);
  if (!build) return null;
  return { major, minor, build, name: os.name };
}

/** Windows 7 / Server 2008 R2 (6.1) and older speak at most SMB 2.1: no SMB 3 encryption. */
export const beforeWindows8 = (b: WindowsBuild) => b.major < 6 || (b.major === 6 && b.minor <= 1);
/** Windows 11 24H2 / Server 2025 and later (build 26100): signing required and the authentication rate limiter by default. */
export const from24H2 = (b: WindowsBuild) => b.major === 10 && b.build >= 26100;
/** Windows Server 2008 R2 / Windows 7 (6.1.7600, 6.1.7601). */
export const is2008R2 = (b: WindowsBuild) => b.major === 6 && b.minor === 1;

/** The Windows release an NTLM VERSION number (major | minor << 8 | build << 16, model AuthFacts.osVersion) names, or null. */
export function windowsBuildOf(v: number | undefined): WindowsBuild | null {
  return v === undefined ? null : windowsBuild(osVersion(v));
}

/** The client's Windows release, from its NTLM NEGOTIATE / AUTHENTICATE (model level, for the rules that read ConnModel). */
export const clientWindows = (m: ConnModel) => windowsBuildOf(m.sessions.map((s) => s.req.auth.osVersion).find((x) => x !== undefined));

/**
 * A server host's Windows release as the first connection of the capture (in Report order, kept
 * to the end or folded: model/fold.ts) that shows it (its NTLM CHALLENGE), with that connection.
 */
export function serverWindows(ctx: DiagnoseContext, serverHost: string): { build: WindowsBuild; conn: Peer } | null {
  // per analysis and server host (asked per failing connection: a host whose connections name
  // none was scanned whole each time); on the context's lookups, which a reused context drops
  // (context.ts resetContext)
  const by = ((ctx.index ??= {}).serverWindows ??= new Map()) as Map<string, { build: WindowsBuild; conn: Peer } | null>;
  let w = by.get(serverHost);
  if (w === undefined) by.set(serverHost, (w = firstWindows(ctx, serverHost)));
  return w;
}

function firstWindows(ctx: DiagnoseContext, serverHost: string): { build: WindowsBuild; conn: Peer } | null {
  // the context's index by server host: a scan of every connection per connection was quadratic (dense: 60 % of the CPU)
  let kept: { build: WindowsBuild; conn: Peer } | null = null;
  const conns = connsToServer(ctx, serverHost);
  for (let i = 0; i < conns.length; i++) {
    const b = windowsBuild(conns[i].s.serverOs ?? null);
    if (b) { kept = { build: b, conn: peerOf(conns[i]) }; break; }
  }
  for (const i of foldedToServer(ctx, serverHost)) {
    if (kept && kept.conn.order < ctx.folded.order(i)) break;
    const b = windowsBuild(ctx.folded.serverOs(i));
    if (b) return { build: b, conn: ctx.folded.at(i) };
  }
  return kept;
}

/** A sentence for a client that requires signing because its release does so by default (Windows 11 24H2 / Server 2025), or "". */
export function signingByDefault(c: ConnView): string {
  const b = windowsBuild(c.s.clientOs ?? null);
  return b && from24H2(b)
    ? ` The client's NTLM VERSION names ${b.name}: there signing is required by default, so no one need have turned it on; it is the new default meeting a server that cannot sign.`
    : "";
}

/**
 * For a NEGOTIATE the server never answered: the hotfixes the SMB troubleshooting article names for
 * Windows Server 2008 R2, when the capture shows the server is 2008 R2 (its NTLM CHALLENGE on some
 * connection), or "".
 */
export function server2008R2Hang(ctx: DiagnoseContext, c: ConnView): string {
  const s = serverWindows(ctx, host(c.s.server));
  if (!s || !is2008R2(s.build)) return "";
  const where = s.conn.order === c.m.order ? "" : ` (its NTLM CHALLENGE on connection ${s.conn.id}, tcp.stream ${s.conn.stream})`;
  return ` The server is ${s.build.name}${where}: for this hang on Windows Server 2008 R2 the SMB troubleshooting article points to hotfixes; bring the server (and the client) fully up to date before anything else, and plan to move off a release that no longer gets updates.`;
}
