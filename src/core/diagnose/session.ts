// SESSION_SETUP: no response, credential failures (with the user the blob carried), access
// denied (name hardening, encryption, signing), guest and anonymous sessions.
import * as W from "../../../assembly/wire";
import { add, dur, host, streamFilter, type DiagnoseContext, type ConnView } from "./context";
import { REF } from "./references";
import { ntlmV1Refused } from "./findings/ntlmv1-refused";
import { NOT_ACCEPTED_TEXT, limitRemedies } from "./findings/tree-connection-limit";
import { sessionLegDeleted } from "./findings/user-session-deleted";
import { signingByDefault } from "./findings/windows-build";
import { statusLabel, statusInWords } from "../names";
import { clientCanEncrypt, encryptionRuledOut } from "./encryption";
import { failedExtraAttempts, sessionExpired, serverResetAfter, isError } from "../model/summarize";
import { hangUpOf, hangUpText } from "./findings/hangup";
import { namesOf } from "../model/kerberos";
import type { SessionLeg } from "../model/types";

/** Credential statuses (MS-ERREF 2.3.1) and what each means for the admin. */
const CREDENTIAL: Record<string, string> = {
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

export function sessionRules(ctx: DiagnoseContext): void {
  for (const c of ctx.conns) {
    const m = c.m;
    const legs = m.sessions;
    const last = legs[legs.length - 1];
    if (c.s.failedPhase === "session_setup" && last) {
      if (!last.resp && (c.s.outcome === "no-response" || serverResetAfter(m, last.req))) noResponse(ctx, c);
      // a success or MORE_PROCESSING_REQUIRED the client did not go on from is a hang-up (findings/)
      else if (last.resp && isError(last.resp.status)) failure(ctx, c, last, 0);
    }
    // Further authentications refused on a connection that did establish a session
    const extra = failedExtraAttempts(m);
    if (extra.length) {
      const first = extra[0];
      failure(ctx, c, first[first.length - 1], extra.length);
    }
    guest(ctx, c);
    loop(ctx, c);
    expired(ctx, c);
  }
}

/** The name the client used for the server (NETNAME, tree path, ticket or NTLM target), else its address. */
const serverName = (c: ConnView) => namesOf(c.m)[0] ?? host(c.s.server);

/** "in frame 12", or words when the request was sent before the capture started. */
const reqAt = (leg: SessionLeg) => (leg.req.frame ? `in frame ${leg.req.frame}` : "(its request was sent before the capture started)");
/** The frames of a leg that are in the capture. */
const legFrames = (leg: SessionLeg) => [leg.req.frame, leg.resp?.frame].filter((x): x is number => !!x);

/**
 * STATUS_NETWORK_SESSION_EXPIRED: the session's authentication (a Kerberos ticket's end time)
 * ran out and the client must authenticate it again (MS-SMB2 3.2.5.1.6; the server side:
 * 3.3.5.2.9). Followed by a SESSION_SETUP that succeeds on the same session, it is the normal
 * re-authentication and no finding; otherwise the capture stops before the re-authentication
 * completed.
 */
function expired(ctx: DiagnoseContext, c: ConnView): void {
  const legs = c.m.sessions;
  const i = legs.findIndex(sessionExpired);
  if (i < 0) return;
  const leg = legs[i];
  const sid = leg.resp!.sessionId ?? leg.req.sessionId;
  const reauth = legs.slice(i + 1).find((l) => l.resp && (l.resp.status >>> 0) === 0 && (sid === undefined || (l.resp.sessionId ?? l.req.sessionId) === undefined || (l.resp.sessionId ?? l.req.sessionId) === sid));
  if (reauth) return;
  add(ctx, {
    id: "SESSION_EXPIRED",
    severity: "warning",
    title: `Session on ${c.s.server} expired; no re-authentication in the capture`,
    explanation: `The SESSION_SETUP ${reqAt(leg)} was answered STATUS_NETWORK_SESSION_EXPIRED in frame ${leg.resp!.frame}. This is not a failed logon: the session existed already and its authentication (usually the Kerberos service ticket) reached its end time, so the client has to authenticate the session again (MS-SMB2 3.2.5.1.6) and normally does so at once with a new ticket. The capture shows no SESSION_SETUP that succeeded on this session afterwards${c.m.midstream ? "; the connection is older than the capture" : ""}.`,
    remediation: [
      "Nothing to fix when the client re-authenticates right after this (capture a little longer to see it).",
      `If access stops at this point, check that the client can still get a ticket for the server (\`klist get cifs/${serverName(c)}\`) and that its clock is in sync with the domain (\`w32tm /query /status\`).`,
    ],
    connection: c.s.id, frames: legFrames(leg), filter: streamFilter(c), references: [REF.smb2Session],
  }, c);
}

/** The final SESSION_SETUP response's signature did not verify (MS-SMB2 3.2.5.3.1, 3.3.5.2.4). */
function signing(ctx: DiagnoseContext, c: ConnView, leg: SessionLeg, extra: number): void {
  const sg = c.s.signing;
  add(ctx, {
    id: "SESSION_SIGNING_FAILED",
    severity: "error",
    title: `Signing failed on the session with ${c.s.server} (STATUS_INVALID_SIGNATURE)`,
    explanation: `The SESSION_SETUP ${reqAt(leg)}${c.s.user ? ` (user ${c.s.user})` : ""} was answered STATUS_INVALID_SIGNATURE in frame ${leg.resp!.frame}: a signature did not verify, so the two sides derived different signing keys or one signs incorrectly. ${sg ? `Signing posture from NEGOTIATE: client ${sg.clientRequired ? "requires" : "does not require"} signing, server ${sg.serverRequired ? "requires" : "does not require"} it.` : ""} The usual causes are an older or third-party SMB implementation with a signing bug (the troubleshooting article asks to make sure signing works, especially with older devices), a WAN optimizer or proxy that rewrites SMB, or, with Kerberos, a session key mismatch (a stale or duplicated service account key).${extraText(extra, c)}`,
    remediation: [
      "Update the firmware or software of the device or third-party SMB server involved; check whether a WAN accelerator, proxy or IPS sits between client and server and bypass it for SMB.",
      "See the signing settings on both sides: `Get-SmbClientConfiguration | select RequireSecuritySignature, EnableSecuritySignature` and `Get-SmbServerConfiguration | select RequireSecuritySignature, EnableSecuritySignature`; on Samba `server signing` / `client signing` (`testparm -sv | grep -i signing`). Turning a requirement off is a diagnostic step, not a fix.",
      "With Kerberos, check the server account's keys: `setspn -X` for duplicate SPNs; reset the computer or service account password if its keytab is stale.",
    ],
    connection: c.s.id, frames: extra ? legFrames(leg) : framesOf(c), filter: streamFilter(c), references: [REF.smb2Session, REF.article],
  }, c);
}

/** An authentication that keeps asking for more rounds without ever completing. */
function loop(ctx: DiagnoseContext, c: ConnView): void {
  let run: SessionLeg[] = [];
  for (const leg of c.m.sessions) {
    if (leg.resp && (leg.resp.status >>> 0) === W.STATUS_MORE_PROCESSING_REQUIRED) run.push(leg);
    else run = [];
    if (run.length === 5) {
      add(ctx, {
        id: "SESSION_SETUP_LOOP",
        severity: "warning",
        title: "Session setup goes round in circles",
        explanation: `${run.length} SESSION_SETUP rounds in a row (${run[0].req.frame ? `frames ${run[0].req.frame}–` : "up to frame "}${run[run.length - 1].resp!.frame}) were answered STATUS_MORE_PROCESSING_REQUIRED. NTLM needs two rounds and Kerberos usually one or two; more than that means the client and server do not converge on a mechanism (for example SPNEGO renegotiation, or NegoEx/PKU2U offered where the server cannot complete it).`,
        remediation: [
          "Compare the mechanisms the client offers (mechTypes in the first SESSION_SETUP) with those the server lists in its NEGOTIATE response; try forcing NTLM or Kerberos on the client to see which one loops.",
          "Update both sides: such loops are usually interoperability bugs, often with third-party SMB servers.",
        ],
        connection: c.s.id, frames: run.flatMap(legFrames), filter: streamFilter(c), references: [REF.smb2Session],
      }, c);
    }
  }
}

function failure(ctx: DiagnoseContext, c: ConnView, leg: SessionLeg, extra: number): void {
  if (ntlmV1Refused(leg)) return; // the protocol was refused, not the password: NTLMV1_REFUSED says so
  if (sessionLegDeleted(leg)) return; // the session is gone, not the logon refused: USER_SESSION_DELETED says so
  const st = statusLabel(leg.resp!.status);
  if (CREDENTIAL[st]) logonFailure(ctx, c, st, leg, extra);
  else if (st === "STATUS_ACCESS_DENIED") accessDenied(ctx, c, leg, extra);
  else other(ctx, c, st, leg, extra);
}

/** Words for failures that repeat on a connection whose own session worked. */
function extraText(extra: number, c: ConnView): string {
  return extra ? ` This connection did establish a session${c.s.user ? ` (${c.s.user})` : ""} and went on working; ${extra} further SESSION_SETUP attempt${extra > 1 ? "s" : ""} on it ${extra > 1 ? "were" : "was"} refused like this one.` : "";
}

function framesOf(c: ConnView): number[] {
  const out: number[] = [];
  for (const l of c.m.sessions) { if (l.req.frame) out.push(l.req.frame); if (l.resp) out.push(l.resp.frame); }
  return out;
}

function logonFailure(ctx: DiagnoseContext, c: ConnView, st: string, leg: SessionLeg, extra: number): void {
  const a = leg.req.auth;
  const who = a.user !== undefined ? `${a.domain ? `${a.domain}\\` : ""}${a.user}` : null;
  const mech = a.mech === "kerberos" ? "Kerberos" : a.mech === "ntlm" || a.ntlmType ? "NTLM" : a.mech ?? "an unknown mechanism";
  const specific: string[] = [];
  if (st === "STATUS_ACCOUNT_LOCKED_OUT") specific.push(`Unlock: \`Unlock-ADAccount ${a.user ?? "<user>"}\` (or \`samba-tool user unlock ${a.user ?? "<user>"}\`), then find what keeps sending the old password (\`Get-ADUser ${a.user ?? "<user>"} -Properties LockedOut,BadLogonCount\`; stored credentials, mapped drives, services).`);
  else if (st === "STATUS_ACCOUNT_DISABLED") specific.push(`Enable the account if it should log on: \`Enable-ADAccount ${a.user ?? "<user>"}\` (Samba AD: \`samba-tool user enable ${a.user ?? "<user>"}\`; standalone Samba: \`smbpasswd -e ${a.user ?? "<user>"}\`).`);
  else if (st === "STATUS_PASSWORD_MUST_CHANGE" || st === "STATUS_PASSWORD_EXPIRED") specific.push("The user must set a new password first (interactive logon, Ctrl+Alt+Del, or `Set-ADAccountPassword`); SMB cannot change it during SESSION_SETUP.");
  else if (st === "STATUS_ACCOUNT_EXPIRED") specific.push(`Extend the account's expiry date: \`Set-ADAccountExpiration ${a.user ?? "<user>"} -DateTime <date>\` or clear it (\`Clear-ADAccountExpiration\`).`);
  else if (st === "STATUS_LOGON_TYPE_NOT_GRANTED") specific.push("Check the user rights \"Access this computer from the network\" / \"Deny access to this computer from the network\" on the server (secpol.msc or GPO).");
  else if (st === "STATUS_NO_LOGON_SERVERS" || st.startsWith("STATUS_TRUST")) specific.push("On the server: `Test-ComputerSecureChannel -Verbose` (repair with `-Repair`), `nltest /sc_query:<domain>`; on Samba: `wbinfo -t`.");
  else specific.push(`Check the user name and domain in the blob above for a typo, and the password: ${who ? `does \`${who}\` exist on the server's side (\`Get-ADUser\`, \`pdbedit -L\` on standalone Samba)?` : "the capture shows no user name (the blob was Kerberos or could not be read)."}`);
  add(ctx, {
    id: "LOGON_FAILURE",
    severity: "error",
    title: `Logon failed${who ? ` for ${who}` : ""}: ${leg.resp!.dos ?? st}`,
    explanation: `The SESSION_SETUP (${mech}${who ? `, user "${a.user}"${a.domain !== undefined ? ` domain "${a.domain}"` : ""}${a.host ? ` from workstation "${a.host}"` : ""}` : ""}) ${reqAt(leg)} was answered ${statusInWords(leg.resp!)} in frame ${leg.resp!.frame}: ${CREDENTIAL[st]}. The names above are exactly what the client sent in its security blob, so a wrong domain or a typo in the user name shows here.${extraText(extra, c)}`,
    remediation: [
      ...specific,
      "On the server or domain controller, the security event log shows the reason in detail: event 4625 (failure reason and status/sub-status) or, on a DC, 4771/4776.",
      `On the client, stored credentials for this server may be stale: \`cmdkey /list\` and \`cmdkey /delete:${serverName(c)}\`; \`net use\` shows mapped drives that keep retrying.`,
    ],
    connection: c.s.id, frames: extra ? legFrames(leg) : framesOf(c), filter: streamFilter(c), references: [REF.smb2Session, REF.nlmpAuth, REF.article],
  }, c);
}

