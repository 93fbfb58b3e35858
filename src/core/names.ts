// Names for the numbers the decoder emits. The wasm emits numbers only; names live here.
import * as W from "../../assembly/wire";
import { NTSTATUS_PACKED } from "./ntstatus.generated";
import * as C from "../../assembly/events";
import { CIPHER } from "./decrypt/smb3keys";

let ntstatus: Map<number, string> | null = null;

/** Every NTSTATUS name (MS-ERREF 2.3.1), unpacked from the generated table on first use. */
function ntstatusTable(): Map<number, string> {
  if (ntstatus) return ntstatus;
  const m = new Map<number, string>();
  let code = 0;
  for (const e of NTSTATUS_PACKED.split(",")) {
    const sp = e.indexOf(" ");
    code += parseInt(e.slice(0, sp), 36);
    const n = e.slice(sp + 1);
    m.set(code >>> 0, n.startsWith("=") ? n.slice(1) : `STATUS_${n}`);
  }
  return (ntstatus = m);
}

export function statusName(status: number): string | null {
  return ntstatusTable().get(status >>> 0) ?? null;
}

/** A name for any status: its symbolic name or 0xXXXXXXXX. */
export function statusLabel(status: number): string {
  // (a direct-mapped table by the status's 32 bits, a collision replacing the slot: asked of every
  // response, and a status from 0x80000000 on is no small integer, so the Map's key was a number object)
  const k = status | 0;
  const slot = (k ^ (k >>> 12) ^ (k >>> 24)) & (LABEL_SLOTS - 1);
  if (labelKey[slot] === k && labelText[slot] !== "") return labelText[slot];
  const t = statusName(status) ?? `0x${(status >>> 0).toString(16).padStart(8, "0").toUpperCase()}`;
  labelKey[slot] = k; labelText[slot] = t;
  return t;
}
const LABEL_SLOTS = 256;
const labelKey = new Int32Array(LABEL_SLOTS);
const labelText: string[] = new Array<string>(LABEL_SLOTS).fill("");

/** SMB1 DOS error classes (MS-CIFS 2.2.2.4). */
export const DOS_CLASSES: Record<number, string> = { 1: "ERRDOS", 2: "ERRSRV", 3: "ERRHRD", 0xff: "ERRCMD" };

/**
 * SMB1 DOS error codes (MS-CIFS 2.2.2.4) by class << 16 | code: the name, and the NTSTATUS a
 * server answering in NT form sends for the same condition (0 where none corresponds), which is
 * what the diagnosis rules read.
 */
