// SHA-1 (FIPS 180-4 6.1). For HMAC-SHA1 (RFC 2202 vectors; Kerberos AES later).
import { finalBlocks } from "./mdpad";

function compress(h: Uint32Array, w: Uint32Array, b: Uint8Array, off: number): void {
  for (let t = 0; t < 16; t++) {
    const o = off + 4 * t;
    w[t] = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  }
  for (let t = 16; t < 80; t++) { const x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]; w[t] = (x << 1) | (x >>> 31); }
  let a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];
  for (let t = 0; t < 80; t++) {
    let f: number, k: number;
    if (t < 20) { f = (bb & c) | (~bb & d); k = 0x5a827999; }
    else if (t < 40) { f = bb ^ c ^ d; k = 0x6ed9eba1; }
    else if (t < 60) { f = (bb & c) | (bb & d) | (c & d); k = 0x8f1bbcdc; }
    else { f = bb ^ c ^ d; k = 0xca62c1d6; }
    const tmp = (((a << 5) | (a >>> 27)) + f + e + k + w[t]) | 0;
    e = d; d = c; c = (bb << 30) | (bb >>> 2); bb = a; a = tmp;
  }
  h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e;
}

export function sha1(data: Uint8Array): Uint8Array {
  const h = new Uint32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]);
  const w = new Uint32Array(80);
  const whole = data.length - (data.length % 64);
  for (let o = 0; o < whole; o += 64) compress(h, w, data, o);
  const tail = finalBlocks(data, 64, false);
  for (let o = 0; o < tail.length; o += 64) compress(h, w, tail, o);
  const out = new Uint8Array(20);
  for (let i = 0; i < 20; i++) out[i] = h[i >> 2] >>> (24 - 8 * (i & 3));
  return out;
}
