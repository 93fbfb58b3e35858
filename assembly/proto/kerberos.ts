// Kerberos V5 messages (RFC 4120 5.4–5.9, MS-KILE 2.2): AS-REQ/REP, TGS-REQ/REP, AP-REQ/REP,
// KRB-ERROR — on port 88 (krbFields, called by krbflow.ts inside an EV_KRB record) and inside
// GSS/SPNEGO blobs (krbMessage, called by spnego.ts inside an EV_SMB1/EV_SMB2 record).
//
// Two kinds of output per record:
//  - the facts of the record's main message, each field once: F_KRB_MSG_TYPE, F_KRB_REALM (the
//    service's realm: req-body realm, ticket realm, KRB-ERROR realm), F_KRB_SNAME, F_KRB_CNAME,
//    F_KRB_CREALM, etypes, padata types, error code, e-text, times, kvno, NTSTATUS from e-data;
//  - tshark-shaped lists over everything decoded, nested messages included (the AP-REQ in a
//    TGS-REQ's PA-TGS-REQ, tickets in additional-tickets, a FAST armor AP-REQ):
//    F_KRB_MSG_TYPES, F_KRB_REALMS, F_KRB_CNAMES, F_KRB_SNAMES (wire order, like Wireshark's
//    kerberos.msg_type / realm / CNameString / SNameString; crealm is not in the realm list,
//    as tshark files it as kerberos.crealm).
// Encrypted parts are never decrypted; ciphertexts, checksums and keys are never emitted.
import {
  F_KRB_MSG_TYPE, F_KRB_ERROR, F_KRB_REALM, F_KRB_CNAME, F_KRB_SNAME, F_KRB_ETYPES, F_KRB_PADATA,
  F_KRB_ETEXT, F_KRB_STIME, F_KRB_CTIME, F_KRB_KVNO, F_KRB_ETYPE, F_KRB_ERR_DATA, F_KRB_PATH,
  F_KRB_MSG_TYPES, F_KRB_REALMS, F_KRB_CNAMES, F_KRB_SNAMES, F_KRB_CREALM, F_KRB_CNAME_TYPE,
  F_KRB_SNAME_TYPE, F_KRB_KDC_OPTIONS, F_KRB_EXT_STATUS, T_STR, T_BYTES,
} from "../events";
import { AL_KRB, AE_TAG, AE_EMPTY, AE_TRUNCATED } from "./auth/errors";
import {
  tlv, expectTag, derCheck, intIn, isStringTag, asnFail, authFail, authBegin,
  aTag, aVal, aLen, aEnd, aInt,
} from "./asn1";
import { u8at, u32le } from "../util";
import { fU32, fBytes } from "../out";

// RFC 4120 5.10 application tags (constructed, APPLICATION n) → msg-type n
const AS_REQ: u32 = 10, AS_REP: u32 = 11, TGS_REQ: u32 = 12, TGS_REP: u32 = 13;
const AP_REQ: u32 = 14, AP_REP: u32 = 15, KRB_SAFE: u32 = 20, KRB_PRIV: u32 = 21, KRB_CRED: u32 = 22;
const KRB_ERROR: u32 = 30;
const PA_TGS_REQ: i32 = 1; // RFC 4120 5.2.7.1: padata-value is an AP-REQ
const PA_PW_SALT: i32 = 3; // RFC 4120 5.2.7.3; Windows KDCs put KERB-EXT-ERROR here (MS-KILE 2.2.1)
const PA_FX_FAST: i32 = 136; // RFC 6113 5.4.1: armored request; armor-value is an AP-REQ
const KERB_ERR_TYPE_EXTENDED: i64 = 3; // MS-KILE 2.2.2 KERB-ERROR-DATA data-type

// How a message is decoded
const M_MAIN: u32 = 0; // the record's message: emits its facts (first such message only)
const M_NESTED: u32 = 1; // an AP-REQ inside padata: lists only, and only an AP-REQ is accepted

