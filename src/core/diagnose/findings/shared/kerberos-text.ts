// Words, advice and frames the Kerberos findings share (RFC 4120 7.5.9 error codes).
import type { KrbExchange } from "../../../model/kerberos";

/** What each KDC error code means for the admin, and what to do. */
export const ADVICE: Record<number, { meaning: string; fix: string[] }> = {
  6: { meaning: "the KDC does not know the client principal (wrong user name or realm)", fix: ["Check the user name and realm (`klist` shows the principal used).", "In AD: `Get-ADUser <user>`; Samba AD: `samba-tool user show <user>`."] },
  13: { meaning: "the KDC refused an option the request asked for: renewing a ticket that is not renewable, validating one that is not postdated (RFC 4120 2.3), or delegation (S4U2Proxy, forwarding) the account is not trusted for (MS-SFU 3.2.5.2)", fix: ["See which KDC options the request set (`kerberos.kdc_options` in Wireshark); for delegation check the account's \"Trust this computer for delegation\" setting and msDS-AllowedToDelegateTo / msDS-AllowedToActOnBehalfOfOtherIdentity."] },
  12: { meaning: "a KDC policy refused the request (e.g. logon hours, workstation restrictions, or a protected account)", fix: ["Check the account's logon restrictions and the Protected Users group."] },
  14: { meaning: "no encryption type in common between the client, the KDC and the account's keys (e.g. RC4 disabled while the account has no AES keys)", fix: ["Check `msDS-SupportedEncryptionTypes` on the account and the service account; reset the password of an old account so that AES keys are created.", "Compare `klist` etypes with the domain policy \"Network security: Configure encryption types allowed for Kerberos\"."] },
  18: { meaning: "the client's credentials were revoked: the account is disabled or locked out", fix: ["`Get-ADUser <user> -Properties Enabled,LockedOut`; unlock with `Unlock-ADAccount <user>`, enable with `Enable-ADAccount <user>` (Samba AD: `samba-tool user unlock <user>`, `samba-tool user enable <user>`)."] },
  23: { meaning: "the password has expired", fix: ["The user must change the password (interactive logon or `Set-ADAccountPassword`)."] },
  24: { meaning: "pre-authentication failed: the password is wrong", fix: ["Retry with the right password; find stale stored credentials (`cmdkey /list`, `klist purge`).", "Repeated failures lock the account: check `BadLogonCount`."] },
  31: { meaning: "integrity check failed: usually a wrong password or keys out of sync", fix: ["Retry with the right password; if a service account, reset its password and keytab together."] },
  32: { meaning: "the ticket has expired", fix: ["Purge and renew tickets: `klist purge` then retry."] },
  37: { meaning: "the clocks of client and KDC differ by more than the allowed skew (5 minutes by default)", fix: ["Synchronise time: `w32tm /query /status` and `w32tm /resync` on Windows; `chronyc tracking` or `timedatectl` on Linux."] },
  41: { meaning: "the message was modified or the service key does not match (the SPN belongs to another account, or a duplicate SPN)", fix: ["Find duplicate SPNs: `setspn -X`; check which account holds the SPN with `setspn -Q <spn>`."] },
  68: { meaning: "wrong realm: the request was sent to a KDC of another realm", fix: ["Check the realm in the client's configuration (krb5.conf `default_realm`, or the domain used)."] },
};

/** The frames of a group of retried exchanges. */
export function krbFrames(group: KrbExchange[]): number[] {
  return group.flatMap((e) => [e.req?.frame, e.reply?.frame]).filter((x): x is number => !!x);
}

/** Says that an error served none of the capture's SMB connections (the Report lists it under Kerberos). */
export const NOT_SMB = "No SMB connection in this capture depended on this request (none asked for this service, or the connection it could have served set up its session anyway), so it is listed here as Kerberos traffic, not as the cause of an SMB problem.";

export const requestFrame = (ex: KrbExchange, what: string) => (ex.req ? `${what}, frame ${ex.req.frame}` : `${what} not in the capture`);
