// AES-GCM (NIST SP 800-38D). SMB 3.1.1 uses a 12-byte nonce and a 16-byte tag (MS-SMB2 2.2.41,
// 3.1.4.3); other nonce lengths go through GHASH as the standard says (7.1 step 2).
import { Aes, aesOf, type AesKey } from "./aes";
import { bytesEqual, readU32BE, writeU32BE } from "./bytes";

/**
 * GHASH (SP 800-38D 6.4) with H: Y = (Y XOR block) • H per 16-byte block, each part padded with
 * zeros to a block. Field elements are four big-endian 32-bit words, bit 0 the most significant
 * bit of word 0, as the standard numbers them. The product uses the 8-bit tables of McGrew &
 * Viega's GCM paper (section 4.1, "Shoup's method"): M[b] = b • H for every byte b, so X • H is
 * 16 steps of "shift Z right by 8 bits, reduce, add M[next byte of X]" instead of 128 bit steps
 * (or the 32 of 4-bit tables, which this code used before: GHASH was half of reading a QUIC
 * Initial). The table (4 KiB) is kept for the last two keys (tableOf), not made per message.
 */
class Ghash {
  private readonly y = new Int32Array(4);
  private readonly buf = new Uint8Array(16);
  private fill = 0;
  constructor(private readonly m: Int32Array) {}
  update(data: Uint8Array): void {
    let i = 0;
    // a block begun by the last update first, then whole blocks read where they are (not copied
    // byte by byte into buf), then the rest into buf
    for (; this.fill > 0 && i < data.length; i++) {
      this.buf[this.fill++] = data[i];
      if (this.fill === 16) this.block();
    }
    const whole = i + ((data.length - i) & ~15);
    if (whole > i) this.blocks(data, i, whole);
    for (i = whole; i < data.length; i++) this.buf[this.fill++] = data[i];
  }
  pad(): void {
    if (this.fill > 0) { this.buf.fill(0, this.fill); this.block(); }
  }
  /** The lengths block [len(A)]64 ‖ [len(C)]64, in bits, then Y. */
  finish(aadBytes: number, ctBytes: number): Uint8Array {
    this.pad();
    const b = this.buf;
    b.fill(0);
    writeU32BE(b, 0, Math.floor(aadBytes / 0x20000000)); writeU32BE(b, 4, (aadBytes * 8) >>> 0);
    writeU32BE(b, 8, Math.floor(ctBytes / 0x20000000)); writeU32BE(b, 12, (ctBytes * 8) >>> 0);
    this.fill = 16;
    this.block();
    const out = new Uint8Array(16);
    for (let i = 0; i < 4; i++) writeU32BE(out, 4 * i, this.y[i]);
    return out;
  }
  /** Y = (Y XOR buf) • H; buf is empty again. */
  private block(): void {
    this.blocks(this.buf, 0, 16);
    this.fill = 0;
  }
  private blocks(b: Uint8Array, off: number, end: number): void {
    ghashBlocks(this.m, this.y, b, off, end);
  }
}

// REDUCE8[r]: what the eight bits r shifted out of the low end add at the top, r • x^-8 • R folded
// in (bit j of r, the coefficient of x^(127-j), becomes x^128 • x^(7-j) = R • x^(7-j)); the
// table of McGrew & Viega section 4.1, placed in the top 16 bits.
const REDUCE8 = new Int32Array(256);
for (let r = 0; r < 256; r++) {
  let v = 0;
  for (let bit = 0; bit < 8; bit++) if (r & (1 << bit)) v ^= (0xe100 >>> (7 - bit)) & 0xffff;
  REDUCE8[r] = v << 16;
}

/**
 * For each 16 bytes of b in [off, end): Y = (Y XOR them) • H with H's table m, byte by byte from
 * the last (the highest powers of x) to the first; Y and Z in locals for the whole run. In a
 * closure over REDUCE8 for the reason aes.ts encryptRounds says (a closure's `const` is folded
 * into the code, a module's top-level one is a `var` once bundled).
 */
