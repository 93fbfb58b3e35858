// HMAC (RFC 2104) over MD5, SHA-1 and SHA-256, all with 64-byte blocks. HMAC-MD5 gives NTLMv2's
// NTOWFv2, NTProofStr and session base key (MS-NLMP 3.3.2); HMAC-SHA256 is the PRF of the SMB 3
// KDF (MS-SMB2 3.1.4.2) and of HKDF.
import { concatBytes } from "./bytes";
import { md5 } from "./md5";
import { sha1 } from "./sha1";
import { sha256 } from "./sha256";

const BLOCK = 64;

export function hmac(hash: (d: Uint8Array) => Uint8Array, key: Uint8Array, data: Uint8Array): Uint8Array {
  // A key longer than the block is hashed first; a shorter one is padded with zeros.
  const k = new Uint8Array(BLOCK);
  k.set(key.length > BLOCK ? hash(key) : key);
  const ipad = new Uint8Array(BLOCK), opad = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) { ipad[i] = k[i] ^ 0x36; opad[i] = k[i] ^ 0x5c; }
  return hash(concatBytes(opad, hash(concatBytes(ipad, data))));
}

export const hmacMd5 = (key: Uint8Array, data: Uint8Array) => hmac(md5, key, data);
export const hmacSha1 = (key: Uint8Array, data: Uint8Array) => hmac(sha1, key, data);
export const hmacSha256 = (key: Uint8Array, data: Uint8Array) => hmac(sha256, key, data);
