// AES-GCM (NIST SP 800-38D). SMB 3.1.1 uses a 12-byte nonce and a 16-byte tag (MS-SMB2 2.2.41,
// 3.1.4.3); other nonce lengths go through GHASH as the standard says (7.1 step 2).
import { Aes } from "./aes";
import { bytesEqual, readU32BE, writeU32BE } from "./bytes";

/**
 * GHASH (SP 800-38D 6.4) with H: Y = (Y XOR block) • H per 16-byte block, each part padded with
 * zeros to a block. Field elements are four big-endian 32-bit words, bit 0 the most significant
 * bit of word 0, as the standard numbers them; the product is Algorithm 1, bit by bit.
 */
class Ghash {
  private readonly h: Uint32Array;
  private readonly y = new Uint32Array(4);
  private readonly buf = new Uint8Array(16);
  private fill = 0;
  constructor(h: Uint8Array) {
    this.h = new Uint32Array([readU32BE(h, 0), readU32BE(h, 4), readU32BE(h, 8), readU32BE(h, 12)]);
  }
  update(data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      this.buf[this.fill++] = data[i];
      if (this.fill === 16) this.block();
    }
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
  private block(): void {
    const y = this.y, b = this.buf;
    const x0 = y[0] ^ readU32BE(b, 0), x1 = y[1] ^ readU32BE(b, 4), x2 = y[2] ^ readU32BE(b, 8), x3 = y[3] ^ readU32BE(b, 12);
    let z0 = 0, z1 = 0, z2 = 0, z3 = 0;
    let v0 = this.h[0], v1 = this.h[1], v2 = this.h[2], v3 = this.h[3];
    for (let i = 0; i < 128; i++) {
      const word = i < 32 ? x0 : i < 64 ? x1 : i < 96 ? x2 : x3;
      if ((word >>> (31 - (i & 31))) & 1) { z0 ^= v0; z1 ^= v1; z2 ^= v2; z3 ^= v3; }
      // V = V >> 1, reduced by R = 11100001 ‖ 0^120 when a bit falls off the end.
      const carry = v3 & 1;
      v3 = (v3 >>> 1) | (v2 << 31); v2 = (v2 >>> 1) | (v1 << 31); v1 = (v1 >>> 1) | (v0 << 31); v0 >>>= 1;
      if (carry) v0 ^= 0xe1000000;
    }
    y[0] = z0; y[1] = z1; y[2] = z2; y[3] = z3;
    this.fill = 0;
  }
}

interface GcmSetup { aes: Aes; h: Uint8Array; j0: Uint8Array }

function setup(key: Uint8Array, nonce: Uint8Array): GcmSetup {
  if (nonce.length === 0) throw new RangeError("AES-GCM: empty nonce");
  const aes = new Aes(key);
  const h = new Uint8Array(16);
  aes.encryptBlock(h, 0, h, 0);
  let j0: Uint8Array;
  if (nonce.length === 12) {
    j0 = new Uint8Array(16);
    j0.set(nonce);
    j0[15] = 1;
  } else {
    const g = new Ghash(h);
    g.update(nonce);
    j0 = g.finish(0, nonce.length); // the same layout: 0^64 ‖ [len(IV)]64
  }
  return { aes, h, j0 };
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

export function aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, tagLength = 16): { ciphertext: Uint8Array; tag: Uint8Array } {
  checkTagLength(tagLength);
  const s = setup(key, nonce);
  const ciphertext = new Uint8Array(plaintext.length);
  gctr(s.aes, s.j0, plaintext, plaintext.length, ciphertext);
  return { ciphertext, tag: tagOf(s, aad, ciphertext, tagLength) };
}

/** The plaintext, or null when the tag does not match (wrong key, or damaged bytes). */
export function aesGcmDecrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | null {
  checkTagLength(tag.length);
  const s = setup(key, nonce);
  // Authenticate first: GCM's tag is over the ciphertext, so nothing is decrypted for a wrong key.
  if (!bytesEqual(tagOf(s, aad, ciphertext, tag.length), tag)) return null;
  const plaintext = new Uint8Array(ciphertext.length);
  gctr(s.aes, s.j0, ciphertext, ciphertext.length, plaintext);
  return plaintext;
}

/** The first n bytes of `data` XORed with the GCM keystream, NOT authenticated; n is cut to data.length. */
export function aesGcmKeystreamXor(key: Uint8Array, nonce: Uint8Array, data: Uint8Array, n: number): Uint8Array {
  const s = setup(key, nonce);
  const m = Math.max(0, Math.min(n, data.length));
  const out = new Uint8Array(m);
  gctr(s.aes, s.j0, data, m, out);
  return out;
}