const ghashBlocks = ((): (m: Int32Array, y: Int32Array, b: Uint8Array, off: number, end: number) => void => {
  const reduce = REDUCE8;
  return (m, y, b, off, end) => {
    let y0 = y[0], y1 = y[1], y2 = y[2], y3 = y[3];
    for (let o = off; o < end; o += 16) {
      y0 ^= (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
      y1 ^= (b[o + 4] << 24) | (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7];
      y2 ^= (b[o + 8] << 24) | (b[o + 9] << 16) | (b[o + 10] << 8) | b[o + 11];
      y3 ^= (b[o + 12] << 24) | (b[o + 13] << 16) | (b[o + 14] << 8) | b[o + 15];
      let z0 = 0, z1 = 0, z2 = 0, z3 = 0;
      for (let k = 0; k < 16; k++) {
        const w = k < 4 ? y3 : k < 8 ? y2 : k < 12 ? y1 : y0;
        // Z = Z • x^8: shift right by 8, folding the 8 bits that fall off back in with R.
        const rem = z3 & 255;
        z3 = (z3 >>> 8) | (z2 << 24); z2 = (z2 >>> 8) | (z1 << 24); z1 = (z1 >>> 8) | (z0 << 24); z0 = (z0 >>> 8) ^ reduce[rem];
        const e = 4 * ((w >>> (8 * (k & 3))) & 255);
        z0 ^= m[e]; z1 ^= m[e + 1]; z2 ^= m[e + 2]; z3 ^= m[e + 3];
      }
      y0 = z0; y1 = z1; y2 = z2; y3 = z3;
    }
    y[0] = y0; y[1] = y1; y[2] = y2; y[3] = y3;
  };
})();

/**
 * M[b] = b • H for every byte b, four words each, into m. M[128] = H (the byte 10000000 is x^0);
 * M[64] = H • x, …, M[1] = H • x^7: each a right shift by one bit, reduced by R = 11100001 ‖ 0^120
 * when a bit falls off (Algorithm 1's V step). The others by linearity: M[i ^ j] = M[i] ^ M[j].
 */
function ghashTable(h: Uint8Array, m: Int32Array): void {
  m[0] = m[1] = m[2] = m[3] = 0;
  let v0 = readU32BE(h, 0), v1 = readU32BE(h, 4), v2 = readU32BE(h, 8), v3 = readU32BE(h, 12);
  for (let i = 128; i > 0; i >>= 1) {
    m[4 * i] = v0; m[4 * i + 1] = v1; m[4 * i + 2] = v2; m[4 * i + 3] = v3;
    const carry = v3 & 1;
    v3 = (v3 >>> 1) | (v2 << 31); v2 = (v2 >>> 1) | (v1 << 31); v1 = (v1 >>> 1) | (v0 << 31); v0 >>>= 1;
    if (carry) v0 ^= 0xe1000000;
  }
  for (let i = 2; i < 256; i <<= 1) {
    const a = 4 * i, a0 = m[a], a1 = m[a + 1], a2 = m[a + 2], a3 = m[a + 3];
    for (let j = 4; j < a; j += 4) { m[a + j] = a0 ^ m[j]; m[a + j + 1] = a1 ^ m[j + 1]; m[a + j + 2] = a2 ^ m[j + 2]; m[a + j + 3] = a3 ^ m[j + 3]; }
  }
}

/**
 * The GHASH tables of the last two keys that authenticated, and the keys: a QUIC flow reads its
 * Initials under two keys in turns (the client's, the server's), an SMB session under one per
 * direction. A table (4 KiB) made per key was most of what reading a QUIC flow allocated, and the
 * garbage collections of a large model that it brought on; two kept are remade in place.
 */
const slotKey: [Aes | null, Aes | null] = [null, null];
const slotTable: [Int32Array, Int32Array] = [new Int32Array(256 * 4), new Int32Array(256 * 4)];
let slotRecent = 0;
const H = new Uint8Array(16);
function tableOf(aes: Aes): Int32Array {
  let s: number;
  if (slotKey[0] === aes) s = 0;
  else if (slotKey[1] === aes) s = 1;
  else {
    s = 1 - slotRecent; // the one used longer ago
    H.fill(0); // H = E(0^128), the hash subkey
    aes.encryptBlock(H, 0, H, 0);
    ghashTable(H, slotTable[s]);
    slotKey[s] = aes;
  }
  slotRecent = s;
  return slotTable[s];
}

interface GcmSetup { aes: Aes; j0: Uint8Array }

/** The pre-counter block J0 (SP 800-38D 7.1 step 2): IV ‖ 0^31 ‖ 1 for a 12-byte IV, else GHASH of the IV. */
function preCounter(aes: Aes, nonce: Uint8Array): Uint8Array {
  if (nonce.length === 0) throw new RangeError("AES-GCM: empty nonce");
  if (nonce.length === 12) {
    const j0 = new Uint8Array(16);
    j0.set(nonce);
    j0[15] = 1;
    return j0;
  }
  const g = new Ghash(tableOf(aes));
  g.update(nonce);
  return g.finish(0, nonce.length); // the same layout: 0^64 ‖ [len(IV)]64
}

function setup(key: AesKey, nonce: Uint8Array): GcmSetup {
  const aes = aesOf(key);
  return { aes, j0: preCounter(aes, nonce) };
}

/**
 * out[0..n] = data[0..n] XOR GCTR keystream starting at inc32(J0) (SP 800-38D 6.5, 7.1 step 3);
 * the counter block kept as words (Aes.encryptWords), the keystream XORed from the words.
 */
function gctr(aes: Aes, j0: Uint8Array, data: Uint8Array, n: number, out: Uint8Array): void {
  const c0 = readU32BE(j0, 0), c1 = readU32BE(j0, 4), c2 = readU32BE(j0, 8);
  let c = readU32BE(j0, 12);
  const ks = aes.words;
  let o = 0;
  for (; o + 16 <= n; o += 16) {
    c = (c + 1) >>> 0; // inc32
    aes.encryptWords(c0, c1, c2, c);
    for (let w = 0; w < 4; w++) {
      const k = ks[w], p = o + 4 * w;
      out[p] = data[p] ^ (k >>> 24); out[p + 1] = data[p + 1] ^ (k >>> 16); out[p + 2] = data[p + 2] ^ (k >>> 8); out[p + 3] = data[p + 3] ^ k;
    }
  }
  if (o < n) {
    c = (c + 1) >>> 0;
    aes.encryptWords(c0, c1, c2, c);
    for (let i = 0; o + i < n; i++) out[o + i] = data[o + i] ^ (ks[i >> 2] >>> (24 - 8 * (i & 3)));
  }
}

function tagOf(s: GcmSetup, aad: Uint8Array, ciphertext: Uint8Array, tagLength: number): Uint8Array {
  const g = new Ghash(tableOf(s.aes));
  g.update(aad); g.pad();
  g.update(ciphertext);
  const sv = g.finish(aad.length, ciphertext.length);
  const ej0 = new Uint8Array(16);
  s.aes.encryptBlock(s.j0, 0, ej0, 0);
  const tag = new Uint8Array(tagLength);
  for (let i = 0; i < tagLength; i++) tag[i] = sv[i] ^ ej0[i];
  return tag;
}

function checkTagLength(t: number): void {
  if (t < 4 || t > 16) throw new RangeError(`AES-GCM: tag of ${t} bytes (4 to 16 expected)`);
}

export function aesGcmEncrypt(key: AesKey, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, tagLength = 16): { ciphertext: Uint8Array; tag: Uint8Array } {
  checkTagLength(tagLength);
  const s = setup(key, nonce);
  const ciphertext = new Uint8Array(plaintext.length);
  gctr(s.aes, s.j0, plaintext, plaintext.length, ciphertext);
  return { ciphertext, tag: tagOf(s, aad, ciphertext, tagLength) };
}

/**
 * The plaintext, or null when the tag does not match (wrong key, or damaged bytes). With `out`
 * (at least as long as the ciphertext) the plaintext is written there and is its start: a caller
 * that reads each message and keeps only parts of it (QUIC Initials) allocates nothing per message.
 */
export function aesGcmDecrypt(key: AesKey, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, out?: Uint8Array): Uint8Array | null {
  checkTagLength(tag.length);
  const s = setup(key, nonce);
  // Authenticate first: GCM's tag is over the ciphertext, so nothing is decrypted for a wrong key.
  if (!bytesEqual(tagOf(s, aad, ciphertext, tag.length), tag)) return null;
  const plaintext = out && out.length >= ciphertext.length ? out.subarray(0, ciphertext.length) : new Uint8Array(ciphertext.length);
  gctr(s.aes, s.j0, ciphertext, ciphertext.length, plaintext);
  return plaintext;
}

/** The first n bytes of `data` XORed with the GCM keystream, NOT authenticated; n is cut to data.length. */
export function aesGcmKeystreamXor(key: AesKey, nonce: Uint8Array, data: Uint8Array, n: number): Uint8Array {
  const aes = aesOf(key); // no hash subkey: nothing is authenticated here
  const j0 = preCounter(aes, nonce);
  const m = Math.max(0, Math.min(n, data.length));
  const out = new Uint8Array(m);
  gctr(aes, j0, data, m, out);
  return out;
}
