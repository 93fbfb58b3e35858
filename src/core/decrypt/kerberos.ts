// The SMB session key of a Kerberos session, from the service's keytab (issue 18). The client's
// SESSION_SETUP carries an AP-REQ: the service ticket, encrypted with the service's long-term key
// (which the keytab holds), and the authenticator, encrypted with the ticket's session key. The
// server's answer carries the AP-REP, encrypted with that session key too. So: decrypt the ticket
// (key usage 2) with the keytab key of the ticket's server name, key version and enctype; take its
// session key; decrypt the authenticator (usage 11) for the client's subkey and the AP-REP enc-part
// (usage 12) for the acceptor's subkey (RFC 4120 5.3, 5.5.1, 5.5.2, 7.5.1). The GSS session key,
// which SMB derives its keys from, is the acceptor's subkey when there is one, else the client's
// subkey, else the ticket's session key (RFC 4121 2, MS-KILE 3.1.1.2); SMB takes it whole and
// uses its first 16 bytes for 128-bit ciphers, all of it for AES-256 (MS-SMB2 3.3.5.5.3,
// 3.2.5.3.1: smb3DecryptionKeys does that cut). Every step is bounded and checked; a damaged or
// hostile blob or keytab gives a result with the reason, never a throw.
import { ETYPE_KEY_LENGTH, KEY_USAGE, krb5Decrypt } from "../crypto/krb5Crypto";
import { etypeName } from "../names";
import { DerError } from "./der";
import type { KeytabEntry } from "./keytab";
import { parseAuthenticator, parseEncApRepPart, parseEncTicketPart, parseSecurityBlob, principalText, type EncryptionKey } from "./krb5Messages";

export { parseKeytab, type KeytabEntry, type KeytabParse } from "./keytab";

/** Where the session key came from (MS-KILE 3.1.1.2). */
export type KerberosKeySource = "ap-rep-subkey" | "authenticator-subkey" | "ticket-session-key";

export type KerberosKeyResult =
  /** `sessionKey` is the whole GSS key (16 or 32 bytes), as smb3DecryptionKeys takes it */
  | { kind: "key"; sessionKey: Uint8Array; etype: number; principal: string; client: string; from: KerberosKeySource; keytabPrincipal: string; kvno: number | null }
  /** the keytab holds no key for the ticket's server name, key version and enctype */
  | { kind: "no-key"; principal: string; kvno: number | null; etype: number; why: string }
  /** a key that should fit failed the integrity check: another account's keytab, or an old key version */
  | { kind: "bad-key"; principal: string; kvno: number | null; etype: number; why: string }
  | { kind: "unsupported"; why: string };

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase(); // AD compares SPNs and realms case-blind

const kvnoText = (k: number | null) => (k === null ? "no kvno" : `kvno ${k}`);

/** The SMB2 SESSION_SETUP request's or response's security buffer (MS-SMB2 2.2.5, 2.2.6), or null. */
export function smb2SecurityBlob(message: Uint8Array): Uint8Array | null {
  const HDR = 64;
  if (message.length < HDR + 8 || message[0] !== 0xfe || message[1] !== 0x53 || message[2] !== 0x4d || message[3] !== 0x42) return null;
  const response = (message[16] & 1) === 1;
  const at = HDR + (response ? 4 : 12); // SecurityBufferOffset, then SecurityBufferLength
  if (at + 4 > message.length) return null;
  const off = message[at] | (message[at + 1] << 8), len = message[at + 2] | (message[at + 3] << 8);
  if (len === 0) return new Uint8Array(0);
  if (off < HDR || off + len > message.length) return null;
  return message.subarray(off, off + len);
}

/** What a security blob carries, without decrypting anything (the stage keeps the legs it needs); never throws. */
export function krbBlobKind(blob: Uint8Array): "ap-req" | "ap-rep" | "krb-error" | "other" {
  try {
    const k = parseSecurityBlob(blob).kind;
    return k === "none" ? "other" : k;
  } catch {
    return "other";
  }
}

/**
 * The session key of the Kerberos session whose SESSION_SETUP request carried `requestBlob`
 * (its AP-REQ) and whose final response carried `responseBlob` (its AP-REP; null if that response
 * is not in the capture), with the keys of every keytab given.
 */
