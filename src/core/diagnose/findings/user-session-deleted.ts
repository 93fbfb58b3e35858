// USER_SESSION_DELETED: a request named a session the server does not hold on that connection
// (STATUS_USER_SESSION_DELETED, MS-SMB2 3.3.5.2.9), at SESSION_SETUP (a re-authentication or a
// multichannel bind), TREE_CONNECT or any later SMB2 request. The capture tells which case it is:
// the session's own SESSION_SETUP on this connection (then the server ended it: an admin, an idle
// timeout, an expiry), on another connection (the client reused it where it does not exist), or
// nowhere (set up before the capture: a server restart or failover lost it). shared/precedence.ts
// leaves this status to this module.
import * as W from "../../../../assembly/wire";
import { connsWith, F, add, connsToServer, foldedWithSession, host, peerOf, streamFilter, type ConnView, type DiagnoseContext, type Peer } from "../context";
import { REF } from "../references";
import { SMB2_COMMANDS } from "../../names";
import type { SessionLeg, TreeConnect } from "../../model/types";
import type { FindingModule } from "./module";

/** The status says the server holds no such session. */
export const deleted = (status: number | undefined) => status !== undefined && (status >>> 0) === W.STATUS_USER_SESSION_DELETED;

/** An SMB2 SESSION_SETUP leg answered STATUS_USER_SESSION_DELETED (shared/precedence.ts leaves it to this module; SMB1 keeps the generic finding). */
export const sessionLegDeleted = (leg: SessionLeg) => !leg.req.smb1 && deleted(leg.resp?.status);
/** An SMB2 TREE_CONNECT answered STATUS_USER_SESSION_DELETED (shared/precedence.ts leaves it to this module; SMB1 keeps the generic finding). */
export const treeSessionDeleted = (t: TreeConnect) => !t.req.smb1 && deleted(t.resp?.status);

export const sidText = (sid: bigint) => `0x${sid.toString(16).padStart(16, "0")}`;

/** One refused request: what it was, its frames and the session it named. */
interface Refusal { what: string; reqFrame: number; respFrame: number; ts: number; sid?: bigint; binding: boolean }

function refusalsOf(c: ConnView): Refusal[] {
  const out: Refusal[] = [];
  for (const l of c.m.sessions) {
    if (!sessionLegDeleted(l)) continue;
    const binding = ((l.req.flags ?? 0) & W.SMB2_SESSION_FLAG_BINDING) !== 0;
    out.push({ what: binding ? "SESSION_SETUP binding a new channel to the session (SMB2_SESSION_FLAG_BINDING)" : "SESSION_SETUP re-authenticating the session", reqFrame: l.req.frame, respFrame: l.resp!.frame, ts: l.resp!.ts, sid: l.req.sessionId ?? l.resp!.sessionId, binding });
  }
  for (const t of c.m.trees) {
    if (!treeSessionDeleted(t)) continue;
    out.push({ what: `TREE_CONNECT to ${t.path || "a share"}`, reqFrame: t.req.frame, respFrame: t.resp!.frame, ts: t.resp!.ts, sid: t.resp!.sessionId, binding: false });
  }
  for (const r of c.m.beyond?.refused ?? []) {
    if (!deleted(r.resp.status)) continue;
    const name = SMB2_COMMANDS[r.cmd] ?? `command 0x${r.cmd.toString(16)}`;
    out.push({ what: r.req?.name !== undefined ? `${name} of "${r.req.name}"` : name, reqFrame: r.req?.frame ?? 0, respFrame: r.resp.frame, ts: r.resp.ts, sid: r.resp.sessionId, binding: false });
  }
  return out.sort((a, b) => a.respFrame - b.respFrame);
}

/**
 * Where the capture shows the session set up: this connection (`conn` null) or the first other one
 * in Report order (kept to the end or folded: model/fold.ts), with its frame.
 */
