// KERBEROS_SPN_UNKNOWN: KDC_ERR_S_PRINCIPAL_UNKNOWN (or _C_PRINCIPAL_UNKNOWN) for the service: no
// account holds the SPN, typically cifs/<alias> for a CNAME or extra A record; whether the client
// then fell back to NTLM decides its severity.
import { add } from "../context";
import { REF } from "../references";
import { displayFilter } from "../../filters";
import { KRB_ERRORS } from "../../names";
import { smbServiceName } from "../../model/kerberos";
import { serverAccount } from "./shared/server-names";
import { krbFrames as framesOf, NOT_SMB, requestFrame } from "./shared/kerberos-text";
import type { FindingModule } from "./module";

const meta = {
  id: "KERBEROS_SPN_UNKNOWN" as const,
  severity: "error",
  when: "a TGS-REQ answered KDC_ERR_S_PRINCIPAL_UNKNOWN: no account has the SPN (a CNAME alias); a warning when NTLM rescued the connection, info when it served no SMB connection",
  references: [REF.kileTgs, REF.rfc4120Errors, REF.article],
} satisfies FindingModule["meta"];

export const kerberosSpnUnknown: FindingModule = {
  meta,
  visit: {
    kerberosError(ctx, g) {
      if (g.id !== meta.id) return;
      const { group, v, notSmb } = g;
      const ex = group[0];
      // Did the client fall back to NTLM on the SMB connection afterwards?
      let fallback: string | null = null;
      if (v) {
        const ntlmLeg = v.m.sessions.find((l) => (l.req.auth.mech === "ntlm" || l.req.auth.ntlmType) && l.req.ts >= (ex.reply?.ts ?? 0));
        if (ntlmLeg) {
          const okLeg = v.m.sessions.find((l) => l.resp && (l.resp.status >>> 0) === 0);
          fallback = `The client then fell back to NTLM on the SMB connection (${ntlmLeg.req.frame ? `SESSION_SETUP frame ${ntlmLeg.req.frame}` : "a SESSION_SETUP whose request is not in the capture"})${okLeg ? ", which succeeded: access works, but without Kerberos (no delegation, weaker authentication, and it breaks where NTLM is restricted)" : ""}.`;
        } else if (v.s.outcome !== "ok") fallback = "The client did not fall back to NTLM, so the SMB connection could not authenticate.";
      }
      add(ctx, { id: meta.id, severity: notSmb ? "info" : fallback && fallback.includes("succeeded") ? "warning" : "error", connection: v?.s.id ?? null, frames: framesOf(group) }, v ?? undefined, () => {
      const times = group.length > 1 ? ` (${group.length} times)` : "";
      const svc = ex.service ?? "(unknown service)";
      const alias = smbServiceName(svc);
      // A user principal as the service (no "/"): user-to-user (RFC 4120 2.9.2) or S4U2Self (MS-SFU
      // 3.1.5.1.1) requests name one; there is no SPN to register for it.
      const userPrincipal = ex.service !== null && !svc.includes("/");
      // the server's own computer name, when an NTLM CHALLENGE from its address named it
      const acct = v ? serverAccount(ctx, v.s.server) : null;
      const computer = acct?.netbios ?? "<server computer name>";
      const got = `${ex.client} asked the KDC ${ex.kdc} for a ticket to ${svc} (${requestFrame(ex, "TGS-REQ")}) and got ${KRB_ERRORS[ex.reply!.errorCode!]} (frame ${ex.reply!.frame})${times}`;
      const explanation = userPrincipal
        ? `${got}. "${svc}" is a user principal, not a service name: requests that name a user as the service are user-to-user (RFC 4120 2.9.2) or S4U2Self (MS-SFU 3.1.5.1.1) requests made by an application, and the KDC does not issue tickets to this principal as a service. There is no SPN to register for it.${notSmb ? ` ${NOT_SMB}` : ""}`
        : `${got}: no account in the directory has the SPN ${svc}. ${alias ? `This happens when the server is reached by a name that is not its own: a DNS CNAME or an extra A record (alias) pointing at the file server, a load-balancer name, or a mistyped name. Kerberos needs the name "${alias}" registered as an SPN on the server's computer account.` : ""} ${fallback ?? ""}${notSmb ? ` ${NOT_SMB}` : ""}`.replace(/ +/g, " ").trim();
      const remediation = userPrincipal ? [
        "Nothing to register: `setspn` does not apply to a user principal.",
        "If an application failed at that time, find which one made the request: the DC's Security log has event 4769 with the client and the service name, and `klist` on the client shows its tickets.",
      ] : alias && !notSmb ? [
        `Check who holds the SPN: \`setspn -Q ${svc}\` (none is the problem; two would be a duplicate: \`setspn -X\`).`,
        `If "${alias}" is an alias of a Windows file server: \`setspn -S cifs/${alias} ${computer}\` (also for the short name), and let the server accept the alias: \`netdom computername ${acct?.dns ?? computer} /add:${alias}\` (or DisableStrictNameChecking + OptionalNames).${acct ? ` The server named itself ${acct.netbios}${acct.dns ? ` (${acct.dns})` : ""} in its NTLM CHALLENGE.` : ""}`,
        `On a Samba AD domain: \`samba-tool spn add cifs/${alias} ${computer}$\`; on a Samba member server add the name to \`netbios aliases\` and register the SPN.`,
        "Or connect with the server's real name (its FQDN) instead of the alias.",
        "After registering, purge the client's tickets (`klist purge`) and retry.",
      ] : [
        `Check who holds the SPN: \`setspn -Q ${svc}\` (none is the problem; two would be a duplicate: \`setspn -X\`).`,
        `Register the SPN on the account that runs the service: \`setspn -S ${svc} <account>\` (Samba AD: \`samba-tool spn add ${svc} <account>\`).`,
        "After registering, purge the client's tickets (`klist purge`) and retry.",
      ];
      return {
        title: `${userPrincipal ? `Kerberos: no service ticket for the user principal ${svc}` : `No Kerberos service principal for ${svc}`}${notSmb ? (alias ? " (for no SMB connection in the capture)" : " (not SMB-related)") : ""}`,
        explanation,
        remediation,
        filter: displayFilter({ kerberosErrors: [ex.reply!.errorCode], host: ex.client }),
        references: meta.references,
      };
      });
    },
  },
};
