// MD4 (RFC 1320). Only for NTLM: the NT hash is MD4(UTF-16LE(password)) (MS-NLMP 3.3.1, 3.3.2).
import { finalBlocks } from "./mdpad";

const ROUND3 = [0, 2, 1, 3];
const rotl = (x: number, n: number) => (x << n) | (x >>> (32 - n));

function compress(h: Uint32Array, x: Uint32Array, b: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const o = off + 4 * i;
    x[i] = b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
  }
  let a = h[0], bb = h[1], c = h[2], d = h[3];
  // Round 1: F(x,y,z) = xy | ~x z
  for (let i = 0; i < 16; i += 4) {
    a = rotl((a + ((bb & c) | (~bb & d)) + x[i]) | 0, 3);
    d = rotl((d + ((a & bb) | (~a & c)) + x[i + 1]) | 0, 7);
    c = rotl((c + ((d & a) | (~d & bb)) + x[i + 2]) | 0, 11);
    bb = rotl((bb + ((c & d) | (~c & a)) + x[i + 3]) | 0, 19);
  }
  // Round 2: G(x,y,z) = xy | xz | yz, plus 0x5A827999
  for (let i = 0; i < 4; i++) {
    a = rotl((a + ((bb & c) | (bb & d) | (c & d)) + x[i] + 0x5a827999) | 0, 3);
    d = rotl((d + ((a & bb) | (a & c) | (bb & c)) + x[i + 4] + 0x5a827999) | 0, 5);
    c = rotl((c + ((d & a) | (d & bb) | (a & bb)) + x[i + 8] + 0x5a827999) | 0, 9);
    bb = rotl((bb + ((c & d) | (c & a) | (d & a)) + x[i + 12] + 0x5a827999) | 0, 13);
  }
  // Round 3: H(x,y,z) = x ^ y ^ z, plus 0x6ED9EBA1, words in bit-reversed order
  for (let k = 0; k < 4; k++) {
    const i = ROUND3[k];
    a = rotl((a + (bb ^ c ^ d) + x[i] + 0x6ed9eba1) | 0, 3);
    d = rotl((d + (a ^ bb ^ c) + x[i + 8] + 0x6ed9eba1) | 0, 9);
    c = rotl((c + (d ^ a ^ bb) + x[i + 4] + 0x6ed9eba1) | 0, 11);
    bb = rotl((bb + (c ^ d ^ a) + x[i + 12] + 0x6ed9eba1) | 0, 15);
  }
  h[0] += a; h[1] += bb; h[2] += c; h[3] += d;
}

export function md4(data: Uint8Array): Uint8Array {
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
