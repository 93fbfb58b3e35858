// Builds protected QUIC Initial packets (RFC 9001 5.3, 5.4) from a plain header and frames, for the
// hostile tests: proven by rebuilding RFC 9001 A.3's published server Initial byte for byte
// (tests/quic-initial.test.ts). Test-only: the analyzer never writes packets.
import { aesGcmEncrypt } from "../../src/core/crypto";
import type { InitialKeys } from "../../src/core/quic/initial";

/** `header` ends with the packet number (`pnLen` bytes, also encoded in its first byte's low bits). */
export function protectInitial(header: Uint8Array, pnLen: number, pn: number, payload: Uint8Array, keys: InitialKeys): Uint8Array {
  const nonce = keys.iv.slice();
  for (let i = 0; i < 4; i++) nonce[11 - i] ^= (pn >>> (8 * i)) & 0xff;
  const { ciphertext, tag } = aesGcmEncrypt(keys.key, nonce, header, payload);
  const out = new Uint8Array(header.length + ciphertext.length + 16);
  out.set(header); out.set(ciphertext, header.length); out.set(tag, header.length + ciphertext.length);
  const pnOffset = header.length - pnLen;
  const mask = new Uint8Array(16);
  keys.hp.encryptBlock(out, pnOffset + 4, mask, 0);
  out[0] ^= mask[0] & 0x0f;
  for (let i = 0; i < pnLen; i++) out[pnOffset + i] ^= mask[1 + i];
  return out;
}

/** A QUIC variable-length integer (RFC 9000 16) in the fewest bytes, or in `n` bytes. */
export function varintBytes(v: number, n?: number): number[] {
  const len = n ?? (v < 64 ? 1 : v < 16384 ? 2 : v < 2 ** 30 ? 4 : 8);
  const out: number[] = [];
  let x = v;
  for (let i = 0; i < len; i++) { out.unshift(x % 256); x = Math.floor(x / 256); }
  out[0] |= [0, 0x40, 0, 0x80, 0, 0, 0, 0xc0][len - 1];
  return out;
}

/** A plain Initial header: first byte (type bits and pnLen-1), version, CIDs, token, Length covering pn + payload + tag. */
export function initialHeader(version: number, typeBits: number, dcid: Uint8Array, scid: Uint8Array, pn: number, pnLen: number, payloadLen: number, lengthBytes = 2): Uint8Array {
  const pnBytes: number[] = [];
  for (let i = pnLen - 1; i >= 0; i--) pnBytes.push((pn >>> (8 * i)) & 0xff);
  return Uint8Array.from([
    0xc0 | (typeBits << 4) | (pnLen - 1),
    version >>> 24, (version >>> 16) & 0xff, (version >>> 8) & 0xff, version & 0xff,
    dcid.length, ...dcid, scid.length, ...scid,
    0, // token length
    ...varintBytes(pnLen + payloadLen + 16, lengthBytes),
    ...pnBytes,
  ]);
}