const DOS_ERRORS: Record<number, [string, number]> = {
  // ERRDOS
  0x10001: ["ERRbadfunc", 0xc0000002], 0x10002: ["ERRbadfile", 0xc000000f], 0x10003: ["ERRbadpath", 0xc000003a],
  0x10004: ["ERRnofids", 0xc000011f], 0x10005: ["ERRnoaccess", 0xc0000022], 0x10006: ["ERRbadfid", 0xc0000008],
  0x10007: ["ERRbadmcb", 0], 0x10008: ["ERRnomem", 0xc0000017], 0x10009: ["ERRbadmem", 0],
  0x1000a: ["ERRbadenv", 0], 0x1000b: ["ERRbadformat", 0], 0x1000c: ["ERRbadaccess", 0],
  0x1000d: ["ERRbaddata", 0xc000003e], 0x1000f: ["ERRbaddrive", 0], 0x10010: ["ERRremcd", 0xc0000101],
  0x10011: ["ERRdiffdevice", 0xc00000d4], 0x10012: ["ERRnofiles", 0x80000006], 0x10013: ["ERRwriteprot", 0xc00000a2],
  0x1001f: ["ERRgeneral", 0xc0000001], 0x10020: ["ERRbadshare", 0xc0000043], 0x10021: ["ERRlock", 0xc0000054],
  0x10026: ["ERReof", 0xc0000011], 0x10032: ["ERRunsup", 0xc00000bb], 0x10043: ["ERRnosuchshare", 0xc00000cc],
  0x10050: ["ERRfilexists", 0xc0000035], 0x10057: ["ERRinvalidparam", 0xc000000d], 0x10070: ["ERRdiskfull", 0xc000007f],
  0x1007b: ["ERRinvalidname", 0xc0000033], 0x1007c: ["ERRunknownlevel", 0xc0000148], 0x10091: ["ERRdirnotempty", 0xc0000101],
  0x1009e: ["ERRnotlocked", 0xc000007e], 0x100ad: ["ERRcancelviolation", 0], 0x100b7: ["ERRalreadyexists", 0xc0000035],
  0x100e6: ["ERRbadpipe", 0xc00000ad], 0x100e7: ["ERRpipebusy", 0xc00000ae], 0x100e8: ["ERRpipeclosing", 0xc00000b1],
  0x100e9: ["ERRnotconnected", 0xc00000b0], 0x100ea: ["ERRmoredata", 0x80000005], 0x1011a: ["ERReasnotsupported", 0xc000004f],
  0x10200: ["ERRquota", 0xc0000044], 0x10201: ["ERRnotalink", 0], 0x10400: ["ERR_NOTIFY_ENUM_DIR", 0x0000010c],
  // ERRSRV
  0x20001: ["ERRerror", 0xc0000001], 0x20002: ["ERRbadpw", 0xc000006d], 0x20003: ["ERRbadtype", 0xc0000257],
  0x20004: ["ERRaccess", 0xc0000022], 0x20005: ["ERRinvtid", 0xc00000c9], 0x20006: ["ERRinvnetname", 0xc00000cc],
  0x20007: ["ERRinvdevice", 0xc00000cb], 0x20031: ["ERRqfull", 0], 0x20032: ["ERRqtoobig", 0], 0x20033: ["ERRqeof", 0],
  0x20034: ["ERRinvpfid", 0xc0000008], 0x20040: ["ERRsmbcmd", 0xc0000002], 0x20041: ["ERRsrverror", 0xc0000001],
  0x20042: ["ERRbadBID", 0], 0x20043: ["ERRfilespecs", 0xc000000d], 0x20044: ["ERRbadLink", 0],
  0x20045: ["ERRbadpermits", 0], 0x20046: ["ERRbadPID", 0], 0x20047: ["ERRsetattrmode", 0xc000000d],
  0x20051: ["ERRpaused", 0xc00000cf], 0x20052: ["ERRmsgoff", 0], 0x20053: ["ERRnoroom", 0], 0x20057: ["ERRrmuns", 0xc00000d0],
  0x20058: ["ERRtimeout", 0xc00000b5], 0x20059: ["ERRnoresource", 0xc0000205], 0x2005a: ["ERRtoomanyuids", 0],
  0x2005b: ["ERRbaduid", 0xc0000203], 0x200fa: ["ERRusempx", 0], 0x200fb: ["ERRusestd", 0], 0x200fc: ["ERRcontmpx", 0],
  0x208be: ["ERRnoSuchUser", 0xc0000064], 0x208bf: ["ERRaccountexpired", 0xc0000193],
  0x208c0: ["ERRbadclient", 0xc0000070], 0x208c1: ["ERRbadLogonTime", 0xc000006f], 0x208c2: ["ERRpasswordExpired", 0xc0000071],
  0x2ffff: ["ERRnosupport", 0xc00000bb],
  // ERRHRD
  0x30013: ["ERRnowrite", 0xc00000a2], 0x30014: ["ERRbadunit", 0xc000000e], 0x30015: ["ERRnotready", 0xc0000013],
  0x30016: ["ERRbadcmd", 0xc0000184], 0x30017: ["ERRdata", 0xc000003e], 0x30018: ["ERRbadreq", 0xc000000d],
  0x30019: ["ERRseek", 0], 0x3001a: ["ERRbadmedia", 0xc0000032], 0x3001b: ["ERRbadsector", 0xc0000015],
  0x3001c: ["ERRnopaper", 0x8000000e], 0x3001d: ["ERRwrite", 0xc0000185], 0x3001e: ["ERRread", 0xc0000185],
  0x3001f: ["ERRgeneral", 0xc0000001], 0x30020: ["ERRbadshare", 0xc0000043], 0x30021: ["ERRlock", 0xc0000054],
  0x30022: ["ERRwrongdisk", 0xc0000012], 0x30023: ["ERRFCBUnavail", 0], 0x30024: ["ERRsharebufexc", 0],
  0x30027: ["ERRdiskfull", 0xc000007f],
};

