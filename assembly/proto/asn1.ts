// ASN.1 DER reader (X.690 8.1 / 10.1) for SPNEGO (RFC 4178) and Kerberos (RFC 4120 5.2).
//
// Hostile input is the normal case here: a blob in a capture is whatever a peer (or a fuzzer)
// sent. So: definite lengths only, every length is checked against the enclosing element before
// anything is read, and nothing recurses on input structure — derCheck() walks a whole element
// with an explicit stack of MAX_DEPTH ends, and the schema decoders (spnego.ts, kerberos.ts) only
// descend the fixed number of levels their schema has. No allocation: the last header read is
// kept in module globals (aTag, aVal, aLen, aEnd), copied to locals by the caller at once.
import { F_BLOB_ERROR, F_BLOB_ERR_OFFSET } from "../events";
import { AE_TRUNCATED, AE_INDEFINITE, AE_LENGTH, AE_DEPTH, AE_TAG, AE_INTEGER } from "./auth/errors";
import { u8at } from "../util";
import { fU32 } from "../out";

// Deep enough for every real structure (a TGS-REQ with additional tickets is ~12 levels deep);
// anything deeper is reported as AE_DEPTH rather than walked.
export const MAX_DEPTH: u32 = 32;

export let aTag: u32 = 0; // identifier octet; high-tag-number forms keep their 0x1f low bits, so they never equal a schema tag
export let aVal: usize = 0; // first value octet
export let aLen: u32 = 0; // value length
export let aEnd: usize = 0; // aVal + aLen
export let aInt: i64 = 0; // value of the last asnInt()
export let aErr: u32 = 0; // AE_* of the last failure
export let aErrAt: usize = 0; // where it happened

@inline function bad(reason: u32, at: usize): bool { aErr = reason; aErrAt = at; return false; }

/** Reads the header of the element at p, which must end by lim. */
export function tlv(p: usize, lim: usize): bool {
  if (p >= lim) return bad(AE_TRUNCATED, p);
  const t = u8at(p);
  let q = p + 1;
  if ((t & 0x1f) == 0x1f) { // high tag number (X.690 8.1.2.4): no schema here uses one; skip ≤ 4 octets
    let n: u32 = 0;
    while (true) {
      if (q >= lim) return bad(AE_TRUNCATED, p);
      const b = u8at(q); q++; n++;
      if ((b & 0x80) == 0) break;
      if (n == 4) return bad(AE_TAG, p);
    }
  }
  if (q >= lim) return bad(AE_TRUNCATED, p);
  let l = u8at(q); q++;
  if (l == 0x80) return bad(AE_INDEFINITE, p);
  if (l > 0x80) { // long form (X.690 8.1.3.5): up to 4 length octets
    const n = l & 0x7f;
    if (n > 4) return bad(AE_LENGTH, p);
    if (<u64>q + n > <u64>lim) return bad(AE_TRUNCATED, p);
    l = 0;
    for (let i: u32 = 0; i < n; i++) l = (l << 8) | u8at(q + i);
    q += n;
  }
  // 64-bit sum: a 4-octet length must not wrap the 32-bit address space
  if (<u64>q + <u64>l > <u64>lim) return bad(AE_TRUNCATED, p);
  aTag = t; aVal = q; aLen = l; aEnd = q + l;
  return true;
}

/** tlv() and the tag must be `tag`. */
export function expectTag(p: usize, lim: usize, tag: u32): bool {
  if (!tlv(p, lim)) return false;
  if (aTag != tag) return bad(AE_TAG, p);
  return true;
}

let stack: usize = 0; // ends of the open constructed elements (not memory.data: see kerberos.ts krbInit)
export function asn1Init(): void { stack = heap.alloc(MAX_DEPTH * 4); }

/**
 * Checks the whole element at p (ending by lim) and every element inside its constructed parts:
 * each header fits its parent, no indefinite lengths, nesting ≤ MAX_DEPTH. Iterative: every step
 * moves forward by at least one header or closes an element, so it ends within len steps.
 * Primitive values (OCTET STRINGs holding another encoding) are not entered; their decoder
 * checks them in turn. Leaves the a* globals changed: callers read the element again.
 */
export function derCheck(p: usize, lim: usize): bool {
  if (!tlv(p, lim)) return false;
  if ((aTag & 0x20) == 0 || aLen == 0) return true;
  store<u32>(stack, <u32>aEnd);
  let sp: u32 = 1;
  let q = aVal;
  while (sp > 0) {
    const e = <usize>load<u32>(stack + (sp - 1) * 4);
    if (q >= e) { sp--; continue; }
    // The common header (low tag number, short-form length, fits its parent) read here, without
    // tlv()'s call and globals; any other goes through tlv(), which also reports what is wrong.
    let t: u32 = 0, val: usize = 0, len: u32 = 0;
    let quick = false;
    if (q + 1 < e) {
      t = u8at(q); len = u8at(q + 1); val = q + 2;
      quick = (t & 0x1f) != 0x1f && len < 0x80 && <u64>val + <u64>len <= <u64>e;
    }
    if (!quick) {
      if (!tlv(q, e)) return false;
      t = aTag; val = aVal; len = aLen;
    }
    if ((t & 0x20) != 0 && len > 0) {
      if (sp == MAX_DEPTH) return bad(AE_DEPTH, q);
      store<u32>(stack + sp * 4, <u32>(val + len));
      sp++;
      q = val;
    } else q = val + len;
  }
  return true;
}

/** Two's-complement INTEGER / ENUMERATED contents (X.690 8.3) into aInt. */
export function asnInt(v: usize, len: u32): bool {
  if (len == 0 || len > 8) return bad(AE_INTEGER, v);
  let x: i64 = <i64>load<i8>(v);
  for (let i: u32 = 1; i < len; i++) x = (x << 8) | <i64>u8at(v + i);
  aInt = x;
  return true;
}

/** The element at p (inside lim) is an INTEGER (tag 0x02) or ENUMERATED (0x0a): value into aInt. */
export function intIn(p: usize, lim: usize): bool {
  if (!tlv(p, lim)) return false;
  if (aTag != 0x02 && aTag != 0x0a) return bad(AE_TAG, p);
  return asnInt(aVal, aLen);
}

/** Character-string tags a KerberosString / Realm may carry (RFC 4120 5.2.1 says GeneralString; peers differ). */
export function isStringTag(t: u32): bool {
  return t == 0x1b || t == 0x0c || t == 0x13 || t == 0x16 || t == 0x1a;
}

// --- error reporting shared by the auth decoders -------------------------------------------

let errBase: usize = 0; // start of the blob / message: F_BLOB_ERR_OFFSET is relative to it
let errDone = false;

/** A new blob or Kerberos message starts (one record: each field at most once). */
export function authBegin(base: usize): void { errBase = base; errDone = false; }

/** Reports the first failure of this record: F_BLOB_ERROR = layer << 8 | reason. Always false. */
export function authFail(layer: u32, reason: u32, at: usize): bool {
  if (errDone) return false;
  errDone = true;
  fU32(F_BLOB_ERROR, (layer << 8) | reason);
  fU32(F_BLOB_ERR_OFFSET, at >= errBase ? <u32>(at - errBase) : 0);
  return false;
}

/** Reports the reader's last failure (aErr at aErrAt) for `layer`. Always false. */
export function asnFail(layer: u32): bool { return authFail(layer, aErr, aErrAt); }