export function kerberosSessionKey(keytab: readonly KeytabEntry[], requestBlob: Uint8Array, responseBlob: Uint8Array | null): KerberosKeyResult {
  let stage = "the SESSION_SETUP request's security blob";
  try {
    const req = parseSecurityBlob(requestBlob);
    if (req.kind !== "ap-req") {
      return { kind: "unsupported", why: req.kind === "none" ? "the SESSION_SETUP request carries no mechanism token" : req.kind === "other" ? `the SESSION_SETUP request carries ${req.what}` : req.kind === "ap-rep" ? "the SESSION_SETUP request carries an AP-REP, not an AP-REQ" : "the SESSION_SETUP request carries a KRB-ERROR" };
    }
    const { ticket, authenticator } = req.apReq;
    const principal = principalText(ticket.sname, ticket.realm);
    const etype = ticket.encPart.etype, kvno = ticket.encPart.kvno;
    const id = { principal, kvno, etype };
    if (ETYPE_KEY_LENGTH[etype] === undefined) return { kind: "unsupported", why: `the ticket for ${principal} is encrypted with ${etypeName(etype)}, which is not supported (aes256-cts-hmac-sha1-96, aes128-cts-hmac-sha1-96 and rc4-hmac are)` };

    // Keys of this name, version and enctype first; then every key of the enctype (one account
    // has many names: host/, cifs/ and the account itself share its keys).
    const exact = keytab.filter((k) => k.etype === etype && sameName(k.principal, principal) && (kvno === null || k.kvno === kvno));
    const rest = keytab.filter((k) => k.etype === etype && !exact.includes(k));
    stage = `the ticket for ${principal}`;
    let sessionKey: EncryptionKey | null = null, client = "", used: KeytabEntry | null = null;
    for (const k of [...exact, ...rest]) {
      const r = krb5Decrypt(etype, k.key, KEY_USAGE.TICKET, ticket.encPart.cipher);
      if (r.kind !== "ok") continue;
      const part = parseEncTicketPart(r.plain);
      sessionKey = part.key; client = part.client; used = k;
      break;
    }
    if (!sessionKey || !used) {
      if (exact.length) return { kind: "bad-key", ...id, why: `the keytab's ${etypeName(etype)} key for ${principal} (${kvnoText(kvno)}) fails the ticket's integrity check: the keytab is not that account's current key (exported before a password change, or from another account with that name)` };
      return { kind: "no-key", ...id, why: missingText(keytab, principal, kvno, etype) };
    }

    stage = "the AP-REQ authenticator";
    const auth = krb5Decrypt(authenticator.etype, sessionKey.keyvalue, KEY_USAGE.AP_REQ_AUTHENTICATOR, authenticator.cipher);
    if (auth.kind === "unsupported") return { kind: "unsupported", why: `the authenticator: ${auth.why}` };
    if (auth.kind === "integrity") return { kind: "bad-key", ...id, why: "the ticket decrypted, but its session key fails the authenticator's integrity check: the AP-REQ is damaged in the capture" };
    const authSubkey = parseAuthenticator(auth.plain).subkey;

    let apRepSubkey: EncryptionKey | null = null;
    if (responseBlob && responseBlob.length > 0) {
      stage = "the SESSION_SETUP response's security blob";
      const rep = parseSecurityBlob(responseBlob);
      if (rep.kind === "krb-error") return { kind: "unsupported", why: `the server answered the AP-REQ with a KRB-ERROR (code ${rep.errorCode}): no session was set up` };
      if (rep.kind === "ap-rep") {
        stage = "the AP-REP";
        const r = krb5Decrypt(rep.encPart.etype, sessionKey.keyvalue, KEY_USAGE.AP_REP_ENC_PART, rep.encPart.cipher);
        if (r.kind === "unsupported") return { kind: "unsupported", why: `the AP-REP: ${r.why}` };
        if (r.kind === "integrity") return { kind: "bad-key", ...id, why: "the ticket decrypted, but its session key fails the AP-REP's integrity check: the response does not answer this AP-REQ, or is damaged" };
        apRepSubkey = parseEncApRepPart(r.plain).subkey;
      }
    }
    const [key, from]: [EncryptionKey, KerberosKeySource] = apRepSubkey ? [apRepSubkey, "ap-rep-subkey"] : authSubkey ? [authSubkey, "authenticator-subkey"] : [sessionKey, "ticket-session-key"];
    if (key.keyvalue.length < 16) return { kind: "unsupported", why: `the session key (${from}) is ${key.keyvalue.length} bytes: ${etypeName(key.keytype)} is too short for SMB 3 (16 bytes at least)` };
    return { kind: "key", sessionKey: key.keyvalue.slice(), etype: key.keytype, principal, client, from, keytabPrincipal: used.principal, kvno };
  } catch (e) {
    const msg = e instanceof DerError ? e.message : e instanceof Error ? e.message : String(e);
    return { kind: "unsupported", why: `${stage} could not be read: ${msg}` };
  }
}

/** Says which of name, key version and enctype the keytab lacks. */
function missingText(keytab: readonly KeytabEntry[], principal: string, kvno: number | null, etype: number): string {
  const named = keytab.filter((k) => sameName(k.principal, principal));
  const want = `${principal} (${kvnoText(kvno)}, ${etypeName(etype)})`;
  if (keytab.length === 0) return `the keytab holds no keys; the ticket needs ${want}`;
  if (named.length === 0) {
    const names = [...new Set(keytab.map((k) => k.principal))];
    return `the keytab has no key for ${principal} (it holds ${names.slice(0, 5).join(", ")}${names.length > 5 ? ", …" : ""}), and none of its ${etypeName(etype)} keys opens the ticket`;
  }
  const versioned = named.filter((k) => kvno === null || k.kvno === kvno);
  if (versioned.length === 0) return `the keytab has ${principal} with ${[...new Set(named.map((k) => `kvno ${k.kvno}`))].join(", ")} only; the ticket is for kvno ${kvno}: export the keytab again (the account's password changed since)`;
  return `the keytab has ${principal} ${kvnoText(kvno)} as ${[...new Set(versioned.map((k) => etypeName(k.etype)))].join(", ")}, but the ticket is encrypted with ${etypeName(etype)}`;
}
