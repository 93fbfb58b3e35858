// MD5 (RFC 1321). Only for HMAC-MD5 in NTLMv2 (MS-NLMP 3.3.2).
import { finalBlocks } from "./mdpad";

// T[i] = floor(2^32 * |sin(i + 1)|) (RFC 1321 3.4)
const T = new Uint32Array(64);
for (let i = 0; i < 64; i++) T[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 0x100000000) >>> 0;
const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

function compress(h: Uint32Array, x: Uint32Array, b: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const o = off + 4 * i;
    x[i] = b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
  }
  let a = h[0], bb = h[1], c = h[2], d = h[3];
  for (let i = 0; i < 64; i++) {
    const round = i >> 4;
    let f: number, g: number;
    if (round === 0) { f = (bb & c) | (~bb & d); g = i; }
    else if (round === 1) { f = (d & bb) | (~d & c); g = (5 * i + 1) & 15; }
    else if (round === 2) { f = bb ^ c ^ d; g = (3 * i + 5) & 15; }
    else { f = c ^ (bb | ~d); g = (7 * i) & 15; }
    const s = S[round * 4 + (i & 3)];
    const t = (a + f + T[i] + x[g]) | 0;
    a = d; d = c; c = bb;
    bb = (bb + ((t << s) | (t >>> (32 - s)))) | 0;
  }
  h[0] += a; h[1] += bb; h[2] += c; h[3] += d;
}

export function md5(data: Uint8Array): Uint8Array {
  const h = new Uint32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]);
  const x = new Uint32Array(16);
  const whole = data.length - (data.length % 64);
  for (let o = 0; o < whole; o += 64) compress(h, x, data, o);
  const tail = finalBlocks(data, 64, true);
  for (let o = 0; o < tail.length; o += 64) compress(h, x, tail, o);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = h[i >> 2] >>> (8 * (i & 3));
  return out;
}
