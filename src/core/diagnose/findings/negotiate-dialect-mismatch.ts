// NEGOTIATE_DIALECT_MISMATCH: no SMB dialect in common: the client offered only SMB1 and the server
// answered dialect index 0xFFFF ("none of these"), or closed the connection without answering; or an
// SMB 2/3 NEGOTIATE answered STATUS_NOT_SUPPORTED, told by the offered range (shared/dialect-range.ts).
import { add, host, streamFilter, type ConnView, type DiagnoseContext } from "../context";
import { REF } from "../references";
import type { FindingModule } from "./module";
import { dialectRangeFinding } from "./shared/dialect-range";

const meta = {
  id: "NEGOTIATE_DIALECT_MISMATCH" as const,
  severity: "error",
  when: "no SMB dialect in common: the client offered only SMB1 dialects and the server refused them all (dialect index 0xFFFF) or closed without answering; or an SMB2 NEGOTIATE answered STATUS_NOT_SUPPORTED, told by which side's minimum or maximum (Smb2DialectMin/Max, `client/server min/max protocol`) the offered range misses",
  references: [REF.cifsNegotiate, REF.smb2Negotiate, REF.smb2ClientNeg],
} satisfies FindingModule["meta"];

export const negotiateDialectMismatch: FindingModule = {
  meta,
  visit: {
    negotiate(ctx, c, v) {
      if (v?.id !== meta.id) return;
      if (v.how === "smb2-range") return dialectRangeFinding(ctx, c);
      report(ctx, c, v);
    },
  },
};

// (the finding in a function of its own: a closure in the visitor, called for every connection,
// made each call allocate its context)
function report(ctx: DiagnoseContext, c: ConnView, v: { how: string }): void {
  const m = c.m;
  const neg = m.negotiates[m.negotiates.length - 1];
  add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames: [neg.req?.frame, neg.resp?.frame].filter((x): x is number => !!x) }, c, () => {
  const offered = neg.req?.dialects ?? [];
  return {
    title: `No SMB dialect in common: ${host(c.s.client)} offers only SMB1, ${host(c.s.server)} refuses SMB1`,
    explanation: v.how === "smb1-only-client"
      ? `The client offered only SMB1 dialects (${offered.join(", ")}) in frame ${neg.req?.frame}. The server answered in frame ${neg.resp!.frame} with dialect index 0xFFFF, which means "none of these"${m.finServer || m.rst ? " and closed the connection" : ""}: it accepts SMB 2 or later only (SMB1 is disabled, as it is by default on current Windows and Samba). Nothing after NEGOTIATE can happen.`
      : `The client offered only SMB1 dialects (${offered.join(", ")}) in frame ${neg.req?.frame}, and the server closed the connection without answering: it does not speak SMB1.`,
    remediation: [
      "Preferred: make the client use SMB 2 or later. On an old Windows client, install the updates that bring SMB2 (Windows Vista/2008 and later have it); on Samba clients set `client min protocol = SMB2_02` (or remove a `client max protocol = NT1` line); on devices (scanners, NAS, media players), update the firmware or enable SMB2/SMB3 in their settings.",
      "Avoid re-enabling SMB1 on the server (it is insecure and deprecated). Only as a last resort and temporarily: `Set-SmbServerConfiguration -EnableSMB1Protocol $true` on Windows, or `server min protocol = NT1` in smb.conf on Samba.",
      "Check what the server allows: `Get-SmbServerConfiguration | select EnableSMB1Protocol, EnableSMB2Protocol`; on Samba `testparm -sv | grep -i protocol`.",
    ],
    filter: streamFilter(c), references: [REF.cifsNegotiate, REF.smb2Negotiate],
  };
  });
}
