// JSON.stringify(value)'s text, written as UTF-8 straight into a byte buffer: the CLI's --json
// spool (connectionSpool.ts) writes each connection record with it. JSON.stringify made a string
// of each record (~1.5 KB on the dense bench, 75 MB in all) that was then measured
// (Buffer.byteLength), copied into the spool's write buffer and let go: here the record's bytes
// are made where they are written, and no string is left for the collector. Measured on the dense
// bench's 51,570 records (CPU, the same process, alternating): 0.26 s against 0.41 s for
// JSON.stringify, Buffer.byteLength and the write; in the whole run, ~0.3 s less collection too.
// What makes the difference: an object's keys copied from a tree of the shapes seen (KeyNode),
// integers and 3-place milliseconds written as digits (String() of a double cost a sixth), and
// the values a key had before whose text cannot change (the same string, true, false, null, or
// one of the records' shared frozen values: the phases' names and statuses, a connection's
// signing, server names and systems) copied with the key as one run of bytes, made once
// (KeyNode.kept). Measured with both encoders in one process on the same records as the fold
// puts them, alternating: smb1m-1g's 129,613 records (~1.9 KB each) 29-35 % less time, smb200k's
// 17 %, dense's the same. A writer of smb1m-1g's record shape alone (its keys and constant texts
// written out, named loads, none of them checked) took ~30 % less again: the most a writer
// specialised to the Connection record could give; what is left is the numbers, the
// per-connection strings and the bytes themselves.
//
// The same text as JSON.stringify, whatever the record holds: not a serializer of the Connection
// record's shape (other code adds fields, and a field may be present but undefined), but the
// JSON algorithm (ECMA-262 SerializeJSONProperty) for what records are made of: plain objects
// (for-in gives their own enumerable string keys in the order JSON.stringify takes them, and V8
// reads each value through the object's enum cache, no lookup by name), arrays, strings, numbers,
// booleans and null; an undefined, function or symbol property omitted, an array element of them
// null. Anything else (toJSON, an object of another prototype, a bigint, a getter that throws, an
// inherited enumerable property) stops the encoder: the caller then uses JSON.stringify itself.
// Strings escape as JSON.stringify does (well-formed JSON.stringify, ES2019): " \ and C0 controls
// (\b \f \n \r \t or \u00xx), lone surrogates as \udxxx, lower-case hex; the rest as it is,
// U+2028/U+2029 and DEL included, then UTF-8 (a surrogate pair is one 4-byte character).
// tests/cli-json-bytes.test.ts compares it with JSON.stringify on hostile strings and on every
// fixture's records.

import { ModelPhases, PhaseFacts, PHASE_KEYS, phaseAt, phaseCount } from "../core/model/phaseTable";
import type { ConnModel } from "../core/model/types";

/** Thrown inside the encoder for what it leaves to JSON.stringify. */
const UNUSUAL = Symbol("unusual");
const HEX = "0123456789abcdef";
/** 0…99 as two ASCII digits: the first in the low byte */
const PAIRS = Uint16Array.from({ length: 100 }, (_, i) => (0x30 + ((i / 10) | 0)) | ((0x30 + (i % 10)) << 8));
const OBJECT = Object.prototype;
const ARRAY = Array.prototype;
/** worst case of one UTF-16 code unit: \uXXXX (6 bytes; UTF-8 takes 3 at most) */
const MAX_PER_UNIT = 6;
/** UTF-16 code units of a string encoded between two checks of room */
const STRETCH = 4096;

export class JsonBytes {
  /** bytes 0…at-1 written; a Buffer, for the caller's writes and reads */
  buf: Buffer;
  at = 0;
  /** a byte ≥ 0x80 was written since `nonAscii` was last cleared */
  nonAscii = false;

