// SHA-512 (FIPS 180-4 6.4). For the SMB 3.1.1 pre-authentication integrity hash (MS-SMB2 3.2.5.2,
// 3.3.5.4). 64-bit words are kept as (high, low) pairs of 32-bit numbers; a sum of several words
// is done on the low halves as plain numbers (exact below 2^53) and the carry moved up.
import { finalBlocks } from "./mdpad";

// K[t] as high, low (FIPS 180-4 4.2.3: the first 64 bits of the fractional parts of the cube
// roots of the first eighty primes).
const K = new Uint32Array([
  0x428a2f98, 0xd728ae22, 0x71374491, 0x23ef65cd, 0xb5c0fbcf, 0xec4d3b2f, 0xe9b5dba5, 0x8189dbbc,
  0x3956c25b, 0xf348b538, 0x59f111f1, 0xb605d019, 0x923f82a4, 0xaf194f9b, 0xab1c5ed5, 0xda6d8118,
  0xd807aa98, 0xa3030242, 0x12835b01, 0x45706fbe, 0x243185be, 0x4ee4b28c, 0x550c7dc3, 0xd5ffb4e2,
  0x72be5d74, 0xf27b896f, 0x80deb1fe, 0x3b1696b1, 0x9bdc06a7, 0x25c71235, 0xc19bf174, 0xcf692694,
  0xe49b69c1, 0x9ef14ad2, 0xefbe4786, 0x384f25e3, 0x0fc19dc6, 0x8b8cd5b5, 0x240ca1cc, 0x77ac9c65,
  0x2de92c6f, 0x592b0275, 0x4a7484aa, 0x6ea6e483, 0x5cb0a9dc, 0xbd41fbd4, 0x76f988da, 0x831153b5,
  0x983e5152, 0xee66dfab, 0xa831c66d, 0x2db43210, 0xb00327c8, 0x98fb213f, 0xbf597fc7, 0xbeef0ee4,
  0xc6e00bf3, 0x3da88fc2, 0xd5a79147, 0x930aa725, 0x06ca6351, 0xe003826f, 0x14292967, 0x0a0e6e70,
  0x27b70a85, 0x46d22ffc, 0x2e1b2138, 0x5c26c926, 0x4d2c6dfc, 0x5ac42aed, 0x53380d13, 0x9d95b3df,
  0x650a7354, 0x8baf63de, 0x766a0abb, 0x3c77b2a8, 0x81c2c92e, 0x47edaee6, 0x92722c85, 0x1482353b,
  0xa2bfe8a1, 0x4cf10364, 0xa81a664b, 0xbc423001, 0xc24b8b70, 0xd0f89791, 0xc76c51a3, 0x0654be30,
  0xd192e819, 0xd6ef5218, 0xd6990624, 0x5565a910, 0xf40e3585, 0x5771202a, 0x106aa070, 0x32bbd1b8,
  0x19a4c116, 0xb8d2d0c8, 0x1e376c08, 0x5141ab53, 0x2748774c, 0xdf8eeb99, 0x34b0bcb5, 0xe19b48a8,
  0x391c0cb3, 0xc5c95a63, 0x4ed8aa4a, 0xe3418acb, 0x5b9cca4f, 0x7763e373, 0x682e6ff3, 0xd6b2b8a3,
  0x748f82ee, 0x5defb2fc, 0x78a5636f, 0x43172f60, 0x84c87814, 0xa1f0ab72, 0x8cc70208, 0x1a6439ec,
  0x90befffa, 0x23631e28, 0xa4506ceb, 0xde82bde9, 0xbef9a3f7, 0xb2c67915, 0xc67178f2, 0xe372532b,
  0xca273ece, 0xea26619c, 0xd186b8c7, 0x21c0c207, 0xeada7dd6, 0xcde0eb1e, 0xf57d4f7f, 0xee6ed178,
  0x06f067aa, 0x72176fba, 0x0a637dc5, 0xa2c898a6, 0x113f9804, 0xbef90dae, 0x1b710b35, 0x131c471b,
  0x28db77f5, 0x23047d84, 0x32caab7b, 0x40c72493, 0x3c9ebe0a, 0x15c9bebc, 0x431d67c4, 0x9c100d4c,
  0x4cc5d4be, 0xcb3e42b6, 0x597f299c, 0xfc657e2a, 0x5fcb6fab, 0x3ad6faec, 0x6c44198c, 0x4a475817,
]);
// H(0) (FIPS 180-4 5.3.5), high, low.
const H0 = [
  0x6a09e667, 0xf3bcc908, 0xbb67ae85, 0x84caa73b, 0x3c6ef372, 0xfe94f82b, 0xa54ff53a, 0x5f1d36f1,
  0x510e527f, 0xade682d1, 0x9b05688c, 0x2b3e6c1f, 0x1f83d9ab, 0xfb41bd6b, 0x5be0cd19, 0x137e2179,
];
const TWO32 = 0x100000000;

// Rotations and shift of the 64-bit word (hi, lo) right by n (0 < n < 64): each gives one half.
function rotrHi(hi: number, lo: number, n: number): number {
  return n < 32 ? (hi >>> n) | (lo << (32 - n)) : n === 32 ? lo : (lo >>> (n - 32)) | (hi << (64 - n));
}
function rotrLo(hi: number, lo: number, n: number): number {
  return n < 32 ? (lo >>> n) | (hi << (32 - n)) : n === 32 ? hi : (hi >>> (n - 32)) | (lo << (64 - n));
}
const shrHi = (hi: number, _lo: number, n: number) => hi >>> n;
const shrLo = (hi: number, lo: number, n: number) => (lo >>> n) | (hi << (32 - n));

