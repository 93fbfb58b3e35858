// NTLMV1_REFUSED: an AUTHENTICATE whose NT response is 24 bytes (NTLMv1, MS-NLMP 3.3.1; NTLMv2's
// is 16 bytes of NTProofStr plus a blob, 3.3.2), answered with an error. The server refuses the
// protocol, not the password: the client's LAN Manager authentication level is the cause.
import { add, connsWith, F, streamFilter, host, type ConnView } from "../context";
import { statusLabel } from "../../names";
import { isError } from "../../model/summarize";
import type { SessionLeg } from "../../model/types";
import type { FindingModule } from "./module";

export const NLMP_V1 = "MS-NLMP 3.3.1 NTLM v1 Authentication (a 24-byte NtChallengeResponse)";
export const NLMP_V2 = "MS-NLMP 3.3.2 NTLM v2 Authentication";
/** The references of both NTLMv1 findings. */
export const NLMP_REFS = [NLMP_V1, NLMP_V2];

/** An AUTHENTICATE leg that carried an NTLMv1 response, with its answer. */
export const isNtlmV1Leg = (l: SessionLeg) => l.req.auth.ntlmType === 3 && l.req.auth.ntlmVersion === 1 && !!l.resp;

/** The AUTHENTICATE legs of a connection that carried an NTLMv1 response, with their answer. */
export function ntlmV1Legs(c: ConnView): SessionLeg[] {
  return c.m.sessions.filter(isNtlmV1Leg);
}

/** An NTLMv1 AUTHENTICATE the server answered with an error (shared/precedence.ts leaves these to this module). */
export const ntlmV1Refused = (leg: SessionLeg) => leg.req.auth.ntlmType === 3 && leg.req.auth.ntlmVersion === 1 && !!leg.resp && isError(leg.resp.status);

/** "CORP\\victor" as the blob carried it, or null. */
export const blobUser = (leg: SessionLeg) => (leg.req.auth.user ? `${leg.req.auth.domain ? `${leg.req.auth.domain}\\` : ""}${leg.req.auth.user}` : null);

export const CLIENT_FIX = [
  "On a Windows client: raise the LAN Manager authentication level so it sends NTLMv2 only: Group Policy \"Network security: LAN Manager authentication level\" = \"Send NTLMv2 response only. Refuse LM & NTLM\", or `reg add HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa /v LmCompatibilityLevel /t REG_DWORD /d 5 /f` (3 or more sends NTLMv2; Azure Files needs at least 3).",
  "On a Samba client (smbclient, winbind): remove `client ntlmv2 auth = no` from smb.conf (NTLMv2 is the default); a Linux CIFS mount: use `sec=ntlmssp` (or Kerberos, `sec=krb5`), never `sec=ntlm`.",
  "Old devices (scanners, NAS, embedded clients) that only speak NTLMv1 need a firmware update or replacement; Kerberos avoids NTLM altogether.",
];

export const ntlmv1Refused: FindingModule = {
  meta: { id: "NTLMV1_REFUSED", severity: "error", when: "an NTLMv1 AUTHENTICATE (24-byte NT response) refused by the server", references: NLMP_REFS },
  create(ctx) {
    for (let at = 0, cs = connsWith(ctx, F.NTLMV1); at < cs.length; at++) { // (indexed: see walk.ts)
      const c = cs[at];
      const leg = ntlmV1Legs(c).find(ntlmV1Refused);
      if (!leg) continue;
      add(ctx, { id: this.meta.id, severity: "error", connection: c.s.id, frames: [leg.req.frame, leg.resp!.frame].filter((x) => x > 0) }, c, () => {
      const who = blobUser(leg);
      const st = leg.resp!.dos ?? statusLabel(leg.resp!.status);
      return {
        title: `NTLMv1 refused by ${host(c.s.server)}${who ? ` for ${who}` : ""}`,
        explanation: `${c.s.client} authenticated${who ? ` as ${who}` : ""} with NTLMv1: the NT response in its AUTHENTICATE (frame ${leg.req.frame || "not in the capture"}) is 24 bytes long, the NTLMv1 form (NTLMv2 responses are longer). ${c.s.server} answered ${st} (frame ${leg.resp!.frame}). A server that accepts only NTLMv2 refuses every NTLMv1 logon this way, whatever the password: Windows domain controllers at LAN Manager authentication level 5, Samba with \`ntlm auth = ntlmv2-only\` (its default since 4.5), Azure Files. The password is not the problem; the client's authentication level is.`,
        remediation: [
          ...CLIENT_FIX,
          "Only as a stopgap, on a Samba server: `ntlm auth = yes` in smb.conf accepts NTLMv1 again (NTLMv1 responses can be cracked offline; prefer fixing the client).",
        ],
        filter: streamFilter(c),
        references: NLMP_REFS,
      };
      });
    }
  },
};
