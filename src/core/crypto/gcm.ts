// AES-GCM (NIST SP 800-38D). SMB 3.1.1 uses a 12-byte nonce and a 16-byte tag (MS-SMB2 2.2.41,
// 3.1.4.3); other nonce lengths go through GHASH as the standard says (7.1 step 2).
import { Aes, aesOf, type AesKey } from "./aes";
import { bytesEqual, readU32BE, writeU32BE } from "./bytes";

/**
 * GHASH (SP 800-38D 6.4) with H: Y = (Y XOR block) • H per 16-byte block, each part padded with
 * zeros to a block. Field elements are four big-endian 32-bit words, bit 0 the most significant
 * bit of word 0, as the standard numbers them. The product uses the 4-bit tables of McGrew &
 * Viega's GCM paper (section 4.1, "Shoup's method"): M[i] = i • H for every 4-bit i, so X • H is
 * 32 steps of "shift Z right by 4 bits, reduce, add M[next nibble of X]" instead of 128 bit steps.
 */
class Ghash {
  private readonly m = new Uint32Array(64); // M[i] for i = 0..15, four words each
  private readonly y = new Uint32Array(4);
  private readonly buf = new Uint8Array(16);
  private fill = 0;
  constructor(h: Uint8Array) {
    // M[8] = H (the nibble 1000 is x^0); M[4] = H • x, M[2] = H • x^2, M[1] = H • x^3: each a right
    // shift by one bit, reduced by R = 11100001 ‖ 0^120 when a bit falls off (Algorithm 1's V step).
    const m = this.m;
    let v0 = readU32BE(h, 0), v1 = readU32BE(h, 4), v2 = readU32BE(h, 8), v3 = readU32BE(h, 12);
    for (let i = 8; i > 0; i >>= 1) {
      m[4 * i] = v0; m[4 * i + 1] = v1; m[4 * i + 2] = v2; m[4 * i + 3] = v3;
      const carry = v3 & 1;
      v3 = (v3 >>> 1) | (v2 << 31); v2 = (v2 >>> 1) | (v1 << 31); v1 = (v1 >>> 1) | (v0 << 31); v0 >>>= 1;
      if (carry) v0 ^= 0xe1000000;
    }
    // The other entries by linearity: M[i ^ j] = M[i] ^ M[j].
    for (let i = 2; i < 16; i <<= 1)
      for (let j = 1; j < i; j++)
        for (let w = 0; w < 4; w++) m[4 * (i + j) + w] = m[4 * i + w] ^ m[4 * j + w];
  }
  update(data: Uint8Array): void {
    let i = 0;
    // a block begun by the last update first, then whole blocks read where they are (not copied
    // byte by byte into buf), then the rest into buf
    for (; this.fill > 0 && i < data.length; i++) {
      this.buf[this.fill++] = data[i];
      if (this.fill === 16) this.block();
    }
    for (; i + 16 <= data.length; i += 16) this.blockOf(data, i);
    for (; i < data.length; i++) this.buf[this.fill++] = data[i];
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
    this.blockOf(this.buf, 0);
    this.fill = 0;
  }
  /** Y = (Y XOR the 16 bytes of b at off) • H, nibble by nibble from the last (the highest power of x) to the first. */
  private blockOf(b: Uint8Array, off: number): void {
    const y = this.y, m = this.m;
    for (let i = 0; i < 4; i++) y[i] ^= readU32BE(b, off + 4 * i);
    let z0 = 0, z1 = 0, z2 = 0, z3 = 0;
    for (let i = 31; i >= 0; i--) {
      const nibble = (y[i >> 3] >>> (4 * (7 - (i & 7)))) & 15;
      // Z = Z • x^4: shift right by 4, folding the 4 bits that fall off back in with R.
      const rem = z3 & 15;
      z3 = (z3 >>> 4) | (z2 << 28); z2 = (z2 >>> 4) | (z1 << 28); z1 = (z1 >>> 4) | (z0 << 28); z0 = (z0 >>> 4) ^ REDUCE4[rem];
      const e = 4 * nibble;
      z0 ^= m[e]; z1 ^= m[e + 1]; z2 ^= m[e + 2]; z3 ^= m[e + 3];
    }
    y[0] = z0; y[1] = z1; y[2] = z2; y[3] = z3;
  }
}

