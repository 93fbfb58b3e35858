// HMAC (RFC 2104) over MD5, SHA-1 and SHA-256, all with 64-byte blocks. HMAC-MD5 gives NTLMv2's
// NTOWFv2, NTProofStr and session base key (MS-NLMP 3.3.2); HMAC-SHA256 is the PRF of the SMB 3
// KDF (MS-SMB2 3.1.4.2) and of HKDF.
import { md5 } from "./md5";
import { sha1 } from "./sha1";
import { sha256, sha256Block, SHA256_IV } from "./sha256";

const BLOCK = 64;

export function hmac(hash: (d: Uint8Array) => Uint8Array, key: Uint8Array, data: Uint8Array): Uint8Array {
  // A key longer than the block is hashed first; a shorter one is padded with zeros.
  const k = key.length > BLOCK ? hash(key) : key;
  // (K ^ ipad) ‖ data and (K ^ opad) ‖ H(…) made in place: no padded key, pads or copies of them
  const inner = new Uint8Array(BLOCK + data.length);
  for (let i = 0; i < BLOCK; i++) inner[i] = (i < k.length ? k[i] : 0) ^ 0x36;
  inner.set(data, BLOCK);
  const ih = hash(inner);
  const outer = new Uint8Array(BLOCK + ih.length);
  for (let i = 0; i < BLOCK; i++) outer[i] = (i < k.length ? k[i] : 0) ^ 0x5c;
  outer.set(ih, BLOCK);
  return hash(outer);
}

export const hmacMd5 = (key: Uint8Array, data: Uint8Array) => hmac(md5, key, data);
export const hmacSha1 = (key: Uint8Array, data: Uint8Array) => hmac(sha1, key, data);
export const hmacSha256 = (key: Uint8Array, data: Uint8Array) => new HmacSha256(key).mac(data);

// The message blocks HmacSha256 pads and the state it works in: one of each for all (a mac runs
// to its end before another starts).
const BLOCKS = new Uint8Array(2 * BLOCK), STATE = new Uint32Array(8);

/**
 * HMAC-SHA256 under one key, for many messages: the states after (K ^ ipad) and (K ^ opad) are
 * kept, so each message costs the compressions of its own blocks and one for the outer hash (a
 * short one two in all, where hashing the padded key again made it four) and no copies of pads,
 * key or message. HKDF (kdf.ts, the QUIC Initial keys) and the SMB 3 KDF expand one key many times.
 */
export class HmacSha256 {
  private readonly inner = new Uint32Array(8);
  private readonly outer = new Uint32Array(8);
  constructor(key: Uint8Array) {
    const k = key.length > BLOCK ? sha256(key) : key;
    const b = BLOCKS;
    for (let i = 0; i < BLOCK; i++) b[i] = (i < k.length ? k[i] : 0) ^ 0x36;
    this.inner.set(SHA256_IV); sha256Block(this.inner, b, 0);
    for (let i = 0; i < BLOCK; i++) b[i] = (i < k.length ? k[i] : 0) ^ 0x5c;
    this.outer.set(SHA256_IV); sha256Block(this.outer, b, 0);
  }

  /** HMAC-SHA256(key, data), into out at off (a new 32-byte array when not given). */
  mac(data: Uint8Array, out: Uint8Array = new Uint8Array(32), off = 0): Uint8Array {
    const h = STATE, b = BLOCKS;
    // inner: SHA-256 of (K ^ ipad) ‖ data from the kept state; whole blocks read where they are,
    // the tail padded here (FIPS 180-4 5.1.1, its length counting the key block)
    h.set(this.inner);
    const n = data.length, whole = n - (n % BLOCK);
    for (let o = 0; o < whole; o += BLOCK) sha256Block(h, data, o);
    const rest = n - whole;
    const tail = rest + 9 <= BLOCK ? BLOCK : 2 * BLOCK;
    for (let i = 0; i < rest; i++) b[i] = data[whole + i];
    b.fill(0, rest, tail);
    b[rest] = 0x80;
    lengthBits(b, tail, BLOCK + n);
    for (let o = 0; o < tail; o += BLOCK) sha256Block(h, b, o);
    // outer: (K ^ opad) ‖ the inner hash: one block
    for (let i = 0; i < 32; i++) b[i] = h[i >> 2] >>> (24 - 8 * (i & 3));
    b.fill(0, 32, BLOCK);
    b[32] = 0x80;
    lengthBits(b, BLOCK, BLOCK + 32);
    h.set(this.outer);
    sha256Block(h, b, 0);
    for (let i = 0; i < 32; i++) out[off + i] = h[i >> 2] >>> (24 - 8 * (i & 3));
    return out;
  }
}

/** The message length `bytes` in bits, big-endian in the 8 bytes before `end` (SHA-256's padding). */
function lengthBits(b: Uint8Array, end: number, bytes: number): void {
  const bits = bytes * 8, hi = Math.floor(bits / 0x100000000), lo = bits >>> 0;
  b[end - 8] = hi >>> 24; b[end - 7] = hi >>> 16; b[end - 6] = hi >>> 8; b[end - 5] = hi;
  b[end - 4] = lo >>> 24; b[end - 3] = lo >>> 16; b[end - 2] = lo >>> 8; b[end - 1] = lo;
}
