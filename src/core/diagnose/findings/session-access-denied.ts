// SESSION_ACCESS_DENIED: a SESSION_SETUP refused with STATUS_ACCESS_DENIED: the server refused the
// session for a reason other than the password: the possible causes the capture's evidence
// supports (multichannel bind, anonymous logon, encryption, server name hardening, signing, policy).
import * as W from "../../../../assembly/wire";
import { add, streamFilter } from "../context";
import { REF } from "../references";
import { statusInWords } from "../../names";
import { serverAccount } from "./shared/server-names";
import { namesOf } from "../../model/kerberos";
import { reqAt, legFrames, sessionFrames, extraText } from "./shared/session-text";
import type { FindingModule } from "./module";

const meta = {
  id: "SESSION_ACCESS_DENIED" as const,
  severity: "error",
  when: "a SESSION_SETUP refused with STATUS_ACCESS_DENIED (encryption, server name hardening, anonymous, signing, multichannel bind)",
  references: [REF.smb2Session, REF.nlmpAv, REF.article],
} satisfies FindingModule["meta"];

export const sessionAccessDenied: FindingModule = {
  meta,
  visit: {
    sessionFailure(ctx, c, f) {
      if (f.id !== meta.id) return;
      const { leg, extra } = f;
      const enc = f.enc!;
      const binding = ((leg.req.flags ?? 0) & W.SMB2_SESSION_FLAG_BINDING) !== 0;
      add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames: extra ? legFrames(leg) : sessionFrames(c) }, c, () => {
      const a = leg.req.auth;
      const anonymous = a.ntlmType === 3 && !a.user && !a.domain;
      // the alias the client aimed at (NTLM target name), for the commands that register it
      const alias = (a.spn && /^(?:cifs|host)\/([^/@]+)/i.exec(a.spn)?.[1]) || namesOf(c.m)[0] || "<alias>";
      const computer = serverAccount(ctx, c.s.server)?.netbios ?? "<server computer name>";
      const causes: string[] = [];
      if (binding) causes.push(`Multichannel binding: this SESSION_SETUP asked to bind an existing session to an additional channel (SMB2_SESSION_FLAG_BINDING). A server refuses a bind whose user differs from the session's (here ${a.ntlmType === 3 && !a.user ? "an anonymous logon" : c.s.user ?? "the user is not visible"}), that is anonymous or guest, that fails the signing check, or whose dialect or client GUID differ from the first channel's (MS-SMB2 3.3.5.5.2). The first channel keeps working; only the extra channel is lost.`);
      if (anonymous) causes.push("Anonymous logon: the client authenticated with no user name, and the server does not accept anonymous (null) sessions here (Windows: `RestrictNullSessAccess`, `RestrictAnonymous`, and no access for ANONYMOUS LOGON; Samba: `restrict anonymous = 2`). Find what on the client connects without credentials (a service running as a local account, cached empty credentials).");
      if (enc.can === false) causes.push(`Encryption: ${enc.why}. A server that requires encryption for all shares (Windows \`EncryptData\` with \`RejectUnencryptedAccess\`, Samba \`server smb encrypt = required\` in [global]) refuses such a client at SESSION_SETUP. This is the most likely cause here.`);
      if (a.spn) causes.push(`Server name hardening: the client aimed its NTLM authentication at "${a.spn}" (MsvAvTargetName). If the server's SmbServerNameHardeningLevel is 1 or 2 and does not know this name (an alias, a CNAME, an IP address), it refuses the session.`);
      else if (a.mech === "ntlm" || a.ntlmType) causes.push("Server name hardening: with SmbServerNameHardeningLevel 2, a client that sends no target name (MsvAvTargetName) or an unknown one is refused.");
      if (c.s.signing?.serverRequired && (c.s.auth === "guest" || c.s.auth === "anonymous" || !a.user)) causes.push("Signing: the server requires signing, which a guest or anonymous session cannot provide.");
      causes.push("Policy: the account may be denied network access to this server, or the server may refuse the authentication level (e.g. NTLMv1 when only NTLMv2 is allowed: `LmCompatibilityLevel`).");
      const who = a.user !== undefined ? (a.user === "" && !a.domain ? "an anonymous logon" : `${a.domain ? `${a.domain}\\` : ""}${a.user}`) : null;
      const explanation = `The SESSION_SETUP ${reqAt(leg)}${who ? ` (${who})` : ""} was answered ${statusInWords(leg.resp!)} in frame ${leg.resp!.frame}. The credentials may well be right: this status means the server refused the session for a reason other than the password.${extraText(extra, c)} Possible causes, from the evidence in the capture:\n- ${causes.join("\n- ")}`;
      return {
        title: binding ? `Multichannel session bind refused by ${c.s.server} (STATUS_ACCESS_DENIED)` : `Session refused by ${c.s.server} with STATUS_ACCESS_DENIED`,
        explanation,
        remediation: [
          ...(binding ? ["For multichannel: `Get-SmbMultichannelConnection` on the client shows the channels; to confirm the cause, retry with multichannel off on the client (`Set-SmbClientConfiguration -EnableMultiChannel $false`) or the server (`Set-SmbServerConfiguration -EnableMultiChannel $false`); make sure every channel authenticates as the same user (no cached anonymous or guest credentials)."] : []),
          "Check whether the server requires encryption: `Get-SmbServerConfiguration | select EncryptData, RejectUnencryptedAccess` (Windows) or `testparm -sv | grep -i 'smb encrypt'` (Samba). If it does, the client must use SMB 3.0 or later with encryption.",
          `Check server name hardening: \`Get-SmbServerConfiguration | select SmbServerNameHardeningLevel\` or the registry value SmbServerNameHardeningLevel under HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters; to test, set it to 0 (as the troubleshooting article suggests) and retry; then register the alias properly instead (\`netdom computername ${computer} /add:${alias}\` and \`setspn -S cifs/${alias} ${computer}\`).`,
          "Check signing: `Get-SmbServerConfiguration | select RequireSecuritySignature`; older third-party devices may not sign correctly.",
          "The server's Microsoft-Windows-SMBServer/Security event log names the reason (e.g. event 1006 for encryption, 1009 for name hardening / SPN validation).",
        ],
        filter: streamFilter(c), references: meta.references,
      };
      });
    },
  },
};
