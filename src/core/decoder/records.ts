// Reads the wasm's binary event records (layout in assembly/events.ts): as plain objects
// (decodeRecords: RawEvent), or in place through one cursor (RecordCursor, the model's way).
import * as C from "../../../assembly/events";
import { FIELD_NAMES, KIND_NAMES } from "./fields";

export type FieldValue = number | bigint | string | Uint8Array;

export interface RawEvent {
  kind: number;
  kindName: string;
  frame: number;
  tsNs: bigint;
  tsDigits: number;
  /** Wireshark tcp.stream, -1 when not about a TCP flow */
  stream: number;
  fromClient: boolean;
  ipv6: boolean;
  f: Record<string, FieldValue>;
  /** made from a decrypted SMB3 TRANSFORM message (Decoder.decodePlain), not read in the clear */
  decrypted?: boolean;
}

/**
 * Which fields to turn into properties (indexed by field id; 1 = keep). The analysis path reads
 * a third of the fields the decoder writes: skipping the rest saves most of this function's time
 * on busy captures. Warning, error, capture and summary records always keep every field.
 */
export type FieldFilter = Uint8Array;

export function fieldFilter(names: readonly string[]): FieldFilter {
  const ids = new Map([...FIELD_NAMES].map(([id, n]) => [n, id]));
  const keep = new Uint8Array(C.MAX_FIELD_ID + 1);
  for (const n of names) {
    const id = ids.get(n);
    if (id === undefined) throw new Error(`fieldFilter: no field named ${n} in assembly/events.ts`);
    keep[id] = 1;
  }
  return keep;
}

// Arrays, not Maps: looked up once per field of every record
const FIELD_NAME_BY_ID: string[] = [];
for (let id = 0; id <= C.MAX_FIELD_ID; id++) FIELD_NAME_BY_ID.push(FIELD_NAMES.get(id) ?? `f${id}`);
const KIND_NAME_BY_ID: string[] = [];
for (let k = 0; k < 256; k++) KIND_NAME_BY_ID.push(KIND_NAMES.get(k) ?? `kind${k}`);

const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");
const utf16 = new TextDecoder("utf-16le");
// TextDecoder costs about a microsecond per call; most capture strings are short ASCII names
const SHORT = 64;

const scratch = new Uint16Array(SHORT);

// Short strings are interned: a capture repeats the same few names (realm, principals, user,
// domain, share) in thousands of messages, and the model keeps them. One table slot per FNV-1a
// hash of the code units; a collision just replaces the slot.
const INTERN_SLOTS = 4096;
const interned: string[] = new Array<string>(INTERN_SLOTS).fill("");

/** The string of units[at, at + n) (code units), interned; h: their hash. */
function intern(units: Uint8Array | Uint16Array, at: number, n: number, h: number): string {
  const slot = (h ^ (h >>> 16)) & (INTERN_SLOTS - 1);
  const s = interned[slot];
  if (s.length === n) {
    let j = 0;
    while (j < n && s.charCodeAt(j) === units[at + j]) j++;
    if (j === n) return s; // (no view made: most strings are found here)
  }
  // One flat string from the code units (building it with += would leave a chain of cons
  // strings in the model, several times the size of the text).
  const t = String.fromCharCode.apply(null, units.subarray(at, at + n) as unknown as number[]);
  interned[slot] = t;
  return t;
}

function text(mem: Uint8Array, a: number, b: number): string {
  if (b - a <= SHORT) {
    let h = 0x811c9dc5, i = a;
    while (i < b && mem[i] < 0x80) { h = Math.imul(h ^ mem[i], 0x01000193); i++; }
    if (i === b) return intern(mem, a, b - a, h);
  }
  const bytes = mem.subarray(a, b);
  try { return utf8.decode(bytes); } catch { return latin1.decode(bytes); }
}