// --- per-record state (fixed scratch, reset by krbBegin) ------------------------------------
// The scratch buffers are allocated by krbInit(), not in static memory (memory.data): the static
// data region holds constants only, so that it can be proved unchanged after every file
// (tests/fuzz-decoder.test.ts, Decoder.finish).
const MAX_TYPES: u32 = 16;
let types: usize = 0;
let nTypes: u32 = 0;
let mainDone = false;

const LIST_CAP: u32 = 1024; // per list; later names are dropped when full (names are short)
let lists: usize = 0;
let listLens: usize = 0;
let listCounts: usize = 0;
const L_REALM: u32 = 0, L_CNAME: u32 = 1, L_SNAME: u32 = 2;

const NAME_CAP: u32 = 512; // a principal name, components joined by '/'
let nameBuf: usize = 0;
let nameLen: u32 = 0;
let nameType: i32 = 0;

const MAX_INTS: u32 = 32; // etype / padata lists
let ints: usize = 0;
let nInts: u32 = 0;

let encEtype: i32 = 0; // last EncryptedData (RFC 4120 5.2.9)
let encKvno: i64 = -1;
let ticketEtype: i32 = -1;
let ticketKvno: i64 = -1;

/** Once per instance (index.ts init). */
export function krbInit(): void {
  types = heap.alloc(MAX_TYPES); lists = heap.alloc(LIST_CAP * 3); listLens = heap.alloc(12); listCounts = heap.alloc(12);
  nameBuf = heap.alloc(NAME_CAP); ints = heap.alloc(MAX_INTS * 4);
}

/** Starts a record's Kerberos state. */
export function krbBegin(): void {
  nTypes = 0; mainDone = false;
  for (let i: u32 = 0; i < 3; i++) { store<u32>(listLens + i * 4, 0); store<u32>(listCounts + i * 4, 0); }
}

/** Emits the record's lists; `inBlob` = inside an SMB/GSS blob (F_KRB_PATH). */
export function krbEnd(inBlob: bool): void {
  if (nTypes == 0) return;
  fBytes(F_KRB_MSG_TYPES, T_BYTES, types, nTypes);
  listEmit(L_REALM, F_KRB_REALMS);
  listEmit(L_CNAME, F_KRB_CNAMES);
  listEmit(L_SNAME, F_KRB_SNAMES);
  if (inBlob) fU32(F_KRB_PATH, 1);
}

function listEmit(which: u32, field: u32): void {
  if (load<u32>(listCounts + which * 4) > 0) fBytes(field, T_STR, lists + which * LIST_CAP, load<u32>(listLens + which * 4));
}

function listAdd(which: u32, src: usize, len: u32): void {
  const used = load<u32>(listLens + which * 4);
  const count = load<u32>(listCounts + which * 4);
  const sep: u32 = count > 0 ? 1 : 0;
  if (used + sep + len > LIST_CAP) return;
  const base = lists + which * LIST_CAP;
  if (sep) store<u8>(base + used, 0);
  memory.copy(base + used + sep, src, len);
  store<u32>(listLens + which * 4, used + sep + len);
  store<u32>(listCounts + which * 4, count + 1);
}

@inline function fail(reason: u32, at: usize): bool { return authFail(AL_KRB, reason, at); }
@inline function asn(): bool { return asnFail(AL_KRB); }

function intsAdd(v: i64): void {
  if (nInts < MAX_INTS) { store<i32>(ints + nInts * 4, <i32>v); nInts++; }
}

// --- building blocks ------------------------------------------------------------------------