  /**
   * The objects' keys as text, by the sequence of keys written before them in their object: a
   * key's node holds `"key":` (`,"key":` past the first), the node of the next key written is
   * one of its children. An object's keys are found by comparing pointers, and written as bytes
   * copied, not escaped character by character (keys are half the records' bytes). The records'
   * objects are of a few shapes: the tree stays small (MAX_KEYS in any case).
   */
  private readonly texts = new Texts();
  private readonly keys = new KeyNode("", 0, 0);
  private keyCount = 0;
  /** bytes of the texts the key nodes keep of their values (KEPT_BYTES at most) */
  private keptBytes = 0;

  private view: DataView;
  /** the phase being written (phases) */
  private readonly phase = new PhaseFacts();

  /** a phase record's keys (`{"phase":`, `,"requestFrame":`, …), in PHASE_KEYS' order: nodes of no tree, for their texts and the values they keep */
  private readonly phaseKeys: KeyNode[];

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.phaseKeys = PHASE_KEYS.map((k, i) => {
      const bytes = Buffer.from(`${i === 0 ? "{" : ","}${JSON.stringify(k)}:`, "latin1");
      return new KeyNode(k, this.texts.add(bytes), bytes.length);
    });
  }

  /**
   * Appends JSON.stringify(value)'s UTF-8 at `at`, for a value that is an object (a record);
   * false, with `at` as it was, when the value holds what the encoder leaves to JSON.stringify.
   */
  value(value: object): boolean {
    const start = this.at, nonAscii = this.nonAscii;
    try {
      // an enumerable property on Object.prototype would be in every for-in, in no JSON.stringify
      for (const _ in EMPTY) throw UNUSUAL;
      // a toJSON every array would have, Array.prototype's or Object.prototype's (the texts kept of
      // frozen values, KeyNode.kept, are not written through any(), which looks for one)
      if (typeof (ARRAY as { toJSON?: unknown }).toJSON === "function") throw UNUSUAL;
      this.at = this.any(value, start);
      return true;
    } catch {
      // (a getter that threw throws again in JSON.stringify, for the caller)
      this.at = start;
      this.nonAscii = nonAscii;
      return false;
    }
  }

  /** Room for `n` more bytes past `p` (the buffer grows, keeping what it holds). */
  room(p: number, n: number): void {
    if (p + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, p + n));
    this.buf.copy(b, 0, 0, p);
    this.buf = b;
    this.view = new DataView(b.buffer, b.byteOffset, b.length);
  }

  // Each writer takes the position to write at and returns the one after what it wrote (a
  // position in a local, not the field read and written for every byte).

  private any(v: unknown, p: number): number {
    if (typeof v === "string") return this.string(v, p);
    if (typeof v === "number") return this.number(v, p);
    if (typeof v === "boolean") return this.ascii(v ? "true" : "false", p);
    if (typeof v === "object") {
      if (v === null) return this.ascii("null", p);
      if (typeof (v as { toJSON?: unknown }).toJSON === "function") {
        // a folded connection's phases, from its model (its toJSON gives the same list)
        if (v instanceof ModelPhases && v.c !== null) return this.phases(v.c, p);
        throw UNUSUAL;
      }
      if (Array.isArray(v)) return this.array(v, p);
      const proto = Object.getPrototypeOf(v);
      if (proto !== OBJECT && proto !== null) throw UNUSUAL;
      return this.object(v as Record<string, unknown>, p);
    }
    throw UNUSUAL; // a bigint (JSON.stringify throws), or undefined, a function, a symbol where the caller did not look
  }

  private object(o: Record<string, unknown>, p: number): number {
    this.room(p, 1);
    this.buf[p++] = 0x7b; // {
    let first = true;
    // where the keys written so far lead in the tree of key sequences (null: off it)
    let node: KeyNode | null = this.keys;
    for (const k in o) {
      const e = o[k];
      if (e === undefined || typeof e === "function" || typeof e === "symbol") continue;
      if (node !== null) {
        let c: KeyNode | null = node.next;
        // (keys are internalized strings: a comparison of pointers)
        while (c !== null && c.key !== k) c = c.sibling;
        node = c ?? this.newKey(node, k);
      }
      if (node === null) {
        if (!first) { this.room(p, 1); this.buf[p++] = 0x2c; }
        p = this.string(k, p);
        this.room(p, 1);
        this.buf[p++] = 0x3a; // :
        p = this.any(e, p);
      } else if (typeof e === "number") {
        p = this.number(e, this.words(node.at, node.length, p));
      } else p = this.keyed(node, e, p);
      first = false;
    }
    this.room(p, 1);
    this.buf[p++] = 0x7d; // }
    return p;
  }

  /** `node`'s key and the value `e` (not a number): the text kept of the two if `e` is a value kept (KeyNode.kept), else written (and kept if it may be). */
  private keyed(node: KeyNode, e: unknown, p: number): number {
    let i: number;
    if (node.looks && (i = node.kept(e)) >= 0) {
      // a value this key had before, kept with its text: the key and the value copied as one run
      const run = node.runs[i];
      p = this.words(run >>> 1 & RUN_AT, run >>> RUN_LENGTH_SHIFT, p);
      if (run & 1) this.nonAscii = true;
      return p;
    }
    const start = p;
    p = this.any(e, this.words(node.at, node.length, p));
    if (node.keeps) this.keep(node, e, start, p);
    return p;
  }

  /** The `n` bytes of texts at word `at` (Texts), at `p`; the position after them. */
  private words(at: number, n: number, p: number): number {
    // four bytes a store (the words' last may run past the text: the next write covers it)
    this.room(p, n + 3);
    const v = this.view, w = this.texts.words;
    for (let j = at, end = at + ((n + 3) >> 2), q = p; j < end; j++, q += 4) v.setUint32(q, w[j], true);
    return p + n;
  }

  /** Keeps the text just written at start…end (`node`'s key and the value `e`) as one of the values `node` keeps, if `e` is keepable and the text not too long. */
  private keep(node: KeyNode, e: unknown, start: number, end: number): void {
    const n = end - start;
    // (the cheap tests first: keepable reads a frozen object's properties)
    if (n > MAX_KEPT || this.keptBytes + n > KEPT_BYTES || this.texts.size + (n >> 2) + 1 > RUN_AT || !keepable(e)) return;
    this.keptBytes += n;
    const bytes = this.buf.subarray(start, end);
    node.add(e, this.texts.add(bytes), n, bytes.some((x) => x >= 0x80));
  }

  /** The node of key `k` after `node`'s keys, made (null when the tree is full). */
  private newKey(node: KeyNode, k: string): KeyNode | null {
    if (this.keyCount >= MAX_KEYS) return null;
    this.keyCount++;
    const text = `${node === this.keys ? "" : ","}${JSON.stringify(k)}:`;
    const bytes = Buffer.from(text, "utf8");
    if (bytes.some((x) => x >= 0x80)) return null; // (a key of the code's, ASCII; else written the long way, for nonAscii)
    const c = new KeyNode(k, this.texts.add(bytes), bytes.length);
    c.sibling = node.next;
    node.next = c;
    return c;
  }

  /**
   * The JSON of phasesOf(c) (model/phaseTable.ts), written from the model: each phase's facts
   * into one PhaseFacts, its keys and values written in PHASE_KEYS' order, an absent offset or
   * note left out as JSON.stringify leaves out an undefined. A key's text is copied from its node
   * (phaseKeys), and so are the key and value together when the value is one kept: the phases'
   * names, their statuses and null (these were 70 % of the dense bench's bytes written a
   * character at a time).
   */
  private phases(c: ConnModel, p: number): number {
    const n = phaseCount(c), f = this.phase, k = this.phaseKeys;
    this.room(p, 1);
    this.buf[p++] = 0x5b; // [
    for (let i = 0; i < n; i++) {
      if (i > 0) { this.room(p, 1); this.buf[p++] = 0x2c; }
      phaseAt(c, i, f);
      p = this.keyed(k[0], f.phase, p);
      p = f.requestFrame === null ? this.keyed(k[1], null, p) : this.number(f.requestFrame, this.words(k[1].at, k[1].length, p));
      p = f.responseFrame === null ? this.keyed(k[2], null, p) : this.number(f.responseFrame, this.words(k[2].at, k[2].length, p));
      p = this.keyed(k[3], f.status, p);
      p = f.hasLatency ? this.thousandths(f.latency, this.words(k[4].at, k[4].length, p)) : this.keyed(k[4], null, p);
      if (f.hasOffset) p = this.thousandths(f.offset, this.words(k[5].at, k[5].length, p));
      if (f.note !== undefined) p = this.keyed(k[6], f.note, p);
      this.room(p, 1);
      this.buf[p++] = 0x7d; // }
    }
    this.room(p, 1);
    this.buf[p++] = 0x5d; // ]
    return p;
  }

  private array(a: unknown[], p: number): number {
    this.room(p, 1);
    this.buf[p++] = 0x5b; // [
    for (let i = 0, n = a.length; i < n; i++) {
      if (i > 0) { this.room(p, 1); this.buf[p++] = 0x2c; }
      const e = a[i];
      p = e === undefined || typeof e === "function" || typeof e === "symbol" ? this.ascii("null", p) : this.any(e, p);
    }
    this.room(p, 1);
    this.buf[p++] = 0x5d; // ]
    return p;
  }

  private number(v: number, p: number): number {
    // a 32-bit integer: its digits (-0 is "0", as in JSON.stringify)
    if ((v | 0) === v) {
      this.room(p, 11);
      const b = this.buf;
      let n = v | 0;
      if (n < 0) {
        b[p++] = 0x2d;
        if (n === -0x80000000) return this.ascii("2147483648", p);
        n = -n;
      }
      const digits = n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 1e4 ? 4 : n < 1e5 ? 5 : n < 1e6 ? 6 : n < 1e7 ? 7 : n < 1e8 ? 8 : n < 1e9 ? 9 : 10;
      let q = p + digits;
      p = q;
      // two digits a division (a frame number has six or seven)
      for (; n >= 100; n = (n / 100) | 0) { const t = PAIRS[n % 100]; b[--q] = t >> 8; b[--q] = t & 0xff; }
      if (n >= 10) { const t = PAIRS[n]; b[--q] = t >> 8; b[--q] = t & 0xff; } else b[--q] = 0x30 + n;
      return p;
    }
    // Milliseconds to 3 decimals (the Report's latencies and offsets, a third of its numbers;
    // String() of them was a sixth of the encoder's time): a double that is the nearest one to
    // k/1000 prints as that decimal, trailing zeros cut. That is Number::toString's text: it
    // parses back to the double, and no decimal of fewer digits does (it would be 0.001 or more
    // away, and the doubles below 2^31 are less than 2^-21 apart).
    if (v > -0x80000000 && v < 0x80000000) {
      const k = Math.round(v * 1000);
      if (k / 1000 === v) {
        // (not an integer, those were above: the fraction is not 0)
        const a = k < 0 ? -k : k, whole = Math.floor(a / 1000);
        return this.decimal(k < 0, whole, a - whole * 1000, p);
      }
    }
    return this.ascii(Number.isFinite(v) ? String(v) : "null", p);
  }

  /**
   * number(k / 1000)'s text, for `k` an integer count of thousandths (the phases' latencies and
   * offsets, model/phaseTable.ts): the same digits without the double, whose passing to number()
   * made a heap number of each.
   */
  thousandths(k: number, p: number): number {
    const a = k < 0 ? -k : k;
    // (NaN, or past number()'s 3-place range: as number() writes it)
    if (!(a < 0x80000000 * 1000)) return this.number(k / 1000, p);
    const whole = Math.floor(a / 1000), f = a - whole * 1000;
    if (f !== 0) return this.decimal(k < 0, whole, f, p);
    // an integer (-0 is "0")
    if (k < 0) { this.room(p, 1); this.buf[p++] = 0x2d; }
    return this.number(whole, p);
  }

  /** `whole`.`f` (0 < f < 1000 thousandths, trailing zeros cut), negative if `neg`. */
  private decimal(neg: boolean, whole: number, f: number, p: number): number {
    if (neg) { this.room(p, 1); this.buf[p++] = 0x2d; }
    p = this.number(whole, p);
    this.room(p, 4);
    const b = this.buf;
    const d1 = (f / 100) | 0, r = f - d1 * 100, t = PAIRS[r];
    b[p++] = 0x2e;
    b[p++] = 0x30 + d1;
    if (r !== 0) { b[p++] = t & 0xff; if (t >> 8 !== 0x30) b[p++] = t >> 8; }
    return p;
  }

  /** Text that is ASCII and needs no escape (the encoder's own). */
  private ascii(s: string, p: number): number {
    const n = s.length;
    this.room(p, n);
    const b = this.buf;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    return p;
  }

  private string(s: string, p: number): number {
    const n = s.length;
    // room is made a stretch at a time (a long string does not ask for 6 bytes a character at once)
    this.room(p, 2 + Math.min(n, STRETCH + 1) * MAX_PER_UNIT);
    let b = this.buf;
    b[p++] = 0x22;
    for (let i = 0; i < n;) {
      const end = Math.min(n, i + STRETCH);
      if (i > 0) { this.room(p, 1 + (end - i + 1) * MAX_PER_UNIT); b = this.buf; }
      // (a surrogate pair at the stretch's end takes one unit past it: room for STRETCH + 1)
      for (; i < end; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x80) {
          if (c >= 0x20 && c !== 0x22 && c !== 0x5c) { b[p++] = c; continue; }
          b[p++] = 0x5c;
          if (c === 0x22 || c === 0x5c) b[p++] = c;
          else if (c === 0x08) b[p++] = 0x62; // \b
          else if (c === 0x0c) b[p++] = 0x66; // \f
          else if (c === 0x0a) b[p++] = 0x6e; // \n
          else if (c === 0x0d) b[p++] = 0x72; // \r
          else if (c === 0x09) b[p++] = 0x74; // \t
          else p = unicodeEscape(b, p, c);
          continue;
        }
        if (c < 0x800) { b[p++] = 0xc0 | (c >> 6); b[p++] = 0x80 | (c & 0x3f); this.nonAscii = true; continue; }
        if (c >= 0xd800 && c <= 0xdfff) {
          const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
            this.nonAscii = true;
            const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            b[p++] = 0xf0 | (cp >> 18); b[p++] = 0x80 | ((cp >> 12) & 0x3f); b[p++] = 0x80 | ((cp >> 6) & 0x3f); b[p++] = 0x80 | (cp & 0x3f);
            i++;
          } else { b[p++] = 0x5c; p = unicodeEscape(b, p, c); } // a lone surrogate
          continue;
        }
        b[p++] = 0xe0 | (c >> 12); b[p++] = 0x80 | ((c >> 6) & 0x3f); b[p++] = 0x80 | (c & 0x3f);
        this.nonAscii = true;
      }
    }
    // (room for the closing quote made with the last stretch's, or the first's when n is 0)
    b[p++] = 0x22;
    return p;
  }
}