/** "ERRDOS/ERRnoaccess" (MS-CIFS names), or the numbers where the class or code is not listed. */
export function dosErrorLabel(cls: number, code: number): string {
  const c = DOS_CLASSES[cls] ?? `class 0x${cls.toString(16).padStart(2, "0")}`;
  return `${c}/${DOS_ERRORS[(cls << 16) | code]?.[0] ?? `code ${code}`}`;
}

/**
 * The NTSTATUS a DOS error stands for (MS-CIFS 2.2.2.4), what the diagnosis rules know. A DOS error
 * without an NT counterpart is still a failure: STATUS_UNSUCCESSFUL. ERRDOS/ERRnoaccess at
 * SESSION_SETUP_ANDX is a refused logon (Samba's DOS form of STATUS_LOGON_FAILURE).
 */
export function dosErrorStatus(cls: number, code: number, cmd: number): number {
  if (cls === 0) return 0;
  if (cls === 1 && code === 5 && cmd === W.SMB1_SESSION_SETUP_ANDX) return 0xc000006d;
  return DOS_ERRORS[(cls << 16) | code]?.[1] || 0xc0000001;
}

/** Names of the DOS errors that have an NTSTATUS counterpart. */
let dosMapped: Set<string> | null = null;

/** A response's status for a sentence: the NTSTATUS name, or the DOS error the wire carried and what it means. */
export function statusInWords(r: { status: number; dos?: string }): string {
  if (!r.dos) return statusLabel(r.status);
  dosMapped ??= new Set(Object.entries(DOS_ERRORS).filter(([, v]) => v[1] !== 0).map(([k]) => dosErrorLabel(Number(k) >>> 16, Number(k) & 0xffff)));
  return dosMapped.has(r.dos)
    ? `${r.dos} (the SMB1 DOS error for ${statusLabel(r.status)}, MS-CIFS 2.2.2.4)`
    : `${r.dos} (an SMB1 DOS error with no NTSTATUS counterpart in MS-CIFS 2.2.2.4: a failure the server does not explain further)`;
}

export const SMB2_COMMANDS: Record<number, string> = {
  0: "NEGOTIATE", 1: "SESSION_SETUP", 2: "LOGOFF", 3: "TREE_CONNECT", 4: "TREE_DISCONNECT",
  5: "CREATE", 6: "CLOSE", 7: "FLUSH", 8: "READ", 9: "WRITE", 10: "LOCK", 11: "IOCTL",
  12: "CANCEL", 13: "ECHO", 14: "QUERY_DIRECTORY", 15: "CHANGE_NOTIFY", 16: "QUERY_INFO",
  17: "SET_INFO", 18: "OPLOCK_BREAK",
};

