// Kerberos on port 88: pre-authentication errors are normal (info); errors after them are the
// cause (the troubleshooting article). KDC_ERR_S_PRINCIPAL_UNKNOWN for cifs/<name> = no SPN.
import { add, type DiagnoseContext, type ConnView } from "./context";
import { REF } from "./references";
import { displayFilter } from "../filters";
import { KRB_ERRORS } from "../names";
import { EXPECTED_KRB_ERRORS, smbServiceName, type KrbExchange } from "../model/kerberos";

export const ADVICE: Record<number, { meaning: string; fix: string[] }> = {
  6: { meaning: "the KDC does not know the client principal (wrong user name or realm)", fix: ["Check the user name and realm (`klist` shows the principal used).", "In AD: `Get-ADUser <user>`; Samba AD: `samba-tool user show <user>`."] },
  13: { meaning: "the KDC refused an option the request asked for: renewing a ticket that is not renewable, validating one that is not postdated (RFC 4120 2.3), or delegation (S4U2Proxy, forwarding) the account is not trusted for (MS-SFU 3.2.5.2)", fix: ["See which KDC options the request set (`kerberos.kdc_options` in Wireshark); for delegation check the account's \"Trust this computer for delegation\" setting and msDS-AllowedToDelegateTo / msDS-AllowedToActOnBehalfOfOtherIdentity."] },
  12: { meaning: "a KDC policy refused the request (e.g. logon hours, workstation restrictions, or a protected account)", fix: ["Check the account's logon restrictions and the Protected Users group."] },
  14: { meaning: "no encryption type in common between the client, the KDC and the account's keys (e.g. RC4 disabled while the account has no AES keys)", fix: ["Check `msDS-SupportedEncryptionTypes` on the account and the service account; reset the password of an old account so that AES keys are created.", "Compare `klist` etypes with the domain policy \"Network security: Configure encryption types allowed for Kerberos\"."] },
  18: { meaning: "the client's credentials were revoked: the account is disabled or locked out", fix: ["`Get-ADUser <user> -Properties Enabled,LockedOut`; unlock with `Unlock-ADAccount`, enable with `Enable-ADAccount` (Samba AD: `samba-tool user enable/unlock`)."] },
  23: { meaning: "the password has expired", fix: ["The user must change the password (interactive logon or `Set-ADAccountPassword`)."] },
  24: { meaning: "pre-authentication failed: the password is wrong", fix: ["Retry with the right password; find stale stored credentials (`cmdkey /list`, `klist purge`).", "Repeated failures lock the account: check `BadLogonCount`."] },
  31: { meaning: "integrity check failed: usually a wrong password or keys out of sync", fix: ["Retry with the right password; if a service account, reset its password and keytab together."] },
  32: { meaning: "the ticket has expired", fix: ["Purge and renew tickets: `klist purge` then retry."] },
  37: { meaning: "the clocks of client and KDC differ by more than the allowed skew (5 minutes by default)", fix: ["Synchronise time: `w32tm /query /status` and `w32tm /resync` on Windows; `chronyc tracking` or `timedatectl` on Linux."] },
  41: { meaning: "the message was modified or the service key does not match (the SPN belongs to another account, or a duplicate SPN)", fix: ["Find duplicate SPNs: `setspn -X`; check which account holds the SPN with `setspn -Q <spn>`."] },
  68: { meaning: "wrong realm: the request was sent to a KDC of another realm", fix: ["Check the realm in the client's configuration (krb5.conf `default_realm`, or the domain used)."] },
};