/** PrincipalName (RFC 4120 5.2.2) at p: SEQUENCE { name-type [0], name-string [1] SEQUENCE OF KerberosString }. */
function principal(p: usize, lim: usize): bool {
  if (!expectTag(p, lim, 0x30)) return asn();
  const e = aEnd;
  let q = aVal;
  nameLen = 0; nameType = 0;
  while (q < e) {
    if (!tlv(q, e)) return asn();
    const t = aTag, v = aVal, ve = aEnd;
    q = ve;
    if (t == 0xa0) {
      if (!intIn(v, ve)) return asn();
      nameType = <i32>aInt;
    } else if (t == 0xa1) {
      if (!expectTag(v, ve, 0x30)) return asn();
      const se = aEnd;
      let r = aVal;
      let n: u32 = 0;
      while (r < se) {
        if (!tlv(r, se)) return asn();
        if (!isStringTag(aTag)) return fail(AE_TAG, r);
        const sv = aVal, sl = aLen;
        r = aEnd;
        const need: u32 = (n > 0 ? 1 : 0) + sl;
        if (nameLen + need <= NAME_CAP) { // components beyond the cap are dropped
          if (n > 0) { store<u8>(nameBuf + nameLen, 0x2f); nameLen++; } // '/'
          memory.copy(nameBuf + nameLen, sv, sl);
          nameLen += sl;
        }
        n++;
      }
    }
  }
  return true;
}

/** [n] Realm / KerberosString at p: on success aVal/aLen hold the text. */
function kstring(p: usize, lim: usize): bool {
  if (!tlv(p, lim)) return asn();
  if (!isStringTag(aTag)) return fail(AE_TAG, p);
  return true;
}

/** EncryptedData (RFC 4120 5.2.9) at p: SEQUENCE { etype [0], kvno [1] OPTIONAL, cipher [2] } → encEtype, encKvno. */
function encData(p: usize, lim: usize): bool {
  if (!expectTag(p, lim, 0x30)) return asn();
  const e = aEnd;
  let q = aVal;
  encEtype = 0; encKvno = -1;
  while (q < e) {
    if (!tlv(q, e)) return asn();
    const t = aTag, v = aVal, ve = aEnd;
    q = ve;
    if (t == 0xa0) { if (!intIn(v, ve)) return asn(); encEtype = <i32>aInt; }
    else if (t == 0xa1) { if (!intIn(v, ve)) return asn(); encKvno = aInt & 0xffffffff; }
  }
  return true;
}

/** Ticket (RFC 4120 5.3) at p: [APPLICATION 1] SEQUENCE { tkt-vno [0], realm [1], sname [2], enc-part [3] }. */
function ticket(p: usize, lim: usize, main: bool): bool {
  if (!expectTag(p, lim, 0x61)) return asn();
  if (!expectTag(aVal, aEnd, 0x30)) return asn();
  const e = aEnd;
  let q = aVal;
  while (q < e) {
    if (!tlv(q, e)) return asn();
    const t = aTag, v = aVal, ve = aEnd;
    q = ve;
    if (t == 0xa1) {
      if (!kstring(v, ve)) return false;
      listAdd(L_REALM, aVal, aLen);
      if (main) fBytes(F_KRB_REALM, T_STR, aVal, aLen);
    } else if (t == 0xa2) {
      if (!principal(v, ve)) return false;
      listAdd(L_SNAME, nameBuf, nameLen);
      if (main) { fBytes(F_KRB_SNAME, T_STR, nameBuf, nameLen); fU32(F_KRB_SNAME_TYPE, <u32>nameType); }
    } else if (t == 0xa3) {
      if (!encData(v, ve)) return false;
      if (main) { ticketEtype = encEtype; ticketKvno = encKvno; }
    }
  }
  return true;
}

/**
 * SEQUENCE OF PA-DATA (RFC 4120 5.2.7) at p; types into `field` when main. A PA-TGS-REQ's AP-REQ
 * and a PA-FX-FAST armor AP-REQ are decoded (lists only), as tshark lists them. In e-data
 * (`inError`), a 12-byte PA-PW-SALT is Windows' KERB-EXT-ERROR (MS-KILE 2.2.1).
 */