function accessDenied(ctx: DiagnoseContext, c: ConnView, leg: SessionLeg, extra: number): void {
  const m = c.m;
  const a = leg.req.auth;
  // encryption explains nothing on SMB1, nor for a null session (refused as anonymous, however it could encrypt)
  const anonymous = a.ntlmType === 3 && !a.user && !a.domain;
  const enc = encryptionRuledOut(m, leg.req.smb1) || anonymous ? { can: null, why: "" } : clientCanEncrypt(m);
  // the alias the client aimed at (NTLM target name), for the commands that register it
  const alias = (a.spn && /^(?:cifs|host)\/([^/@]+)/i.exec(a.spn)?.[1]) || "<alias>";
  const causes: string[] = [];
  const binding = ((leg.req.flags ?? 0) & W.SMB2_SESSION_FLAG_BINDING) !== 0;
  if (binding) causes.push(`Multichannel binding: this SESSION_SETUP asked to bind an existing session to an additional channel (SMB2_SESSION_FLAG_BINDING). A server refuses a bind whose user differs from the session's (here ${a.ntlmType === 3 && !a.user ? "an anonymous logon" : c.s.user ?? "the user is not visible"}), that is anonymous or guest, that fails the signing check, or whose dialect or client GUID differ from the first channel's (MS-SMB2 3.3.5.5.2). The first channel keeps working; only the extra channel is lost.`);
  if (anonymous) causes.push("Anonymous logon: the client authenticated with no user name, and the server does not accept anonymous (null) sessions here (Windows: `RestrictNullSessAccess`, `RestrictAnonymous`, and no access for ANONYMOUS LOGON; Samba: `restrict anonymous = 2`). Find what on the client connects without credentials (a service running as a local account, cached empty credentials).");
  if (enc.can === false) causes.push(`Encryption: ${enc.why}. A server that requires encryption for all shares (Windows \`EncryptData\` with \`RejectUnencryptedAccess\`, Samba \`server smb encrypt = required\` in [global]) refuses such a client at SESSION_SETUP. This is the most likely cause here.`);
  if (a.spn) causes.push(`Server name hardening: the client aimed its NTLM authentication at "${a.spn}" (MsvAvTargetName). If the server's SmbServerNameHardeningLevel is 1 or 2 and does not know this name (an alias, a CNAME, an IP address), it refuses the session.`);
  else if (a.mech === "ntlm" || a.ntlmType) causes.push("Server name hardening: with SmbServerNameHardeningLevel 2, a client that sends no target name (MsvAvTargetName) or an unknown one is refused.");
  if (c.s.signing?.serverRequired && (c.s.auth === "guest" || c.s.auth === "anonymous" || !a.user)) causes.push("Signing: the server requires signing, which a guest or anonymous session cannot provide.");
  causes.push("Policy: the account may be denied network access to this server, or the server may refuse the authentication level (e.g. NTLMv1 when only NTLMv2 is allowed: `LmCompatibilityLevel`).");
  const who = a.user !== undefined ? (a.user === "" && !a.domain ? "an anonymous logon" : `${a.domain ? `${a.domain}\\` : ""}${a.user}`) : null;
  const explanation = `The SESSION_SETUP ${reqAt(leg)}${who ? ` (${who})` : ""} was answered ${statusInWords(leg.resp!)} in frame ${leg.resp!.frame}. The credentials may well be right: this status means the server refused the session for a reason other than the password.${extraText(extra, c)} Possible causes, from the evidence in the capture:\n- ${causes.join("\n- ")}`;
  add(ctx, {
    id: "SESSION_ACCESS_DENIED",
    severity: "error",
    title: binding ? `Multichannel session bind refused by ${c.s.server} (STATUS_ACCESS_DENIED)` : `Session refused by ${c.s.server} with STATUS_ACCESS_DENIED`,
    explanation,
    remediation: [
      ...(binding ? ["For multichannel: `Get-SmbMultichannelConnection` on the client shows the channels; to confirm the cause, retry with multichannel off on the client (`Set-SmbClientConfiguration -EnableMultiChannel $false`) or the server (`Set-SmbServerConfiguration -EnableMultiChannel $false`); make sure every channel authenticates as the same user (no cached anonymous or guest credentials)."] : []),
      "Check whether the server requires encryption: `Get-SmbServerConfiguration | select EncryptData, RejectUnencryptedAccess` (Windows) or `testparm -sv | grep -i 'smb encrypt'` (Samba). If it does, the client must use SMB 3.0 or later with encryption.",
      `Check server name hardening: \`Get-SmbServerConfiguration | select SmbServerNameHardeningLevel\` or the registry value SmbServerNameHardeningLevel under HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters; to test, set it to 0 (as the troubleshooting article suggests) and retry; then register the alias properly instead (\`netdom computername <server computer name> /add:${alias}\` and \`setspn -S cifs/${alias} <server computer name>\`).`,
      "Check signing: `Get-SmbServerConfiguration | select RequireSecuritySignature`; older third-party devices may not sign correctly.",
      "The server's Microsoft-Windows-SMBServer/Security event log names the reason (e.g. event 1006 for encryption, 1009 for name hardening / SPN validation).",
    ],
    connection: c.s.id, frames: extra ? legFrames(leg) : framesOf(c), filter: streamFilter(c), references: [REF.smb2Session, REF.nlmpAv, REF.article],
  }, c);
  if (enc.can === false && !extra) {
    add(ctx, {
      id: "TREE_ACCESS_DENIED_ENCRYPTION",
      severity: "error",
      title: `Likely cause: ${host(c.s.server)} requires encryption and this client cannot encrypt`,
      explanation: `Session setup was denied and ${enc.why}. Servers that require encryption for every share refuse such sessions outright (MS-SMB2 3.3.5.5: when Session.EncryptData is required and the connection cannot encrypt, the server fails with STATUS_ACCESS_DENIED).`,
      remediation: encryptionRemedies(host(c.s.server), null),
      connection: c.s.id, frames: legFrames(leg), filter: streamFilter(c), references: [REF.smb2Session, REF.smb2Ctx, REF.article],
    }, c);
  }
}

