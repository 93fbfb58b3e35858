// AUTH_RATE_LIMITED: a failed NTLM logon answered about 2 s after its request is the SMB
// authentication rate limiter of Windows Server 2025 / Windows 11 24H2, not a slow domain
// controller. The limiter (on by default; Set-SmbServerConfiguration -InvalidAuthenticationDelayTimeInMs,
// 0–10000 ms in steps of 100, default 2000) holds the answer to each failed NTLM or PKU2U
// authentication for that long; domain Kerberos is not delayed.
//
// The window, 1.95–2.5 s after the request: the server waits 2000 ms from when it decided the logon
// failed, which is after the request reached it, so no capture can see the answer sooner than that
// (1.95 leaves room for a capture's timestamping, e.g. ETW's batching). Above it come the round trip
// seen by a capture on the client and the server's own check against a DC (NTLM pass-through:
// milliseconds on a LAN, a few hundred on a slow WAN link); beyond 2.5 s a slow DC explains the answer
// as well as the limiter does, so nothing is claimed.
import { connsWith, F, add, dur, host, streamFilter, type ConnView } from "../context";
import { statusLabel } from "../../names";
import { windowsBuild, from24H2 } from "./shared/windows-build";
import type { SessionLeg } from "../../model/types";
import type { FindingModule } from "./module";

export const RATE_LIMIT_MIN_MS = 1950;
export const RATE_LIMIT_MAX_MS = 2500;
/** The limiter's default delay (InvalidAuthenticationDelayTimeInMs). */
export const RATE_LIMIT_DEFAULT_MS = 2000;

/** The failures the limiter delays: an authentication refused as invalid. */
const INVALID_AUTH = new Set(["STATUS_LOGON_FAILURE", "STATUS_WRONG_PASSWORD", "STATUS_NO_SUCH_USER"]);

const REFS = [
  "Microsoft Learn: \"SMB authentication rate limiter\" (configure-smb-authentication-rate-limiter; Set-SmbServerConfiguration -InvalidAuthenticationDelayTimeInMs)",
  "MS-SMB2 3.3.5.5 Receiving an SMB2 SESSION_SETUP Request",
];

/** A refused NTLM leg whose answer came in the limiter's window, with the delay. */
export function delayed(leg: SessionLeg): number | null {
  if (!leg.resp || !leg.req.frame) return null;
  // the delay first: asked of every leg (shared/facts.ts), it rules out nearly all without a status name
  const ms = leg.resp.ts - leg.req.ts;
  if (!(ms >= RATE_LIMIT_MIN_MS && ms <= RATE_LIMIT_MAX_MS)) return null;
  if (!INVALID_AUTH.has(statusLabel(leg.resp.status))) return null;
  const a = leg.req.auth;
  if (a.mech === "kerberos" || (a.mech !== "ntlm" && a.ntlmType === undefined)) return null;
  return ms;
}

export const authRateLimited: FindingModule = {
  meta: {
    id: "AUTH_RATE_LIMITED",
    severity: "info",
    when: `a failed NTLM SESSION_SETUP (STATUS_LOGON_FAILURE, WRONG_PASSWORD, NO_SUCH_USER) answered ${RATE_LIMIT_MIN_MS / 1000}–${RATE_LIMIT_MAX_MS / 1000} s after its request by a server whose NTLM VERSION is not an older Windows: the SMB authentication rate limiter (Windows Server 2025 / 11 24H2), not a slow DC`,
    references: REFS,
  },
  create(ctx) {
    for (let at = 0, cs = connsWith(ctx, F.RATE_LIMITED); at < cs.length; at++) { // (indexed: see walk.ts)
      const c = cs[at];
      const legs = c.m.sessions.map((l) => [l, delayed(l)] as const).filter((x): x is readonly [SessionLeg, number] => x[1] !== null);
      if (!legs.length) continue;
      const server = windowsBuild(c.s.serverOs ?? null);
      // the limiter exists only from 26100 on; a non-Windows server (build 0) has none either
      if (c.s.serverOs && (!server || !from24H2(server))) continue;
      const [leg] = legs[0];
      add(ctx, { id: "AUTH_RATE_LIMITED", severity: "info", connection: c.s.id, frames: [leg.req.frame, leg.resp!.frame] }, c, () => rateTexts(c, legs, server?.name ?? null));
    }
  },
};

function rateTexts(c: ConnView, legs: (readonly [SessionLeg, number])[], serverName: string | null) {
  const [leg, ms] = legs[0];
  const srv = host(c.s.server);
  const who = serverName
    ? `The server's NTLM CHALLENGE names ${serverName}, where the limiter is on by default.`
    : "The capture does not name the server's system (no NTLM VERSION); the limiter exists on Windows Server 2025 and Windows 11 24H2 and later, on by default.";
  const more = legs.length > 1 ? ` ${legs.length - 1} more failed logon${legs.length > 2 ? "s" : ""} on this connection took as long (${legs.slice(1, 5).map(([, d]) => dur(d)).join(", ")}).` : "";
  return {
    title: `${srv} held the failed logon for ${dur(ms)}: the SMB authentication rate limiter, not a slow domain controller`,
    explanation: `The NTLM SESSION_SETUP in frame ${leg.req.frame} was answered ${statusLabel(leg.resp!.status)} in frame ${leg.resp!.frame}, ${dur(ms)} later. That is the delay of the SMB authentication rate limiter: the server waits ${RATE_LIMIT_DEFAULT_MS} ms (InvalidAuthenticationDelayTimeInMs, the default) before it answers each failed NTLM or PKU2U logon, so that guessing passwords over SMB is slow. ${who} The wait says nothing about the domain controller: the logon failed because of the credentials (see the logon failure), and the delay is by design.${more}`,
    remediation: [
      "Fix the credentials the client sends (the logon failure says which user); each further wrong attempt costs the same wait.",
      `Only if the delay itself is a problem (e.g. a script that tries accounts in turn): \`Get-SmbServerConfiguration | select InvalidAuthenticationDelayTimeInMs\` on ${srv}; \`Set-SmbServerConfiguration -InvalidAuthenticationDelayTimeInMs 0\` turns the limiter off (or the GPO "Enable authentication rate limiter" under Lanman Server). Keep it on: it slows down password guessing.`,
    ],
    filter: streamFilter(c),
    references: REFS,
  };
}