function text16(mem: Uint8Array, a: number, b: number): string {
  if (b - a <= 2 * SHORT && ((b - a) & 1) === 0) {
    let n = 0, h = 0x811c9dc5;
    // surrogates go to TextDecoder, which replaces what is unpaired
    for (let i = a; i < b; i += 2) {
      const u = mem[i] | (mem[i + 1] << 8);
      if (u >= 0xd800 && u <= 0xdfff) { n = -1; break; }
      scratch[n++] = u;
      h = Math.imul(h ^ u, 0x01000193);
    }
    if (n >= 0) return intern(scratch, 0, n, h);
  }
  return utf16.decode(mem.subarray(a, b));
}

/** Where decoded events go: an array, or a consumer that takes them one by one (see source.ts). */
export interface EventSink { push(ev: RawEvent): unknown }

/**
 * Where records go without becoming objects (the model: see RecordCursor). The cursor is the
 * same object for every record and reads the decoder's memory: valid only during the call.
 */
export interface RecordSink { record(r: EventRecord): unknown }

export type Sink = EventSink | RecordSink;

/** The records in mem[start, end) to `out`, as RawEvents or through one RecordCursor. */
export function drainRecords(mem: Uint8Array, start: number, end: number, out: Sink, keep: FieldFilter | undefined, cursor: RecordCursor): void {
  if ("record" in out) cursor.run(mem, start, end, out, keep);
  else decodeRecords(mem, start, end, out, keep);
}

function checkedLength(dv: DataView, p: number, start: number, end: number): number {
  const len = dv.getUint16(p + C.REC_OFF_LENGTH, true);
  if (len < C.REC_HEADER_SIZE || p + len > end) throw new Error(`corrupt event record at ${p - start}: length ${len}`);
  return len;
}

/** Warning, error, capture and summary records keep every field whatever the filter. */
function filterFor(kind: number, keep: FieldFilter | undefined): FieldFilter | undefined {
  return keep && kind !== C.EV_WARNING && kind !== C.EV_ERROR && kind !== C.EV_CAPTURE && kind !== C.EV_SUMMARY ? keep : undefined;
}

/** Decodes the records in mem[start, end); with `keep`, only the fields it marks (see FieldFilter). */
export function decodeRecords(mem: Uint8Array, start: number, end: number, out: EventSink, keep?: FieldFilter): void {
  const dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  let p = start;
  while (p + C.REC_HEADER_SIZE <= end) {
    const len = checkedLength(dv, p, start, end);
    out.push(decodeRecord(mem, dv, p, len, start, keep));
    p += len;
  }
}

/** The record of `len` bytes at p as a RawEvent (`start`: where the buffer began, for messages). */
function decodeRecord(mem: Uint8Array, dv: DataView, p: number, len: number, start: number, keep: FieldFilter | undefined): RawEvent {
  const kind = dv.getUint16(p + C.REC_OFF_KIND, true);
  const flags = dv.getUint8(p + C.REC_OFF_FLAGS);
  const ev: RawEvent = {
    kind,
    kindName: KIND_NAME_BY_ID[kind] ?? `kind${kind}`,
    frame: dv.getUint32(p + C.REC_OFF_FRAME, true),
    tsNs: dv.getBigInt64(p + C.REC_OFF_TS, true),
    tsDigits: dv.getUint8(p + C.REC_OFF_TSDIGITS),
    stream: dv.getInt32(p + C.REC_OFF_STREAM, true),
    fromClient: (flags & C.REC_FLAG_FROM_CLIENT) !== 0,
    ipv6: (flags & C.REC_FLAG_IPV6) !== 0,
    f: {},
  };
  const filter = filterFor(kind, keep);
  let q = p + C.REC_HEADER_SIZE;
  const recEnd = p + len;
  while (q + C.FIELD_HEADER_SIZE <= recEnd) {
    const id = mem[q];
    const type = mem[q + 1];
    const flen = dv.getUint16(q + 2, true);
    const v = q + C.FIELD_HEADER_SIZE;
    if (v + flen > recEnd) throw new Error(`corrupt field ${id} in record at ${p - start}`);
    q = v + ((flen + 3) & ~3);
    if (filter && filter[id] !== 1) continue;
    ev.f[FIELD_NAME_BY_ID[id] ?? `f${id}`] = value(mem, dv, type, v, flen);
  }
  return ev;
}

