// SESSION_SIGNING_FAILED: the SESSION_SETUP answered STATUS_INVALID_SIGNATURE: a signature did not
// verify (MS-SMB2 3.2.5.3.1, 3.3.5.2.4), so the sides derived different keys or one signs wrongly.
import { add, streamFilter } from "../context";
import { REF } from "../references";
import { reqAt, legFrames, sessionFrames, extraText } from "./shared/session-text";
import type { FindingModule } from "./module";

const meta = {
  id: "SESSION_SIGNING_FAILED" as const,
  severity: "error",
  when: "a SESSION_SETUP answered STATUS_INVALID_SIGNATURE (a signature did not verify)",
  references: [REF.smb2Session, REF.article],
} satisfies FindingModule["meta"];

export const sessionSigningFailed: FindingModule = {
  meta,
  visit: {
    sessionFailure(ctx, c, f) {
      if (f.id !== meta.id) return;
      const { leg, extra } = f;
      const sg = c.s.signing;
      add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames: extra ? legFrames(leg) : sessionFrames(c) }, c, () => ({
        title: `Signing failed on the session with ${c.s.server} (STATUS_INVALID_SIGNATURE)`,
        explanation: `The SESSION_SETUP ${reqAt(leg)}${c.s.user ? ` (user ${c.s.user})` : ""} was answered STATUS_INVALID_SIGNATURE in frame ${leg.resp!.frame}: a signature did not verify, so the two sides derived different signing keys or one signs incorrectly. ${sg ? `Signing posture from NEGOTIATE: client ${sg.clientRequired ? "requires" : "does not require"} signing, server ${sg.serverRequired ? "requires" : "does not require"} it.` : ""} The usual causes are an older or third-party SMB implementation with a signing bug (the troubleshooting article asks to make sure signing works, especially with older devices), a WAN optimizer or proxy that rewrites SMB, or, with Kerberos, a session key mismatch (a stale or duplicated service account key).${extraText(extra, c)}`,
        remediation: [
          "Update the firmware or software of the device or third-party SMB server involved; check whether a WAN accelerator, proxy or IPS sits between client and server and bypass it for SMB.",
          "See the signing settings on both sides: `Get-SmbClientConfiguration | select RequireSecuritySignature, EnableSecuritySignature` and `Get-SmbServerConfiguration | select RequireSecuritySignature, EnableSecuritySignature`; on Samba `server signing` / `client signing` (`testparm -sv | grep -i signing`). Turning a requirement off is a diagnostic step, not a fix.",
          "With Kerberos, check the server account's keys: `setspn -X` for duplicate SPNs; reset the computer or service account password if its keytab is stale.",
        ],
        filter: streamFilter(c), references: meta.references,
      }));
    },
  },
};
