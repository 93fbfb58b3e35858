// Key derivation: NIST SP 800-108 counter mode with HMAC-SHA256 (the SMB 3 KDF, MS-SMB2 3.1.4.2)
// and HKDF-SHA256 (RFC 5869; for QUIC Initial secrets later).
import { concatBytes, writeU32BE } from "./bytes";
import { hmacSha256, HmacSha256 } from "./hmac";

/**
 * SP 800-108 KDF in counter mode, PRF HMAC-SHA256, a 32-bit counter before the fixed input
 * data: K(i) = HMAC-SHA256(key, [i]4 ‖ fixedInput), output the first `bits` bits of K(1) ‖ K(2) ‖ ….
 * (The form NIST's KBKDF validation vectors are given in.)
 */
export function sp800108CounterHmacSha256(key: Uint8Array, fixedInput: Uint8Array, bits: number): Uint8Array {
  if (bits <= 0 || bits % 8 !== 0) throw new RangeError(`SP 800-108 KDF: ${bits} bits (a positive multiple of 8 expected)`);
  const bytes = bits / 8;
  const input = new Uint8Array(4 + fixedInput.length);
  input.set(fixedInput, 4);
  const out = new Uint8Array(bytes);
  const prf = new HmacSha256(key); // (its pads hashed once for every block)
  for (let i = 1, o = 0; o < bytes; i++, o += 32) {
    writeU32BE(input, 0, i);
    const k = prf.mac(input);
    out.set(k.subarray(0, Math.min(32, bytes - o)), o);
  }
  return out;
}

/**
 * The SMB 3 KDF (MS-SMB2 3.1.4.2): SP 800-108 counter mode, HMAC-SHA256, r = 32, fixed input
 * Label ‖ 0x00 ‖ Context ‖ [L]4. MS-SMB2 writes its labels with their terminating NUL
 * ("SMB2AESCCM", 11 bytes), so `label` includes it and the input holds two zero bytes there,
 * as Windows and Wireshark compute it.
 */
export function sp800108HmacSha256(key: Uint8Array, label: Uint8Array, context: Uint8Array, bits: number): Uint8Array {
  const fixed = concatBytes(label, new Uint8Array(1), context, new Uint8Array(4));
  writeU32BE(fixed, fixed.length - 4, bits);
  return sp800108CounterHmacSha256(key, fixed, bits);
}

/** HKDF-Extract (RFC 5869 2.2): PRK = HMAC-SHA256(salt, IKM); an empty salt is 32 zero bytes. */
export function hkdfSha256Extract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmacSha256(salt.length > 0 ? salt : new Uint8Array(32), ikm);
}

/** HKDF-Expand (RFC 5869 2.3): T(i) = HMAC(PRK, T(i-1) ‖ info ‖ i), the first `length` bytes. */
export function hkdfSha256Expand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (length < 0 || length > 255 * 32) throw new RangeError(`HKDF-Expand: ${length} bytes (0 to 8160 expected)`);
  return new HkdfSha256(prk).expand(info, length);
}

/**
 * HKDF-Expand under one PRK for many infos (the QUIC Initial keys expand each secret three or
 * four times): the HMAC's pads are hashed once for all of them.
 */
export class HkdfSha256 {
  private readonly prf: HmacSha256;
  /** T(i-1) ‖ info ‖ i, remade only when longer than the last */
  private input = new Uint8Array(64);
  constructor(prk: Uint8Array) { this.prf = new HmacSha256(prk); }

  /** HKDF-Expand(PRK, info, length), into out at off (a new array when not given). */
  expand(info: Uint8Array, length: number, out: Uint8Array = new Uint8Array(length), off = 0): Uint8Array {
    if (length < 0 || length > 255 * 32) throw new RangeError(`HKDF-Expand: ${length} bytes (0 to 8160 expected)`);
    if (this.input.length < 32 + info.length + 1) this.input = new Uint8Array(32 + info.length + 1);
    const input = this.input;
    const t = new Uint8Array(32);
    for (let i = 1, o = 0; o < length; i++, o += 32) {
      // T(0) is empty: the first block hashes info ‖ 1 only
      const tl = i === 1 ? 0 : 32;
      if (tl) input.set(t, 0);
      input.set(info, tl);
      input[tl + info.length] = i;
      this.prf.mac(input.subarray(0, tl + info.length + 1), t);
      const n = Math.min(32, length - o);
      for (let j = 0; j < n; j++) out[off + o + j] = t[j];
    }
    return out;
  }
}