function padataList(p: usize, lim: usize, main: bool, field: u32, inError: bool): bool {
  if (!expectTag(p, lim, 0x30)) return asn();
  const e = aEnd;
  let q = aVal;
  nInts = 0;
  while (q < e) {
    if (!expectTag(q, e, 0x30)) return asn();
    const pe = aEnd;
    let r = aVal;
    q = pe;
    let type: i32 = 0;
    let hasType = false;
    let val: usize = 0, valEnd: usize = 0;
    while (r < pe) {
      if (!tlv(r, pe)) return asn();
      const t = aTag, v = aVal, ve = aEnd;
      r = ve;
      if (t == 0xa1) { if (!intIn(v, ve)) return asn(); type = <i32>aInt; hasType = true; }
      else if (t == 0xa2) { if (!expectTag(v, ve, 0x04)) return asn(); val = aVal; valEnd = aEnd; }
    }
    if (!hasType) continue;
    intsAdd(type);
    // Nested decoding below never touches `ints`, so the type list stays whole.
    if (valEnd > val) {
      if (type == PA_TGS_REQ && !inError) krbMessage(val, valEnd, M_NESTED);
      else if (type == PA_FX_FAST && !inError) fastArmor(val, valEnd);
      else if (type == PA_PW_SALT && inError && valEnd - val == 12 && main) extError(val);
    }
  }
  if (main) fBytes(field, T_BYTES, ints, nInts * 4);
  return true;
}

/** MS-KILE 2.2.1 KERB-EXT-ERROR: NTSTATUS, reserved (0), flags (1), little-endian. */
function extError(v: usize): void {
  const status = u32le(v);
  if ((status & 0xc0000000) == 0xc0000000 && u32le(v + 4) == 0 && u32le(v + 8) == 1) fU32(F_KRB_EXT_STATUS, status);
}

/**
 * PA-FX-FAST-REQUEST (RFC 6113 5.4.1) at p: [0] KrbFastArmoredReq SEQUENCE { armor [0]
 * KrbFastArmor SEQUENCE { armor-type [0], armor-value [1] OCTET STRING } … }; armor-type 1 is an
 * AP-REQ. Only the armor is of interest (the rest is encrypted).
 */
function fastArmor(p: usize, lim: usize): void {
  if (!derCheck(p, lim)) { asn(); return; }
  if (!expectTag(p, lim, 0xa0)) return; // PA-FX-FAST-REPLY or other: nothing to list
  if (!expectTag(aVal, aEnd, 0x30)) return;
  if (!expectTag(aVal, aEnd, 0xa0)) return; // no armor
  if (!expectTag(aVal, aEnd, 0x30)) return;
  const e = aEnd;
  let q = aVal;
  let type: i64 = -1;
  while (q < e) {
    if (!tlv(q, e)) return;
    const t = aTag, v = aVal, ve = aEnd;
    q = ve;
    if (t == 0xa0) { if (!intIn(v, ve)) return; type = aInt; }
    else if (t == 0xa1 && type == 1) { if (!expectTag(v, ve, 0x04)) return; krbMessage(aVal, aEnd, M_NESTED); }
  }
}