export function kerberosRules(ctx: DiagnoseContext): void {
  const viewOf = (ex: KrbExchange) => (ex.conn ? ctx.viewOf.get(ex.conn) ?? null : null);
  const preauth: KrbExchange[] = [];
  // Retries of the same request (same client, service and error) make one finding
  const groups = new Map<string, KrbExchange[]>();
  for (const ex of ctx.exchanges) {
    const err = ex.reply?.msgType === 30 ? ex.reply.errorCode : null;
    if (err === null) continue;
    if (EXPECTED_KRB_ERRORS.has(err)) { preauth.push(ex); continue; }
    if (err === 14) continue; // KDC_ERR_ETYPE_NOSUPP: KERBEROS_ETYPE_MISMATCH (findings/kerberos-etype-mismatch.ts) tells it with the etypes
    const key = `${ex.client}|${ex.service}|${err}|${ex.conn ? ex.conn.stream : ""}`;
    let l = groups.get(key);
    if (!l) groups.set(key, (l = []));
    l.push(ex);
  }
  for (const group of groups.values()) {
    const ex = group[0];
    const err = ex.reply!.errorCode!;
    const v = viewOf(ex);
    // An error that served no SMB connection of a capture that has some is listed, not blamed
    const notSmb = !v && ctx.conns.length > 0;
    if (err === 7 || err === 8) spnUnknown(ctx, group, v, notSmb);
    else other(ctx, group, v, err, notSmb);
  }
  if (preauth.length) {
    // One info finding per client, attached to the SMB connections those exchanges served
    const byClient = new Map<string, KrbExchange[]>();
    for (const e of preauth) {
      let l = byClient.get(e.client);
      if (!l) byClient.set(e.client, (l = []));
      l.push(e);
    }
    for (const [client, mine] of byClient) {
      const views = [...new Set(mine.map(viewOf).filter((v): v is ConnView => !!v))];
      const names = [...new Set(mine.map((e) => KRB_ERRORS[e.reply!.errorCode!]))];
      const f = {
        id: "KERBEROS_PREAUTH_NORMAL",
        severity: "info" as const,
        title: `Kerberos ${names.join(" and ")} seen: normal, not a cause`,
        explanation: `${client} got ${mine.length} Kerberos error${mine.length > 1 ? "s" : ""} (${names.join(", ")}) from the KDC in frame${mine.length > 1 ? "s" : ""} ${mine.map((e) => e.reply!.frame).join(", ")}. These are part of a normal exchange: the KDC first asks the client to prove it knows the password (pre-authentication), and a reply too big for UDP makes the client retry over TCP. As the troubleshooting article says, errors during pre-authentication are fine; only errors after it explain a failure.`,
        remediation: ["Nothing to fix. Look at Kerberos errors that follow these, if any."],
        connection: views.length === 1 ? views[0].s.id : null,
        frames: mine.map((e) => e.reply!.frame),
        filter: displayFilter({ kerberosErrors: mine.map((e) => e.reply!.errorCode), host: client }),
        references: [REF.rfc4120Preauth, REF.rfc4120Udp, REF.article],
      };
      add(ctx, f, views[0]);
      for (const v of views) if (!v.findings.includes(f.id)) v.findings.push(f.id);
    }
  }
}

function framesOf(group: KrbExchange[]): number[] {
  return group.flatMap((e) => [e.req?.frame, e.reply?.frame]).filter((x): x is number => !!x);
}

/** Says that an error served none of the capture's SMB connections (the Report lists it under Kerberos). */
const NOT_SMB = "No SMB connection in this capture depended on this request (none asked for this service, or the connection it could have served set up its session anyway), so it is listed here as Kerberos traffic, not as the cause of an SMB problem.";

const requestFrame = (ex: KrbExchange, what: string) => (ex.req ? `${what}, frame ${ex.req.frame}` : `${what} not in the capture`);

