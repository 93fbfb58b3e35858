// SESSION_EXPIRED: STATUS_NETWORK_SESSION_EXPIRED: the session's authentication (a Kerberos ticket's
// end time) ran out and the client must authenticate it again (MS-SMB2 3.2.5.1.6; the server side:
// 3.3.5.2.9). Followed by a SESSION_SETUP that succeeds on the same session, it is the normal
// re-authentication and no finding; otherwise the capture stops before the re-authentication
// completed.
import { add, has, F, streamFilter, type ConnView, type DiagnoseContext } from "../context";
import { REF } from "../references";
import { sessionExpired } from "../../model/summarize";
import { reqAt, legFrames, serverName } from "./shared/session-text";
import type { FindingModule } from "./module";

const meta = {
  id: "SESSION_EXPIRED" as const,
  severity: "warning",
  when: "STATUS_NETWORK_SESSION_EXPIRED with no successful re-authentication of that session in the capture",
  references: [REF.smb2Session],
} satisfies FindingModule["meta"];

export const sessionExpiredFinding: FindingModule = {
  meta,
  visit: {
    session(ctx, c) {
      if (!has(c, F.SESSION_EXPIRED)) return;
      report(ctx, c);
    },
  },
};

// (the finding in a function of its own: a closure in the visitor, called for every connection,
// made each call allocate its context)
function report(ctx: DiagnoseContext, c: ConnView): void {
  const legs = c.m.sessions;
  const i = legs.findIndex(sessionExpired);
  if (i < 0) return;
  const leg = legs[i];
  const sid = leg.resp!.sessionId ?? leg.req.sessionId;
  const reauth = legs.slice(i + 1).find((l) => l.resp && (l.resp.status >>> 0) === 0 && (sid === undefined || (l.resp.sessionId ?? l.req.sessionId) === undefined || (l.resp.sessionId ?? l.req.sessionId) === sid));
  if (reauth) return;
  add(ctx, { id: meta.id, severity: "warning", connection: c.s.id, frames: legFrames(leg) }, c, () => ({
    title: `Session on ${c.s.server} expired; no re-authentication in the capture`,
    explanation: `The SESSION_SETUP ${reqAt(leg)} was answered STATUS_NETWORK_SESSION_EXPIRED in frame ${leg.resp!.frame}. This is not a failed logon: the session existed already and its authentication (usually the Kerberos service ticket) reached its end time, so the client has to authenticate the session again (MS-SMB2 3.2.5.1.6) and normally does so at once with a new ticket. The capture shows no SESSION_SETUP that succeeded on this session afterwards${c.m.midstream ? "; the connection is older than the capture" : ""}.`,
    remediation: [
      "Nothing to fix when the client re-authenticates right after this (capture a little longer to see it).",
      `If access stops at this point, check that the client can still get a ticket for the server (\`klist get cifs/${serverName(c)}\`) and that its clock is in sync with the domain (\`w32tm /query /status\`).`,
    ],
    filter: streamFilter(c), references: meta.references,
  }));
}
