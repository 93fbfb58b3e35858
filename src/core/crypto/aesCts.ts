// AES in CBC mode with ciphertext stealing, as Kerberos uses it (RFC 3962 5, the "CBC-CS3" order
// of NIST SP 800-38A Addendum): plain CBC, then the last two ciphertext blocks swapped and the
// new last one cut to the length of the last plaintext block. So any length of at least one
// block encrypts to the same length. Kerberos always starts from a zero IV (RFC 3962 6).
import { aesOf, type AesKey } from "./aes";

const B = 16;

/** CBC-CTS encryption (the tests need it to build messages; Kerberos decryption does not). */
export function aesCtsEncrypt(key: AesKey, iv: Uint8Array, plain: Uint8Array): Uint8Array {
  if (plain.length < B) throw new RangeError(`AES-CTS: ${plain.length} bytes (at least one block of 16 expected)`);
  const aes = aesOf(key);
  const n = plain.length, blocks = Math.ceil(n / B);
  const cbc = new Uint8Array(blocks * B);
  const prev = iv.slice(0, B);
  for (let i = 0; i < blocks; i++) {
    for (let j = 0; j < B; j++) prev[j] ^= i * B + j < n ? plain[i * B + j] : 0;
    aes.encryptBlock(prev, 0, prev, 0);
    cbc.set(prev, i * B);
  }
  if (blocks === 1) return cbc;
  const out = new Uint8Array(n);
  const last = n - (blocks - 1) * B; // bytes in the last plaintext block, 1..16
  out.set(cbc.subarray(0, (blocks - 2) * B));
  out.set(cbc.subarray((blocks - 1) * B), (blocks - 2) * B);
  out.set(cbc.subarray((blocks - 2) * B, (blocks - 2) * B + last), (blocks - 1) * B);
  return out;
}

/** CBC-CTS decryption; null for less than one block (no such ciphertext exists). */
export function aesCtsDecrypt(key: AesKey, iv: Uint8Array, cipher: Uint8Array): Uint8Array | null {
  const n = cipher.length;
  if (n < B) return null;
  const aes = aesOf(key);
  const out = new Uint8Array(n);
  const blocks = Math.ceil(n / B);
  const tmp = new Uint8Array(B);
  let prev = iv.subarray(0, B);
  // Every block before the last two is plain CBC.
  for (let i = 0; i < blocks - 2; i++) {
    aes.decryptBlock(cipher, i * B, tmp, 0);
    for (let j = 0; j < B; j++) out[i * B + j] = tmp[j] ^ prev[j];
    prev = cipher.subarray(i * B, i * B + B);
  }
  if (blocks === 1) {
    aes.decryptBlock(cipher, 0, tmp, 0);
    for (let j = 0; j < B; j++) out[j] = tmp[j] ^ prev[j];
    return out;
  }
  // The last two: X is the full block C(m) put first, Y the first `last` bytes of C(m-1).
  const x = (blocks - 2) * B, y = x + B, last = n - y;
  aes.decryptBlock(cipher, x, tmp, 0); // = P(m), zero-padded, xor C(m-1)
  const cm1 = new Uint8Array(B);
  cm1.set(cipher.subarray(y, n));
  cm1.set(tmp.subarray(last), last); // C(m-1)'s stolen tail is where P(m)'s padding was zero
  for (let j = 0; j < last; j++) out[y + j] = tmp[j] ^ cm1[j];
  aes.decryptBlock(cm1, 0, tmp, 0);
  for (let j = 0; j < B; j++) out[x + j] = tmp[j] ^ prev[j];
  return out;
}
