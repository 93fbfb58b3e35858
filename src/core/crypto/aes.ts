// The AES block cipher (FIPS 197), 128-, 192- and 256-bit keys. The state is column-major: byte
// r + 4c is row r, column c (FIPS 197 3.4), the order of the input. Decryption is written byte by
// byte as the standard describes it (InvShiftRows, InvSubBytes, AddRoundKey, InvMixColumns).
// Encryption, which CCM and GCM use for everything (and the pipeline for every TRANSFORM message
// it peeks into), uses the classic 32-bit table form of the same round (FIPS 197 5.1, "Te"
// tables, as in the AES proposal's section 5.2.1): SubBytes, ShiftRows and MixColumns of one
// column become four table look-ups, about ten times faster than the byte form.

// GF(2^8) modulo x^8 + x^4 + x^3 + x + 1: exp/log tables with generator 3 give products and
// inverses; the S-box is the inverse followed by the affine map (FIPS 197 5.1.1).
const EXP = new Uint8Array(512), LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++) {
  EXP[i] = x; EXP[i + 255] = x; LOG[x] = i;
  x ^= (x << 1) ^ (x & 0x80 ? 0x11b : 0); // x * 3
}
const mul = (a: number, b: number) => (a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]]);

const SBOX = new Uint8Array(256), INV_SBOX = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  const inv = i === 0 ? 0 : EXP[255 - LOG[i]];
  let s = inv;
  for (let k = 1; k <= 4; k++) s ^= ((inv << k) | (inv >>> (8 - k))) & 0xff;
  s ^= 0x63;
  SBOX[i] = s; INV_SBOX[s] = i;
}
// Products needed by MixColumns and InvMixColumns, tabled once.
const MUL2 = new Uint8Array(256), MUL3 = new Uint8Array(256);
const MUL9 = new Uint8Array(256), MUL11 = new Uint8Array(256), MUL13 = new Uint8Array(256), MUL14 = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  MUL2[i] = mul(i, 2); MUL3[i] = mul(i, 3);
  MUL9[i] = mul(i, 9); MUL11[i] = mul(i, 11); MUL13[i] = mul(i, 13); MUL14[i] = mul(i, 14);
}

// TE0[x] is the column MixColumns makes of S(x) in row 0: (2·S(x), S(x), S(x), 3·S(x)), big-endian;
// TE1..TE3 are it for rows 1..3, i.e. TE0 rotated right by 8, 16, 24 bits.
const TE0 = new Uint32Array(256), TE1 = new Uint32Array(256), TE2 = new Uint32Array(256), TE3 = new Uint32Array(256);
for (let x = 0; x < 256; x++) {
  const s = SBOX[x];
  const w = ((MUL2[s] << 24) | (s << 16) | (s << 8) | MUL3[s]) >>> 0;
  TE0[x] = w; TE1[x] = ((w >>> 8) | (w << 24)) >>> 0; TE2[x] = ((w >>> 16) | (w << 16)) >>> 0; TE3[x] = ((w >>> 24) | (w << 8)) >>> 0;
}

