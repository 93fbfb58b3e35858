// NTLMSSP messages (MS-NLMP 2.2.1): NEGOTIATE, CHALLENGE, AUTHENTICATE. Emits who and what
// (flags, names, the SPN the client aimed at, NTLM version, MIC presence) — never the challenge,
// the LM/NT responses, the MIC or the session key, except in decryption mode (out.ts
// decryptMode: the caller holds a password to check): then the server challenge, the NT response
// and the encrypted session key too, which the decrypt stage needs and no view shows.
//
// Every variable field is an (Len u16, MaxLen u16, BufferOffset u32) triple (MS-NLMP 2.2.1,
// "…Fields"); each is checked against the message before its bytes are copied.
import {
  F_NTLM_TYPE, F_NTLM_FLAGS, F_NTLM_USER, F_NTLM_DOMAIN, F_NTLM_HOST, F_NTLM_TARGET, F_NTLM_NB_COMPUTER,
  F_NTLM_NB_DOMAIN, F_NTLM_DNS_COMPUTER, F_NTLM_DNS_DOMAIN, F_NTLM_SPN, F_NTLM_AV_FLAGS, F_NTLM_VERSION,
  F_NTLM_MIC, F_NTLM_TIMESTAMP, F_NTLM_DNS_TREE, F_NTLM_OS_VERSION, F_NTLM_CHALLENGE, F_NTLM_NT_RESPONSE,
  F_NTLM_SESSION_KEY, T_STR, T_UTF16, T_BYTES,
} from "../events";
import { AL_NTLM, AE_TRUNCATED, AE_NTLM_TYPE, AE_BOUNDS } from "./auth/errors";
import { authFail } from "./asn1";
import { u8at, u16le, u32le, u64le } from "../util";
import { fU32, fU64, fBytes, fRaw, decryptMode } from "../out";

const NEGOTIATE_UNICODE: u32 = 0x00000001; // MS-NLMP 2.2.2.5 flag A
const NEGOTIATE_VERSION: u32 = 0x02000000; // flag T: a VERSION structure follows the fixed fields
const MSV_AV_FLAGS_MIC: u32 = 0x2; // MS-NLMP 2.2.2.1 MsvAvFlags: the AUTHENTICATE carries a MIC
const MAX_AV_PAIRS: u32 = 64;

/** True when the `len` bytes at p start with the signature "NTLMSSP\0" and a message type. */
export function isNtlmssp(p: usize, len: u32): bool {
  return len >= 12 && u32le(p) == 0x4d4c544e && u32le(p + 4) == 0x00505353;
}

// The field triple last read by field()
let fPtr: usize = 0;
let fLen: u32 = 0;

/** Reads the …Fields triple at offset `off` of the message (p, len); false if it points outside. */
function field(p: usize, len: u32, off: u32): bool {
  fPtr = 0; fLen = 0;
  if (off + 8 > len) return false; // triple itself absent: treat as empty
  const l = u16le(p + off);
  const o = u32le(p + off + 4);
  if (l == 0) return true;
  if (<u64>o + <u64>l > <u64>len) { authFail(AL_NTLM, AE_BOUNDS, p + off); return false; }
  fPtr = p + o; fLen = l;
  return true;
}

/** A string field: UTF-16LE when NTLMSSP_NEGOTIATE_UNICODE was negotiated, OEM otherwise. Empty strings are emitted too. */
function strField(p: usize, len: u32, off: u32, id: u32, unicode: bool): void {
  if (off + 8 > len) return;
  if (!field(p, len, off)) return;
  if (unicode) fBytes(id, T_UTF16, fPtr, fLen & ~1);
  else fBytes(id, T_STR, fPtr, fLen);
}

/** The VERSION structure (MS-NLMP 2.2.2.10) at p: major, minor, build. */
function osVersion(p: usize): void {
  fU32(F_NTLM_OS_VERSION, u8at(p) | (u8at(p + 1) << 8) | (u16le(p + 2) << 16));
}

let avFlags: u32 = 0;
let hasAvFlags = false;

/** AV_PAIR list (MS-NLMP 2.2.2.1) in [p, lim): names, MsvAvFlags, timestamp, target SPN. */
function avPairs(p: usize, lim: usize): void {
  let q = p;
  let seen: u32 = 0; // one field per AvId: a repeated pair must not repeat a field
  for (let n: u32 = 0; n < MAX_AV_PAIRS && q + 4 <= lim; n++) {
    const id = u16le(q);
    const l = u16le(q + 2);
    const v = q + 4;
    if (<u64>v + l > <u64>lim) { authFail(AL_NTLM, AE_BOUNDS, q); return; }
    if (id == 0) return; // MsvAvEOL
    q = v + l;
    if (id > 31 || (seen & (1 << id)) != 0) continue;
    seen |= 1 << id;
    switch (id) {
      case 1: fBytes(F_NTLM_NB_COMPUTER, T_UTF16, v, l & ~1); break;
      case 2: fBytes(F_NTLM_NB_DOMAIN, T_UTF16, v, l & ~1); break;
      case 3: fBytes(F_NTLM_DNS_COMPUTER, T_UTF16, v, l & ~1); break;
      case 4: fBytes(F_NTLM_DNS_DOMAIN, T_UTF16, v, l & ~1); break;
      case 5: fBytes(F_NTLM_DNS_TREE, T_UTF16, v, l & ~1); break;
      case 6: if (l >= 4) { avFlags = u32le(v); hasAvFlags = true; fU32(F_NTLM_AV_FLAGS, avFlags); } break;
      case 7: if (l >= 8) fU64(F_NTLM_TIMESTAMP, u64le(v)); break;
      case 9: fBytes(F_NTLM_SPN, T_UTF16, v, l & ~1); break; // MsvAvTargetName: checked by SMB server name hardening
      default: break;
    }
  }
}

