// The SMB2 TRANSFORM_HEADER (MS-SMB2 2.2.41) and the message it encrypts (3.1.4.3, 3.2.5.1.1.1).
// Bytes, all little-endian:
//   0  ProtocolId 0xFD 'S' 'M' 'B'      4  Signature (16): the AEAD tag
//  20  Nonce (16): AES-CCM uses the first 11 bytes, AES-GCM the first 12
//  36  OriginalMessageSize (4)         40  Reserved (2)
//  42  Flags (3.1.1) / EncryptionAlgorithm (3.0, 3.0.2) (2)
//  44  SessionId (8)                   52  the encrypted message, OriginalMessageSize bytes
// The AEAD's associated data is bytes 20..52 (Nonce through SessionId).
// Everything here reads a capture's bytes: a damaged or lying header gives null (or an empty
// peek), never a throw and never a read past the message.
import { aesCcmDecrypt, aesCcmKeystreamXor, aesGcmDecrypt, aesGcmKeystreamXor } from "../crypto";
import { is256BitCipher, isGcmCipher, isKnownCipher } from "./smb3keys";

export const TRANSFORM_HEADER_SIZE = 52;
export const TRANSFORM_PROTOCOL_ID = 0x424d53fd; // 0xFD 'S' 'M' 'B' read little-endian
const SIGNATURE = 4, NONCE = 20, ORIGINAL_SIZE = 36, FLAGS = 42, SESSION_ID = 44;
const CCM_NONCE_SIZE = 11, GCM_NONCE_SIZE = 12, TAG_SIZE = 16;

export interface TransformHeader {
  signature: Uint8Array;       // 16 bytes, the AEAD tag
  nonce: Uint8Array;           // all 16 bytes of the field
  originalMessageSize: number;
  flags: number;               // 0x0001 Encrypted (3.1.1) / EncryptionAlgorithm AES-128-CCM (3.0, 3.0.2)
  sessionId: bigint;
}

/** The header fields, or null when `message` is shorter than the header or not a TRANSFORM message. */
export function parseTransformHeader(message: Uint8Array): TransformHeader | null {
  if (message.length < TRANSFORM_HEADER_SIZE) return null;
  const dv = new DataView(message.buffer, message.byteOffset, TRANSFORM_HEADER_SIZE);
  if (dv.getUint32(0, true) !== TRANSFORM_PROTOCOL_ID) return null;
  return {
    signature: message.subarray(SIGNATURE, SIGNATURE + TAG_SIZE),
    nonce: message.subarray(NONCE, NONCE + 16),
    originalMessageSize: dv.getUint32(ORIGINAL_SIZE, true),
    flags: dv.getUint16(FLAGS, true),
    sessionId: dv.getBigUint64(SESSION_ID, true),
  };
}

/** Header and cipher fit together: the ciphertext bytes within the message, or null. */
function ciphertextOf(message: Uint8Array, key: Uint8Array, cipher: number): { h: TransformHeader; ct: Uint8Array } | null {
  if (!isKnownCipher(cipher) || key.length !== (is256BitCipher(cipher) ? 32 : 16)) return null;
  const h = parseTransformHeader(message);
  if (h === null || h.originalMessageSize > message.length - TRANSFORM_HEADER_SIZE) return null;
  return { h, ct: message.subarray(TRANSFORM_HEADER_SIZE, TRANSFORM_HEADER_SIZE + h.originalMessageSize) };
}

/**
 * The decrypted, authenticated message (an SMB2 message, or a compressed one, 0xFC 'S' 'M' 'B'),
 * or null: not a TRANSFORM message, an OriginalMessageSize larger than what follows, an unknown
 * cipher, a key of the wrong size for it, or a tag that does not match (wrong key, damaged bytes).
 */
export function decryptTransform(message: Uint8Array, key: Uint8Array, cipher: number): Uint8Array | null {
  const x = ciphertextOf(message, key, cipher);
  if (x === null) return null;
  const aad = message.subarray(NONCE, TRANSFORM_HEADER_SIZE);
  return isGcmCipher(cipher)
    ? aesGcmDecrypt(key, x.h.nonce.subarray(0, GCM_NONCE_SIZE), aad, x.ct, x.h.signature)
    : aesCcmDecrypt(key, x.h.nonce.subarray(0, CCM_NONCE_SIZE), aad, x.ct, x.h.signature);
}

/**
 * The first n plaintext bytes (e.g. the 64-byte SMB2 header: command, status) without
 * authenticating: counter mode lets them be read without the rest. Cut to OriginalMessageSize and
 * to the bytes present; empty when the header or the key does not fit (as decryptTransform's null).
 * Unauthenticated: a wrong key gives garbage here, so check a header's shape, or decrypt whole.
 */
export function peekTransform(message: Uint8Array, key: Uint8Array, cipher: number, n: number): Uint8Array {
  if (!isKnownCipher(cipher) || key.length !== (is256BitCipher(cipher) ? 32 : 16)) return new Uint8Array(0);
  const h = parseTransformHeader(message);
  if (h === null) return new Uint8Array(0);
  const avail = Math.min(h.originalMessageSize, message.length - TRANSFORM_HEADER_SIZE);
  const m = Math.max(0, Math.min(Number.isFinite(n) ? Math.floor(n) : 0, avail));
  const ct = message.subarray(TRANSFORM_HEADER_SIZE, TRANSFORM_HEADER_SIZE + m);
  return isGcmCipher(cipher)
    ? aesGcmKeystreamXor(key, h.nonce.subarray(0, GCM_NONCE_SIZE), ct, m)
    : aesCcmKeystreamXor(key, h.nonce.subarray(0, CCM_NONCE_SIZE), ct, m);
}
