// A small bounded DER reader (ITU-T X.690 8, 10) for the SPNEGO, GSS and Kerberos structures of
// a SESSION_SETUP security blob. Every length is checked against its parent; a lie throws a
// DerError naming the offset, which the caller turns into a result (it never escapes kerberos.ts).

export class DerError extends Error {
  constructor(what: string, readonly offset: number) {
    super(`${what} at offset ${offset}`);
  }
}

export const CLASS = { universal: 0, application: 1, context: 2, private: 3 } as const;
export const UNIVERSAL = { INTEGER: 2, BIT_STRING: 3, OCTET_STRING: 4, OID: 6, ENUMERATED: 10, UTF8String: 12, SEQUENCE: 16, GeneralString: 27, GeneralizedTime: 24 } as const;

/** One TLV: where its header starts, where its contents start and end (end exclusive). */
export interface Tlv { cls: number; constructed: boolean; tag: number; start: number; body: number; end: number }

/** Longer tag numbers or lengths than these are no Kerberos message (and would overflow). */
const MAX_TAG_BYTES = 4, MAX_LENGTH_BYTES = 4;

/** Reads the TLV at `off`, which must end by `end`. */
export function readTlv(b: Uint8Array, off: number, end: number): Tlv {
  if (end > b.length) end = b.length;
  if (off >= end) throw new DerError("a DER element expected, the data ends", off);
  const start = off;
  const first = b[off++];
  const cls = first >> 6, constructed = (first & 0x20) !== 0;
  let tag = first & 0x1f;
  if (tag === 0x1f) { // high tag number form: base 128, 7 bits a byte
    tag = 0;
    for (let n = 0; ; n++) {
      if (off >= end || n >= MAX_TAG_BYTES) throw new DerError("a DER tag number runs past its element", start);
      const c = b[off++];
      tag = tag * 128 + (c & 0x7f);
      if ((c & 0x80) === 0) break;
    }
  }
  if (off >= end) throw new DerError("a DER length expected, the data ends", off);
  let len = b[off++];
  if (len === 0x80) throw new DerError("an indefinite length (BER, not DER)", off - 1);
  if (len > 0x80) {
    const n = len & 0x7f;
    if (n > MAX_LENGTH_BYTES) throw new DerError(`a DER length of ${n} bytes`, off - 1);
    if (off + n > end) throw new DerError("a DER length runs past its element", off - 1);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[off++];
  }
  if (off + len > end) throw new DerError(`a DER element of ${len} bytes where ${end - off} remain`, start);
  return { cls, constructed, tag, start, body: off, end: off + len };
}

const describe = (cls: number, tag: number) => (cls === CLASS.context ? `[${tag}]` : cls === CLASS.application ? `[APPLICATION ${tag}]` : `universal tag ${tag}`);

/** Reads the TLV at `off` and checks its class and tag. */
export function expectTlv(b: Uint8Array, off: number, end: number, cls: number, tag: number, what: string): Tlv {
  const t = readTlv(b, off, end);
  if (t.cls !== cls || t.tag !== tag) throw new DerError(`${what}: ${describe(cls, tag)} expected, ${describe(t.cls, t.tag)} found`, t.start);
  return t;
}

/** The elements inside a constructed TLV, in order. */
export function children(b: Uint8Array, parent: Tlv): Tlv[] {
  if (!parent.constructed) throw new DerError("a constructed element expected", parent.start);
  const out: Tlv[] = [];
  for (let o = parent.body; o < parent.end; ) {
    const t = readTlv(b, o, parent.end);
    out.push(t);
    o = t.end;
  }
  return out;
}

/**
 * The fields of a SEQUENCE whose members are explicitly context-tagged ([n] { value }), as
 * Kerberos (RFC 4120 5) and SPNEGO (RFC 4178 4.2) define them: tag number → the inner value.
 */
export function taggedFields(b: Uint8Array, seq: Tlv): Map<number, Tlv> {
  const m = new Map<number, Tlv>();
  for (const f of children(b, seq)) {
    if (f.cls !== CLASS.context || !f.constructed) continue; // not ours to read
    m.set(f.tag, readTlv(b, f.body, f.end));
  }
  return m;
}

/** A required field of a tagged SEQUENCE. */
export function field(fields: Map<number, Tlv>, n: number, what: string, seq: Tlv): Tlv {
  const t = fields.get(n);
  if (!t) throw new DerError(`${what} [${n}] is missing`, seq.start);
  return t;
}

/** An INTEGER (or ENUMERATED) that fits in 32 bits, signed. */
export function readInt(b: Uint8Array, t: Tlv, what: string): number {
  if (t.cls !== CLASS.universal || (t.tag !== UNIVERSAL.INTEGER && t.tag !== UNIVERSAL.ENUMERATED)) throw new DerError(`${what}: an INTEGER expected`, t.start);
  const n = t.end - t.body;
  if (n < 1 || n > 5) throw new DerError(`${what}: an INTEGER of ${n} bytes`, t.start);
  // two's complement: the value read unsigned, minus 2^(8n) when the top bit is set
  let u = 0;
  for (let i = t.body; i < t.end; i++) u = u * 256 + b[i];
  return b[t.body] & 0x80 ? u - 2 ** (8 * n) : u;
}

export function readOctets(b: Uint8Array, t: Tlv, what: string): Uint8Array {
  if (t.cls !== CLASS.universal || t.tag !== UNIVERSAL.OCTET_STRING || t.constructed) throw new DerError(`${what}: an OCTET STRING expected`, t.start);
  return b.subarray(t.body, t.end);
}

const utf8 = new TextDecoder("utf-8", { fatal: false });
/** A KerberosString (GeneralString, IA5 in practice) or UTF8String as text. */
export function readString(b: Uint8Array, t: Tlv, what: string): string {
  if (t.cls !== CLASS.universal || t.constructed) throw new DerError(`${what}: a string expected`, t.start);
  return utf8.decode(b.subarray(t.body, t.end));
}

/** An OBJECT IDENTIFIER in dotted form. */
export function readOid(b: Uint8Array, t: Tlv, what: string): string {
  if (t.cls !== CLASS.universal || t.tag !== UNIVERSAL.OID || t.end === t.body) throw new DerError(`${what}: an OBJECT IDENTIFIER expected`, t.start);
  const parts: number[] = [];
  let v = 0, n = 0;
  for (let i = t.body; i < t.end; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if (++n > 5) throw new DerError(`${what}: an OID arc too long`, i);
    if ((b[i] & 0x80) === 0) { parts.push(v); v = 0; n = 0; }
  }
  if (n !== 0) throw new DerError(`${what}: an OID cut short`, t.end);
  const first = parts.shift()!;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join(".");
}
