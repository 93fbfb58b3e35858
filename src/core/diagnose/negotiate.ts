// NEGOTIATE: no answer (the antivirus / filter driver pattern), an error, no common dialect, and
// the NetBIOS session refused on port 139.
import { add, dur, host, streamFilter, type DiagnoseContext, type ConnView } from "./context";
import { REF } from "./references";
import { statusLabel } from "../names";
import { isError, serverResetAfter } from "../model/summarize";
import { NOT_ACCEPTED_TEXT, limitRemedies } from "./findings/tree-connection-limit";
import { dialectRangeRefused } from "./findings/dialect-range";
import { server2008R2Hang } from "./findings/windows-build";

const NB_ERRORS: Record<number, string> = {
  0x80: "not listening on the called name",
  0x81: "not listening for the calling name",
  0x82: "called name not present",
  0x83: "called name present, but insufficient resources",
  0x8f: "unspecified error",
};

const SMB2_DIALECTS = new Set(["2.0.2", "2.1", "2.2.2", "2.2.4", "3.0", "3.0.2", "3.1.0", "3.1.1", "SMB 2.002", "SMB 2.???"]);

export function negotiateRules(ctx: DiagnoseContext): void {
  for (const c of ctx.conns) {
    const m = c.m;
    if (m.nbssResponse && !m.nbssResponse.positive) nbssRejected(ctx, c);
    if (c.s.failedPhase !== "negotiate") continue;
    const neg = m.negotiates[m.negotiates.length - 1];
    if (!neg) continue;
    if (neg.resp?.smb1 && neg.resp.dialect === null) { dialectMismatch(ctx, c, "smb1-only-client"); continue; }
    if (dialectRangeRefused(m)) continue; // no dialect in common: findings/dialect-range.ts tells which side's range
    if (neg.resp && isError(neg.resp.status)) {
      const notAccepted = statusLabel(neg.resp.status) === "STATUS_REQUEST_NOT_ACCEPTED";
      add(ctx, {
        id: "NEGOTIATE_FAILED",
        severity: "error",
        title: `NEGOTIATE refused by ${c.s.server}: ${statusLabel(neg.resp.status)}`,
        explanation: `The server answered the NEGOTIATE request (${neg.req ? `frame ${neg.req.frame}` : "sent before the capture started"}) with ${statusLabel(neg.resp.status)} in frame ${neg.resp.frame}. The client offered ${neg.req?.dialects.join(", ") || "unknown dialects"}.${notAccepted ? ` ${NOT_ACCEPTED_TEXT}` : ""}`,
        remediation: notAccepted ? limitRemedies(host(c.s.server), null) : [
          "Compare the dialects the client offers with those the server allows: `Get-SmbServerConfiguration | select EnableSMB1Protocol, EnableSMB2Protocol` on Windows; `server min protocol` / `server max protocol` in smb.conf (`testparm -s`) on Samba.",
          "Look in the server's SMB event log (Microsoft-Windows-SMBServer/Operational) or Samba's log (log level = 3) at the time of the failure.",
        ],
        connection: c.s.id, frames: [neg.req?.frame, neg.resp.frame].filter((x): x is number => !!x),
        filter: streamFilter(c), references: [REF.smb2Negotiate, REF.article],
      }, c);
      continue;
    }
    if (neg.req && !neg.resp && (c.s.outcome === "no-response" || serverResetAfter(m, neg.req))) {
      const offeredSmb2 = neg.req.smb1 ? neg.req.dialects.some((d) => SMB2_DIALECTS.has(d)) : true;
      if (neg.req.smb1 && !offeredSmb2 && (m.rst || m.finServer)) { dialectMismatch(ctx, c, "server-closed-smb1"); continue; }
      noResponse(ctx, c);
    }
  }
}

