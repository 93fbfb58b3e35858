// Byte helpers shared by the crypto modules: concatenation, constant-time comparison, big-endian
// integers. Kept apart so every primitive reads the same way.

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Equal length and content; the time taken does not depend on where the first difference is. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

export function writeU32BE(out: Uint8Array, off: number, v: number): void {
  out[off] = v >>> 24; out[off + 1] = v >>> 16; out[off + 2] = v >>> 8; out[off + 3] = v;
}

export function readU32BE(b: Uint8Array, off: number): number {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}

/** UTF-16LE bytes of a JavaScript string (its code units as they are), as NTLM hashes them. */
export function utf16le(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); out[2 * i] = c; out[2 * i + 1] = c >>> 8; }
  return out;
}
