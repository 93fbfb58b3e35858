// NEGOTIATE_NO_RESPONSE: a NEGOTIATE never answered: the antivirus / filter driver pattern (a quick
// bare ACK from the server's TCP, then silence), a lost request, or a server that closes or resets
// right after it (its refusal, not a lost answer).
import { add, dur, host, streamFilter, type ConnView, type DiagnoseContext } from "../context";
import { REF } from "../references";
import { serverResetAfter } from "../../model/summarize";
import type { FindingModule } from "./module";
import { server2008R2Hang } from "./shared/windows-build";

const meta = {
  id: "NEGOTIATE_NO_RESPONSE" as const,
  severity: "error",
  when: "a NEGOTIATE never answered (a bare TCP ACK then silence: a filter driver), or the server closed or reset instead of answering",
  references: [REF.article, REF.smb2Negotiate],
} satisfies FindingModule["meta"];

export const negotiateNoResponse: FindingModule = {
  meta,
  visit: {
    negotiate(ctx, c, v) {
      if (v?.id !== meta.id) return;
      report(ctx, c);
    },
  },
};

// (the finding in a function of its own: a closure in the visitor, called for every connection,
// made each call allocate its context)
function report(ctx: DiagnoseContext, c: ConnView): void {
  const m = c.m;
  const neg = m.negotiates[m.negotiates.length - 1];
  const req = neg.req!;
  const ack = m.negotiateBareAck;
  const end = m.rst ?? m.finClient ?? m.finServer;
  add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames: [req.frame, ack?.frame, end?.frame].filter((x): x is number => !!x) }, c, () => {
  const silence = (end ? end.ts : ctx.model.lastTs ?? m.lastTs) - req.ts;
  const windowsTimeout = !!m.rst?.fromClient && silence > 55_000 && silence < 65_000;
  const endText = m.rst
    ? `then the ${m.rst.fromClient ? "client" : "server"} reset the connection (frame ${m.rst.frame})${windowsTimeout ? ", which is a Windows client's 60-second timeout" : ""}`
    : m.finClient && (!m.finServer || m.finClient.ts <= m.finServer.ts)
      ? `then the client gave up and closed the connection (FIN, frame ${m.finClient.frame})`
      : m.finServer ? `then the server closed the connection without answering (FIN, frame ${m.finServer.frame})` : "and the capture ends with the connection still open";
  // a server that closes or resets right after the request refuses it (outcomeOf: failed)
  const closedByServerFast = (!!m.finServer && m.finServer.ts - req.ts < 1000 && (!m.finClient || m.finServer.ts <= m.finClient.ts)) || serverResetAfter(m, req);
  const pattern = ack && ack.delayMs < 5 && !closedByServerFast;
  const dialects = req.dialects.join(", ");
  return {
    title: closedByServerFast
      ? `${c.s.server} ${m.rst && !m.rst.fromClient ? "reset" : "closed"} the connection instead of answering NEGOTIATE`
      : `NEGOTIATE never answered by ${c.s.server}${pattern ? " (received by TCP, ignored by the SMB server)" : ""}`,
    explanation: `${c.s.client} sent a NEGOTIATE request (frame ${req.frame}, ${dialects ? `dialects ${dialects}` : "dialects not readable"}). ` +
      (ack ? `The server's TCP stack acknowledged it ${dur(ack.delayMs)} later with an empty ACK (frame ${ack.frame}), so the request reached the server, ` : "No acknowledgement of it appears in the capture, ") +
      `but no SMB response came during ${dur(silence)}, ${endText}. ` +
      (closedByServerFast
        ? "This is the server's refusal, not a lost answer. A server that closes right after a NEGOTIATE usually does not accept any of the offered dialects (for example an SMB1-only server receiving an SMB2 NEGOTIATE), could not parse the message (a malformed or compressed request it does not support), or refuses this client outright."
        : pattern
          ? "This is the signature the SMB troubleshooting article describes: the request is delivered (the quick bare ACK comes from the kernel), but nothing above TCP answers. Most often a file-system filter or network filter driver, typically antivirus or endpoint protection, holds the request; a hung or overloaded SMB server service does the same. Windows clients give up after about 60 seconds and reset the connection."
          : "The request may have been lost on the way, or the server's SMB service is hung.") +
      (closedByServerFast ? "" : server2008R2Hang(ctx, c)),
    remediation: closedByServerFast ? [
      `Check which dialects ${host(c.s.server)} allows: \`Get-SmbServerConfiguration | select EnableSMB1Protocol, EnableSMB2Protocol\` or \`server min protocol\`/\`server max protocol\` in smb.conf (\`testparm -sv | grep -i protocol\`).`,
      "An SMB1-only device or server cannot talk to clients that send SMB2 NEGOTIATE only: update or replace it (preferred) rather than enabling SMB1 on clients.",
    ] : [
      "On the Windows server, list filter drivers: `fltmc filters` and `fltmc instances`; temporarily disable or uninstall the antivirus / endpoint protection (or exclude the SMB server) and retry.",
      "Check the SMB server services: `Get-Service LanmanServer`, `sc query srv2`; look at the Microsoft-Windows-SMBServer/Operational event log and the System log at that time.",
      "Install current updates on both sides (older Windows releases had hotfixes for exactly this hang).",
      "On Samba: check that smbd is not hung or out of resources (`smbstatus`, `log level = 3` in smb.conf and the logs under /var/log/samba).",
    ],
    filter: streamFilter(c),
    references: meta.references,
  };
  });
}
