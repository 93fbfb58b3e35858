// AES-CCM (NIST SP 800-38C; RFC 3610): CBC-MAC over the formatted input, then counter mode.
// SMB 3.0/3.0.2 always, and 3.1.1 when negotiated, use an 11-byte nonce and a 16-byte tag
// (MS-SMB2 2.2.41, 3.1.4.3). The code takes any nonce of 7–13 bytes and any even tag of 4–16, so
// the SP 800-38C appendix C examples run through the same path.
import { Aes } from "./aes";
import { bytesEqual } from "./bytes";

function checkParams(nonce: Uint8Array, tagLength: number, payloadLength: number): void {
  if (nonce.length < 7 || nonce.length > 13) throw new RangeError(`AES-CCM: nonce of ${nonce.length} bytes (7 to 13 expected)`);
  if (tagLength < 4 || tagLength > 16 || tagLength % 2 !== 0) throw new RangeError(`AES-CCM: tag of ${tagLength} bytes (4, 6, …, 16 expected)`);
  const q = 15 - nonce.length;
  if (q < 4 && payloadLength >= 2 ** (8 * q)) throw new RangeError(`AES-CCM: ${payloadLength} bytes do not fit a ${q}-byte length field`);
}

/** CBC-MAC with zero padding: bytes are XORed into the chaining block, which is encrypted when full. */
class CbcMac {
  readonly y = new Uint8Array(16);
  private fill = 0;
  constructor(private readonly aes: Aes) {}
  update(data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      this.y[this.fill++] ^= data[i];
      if (this.fill === 16) { this.aes.encryptBlock(this.y, 0, this.y, 0); this.fill = 0; }
    }
  }
  /** Ends the current part with zeros up to the block boundary. */
  pad(): void {
    if (this.fill > 0) { this.aes.encryptBlock(this.y, 0, this.y, 0); this.fill = 0; }
  }
}

/** Counter block i (SP 800-38C A.3): flags q-1, the nonce, i in the last q bytes. */
function counterBlock(nonce: Uint8Array, ctr: Uint8Array): void {
  ctr.fill(0);
  ctr[0] = 14 - nonce.length; // q - 1
  ctr.set(nonce, 1);
}
function incrementCounter(ctr: Uint8Array, q: number): void {
  for (let i = 15; i >= 16 - q; i--) {
    ctr[i] = (ctr[i] + 1) & 0xff;
    if (ctr[i] !== 0) break;
  }
}

/** out[0..n] = data[0..n] XOR the keystream S1, S2, … (counter mode from counter 1). */
function ctrXor(aes: Aes, nonce: Uint8Array, data: Uint8Array, n: number, out: Uint8Array): void {
  const ctr = new Uint8Array(16), ks = new Uint8Array(16);
  counterBlock(nonce, ctr);
  const q = 15 - nonce.length;
  for (let o = 0; o < n; o += 16) {
    incrementCounter(ctr, q);
    aes.encryptBlock(ctr, 0, ks, 0);
    const m = Math.min(16, n - o);
    for (let i = 0; i < m; i++) out[o + i] = data[o + i] ^ ks[i];
  }
}

/** The CBC-MAC T of SP 800-38C 6.1 steps 1–4 (all 16 bytes; the caller truncates). */
function cbcMac(aes: Aes, nonce: Uint8Array, aad: Uint8Array, payload: Uint8Array, tagLength: number): Uint8Array {
  const q = 15 - nonce.length;
  const b0 = new Uint8Array(16);
  b0[0] = (aad.length > 0 ? 0x40 : 0) | (((tagLength - 2) / 2) << 3) | (q - 1);
  b0.set(nonce, 1);
  for (let i = 0, len = payload.length; i < q; i++, len = Math.floor(len / 256)) b0[15 - i] = len & 0xff;
  const mac = new CbcMac(aes);
  mac.update(b0);
  if (aad.length > 0) {
    // The associated data's length (SP 800-38C A.2.2): 2 bytes below 2^16 - 2^8, else 0xFFFE and 4 bytes.
    if (aad.length < 0xff00) mac.update(new Uint8Array([aad.length >>> 8, aad.length & 0xff]));
    else mac.update(new Uint8Array([0xff, 0xfe, aad.length >>> 24, aad.length >>> 16, aad.length >>> 8, aad.length]));
    mac.update(aad);
    mac.pad();
  }
  mac.update(payload);
  mac.pad();
  return mac.y;
}

/** The tag's mask: S0 = E(counter block 0). */
function s0(aes: Aes, nonce: Uint8Array): Uint8Array {
  const ctr = new Uint8Array(16);
  counterBlock(nonce, ctr);
  aes.encryptBlock(ctr, 0, ctr, 0);
  return ctr;
}

export function aesCcmEncrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, tagLength = 16): { ciphertext: Uint8Array; tag: Uint8Array } {
  checkParams(nonce, tagLength, plaintext.length);
  const aes = new Aes(key);
  const t = cbcMac(aes, nonce, aad, plaintext, tagLength);
  const mask = s0(aes, nonce);
  const tag = new Uint8Array(tagLength);
  for (let i = 0; i < tagLength; i++) tag[i] = t[i] ^ mask[i];
  const ciphertext = new Uint8Array(plaintext.length);
  ctrXor(aes, nonce, plaintext, plaintext.length, ciphertext);
  return { ciphertext, tag };
}

/** The plaintext, or null when the tag does not match (wrong key, or damaged bytes). */
export function aesCcmDecrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | null {
  checkParams(nonce, tag.length, ciphertext.length);
  const aes = new Aes(key);
  const plaintext = new Uint8Array(ciphertext.length);
  ctrXor(aes, nonce, ciphertext, ciphertext.length, plaintext);
  const t = cbcMac(aes, nonce, aad, plaintext, tag.length);
  const mask = s0(aes, nonce);
  const expected = new Uint8Array(tag.length);
  for (let i = 0; i < tag.length; i++) expected[i] = t[i] ^ mask[i];
  return bytesEqual(expected, tag) ? plaintext : null;
}

/**
 * The first n bytes of `data` XORed with the CCM keystream: the first n plaintext bytes of a
 * ciphertext, NOT authenticated (the tag covers the whole message). n is cut to data.length.
 */
export function aesCcmKeystreamXor(key: Uint8Array, nonce: Uint8Array, data: Uint8Array, n: number): Uint8Array {
  checkParams(nonce, 16, data.length);
  const m = Math.max(0, Math.min(n, data.length));
  const out = new Uint8Array(m);
  ctrXor(new Aes(key), nonce, data, m, out);
  return out;
}