function origin(ctx: DiagnoseContext, c: ConnView, sid: bigint | undefined, before: number): { conn: Peer | null; frame: number } | null {
  if (sid === undefined || sid === 0n) return null;
  const on = (o: ConnView) => o.m.sessions.find((l) => l.resp && (l.resp.status >>> 0) === 0 && l.resp.sessionId === sid && l.resp.frame < before);
  const mine = on(c);
  if (mine) return { conn: null, frame: mine.resp!.frame };
  let kept: { conn: Peer; frame: number } | null = null;
  for (const o of connsToServer(ctx, host(c.s.server))) { // (an index: a scan of every connection per refusal was quadratic)
    if (o === c) continue;
    const l = on(o);
    if (l) { kept = { conn: peerOf(o), frame: l.resp!.frame }; break; }
  }
  // a folded connection's one successful leg set up its session
  const fi = foldedWithSession(ctx, c.m.serverIp, sid).find((i) => ctx.folded.sessionFrame(i) < before);
  const f = fi === undefined ? undefined : ctx.folded.at(fi);
  return f && (!kept || f.order < kept.conn.order) ? { conn: f, frame: f.sessionFrame } : kept;
}

/** The connection's own session set up again after the refusal: the client recovered. */
const recovered = (c: ConnView, after: number) =>
  c.m.sessions.find((l) => l.resp && (l.resp.status >>> 0) === 0 && l.resp.frame > after && !sessionLegDeleted(l));

/** Who the capture shows at fault: the client (it logged the session off, or reused another connection's), the server, or unknown. */
type Blame = "client" | "server" | "unknown";

function blameOf(ctx: DiagnoseContext, c: ConnView, r: Refusal): Blame {
  if (r.binding) return "unknown";
  const o = origin(ctx, c, r.sid, r.respFrame);
  if (!o) return "unknown";
  if (o.conn) return "client";
  return c.m.logoff && c.m.logoff.fromClient && c.m.logoff.frame > o.frame && c.m.logoff.frame < r.reqFrame ? "client" : "server";
}

function why(ctx: DiagnoseContext, c: ConnView, r: Refusal): string {
  const o = origin(ctx, c, r.sid, r.respFrame);
  const sid = r.sid !== undefined ? `session ${sidText(r.sid)}` : "the session";
  const Sid = sid[0].toUpperCase() + sid.slice(1);
  if (r.binding) {
    const where = o?.conn ? ` The session was set up on connection ${o.conn.id} (tcp.stream ${o.conn.stream}, frame ${o.frame})${o.conn.lastFrame < r.reqFrame ? `, which had ended (last frame ${o.conn.lastFrame}) before this bind: the session ended with it` : " and still existed there"}.` : "";
    return `A bind adds a connection to a session of another connection; the server looks ${sid} up among all its sessions (MS-SMB2 3.3.5.5.2) and has none by that id.${where} This happens when the extra channel reaches another server or cluster node than the first one (an address from the interface list that belongs to a different machine, a load balancer or DNS round robin in front of several servers), or when the session ended in the meantime.`;
  }
  if (!o) {
    return `The capture does not show ${sid} being set up: it is older than the capture, or was set up on a connection not captured. The server no longer has it: typically it restarted (a restart loses every session), the share moved to another cluster node, an administrator closed the session, or the server dropped it as idle or expired.`;
  }
  if (!o.conn) {
    const logoff = c.m.logoff && c.m.logoff.fromClient && c.m.logoff.frame > o.frame && c.m.logoff.frame < r.reqFrame ? c.m.logoff : null;
    return logoff
      ? `${Sid} was set up on this connection in frame ${o.frame}, and the client itself logged it off (LOGOFF, frame ${logoff.frame}) before using it again: the client went on with a session it had ended, a client bug.`
      : `${Sid} was set up on this connection in frame ${o.frame}; the server has deleted it since, without closing the connection: an administrator closed it (\`Close-SmbSession\`, \`smbcontrol\`), the server logged it off as idle, or its authentication expired and the server removed it instead of asking for a re-authentication.`;
  }
  const ended = o.conn.lastFrame < r.reqFrame;
  return `${Sid} belongs to connection ${o.conn.id} (tcp.stream ${o.conn.stream}), where it was set up in frame ${o.frame}${ended ? ` and which had ended by frame ${o.conn.lastFrame}` : ""}. A server holds a session per connection (MS-SMB2 3.3.5.2.9 looks the SessionId up in that connection's session table): another connection can use it only after binding to it (multichannel, SMB 3.x), and a client that reconnects must set up a new session (naming the old one as PreviousSessionId, MS-SMB2 3.2.4.2.3). This client sent the old session's id on a new connection ${c.m.sessions.length ? "instead" : "without any SESSION_SETUP"}, a client that reconnects carelessly.`;
}

