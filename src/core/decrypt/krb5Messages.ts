// What a keytab decryption reads of a SESSION_SETUP security blob, and of the parts it decrypts:
// SPNEGO (RFC 4178 4.2: NegTokenInit / NegTokenResp) around a GSS Kerberos token (RFC 4121 4.1:
// 0x60, the mechanism OID, a two-byte token id, the Kerberos message), whose AP-REQ, AP-REP or
// KRB-ERROR is RFC 4120 5.5.1, 5.5.2, 5.9.1; the decrypted EncTicketPart (5.3), Authenticator
// (5.5.1) and EncAPRepPart (5.5.2). Only the fields the session key needs are read.
import { CLASS, DerError, UNIVERSAL, children, expectTlv, field, readInt, readOctets, readOid, readString, readTlv, taggedFields, type Tlv } from "./der";

export const OID = {
  SPNEGO: "1.3.6.1.5.5.2",
  KRB5: "1.2.840.113554.1.2.2",
  MS_KRB5: "1.2.840.48018.1.2.2", // Windows' mistaken form of the KRB5 OID, still offered first
  KRB5_U2U: "1.2.840.113554.1.2.2.3",
  NTLMSSP: "1.3.6.1.4.1.311.2.2.10",
} as const;

/** RFC 4121 4.1 token ids. */
export const TOK_ID = { AP_REQ: 0x0100, AP_REP: 0x0200, KRB_ERROR: 0x0300 } as const;
/** RFC 4120 5.10 application tags. */
const APP = { TICKET: 1, AUTHENTICATOR: 2, ENC_TICKET_PART: 3, AP_REQ: 14, AP_REP: 15, ENC_AP_REP_PART: 27, KRB_ERROR: 30 } as const;

export interface EncryptedData { etype: number; kvno: number | null; cipher: Uint8Array }
export interface PrincipalName { nameType: number; parts: string[] }
export interface EncryptionKey { keytype: number; keyvalue: Uint8Array }

export interface ApReq {
  ticket: { realm: string; sname: PrincipalName; encPart: EncryptedData };
  authenticator: EncryptedData;
}

/** The Kerberos message inside a blob: an AP-REQ, an AP-REP, a KRB-ERROR, or what else was there. */
export type GssKrb5 =
  | { kind: "ap-req"; apReq: ApReq }
  | { kind: "ap-rep"; encPart: EncryptedData }
  | { kind: "krb-error"; errorCode: number }
  | { kind: "other"; what: string }
  | { kind: "none" };

const principalText = (p: PrincipalName, realm: string) => `${p.parts.join("/")}@${realm}`;
export { principalText };

function encryptedData(b: Uint8Array, t: Tlv, what: string): EncryptedData {
  if (t.cls !== CLASS.universal || t.tag !== UNIVERSAL.SEQUENCE) throw new DerError(`${what}: an EncryptedData SEQUENCE expected`, t.start);
  const f = taggedFields(b, t);
  const kv = f.get(1);
  return { etype: readInt(b, field(f, 0, `${what} etype`, t), `${what} etype`), kvno: kv ? readInt(b, kv, `${what} kvno`) >>> 0 : null, cipher: readOctets(b, field(f, 2, `${what} cipher`, t), `${what} cipher`) };
}

function principalName(b: Uint8Array, t: Tlv, what: string): PrincipalName {
  const f = taggedFields(b, t);
  const strings = field(f, 1, `${what} name-string`, t);
  return { nameType: readInt(b, field(f, 0, `${what} name-type`, t), `${what} name-type`), parts: children(b, strings).map((s) => readString(b, s, what)) };
}

function encryptionKey(b: Uint8Array, t: Tlv, what: string): EncryptionKey {
  const f = taggedFields(b, t);
  return { keytype: readInt(b, field(f, 0, `${what} keytype`, t), `${what} keytype`), keyvalue: readOctets(b, field(f, 1, `${what} keyvalue`, t), `${what} keyvalue`) };
}

