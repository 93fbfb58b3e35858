// NTLMV1_IN_USE: an NTLMv1 AUTHENTICATE (24-byte NT response) the server accepted. It works
// today, but NTLMv1 responses can be cracked offline and more and more servers refuse it.
import { connsWith, F, add, streamFilter, host } from "../context";
import { isError } from "../../model/summarize";
import { ntlmV1Legs, blobUser, CLIENT_FIX, NLMP_REFS } from "./ntlmv1-refused";
import type { FindingModule } from "./module";

export const ntlmv1InUse: FindingModule = {
  meta: { id: "NTLMV1_IN_USE", severity: "warning", when: "an NTLMv1 AUTHENTICATE accepted by the server", references: NLMP_REFS },
  create(ctx) {
    for (let at = 0, cs = connsWith(ctx, F.NTLMV1); at < cs.length; at++) { // (indexed: see walk.ts)
      const c = cs[at];
      const leg = ntlmV1Legs(c).find((l) => !isError(l.resp!.status));
      if (!leg) continue;
      add(ctx, { id: this.meta.id, severity: "warning", connection: c.s.id, frames: [leg.req.frame, leg.resp!.frame].filter((x) => x > 0) }, c, () => {
      const who = blobUser(leg);
      return {
        title: `NTLMv1 in use: ${host(c.s.server)} accepted an NTLMv1 logon${who ? ` for ${who}` : ""}`,
        explanation: `${c.s.client} authenticated${who ? ` as ${who}` : ""} with NTLMv1 (the NT response in its AUTHENTICATE, frame ${leg.req.frame || "not in the capture"}, is 24 bytes long) and ${c.s.server} accepted it (frame ${leg.resp!.frame}). The connection works, but an NTLMv1 response can be cracked offline to recover the password hash, and servers that accept only NTLMv2 (Windows at LAN Manager authentication level 5, Samba's default \`ntlm auth = ntlmv2-only\`, Azure Files) refuse this client.`,
        remediation: [...CLIENT_FIX, "Then let the server refuse NTLMv1: Samba `ntlm auth = ntlmv2-only` (the default), Windows LmCompatibilityLevel 5 on the domain controllers."],
        filter: streamFilter(c),
        references: NLMP_REFS,
      };
      });
    }
  },
};