export const userSessionDeleted: FindingModule = {
  meta: {
    id: "USER_SESSION_DELETED",
    severity: "error",
    when: "an SMB2 request (SESSION_SETUP re-authentication or multichannel bind, TREE_CONNECT, or later) answered STATUS_USER_SESSION_DELETED: the server holds no session with that id on that connection; a warning when the client then set up a new session",
    references: [REF.smb2VerifySession, REF.smb2Binding, REF.smb2Reconnect],
  },
  create(ctx) {
    for (const c of connsWith(ctx, F.SESSION_DELETED)) {
      const all = refusalsOf(c);
      if (!all.length) continue;
      const r = all[0];
      const again = recovered(c, r.respFrame);
      add(ctx, { id: this.meta.id, severity: again ? "warning" : "error", connection: c.s.id, frames: [r.reqFrame, r.respFrame, ...(again ? [again.resp!.frame] : [])].filter((x) => x > 0) }, c, () => {
      const srv = host(c.s.server);
      const more = all.length > 1 ? ` ${all.length - 1} later request${all.length > 2 ? "s" : ""} on this connection ${all.length > 2 ? "were" : "was"} refused the same way (frames ${all.slice(1, 6).map((x) => x.respFrame).join(", ")}${all.length > 6 ? ", …" : ""}).` : "";
      const outcome = again
        ? ` The client then set up a new session (SESSION_SETUP answered STATUS_SUCCESS in frame ${again.resp!.frame}) and went on: a Windows client does this by itself, so users may have seen at most a delay.`
        : " The capture shows no new session on this connection afterwards: what the user saw is an error such as \"The specified network name is no longer available\" or a failed file operation.";
      return {
        title: r.binding
          ? `Multichannel bind refused by ${srv}: it does not know the session`
          : `${srv} no longer has the session the client used (STATUS_USER_SESSION_DELETED)`,
        explanation: `The ${r.what} (${r.reqFrame ? `frame ${r.reqFrame}` : "request not in the capture"}) was answered STATUS_USER_SESSION_DELETED in frame ${r.respFrame}: the server has no session with the SessionId the request carries${r.sid !== undefined ? ` (${sidText(r.sid)})` : ""}. This is not a wrong password or a missing permission: the session the client relied on is gone. ${why(ctx, c, r)}${more}${outcome}`,
        remediation: remedies(r, srv, blameOf(ctx, c, r)),
        filter: streamFilter(c),
        references: userSessionDeleted.meta.references,
      };
      });
    }
  },
};

function remedies(r: Refusal, srv: string, blame: Blame): string[] {
  const client = "A non-Windows client or library that keeps sending a dead session's id instead of setting up a new one needs an update (Windows clients set up a new session by themselves); the capture shows this client doing so.";
  const server = [
    `On ${srv}, find what ended the session at that time: Windows, the System log (LanmanServer or the Server service restarted, a cluster failover) and Microsoft-Windows-SMBServer/Operational; \`Get-SmbServerConfiguration | select AutoDisconnectTimeout\` (idle sessions are closed after that many minutes). Samba: \`deadtime\` in smb.conf (idle disconnect), smbd restarts in its log, \`smbstatus\` for the current sessions.`,
    "If a script or an administrator closes sessions (`Close-SmbSession`, `smbcontrol smbd close-share`, `net session /delete`), expect this status on the next request of each client.",
  ];
  if (blame === "client") return [client, "Such a client must set up a new session (SESSION_SETUP) on each new connection, and after a LOGOFF, before it sends anything else (MS-SMB2 3.2.4.2)."];
  return [
    ...(r.binding ? [
      "Multichannel: `Get-SmbMultichannelConnection` and `Get-SmbServerNetworkInterface` show which addresses the channels use; every interface the server advertises must belong to the same server (or cluster node). To confirm, retry with multichannel off (`Set-SmbClientConfiguration -EnableMultiChannel $false`); on Samba, `server multi channel support` and `interfaces`.",
    ] : []),
    ...server,
    client.replace("; the capture shows this client doing so.", "."),
  ];
}