/** KDC-REQ-BODY (RFC 4120 5.4.1) at p. */
function reqBody(p: usize, lim: usize, main: bool): bool {
  if (!expectTag(p, lim, 0x30)) return asn();
  const e = aEnd;
  let q = aVal;
  while (q < e) {
    if (!tlv(q, e)) return asn();
    const t = aTag, v = aVal, ve = aEnd;
    q = ve;
    if (t == 0xa0) { // kdc-options: BIT STRING, first octet = unused bits; bit 0 is the MSB of the next
      if (!expectTag(v, ve, 0x03)) return asn();
      let opts: u32 = 0;
      for (let i: u32 = 1; i < 5; i++) opts = (opts << 8) | (i < aLen ? u8at(aVal + i) : 0);
      if (main) fU32(F_KRB_KDC_OPTIONS, opts);
    } else if (t == 0xa1) {
      if (!principal(v, ve)) return false;
      listAdd(L_CNAME, nameBuf, nameLen);
      if (main) { fBytes(F_KRB_CNAME, T_STR, nameBuf, nameLen); fU32(F_KRB_CNAME_TYPE, <u32>nameType); }
    } else if (t == 0xa2) {
      if (!kstring(v, ve)) return false;
      listAdd(L_REALM, aVal, aLen);
      if (main) fBytes(F_KRB_REALM, T_STR, aVal, aLen);
    } else if (t == 0xa3) {
      if (!principal(v, ve)) return false;
      listAdd(L_SNAME, nameBuf, nameLen);
      if (main) { fBytes(F_KRB_SNAME, T_STR, nameBuf, nameLen); fU32(F_KRB_SNAME_TYPE, <u32>nameType); }
    } else if (t == 0xa8) { // etype: SEQUENCE OF Int32, the client's preference order
      if (!expectTag(v, ve, 0x30)) return asn();
      const se = aEnd;
      let r = aVal;
      nInts = 0;
      while (r < se) {
        if (!intIn(r, se)) return asn();
        r = aEnd;
        intsAdd(aInt);
      }
      if (main) fBytes(F_KRB_ETYPES, T_BYTES, ints, nInts * 4);
    } else if (t == 0xab) { // additional-tickets (U2U, S4U2Proxy): listed like tshark does
      if (!expectTag(v, ve, 0x30)) return asn();
      const se = aEnd;
      let r = aVal;
      while (r < se) {
        if (!tlv(r, se)) return asn();
        const te = aEnd;
        if (!ticket(r, te, false)) return false;
        r = te;
      }
    }
  }
  return true;
}

/** KDC-REQ (RFC 4120 5.4.1): SEQUENCE { pvno [1], msg-type [2], padata [3], req-body [4] }. */
function kdcReq(p: usize, lim: usize, main: bool): bool {
  let q = p;
  while (q < lim) {
    if (!tlv(q, lim)) return asn();
    const t = aTag, v = aVal, ve = aEnd;
    q = ve;
    if (t == 0xa3) { if (!padataList(v, ve, main, F_KRB_PADATA, false)) return false; }
    else if (t == 0xa4) { if (!reqBody(v, ve, main)) return false; }
  }
  return true;
}

/** KDC-REP (RFC 4120 5.4.2): SEQUENCE { pvno [0], msg-type [1], padata [2], crealm [3], cname [4], ticket [5], enc-part [6] }. */
function kdcRep(p: usize, lim: usize, main: bool): bool {
  let q = p;
  ticketEtype = -1; ticketKvno = -1;
  while (q < lim) {
    if (!tlv(q, lim)) return asn();
    const t = aTag, v = aVal, ve = aEnd;
    q = ve;
    if (t == 0xa2) { if (!padataList(v, ve, main, F_KRB_PADATA, false)) return false; }
    else if (t == 0xa3) { if (!kstring(v, ve)) return false; if (main) fBytes(F_KRB_CREALM, T_STR, aVal, aLen); }
    else if (t == 0xa4) {
      if (!principal(v, ve)) return false;
      listAdd(L_CNAME, nameBuf, nameLen);
      if (main) { fBytes(F_KRB_CNAME, T_STR, nameBuf, nameLen); fU32(F_KRB_CNAME_TYPE, <u32>nameType); }
    } else if (t == 0xa5) { if (!ticket(v, ve, main)) return false; }
    else if (t == 0xa6) { // the reply's own enc-part: etype of the client's key
      if (!encData(v, ve)) return false;
      if (main) { store<i32>(ints, encEtype); fBytes(F_KRB_ETYPES, T_BYTES, ints, 4); }
    }
  }
  if (main) ticketFacts();
  return true;
}

/** The ticket's enc-part etype (the service key's: what Zeek calls the cipher) and kvno. */
function ticketFacts(): void {
  if (ticketEtype >= 0) fU32(F_KRB_ETYPE, <u32>ticketEtype);
  if (ticketKvno >= 0) fU32(F_KRB_KVNO, <u32>ticketKvno);
}