function value(mem: Uint8Array, dv: DataView, type: number, v: number, flen: number): FieldValue {
  switch (type) {
    case C.T_U32: return dv.getUint32(v, true);
    case C.T_U64: return dv.getBigUint64(v, true);
    case C.T_I64: return dv.getBigInt64(v, true);
    case C.T_STR: return text(mem, v, v + flen);
    case C.T_UTF16: return text16(mem, v, v + flen);
    default: return mem.slice(v, v + flen);
  }
}

/**
 * What the model reads of one event, by field id (C.F_*): a record in the decoder's memory
 * (RecordCursor, the analysis) or a RawEvent (EventReader: tests, the decrypt stage). Each
 * accessor gives what RawEvent.f would hold for the field, undefined when it is absent; n64
 * gives a u64 as the number Number(bigint) would.
 */
export interface EventRecord {
  readonly kind: number;
  readonly frame: number;
  readonly stream: number;
  readonly fromClient: boolean;
  readonly ipv6: boolean;
  readonly decrypted: boolean;
  /** the timestamp in milliseconds, as Number(tsNs / 1000n) / 1000 */
  tsMs(): number;
  has(id: number): boolean;
  u32(id: number): number | undefined;
  big(id: number): bigint | undefined;
  n64(id: number): number | undefined;
  str(id: number): string | undefined;
  /** bytes valid only while this record is read: copy what is kept */
  view(id: number): Uint8Array | undefined;
  /** the record as a RawEvent, for the few consumers of whole events (warnings, pktmon, QUIC) */
  event(): RawEvent;
  /**
   * Fields `ids` as the record holds them, written into `out`: for each, a word of its type and
   * length and its bytes four to a word, or -1 where absent. Equal writes mean equal values of those fields
   * (builder.ts authFacts looks its cache up by them, making no string). The length written; -1
   * when they do not fit in `out`, or where the record is no bytes (EventReader).
   */
  rawFields(ids: readonly number[], out: Int32Array): number;
  /** Fields `ids` are as rawFields wrote `key` (false where the record is no bytes). */
  sameFields(ids: readonly number[], key: Int32Array): boolean;
}

export const tsMsOf = (ns: bigint): number => Number(ns / 1000n) / 1000;

/** A RawEvent read through EventRecord (one reused reader: `of` points it at an event). */
export class EventReader implements EventRecord {
  private ev!: RawEvent;
  kind = 0;
  frame = 0;
  stream = 0;
  fromClient = false;
  ipv6 = false;
  decrypted = false;
  of(ev: RawEvent): this {
    this.ev = ev;
    this.kind = ev.kind; this.frame = ev.frame; this.stream = ev.stream;
    this.fromClient = ev.fromClient; this.ipv6 = ev.ipv6; this.decrypted = ev.decrypted === true;
    return this;
  }
  tsMs(): number { return tsMsOf(this.ev.tsNs); }
  has(id: number): boolean { return this.ev.f[FIELD_NAME_BY_ID[id]] !== undefined; }
  u32(id: number): number | undefined { return this.ev.f[FIELD_NAME_BY_ID[id]] as number | undefined; }
  big(id: number): bigint | undefined { return this.ev.f[FIELD_NAME_BY_ID[id]] as bigint | undefined; }
  n64(id: number): number | undefined {
    const v = this.ev.f[FIELD_NAME_BY_ID[id]] as bigint | undefined;
    return v === undefined ? undefined : Number(v);
  }
  str(id: number): string | undefined { return this.ev.f[FIELD_NAME_BY_ID[id]] as string | undefined; }
  view(id: number): Uint8Array | undefined { return this.ev.f[FIELD_NAME_BY_ID[id]] as Uint8Array | undefined; }
  event(): RawEvent { return this.ev; }
  rawFields(): number { return -1; }
  sameFields(): boolean { return false; }
}

