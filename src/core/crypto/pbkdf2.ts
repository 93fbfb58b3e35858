// PBKDF2 (RFC 8018 5.2) with HMAC-SHA1: the Kerberos AES string-to-key (RFC 3962 4).
import { hmacSha1 } from "./hmac";
import { writeU32BE } from "./bytes";

export function pbkdf2HmacSha1(password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Uint8Array {
  if (!(iterations >= 1) || iterations > 0x7fffffff) throw new RangeError(`PBKDF2: ${iterations} iterations`);
  const out = new Uint8Array(length);
  const block = new Uint8Array(salt.length + 4);
  block.set(salt);
  for (let i = 1, o = 0; o < length; i++, o += 20) {
    writeU32BE(block, salt.length, i);
    let u = hmacSha1(password, block);
    const t = u.slice();
    for (let k = 1; k < iterations; k++) {
      u = hmacSha1(password, u);
      for (let j = 0; j < 20; j++) t[j] ^= u[j];
    }
    out.set(t.subarray(0, Math.min(20, length - o)), o);
  }
  return out;
}