const EMPTY = {};
const MAX_KEYS = 4096;
/** values a key keeps the text of (KeyNode.kept), the longest such text, and all of them at most */
const KEPT_VALUES = 8;
const MAX_KEPT = 256;
const KEPT_BYTES = 64 << 10;
/** a key whose values were not kept values that many times (and more than twice as often as they were) stops looking */
const MISSES = 64;

/**
 * A value whose text cannot change: a string (not a long one), a boolean or null, or a frozen
 * array or plain object of such (the records' shared values: connectionRecord.ts SharedValues),
 * its own properties all data, none an object. (Object.prototype's and Array.prototype's toJSON,
 * which could change what it is, value() looks for on every call.)
 */
function keepable(e: unknown): boolean {
  if (typeof e === "string") return e.length <= MAX_KEPT;
  if (typeof e !== "object") return typeof e === "boolean";
  if (e === null) return true;
  // (a prototype of its own could be given a toJSON later)
  const proto = Object.getPrototypeOf(e);
  if (!Object.isFrozen(e) || (proto !== (Array.isArray(e) ? ARRAY : OBJECT) && proto !== null)) return false;
  for (const k of Reflect.ownKeys(e)) {
    const d = Object.getOwnPropertyDescriptor(e, k)!;
    if (!("value" in d) || (typeof d.value === "object" && d.value !== null)) return false;
  }
  return true;
}