export const SMB1_COMMANDS: Record<number, string> = {
  0x04: "CLOSE", 0x24: "LOCKING_ANDX", 0x25: "TRANSACTION", 0x26: "TRANSACTION_SECONDARY",
  0x2b: "ECHO", 0x2d: "OPEN_ANDX", 0x2e: "READ_ANDX", 0x2f: "WRITE_ANDX", 0x32: "TRANSACTION2",
  0x33: "TRANSACTION2_SECONDARY", 0x71: "TREE_DISCONNECT", 0x72: "NEGOTIATE",
  0x73: "SESSION_SETUP_ANDX", 0x74: "LOGOFF_ANDX", 0x75: "TREE_CONNECT_ANDX",
  0xa0: "NT_TRANSACT", 0xa2: "NT_CREATE_ANDX",
};

export function smb2Dialect(rev: number): string {
  switch (rev) {
    case 0x0202: return "2.0.2";
    case 0x0210: return "2.1";
    case 0x0222: return "2.2.2";
    case 0x0224: return "2.2.4";
    case 0x0300: return "3.0";
    case 0x0302: return "3.0.2";
    case 0x0310: return "3.1.0";
    case 0x0311: return "3.1.1";
    case 0x02ff: return "2.???";
    default: return `0x${rev.toString(16).padStart(4, "0")}`;
  }
}

/** Cipher names by id, from the one table of ids (decrypt/smb3keys.ts CIPHER, MS-SMB2 2.2.3.1.2). */
export const CIPHERS: Record<number, string> = {
  [CIPHER.AES128CCM]: "AES-128-CCM", [CIPHER.AES128GCM]: "AES-128-GCM", [CIPHER.AES256CCM]: "AES-256-CCM", [CIPHER.AES256GCM]: "AES-256-GCM",
};
export const SIGNING_ALGS: Record<number, string> = { 0: "HMAC-SHA256", 1: "AES-CMAC", 2: "AES-GMAC" };

export const LINK_TYPES: Record<number, string> = {
  [W.LT_NULL]: "NULL", [W.LT_ETHERNET]: "ETHERNET", [W.LT_RAW]: "RAW", [W.LT_RAW_DLT12]: "RAW",
  [W.LT_RAW_DLT14]: "RAW", [W.LT_LOOP]: "LOOP", [W.LT_LINUX_SLL]: "LINUX_SLL", [W.LT_IPV4]: "IPV4",
  [W.LT_IPV6]: "IPV6", [W.LT_LINUX_SLL2]: "LINUX_SLL2",
};

