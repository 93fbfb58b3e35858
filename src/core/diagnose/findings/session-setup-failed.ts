// SESSION_SETUP_FAILED: a SESSION_SETUP refused with a status that is neither a credential status,
// ACCESS_DENIED nor INVALID_SIGNATURE. STATUS_REQUEST_NOT_ACCEPTED there is the server's
// connection limit (the words and remedies of TREE_CONNECTION_LIMIT).
import { add, host, streamFilter } from "../context";
import { REF } from "../references";
import { statusInWords } from "../../names";
import { NOT_ACCEPTED_TEXT, limitRemedies } from "./tree-connection-limit";
import { reqAt, sessionFrames, extraText } from "./shared/session-text";
import type { FindingModule } from "./module";

const meta = {
  id: "SESSION_SETUP_FAILED" as const,
  severity: "error",
  when: "a SESSION_SETUP refused with any other error status (STATUS_REQUEST_NOT_ACCEPTED: the server takes no more connections)",
  references: [REF.smb2Session],
} satisfies FindingModule["meta"];

export const sessionSetupFailed: FindingModule = {
  meta,
  visit: {
    sessionFailure(ctx, c, f) {
      if (f.id !== meta.id) return;
      const { leg, extra, status: st } = f;
      const notAccepted = st === "STATUS_REQUEST_NOT_ACCEPTED";
      add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames: sessionFrames(c) }, c, () => ({
        title: `Session setup failed: ${leg.resp!.dos ?? st}`,
        explanation: `The SESSION_SETUP ${reqAt(leg)}${c.s.user ? ` (user ${c.s.user})` : ""} was answered ${statusInWords(leg.resp!)} in frame ${leg.resp!.frame}.${notAccepted ? ` ${NOT_ACCEPTED_TEXT}` : ""}${extraText(extra, c)}`,
        remediation: notAccepted ? limitRemedies(host(c.s.server), null) : [
          "Look up the status in MS-ERREF 2.3.1 and check the server's SMB and Security event logs (or Samba's log with log level 3) at that time.",
          st === "STATUS_INVALID_PARAMETER" || st === "STATUS_NOT_SUPPORTED" ? "A malformed or unsupported security blob: update the client or the server; check for a middlebox (WAN optimizer, proxy) altering SMB." : "Retry with another authentication method (the server's NEGOTIATE response lists the mechanisms it supports).",
        ],
        filter: streamFilter(c), references: meta.references,
      }));
    },
  },
};