function spnUnknown(ctx: DiagnoseContext, group: KrbExchange[], v: ConnView | null, notSmb: boolean): void {
  const ex = group[0];
  const times = group.length > 1 ? ` (${group.length} times)` : "";
  const svc = ex.service ?? "(unknown service)";
  const alias = smbServiceName(svc);
  // A user principal as the service (no "/"): user-to-user (RFC 4120 2.9.2) or S4U2Self (MS-SFU
  // 3.1.5.1.1) requests name one; there is no SPN to register for it.
  const userPrincipal = ex.service !== null && !svc.includes("/");
  // Did the client fall back to NTLM on the SMB connection afterwards?
  let fallback: string | null = null;
  if (v) {
    const ntlmLeg = v.m.sessions.find((l) => (l.req.auth.mech === "ntlm" || l.req.auth.ntlmType) && l.req.ts >= (ex.reply?.ts ?? 0));
    if (ntlmLeg) {
      const okLeg = v.m.sessions.find((l) => l.resp && (l.resp.status >>> 0) === 0);
      fallback = `The client then fell back to NTLM on the SMB connection (${ntlmLeg.req.frame ? `SESSION_SETUP frame ${ntlmLeg.req.frame}` : "a SESSION_SETUP whose request is not in the capture"})${okLeg ? ", which succeeded: access works, but without Kerberos (no delegation, weaker authentication, and it breaks where NTLM is restricted)" : ""}.`;
    } else if (v.s.outcome !== "ok") fallback = "The client did not fall back to NTLM, so the SMB connection could not authenticate.";
  }
  const got = `${ex.client} asked the KDC ${ex.kdc} for a ticket to ${svc} (${requestFrame(ex, "TGS-REQ")}) and got ${KRB_ERRORS[ex.reply!.errorCode!]} (frame ${ex.reply!.frame})${times}`;
  const explanation = userPrincipal
    ? `${got}. "${svc}" is a user principal, not a service name: requests that name a user as the service are user-to-user (RFC 4120 2.9.2) or S4U2Self (MS-SFU 3.1.5.1.1) requests made by an application, and the KDC does not issue tickets to this principal as a service. There is no SPN to register for it.${notSmb ? ` ${NOT_SMB}` : ""}`
    : `${got}: no account in the directory has the SPN ${svc}. ${alias ? `This happens when the server is reached by a name that is not its own: a DNS CNAME or an extra A record (alias) pointing at the file server, a load-balancer name, or a mistyped name. Kerberos needs the name "${alias}" registered as an SPN on the server's computer account.` : ""} ${fallback ?? ""}${notSmb ? ` ${NOT_SMB}` : ""}`.replace(/ +/g, " ").trim();
  const remediation = userPrincipal ? [
    "Nothing to register: `setspn` does not apply to a user principal.",
    "If an application failed at that time, find which one made the request: the DC's Security log has event 4769 with the client and the service name, and `klist` on the client shows its tickets.",
  ] : alias && !notSmb ? [
    `Check who holds the SPN: \`setspn -Q ${svc}\` (none is the problem; two would be a duplicate: \`setspn -X\`).`,
    `If "${alias}" is an alias of a Windows file server: \`setspn -S cifs/${alias} <server computer account>\` (also for the short name), and let the server accept the alias: \`netdom computername <server computer name> /add:${alias}\` (or DisableStrictNameChecking + OptionalNames).`,
    `On a Samba AD domain: \`samba-tool spn add cifs/${alias} <server computer name>$\`; on a Samba member server add the name to \`netbios aliases\` and register the SPN.`,
    "Or connect with the server's real name (its FQDN) instead of the alias.",
    "After registering, purge the client's tickets (`klist purge`) and retry.",
  ] : [
    `Check who holds the SPN: \`setspn -Q ${svc}\` (none is the problem; two would be a duplicate: \`setspn -X\`).`,
    `Register the SPN on the account that runs the service: \`setspn -S ${svc} <account>\` (Samba AD: \`samba-tool spn add ${svc} <account>\`).`,
    "After registering, purge the client's tickets (`klist purge`) and retry.",
  ];
  add(ctx, {
    id: "KERBEROS_SPN_UNKNOWN",
    severity: notSmb ? "info" : fallback && fallback.includes("succeeded") ? "warning" : "error",
    title: `${userPrincipal ? `Kerberos: no service ticket for the user principal ${svc}` : `No Kerberos service principal for ${svc}`}${notSmb ? (alias ? " (for no SMB connection in the capture)" : " (not SMB-related)") : ""}`,
    explanation,
    remediation,
    connection: v?.s.id ?? null,
    frames: framesOf(group),
    filter: displayFilter({ kerberosErrors: [ex.reply!.errorCode], host: ex.client }),
    references: [REF.kileTgs, REF.rfc4120Errors, REF.article],
  }, v ?? undefined);
}

function other(ctx: DiagnoseContext, group: KrbExchange[], v: ConnView | null, err: number, notSmb: boolean): void {
  const ex = group[0];
  const name = KRB_ERRORS[err] ?? `Kerberos error ${err}`;
  const a = ADVICE[err];
  const who = ex.req?.cname ?? ex.reply?.cname;
  const req = ex.req?.msgType === 12 ? "TGS-REQ" : ex.req?.msgType === 10 ? "AS-REQ" : "request";
  const consequence = notSmb ? NOT_SMB : `It comes after pre-authentication, so it is a real failure: the client cannot get the ticket it needs${v ? ` for the SMB connection to ${v.s.server}` : ""}.`;
  // the account and service names fill the commands where the capture shows them
  const fix = (a?.fix ?? ["Look up the error in RFC 4120 7.5.9 / MS-KILE and the KDC's event log (event 4768/4769/4771 on a Windows DC)."]).map((x) => (who ? x.replace(/<user>/g, who) : x)).map((x) => (ex.service ? x.replace(/<spn>/g, ex.service) : x));
  add(ctx, {
    id: "KERBEROS_ERROR",
    severity: notSmb ? "info" : "error",
    title: `Kerberos ${name}${who ? ` for ${who}` : ""}${ex.service ? ` (${ex.service})` : ""}${notSmb ? " (not SMB-related)" : ""}`,
    explanation: `The KDC ${ex.kdc} answered ${ex.client}'s ${req}${ex.req ? ` (frame ${ex.req.frame})` : " (not in the capture)"} with ${name} (code ${err}, frame ${ex.reply!.frame}${group.length > 1 ? `, ${group.length} times` : ""})${ex.reply?.etext ? `, text "${ex.reply.etext}"` : ""}. ${a ? `This means ${a.meaning}. ` : ""}${consequence}`,
    remediation: [...fix, "On a Windows DC the Security log has the matching event (4768 AS, 4769 TGS, 4771 pre-auth failure) with the same code."],
    connection: v?.s.id ?? null,
    frames: framesOf(group),
    filter: displayFilter({ kerberosErrors: [err], host: ex.client }),
    references: [REF.rfc4120Errors, REF.article],
  }, v ?? undefined);
}