function nbssRejected(ctx: DiagnoseContext, c: ConnView): void {
  const m = c.m;
  const err = m.nbssResponse!.error ?? 0x8f;
  const called = m.nbssRequest?.called;
  add(ctx, {
    id: "NETBIOS_SESSION_REJECTED",
    severity: "error",
    title: `NetBIOS session refused by ${c.s.server}${called ? ` for name ${called}` : ""}`,
    explanation: `Over port 139 an SMB connection starts with a NetBIOS session request naming the server. ${c.s.client} asked for ${called ?? "a name"}${m.nbssRequest?.calling ? ` (calling name ${m.nbssRequest.calling})` : ""}${m.nbssRequest ? ` in frame ${m.nbssRequest.frame}` : " (the request is not in the capture)"}, and the server refused in frame ${m.nbssResponse!.frame} with error 0x${err.toString(16)}: ${NB_ERRORS[err] ?? "unknown error"}. The SMB NEGOTIATE was never sent.`,
    remediation: [
      "Connect with the server's real NetBIOS name (the first 15 characters of its computer name), or use port 445 (direct hosting) which needs no NetBIOS name: `net use \\\\server\\share` uses 445 first unless it is blocked.",
      "On Samba, names the server answers to are `netbios name` and `netbios aliases` in smb.conf; on Windows, an alias needs `DisableStrictNameChecking` and `OptionalNames` under HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters.",
      "If port 139 is used because 445 is blocked, open TCP 445 instead.",
    ],
    connection: c.s.id, frames: [m.nbssRequest?.frame, m.nbssResponse!.frame].filter((x): x is number => !!x),
    filter: streamFilter(c), references: [REF.nbss],
  }, c);
}

function dialectMismatch(ctx: DiagnoseContext, c: ConnView, how: "smb1-only-client" | "server-closed-smb1"): void {
  const m = c.m;
  const neg = m.negotiates[m.negotiates.length - 1];
  const offered = neg.req?.dialects ?? [];
  add(ctx, {
    id: "NEGOTIATE_DIALECT_MISMATCH",
    severity: "error",
    title: `No SMB dialect in common: ${host(c.s.client)} offers only SMB1, ${host(c.s.server)} refuses SMB1`,
    explanation: how === "smb1-only-client"
      ? `The client offered only SMB1 dialects (${offered.join(", ")}) in frame ${neg.req?.frame}. The server answered in frame ${neg.resp!.frame} with dialect index 0xFFFF, which means "none of these"${m.finServer || m.rst ? " and closed the connection" : ""}: it accepts SMB 2 or later only (SMB1 is disabled, as it is by default on current Windows and Samba). Nothing after NEGOTIATE can happen.`
      : `The client offered only SMB1 dialects (${offered.join(", ")}) in frame ${neg.req?.frame}, and the server closed the connection without answering: it does not speak SMB1.`,
    remediation: [
      "Preferred: make the client use SMB 2 or later. On an old Windows client, install the updates that bring SMB2 (Windows Vista/2008 and later have it); on Samba clients set `client min protocol = SMB2_02` (or remove a `client max protocol = NT1` line); on devices (scanners, NAS, media players), update the firmware or enable SMB2/SMB3 in their settings.",
      "Avoid re-enabling SMB1 on the server (it is insecure and deprecated). Only as a last resort and temporarily: `Set-SmbServerConfiguration -EnableSMB1Protocol $true` on Windows, or `server min protocol = NT1` in smb.conf on Samba.",
      "Check what the server allows: `Get-SmbServerConfiguration | select EnableSMB1Protocol, EnableSMB2Protocol`; on Samba `testparm -sv | grep -i protocol`.",
    ],
    connection: c.s.id, frames: [neg.req?.frame, neg.resp?.frame].filter((x): x is number => !!x),
    filter: streamFilter(c), references: [REF.cifsNegotiate, REF.smb2Negotiate],
  }, c);
}

function noResponse(ctx: DiagnoseContext, c: ConnView): void {
  const m = c.m;
  const neg = m.negotiates[m.negotiates.length - 1];
  const req = neg.req!;
  const ack = m.negotiateBareAck;
  const end = m.rst ?? m.finClient ?? m.finServer;
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
  add(ctx, {
    id: "NEGOTIATE_NO_RESPONSE",
    severity: "error",
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
    connection: c.s.id,
    frames: [req.frame, ack?.frame, end?.frame].filter((x): x is number => !!x),
    filter: streamFilter(c),
    references: [REF.article, REF.smb2Negotiate],
  }, c);
}
