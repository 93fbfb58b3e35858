// Kerberos encryption and decryption of one message part (RFC 3961 5.3 simplified profile),
// for the enctypes a Windows or Samba service ticket uses:
//   aes128-cts-hmac-sha1-96 (17), aes256-cts-hmac-sha1-96 (18): RFC 3962; the ciphertext is
//     AES-CTS(Ke, confounder ‖ plaintext) ‖ HMAC-SHA1(Ki, confounder ‖ plaintext)[0..12];
//   rc4-hmac (23): RFC 4757; checksum(16) ‖ RC4(K3, confounder(8) ‖ plaintext).
// Decryption checks the integrity: a wrong key shows as a mismatch, never as garbage.
import { aesCtsDecrypt, aesCtsEncrypt } from "./aesCts";
import { bytesEqual, concatBytes } from "./bytes";
import { hmacMd5, hmacSha1 } from "./hmac";
import { aesUsageKeys } from "./krb5Keys";
import { rc4 } from "./rc4";

/** The enctype numbers decrypted here (RFC 3961 8, RFC 3962 7, RFC 4757). */
export const ETYPE = { AES128_CTS_HMAC_SHA1_96: 17, AES256_CTS_HMAC_SHA1_96: 18, RC4_HMAC: 23 } as const;

/** Key usage numbers (RFC 4120 7.5.1) of what an AP exchange carries. */
export const KEY_USAGE = { TICKET: 2, AP_REQ_AUTHENTICATOR: 11, AP_REP_ENC_PART: 12 } as const;

/** Key length of each supported enctype, in bytes. */
export const ETYPE_KEY_LENGTH: Record<number, number> = { 17: 16, 18: 32, 23: 16 };

const AES_BLOCK = 16, AES_MAC = 12; // confounder = one block; HMAC-SHA1-96
const RC4_MAC = 16, RC4_CONFOUNDER = 8;
const ZERO_IV = new Uint8Array(16);

export type Krb5Decrypted = { kind: "ok"; plain: Uint8Array } | { kind: "integrity" } | { kind: "unsupported"; why: string };

const isAes = (etype: number) => etype === ETYPE.AES128_CTS_HMAC_SHA1_96 || etype === ETYPE.AES256_CTS_HMAC_SHA1_96;

/**
 * RFC 4757 keeps Windows' own numbers for two usages (the AS-REP enc-part, 3, is keyed as 8; the
 * GSS wrap token, 23, as 13, as MIT's arcfour_translate_usage does); ours (2, 11, 12) are unchanged.
 */
const rc4Usage = (usage: number) => (usage === 3 ? 8 : usage === 23 ? 13 : usage);
const le32 = (n: number) => new Uint8Array([n, n >>> 8, n >>> 16, n >>> 24]);

function keyProblem(etype: number, key: Uint8Array): string | null {
  const want = ETYPE_KEY_LENGTH[etype];
  if (want === undefined) return `enctype ${etype} is not supported (only aes128-cts-hmac-sha1-96, aes256-cts-hmac-sha1-96 and rc4-hmac are)`;
  return key.length === want ? null : `a key of ${key.length} bytes for enctype ${etype} (${want} expected)`;
}

/** Decrypts and authenticates `cipher` (the EncryptedData's cipher field) under `key` for `usage`. */
export function krb5Decrypt(etype: number, key: Uint8Array, usage: number, cipher: Uint8Array): Krb5Decrypted {
  const problem = keyProblem(etype, key);
  if (problem) return { kind: "unsupported", why: problem };
  if (isAes(etype)) {
    if (cipher.length < AES_BLOCK + AES_MAC) return { kind: "integrity" };
    const { ke, ki } = aesUsageKeys(key, usage);
    const body = cipher.subarray(0, cipher.length - AES_MAC);
    const plain = aesCtsDecrypt(ke, ZERO_IV, body)!;
    const mac = hmacSha1(ki, plain).subarray(0, AES_MAC);
    if (!bytesEqual(mac, cipher.subarray(cipher.length - AES_MAC))) return { kind: "integrity" };
    return { kind: "ok", plain: plain.subarray(AES_BLOCK) };
  }
  // rc4-hmac: K1 = HMAC-MD5(key, usage LE32); K3 = HMAC-MD5(K1, checksum); the checksum is
  // HMAC-MD5(K1, confounder ‖ plaintext) (RFC 4757 4, without the export variant's 40-bit key).
  if (cipher.length < RC4_MAC + RC4_CONFOUNDER) return { kind: "integrity" };
  const k1 = hmacMd5(key, le32(rc4Usage(usage)));
  const checksum = cipher.subarray(0, RC4_MAC);
  const plain = rc4(hmacMd5(k1, checksum), cipher.subarray(RC4_MAC));
  if (!bytesEqual(hmacMd5(k1, plain), checksum)) return { kind: "integrity" };
  return { kind: "ok", plain: plain.subarray(RC4_CONFOUNDER) };
}

/** The inverse, with the confounder given (16 bytes for AES, 8 for RC4): for tests and crafted messages. */
export function krb5Encrypt(etype: number, key: Uint8Array, usage: number, plain: Uint8Array, confounder: Uint8Array): Uint8Array {
  const problem = keyProblem(etype, key);
  if (problem) throw new RangeError(problem);
  if (isAes(etype)) {
    const { ke, ki } = aesUsageKeys(key, usage);
    const whole = concatBytes(confounder.subarray(0, AES_BLOCK), plain);
    return concatBytes(aesCtsEncrypt(ke, ZERO_IV, whole), hmacSha1(ki, whole).subarray(0, AES_MAC));
  }
  const k1 = hmacMd5(key, le32(rc4Usage(usage)));
  const whole = concatBytes(confounder.subarray(0, RC4_CONFOUNDER), plain);
  const checksum = hmacMd5(k1, whole);
  return concatBytes(checksum, rc4(hmacMd5(k1, checksum), whole));
}