/** What to do about required encryption; `share` is the share's name when the capture shows it. */
export function encryptionRemedies(server: string, share: string | null): string[] {
  return [
    `On ${server}, see what requires encryption: \`Get-SmbServerConfiguration | select EncryptData, RejectUnencryptedAccess\` and \`Get-SmbShare | select Name, EncryptData\` (Windows); \`testparm -sv | grep -i 'smb encrypt'\` (Samba: \`server smb encrypt\` in [global] or per share).`,
    "Best fix: use a client that encrypts: Windows 8 / Server 2012 or later (SMB 3), Samba clients with `client min protocol = SMB3` and `client smb encrypt = desired`; update or replace devices that stop at SMB 2.x.",
    `If this client must stay: allow unencrypted access for it, either by not requiring encryption on that share (\`Set-SmbShare -Name ${share ?? "<share>"} -EncryptData $false\`, or \`server smb encrypt = desired\` on Samba) or by setting RejectUnencryptedAccess to false (\`Set-SmbServerConfiguration -RejectUnencryptedAccess $false\`), which lets SMB 2.x clients in unencrypted. Weigh the security cost first.`,
    "Windows 7 / Server 2008 R2 and older, and many third-party devices, cannot encrypt SMB at all.",
  ];
}

function noResponse(ctx: DiagnoseContext, c: ConnView): void {
  const m = c.m;
  const leg = m.sessions[m.sessions.length - 1];
  const end = m.rst ?? m.finClient ?? m.finServer;
  const silence = (end ? end.ts : ctx.model.lastTs ?? m.lastTs) - leg.req.ts;
  const mech = leg.req.auth.mech === "kerberos" ? "Kerberos" : leg.req.auth.mech === "ntlm" || leg.req.auth.ntlmType ? "NTLM" : "an unidentified mechanism";
  add(ctx, {
    id: "SESSION_SETUP_NO_RESPONSE",
    severity: "error",
    title: `SESSION_SETUP never answered by ${c.s.server}`,
    explanation: `${c.s.client} sent a SESSION_SETUP request (frame ${leg.req.frame}, ${mech}${leg.req.auth.user ? `, user ${leg.req.auth.domain ? `${leg.req.auth.domain}\\` : ""}${leg.req.auth.user}` : ""}). ${leg.bareAck ? `The server's TCP stack acknowledged it ${dur(leg.bareAck.delayMs)} later (frame ${leg.bareAck.frame}), but no SMB response came in ${dur(silence)}` : `No SMB response came in ${dur(silence)}, and no acknowledgement from the server appears in the capture either`}${end ? `; then ${end.fromClient ? "the client" : "the server"} ${end === m.rst ? "reset" : "closed"} the connection (frame ${end.frame})${serverResetAfter(m, leg.req) ? ", the server's refusal of the request rather than a lost answer" : ""}` : "; the capture ends with the connection still open"}. ${leg.bareAck ? "The server got the request but could not finish authenticating: it may be waiting for a domain controller (NTLM pass-through or Kerberos PAC validation), or a filter driver holds the request." : "Either the server stopped answering altogether, or its replies are lost on the way back (a firewall, VPN or load balancer dropping them); earlier responses on this connection did arrive, so the path worked until then."}`,
    remediation: [
      `On the server, check that a domain controller is reachable and answers: \`nltest /sc_verify:${leg.req.auth.domain || "<domain>"}\`, \`Test-ComputerSecureChannel\`; on Samba \`wbinfo -P\` and \`wbinfo -t\`.`,
      "Look for Kerberos errors on port 88 around this time (the troubleshooting article: errors after pre-authentication are the cause).",
      "Check filter drivers and antivirus on the server (`fltmc filters`), as for a NEGOTIATE that is never answered.",
      "Capture on the server at the same time: if it sends the response and the client never sees it, something on the path (firewall, IPS, VPN, load balancer) drops it.",
    ],
    connection: c.s.id, frames: [leg.req.frame, leg.bareAck?.frame, end?.frame].filter((x): x is number => !!x),
    filter: streamFilter(c), references: [REF.smb2Session, REF.article],
  }, c);
}

