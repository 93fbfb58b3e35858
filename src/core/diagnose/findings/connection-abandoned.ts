// CONNECTION_ABANDONED: a side ended the connection after a response without the next step, and no
// other finding explains why (a fallback: it runs after every other module). Says after which
// response, who ended it and how, and where the reason is logged.
import { add, host, streamFilter, connsWith, F, type ConnView, type DiagnoseContext } from "../context";
import { REF } from "../references";
import type { FindingModule } from "./module";
import { explainedByError } from "./shared/precedence";
import { hangUpOf, hangUpText, hangUpFrames, type HangUp } from "./hangup";

const module: FindingModule = {
  meta: { id: "CONNECTION_ABANDONED", severity: "error", when: "a side ended the connection after a response without the next step, for a reason the capture cannot tell", fallback: true },
  create(ctx) {
    for (let at = 0, cs = connsWith(ctx, F.FAILED); at < cs.length; at++) { // (hangUpOf: null unless failed)
      const c = cs[at];
      const h = hangUpOf(c);
      if (!h) continue;
      if (explainedByError(ctx, c)) continue;
      report(ctx, c, h);
    }
  },
};
export default module;

// (in a function of its own: a closure in the loop made every pass allocate its context)
function report(ctx: DiagnoseContext, c: ConnView, h: HangUp): void {
  add(ctx, { id: "CONNECTION_ABANDONED", severity: "error", connection: c.s.id, frames: hangUpFrames(h) }, c, () => {
  const byClient = h.end.by === "client";
  const cli = host(c.s.client), srv = host(c.s.server);
  return {
    title: `${byClient ? "The client" : `${srv}`} ended the connection after the ${h.phase === "negotiate" ? "NEGOTIATE" : "SESSION_SETUP"} response, for a reason the capture does not show`,
    explanation: `No response on this connection carries an error, yet it did not get set up: ${hangUpText(h)}. Nothing on the wire says why: the ${byClient ? "client" : "server"} decided on what it had received, by a policy or check of its own (signing, encryption, an authentication package it will not use, a dialect or capability it refuses) or because it failed internally.`,
    remediation: byClient ? [
      `On the Windows client ${cli}: the event logs Microsoft-Windows-SMBClient/Security and Microsoft-Windows-SMBClient/Connectivity (Event Viewer, Applications and Services Logs) name the reason at this time; \`Get-SmbClientConfiguration\` shows its requirements (RequireSecuritySignature, RequireEncryption, EnableInsecureGuestLogons, BlockNTLM, Smb2DialectMin).`,
      "On a Samba client, repeat with a debug level (`smbclient -d 3 ...`): the last lines say why it disconnected.",
    ] : [
      `On ${srv}: the Microsoft-Windows-SMBServer/Operational and /Security event logs, or Samba's log at \`log level = 3\`, for this client at this time.`,
    ],
    filter: streamFilter(c), references: [h.phase === "negotiate" ? REF.smb2ClientNeg : REF.smb2Auth],
  };
  });
}
