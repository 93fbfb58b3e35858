// Merkle–Damgård message padding shared by MD4, MD5, SHA-1, SHA-256 (64-byte blocks) and SHA-512
// (128-byte blocks): the message, a 0x80 byte, zeros, then the message length in bits (RFC 1320
// 3.1–3.2, FIPS 180-4 5.1). Whole blocks are compressed straight from the input; only the last
// one or two blocks are built here, so hashing copies nothing but the tail.

/**
 * The final block(s) of `data`: its last `data.length % blockSize` bytes, the 0x80 byte, zeros,
 * and the bit length (8 bytes for 64-byte blocks, 16 for 128-byte ones), little- or big-endian.
 */
export function finalBlocks(data: Uint8Array, blockSize: 64 | 128, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(2 * blockSize);
  return out.subarray(0, finalBlocksInto(data, blockSize, littleEndian, out));
}

/** finalBlocks written into `out` (2 × blockSize bytes at least); returns their length (one or two blocks). */
export function finalBlocksInto(data: Uint8Array, blockSize: 64 | 128, littleEndian: boolean, out: Uint8Array): number {
  const lenBytes = blockSize === 64 ? 8 : 16;
  const rest = data.length % blockSize;
  const total = rest + 1 + lenBytes <= blockSize ? blockSize : 2 * blockSize;
  out.set(data.subarray(data.length - rest), 0);
  out.fill(0, rest, total);
  out[rest] = 0x80;
  // Bit length as a 64-bit number (messages here are far below 2^53 bits; the high half of
  // SHA-512's 128-bit field stays zero).
  const bits = data.length * 8;
  const lo = bits >>> 0, hi = Math.floor(bits / 0x100000000) >>> 0;
  if (littleEndian) {
    const o = total - 8;
    for (let i = 0; i < 4; i++) { out[o + i] = lo >>> (8 * i); out[o + 4 + i] = hi >>> (8 * i); }
  } else {
    const o = total - 8;
    for (let i = 0; i < 4; i++) { out[o + 3 - i] = hi >>> (8 * i); out[o + 7 - i] = lo >>> (8 * i); }
  }
  return total;
}