/** AP-REQ (RFC 4120 5.5.1): SEQUENCE { pvno [0], msg-type [1], ap-options [2], ticket [3], authenticator [4] }. */
function apReq(p: usize, lim: usize, main: bool): bool {
  let q = p;
  ticketEtype = -1; ticketKvno = -1;
  while (q < lim) {
    if (!tlv(q, lim)) return asn();
    const t = aTag, v = aVal, ve = aEnd;
    q = ve;
    if (t == 0xa3) { if (!ticket(v, ve, main)) return false; }
  }
  if (main) ticketFacts();
  return true;
}

/**
 * e-data (RFC 4120 5.9.1) at p..lim, the [12] contents: an OCTET STRING holding METHOD-DATA
 * (SEQUENCE OF PA-DATA, e.g. after KDC_ERR_PREAUTH_REQUIRED: which pre-authentication the KDC
 * wants), TYPED-DATA, or MS-KILE 2.2.2 KERB-ERROR-DATA. Tolerates the OCTET STRING wrapper being
 * left out (seen in the wild and in Zeek's error-preauth-padata trace).
 */
function eData(p: usize, lim: usize, main: bool): bool {
  if (!tlv(p, lim)) return asn();
  let d = p, de = aEnd;
  if (aTag == 0x04) {
    d = aVal; de = aEnd;
    if (d == de) return true;
    if (!derCheck(d, de)) return asn();
  }
  if (!expectTag(d, de, 0x30)) return asn();
  const e = aEnd;
  const first = aVal;
  if (first >= e) return true;
  if (!tlv(first, e)) return asn();
  if (aTag == 0xa1) { // KERB-ERROR-DATA ::= SEQUENCE { data-type [1] INTEGER, data-value [2] OCTET STRING OPTIONAL }
    let q = first;
    let type: i64 = -1;
    while (q < e) {
      if (!tlv(q, e)) return asn();
      const t = aTag, v = aVal, ve = aEnd;
      q = ve;
      if (t == 0xa1) { if (!intIn(v, ve)) return asn(); type = aInt; }
      else if (t == 0xa2 && type == KERB_ERR_TYPE_EXTENDED && main) {
        if (!expectTag(v, ve, 0x04)) return asn();
        if (aLen >= 12) extError(aVal);
      }
    }
    return true;
  }
  if (aTag != 0x30) return fail(AE_TAG, first);
  if (!tlv(aVal, aEnd)) return asn();
  if (aTag == 0xa0) { // TYPED-DATA ::= SEQUENCE OF SEQUENCE { data-type [0], data-value [1] }: list its types
    let q = first;
    nInts = 0;
    while (q < e) {
      if (!expectTag(q, e, 0x30)) return asn();
      const ie = aEnd;
      const iv = aVal;
      q = ie;
      if (!expectTag(iv, ie, 0xa0)) return asn();
      if (!intIn(aVal, aEnd)) return asn();
      intsAdd(aInt);
    }
    if (main) fBytes(F_KRB_ERR_DATA, T_BYTES, ints, nInts * 4);
    return true;
  }
  return padataList(d, de, main, F_KRB_ERR_DATA, true); // METHOD-DATA
}

