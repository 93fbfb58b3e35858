// Turns the wasm's binary event records (layout in assembly/events.ts) into plain objects.
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

function intern(units: ArrayLike<number>, n: number, h: number): string {
  const slot = (h ^ (h >>> 16)) & (INTERN_SLOTS - 1);
  const s = interned[slot];
  if (s.length === n) {
    let j = 0;
    while (j < n && s.charCodeAt(j) === units[j]) j++;
    if (j === n) return s;
  }
  // One flat string from the code units (building it with += would leave a chain of cons
  // strings in the model, several times the size of the text).
  const t = String.fromCharCode.apply(null, units as unknown as number[]);
  interned[slot] = t;
  return t;
}

function text(mem: Uint8Array, a: number, b: number): string {
  if (b - a <= SHORT) {
    let h = 0x811c9dc5, i = a;
    while (i < b && mem[i] < 0x80) { h = Math.imul(h ^ mem[i], 0x01000193); i++; }
    if (i === b) return intern(mem.subarray(a, b), b - a, h);
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
    if (n >= 0) return intern(scratch.subarray(0, n), n, h);
  }
  return utf16.decode(mem.subarray(a, b));
}

/** Where decoded events go: an array, or a consumer that takes them one by one (see source.ts). */
export interface EventSink { push(ev: RawEvent): unknown }

/** Decodes the records in mem[start, end); with `keep`, only the fields it marks (see FieldFilter). */
export function decodeRecords(mem: Uint8Array, start: number, end: number, out: EventSink, keep?: FieldFilter): void {
  const dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  let p = start;
  while (p + C.REC_HEADER_SIZE <= end) {
    const kind = dv.getUint16(p + C.REC_OFF_KIND, true);
    const len = dv.getUint16(p + C.REC_OFF_LENGTH, true);
    if (len < C.REC_HEADER_SIZE || p + len > end) throw new Error(`corrupt event record at ${p - start}: length ${len}`);
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
    const filter = keep && kind !== C.EV_WARNING && kind !== C.EV_ERROR && kind !== C.EV_CAPTURE && kind !== C.EV_SUMMARY ? keep : undefined;
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
      let value: FieldValue;
      switch (type) {
        case C.T_U32: value = dv.getUint32(v, true); break;
        case C.T_U64: value = dv.getBigUint64(v, true); break;
        case C.T_I64: value = dv.getBigInt64(v, true); break;
        case C.T_STR: value = text(mem, v, v + flen); break;
        case C.T_UTF16: value = text16(mem, v, v + flen); break;
        default: value = mem.slice(v, v + flen);
      }
      ev.f[FIELD_NAME_BY_ID[id] ?? `f${id}`] = value;
    }
    out.push(ev);
    p += len;
  }
}
