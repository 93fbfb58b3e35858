// GUEST_SESSION: a session the server set up as guest (or an anonymous null session). When the
// client then hung up instead of using it, the client refused the guest logon: an error.
import { add, host, streamFilter, type ConnView, type DiagnoseContext } from "../context";
import { REF } from "../references";
import { hangUpOf, hangUpText } from "./hangup";
import { legFrames } from "./shared/session-text";
import type { FindingModule } from "./module";
import { signingByDefault } from "./shared/windows-build";

const meta = {
  id: "GUEST_SESSION" as const,
  severity: "warning",
  when: "a session set up as guest or anonymous (an error when the client then hung up: it refused the guest logon)",
  references: [REF.smb2SessionFlags],
} satisfies FindingModule["meta"];

export const guestSession: FindingModule = {
  meta,
  visit: {
    session(ctx, c) {
      if (c.s.auth !== "guest" && c.s.auth !== "anonymous") return;
      report(ctx, c);
    },
  },
};

// (the finding in a function of its own: a closure in the visitor, called for every connection,
// made each call allocate its context)
function report(ctx: DiagnoseContext, c: ConnView): void {
  const leg = c.m.sessions.find((l) => l.resp && !((l.resp.status >>> 0) >= 0xc0000000));
  if (!leg?.resp) return;
  const isGuest = c.s.auth === "guest";
  const sentUser = leg.req.auth.user;
  // A client that asked for the guest account itself got what it asked for
  const asked = sentUser && sentUser.toLowerCase() !== "guest" ? `${leg.req.auth.domain ? `${leg.req.auth.domain}\\` : ""}${sentUser}` : null;
  // the client hung up on the session instead of using it: it refused the guest logon
  const h = hangUpOf(c);
  // (an anonymous session is what the client asked for: not a refusal of a logon it was given)
  const refused = isGuest && h !== null && h.end.by === "client" && h.expected === "TREE_CONNECT";
  add(ctx, { id: meta.id, severity: refused ? "error" : "warning", connection: c.s.id, frames: refused ? [...legFrames(leg), h.end.frame] : legFrames(leg) }, c, () => {
  const refusal = refused ? ` The client refused it: ${hangUpText(h)}. A Windows client does so when insecure guest logons are blocked (the default on Windows 11 24H2 Pro and on Enterprise/Education since Windows 10 1709) or when it requires signing, which a guest session cannot give; its SMBClient/Security event log then has event 31017 (RejectedInsecureGuestAuth), and the user sees "You can't access this shared folder because your organization's security policies block unauthenticated guest access".${signingByDefault(c)}` : "";
  return {
    title: refused
      ? `The client refused the guest logon ${host(c.s.server)} gave it${asked ? ` (it sent ${asked})` : ""}`
      : isGuest ? `Logged on as guest${asked ? ` although the client sent ${asked}` : ""}` : "Anonymous (null) session",
    explanation: (isGuest
      ? `The server accepted the SESSION_SETUP in frame ${leg.resp!.frame} but marked the session as guest${asked ? `: the account "${asked}" was not accepted, and the server mapped it to its guest account` : ""}. Guest sessions cannot sign or encrypt, see only what guests may see, and current Windows clients refuse them ("insecure guest logons" are blocked by default since Windows 10 1709 / Server 2019).`
      : `The client authenticated with no user name (an anonymous NTLM logon)${leg.req.frame ? `, frame ${leg.req.frame}` : ""}; the server accepted it in frame ${leg.resp!.frame}. Anonymous sessions are normal for listing shares or IPC$, but they get no access to protected shares.`) + refusal,
    remediation: isGuest ? [
      "If a real account was meant: check that it exists on the server (Samba `map to guest = bad user` silently turns unknown users into guest); fix the user name/password on the client.",
      "If guest access is really wanted on Windows clients: `Set-SmbClientConfiguration -EnableInsecureGuestLogons $true` (or the GPO \"Enable insecure guest logons\") and `-RequireSecuritySignature $false` on the client (a guest session cannot sign), and `RequireSecuritySignature` off on the server. Prefer an account instead.",
    ] : [
      "If the client should have used an account, check how it was started (e.g. smbclient run with `-N`, or a service running as a local account with no network identity).",
      "Windows servers limit what anonymous sessions may do: `RestrictAnonymous` / `RestrictNullSessAccess` and `NullSessionShares`.",
    ],
    filter: streamFilter(c), references: meta.references,
  };
  });
}
