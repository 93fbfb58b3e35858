// SESSION_SETUP_NO_RESPONSE: a SESSION_SETUP never answered (the server waits for a domain
// controller, a filter driver holds it, or the answers are lost on the way back).
import { add, dur, streamFilter } from "../context";
import { REF } from "../references";
import { serverResetAfter } from "../../model/summarize";
import { serverAccount } from "./shared/server-names";
import type { FindingModule } from "./module";

const meta = {
  id: "SESSION_SETUP_NO_RESPONSE" as const,
  severity: "error",
  when: "a SESSION_SETUP never answered (or the server reset the connection right after it)",
  references: [REF.smb2Session, REF.article],
} satisfies FindingModule["meta"];

export const sessionSetupNoResponse: FindingModule = {
  meta,
  visit: {
    sessionFailure(ctx, c, f) {
      if (f.id !== meta.id) return;
      const m = c.m;
      const leg = f.leg;
      const end = m.rst ?? m.finClient ?? m.finServer;
      add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames: [leg.req.frame, leg.bareAck?.frame, end?.frame].filter((x): x is number => !!x) }, c, () => {
      const silence = (end ? end.ts : ctx.model.lastTs ?? m.lastTs) - leg.req.ts;
      const mech = leg.req.auth.mech === "kerberos" ? "Kerberos" : leg.req.auth.mech === "ntlm" || leg.req.auth.ntlmType ? "NTLM" : "an unidentified mechanism";
      return {
        title: `SESSION_SETUP never answered by ${c.s.server}`,
        explanation: `${c.s.client} sent a SESSION_SETUP request (frame ${leg.req.frame}, ${mech}${leg.req.auth.user ? `, user ${leg.req.auth.domain ? `${leg.req.auth.domain}\\` : ""}${leg.req.auth.user}` : ""}). ${leg.bareAck ? `The server's TCP stack acknowledged it ${dur(leg.bareAck.delayMs)} later (frame ${leg.bareAck.frame}), but no SMB response came in ${dur(silence)}` : `No SMB response came in ${dur(silence)}, and no acknowledgement from the server appears in the capture either`}${end ? `; then ${end.fromClient ? "the client" : "the server"} ${end === m.rst ? "reset" : "closed"} the connection (frame ${end.frame})${serverResetAfter(m, leg.req) ? ", the server's refusal of the request rather than a lost answer" : ""}` : "; the capture ends with the connection still open"}. ${leg.bareAck ? "The server got the request but could not finish authenticating: it may be waiting for a domain controller (NTLM pass-through or Kerberos PAC validation), or a filter driver holds the request." : "Either the server stopped answering altogether, or its replies are lost on the way back (a firewall, VPN or load balancer dropping them); earlier responses on this connection did arrive, so the path worked until then."}`,
        remediation: [
          `On the server, check that a domain controller is reachable and answers: \`nltest /sc_verify:${serverAccount(ctx, c.s.server)?.domain || leg.req.auth.domain || "<domain>"}\`, \`Test-ComputerSecureChannel\`; on Samba \`wbinfo -P\` and \`wbinfo -t\`.`,
          "Look for Kerberos errors on port 88 around this time (the troubleshooting article: errors after pre-authentication are the cause).",
          "Check filter drivers and antivirus on the server (`fltmc filters`), as for a NEGOTIATE that is never answered.",
          "Capture on the server at the same time: if it sends the response and the client never sees it, something on the path (firewall, IPS, VPN, load balancer) drops it.",
        ],
        filter: streamFilter(c), references: meta.references,
      };
      });
    },
  },
};
