// SPNEGO (RFC 4178 4.2, MS-SPNG 2.2) and the GSS-API token framing around it (RFC 2743 3.1,
// RFC 4121 4.1 for Kerberos), plus the dispatch of a security token to NTLMSSP / Kerberos / NegoEx.
//
// securityToken() is the one entry: a whole SMB security blob, or (with allowSpnego = false) the
// mechToken / responseToken inside SPNEGO. SPNEGO inside SPNEGO is refused, so the call chain is
// at most blob → SPNEGO → inner token → Kerberos message → PA-TGS-REQ AP-REQ, whatever the input.
import {
  F_MECH_TYPES, F_NEG_STATE, F_SPNEGO_MECH, F_NEG_MIC, T_BYTES,
  MECH_UNKNOWN, MECH_NTLM, MECH_KERBEROS, MECH_MS_KERBEROS, MECH_NEGOEX, MECH_SPNEGO, MECH_KRB_U2U,
} from "../events";
import { AL_GSS, AL_SPNEGO, AE_TAG, AE_EMPTY, AE_UNKNOWN, AE_TRUNCATED } from "./auth/errors";
import { tlv, expectTag, derCheck, intIn, asnFail, authFail, aTag, aVal, aLen, aEnd, aInt } from "./asn1";
import { isNtlmssp, ntlmMessage } from "./ntlmssp";
import { krbMessage, KRB_MODE_MAIN } from "./kerberos";
import { u8at, u16be, u32le } from "../util";
import { fU32, fBytes } from "../out";

// OID contents (X.690 8.19), without the 0x06 tag and length
const OID_SPNEGO = memory.data<u8>([0x2b, 0x06, 0x01, 0x05, 0x05, 0x02]); // 1.3.6.1.5.5.2
const OID_KRB5 = memory.data<u8>([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02]); // 1.2.840.113554.1.2.2
const OID_MS_KRB5 = memory.data<u8>([0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02]); // 1.2.840.48018.1.2.2
const OID_KRB5_U2U = memory.data<u8>([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x03]); // 1.2.840.113554.1.2.2.3
const OID_NTLM = memory.data<u8>([0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a]); // 1.3.6.1.4.1.311.2.2.10
const OID_NEGOEX = memory.data<u8>([0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x1e]); // 1.3.6.1.4.1.311.2.2.30

function oidIs(v: usize, len: u32, oid: usize, oidLen: u32): bool {
  return len == oidLen && memory.compare(v, oid, len) == 0;
}

/** MECH_* of an OID's contents; MECH_SPNEGO for SPNEGO itself, MECH_UNKNOWN otherwise. */
function oidMech(v: usize, len: u32): u32 {
  if (oidIs(v, len, OID_KRB5, 9)) return MECH_KERBEROS;
  if (oidIs(v, len, OID_MS_KRB5, 9)) return MECH_MS_KERBEROS;
  if (oidIs(v, len, OID_NTLM, 10)) return MECH_NTLM;
  if (oidIs(v, len, OID_NEGOEX, 10)) return MECH_NEGOEX;
  if (oidIs(v, len, OID_KRB5_U2U, 10)) return MECH_KRB_U2U;
  if (oidIs(v, len, OID_SPNEGO, 6)) return MECH_SPNEGO;
  return MECH_UNKNOWN;
}

// F_MECH of the record: what the (inner) token actually is; the first decision wins.
let mech: i32 = -1;
export function spnegoBegin(): void { mech = -1; }
export function blobMech(): i32 { return mech; }
function setMech(m: u32): void { if (mech < 0) mech = <i32>m; }

const MAX_MECHS: u32 = 16;
let mechList: usize = 0; // not memory.data: see kerberos.ts krbInit
export function spnegoInit(): void { mechList = heap.alloc(MAX_MECHS); }