class KeyNode {
  /** the first of the keys that came next, and the next of those after this one */
  next: KeyNode | null = null;
  sibling: KeyNode | null = null;
  /**
   * Values this key had whose text cannot change (keepable), each with the text of the key and
   * the value (a run: where it is in Texts, its length, whether a byte of it is ≥ 0x80): the next
   * time the key has one of them (=== : the same string, or the same shared object), its text is
   * copied, not made again. The records' keys mostly have the same few values: the phases' names
   * and statuses, "ok", null, false, a connection's shared signing, server names and systems.
   */
  readonly values: unknown[] = [];
  readonly runs: number[] = [];
  /** looking among the values (false: this key's values are seldom kept ones, a connection's id say) */
  looks = true;
  private misses = 0;
  private hits = 0;
  /** `at`, `length`: the key's text (`"key":`, or `,"key":`) in Texts */
  constructor(readonly key: string, readonly at: number, readonly length: number) {}
  /** more values may be kept */
  get keeps(): boolean { return this.values.length < KEPT_VALUES; }
  /** The index of `e` among the values kept, or -1. */
  kept(e: unknown): number {
    const vs = this.values;
    for (let i = 0; i < vs.length; i++) if (vs[i] === e) { this.hits++; return i; }
    if (vs.length === KEPT_VALUES && ++this.misses > MISSES && this.misses > 2 * this.hits) this.looks = false;
    return -1;
  }
  add(e: unknown, at: number, length: number, wide: boolean): void {
    this.values.push(e);
    // (at < 2^20 words: KEPT_BYTES and the keys' texts; length ≤ MAX_KEPT)
    this.runs.push(length << RUN_LENGTH_SHIFT | at << 1 | +wide);
  }
}

