// Can this client encrypt? Decides STATUS_ACCESS_DENIED between "encryption required" and
// "permissions" from what the NEGOTIATE showed (MS-SMB2 3.3.5.4, 2.2.3.1.2); and what to do about it.
import * as W from "../../../../../assembly/wire";
import type { ConnModel } from "../../../model/types";
import { CIPHERS } from "../../../names";
import { clientWindows, beforeWindows8 } from "./windows-build";

export interface EncryptionAbility {
  /** true: the client can encrypt on this connection; false: it cannot; null: unknown */
  can: boolean | null;
  /** the evidence, in words */
  why: string;
}

export function clientCanEncrypt(c: ConnModel): EncryptionAbility {
  const a = fromDialect(c);
  // the client's NTLM VERSION: Windows 7 / Server 2008 R2 and older have no SMB 3, so no encryption,
  // whatever this connection negotiated or whether the capture shows its NEGOTIATE
  const win = clientWindows(c);
  if (!win || !beforeWindows8(win) || a.can === true) return a;
  const os = `the client's NTLM VERSION names ${win.name}, which has no SMB 3 and cannot encrypt at all (encryption came with Windows 8 / Server 2012)`;
  return a.can === false ? { can: false, why: `${a.why}; ${os}` } : { can: false, why: os };
}

function fromDialect(c: ConnModel): EncryptionAbility {
  const neg = c.negotiates[c.negotiates.length - 1];
  if (!neg?.resp || !neg.resp.dialect) return { can: null, why: "the NEGOTIATE exchange is not in the capture, so the dialect is unknown" };
  const d = neg.resp.dialect;
  if (neg.resp.smb1) return { can: false, why: `the connection uses SMB1 (${d}), which has no encryption` };
  if (d === "2.0.2" || d === "2.1" || d === "2.???") return { can: false, why: `the connection negotiated SMB ${d}; encryption needs SMB 3.0 or later` };
  if (d === "3.1.1") {
    const offered = neg.req?.ciphers;
    const chosen = neg.resp.ciphers;
    if (offered && offered.length === 0) return { can: false, why: "the client negotiated SMB 3.1.1 but offered no encryption cipher" };
    if (chosen && chosen.length && chosen[0] === 0) return { can: false, why: `the client offered ${offered?.map((x) => CIPHERS[x] ?? x).join(", ") ?? "ciphers"} but the server accepted none of them` };
    if (offered || chosen) return { can: true, why: `the connection negotiated SMB 3.1.1 with cipher ${chosen?.length ? CIPHERS[chosen[0]] ?? chosen[0] : offered!.map((x) => CIPHERS[x] ?? x).join("/")}` };
    return { can: true, why: "the connection negotiated SMB 3.1.1" };
  }
  const clientCaps = neg.req?.caps, serverCaps = neg.resp.caps;
  if (clientCaps !== undefined && !(clientCaps & W.SMB2_CAP_ENCRYPTION)) return { can: false, why: `the connection negotiated SMB ${d} but the client did not announce the encryption capability` };
  if (serverCaps !== undefined && !(serverCaps & W.SMB2_CAP_ENCRYPTION)) return { can: false, why: `the connection negotiated SMB ${d} but the server did not grant the encryption capability` };
  return { can: true, why: `the connection negotiated SMB ${d} with the encryption capability` };
}

const SMB3 = /^3\./;

/**
 * Why "the server requires encryption" cannot explain an access denied on this connection, or
 * null when it can. SMB1 has no encryption, so no SMB1 server refuses a client for it; a server
 * that was offered SMB 3.x and chose an older dialect does not speak SMB 3 and so cannot require
 * encryption (unless encryption is seen on it after all).
 */
export function encryptionRuledOut(c: ConnModel, smb1: boolean): string | null {
  if (smb1) return "the request is SMB1, which has no encryption: an SMB1 server never refuses a client for it";
  if (c.encrypted) return null;
  const neg = c.negotiates[c.negotiates.length - 1];
  const d = neg?.resp?.dialect;
  if (d && !neg.resp!.smb1 && !SMB3.test(d) && neg.req?.dialects.some((x) => SMB3.test(x))) {
    return `the client offered SMB ${neg.req.dialects.filter((x) => SMB3.test(x)).join("/")} and the server chose SMB ${d}: it does not speak SMB 3, so it cannot require encryption`;
  }
  return null;
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