function other(ctx: DiagnoseContext, c: ConnView, st: string, leg: SessionLeg, extra: number): void {
  if (st === "STATUS_INVALID_SIGNATURE") return signing(ctx, c, leg, extra);
  const notAccepted = st === "STATUS_REQUEST_NOT_ACCEPTED";
  add(ctx, {
    id: "SESSION_SETUP_FAILED",
    severity: "error",
    title: `Session setup failed: ${leg.resp!.dos ?? st}`,
    explanation: `The SESSION_SETUP ${reqAt(leg)}${c.s.user ? ` (user ${c.s.user})` : ""} was answered ${statusInWords(leg.resp!)} in frame ${leg.resp!.frame}.${notAccepted ? ` ${NOT_ACCEPTED_TEXT}` : ""}${extraText(extra, c)}`,
    remediation: notAccepted ? limitRemedies(host(c.s.server), null) : [
      "Look up the status in MS-ERREF 2.3.1 and check the server's SMB and Security event logs (or Samba's log with log level 3) at that time.",
      st === "STATUS_INVALID_PARAMETER" || st === "STATUS_NOT_SUPPORTED" ? "A malformed or unsupported security blob: update the client or the server; check for a middlebox (WAN optimizer, proxy) altering SMB." : "Retry with another authentication method (the server's NEGOTIATE response lists the mechanisms it supports).",
    ],
    connection: c.s.id, frames: framesOf(c), filter: streamFilter(c), references: [REF.smb2Session],
  }, c);
}

