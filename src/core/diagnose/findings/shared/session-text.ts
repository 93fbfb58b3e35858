// Words and frames the SESSION_SETUP findings share.
import { host, type ConnView } from "../../context";
import { namesOf } from "../../../model/kerberos";
import type { SessionLeg } from "../../../model/types";

/** The name the client used for the server (NETNAME, tree path, ticket or NTLM target), else its address. */
export const serverName = (c: ConnView) => namesOf(c.m)[0] ?? host(c.s.server);

/** "in frame 12", or words when the request was sent before the capture started. */
export const reqAt = (leg: SessionLeg) => (leg.req.frame ? `in frame ${leg.req.frame}` : "(its request was sent before the capture started)");

/** The frames of a leg that are in the capture. */
export const legFrames = (leg: SessionLeg) => [leg.req.frame, leg.resp?.frame].filter((x): x is number => !!x);

/** The frames of every SESSION_SETUP leg of the connection. */
export function sessionFrames(c: ConnView): number[] {
  const out: number[] = [];
  for (const l of c.m.sessions) { if (l.req.frame) out.push(l.req.frame); if (l.resp) out.push(l.resp.frame); }
  return out;
}

/** Words for failures that repeat on a connection whose own session worked. */
export function extraText(extra: number, c: ConnView): string {
  return extra ? ` This connection did establish a session${c.s.user ? ` (${c.s.user})` : ""} and went on working; ${extra} further SESSION_SETUP attempt${extra > 1 ? "s" : ""} on it ${extra > 1 ? "were" : "was"} refused like this one.` : "";
}
