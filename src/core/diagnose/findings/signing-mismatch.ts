// SIGNING_MISMATCH: one side requires signing and the other cannot or will not sign, and the
// connection ends there. SMB1: the server's NEGOTIATE says signatures required, the client hangs up
// before SESSION_SETUP. SMB2/3: the client requires signing and its session is guest or anonymous
// (no session key, so nothing can be signed) or, with 3.1.1, the final SESSION_SETUP response is
// unsigned; the client hangs up before TREE_CONNECT.
import * as W from "../../../../assembly/wire";
import { add, host, streamFilter, type DiagnoseContext, type ConnView, connsWith, F } from "../context";
import { REF } from "../references";
import { establishedAttempt } from "../../model/summarize";
import type { FindingModule } from "./module";
import { hangUpOf, hangUpText, hangUpFrames, finalNegotiate, type HangUp } from "./hangup";
import { signingByDefault } from "./shared/windows-build";

/** MS-CIFS 2.2.4.52.2: SecurityMode bit 0x08, NEGOTIATE_SECURITY_SIGNATURES_REQUIRED */
const SMB1_SIGNATURES_REQUIRED = 0x08;

const DEFAULTS = "Windows 11 24H2 (Pro, Enterprise, Education) requires signing on every outbound and inbound SMB connection by default, Windows Server 2025 on outbound ones; requiring signing also turns guest logons off.";

function clientFix(): string {
  return "If the server cannot be fixed at once, and only then: let this client connect unsigned: `Set-SmbClientConfiguration -RequireSecuritySignature $false` (GPO \"Microsoft network client: Digitally sign communications (always)\" = Disabled); on a Samba client `client signing = desired` (or `auto`) instead of `required`. This weakens the protection against tampering and relaying.";
}

const module: FindingModule = {
  meta: { id: "SIGNING_MISMATCH", severity: "error", when: "one side requires signing and the other cannot or will not sign (SMB1 or SMB2/3; guest/anonymous sessions cannot sign), and the connection ends there" },
  create(ctx) {
    for (let at = 0, cs = connsWith(ctx, F.FAILED); at < cs.length; at++) { // (hangUpOf: null unless failed)
      const c = cs[at];
      const h = hangUpOf(c);
      if (!h || h.end.by !== "client") continue;
      const neg = finalNegotiate(c.m);
      if (h.phase === "negotiate" && neg?.resp?.smb1 && ((neg.resp.secMode ?? 0) & SMB1_SIGNATURES_REQUIRED)) smb1(ctx, c, h);
      else if (h.expected === "TREE_CONNECT" && c.s.signing?.clientRequired) smb2(ctx, c, h);
    }
  },
};
export default module;

function smb1(ctx: DiagnoseContext, c: ConnView, h: HangUp): void {
  add(ctx, { id: "SIGNING_MISMATCH", severity: "error", connection: c.s.id, frames: hangUpFrames(h) }, c, () => {
  const srv = host(c.s.server);
  return {
    title: `${srv} requires SMB1 signing; the client would not sign and hung up`,
    explanation: `The connection speaks SMB1 (${c.s.dialect ?? "NT LM 0.12"}). In its NEGOTIATE response the server set NEGOTIATE_SECURITY_SIGNATURES_REQUIRED in SecurityMode (0x${(finalNegotiate(c.m)!.resp!.secMode ?? 0).toString(16).padStart(2, "0")}): every message must be signed. The client did not go on: ${hangUpText(h)}. A client does that when its own signing is disabled (Samba \`client signing = disabled\`, an old device or a Windows client with SMB1 signing turned off), so the two sides cannot agree.`,
    remediation: [
      `Best: do not use SMB1 at all. Let the client speak SMB 2 or later (Samba \`client min protocol = SMB2_02\`; on devices, update the firmware), and turn SMB1 off on ${srv} (\`Set-SmbServerConfiguration -EnableSMB1Protocol $false\`; Samba \`server min protocol = SMB2_02\`).`,
      "Otherwise let the client sign: Samba `client signing = auto` or `required` (not `disabled`); on Windows `Set-SmbClientConfiguration -EnableSecuritySignature $true` (SMB1 still reads EnableSecuritySignature).",
      `Or, weaker, stop requiring signing on ${srv}: Samba \`server signing = default\` instead of \`mandatory\`; Windows \`Set-SmbServerConfiguration -RequireSecuritySignature $false\`.`,
    ],
    filter: streamFilter(c), references: [REF.cifsSecMode, REF.cifsNegotiate],
  };
  });
}