/** The SEQUENCE inside [APPLICATION n]. */
function appSequence(b: Uint8Array, off: number, end: number, app: number, what: string): Tlv {
  const a = expectTlv(b, off, end, CLASS.application, app, what);
  return expectTlv(b, a.body, a.end, CLASS.universal, UNIVERSAL.SEQUENCE, what);
}

function apReq(b: Uint8Array, off: number, end: number): ApReq {
  const seq = appSequence(b, off, end, APP.AP_REQ, "AP-REQ");
  const f = taggedFields(b, seq);
  const tkt = appSequence(b, field(f, 3, "AP-REQ ticket", seq).start, seq.end, APP.TICKET, "Ticket");
  const tf = taggedFields(b, tkt);
  return {
    ticket: {
      realm: readString(b, field(tf, 1, "Ticket realm", tkt), "Ticket realm"),
      sname: principalName(b, field(tf, 2, "Ticket sname", tkt), "Ticket sname"),
      encPart: encryptedData(b, field(tf, 3, "Ticket enc-part", tkt), "Ticket enc-part"),
    },
    authenticator: encryptedData(b, field(f, 4, "AP-REQ authenticator", seq), "AP-REQ authenticator"),
  };
}

/** The Kerberos message at `off`, by its application tag (a token without GSS framing). */
function krbMessage(b: Uint8Array, off: number, end: number): GssKrb5 {
  const t = readTlv(b, off, end);
  if (t.cls !== CLASS.application || !t.constructed) return { kind: "other", what: `a mechanism token that is no Kerberos message (tag 0x${b[off].toString(16)})` };
  if (t.tag === APP.AP_REQ) return { kind: "ap-req", apReq: apReq(b, off, end) };
  if (t.tag === APP.AP_REP) {
    const seq = appSequence(b, off, end, APP.AP_REP, "AP-REP");
    return { kind: "ap-rep", encPart: encryptedData(b, field(taggedFields(b, seq), 2, "AP-REP enc-part", seq), "AP-REP enc-part") };
  }
  if (t.tag === APP.KRB_ERROR) {
    const seq = appSequence(b, off, end, APP.KRB_ERROR, "KRB-ERROR");
    return { kind: "krb-error", errorCode: readInt(b, field(taggedFields(b, seq), 6, "KRB-ERROR error-code", seq), "KRB-ERROR error-code") };
  }
  return { kind: "other", what: `a Kerberos message with application tag ${t.tag}` };
}

/** A GSS-API token (RFC 2743 3.1): 0x60, the mechanism OID, then the mechanism's own bytes. */
function gssToken(b: Uint8Array, t: Tlv, depth: number): GssKrb5 {
  const oidTlv = readTlv(b, t.body, t.end);
  const oid = readOid(b, oidTlv, "GSS token mechanism");
  if (oid === OID.SPNEGO) return spnego(b, oidTlv.end, t.end, depth + 1);
  if (oid === OID.KRB5_U2U) return { kind: "other", what: "Kerberos user-to-user (RFC 4121 U2U), which a service keytab cannot open" };
  if (oid !== OID.KRB5 && oid !== OID.MS_KRB5) return { kind: "other", what: oid === OID.NTLMSSP ? "NTLM, not Kerberos" : `mechanism ${oid}, not Kerberos` };
  const o = oidTlv.end;
  if (o + 2 > t.end) throw new DerError("a GSS Kerberos token without its token id", o);
  const tokId = (b[o] << 8) | b[o + 1];
  if (tokId !== TOK_ID.AP_REQ && tokId !== TOK_ID.AP_REP && tokId !== TOK_ID.KRB_ERROR)
    return { kind: "other", what: `GSS Kerberos token id ${b[o].toString(16).padStart(2, "0")} ${b[o + 1].toString(16).padStart(2, "0")}` };
  return krbMessage(b, o + 2, t.end);
}

