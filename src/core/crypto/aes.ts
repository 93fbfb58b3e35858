// The AES block cipher (FIPS 197), 128-, 192- and 256-bit keys, written byte by byte as the
// standard describes it (SubBytes, ShiftRows, MixColumns, AddRoundKey) for a reviewer to follow.
// Only the setup messages of SMB 3 sessions go through it, so clarity wins over speed. The
// state is column-major: byte r + 4c is row r, column c (FIPS 197 3.4), the order of the input.

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

export class Aes {
  private readonly rounds: number;
  private readonly w: Uint8Array; // the expanded key: 16 bytes per round key
  private readonly s = new Uint8Array(16);
  private readonly t = new Uint8Array(16);

  constructor(key: Uint8Array) {
    const nk = key.length / 4;
    if (nk !== 4 && nk !== 6 && nk !== 8) throw new RangeError(`AES: key of ${key.length} bytes (16, 24 or 32 expected)`);
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
  }

  /** Encrypts the 16 bytes at inp[inOff] into out[outOff] (the two may be the same place). */
  encryptBlock(inp: Uint8Array, inOff: number, out: Uint8Array, outOff: number): void {
    const s = this.s, t = this.t, w = this.w;
    for (let i = 0; i < 16; i++) s[i] = inp[inOff + i] ^ w[i];
    for (let r = 1; r <= this.rounds; r++) {
      // SubBytes and ShiftRows together: row j of column c comes from column c + j.
      for (let c = 0; c < 4; c++)
        for (let j = 0; j < 4; j++) t[4 * c + j] = SBOX[s[4 * ((c + j) & 3) + j]];
      if (r < this.rounds) {
        for (let c = 0; c < 16; c += 4) { // MixColumns
          const a0 = t[c], a1 = t[c + 1], a2 = t[c + 2], a3 = t[c + 3];
          s[c] = MUL2[a0] ^ MUL3[a1] ^ a2 ^ a3;
          s[c + 1] = a0 ^ MUL2[a1] ^ MUL3[a2] ^ a3;
          s[c + 2] = a0 ^ a1 ^ MUL2[a2] ^ MUL3[a3];
          s[c + 3] = MUL3[a0] ^ a1 ^ a2 ^ MUL2[a3];
        }
      } else s.set(t);
      const k = 16 * r;
      for (let i = 0; i < 16; i++) s[i] ^= w[k + i];
    }
    out.set(s, outOff);
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
