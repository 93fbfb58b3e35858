// NEGOTIATE_FAILED: the server answered the NEGOTIATE with an error status. STATUS_REQUEST_NOT_ACCEPTED
// there is the server's connection limit (the words and remedies of TREE_CONNECTION_LIMIT).
import { add, host, streamFilter } from "../context";
import { REF } from "../references";
import { statusLabel } from "../../names";
import { NOT_ACCEPTED_TEXT, limitRemedies } from "./tree-connection-limit";
import type { FindingModule } from "./module";

const meta = {
  id: "NEGOTIATE_FAILED" as const,
  severity: "error",
  when: "the NEGOTIATE answered with an error status (STATUS_REQUEST_NOT_ACCEPTED: the server takes no more connections)",
  references: [REF.smb2Negotiate, REF.article],
} satisfies FindingModule["meta"];

export const negotiateFailed: FindingModule = {
  meta,
  visit: {
    negotiate(ctx, c, v) {
      if (v?.id !== meta.id) return;
      const m = c.m;
      const neg = m.negotiates[m.negotiates.length - 1];
      const resp = neg.resp!;
      const notAccepted = statusLabel(resp.status) === "STATUS_REQUEST_NOT_ACCEPTED";
      add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames: [neg.req?.frame, resp.frame].filter((x): x is number => !!x) }, c, () => ({
        title: `NEGOTIATE refused by ${c.s.server}: ${statusLabel(resp.status)}`,
        explanation: `The server answered the NEGOTIATE request (${neg.req ? `frame ${neg.req.frame}` : "sent before the capture started"}) with ${statusLabel(resp.status)} in frame ${resp.frame}. The client offered ${neg.req?.dialects.join(", ") || "unknown dialects"}.${notAccepted ? ` ${NOT_ACCEPTED_TEXT}` : ""}`,
        remediation: notAccepted ? limitRemedies(host(c.s.server), null) : [
          "Compare the dialects the client offers with those the server allows: `Get-SmbServerConfiguration | select EnableSMB1Protocol, EnableSMB2Protocol` on Windows; `server min protocol` / `server max protocol` in smb.conf (`testparm -s`) on Samba.",
          "Look in the server's SMB event log (Microsoft-Windows-SMBServer/Operational) or Samba's log (log level = 3) at the time of the failure.",
        ],
        filter: streamFilter(c), references: meta.references,
      }));
    },
  },
};