/** KRB-ERROR (RFC 4120 5.9.1). pvno and msg-type are not required (Zeek's synthetic trace lacks them). */
function krbError(p: usize, lim: usize, main: bool): bool {
  let q = p;
  while (q < lim) {
    if (!tlv(q, lim)) return asn();
    const t = aTag, v = aVal, ve = aEnd;
    q = ve;
    switch (t) {
      case 0xa2: // ctime
      case 0xa4: { // stime
        if (!expectTag(v, ve, 0x18)) return asn(); // GeneralizedTime "YYYYMMDDHHMMSSZ"
        if (main) fBytes(t == 0xa2 ? F_KRB_CTIME : F_KRB_STIME, T_STR, aVal, aLen);
        break;
      }
      case 0xa6: { if (!intIn(v, ve)) return asn(); if (main) fU32(F_KRB_ERROR, <u32>aInt); break; }
      case 0xa7: { if (!kstring(v, ve)) return false; if (main) fBytes(F_KRB_CREALM, T_STR, aVal, aLen); break; }
      case 0xa8: {
        if (!principal(v, ve)) return false;
        listAdd(L_CNAME, nameBuf, nameLen);
        if (main) { fBytes(F_KRB_CNAME, T_STR, nameBuf, nameLen); fU32(F_KRB_CNAME_TYPE, <u32>nameType); }
        break;
      }
      case 0xa9: {
        if (!kstring(v, ve)) return false;
        listAdd(L_REALM, aVal, aLen);
        if (main) fBytes(F_KRB_REALM, T_STR, aVal, aLen);
        break;
      }
      case 0xaa: {
        if (!principal(v, ve)) return false;
        listAdd(L_SNAME, nameBuf, nameLen);
        if (main) { fBytes(F_KRB_SNAME, T_STR, nameBuf, nameLen); fU32(F_KRB_SNAME_TYPE, <u32>nameType); }
        break;
      }
      case 0xab: { if (!kstring(v, ve)) return false; if (main) fBytes(F_KRB_ETEXT, T_STR, aVal, aLen); break; }
      case 0xac: { if (!eData(v, ve, main)) return false; break; }
      default: break;
    }
  }
  return true;
}

/**
 * One Kerberos message at p (ending by lim). M_MAIN: the first such message of the record emits
 * its facts, later ones (e.g. the AP-REP a Windows 2000 server repeats in the SPNEGO mechListMIC)
 * only add to the lists. M_NESTED accepts only an AP-REQ, so nesting stops at one level whatever
 * the input says. Returns false (after reporting) when the message could not be decoded.
 */
export function krbMessage(p: usize, lim: usize, mode: u32): bool {
  if (p >= lim) return fail(AE_EMPTY, p);
  if (!derCheck(p, lim)) return asn();
  tlv(p, lim);
  const tag = aTag;
  const mt = tag & 0x1f;
  if ((tag & 0xe0) != 0x60 || !(
    mt == AS_REQ || mt == AS_REP || mt == TGS_REQ || mt == TGS_REP || mt == AP_REQ || mt == AP_REP ||
    mt == KRB_SAFE || mt == KRB_PRIV || mt == KRB_CRED || mt == KRB_ERROR)) return fail(AE_TAG, p);
  if (mode == M_NESTED && mt != AP_REQ) return fail(AE_TAG, p);
  if (nTypes < MAX_TYPES) { store<u8>(types + nTypes, <u8>mt); nTypes++; }
  const main = mode == M_MAIN && !mainDone;
  if (main) { mainDone = true; fU32(F_KRB_MSG_TYPE, mt); }
  if (!expectTag(aVal, aEnd, 0x30)) return asn();
  const v = aVal, e = aEnd;
  if (mt == AS_REQ || mt == TGS_REQ) return kdcReq(v, e, main);
  if (mt == AS_REP || mt == TGS_REP) return kdcRep(v, e, main);
  if (mt == AP_REQ) return apReq(v, e, main);
  if (mt == KRB_ERROR) return krbError(v, e, main);
  return true; // AP-REP, KRB-SAFE/PRIV/CRED: their contents are encrypted or not needed
}

export const KRB_MODE_MAIN: u32 = M_MAIN;

/** A Kerberos message on port 88 (UDP datagram or TCP record), inside an open EV_KRB record. */
export function krbFields(p: usize, len: u32): void {
  authBegin(p);
  krbBegin();
  if (len == 0) authFail(AL_KRB, AE_EMPTY, p);
  else if (len < 2) authFail(AL_KRB, AE_TRUNCATED, p);
  else krbMessage(p, p + len, M_MAIN);
  krbEnd(false);
}