function guest(ctx: DiagnoseContext, c: ConnView): void {
  if (c.s.auth !== "guest" && c.s.auth !== "anonymous") return;
  const leg = c.m.sessions.find((l) => l.resp && !((l.resp.status >>> 0) >= 0xc0000000));
  if (!leg?.resp) return;
  const isGuest = c.s.auth === "guest";
  const sentUser = leg.req.auth.user;
  // A client that asked for the guest account itself got what it asked for
  const asked = sentUser && sentUser.toLowerCase() !== "guest" ? `${leg.req.auth.domain ? `${leg.req.auth.domain}\\` : ""}${sentUser}` : null;
  // the client hung up on the session instead of using it: it refused the guest logon
  const h = hangUpOf(c);
  // (an anonymous session is what the client asked for: not a refusal of a logon it was given)
  const refused = isGuest && h !== null && h.end.by === "client" && h.expected === "TREE_CONNECT";
  const refusal = refused ? ` The client refused it: ${hangUpText(h)}. A Windows client does so when insecure guest logons are blocked (the default on Windows 11 24H2 Pro and on Enterprise/Education since Windows 10 1709) or when it requires signing, which a guest session cannot give; its SMBClient/Security event log then has event 31017 (RejectedInsecureGuestAuth), and the user sees "You can't access this shared folder because your organization's security policies block unauthenticated guest access".${signingByDefault(c)}` : "";
  add(ctx, {
    id: "GUEST_SESSION",
    severity: refused ? "error" : "warning",
    title: refused
      ? `The client refused the guest logon ${host(c.s.server)} gave it${asked ? ` (it sent ${asked})` : ""}`
      : isGuest ? `Logged on as guest${asked ? ` although the client sent ${asked}` : ""}` : "Anonymous (null) session",
    explanation: (isGuest
      ? `The server accepted the SESSION_SETUP in frame ${leg.resp.frame} but marked the session as guest${asked ? `: the account "${asked}" was not accepted, and the server mapped it to its guest account` : ""}. Guest sessions cannot sign or encrypt, see only what guests may see, and current Windows clients refuse them ("insecure guest logons" are blocked by default since Windows 10 1709 / Server 2019).`
      : `The client authenticated with no user name (an anonymous NTLM logon)${leg.req.frame ? `, frame ${leg.req.frame}` : ""}; the server accepted it in frame ${leg.resp.frame}. Anonymous sessions are normal for listing shares or IPC$, but they get no access to protected shares.`) + refusal,
    remediation: isGuest ? [
      "If a real account was meant: check that it exists on the server (Samba `map to guest = bad user` silently turns unknown users into guest); fix the user name/password on the client.",
      "If guest access is really wanted on Windows clients: `Set-SmbClientConfiguration -EnableInsecureGuestLogons $true` (or the GPO \"Enable insecure guest logons\") and `-RequireSecuritySignature $false` on the client (a guest session cannot sign), and `RequireSecuritySignature` off on the server. Prefer an account instead.",
    ] : [
      "If the client should have used an account, check how it was started (e.g. `smbclient -N`, or a service running as a local account with no network identity).",
      "Windows servers limit what anonymous sessions may do: `RestrictAnonymous` / `RestrictNullSessAccess` and `NullSessionShares`.",
    ],
    connection: c.s.id, frames: refused ? [...legFrames(leg), h.end.frame] : legFrames(leg), filter: streamFilter(c), references: [REF.smb2SessionFlags],
  }, c);
}
