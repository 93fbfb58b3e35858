// LOGON_FAILURE: a SESSION_SETUP refused with a credential status (wrong password, unknown,
// disabled, locked or expired account…), with the user and domain exactly as the blob carried them.
import { add, streamFilter } from "../context";
import { REF } from "../references";
import { statusInWords } from "../../names";
import { reqAt, legFrames, sessionFrames, extraText, serverName } from "./shared/session-text";
import { serverAccount } from "./shared/server-names";
import type { FindingModule } from "./module";

/** Credential statuses (MS-ERREF 2.3.1) and what each means for the admin (shared/precedence.ts: these are LOGON_FAILURE). */
export const CREDENTIAL: Record<string, string> = {
  STATUS_LOGON_FAILURE: "the user name or password is wrong (or the account is unknown to the server's domain)",
  STATUS_WRONG_PASSWORD: "the password is wrong",
  STATUS_NO_SUCH_USER: "the server does not know this account",
  STATUS_ACCOUNT_DISABLED: "the account is disabled",
  STATUS_ACCOUNT_LOCKED_OUT: "the account is locked out after too many bad passwords",
  STATUS_ACCOUNT_EXPIRED: "the account has expired",
  STATUS_PASSWORD_EXPIRED: "the password has expired",
  STATUS_PASSWORD_MUST_CHANGE: "the password must be changed before the account can log on",
  STATUS_ACCOUNT_RESTRICTION: "an account restriction applies (for example blank passwords are not allowed over the network)",
  STATUS_INVALID_LOGON_HOURS: "the account may not log on at this time of day",
  STATUS_INVALID_WORKSTATION: "the account may not log on from this computer",
  STATUS_LOGON_TYPE_NOT_GRANTED: "the account lacks the right \"Access this computer from the network\" (or is denied it)",
  STATUS_TRUSTED_RELATIONSHIP_FAILURE: "the server's trust with the domain is broken",
  STATUS_TRUSTED_DOMAIN_FAILURE: "the trust with the account's domain failed",
  STATUS_NO_LOGON_SERVERS: "the server could not reach a domain controller to check the credentials",
  STATUS_NO_TRUST_SAM_ACCOUNT: "the server's computer account is missing in the domain",
  STATUS_DOWNGRADE_DETECTED: "the server detected a downgrade attempt (the negotiation was tampered with, or a middlebox interfered)",
  STATUS_AUTHENTICATION_FIREWALL_FAILED: "a selective-authentication trust forbids this account on this server",
};

const meta = {
  id: "LOGON_FAILURE" as const,
  severity: "error",
  when: "a SESSION_SETUP refused with a credential status (STATUS_LOGON_FAILURE, account disabled, locked out, expired, password must change…)",
  references: [REF.smb2Session, REF.nlmpAuth, REF.article],
} satisfies FindingModule["meta"];

export const logonFailure: FindingModule = {
  meta,
  visit: {
    sessionFailure(ctx, c, f) {
      if (f.id !== meta.id) return;
      const { leg, extra, status: st } = f;
      const a = leg.req.auth;
      add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames: extra ? legFrames(leg) : sessionFrames(c) }, c, () => {
      const who = a.user !== undefined ? `${a.domain ? `${a.domain}\\` : ""}${a.user}` : null;
      const mech = a.mech === "kerberos" ? "Kerberos" : a.mech === "ntlm" || a.ntlmType ? "NTLM" : a.mech ?? "an unknown mechanism";
      const specific: string[] = [];
      if (st === "STATUS_ACCOUNT_LOCKED_OUT") specific.push(`Unlock: \`Unlock-ADAccount ${a.user ?? "<user>"}\` (or \`samba-tool user unlock ${a.user ?? "<user>"}\`), then find what keeps sending the old password (\`Get-ADUser ${a.user ?? "<user>"} -Properties LockedOut,BadLogonCount\`; stored credentials, mapped drives, services).`);
      else if (st === "STATUS_ACCOUNT_DISABLED") specific.push(`Enable the account if it should log on: \`Enable-ADAccount ${a.user ?? "<user>"}\` (Samba AD: \`samba-tool user enable ${a.user ?? "<user>"}\`; standalone Samba: \`smbpasswd -e ${a.user ?? "<user>"}\`).`);
      else if (st === "STATUS_PASSWORD_MUST_CHANGE" || st === "STATUS_PASSWORD_EXPIRED") specific.push("The user must set a new password first (interactive logon, Ctrl+Alt+Del, or `Set-ADAccountPassword`); SMB cannot change it during SESSION_SETUP.");
      else if (st === "STATUS_ACCOUNT_EXPIRED") specific.push(`Extend the account's expiry date: \`Set-ADAccountExpiration ${a.user ?? "<user>"} -DateTime <date>\` or clear it (\`Clear-ADAccountExpiration\`).`);
      else if (st === "STATUS_LOGON_TYPE_NOT_GRANTED") specific.push("Check the user rights \"Access this computer from the network\" / \"Deny access to this computer from the network\" on the server (secpol.msc or GPO).");
      else if (st === "STATUS_NO_LOGON_SERVERS" || st.startsWith("STATUS_TRUST")) specific.push(`On the server: \`Test-ComputerSecureChannel -Verbose\` (repair with \`-Repair\`), \`nltest /sc_query:${serverAccount(ctx, c.s.server)?.domain ?? "<domain>"}\`; on Samba: \`wbinfo -t\`.`);
      else specific.push(`Check the user name and domain in the blob above for a typo, and the password: ${who ? `does \`${who}\` exist on the server's side (\`Get-ADUser\`, \`pdbedit -L\` on standalone Samba)?` : "the capture shows no user name (the blob was Kerberos or could not be read)."}`);
      return {
        title: `Logon failed${who ? ` for ${who}` : ""}: ${leg.resp!.dos ?? st}`,
        explanation: `The SESSION_SETUP (${mech}${who ? `, user "${a.user}"${a.domain !== undefined ? ` domain "${a.domain}"` : ""}${a.host ? ` from workstation "${a.host}"` : ""}` : ""}) ${reqAt(leg)} was answered ${statusInWords(leg.resp!)} in frame ${leg.resp!.frame}: ${CREDENTIAL[st]}. The names above are exactly what the client sent in its security blob, so a wrong domain or a typo in the user name shows here.${extraText(extra, c)}`,
        remediation: [
          ...specific,
          "On the server or domain controller, the security event log shows the reason in detail: event 4625 (failure reason and status/sub-status) or, on a DC, 4771/4776.",
          `On the client, stored credentials for this server may be stale: \`cmdkey /list\` and \`cmdkey /delete:${serverName(c)}\`; \`net use\` shows mapped drives that keep retrying.`,
        ],
        filter: streamFilter(c), references: meta.references,
      };
      });
    },
  },
};
