// A small incremental SHA-256 (FIPS 180-4) in plain TypeScript. crypto.subtle.digest() has no
// streaming API, and a capture may be far larger than we want in memory, so the worker hashes
// each slice it reads as it goes. ~150-300 MB/s in V8: hashing costs less than decoding.
import { SHA256_K } from "../core/crypto/sha256";

// the round constants of FIPS 180-4 4.2.2, viewed signed for the |0 arithmetic below
const K = new Int32Array(SHA256_K.buffer, SHA256_K.byteOffset, SHA256_K.length);

export class Sha256 {
  private readonly h = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  private readonly w = new Int32Array(64);
  private readonly buf = new Uint8Array(64);
  private bufLen = 0;
  private bytes = 0; // total length; exact up to 2^53
  private done = false;

  update(data: Uint8Array): this {
    if (this.done) throw new Error("Sha256: update() after digest()");
    let p = 0;
    const n = data.length;
    this.bytes += n;
    if (this.bufLen > 0) {
      const take = Math.min(64 - this.bufLen, n);
      this.buf.set(data.subarray(0, take), this.bufLen);
      this.bufLen += take;
      p = take;
      if (this.bufLen < 64) return this;
      this.block(this.buf, 0);
      this.bufLen = 0;
    }
    for (; p + 64 <= n; p += 64) this.block(data, p);
    if (p < n) { this.buf.set(data.subarray(p), 0); this.bufLen = n - p; }
    return this;
  }

  /** The digest as 64 lowercase hex digits. */
  hex(): string {
    if (!this.done) this.finish();
    let s = "";
    for (let i = 0; i < 8; i++) s += (this.h[i] >>> 0).toString(16).padStart(8, "0");
    return s;
  }

  private finish(): void {
    const bitsHi = Math.floor(this.bytes / 0x20000000); // bytes * 8 / 2^32
    const bitsLo = (this.bytes * 8) >>> 0;
    const b = this.buf;
    b[this.bufLen++] = 0x80;
    if (this.bufLen > 56) { b.fill(0, this.bufLen); this.block(b, 0); this.bufLen = 0; }
    b.fill(0, this.bufLen, 56);
    b[56] = bitsHi >>> 24; b[57] = bitsHi >>> 16; b[58] = bitsHi >>> 8; b[59] = bitsHi;
    b[60] = bitsLo >>> 24; b[61] = bitsLo >>> 16; b[62] = bitsLo >>> 8; b[63] = bitsLo;
    this.block(b, 0);
    this.done = true;
  }

  private block(d: Uint8Array, p: number): void {
    const w = this.w, h = this.h;
    for (let i = 0; i < 16; i++, p += 4) w[i] = (d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3];
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15], b = w[i - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let a = h[0], b = h[1], c = h[2], dd = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g; g = f; f = e; e = (dd + t1) | 0; dd = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + dd) | 0;
    h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
  }
}

export function sha256Hex(data: Uint8Array): string { return new Sha256().update(data).hex(); }
