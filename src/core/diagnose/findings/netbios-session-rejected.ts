// NETBIOS_SESSION_REJECTED: over port 139 the NetBIOS session request (naming the server) was
// answered with a NEGATIVE SESSION RESPONSE, so the SMB NEGOTIATE was never sent.
import { has, F, add, streamFilter, type ConnView, type DiagnoseContext } from "../context";
import { REF } from "../references";
import type { FindingModule } from "./module";

const NB_ERRORS: Record<number, string> = {
  0x80: "not listening on the called name",
  0x81: "not listening for the calling name",
  0x82: "called name not present",
  0x83: "called name present, but insufficient resources",
  0x8f: "unspecified error",
};

const meta = {
  id: "NETBIOS_SESSION_REJECTED" as const,
  severity: "error",
  when: "the NetBIOS session request on port 139 answered with a negative session response (the called name is not the server's)",
  references: [REF.nbss],
} satisfies FindingModule["meta"];

export const netbiosSessionRejected: FindingModule = {
  meta,
  visit: {
    negotiate(ctx, c) {
      if (!has(c, F.NBSS_REFUSED)) return;
      const m = c.m;
      if (!m.nbssResponse || m.nbssResponse.positive) return;
      report(ctx, c);
    },
  },
};

// (the finding in a function of its own: a closure in the visitor, called for every connection,
// made each call allocate its context)
function report(ctx: DiagnoseContext, c: ConnView): void {
  const m = c.m;
  const resp = m.nbssResponse!;
  add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames: [m.nbssRequest?.frame, resp.frame].filter((x): x is number => !!x) }, c, () => {
  const err = resp.error ?? 0x8f;
  const called = m.nbssRequest?.called;
  return {
    title: `NetBIOS session refused by ${c.s.server}${called ? ` for name ${called}` : ""}`,
    explanation: `Over port 139 an SMB connection starts with a NetBIOS session request naming the server. ${c.s.client} asked for ${called ?? "a name"}${m.nbssRequest?.calling ? ` (calling name ${m.nbssRequest.calling})` : ""}${m.nbssRequest ? ` in frame ${m.nbssRequest.frame}` : " (the request is not in the capture)"}, and the server refused in frame ${resp.frame} with error 0x${err.toString(16)}: ${NB_ERRORS[err] ?? "unknown error"}. The SMB NEGOTIATE was never sent.`,
    remediation: [
      "Connect with the server's real NetBIOS name (the first 15 characters of its computer name), or use port 445 (direct hosting) which needs no NetBIOS name: `net use \\\\server\\share` uses 445 first unless it is blocked.",
      "On Samba, names the server answers to are `netbios name` and `netbios aliases` in smb.conf; on Windows, an alias needs `DisableStrictNameChecking` and `OptionalNames` under HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters.",
      "If port 139 is used because 445 is blocked, open TCP 445 instead.",
    ],
    filter: streamFilter(c), references: meta.references,
  };
  });
}