// REDUCE4[r]: what the four bits r shifted out of the low end add at the top, r • x^-4 • R folded
// in; the table of McGrew & Viega section 4.1 (0x1c20 for r = 1, …), placed in the top 16 bits.
const REDUCE4 = new Uint32Array(16);
for (let r = 0; r < 16; r++) {
  let v = 0;
  for (let bit = 0; bit < 4; bit++) if (r & (1 << bit)) v ^= (0xe100 >>> (3 - bit)) & 0xffff;
  REDUCE4[r] = v << 16;
}

interface GcmSetup { aes: Aes; h: Uint8Array; j0: Uint8Array }

/** H = E(0^128), the hash subkey. */
function hashSubkey(aes: Aes): Uint8Array {
  const h = new Uint8Array(16);
  aes.encryptBlock(h, 0, h, 0);
  return h;
}

/** The pre-counter block J0 (SP 800-38D 7.1 step 2): IV ‖ 0^31 ‖ 1 for a 12-byte IV, else GHASH of the IV. */
function preCounter(aes: Aes, nonce: Uint8Array, h: Uint8Array | null): Uint8Array {
  if (nonce.length === 0) throw new RangeError("AES-GCM: empty nonce");
  if (nonce.length === 12) {
    const j0 = new Uint8Array(16);
    j0.set(nonce);
    j0[15] = 1;
    return j0;
  }
  const g = new Ghash(h ?? hashSubkey(aes));
  g.update(nonce);
  return g.finish(0, nonce.length); // the same layout: 0^64 ‖ [len(IV)]64
}

function setup(key: AesKey, nonce: Uint8Array): GcmSetup {
  const aes = aesOf(key);
  const h = hashSubkey(aes);
  return { aes, h, j0: preCounter(aes, nonce, h) };
}

/** out[0..n] = data[0..n] XOR GCTR keystream starting at inc32(J0) (SP 800-38D 6.5, 7.1 step 3). */
function gctr(aes: Aes, j0: Uint8Array, data: Uint8Array, n: number, out: Uint8Array): void {
  const cb = j0.slice(), ks = new Uint8Array(16);
  let c = readU32BE(cb, 12);
  for (let o = 0; o < n; o += 16) {
    c = (c + 1) >>> 0; // inc32
    writeU32BE(cb, 12, c);
    aes.encryptBlock(cb, 0, ks, 0);
    const m = Math.min(16, n - o);
    for (let i = 0; i < m; i++) out[o + i] = data[o + i] ^ ks[i];
  }
}

function tagOf(s: GcmSetup, aad: Uint8Array, ciphertext: Uint8Array, tagLength: number): Uint8Array {
  const g = new Ghash(s.h);
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

/** The plaintext, or null when the tag does not match (wrong key, or damaged bytes). */
export function aesGcmDecrypt(key: AesKey, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | null {
  checkTagLength(tag.length);
  const s = setup(key, nonce);
  // Authenticate first: GCM's tag is over the ciphertext, so nothing is decrypted for a wrong key.
  if (!bytesEqual(tagOf(s, aad, ciphertext, tag.length), tag)) return null;
  const plaintext = new Uint8Array(ciphertext.length);
  gctr(s.aes, s.j0, ciphertext, ciphertext.length, plaintext);
  return plaintext;
}

/** The first n bytes of `data` XORed with the GCM keystream, NOT authenticated; n is cut to data.length. */
export function aesGcmKeystreamXor(key: AesKey, nonce: Uint8Array, data: Uint8Array, n: number): Uint8Array {
  const aes = aesOf(key); // no hash subkey: nothing is authenticated here
  const j0 = preCounter(aes, nonce, null);
  const m = Math.max(0, Math.min(n, data.length));
  const out = new Uint8Array(m);
  gctr(aes, j0, data, m, out);
  return out;
}