function smb2(ctx: DiagnoseContext, c: ConnView, h: HangUp): void {
  const est = establishedAttempt(c.m)!;
  const resp = est[est.length - 1].resp!;
  const flags = resp.sessionFlags ?? 0;
  const guest = (flags & W.SMB2_SESSION_FLAG_IS_GUEST) !== 0 || c.s.auth === "guest";
  const anon = (flags & W.SMB2_SESSION_FLAG_IS_NULL) !== 0 || c.s.auth === "anonymous";
  const unsigned = resp.smbFlags !== undefined && (resp.smbFlags & W.SMB2_FLAGS_SIGNED) === 0;
  // an unsigned final response is an error of itself only with 3.1.1 (MS-SMB2 3.2.5.3.1)
  if (!guest && !anon && !(unsigned && c.s.dialect === "3.1.1")) return;
  add(ctx, { id: "SIGNING_MISMATCH", severity: "error", connection: c.s.id, frames: [resp.frame, h.end.frame] }, c, () => {
  const srv = host(c.s.server);
  const why = guest || anon
    ? `the server made it a ${guest ? "guest" : "anonymous (null)"} session (SessionFlags 0x${flags.toString(16).padStart(4, "0")}, ${guest ? "SMB2_SESSION_FLAG_IS_GUEST" : "SMB2_SESSION_FLAG_IS_NULL"}, MS-SMB2 2.2.6). Such a session has no session key, so nothing on it can be signed${unsigned ? " (the response itself is unsigned)" : ""}`
    : "the final SESSION_SETUP response is not signed (SMB2_FLAGS_SIGNED clear in its header) although the connection negotiated SMB 3.1.1, where the client must fail such a response (MS-SMB2 3.2.5.3.1). A server that claims 3.1.1 and does not sign breaks the pre-authentication integrity; Windows shows STATUS_INVALID_SIGNATURE (0xC000A000)";
  return {
    title: guest || anon
      ? `The client requires signing, and ${srv} gave it a ${guest ? "guest" : "anonymous"} session that cannot sign`
      : `The client requires signing, and ${srv} did not sign the session setup`,
    explanation: `The client set SMB2_NEGOTIATE_SIGNING_REQUIRED in its NEGOTIATE SecurityMode: it requires signing. The session setup in frame ${resp.frame} succeeded, but ${why}. So the client gave up: ${hangUpText(h)}. ${DEFAULTS}${signingByDefault(c)}`,
    remediation: [
      ...(guest || anon ? [
        `Best fix, on ${srv}: give the client a real account instead of guest access (on Samba, \`map to guest = bad user\` turns unknown or mistyped user names into guest silently: check the user name and password the client sends, or add the user with \`smbpasswd -a ${c.s.user?.split("\\").pop() || "<user>"}\`).`,
      ] : [
        `Best fix, on ${srv}: make it sign. Update the NAS firmware or SMB server; on Samba use \`server signing = default\` or \`mandatory\` (never \`disabled\`) and a current version; on Windows \`Set-SmbServerConfiguration -RequireSecuritySignature $true\`.`,
      ]),
      clientFix(),
      ...(guest || anon ? ["Guest access needs both on a Windows client: `Set-SmbClientConfiguration -RequireSecuritySignature $false` and `-EnableInsecureGuestLogons $true` (GPO \"Enable insecure guest logons\"); the SMBClient/Security event log shows event 31017 when a guest logon is rejected."] : []),
      "See the client's posture: `Get-SmbClientConfiguration | select RequireSecuritySignature, EnableInsecureGuestLogons`; audit with `Set-SmbClientConfiguration -AuditServerDoesNotSupportSigning $true` (events 31998/31999).",
    ],
    filter: streamFilter(c), references: [REF.smb2Auth, REF.smb2SessionFlags, REF.smb2NegResp],
  };
  });
}
