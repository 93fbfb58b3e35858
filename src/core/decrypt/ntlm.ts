// NTLMv2 from the user's password: NTOWFv2, the offline password check against the captured
// NTProofStr, and the session key SMB derives its keys from (MS-NLMP 3.3.2, 3.4.5.1, 3.1.5.1.2).
// The check is a diagnosis of its own: on a logon failure it tells "the password given is what
// the client sent" from "the client sent a different password".
import { bytesEqual, concatBytes, hmacMd5, md4, rc4, utf16le } from "../crypto";

/** NTLMSSP_NEGOTIATE_KEY_EXCH (MS-NLMP 2.2.2.5, flag W). */
export const NTLMSSP_NEGOTIATE_KEY_EXCH = 0x40000000;

export interface NtlmCaptured {
  user: string; domain: string;               // as the AUTHENTICATE message carries them
  serverChallenge: Uint8Array;                // 8 bytes, CHALLENGE
  ntChallengeResponse: Uint8Array;            // the whole NtChallengeResponse of AUTHENTICATE (NTLMv2: >24 bytes)
  encryptedRandomSessionKey: Uint8Array | null;
  negotiateFlags: number;                     // AUTHENTICATE's flags
}

export type NtlmPasswordCheck =
  | { kind: "match"; exportedSessionKey: Uint8Array }
  | { kind: "mismatch" }
  | { kind: "unsupported"; why: string };

/**
 * Upper case as Windows does it for NTOWFv2, one UTF-16 code unit at a time: a unit whose
 * JavaScript upper case is longer ("ß" → "SS") stays as it is, and a surrogate half is left
 * alone, so the length never changes.
 */
function upperPerCodeUnit(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i], u = ch.toUpperCase();
    out += u.length === 1 ? u : ch;
  }
  return out;
}

/** NTOWFv2 = HMAC-MD5(MD4(UTF-16LE(Passwd)), UTF-16LE(Uppercase(User) ‖ UserDom)) (MS-NLMP 3.3.2). */
export function ntowfv2(password: string, user: string, domain: string): Uint8Array {
  return hmacMd5(md4(utf16le(password)), utf16le(upperPerCodeUnit(user) + domain));
}

// NTLMv2_RESPONSE (MS-NLMP 2.2.2.8): NTProofStr (16) then NTLMv2_CLIENT_CHALLENGE (2.2.2.7), whose
// fixed part is 28 bytes (RespType, HiRespType, reserved, TimeStamp, ChallengeFromClient, reserved).
const NTPROOFSTR_SIZE = 16;
const CLIENT_CHALLENGE_FIXED = 28;
const NTLMV1_RESPONSE_SIZE = 24;

/**
 * Checks `password` against what the client sent. "match" carries the ExportedSessionKey (the SMB
 * session key, MS-SMB2 3.2.5.3.1). Anonymous and NTLMv1 logons cannot be checked this way.
 */
export function checkNtlmPassword(password: string, cap: NtlmCaptured): NtlmPasswordCheck {
  const resp = cap.ntChallengeResponse;
  if (resp.length === 0) return { kind: "unsupported", why: "anonymous logon: the AUTHENTICATE message carries no NT response (MS-NLMP 3.2.5.1.2)" };
  if (resp.length === NTLMV1_RESPONSE_SIZE) return { kind: "unsupported", why: "NTLMv1 logon: a 24-byte NT response (MS-NLMP 3.3.1), not checked" };
  if (resp.length < NTPROOFSTR_SIZE + CLIENT_CHALLENGE_FIXED)
    return { kind: "unsupported", why: `NT response of ${resp.length} bytes: neither NTLMv1 (24) nor NTLMv2 (at least ${NTPROOFSTR_SIZE + CLIENT_CHALLENGE_FIXED})` };
  if (cap.serverChallenge.length !== 8) return { kind: "unsupported", why: `server challenge of ${cap.serverChallenge.length} bytes (8 expected)` };

  const responseKeyNT = ntowfv2(password, cap.user, cap.domain);
  const ntProofStr = resp.subarray(0, NTPROOFSTR_SIZE);
  const clientChallenge = resp.subarray(NTPROOFSTR_SIZE); // "temp" of MS-NLMP 3.3.2
  // NTProofStr = HMAC-MD5(ResponseKeyNT, CHALLENGE_MESSAGE.ServerChallenge ‖ temp)
  if (!bytesEqual(hmacMd5(responseKeyNT, concatBytes(cap.serverChallenge, clientChallenge)), ntProofStr)) return { kind: "mismatch" };

  // SessionBaseKey = HMAC-MD5(ResponseKeyNT, NTProofStr); with NTLMv2 the KeyExchangeKey is the
  // SessionBaseKey (MS-NLMP 3.4.5.1).
  const keyExchangeKey = hmacMd5(responseKeyNT, ntProofStr);
  if ((cap.negotiateFlags & NTLMSSP_NEGOTIATE_KEY_EXCH) === 0) return { kind: "match", exportedSessionKey: keyExchangeKey };
  // With KEY_EXCH the client chose a random session key and sent it RC4-encrypted with the
  // KeyExchangeKey (MS-NLMP 3.1.5.1.2).
  const erk = cap.encryptedRandomSessionKey;
  if (erk === null || erk.length !== 16)
    return { kind: "unsupported", why: `NEGOTIATE_KEY_EXCH without a 16-byte EncryptedRandomSessionKey (${erk === null ? "none" : `${erk.length} bytes`}): the password matches but the session key cannot be recovered` };
  return { kind: "match", exportedSessionKey: rc4(keyExchangeKey, erk) };
}
