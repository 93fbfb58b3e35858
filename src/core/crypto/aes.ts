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

/**
 * The cipher (FIPS 197 5.1) of the block w0..w3 under the round keys rk (`rounds` rounds), into o.
 * Made in a closure whose `const`s hold the tables, and why: the bundler (the CLI's and the app's
 * alike) turns a module's top-level `const`s into `var`s, which V8 must read as variables (a typed
 * array that may change, its length unknown: a bounds check per look-up); a closure's `const` it
 * folds into the code. The same rounds over the module's tables took twice as long (~180 against
 * ~90 ns a block), and this cipher is most of reading a QUIC Initial (GCM's counter mode).
 */
const encryptRounds = ((): (rk: Uint32Array, rounds: number, w0: number, w1: number, w2: number, w3: number, o: Int32Array) => void => {
  const te0 = TE0, te1 = TE1, te2 = TE2, te3 = TE3, sbox = SBOX;
  return (rk, rounds, w0, w1, w2, w3, o) => {
    // s0..s3 are the four columns; AddRoundKey with round key 0.
    let s0 = w0 ^ rk[0], s1 = w1 ^ rk[1], s2 = w2 ^ rk[2], s3 = w3 ^ rk[3];
    let k = 4;
    for (let r = 1; r < rounds; r++, k += 4) {
      // Column c takes row j from column c + j (ShiftRows), through S and MixColumns (the tables).
      const t0 = te0[s0 >>> 24] ^ te1[(s1 >>> 16) & 255] ^ te2[(s2 >>> 8) & 255] ^ te3[s3 & 255] ^ rk[k];
      const t1 = te0[s1 >>> 24] ^ te1[(s2 >>> 16) & 255] ^ te2[(s3 >>> 8) & 255] ^ te3[s0 & 255] ^ rk[k + 1];
      const t2 = te0[s2 >>> 24] ^ te1[(s3 >>> 16) & 255] ^ te2[(s0 >>> 8) & 255] ^ te3[s1 & 255] ^ rk[k + 2];
      const t3 = te0[s3 >>> 24] ^ te1[(s0 >>> 16) & 255] ^ te2[(s1 >>> 8) & 255] ^ te3[s2 & 255] ^ rk[k + 3];
      s0 = t0; s1 = t1; s2 = t2; s3 = t3;
    }
    // The last round has no MixColumns: SubBytes and ShiftRows only; column c takes row j from column c + j.
    o[0] = ((sbox[s0 >>> 24] << 24) | (sbox[(s1 >>> 16) & 255] << 16) | (sbox[(s2 >>> 8) & 255] << 8) | sbox[s3 & 255]) ^ rk[k];
    o[1] = ((sbox[s1 >>> 24] << 24) | (sbox[(s2 >>> 16) & 255] << 16) | (sbox[(s3 >>> 8) & 255] << 8) | sbox[s0 & 255]) ^ rk[k + 1];
    o[2] = ((sbox[s2 >>> 24] << 24) | (sbox[(s3 >>> 16) & 255] << 16) | (sbox[(s0 >>> 8) & 255] << 8) | sbox[s1 & 255]) ^ rk[k + 2];
    o[3] = ((sbox[s3 >>> 24] << 24) | (sbox[(s0 >>> 16) & 255] << 16) | (sbox[(s1 >>> 8) & 255] << 8) | sbox[s2 & 255]) ^ rk[k + 3];
  };
})();

/** The round keys as bytes, 16 per round, for the byte-wise inverse cipher. */
function roundKeyBytes(rk: Uint32Array): Uint8Array {
  const w = new Uint8Array(4 * rk.length);
  for (let i = 0; i < rk.length; i++) writeWord(w, 4 * i, rk[i]);
  return w;
}
// decryptBlock's state and the round's copy: one of each for all keys (a block is done before another starts)
const DEC_S = new Uint8Array(16), DEC_T = new Uint8Array(16);

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
  private readonly rk: Uint32Array; // the expanded key as big-endian words, one per column
  /** the same as bytes, 16 per round key, for decryptBlock (made when first asked: GCM and CCM only encrypt) */
  private w: Uint8Array | null = null;
  /** encryptWords' output: the four big-endian words of the block (as signed 32-bit integers) */
  readonly words = new Int32Array(4);

  constructor(key: Uint8Array) {
    const nk = key.length / 4;
    if (nk !== 4 && nk !== 6 && nk !== 8) throw new RangeError(`AES: key of ${key.length} bytes (16, 24 or 32 expected)`);
    this.keyLength = key.length;
    this.rounds = nk + 6;
    const words = 4 * (this.rounds + 1);
    const rk = (this.rk = new Uint32Array(words));
    for (let i = 0; i < nk; i++) rk[i] = readWord(key, 4 * i);
    // Key expansion (FIPS 197 5.2), in words (a QUIC flow expands four keys): word i = word i-Nk ^ f(word i-1).
    for (let i = nk, rcon = 1; i < words; i++) {
      let t = rk[i - 1];
      if (i % nk === 0) { // RotWord, SubWord, Rcon
        t = ((SBOX[(t >>> 16) & 255] ^ rcon) << 24) | (SBOX[(t >>> 8) & 255] << 16) | (SBOX[t & 255] << 8) | SBOX[t >>> 24];
        rcon = MUL2[rcon];
      } else if (nk === 8 && i % nk === 4) {
        t = (SBOX[t >>> 24] << 24) | (SBOX[(t >>> 16) & 255] << 16) | (SBOX[(t >>> 8) & 255] << 8) | SBOX[t & 255];
      }
      rk[i] = rk[i - nk] ^ t;
    }
  }

  /**
   * The block whose four big-endian words are w0..w3, encrypted into `words` (counter mode works
   * in words: no counter block written as bytes to be read back).
   */
  encryptWords(w0: number, w1: number, w2: number, w3: number): void {
    encryptRounds(this.rk, this.rounds, w0, w1, w2, w3, this.words);
  }

  /** Encrypts the 16 bytes at inp[inOff] into out[outOff] (the two may be the same place). */
  encryptBlock(inp: Uint8Array, inOff: number, out: Uint8Array, outOff: number): void {
    this.encryptWords(readWord(inp, inOff), readWord(inp, inOff + 4), readWord(inp, inOff + 8), readWord(inp, inOff + 12));
    const o = this.words;
    writeWord(out, outOff, o[0]); writeWord(out, outOff + 4, o[1]); writeWord(out, outOff + 8, o[2]); writeWord(out, outOff + 12, o[3]);
  }

  /** The inverse cipher (FIPS 197 5.3). */
  decryptBlock(inp: Uint8Array, inOff: number, out: Uint8Array, outOff: number): void {
    const s = DEC_S, t = DEC_T;
    const w = (this.w ??= roundKeyBytes(this.rk));
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
