// Kerberos key derivation (RFC 3961 5.1 n-fold, 5.3 DK/DR) for the AES enctypes of RFC 3962, the
// usage keys Ke/Ki/Kc derived per message kind, and the AES string-to-key (RFC 3962 4).
import { Aes } from "./aes";
import { pbkdf2HmacSha1 } from "./pbkdf2";

/**
 * n-fold (RFC 3961 5.1): the input replicated to lcm(len, n) bytes, each copy rotated right by a
 * further 13 bits, the n-byte chunks added with ones'-complement addition. `n` in bytes.
 */
export function nfold(input: Uint8Array, n: number): Uint8Array {
  const len = input.length;
  if (len === 0 || n <= 0) throw new RangeError("n-fold: empty input or output");
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const lcm = (len * n) / gcd(len, n);
  const bits = len * 8;
  const out = new Uint8Array(n);
  let carry = 0;
  // Byte i of the replicated string, from the last (least significant) so the carry of the
  // ones'-complement sum runs upwards: copy number c = floor(i / len) is the input rotated right
  // by 13*c bits, so its bit k is bit (k - 13c) mod bits of the input.
  for (let i = lcm - 1; i >= 0; i--) {
    const copy = Math.floor(i / len), pos = i % len;
    // most significant bit of this byte within the rotated copy, as a bit index of the input
    const msb = (((pos * 8 - 13 * copy) % bits) + bits) % bits;
    let byte = 0;
    for (let k = 0; k < 8; k++) {
      const bit = (msb + k) % bits;
      byte = (byte << 1) | ((input[bit >> 3] >> (7 - (bit & 7))) & 1);
    }
    const o = i % n;
    const sum = out[o] + byte + carry;
    out[o] = sum & 0xff;
    carry = sum >> 8; // into the next more significant byte; out of byte 0 it wraps to byte n-1
  }
  // the carry out of the top wraps around (ones'-complement), possibly more than once
  for (let o = n - 1; carry; o = (o + n - 1) % n) {
    const sum = out[o] + carry;
    out[o] = sum & 0xff;
    carry = sum >> 8;
  }
  return out;
}

/**
 * DR(Key, Constant) for AES (RFC 3961 5.3, RFC 3962 6): n-fold the constant to one block, then
 * encrypt repeatedly (one block with a zero IV, so plain AES), concatenating until there are
 * `length` bytes. AES's random-to-key is the identity, so this is also DK.
 */
export function deriveKeyAes(baseKey: Uint8Array, constant: Uint8Array, length = baseKey.length): Uint8Array {
  const aes = new Aes(baseKey);
  const out = new Uint8Array(length);
  let block = constant.length === 16 ? constant.slice() : nfold(constant, 16);
  for (let o = 0; o < length; o += 16) {
    const next = new Uint8Array(16);
    aes.encryptBlock(block, 0, next, 0);
    out.set(next.subarray(0, Math.min(16, length - o)), o);
    block = next;
  }
  return out;
}

/** The well-known constants of RFC 3961 5.3: the usage number (32 bits, big-endian) and a kind byte. */
export const KEY_KIND = { checksum: 0x99, encryption: 0xaa, integrity: 0x55 } as const;
export function usageConstant(usage: number, kind: number): Uint8Array {
  return new Uint8Array([usage >>> 24, usage >>> 16, usage >>> 8, usage, kind]);
}

/** The three keys of one key usage: Ke (encryption), Ki (integrity HMAC), as RFC 3961 5.3 derives them. */
export function aesUsageKeys(baseKey: Uint8Array, usage: number): { ke: Uint8Array; ki: Uint8Array } {
  return {
    ke: deriveKeyAes(baseKey, usageConstant(usage, KEY_KIND.encryption)),
    ki: deriveKeyAes(baseKey, usageConstant(usage, KEY_KIND.integrity)),
  };
}

const KERBEROS = new TextEncoder().encode("kerberos");
/** The default iteration count of RFC 3962 4 (s2kparams 00 00 10 00). */
export const AES_S2K_DEFAULT_ITERATIONS = 4096;

/** AES string-to-key (RFC 3962 4): DK(PBKDF2-HMAC-SHA1(password, salt, iterations), "kerberos"). */
export function aesStringToKey(password: Uint8Array, salt: Uint8Array, keyLength: 16 | 32, iterations = AES_S2K_DEFAULT_ITERATIONS): Uint8Array {
  return deriveKeyAes(pbkdf2HmacSha1(password, salt, iterations, keyLength), KERBEROS, keyLength);
}
