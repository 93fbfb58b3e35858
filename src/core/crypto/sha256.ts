// SHA-256 (FIPS 180-4 6.2). For HMAC-SHA256: the SMB 3 KDF (MS-SMB2 3.1.4.2) and HKDF.
import { finalBlocksInto } from "./mdpad";

/** FIPS 180-4 4.2.2 round constants (also the worker's streaming SHA-256, src/worker/sha256.ts) */
export const SHA256_K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/**
 * One compression (FIPS 180-4 6.2.2) of the 64 bytes of b at off into h. Made in a closure whose
 * `const`s hold the round constants and the message schedule: the bundler turns a module's
 * top-level `const`s into `var`s, which V8 reads as variables (a bounds check per look-up), where
 * a closure's `const` is folded into the code (see aes.ts encryptRounds; an HMAC took a third longer).
 */
const compress = ((): (h: Uint32Array, b: Uint8Array, off: number) => void => {
  const k = SHA256_K, w = new Uint32Array(64); // the schedule: one for all calls (a call runs to its end before another starts)
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  return (h, b, off) => {
    for (let t = 0; t < 16; t++) {
      const o = off + 4 * t;
      w[t] = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
    }
    for (let t = 16; t < 64; t++) {
      const s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
      const s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    let a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (let t = 0; t < 64; t++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[t] + w[t]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
      hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
    }
    h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  };
})();

/** FIPS 180-4 5.3.3: the initial hash value */
export const SHA256_IV: Readonly<Uint32Array> = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
// The state and last blocks of the hash being computed: one of each for all calls (a call runs
// to its end before another starts). Made per call, they were most of the cost of the short
// messages HMAC hashes (a QUIC flow's Initial keys take 9 HMACs).
const H = new Uint32Array(8), TAIL = new Uint8Array(128);

export function sha256(data: Uint8Array): Uint8Array {
  const h = H;
  h.set(SHA256_IV);
  const whole = data.length - (data.length % 64);
  for (let o = 0; o < whole; o += 64) compress(h, data, o);
  const tail = finalBlocksInto(data, 64, false, TAIL);
  for (let o = 0; o < tail; o += 64) compress(h, TAIL, o);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = h[i >> 2] >>> (24 - 8 * (i & 3));
  return out;
}

/**
 * One compression of the 64 bytes of b at off into the state h (FIPS 180-4 6.2.2), for HMAC
 * (hmac.ts HmacSha256), which keeps the state after its padded key block and starts each message
 * from it. The caller pads the message.
 */
export function sha256Block(h: Uint32Array, b: Uint8Array, off: number): void {
  compress(h, b, off);
}