/** Kerberos error codes (RFC 4120 7.5.9, MS-KILE 2.2.1). */
export const KRB_ERRORS: Record<number, string> = {
  0: "KDC_ERR_NONE", 1: "KDC_ERR_NAME_EXP", 2: "KDC_ERR_SERVICE_EXP", 3: "KDC_ERR_BAD_PVNO",
  4: "KDC_ERR_C_OLD_MAST_KVNO", 5: "KDC_ERR_S_OLD_MAST_KVNO", 6: "KDC_ERR_C_PRINCIPAL_UNKNOWN",
  7: "KDC_ERR_S_PRINCIPAL_UNKNOWN", 8: "KDC_ERR_PRINCIPAL_NOT_UNIQUE", 9: "KDC_ERR_NULL_KEY",
  10: "KDC_ERR_CANNOT_POSTDATE", 11: "KDC_ERR_NEVER_VALID", 12: "KDC_ERR_POLICY",
  13: "KDC_ERR_BADOPTION", 14: "KDC_ERR_ETYPE_NOSUPP", 15: "KDC_ERR_SUMTYPE_NOSUPP",
  16: "KDC_ERR_PADATA_TYPE_NOSUPP", 17: "KDC_ERR_TRTYPE_NOSUPP", 18: "KDC_ERR_CLIENT_REVOKED",
  19: "KDC_ERR_SERVICE_REVOKED", 20: "KDC_ERR_TGT_REVOKED", 21: "KDC_ERR_CLIENT_NOTYET",
  22: "KDC_ERR_SERVICE_NOTYET", 23: "KDC_ERR_KEY_EXPIRED", 24: "KDC_ERR_PREAUTH_FAILED",
  25: "KDC_ERR_PREAUTH_REQUIRED", 26: "KDC_ERR_SERVER_NOMATCH", 27: "KDC_ERR_MUST_USE_USER2USER",
  28: "KDC_ERR_PATH_NOT_ACCEPTED", 29: "KDC_ERR_SVC_UNAVAILABLE", 31: "KRB_AP_ERR_BAD_INTEGRITY",
  32: "KRB_AP_ERR_TKT_EXPIRED", 33: "KRB_AP_ERR_TKT_NYV", 34: "KRB_AP_ERR_REPEAT",
  35: "KRB_AP_ERR_NOT_US", 36: "KRB_AP_ERR_BADMATCH", 37: "KRB_AP_ERR_SKEW",
  38: "KRB_AP_ERR_BADADDR", 39: "KRB_AP_ERR_BADVERSION", 40: "KRB_AP_ERR_MSG_TYPE",
  41: "KRB_AP_ERR_MODIFIED", 42: "KRB_AP_ERR_BADORDER", 44: "KRB_AP_ERR_BADKEYVER",
  45: "KRB_AP_ERR_NOKEY", 46: "KRB_AP_ERR_MUT_FAIL", 47: "KRB_AP_ERR_BADDIRECTION",
  48: "KRB_AP_ERR_METHOD", 49: "KRB_AP_ERR_BADSEQ", 50: "KRB_AP_ERR_INAPP_CKSUM",
  51: "KRB_AP_PATH_NOT_ACCEPTED", 52: "KRB_ERR_RESPONSE_TOO_BIG", 60: "KRB_ERR_GENERIC",
  61: "KRB_ERR_FIELD_TOOLONG", 62: "KDC_ERR_CLIENT_NOT_TRUSTED", 63: "KDC_ERR_KDC_NOT_TRUSTED",
  64: "KDC_ERR_INVALID_SIG", 65: "KDC_ERR_KEY_TOO_WEAK", 66: "KDC_ERR_CERTIFICATE_MISMATCH",
  67: "KRB_AP_ERR_NO_TGT", 68: "KDC_ERR_WRONG_REALM", 69: "KRB_AP_ERR_USER_TO_USER_REQUIRED",
  70: "KDC_ERR_CANT_VERIFY_CERTIFICATE", 71: "KDC_ERR_INVALID_CERTIFICATE",
  72: "KDC_ERR_REVOKED_CERTIFICATE", 73: "KDC_ERR_REVOCATION_STATUS_UNKNOWN",
  74: "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE", 75: "KDC_ERR_CLIENT_NAME_MISMATCH",
  76: "KDC_ERR_KDC_NAME_MISMATCH",
};

/** Kerberos encryption types (RFC 3961 8, RFC 3962, RFC 4757, RFC 6803, RFC 8009), as krb5.conf names them. */
export const KRB_ETYPES: Record<number, string> = {
  1: "des-cbc-crc", 2: "des-cbc-md4", 3: "des-cbc-md5", 16: "des3-cbc-sha1", 17: "aes128-cts-hmac-sha1-96",
  18: "aes256-cts-hmac-sha1-96", 19: "aes128-cts-hmac-sha256-128", 20: "aes256-cts-hmac-sha384-192",
  23: "rc4-hmac", 24: "rc4-hmac-exp", 25: "camellia128-cts-cmac", 26: "camellia256-cts-cmac", [-128]: "rc4-hmac-old-exp",
};
export const etypeName = (e: number) => KRB_ETYPES[e] ?? `etype ${e}`;