/** A security token in [p, lim). */
export function securityToken(p: usize, lim: usize, allowSpnego: bool): void {
  const len = <u32>(lim - p);
  if (len == 0) { authFail(AL_GSS, AE_EMPTY, p); return; }
  if (isNtlmssp(p, len)) { setMech(MECH_NTLM); ntlmMessage(p, len); return; }
  // NegoEx MESSAGE_HEADER (MS-NEGOEX 2.2.6.2) starts with the signature "NEGOEXTS"
  if (len >= 8 && u32le(p) == 0x4f47454e && u32le(p + 4) == 0x53545845) { setMech(MECH_NEGOEX); return; }
  const t = u8at(p);
  if (t == 0x60) { gssToken(p, lim, allowSpnego); return; }
  if ((t == 0xa0 || t == 0xa1) && allowSpnego) { negotiationToken(p, lim); return; }
  // A bare Kerberos message (AP-REQ / AP-REP / KRB-ERROR without the RFC 4121 framing)
  if (t == 0x6e || t == 0x6f || t == 0x7e) { setMech(MECH_KERBEROS); krbMessage(p, lim, KRB_MODE_MAIN); return; }
  setMech(MECH_UNKNOWN);
  authFail(AL_GSS, AE_UNKNOWN, p);
}

/**
 * InitialContextToken (RFC 2743 3.1): [APPLICATION 0] { thisMech OID, innerToken }. SPNEGO's
 * innerToken is a NegotiationToken; Kerberos' (RFC 4121 4.1) is a 2-byte TOK_ID then the
 * message: 01 00 AP-REQ, 02 00 AP-REP, 03 00 KRB-ERROR.
 */
function gssToken(p: usize, lim: usize, allowSpnego: bool): void {
  if (!tlv(p, lim)) { asnFail(AL_GSS); return; }
  const e = aEnd;
  if (aLen == 0) { authFail(AL_GSS, AE_EMPTY, p); return; }
  if (!expectTag(aVal, e, 0x06)) { asnFail(AL_GSS); return; }
  const m = oidMech(aVal, aLen);
  const q = aEnd;
  if (m == MECH_SPNEGO) {
    if (!allowSpnego) { setMech(MECH_UNKNOWN); authFail(AL_GSS, AE_UNKNOWN, p); return; }
    negotiationToken(q, e);
    return;
  }
  if (m == MECH_KERBEROS || m == MECH_MS_KERBEROS || m == MECH_KRB_U2U) {
    setMech(m);
    if (q + 2 > e) { authFail(AL_GSS, AE_TRUNCATED, q); return; }
    const tokId = u16be(q);
    if (tokId == 0x0100 || tokId == 0x0200 || tokId == 0x0300) krbMessage(q + 2, e, KRB_MODE_MAIN);
    return; // other TOK_IDs (RFC 1964 MIC/wrap tokens, U2U TGT-REQ) carry nothing we report
  }
  setMech(MECH_UNKNOWN);
  authFail(AL_GSS, AE_UNKNOWN, p);
}

/** A mechListMIC that is a Kerberos GSS token (see negTokenResp): decoded quietly, as an extra message. */
function micToken(p: usize, lim: usize): void {
  if (!tlv(p, lim)) return;
  const te = aEnd;
  if (!expectTag(aVal, te, 0x06)) return;
  const m = oidMech(aVal, aLen);
  const q = aEnd;
  if ((m != MECH_KERBEROS && m != MECH_MS_KERBEROS) || q + 2 > te) return;
  const tokId = u16be(q);
  if (tokId == 0x0100 || tokId == 0x0200 || tokId == 0x0300) krbMessage(q + 2, te, KRB_MODE_MAIN);
}

/** NegotiationToken ::= CHOICE { negTokenInit [0], negTokenResp [1] } (RFC 4178 4.2). */
function negotiationToken(p: usize, lim: usize): void {
  if (!derCheck(p, lim)) { asnFail(AL_SPNEGO); return; }
  tlv(p, lim);
  const t = aTag;
  if (!expectTag(aVal, aEnd, 0x30)) { asnFail(AL_SPNEGO); return; }
  if (t == 0xa0) negTokenInit(aVal, aEnd);
  else if (t == 0xa1) negTokenResp(aVal, aEnd);
  else authFail(AL_SPNEGO, AE_TAG, p);
}