/** The mechanism token of a NegTokenInit ([0]) or the response token of a NegTokenResp ([1]). */
function spnego(b: Uint8Array, off: number, end: number, depth: number): GssKrb5 {
  if (depth > MAX_WRAPPING) throw new DerError(`SPNEGO wrapped in itself more than ${MAX_WRAPPING} times`, off);
  const choice = readTlv(b, off, end);
  if (choice.cls !== CLASS.context || (choice.tag !== 0 && choice.tag !== 1)) throw new DerError("SPNEGO: NegTokenInit [0] or NegTokenResp [1] expected", choice.start);
  const seq = expectTlv(b, choice.body, choice.end, CLASS.universal, UNIVERSAL.SEQUENCE, "SPNEGO");
  const token = taggedFields(b, seq).get(2); // mechToken of NegTokenInit, responseToken of NegTokenResp
  if (!token) return { kind: "none" };
  const inner = readOctets(b, token, "SPNEGO token");
  return mechToken(b, token.body, token.body + inner.length, depth);
}

/** SPNEGO inside SPNEGO is legal but pointless; a blob nesting it deeper is hostile (and would recurse). */
const MAX_WRAPPING = 3;

const NTLMSSP_SIGNATURE = [0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00]; // "NTLMSSP\0" (MS-NLMP 2.2.1)

function mechToken(b: Uint8Array, off: number, end: number, depth: number): GssKrb5 {
  if (off >= end) return { kind: "none" };
  // a raw NTLMSSP message is no DER ("N" would read as [APPLICATION 14], the AP-REQ's tag)
  if (end - off >= 8 && NTLMSSP_SIGNATURE.every((c, i) => b[off + i] === c)) return { kind: "other", what: "NTLM, not Kerberos" };
  const t = readTlv(b, off, end);
  if (t.cls === CLASS.application && t.tag === 0 && t.constructed) return gssToken(b, t, depth);
  return krbMessage(b, off, end);
}

/**
 * The Kerberos message a SESSION_SETUP security blob carries: SPNEGO-wrapped (the usual), a bare
 * GSS Kerberos token, or a NegTokenResp without the outer 0x60 (how servers answer). Throws
 * DerError for a blob that lies about its lengths.
 */
export function parseSecurityBlob(b: Uint8Array): GssKrb5 {
  if (b.length === 0) return { kind: "none" };
  const t = readTlv(b, 0, b.length);
  if (t.cls === CLASS.application && t.tag === 0 && t.constructed) return gssToken(b, t, 0);
  if (t.cls === CLASS.context) return spnego(b, 0, b.length, 0);
  return krbMessage(b, 0, b.length);
}

/** EncTicketPart (RFC 4120 5.3): the session key and the client's name. */
export function parseEncTicketPart(b: Uint8Array): { key: EncryptionKey; client: string } {
  const seq = appSequence(b, 0, b.length, APP.ENC_TICKET_PART, "EncTicketPart");
  const f = taggedFields(b, seq);
  const crealm = readString(b, field(f, 2, "EncTicketPart crealm", seq), "crealm");
  return { key: encryptionKey(b, field(f, 1, "EncTicketPart key", seq), "EncTicketPart key"), client: principalText(principalName(b, field(f, 3, "EncTicketPart cname", seq), "cname"), crealm) };
}

/** Authenticator (RFC 4120 5.5.1): the client's subkey, if it chose one. */
export function parseAuthenticator(b: Uint8Array): { subkey: EncryptionKey | null } {
  const seq = appSequence(b, 0, b.length, APP.AUTHENTICATOR, "Authenticator");
  const sk = taggedFields(b, seq).get(6);
  return { subkey: sk ? encryptionKey(b, sk, "Authenticator subkey") : null };
}

/** EncAPRepPart (RFC 4120 5.5.2): the acceptor's subkey, if it chose one. */
export function parseEncApRepPart(b: Uint8Array): { subkey: EncryptionKey | null } {
  const seq = appSequence(b, 0, b.length, APP.ENC_AP_REP_PART, "EncAPRepPart");
  const sk = taggedFields(b, seq).get(2);
  return { subkey: sk ? encryptionKey(b, sk, "EncAPRepPart subkey") : null };
}