/** One 128-byte block into the state h (16 halves). w is scratch: 80 words as 160 halves. */
function compress(h: Uint32Array, w: Uint32Array, b: Uint8Array, off: number): void {
  for (let i = 0; i < 32; i++) {
    const o = off + 4 * i;
    w[i] = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  }
  for (let t = 16; t < 80; t++) {
    const h15 = w[2 * (t - 15)], l15 = w[2 * (t - 15) + 1];
    const h2 = w[2 * (t - 2)], l2 = w[2 * (t - 2) + 1];
    // σ0 = ROTR1 ^ ROTR8 ^ SHR7, σ1 = ROTR19 ^ ROTR61 ^ SHR6
    const s0h = rotrHi(h15, l15, 1) ^ rotrHi(h15, l15, 8) ^ shrHi(h15, l15, 7);
    const s0l = rotrLo(h15, l15, 1) ^ rotrLo(h15, l15, 8) ^ shrLo(h15, l15, 7);
    const s1h = rotrHi(h2, l2, 19) ^ rotrHi(h2, l2, 61) ^ shrHi(h2, l2, 6);
    const s1l = rotrLo(h2, l2, 19) ^ rotrLo(h2, l2, 61) ^ shrLo(h2, l2, 6);
    const lo = (s1l >>> 0) + w[2 * (t - 7) + 1] + (s0l >>> 0) + w[2 * (t - 16) + 1];
    w[2 * t] = s1h + w[2 * (t - 7)] + s0h + w[2 * (t - 16)] + Math.floor(lo / TWO32);
    w[2 * t + 1] = lo;
  }
  let ah = h[0], al = h[1], bh = h[2], bl = h[3], ch = h[4], cl = h[5], dh = h[6], dl = h[7];
  let eh = h[8], el = h[9], fh = h[10], fl = h[11], gh = h[12], gl = h[13], hh = h[14], hl = h[15];
  for (let t = 0; t < 80; t++) {
    // T1 = h + Σ1(e) + Ch(e,f,g) + K[t] + W[t]; Σ1 = ROTR14 ^ ROTR18 ^ ROTR41
    const S1h = rotrHi(eh, el, 14) ^ rotrHi(eh, el, 18) ^ rotrHi(eh, el, 41);
    const S1l = rotrLo(eh, el, 14) ^ rotrLo(eh, el, 18) ^ rotrLo(eh, el, 41);
    const chh = (eh & fh) ^ (~eh & gh), chl = (el & fl) ^ (~el & gl);
    const t1lo = hl + (S1l >>> 0) + (chl >>> 0) + K[2 * t + 1] + w[2 * t + 1];
    const t1h = (hh + S1h + chh + K[2 * t] + w[2 * t] + Math.floor(t1lo / TWO32)) | 0;
    const t1l = t1lo >>> 0;
    // T2 = Σ0(a) + Maj(a,b,c); Σ0 = ROTR28 ^ ROTR34 ^ ROTR39
    const S0h = rotrHi(ah, al, 28) ^ rotrHi(ah, al, 34) ^ rotrHi(ah, al, 39);
    const S0l = rotrLo(ah, al, 28) ^ rotrLo(ah, al, 34) ^ rotrLo(ah, al, 39);
    const mjh = (ah & bh) ^ (ah & ch) ^ (bh & ch), mjl = (al & bl) ^ (al & cl) ^ (bl & cl);
    const t2lo = (S0l >>> 0) + (mjl >>> 0);
    const t2h = (S0h + mjh + Math.floor(t2lo / TWO32)) | 0;
    const t2l = t2lo >>> 0;
    hh = gh; hl = gl; gh = fh; gl = fl; fh = eh; fl = el;
    const elo = dl + t1l;
    eh = (dh + t1h + Math.floor(elo / TWO32)) | 0; el = elo >>> 0;
    dh = ch; dl = cl; ch = bh; cl = bl; bh = ah; bl = al;
    const alo = t1l + t2l;
    ah = (t1h + t2h + Math.floor(alo / TWO32)) | 0; al = alo >>> 0;
  }
  add64(h, 0, ah, al); add64(h, 2, bh, bl); add64(h, 4, ch, cl); add64(h, 6, dh, dl);
  add64(h, 8, eh, el); add64(h, 10, fh, fl); add64(h, 12, gh, gl); add64(h, 14, hh, hl);
}

/** h[i..i+2] += (hi, lo) modulo 2^64. */
function add64(h: Uint32Array, i: number, hi: number, lo: number): void {
  const s = h[i + 1] + (lo >>> 0);
  h[i] = h[i] + hi + Math.floor(s / TWO32);
  h[i + 1] = s;
}

export function sha512(data: Uint8Array): Uint8Array {
  const h = new Uint32Array(H0);
  const w = new Uint32Array(160);
  const whole = data.length - (data.length % 128);
  for (let o = 0; o < whole; o += 128) compress(h, w, data, o);
  const tail = finalBlocks(data, 128, false);
  for (let o = 0; o < tail.length; o += 128) compress(h, w, tail, o);
  const out = new Uint8Array(64);
  for (let i = 0; i < 64; i++) out[i] = h[i >> 2] >>> (24 - 8 * (i & 3));
  return out;
}