const TWO32 = 4294967296;
/** this machine stores words little-endian (RecordCursor.sameFields reads them so) */
const LITTLE = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
/** RecordCursor.view: fields up to this many bytes are copied into buffers kept per field and length */
const SCRATCH_LEN = 64;

/**
 * Reads the records of the decoder's output in place, one at a time, for the model: the fields
 * are located (a value offset per field id, stamped with the record's number so that nothing is
 * cleared between records) and decoded only when asked for. No object per record, no BigInt for
 * timestamps or message ids: the analysis of a capture of 50,000 connections made millions of
 * short-lived objects before, a quarter of its time spent collecting them.
 */
export class RecordCursor implements EventRecord {
  kind = 0;
  frame = 0;
  stream = 0;
  fromClient = false;
  ipv6 = false;
  /** decrypted messages reach the model as RawEvents, from the decrypt stage */
  readonly decrypted = false;
  private mem: Uint8Array = new Uint8Array(0);
  private dv: DataView = new DataView(this.mem.buffer);
  private mem32: Int32Array | null = null;
  private mem32Base = 0;
  private p = 0;
  private len = 0;
  private start = 0;
  private keep: FieldFilter | undefined = undefined;
  private tsLo = 0;
  private tsHi = 0;
  /** tsMs of record `tsRec` (the builder and Folder.before both ask for it: made once per record) */
  private tsVal = 0;
  private tsRec = 0;
  /** tsOf's parts of the high word `hiWord` (-1: none yet): 1000·qh·2³², rh·2³² */
  private hiWord = -1;
  private hiQ = 0;
  private hiR = 0;
  private rec = 0;
  private readonly stamp = new Uint32Array(C.MAX_FIELD_ID + 1);
  private readonly at = new Uint32Array(C.MAX_FIELD_ID + 1);
  /** per field its type and length as one word, type | length << 16 (rawFields' key word) */
  private readonly meta = new Int32Array(C.MAX_FIELD_ID + 1);
  private readonly scratchLong: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(C.MAX_FIELD_ID + 1).fill(undefined);
  private readonly scratch: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>((C.MAX_FIELD_ID + 1) * (SCRATCH_LEN + 1)).fill(undefined);

  /** Hands each record of mem[start, end) to out (see RecordSink); `keep` as decodeRecords'. Not re-entrant. */
  run(mem: Uint8Array, start: number, end: number, out: RecordSink, keep: FieldFilter | undefined): void {
    if (mem !== this.mem) {
      this.mem = mem; this.dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
      // (words of the memory for sameFields, where they read as rawFields packs bytes)
      this.mem32 = LITTLE && (mem.byteOffset & 3) === 0 ? new Int32Array(mem.buffer, 0, mem.buffer.byteLength >> 2) : null;
      this.mem32Base = mem.byteOffset;
    }
    this.start = start;
    this.keep = keep;
    const dv = this.dv;
    let p = start;
    while (p + C.REC_HEADER_SIZE <= end) {
      const len = checkedLength(dv, p, start, end);
      this.load(p, len);
      out.record(this);
      p += len;
    }
  }