/** A kept value's run, in one number: its length, its place in Texts (in words), whether it is wide. */
const RUN_AT = (1 << 20) - 1, RUN_LENGTH_SHIFT = 21;

/**
 * The texts the encoder copies (the keys', the values kept), one after the other as little-endian
 * 32-bit words, each from a word of its own: in one array, not one each (~90 of them are copied
 * for a record: they stay near one another in the caches).
 */
class Texts {
  words = new Uint32Array(1024);
  private used = 0;
  /** words used */
  get size(): number { return this.used; }
  /** Adds the bytes; returns the word they start at. */
  add(bytes: Uint8Array): number {
    const at = this.used, n = (bytes.length + 3) >> 2;
    if (at + n > this.words.length) {
      const w = new Uint32Array(Math.max(2 * this.words.length, at + n));
      w.set(this.words);
      this.words = w;
    }
    for (let j = 0; j < bytes.length; j++) this.words[at + (j >> 2)] |= bytes[j] << (8 * (j & 3));
    this.used = at + n;
    return at;
  }
}

/** `u` and four lower-case hex digits of `c` (after the backslash), at `p`; the next position. */
function unicodeEscape(b: Uint8Array, p: number, c: number): number {
  b[p++] = 0x75;
  b[p++] = HEX.charCodeAt(c >> 12);
  b[p++] = HEX.charCodeAt((c >> 8) & 0xf);
  b[p++] = HEX.charCodeAt((c >> 4) & 0xf);
  b[p++] = HEX.charCodeAt(c & 0xf);
  return p;
}