/**
 * NegTokenInit (RFC 4178 4.2.1) / NegTokenInit2 (MS-SPNG 2.2.1): mechTypes [0], reqFlags [1],
 * mechToken [2], then [3] mechListMIC (RFC) or negHints (MS-SPNG), [4] mechListMIC.
 */
function negTokenInit(p: usize, lim: usize): void {
  let q = p;
  let tok: usize = 0, tokEnd: usize = 0;
  let hasTok = false;
  while (q < lim) {
    if (!tlv(q, lim)) { asnFail(AL_SPNEGO); return; }
    const t = aTag, v = aVal, ve = aEnd;
    q = ve;
    if (t == 0xa0) {
      if (!expectTag(v, ve, 0x30)) { asnFail(AL_SPNEGO); return; }
      const se = aEnd;
      let r = aVal;
      let n: u32 = 0;
      while (r < se) {
        if (!expectTag(r, se, 0x06)) { asnFail(AL_SPNEGO); return; }
        if (n < MAX_MECHS) { store<u8>(mechList + n, <u8>oidMech(aVal, aLen)); n++; }
        r = aEnd;
      }
      fBytes(F_MECH_TYPES, T_BYTES, mechList, n);
    } else if (t == 0xa2) {
      if (!expectTag(v, ve, 0x04)) { asnFail(AL_SPNEGO); return; }
      tok = aVal; tokEnd = aEnd; hasTok = true;
    } else if ((t == 0xa3 && ve > v && u8at(v) == 0x04) || t == 0xa4) fU32(F_NEG_MIC, 1); // [3] is negHints when it holds a SEQUENCE
  }
  if (!hasTok) { setMech(MECH_SPNEGO); return; } // e.g. the server's hint in a NEGOTIATE response
  securityToken(tok, tokEnd, false);
}

/** NegTokenResp (RFC 4178 4.2.2): negState [0], supportedMech [1], responseToken [2], mechListMIC [3]. */
function negTokenResp(p: usize, lim: usize): void {
  let q = p;
  let supported: i32 = -1;
  let tok: usize = 0, tokEnd: usize = 0;
  let mic: usize = 0, micEnd: usize = 0;
  let hasTok = false;
  while (q < lim) {
    if (!tlv(q, lim)) { asnFail(AL_SPNEGO); return; }
    const t = aTag, v = aVal, ve = aEnd;
    q = ve;
    if (t == 0xa0) {
      if (!intIn(v, ve)) { asnFail(AL_SPNEGO); return; }
      fU32(F_NEG_STATE, <u32>aInt);
    } else if (t == 0xa1) {
      if (!expectTag(v, ve, 0x06)) { asnFail(AL_SPNEGO); return; }
      supported = <i32>oidMech(aVal, aLen);
      fU32(F_SPNEGO_MECH, <u32>supported);
    } else if (t == 0xa2) {
      if (!expectTag(v, ve, 0x04)) { asnFail(AL_SPNEGO); return; }
      tok = aVal; tokEnd = aEnd; hasTok = true;
    } else if (t == 0xa3) {
      if (!expectTag(v, ve, 0x04)) { asnFail(AL_SPNEGO); return; }
      mic = aVal; micEnd = aEnd;
      fU32(F_NEG_MIC, 1);
    }
  }
  if (hasTok) securityToken(tok, tokEnd, false);
  // Windows 2000 servers repeat the AP-REP token as the mechListMIC; tshark decodes it as
  // Kerberos too, so a MIC that is a GSS token is read the same way (its facts are not re-emitted).
  if (micEnd > mic && u8at(mic) == 0x60) micToken(mic, micEnd);
  // No token (e.g. the final accept-completed): the mechanism is the one the server accepted.
  if (supported >= 0) setMech(<u32>supported);
}