/** One NTLMSSP message of `len` bytes at p (isNtlmssp() was true). */
export function ntlmMessage(p: usize, len: u32): void {
  const type = u32le(p + 8);
  fU32(F_NTLM_TYPE, type);
  if (type == 1) negotiate(p, len);
  else if (type == 2) challenge(p, len);
  else if (type == 3) authenticate(p, len);
  else authFail(AL_NTLM, AE_NTLM_TYPE, p + 8);
}

// NEGOTIATE_MESSAGE (2.2.1.1): Signature, MessageType, NegotiateFlags @12, DomainNameFields @16,
// WorkstationFields @24, Version @32.
function negotiate(p: usize, len: u32): void {
  if (len < 16) { authFail(AL_NTLM, AE_TRUNCATED, p + len); return; }
  const flags = u32le(p + 12);
  fU32(F_NTLM_FLAGS, flags);
  if ((flags & NEGOTIATE_VERSION) != 0 && len >= 40) osVersion(p + 32);
}

// CHALLENGE_MESSAGE (2.2.1.2): TargetNameFields @12, NegotiateFlags @20, ServerChallenge @24,
// Reserved @32, TargetInfoFields @40, Version @48.
function challenge(p: usize, len: u32): void {
  if (len < 24) { authFail(AL_NTLM, AE_TRUNCATED, p + len); return; }
  const flags = u32le(p + 20);
  fU32(F_NTLM_FLAGS, flags);
  strField(p, len, 12, F_NTLM_TARGET, (flags & NEGOTIATE_UNICODE) != 0);
  if (decryptMode && len >= 32) fBytes(F_NTLM_CHALLENGE, T_BYTES, p + 24, 8);
  if (len >= 48 && field(p, len, 40) && fLen > 0) avPairs(fPtr, fPtr + fLen);
  if ((flags & NEGOTIATE_VERSION) != 0 && len >= 56) osVersion(p + 48);
}

// AUTHENTICATE_MESSAGE (2.2.1.3): LmChallengeResponseFields @12, NtChallengeResponseFields @20,
// DomainNameFields @28, UserNameFields @36, WorkstationFields @44,
// EncryptedRandomSessionKeyFields @52, NegotiateFlags @60, Version @64, MIC @72.
function authenticate(p: usize, len: u32): void {
  if (len < 52) { authFail(AL_NTLM, AE_TRUNCATED, p + len); return; }
  // Very old clients end the fixed part before NegotiateFlags; Unicode is then the norm.
  const flags: u32 = len >= 64 ? u32le(p + 60) : NEGOTIATE_UNICODE;
  if (len >= 64) fU32(F_NTLM_FLAGS, flags);
  const unicode = (flags & NEGOTIATE_UNICODE) != 0;
  strField(p, len, 28, F_NTLM_DOMAIN, unicode);
  strField(p, len, 36, F_NTLM_USER, unicode);
  strField(p, len, 44, F_NTLM_HOST, unicode);
  const lmLen: u32 = field(p, len, 12) ? fLen : 0;
  const userLen: u32 = field(p, len, 36) ? fLen : 0;
  if (decryptMode && len >= 60) { // EncryptedRandomSessionKeyFields, checked quietly (the view never reads it)
    const kl = u16le(p + 52), ko = u32le(p + 56);
    if (<u64>ko + <u64>kl <= <u64>len) fBytes(F_NTLM_SESSION_KEY, T_BYTES, p + ko, kl);
  }
  if (!field(p, len, 20)) return;
  const nt = fPtr, ntLen = fLen;
  if (decryptMode) fRaw(F_NTLM_NT_RESPONSE, nt, ntLen);
  // 3.3.1 / 3.3.2: a 24-byte NtChallengeResponse is NTLMv1; NTLMv2 is 16 bytes of NTProofStr
  // followed by NTLMv2_CLIENT_CHALLENGE (2.2.2.7), whose AV pairs start 28 bytes in.
  // Anonymous (3.2.5.1.2 / 3.3.1): empty user, NT response empty, LM response empty or Z(1).
  avFlags = 0; hasAvFlags = false;
  if (ntLen > 24) {
    fU32(F_NTLM_VERSION, 2);
    if (ntLen > 44) avPairs(nt + 44, nt + ntLen);
    fU32(F_NTLM_MIC, hasAvFlags && (avFlags & MSV_AV_FLAGS_MIC) != 0 ? 1 : 0);
  } else if (ntLen == 24) fU32(F_NTLM_VERSION, 1);
  else if (ntLen == 0 && lmLen <= 1 && userLen == 0) fU32(F_NTLM_VERSION, 0);
  else if (ntLen == 0 && lmLen == 24) fU32(F_NTLM_VERSION, 1); // LM response only
  if ((flags & NEGOTIATE_VERSION) != 0 && len >= 72) osVersion(p + 64);
}
