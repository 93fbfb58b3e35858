// LOGON_PASSWORD_CHECK: a refused NTLM logon, and the passwords the user gave checked against the
// client's NTLMv2 response (NTProofStr, MS-NLMP 3.3.2; decrypt/session.ts): either one of them is
// what the client sent, so the password is right and the account, server or domain is not, or none
// is, so the client sent another password (a stale saved credential, a mapped drive's old one, a
// typo). Offline: no domain controller is asked, and the password is never shown.
import { add, connsWith, F, host, streamFilter } from "../context";
import { REF } from "../references";
import { statusLabel, statusInWords } from "../../names";
import { isError } from "../../model/summarize";
import { blobUser } from "./ntlmv1-refused";
import type { FindingModule } from "./module";

export const NLMP_V2_CHECK = "MS-NLMP 3.3.2 NTLM v2 Authentication (NTProofStr = HMAC-MD5(NTOWFv2, ServerChallenge ‖ client blob))";

/** Refusals a wrong password can explain (the credential statuses of findings/shared/precedence.ts that are about the password). */
const PASSWORD_STATUSES = new Set(["STATUS_LOGON_FAILURE", "STATUS_WRONG_PASSWORD", "STATUS_ACCOUNT_LOCKED_OUT", "STATUS_NO_SUCH_USER"]);

export const logonPasswordCheck: FindingModule = {
  meta: {
    id: "LOGON_PASSWORD_CHECK", severity: "warning",
    when: "an NTLM logon refused (STATUS_LOGON_FAILURE and kin) when a password was given: does it match what the client sent",
    references: [NLMP_V2_CHECK, REF.nlmpAuth],
  },
  create(ctx) {
    for (let at = 0, cs = connsWith(ctx, F.PASSWORD_CHECK); at < cs.length; at++) { // (indexed: see walk.ts)
      const c = cs[at];
      for (const leg of c.m.sessions) {
        const chk = leg.passwordCheck;
        if (!chk || chk.result === "unsupported" || !leg.resp || !isError(leg.resp.status)) continue;
        const st = statusLabel(leg.resp.status);
        if (!PASSWORD_STATUSES.has(st)) continue;
        const user = blobUser(leg) ?? "the user";
        const gave = chk.tried === 1 ? "The password you gave" : `One of the ${chk.tried} passwords you gave`;
        const base = `The NTLM logon of ${user} (AUTHENTICATE in frame ${chk.frame}) was refused with ${statusInWords(leg.resp)} in frame ${leg.resp.frame}. Checked offline against the NTLMv2 response the client sent (its NTProofStr), without asking any domain controller:`;
        const match = chk.result === "match";
        add(ctx, {
          id: this.meta.id,
          severity: "warning",
          title: match ? `The password given is the one the client sent for ${user}: look at the account, not the password`
            : `${chk.tried === 1 ? "The password given is not" : `None of the ${chk.tried} passwords given is`} the one the client sent for ${user}`,
          explanation: match
            ? `${base} ${gave} is exactly what the client used. So the client sent the password you expected, and the server does not take it for this account: the account's password on the server's side is another one (changed since, or never set there), the server checks another account than you think (the user "${leg.req.auth.user ?? ""}" in domain "${leg.req.auth.domain ?? ""}", as sent: a local account of the server instead of the domain one, or the other way round), or the server could not validate it with its domain controller.`
            : `${base} ${chk.tried === 1 ? "it is not" : "none of them is"} the password the client used. The client logged on with another password: a credential saved on the client that has gone stale (Windows Credential Manager, a password changed since), a mapped drive or a service still holding an old password, or a typo on either side.`,
          remediation: match ? [
            `Check the account on ${host(c.s.server)}'s side: on Windows, is "${leg.req.auth.domain ?? ""}" the domain (or this server's own name, for a local account)? \`Get-ADUser ${leg.req.auth.user ?? "<user>"}\` or \`Get-LocalUser\`; on standalone Samba, \`pdbedit -L -v ${leg.req.auth.user ?? "<user>"}\` (and set its password with \`smbpasswd -a ${leg.req.auth.user ?? "<user>"}\`: Samba keeps its own, apart from the Unix password).`,
            "On a domain member: `Test-ComputerSecureChannel -Verbose` (Windows) or `wbinfo -t` (Samba) tells whether it can reach its domain controller to validate the logon; the DC's security log (event 4776) gives the reason.",
          ] : [
            `On a Windows client: \`cmdkey /list\` shows saved credentials; remove the one for this server (\`cmdkey /delete:${host(c.s.server)}\`) and \`net use\` the share again with the current password; \`net use\` lists mapped drives that reconnect with saved credentials.`,
            "Services, scheduled tasks and scripts that connect as this user keep the password they were given: update them after a password change.",
            "If the user typed it: check Caps Lock and the keyboard layout, then try again.",
          ],
          connection: c.s.id,
          frames: [chk.frame, leg.resp.frame].filter((x) => x > 0),
          filter: streamFilter(c),
          references: this.meta.references,
        }, c);
      }
    }
  },
};