  private load(p: number, len: number): void {
    const mem = this.mem, dv = this.dv;
    this.p = p;
    this.len = len;
    const kind = dv.getUint16(p + C.REC_OFF_KIND, true);
    const flags = mem[p + C.REC_OFF_FLAGS];
    this.kind = kind;
    this.frame = dv.getUint32(p + C.REC_OFF_FRAME, true);
    this.tsLo = dv.getUint32(p + C.REC_OFF_TS, true);
    this.tsHi = dv.getInt32(p + C.REC_OFF_TS + 4, true);
    this.stream = dv.getInt32(p + C.REC_OFF_STREAM, true);
    this.fromClient = (flags & C.REC_FLAG_FROM_CLIENT) !== 0;
    this.ipv6 = (flags & C.REC_FLAG_IPV6) !== 0;
    // a new stamp: every field of the previous record reads as absent (wraps after 4 G records)
    let rec = (this.rec + 1) >>> 0;
    if (rec === 0) { this.stamp.fill(0); this.tsRec = 0; rec = 1; }
    this.rec = rec;
    const filter = filterFor(kind, this.keep);
    const stamp = this.stamp, at = this.at, meta = this.meta;
    let q = p + C.REC_HEADER_SIZE;
    const recEnd = p + len;
    const m32 = this.mem32;
    if (m32 !== null && ((this.mem32Base + p) & 3) === 0) {
      // (the decoder's records and fields are 4-aligned, assembly/events.ts: a field's header
      // id, type, length in one little-endian word, read at once)
      const base = this.mem32Base;
      while (q + C.FIELD_HEADER_SIZE <= recEnd) {
        const w: number = m32[(base + q) >> 2];
        const id = w & 0xff, flen = w >>> 16;
        const v = q + C.FIELD_HEADER_SIZE;
        if (v + flen > recEnd) throw new Error(`corrupt field ${id} in record at ${p - this.start}`);
        if (!filter || filter[id] === 1) { stamp[id] = rec; at[id] = v; meta[id] = (w & ~0xffff) | ((w >>> 8) & 0xff); }
        q = v + ((flen + 3) & ~3);
      }
      return;
    }
    while (q + C.FIELD_HEADER_SIZE <= recEnd) {
      const id = mem[q];
      const flen = mem[q + 2] | (mem[q + 3] << 8);
      const v = q + C.FIELD_HEADER_SIZE;
      if (v + flen > recEnd) throw new Error(`corrupt field ${id} in record at ${p - this.start}`);
      if (!filter || filter[id] === 1) { stamp[id] = rec; at[id] = v; meta[id] = mem[q + 1] | (flen << 16); }
      q = v + ((flen + 3) & ~3);
    }
  }

  tsMs(): number {
    if (this.tsRec === this.rec) return this.tsVal;
    this.tsRec = this.rec;
    return (this.tsVal = this.tsOf());
  }

  private tsOf(): number {
    const hi = this.tsHi;
    if (hi < 0) return tsMsOf((BigInt(hi) << 32n) | BigInt(this.tsLo));
    // floor(ns / 1000) in exact steps (ns itself does not fit a double): hi = 1000·qh + rh, then
    // (rh·2³² + lo) < 2⁴² divides exactly; the sum rounds (if ever over 2⁵³) as Number() would.
    // (the high word's part once per high word: it changes every 4.3 s of capture)
    if (hi !== this.hiWord) {
      const qh = Math.floor(hi / 1000);
      this.hiWord = hi; this.hiQ = qh * TWO32; this.hiR = (hi - qh * 1000) * TWO32;
    }
    return (this.hiQ + Math.floor((this.hiR + this.tsLo) / 1000)) / 1000;
  }

  has(id: number): boolean { return this.stamp[id] === this.rec; }

  u32(id: number): number | undefined {
    if (this.stamp[id] !== this.rec) return undefined;
    const t = this.meta[id] & 0xff;
    return t === C.T_U32 ? this.dv.getUint32(this.at[id], true) : (this.other(id) as number);
  }

  big(id: number): bigint | undefined {
    if (this.stamp[id] !== this.rec) return undefined;
    const t = this.meta[id] & 0xff;
    if (t === C.T_U64) return this.dv.getBigUint64(this.at[id], true);
    if (t === C.T_I64) return this.dv.getBigInt64(this.at[id], true);
    return this.other(id) as bigint;
  }

  n64(id: number): number | undefined {
    if (this.stamp[id] !== this.rec) return undefined;
    if ((this.meta[id] & 0xff) === C.T_U64) {
      const hi = this.dv.getUint32(this.at[id] + 4, true);
      // below 2^53 the sum is exact; above, Number(bigint) says how it rounds
      if (hi < 0x200000) return hi * TWO32 + this.dv.getUint32(this.at[id], true);
    }
    const v = this.big(id);
    return typeof v === "bigint" ? Number(v) : (v as unknown as number);
  }