/** ICMP destination unreachable codes (RFC 792, RFC 1812 5.2.7.1) and ICMPv6 ones (RFC 4443 3.1). */
export const ICMP_UNREACH_CODES: Record<number, string> = {
  0: "network unreachable", 1: "host unreachable", 2: "protocol unreachable", 3: "port unreachable",
  4: "fragmentation needed", 5: "source route failed", 6: "destination network unknown", 7: "destination host unknown",
  9: "network administratively prohibited", 10: "host administratively prohibited", 11: "network unreachable for TOS",
  12: "host unreachable for TOS", 13: "communication administratively prohibited", 14: "host precedence violation",
  15: "precedence cutoff in effect",
};
export const ICMPV6_UNREACH_CODES: Record<number, string> = {
  0: "no route to destination", 1: "communication administratively prohibited", 2: "beyond scope of source address",
  3: "address unreachable", 4: "port unreachable", 5: "source address failed ingress/egress policy", 6: "reject route to destination",
};

export const KRB_MSG_TYPES: Record<number, string> = {
  10: "AS-REQ", 11: "AS-REP", 12: "TGS-REQ", 13: "TGS-REP", 14: "AP-REQ", 15: "AP-REP",
  20: "KRB-SAFE", 21: "KRB-PRIV", 22: "KRB-CRED", 30: "KRB-ERROR",
};

// One string per IPv4 address, shared by every connection and message that names it: a
// direct-mapped table by the address (a collision replaces the slot), no Map to grow and clear in
// a capture of tens of thousands of hosts.
const IPV4_SLOTS = 1 << 14;
const ipv4Key = new Float64Array(IPV4_SLOTS).fill(-1);
const ipv4Text: string[] = new Array<string>(IPV4_SLOTS).fill("");

/** Formats an address field (16 bytes, IPv4 as ::ffff:a.b.c.d) as text. */
export function ipText(b: Uint8Array | undefined): string {
  if (!b || b.length < 16) return "?";
  let v4 = b[10] === 0xff && b[11] === 0xff;
  for (let i = 0; v4 && i < 10; i++) v4 = b[i] === 0;
  if (v4) {
    const key = ((b[12] << 24) | (b[13] << 16) | (b[14] << 8) | b[15]) >>> 0;
    const slot = Math.imul(key, 0x9e3779b1) >>> 18; // (Fibonacci hashing: the host bytes vary most)
    if (ipv4Key[slot] === key) return ipv4Text[slot];
    // (its characters written once, one flat string: the text joined from parts made a string per part)
    let n = decimal(0, b[12]); codes[n++] = 0x2e; n = decimal(n, b[13]); codes[n++] = 0x2e;
    n = decimal(n, b[14]); codes[n++] = 0x2e; n = decimal(n, b[15]);
    const t = fromCodes(n);
    ipv4Key[slot] = key; ipv4Text[slot] = t;
    return t;
  }
  // (the same table for IPv6 by its four words: a scan from 200,000 addresses formats each of them
  // several times as its connection is built, folded and read, and made it with arrays: 15 % of the CPU)
  const w0 = word(b, 0), w1 = word(b, 4), w2 = word(b, 8), w3 = word(b, 12);
  const slot = (Math.imul(w0 ^ Math.imul(w1, 0x85ebca6b) ^ Math.imul(w2, 0xc2b2ae35) ^ Math.imul(w3, 0x27d4eb2f), 0x9e3779b1) >>> 18) * 4;
  if (ipv6Key[slot] === w0 && ipv6Key[slot + 1] === w1 && ipv6Key[slot + 2] === w2 && ipv6Key[slot + 3] === w3 && ipv6Text[slot >> 2] !== "") return ipv6Text[slot >> 2];
  const run = zeroRun(b), bestLen = run & 15, best = bestLen ? run >> 4 : 8;
  let n = 0;
  for (let i = 0; i < best; i++) { if (i) codes[n++] = 0x3a; n = hex(n, (b[2 * i] << 8) | b[2 * i + 1]); }
  if (best < 8) {
    codes[n++] = 0x3a; codes[n++] = 0x3a;
    for (let i = best + bestLen; i < 8; i++) { if (i > best + bestLen) codes[n++] = 0x3a; n = hex(n, (b[2 * i] << 8) | b[2 * i + 1]); }
  }
  const t = fromCodes(n);
  ipv6Key[slot] = w0; ipv6Key[slot + 1] = w1; ipv6Key[slot + 2] = w2; ipv6Key[slot + 3] = w3; ipv6Text[slot >> 2] = t;
  return t;
}