const readWord = (b: Uint8Array, o: number) => (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
function writeWord(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24; b[o + 1] = v >>> 16; b[o + 2] = v >>> 8; b[o + 3] = v;
}
/** One column of the last round: row j from column a, b, c, d in turn, through S, plus the key. */
const lastRound = (a: number, b: number, c: number, d: number, key: number) =>
  ((SBOX[a >>> 24] << 24) | (SBOX[(b >>> 16) & 255] << 16) | (SBOX[(c >>> 8) & 255] << 8) | SBOX[d & 255]) ^ key;

/**
 * A key or its expanded schedule: the AEAD functions take either, so a caller decrypting many
 * messages under one key (every TRANSFORM message of a session) expands it once.
 */
export type AesKey = Uint8Array | Aes;
export const aesOf = (key: AesKey): Aes => (key instanceof Aes ? key : new Aes(key));

export class Aes {
  /** 16, 24 or 32. */
  readonly keyLength: number;
  private readonly rounds: number;
  private readonly w: Uint8Array; // the expanded key: 16 bytes per round key
  private readonly rk: Uint32Array; // the same as big-endian words, one per column
  private readonly s = new Uint8Array(16);
  private readonly t = new Uint8Array(16);

  constructor(key: Uint8Array) {
    const nk = key.length / 4;
    if (nk !== 4 && nk !== 6 && nk !== 8) throw new RangeError(`AES: key of ${key.length} bytes (16, 24 or 32 expected)`);
    this.keyLength = key.length;
    this.rounds = nk + 6;
    const words = 4 * (this.rounds + 1);
    const w = new Uint8Array(4 * words);
    w.set(key);
    // Key expansion (FIPS 197 5.2): word i = word i-Nk ^ f(word i-1).
    for (let i = nk, rcon = 1; i < words; i++) {
      let a = w[4 * i - 4], b = w[4 * i - 3], c = w[4 * i - 2], d = w[4 * i - 1];
      if (i % nk === 0) {
        const t = a; // RotWord, SubWord, Rcon
        a = SBOX[b] ^ rcon; b = SBOX[c]; c = SBOX[d]; d = SBOX[t];
        rcon = MUL2[rcon];
      } else if (nk === 8 && i % nk === 4) {
        a = SBOX[a]; b = SBOX[b]; c = SBOX[c]; d = SBOX[d];
      }
      const p = 4 * (i - nk);
      w[4 * i] = w[p] ^ a; w[4 * i + 1] = w[p + 1] ^ b; w[4 * i + 2] = w[p + 2] ^ c; w[4 * i + 3] = w[p + 3] ^ d;
    }
    this.w = w;
    this.rk = new Uint32Array(words);
    for (let i = 0; i < words; i++) this.rk[i] = ((w[4 * i] << 24) | (w[4 * i + 1] << 16) | (w[4 * i + 2] << 8) | w[4 * i + 3]) >>> 0;
  }

  /** Encrypts the 16 bytes at inp[inOff] into out[outOff] (the two may be the same place). */
  encryptBlock(inp: Uint8Array, inOff: number, out: Uint8Array, outOff: number): void {
    const rk = this.rk;
    // s0..s3 are the four columns; AddRoundKey with round key 0.
    let s0 = readWord(inp, inOff) ^ rk[0], s1 = readWord(inp, inOff + 4) ^ rk[1];
    let s2 = readWord(inp, inOff + 8) ^ rk[2], s3 = readWord(inp, inOff + 12) ^ rk[3];
    let k = 4;
    for (let r = 1; r < this.rounds; r++, k += 4) {
      // Column c takes row j from column c + j (ShiftRows), through S and MixColumns (the tables).
      const t0 = TE0[s0 >>> 24] ^ TE1[(s1 >>> 16) & 255] ^ TE2[(s2 >>> 8) & 255] ^ TE3[s3 & 255] ^ rk[k];
      const t1 = TE0[s1 >>> 24] ^ TE1[(s2 >>> 16) & 255] ^ TE2[(s3 >>> 8) & 255] ^ TE3[s0 & 255] ^ rk[k + 1];
      const t2 = TE0[s2 >>> 24] ^ TE1[(s3 >>> 16) & 255] ^ TE2[(s0 >>> 8) & 255] ^ TE3[s1 & 255] ^ rk[k + 2];
      const t3 = TE0[s3 >>> 24] ^ TE1[(s0 >>> 16) & 255] ^ TE2[(s1 >>> 8) & 255] ^ TE3[s2 & 255] ^ rk[k + 3];
      s0 = t0; s1 = t1; s2 = t2; s3 = t3;
    }
    // The last round has no MixColumns: SubBytes and ShiftRows only.
    const o0 = lastRound(s0, s1, s2, s3, rk[k]), o1 = lastRound(s1, s2, s3, s0, rk[k + 1]);
    const o2 = lastRound(s2, s3, s0, s1, rk[k + 2]), o3 = lastRound(s3, s0, s1, s2, rk[k + 3]);
    writeWord(out, outOff, o0); writeWord(out, outOff + 4, o1); writeWord(out, outOff + 8, o2); writeWord(out, outOff + 12, o3);
  }

  /** The inverse cipher (FIPS 197 5.3). */
  decryptBlock(inp: Uint8Array, inOff: number, out: Uint8Array, outOff: number): void {
    const s = this.s, t = this.t, w = this.w;
    const last = 16 * this.rounds;
    for (let i = 0; i < 16; i++) s[i] = inp[inOff + i] ^ w[last + i];
    for (let r = this.rounds - 1; r >= 0; r--) {
      // InvShiftRows and InvSubBytes: row j of column c + j comes from column c.
      for (let c = 0; c < 4; c++)
        for (let j = 0; j < 4; j++) t[4 * ((c + j) & 3) + j] = INV_SBOX[s[4 * c + j]];
      const k = 16 * r;
      for (let i = 0; i < 16; i++) t[i] ^= w[k + i];
      if (r > 0) {
        for (let c = 0; c < 16; c += 4) { // InvMixColumns
          const a0 = t[c], a1 = t[c + 1], a2 = t[c + 2], a3 = t[c + 3];
          s[c] = MUL14[a0] ^ MUL11[a1] ^ MUL13[a2] ^ MUL9[a3];
          s[c + 1] = MUL9[a0] ^ MUL14[a1] ^ MUL11[a2] ^ MUL13[a3];
          s[c + 2] = MUL13[a0] ^ MUL9[a1] ^ MUL14[a2] ^ MUL11[a3];
          s[c + 3] = MUL11[a0] ^ MUL13[a1] ^ MUL9[a2] ^ MUL14[a3];
        }
      } else s.set(t);
    }
    out.set(s, outOff);
  }
}
