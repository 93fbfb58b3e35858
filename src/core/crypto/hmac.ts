// HMAC (RFC 2104) over MD5, SHA-1 and SHA-256, all with 64-byte blocks. HMAC-MD5 gives NTLMv2's
// NTOWFv2, NTProofStr and session base key (MS-NLMP 3.3.2); HMAC-SHA256 is the PRF of the SMB 3
// KDF (MS-SMB2 3.1.4.2) and of HKDF.
import { md5 } from "./md5";
import { sha1 } from "./sha1";
import { sha256 } from "./sha256";

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
export const hmacSha256 = (key: Uint8Array, data: Uint8Array) => hmac(sha256, key, data);