  str(id: number): string | undefined {
    if (this.stamp[id] !== this.rec) return undefined;
    const m = this.meta[id], t = m & 0xff, a = this.at[id];
    if (t === C.T_STR) return text(this.mem, a, a + (m >>> 16));
    if (t === C.T_UTF16) return text16(this.mem, a, a + (m >>> 16));
    return this.other(id) as string;
  }

  view(id: number): Uint8Array | undefined {
    if (this.stamp[id] !== this.rec) return undefined;
    const m = this.meta[id], t = m & 0xff, a = this.at[id], n = m >>> 16;
    if (t !== C.T_BYTES && t <= C.T_I64 && t >= C.T_U32) return this.other(id) as Uint8Array;
    // a copy into a buffer of this field and length (no two fields share one), reused by every
    // record: cheaper than a new view of the memory for the few bytes of an address or a list
    // (lists vary in length from message to message: one buffer per field would be remade)
    let b: Uint8Array | undefined;
    if (n <= SCRATCH_LEN) {
      const k = id * (SCRATCH_LEN + 1) + n;
      b = this.scratch[k];
      if (b === undefined) this.scratch[k] = b = new Uint8Array(n);
    } else {
      b = this.scratchLong[id]; // (longer ones: reused while the length stays)
      if (b === undefined || b.length !== n) this.scratchLong[id] = b = new Uint8Array(n);
    }
    const mem = this.mem;
    for (let i = 0; i < n; i++) b[i] = mem[a + i];
    return b;
  }

  rawFields(ids: readonly number[], out: Int32Array): number {
    const mem = this.mem, rec = this.rec, stamp = this.stamp;
    let o = 0;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      if (o >= out.length) return -1;
      if (stamp[id] !== rec) { out[o++] = -1; continue; }
      const m = this.meta[id], n = m >>> 16, a = this.at[id];
      if (o + 1 + ((n + 3) >> 2) > out.length) return -1;
      out[o++] = m;
      // the bytes four to a word, little-endian (as an Int32Array reads them on every platform V8 runs on here: checked, LITTLE)
      for (let i = 0; i < n; i += 4) {
        let w = 0;
        for (let j = 0; j < 4 && i + j < n; j++) w |= mem[a + i + j] << (8 * j);
        out[o++] = w;
      }
    }
    return o;
  }

  sameFields(ids: readonly number[], key: Int32Array): boolean {
    const mem = this.mem, rec = this.rec, stamp = this.stamp, end = key.length;
    // (compared in place, a word at a time where the field is aligned, the first difference
    // ending it: no copy, no hash; fields are 4-aligned in records, see assembly/events.ts)
    const m32 = this.mem32;
    let o = 0;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      if (o >= end) return false;
      if (stamp[id] !== rec) { if (key[o++] !== -1) return false; continue; }
      const m = this.meta[id], n = m >>> 16, a = this.at[id];
      if (key[o++] !== m || o + ((n + 3) >> 2) > end) return false;
      const full = n >> 2, tail = n & 3;
      if (m32 !== null && (a & 3) === 0) {
        const w0 = (this.mem32Base + a) >> 2;
        for (let w = 0; w < full; w++) if (key[o + w] !== m32[w0 + w]) return false;
        if (tail !== 0) {
          let t = 0;
          for (let j = 0; j < tail; j++) t |= mem[a + 4 * full + j] << (8 * j);
          if (key[o + full] !== t) return false;
        }
      } else {
        for (let i = 0; i < n; i += 4) {
          let w = 0;
          for (let j = 0; j < 4 && i + j < n; j++) w |= mem[a + i + j] << (8 * j);
          if (key[o + (i >> 2)] !== w) return false;
        }
      }
      o += (n + 3) >> 2;
    }
    return o === end;
  }

  /** A field of another type than the accessor's: what RawEvent.f would hold (the wasm never writes one). */
  private other(id: number): FieldValue {
    const m = this.meta[id];
    return value(this.mem, this.dv, m & 0xff, this.at[id], m >>> 16);
  }

  event(): RawEvent {
    return decodeRecord(this.mem, this.dv, this.p, this.len, this.start, this.keep);
  }
}