/**
 * RFC 5952 4.2: the zero groups of an IPv6 address that its text writes as "::", the first longest
 * run of two or more: start * 16 + length, or 0 for none.
 */
export function zeroRun(b: Uint8Array): number {
  let best = 0, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (b[2 * i] | b[2 * i + 1]) { i++; continue; }
    let j = i; while (j < 8 && !(b[2 * j] | b[2 * j + 1])) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  return bestLen < 2 ? 0 : best * 16 + bestLen;
}

const IPV6_SLOTS = 1 << 14;
const ipv6Key = new Int32Array(IPV6_SLOTS * 4);
const ipv6Text: string[] = new Array<string>(IPV6_SLOTS).fill("");
const word = (b: Uint8Array, i: number) => (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
/** Writes the 16-bit group `v` in lowercase hex without leading zeros into `codes` from `at` (RFC 5952 4.1, 4.3); the index after it. */
function hex(at: number, v: number): number {
  for (let shift = v > 0xfff ? 12 : v > 0xff ? 8 : v > 0xf ? 4 : 0; shift >= 0; shift -= 4) {
    const d = (v >>> shift) & 15;
    codes[at++] = d < 10 ? 0x30 + d : 0x57 + d;
  }
  return at;
}

/**
 * "ip:port" ("[ip]:port" for IPv6). The same endpoints recur (a server's, a KDC's): the last text
 * made for an (ip, port) is kept in a direct-mapped table, found without making the text again.
 */
export function endpoint(ip: string, port: number): string {
  let h = Math.imul(0x811c9dc5 ^ port, 0x01000193);
  for (let i = 0; i < ip.length; i++) h = Math.imul(h ^ ip.charCodeAt(i), 0x01000193);
  const slot = (h ^ (h >>> 16)) & (ENDPOINT_SLOTS - 1);
  // (the hash first: another address's text in the slot is not read, see model/lists.ts intern)
  if (endpointHash[slot] === h && endpointPort[slot] === port && endpointIp[slot] === ip) return endpointText[slot];
  const t = endpointMade(ip, port);
  endpointPort[slot] = port; endpointIp[slot] = ip; endpointText[slot] = t; endpointHash[slot] = h;
  return t;
}

/**
 * endpoint's text made again each time, not looked up nor kept in its table: for an endpoint that
 * seldom recurs (a client's, its port new on every connection), whose lookup would miss and whose
 * text would push a server's out of the table.
 */
export function endpointMade(ip: string, port: number): string {
  // (its characters written once, as ipText's: one flat string, not one per part joined)
  const v6 = ip.includes(":");
  let n = 0;
  if (v6) codes[n++] = 0x5b;
  for (let i = 0; i < ip.length; i++) codes[n++] = ip.charCodeAt(i);
  if (v6) codes[n++] = 0x5d;
  codes[n++] = 0x3a;
  return port >= 0 && port <= 0xffffffff && Number.isInteger(port) ? fromCodes(decimal(n, port)) : flatText(v6 ? `[${ip}]:${port}` : `${ip}:${port}`);
}
const ENDPOINT_SLOTS = 1 << 12;
const endpointHash = new Int32Array(ENDPOINT_SLOTS);
// (doubles: a port is any u32 of the record, or what a caller passes; an Int32Array read 2^32 - 1 back as -1)
const endpointPort = new Float64Array(ENDPOINT_SLOTS).fill(-1);
const endpointIp: string[] = new Array<string>(ENDPOINT_SLOTS).fill("");
const endpointText: string[] = new Array<string>(ENDPOINT_SLOTS).fill("");

/** Character codes of a text being made (ipText, endpoint): written, then made one string at once. */
const codes: number[] = [];

/** Writes the decimal digits of the integer `v` (0 to 2^32 - 1) into `codes` from `at`; the index after them. */
function decimal(at: number, v: number): number {
  let d = 1;
  while (d * 10 <= v) d *= 10;
  for (; d >= 1; d /= 10) { const q = Math.floor(v / d); codes[at++] = 0x30 + q; v -= q * d; }
  return at;
}

/** The text of codes[0, n). */
function fromCodes(n: number): string {
  codes.length = n;
  return String.fromCharCode.apply(null, codes);
}

/**
 * `s` as one flat string: a text joined from parts is a tree of them in V8 until a character
 * is read (then the garbage collector keeps only the flat copy: see model/lists.ts flat).
 */
function flatText(s: string): string {
  flatRead ^= s.charCodeAt(0);
  return s;
}
let flatRead = 0;

/** The Report's capture.format for an EV_CAPTURE F_FORMAT value. */
export function formatName(fmt: number): "pcap" | "pcapng" | "netmon" | "etl" {
  return fmt === C.FMT_PCAPNG ? "pcapng" : fmt === C.FMT_NETMON ? "netmon" : fmt === C.FMT_ETL ? "etl" : "pcap";
}

/**
 * Windows releases by the NTLM VERSION structure's ProductMajorVersion.ProductMinorVersion and
 * ProductBuild (MS-NLMP 2.2.2.10). One build number can be a client and a server release (26100 is
 * Windows 11 24H2 and Windows Server 2025): both are named.
 */
const WINDOWS_BUILDS: Record<string, string> = {
  "5.1.2600": "Windows XP", "5.2.3790": "Windows Server 2003 or XP x64",
  "6.0.6000": "Windows Vista", "6.0.6001": "Windows Vista SP1 or Server 2008", "6.0.6002": "Windows Vista SP2 or Server 2008 SP2",
  "6.1.7600": "Windows 7 or Server 2008 R2", "6.1.7601": "Windows 7 SP1 or Server 2008 R2 SP1",
  "6.2.9200": "Windows 8 or Server 2012", "6.3.9600": "Windows 8.1 or Server 2012 R2",
  "10.0.10240": "Windows 10 1507", "10.0.10586": "Windows 10 1511", "10.0.14393": "Windows 10 1607 or Server 2016",
  "10.0.15063": "Windows 10 1703", "10.0.16299": "Windows 10 1709", "10.0.17134": "Windows 10 1803",
  "10.0.17763": "Windows 10 1809 or Server 2019", "10.0.18362": "Windows 10 1903", "10.0.18363": "Windows 10 1909",
  "10.0.19041": "Windows 10 2004", "10.0.19042": "Windows 10 20H2", "10.0.19043": "Windows 10 21H1",
  "10.0.19044": "Windows 10 21H2", "10.0.19045": "Windows 10 22H2", "10.0.20348": "Windows Server 2022",
  "10.0.22000": "Windows 11 21H2", "10.0.22621": "Windows 11 22H2", "10.0.22631": "Windows 11 23H2",
  "10.0.26100": "Windows 11 24H2 or Server 2025", "10.0.26200": "Windows 11 25H2",
};

/** The system an NTLM VERSION (major | minor << 8 | build << 16) names, in words, with its number. */
export function osVersion(v: number): { version: string; name: string } {
  const major = v & 0xff, minor = (v >> 8) & 0xff, build = v >>> 16;
  const version = `${major}.${minor}.${build}`;
  const known = WINDOWS_BUILDS[version];
  const name = known ? `${known} (${version})`
    : build === 0 ? `${version}: build 0, as Samba and other non-Windows SMB stacks send it`
    : major === 10 ? `Windows 10 or 11, or Server 2016 or later (${version})`
    : `Windows ${version}`;
  return { version, name };
}
