// The compact stored form of a Report (history): its long lists (connections, findings, Kerberos
// messages, servers) as columns, everything else as JSON. A column is chosen for what its values
// are, whatever the field: numbers in the narrowest typed array (or their differences, for the
// frame numbers that grow down a list), strings as indexes into one string table, a value every
// record shares once, nested lists (phases, shares, ladders, a finding's frames) flattened into
// one column beside their lengths, nested records as columns of their own. A field the Report
// gains later is stored like the others: nothing is named here, and nothing can be lost (the
// decoded Report is JSON.stringify-equal to the one encoded, key order included).
//
// Layout: "SMBSCOL1", u32 header length, the header (JSON: the columns' description, the Report's
// other fields), then the sections (typed arrays, 8-byte aligned; the string table is one JSON
// array; since version 3 each column of mostly distinct strings is a section of its own, so that
// opening a stored form parses only the strings shared, and a column's when it is read). Lists are encoded SLICE records at a time, with a pause between slices, so that the
// worker writing a 100,000-connection Report keeps answering the page.

/** How one column of values is stored. Section numbers index Header.sections. */
export type Col =
  | { k: "int"; a: number; d?: 1; s?: number } // integers; d: stored as differences from the previous value; s: the values are these integers / s (3 decimals: 0.303 ms)
  | { k: "num"; a: number } //          other numbers (Float64)
  | { k: "bool"; a: number } //         Uint8 0/1
  | { k: "str"; a: number } //          string table indexes
  | { k: "utf8"; a: number } //         strings mostly distinct (ids, addresses and ports): their JSON array, UTF-8, a section of its own
  //                                     (version 3: parsed when its column is read, not with the string table when the
  //                                     stored form is opened: 8.7 of its 8.8 MB for 100,000 connections)
  | { k: "text"; t: number } //         (versions 1 and 2, still read) the same JSON array as the string table entry t
  | { k: "const"; v: unknown } //       every value is this one (a string, number, boolean or null)
  | { k: "opt"; nul: number; of: Col } // Uint8 1 where the value is null; `of` holds the others
  | { k: "arr"; len: number; of: Col } // lists: their lengths, and all their elements one after the other
  | { k: "obj"; keys: string[]; shapes: number[][]; shape?: number; cols: Col[] } // records: shapes are key orders (indexes into keys), `shape` the section of each record's shape (absent: one shape)
  | { k: "json"; a: number }; //        string table indexes of each value's JSON text: values of mixed kinds, and
  //                                     records or lists of which there are few distinct ones (a connection's
  //                                     signing, the systems it names, a finding's remediation), read once and shared

/**
 * A list field: `n` records in slices of `size`. `at` (stored form version 2): the section of each
 * stored record's position in the list, where they were stored in another order (the worker's
 * connection records, stored as the analysis puts them: worker/connectionColumns.ts); absent, the
 * records are stored in list order.
 */
export interface ListField { n: number; size: number; slices: Col[]; at?: number }

/** a field of the Report: its JSON value, or a list of `n` records in slices of `size` */
type Field = [key: string, value: { json: unknown } | ListField];

interface Header {
  /** 1; 2 when a list has `at` (a reader of version 1 would put its records out of order); 3 when a column is "utf8" */
  v: 1 | 2 | 3;
  /** [type code, element count] of each section, in order */
  sections: [number, number][];
  /** the section holding the string table (a JSON array, UTF-8) */
  strings: number;
  /** the Report's fields in their order */
  fields: Field[];
}

/** The stored form's media type, gzip-compressed (the Blob's type; history's reports store keeps it beside the Blob). */
export const COLUMNS_FORMAT = "application/vnd.smbscope.columns+gzip";

const MAGIC = "SMBSCOL1";
/** Records encoded between two pauses, and decoded together when one of them is asked for (2,048 connections: ~10 ms). */
export const SLICE = 2048;
/** The text columns StoredColumns keeps parsed (each a slice's ids, or clients: 2,048 strings). */
const TEXTS_KEPT = 64;

type Typed = Uint8Array | Int8Array | Uint16Array | Int16Array | Int32Array | Uint32Array | Float64Array;
const TYPES = [Uint8Array, Int8Array, Uint16Array, Int16Array, Int32Array, Uint32Array, Float64Array] as const;
type Ctor = (typeof TYPES)[number];

/** The smallest integer type holding min..max (index into TYPES), or -1. */
function intType(min: number, max: number): number {
  if (min >= 0 && max <= 0xff) return 0;
  if (min >= -0x80 && max <= 0x7f) return 1;
  if (min >= 0 && max <= 0xffff) return 2;
  if (min >= -0x8000 && max <= 0x7fff) return 3;
  if (min >= -0x80000000 && max <= 0x7fffffff) return 4;
  return -1;
}

/** The sections and the string table a stored form is being written into (its lists can be encoded ahead: encodeSlice). */
export class Writer {
  sections: Typed[] = [];
  private strings = new Map<string, number>();
  /** the string table (read in place by a Reader on this writer: Reader.of) */
  readonly list: string[] = [];
  /** a "utf8" column was written: the stored form is version 3 */
  utf8 = false;
  /** the "utf8" sections by their text (equal columns stored once, as equal strings are in the string table) */
  private texts = new Map<string, number>();

  /** Forgets which strings it holds (the index costs as much as they do): later ones may be stored again. */
  forgetIndex(): void { this.strings = new Map(); this.texts = new Map(); }

  /** What it holds now, to go back to (truncate) once a stored form is written on top of it. */
  mark(): [sections: number, strings: number] { return [this.sections.length, this.list.length]; }
  truncate([sections, strings]: [number, number]): void {
    this.sections.length = sections;
    for (const [t, i] of this.texts) if (i >= sections) this.texts.delete(t);
    for (let i = strings; i < this.list.length; i++) if (this.strings.get(this.list[i]) === i) this.strings.delete(this.list[i]);
    this.list.length = strings;
  }

  add(t: Typed): number { this.sections.push(t); return this.sections.length - 1; }

  /** The section of a "utf8" column's text (a JSON array). */
  text(json: string): number {
    let i = this.texts.get(json);
    if (i === undefined) { this.utf8 = true; i = this.add(UTF8.encode(json)); this.texts.set(json, i); }
    return i;
  }

  str(s: string): number {
    let i = this.strings.get(s);
    if (i === undefined) { i = this.list.length; this.strings.set(s, i); this.list.push(s); }
    return i;
  }

  stringCount(): number { return this.list.length; }

  /** Indexes (below `max`) in the narrowest unsigned array. */
  indexes(ix: ArrayLike<number>, n: number, max: number): number {
    const C: Ctor = max <= 0xff ? Uint8Array : max <= 0xffff ? Uint16Array : Uint32Array;
    const a = new C(n);
    for (let i = 0; i < n; i++) a[i] = ix[i];
    return this.add(a);
  }

  stringTable(): Uint8Array { return new TextEncoder().encode(JSON.stringify(this.list)); }
}

const UTF8 = new TextEncoder();
const FROM_UTF8 = new TextDecoder();

const T_NUM = 1, T_STR = 2, T_BOOL = 4, T_ARR = 8, T_OBJ = 16, T_NULL = 32;

function typeOf(v: unknown): number {
  switch (typeof v) {
    case "number": return T_NUM;
    case "string": return T_STR;
    case "boolean": return T_BOOL;
    case "object": return v === null ? T_NULL : Array.isArray(v) ? T_ARR : T_OBJ;
    default: return T_NULL; // undefined, a function: null in a JSON list (records leave them out before)
  }
}

/** Stores `vs` (a column of JSON values) and says how (`list`: a slice of the Report's list itself, never few distinct). */
function encodeCol(vs: readonly unknown[], w: Writer, list = false): Col {
  const n = vs.length;
  if (n === 0) return { k: "const", v: null };
  let types = 0;
  let same = true;
  const v0 = vs[0];
  for (let i = 0; i < n; i++) {
    const v = vs[i];
    types |= typeOf(v);
    if (same && v !== v0) same = false;
  }
  if (same && !(types & (T_ARR | T_OBJ))) return { k: "const", v: v0 === undefined ? null : v0 };
  const kinds = types & ~T_NULL;
  if (types & T_NULL && (kinds & (kinds - 1)) === 0) {
    // one kind of value, or null: where the nulls are, and the others
    const nul = new Uint8Array(n);
    const rest: unknown[] = [];
    for (let i = 0; i < n; i++) { const v = vs[i]; if (typeOf(v) === T_NULL) nul[i] = 1; else rest.push(v); }
    return { k: "opt", nul: w.add(nul), of: encodeCol(rest, w) };
  }
  switch (types) {
    case T_NUM: return encodeNumbers(vs as readonly number[], w);
    case T_STR: {
      if (mostlyDistinct(vs as readonly string[])) return { k: "utf8", a: w.text(JSON.stringify(vs)) };
      const ix = new Uint32Array(n);
      let prev: unknown = undefined, at = 0;
      for (let i = 0; i < n; i++) { const v = vs[i]; if (v !== prev) { prev = v; at = w.str(v as string); } ix[i] = at; }
      return { k: "str", a: w.indexes(ix, n, w.stringCount()) };
    }
    case T_BOOL: {
      const a = new Uint8Array(n);
      for (let i = 0; i < n; i++) a[i] = vs[i] ? 1 : 0;
      return { k: "bool", a: w.add(a) };
    }
    case T_ARR: {
      const len = new Uint32Array(n);
      let total = 0, max = 0;
      for (let i = 0; i < n; i++) { const l = (vs[i] as unknown[]).length; len[i] = l; total += l; if (l > max) max = l; }
      const all: unknown[] = new Array(total);
      let k = 0;
      for (let i = 0; i < n; i++) { const a = vs[i] as unknown[]; for (let j = 0; j < a.length; j++) all[k++] = a[j]; }
      return { k: "arr", len: w.indexes(len, n, max + 1), of: encodeCol(all, w) };
    }
    case T_OBJ: return (list ? null : fewDistinct(vs, w)) ?? encodeRecords(vs as readonly object[], w);
    default: {
      const ix = new Uint32Array(n);
      for (let i = 0; i < n; i++) ix[i] = w.str(JSON.stringify(vs[i] === undefined ? null : vs[i]));
      return { k: "json", a: w.indexes(ix, n, w.stringCount()) };
    }
  }
}

/** How many values of a column are looked at to choose its form. */
const SAMPLE = 256;

/** True when the first SAMPLE strings are all different (a table of them would only cost time). */
function mostlyDistinct(vs: readonly string[]): boolean {
  const m = Math.min(vs.length, SAMPLE);
  if (m < 64) return false;
  const seen = new Set<string>();
  for (let i = 0; i < m; i++) seen.add(vs[i]);
  return seen.size === m;
}

/** Records with few distinct values as a "json" column, else null. */
function fewDistinct(vs: readonly unknown[], w: Writer): Col | null {
  const n = vs.length;
  if (n < 16) return null;
  // (a few first: stringifying whole connections to find them all different costs more than the rest)
  const seen = new Set<string>();
  for (let i = 0; i < Math.min(n, 32); i++) { seen.add(JSON.stringify(vs[i])); if (seen.size > 4) return null; }
  const text = new Array<string>(n);
  const distinct = new Set<string>();
  for (let i = 0; i < n; i++) { const t = JSON.stringify(vs[i]); text[i] = t; distinct.add(t); }
  if (distinct.size > Math.max(16, n >> 4)) return null;
  const ix = new Uint32Array(n);
  let prev = "", at = 0;
  for (let i = 0; i < n; i++) { if (i === 0 || text[i] !== prev) { prev = text[i]; at = w.str(prev); } ix[i] = at; }
  return { k: "json", a: w.indexes(ix, n, w.stringCount()) };
}

/** Numbers with at most 3 decimals, as integers / 1000 (exactly: each is checked to read back the same). */
function milli(vs: readonly number[]): Float64Array | null {
  const n = vs.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = vs[i], m = Math.round(v * 1000);
    if (m / 1000 !== v || Object.is(v, -0) || !(Math.abs(m) <= 0x7fffffff)) return null;
    out[i] = m;
  }
  return out;
}

function encodeNumbers(vs: readonly number[], w: Writer): Col {
  const n = vs.length;
  let min = Infinity, max = -Infinity, dmin = Infinity, dmax = -Infinity, ints = true, prev = 0;
  for (let i = 0; i < n; i++) {
    const v = vs[i];
    if (!Number.isInteger(v) || Object.is(v, -0)) { ints = false; break; }
    if (v < min) min = v;
    if (v > max) max = v;
    const d = v - prev;
    if (d < dmin) dmin = d;
    if (d > dmax) dmax = d;
    prev = v;
  }
  const t = ints ? intType(min, max) : -1;
  if (t < 0) {
    const m = ints ? null : milli(vs);
    if (m) { const c = encodeNumbers(Array.from(m), w); if (c.k === "int") return { ...c, s: 1000 }; }
    return { k: "num", a: w.add(Float64Array.from(vs)) };
  }
  const td = intType(dmin, dmax);
  const C = TYPES[td >= 0 && TYPES[td].BYTES_PER_ELEMENT < TYPES[t].BYTES_PER_ELEMENT ? td : t];
  const a = new C(n);
  if (C === TYPES[t]) { for (let i = 0; i < n; i++) a[i] = vs[i]; return { k: "int", a: w.add(a) }; }
  prev = 0;
  for (let i = 0; i < n; i++) { a[i] = vs[i] - prev; prev = vs[i]; }
  return { k: "int", a: w.add(a), d: 1 };
}

function encodeRecords(vs: readonly object[], w: Writer): Col {
  const n = vs.length;
  const keyAt = new Map<string, number>();
  const keys: string[] = [];
  const vals: unknown[][] = [];
  const shapeAt = new Map<string, number>();
  const shapes: number[][] = [];
  const shapeOf = new Uint32Array(n);
  let last = -1;
  for (let i = 0; i < n; i++) {
    const o = vs[i] as Record<string, unknown>;
    const own = Object.keys(o);
    // most records have the keys of the one before: checked without a signature
    let s = last;
    if (s >= 0) {
      const cols = shapes[s];
      let m = 0;
      for (let x = 0; x < own.length && s >= 0; x++) {
        const v = o[own[x]];
        if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
        if (m >= cols.length || keys[cols[m]] !== own[x]) s = -1;
        else m++;
      }
      if (m !== cols.length) s = -1;
    }
    if (s < 0) {
      let sig = "";
      const cols: number[] = [];
      for (const key of own) {
        const v = o[key];
        if (v === undefined || typeof v === "function" || typeof v === "symbol") continue; // as JSON.stringify leaves them out
        let j = keyAt.get(key);
        if (j === undefined) { j = keys.length; keyAt.set(key, j); keys.push(key); vals.push([]); }
        cols.push(j);
        sig += `${j},`;
      }
      s = shapeAt.get(sig) ?? -1;
      if (s < 0) { s = shapes.length; shapeAt.set(sig, s); shapes.push(cols); }
    }
    const cols = shapes[s];
    for (let m = 0; m < cols.length; m++) { const j = cols[m]; vals[j].push(o[keys[j]]); }
    shapeOf[i] = s;
    last = s;
  }
  const col: Col = { k: "obj", keys, shapes, cols: vals.map((v) => encodeCol(v, w)) };
  if (shapes.length > 1) col.shape = w.indexes(shapeOf, n, shapes.length);
  return col;
}

/** One slice of a list's records (at most SLICE), encoded ahead into `w` (see encodeColumns' `lists`). */
export function encodeSlice(records: readonly object[], w: Writer): Col { return encodeCol(records, w, true); }

/** A pause between slices (a macrotask: the worker's other messages are answered meanwhile). */
export const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/**
 * The Report (any JSON object) in the stored form's bytes, as Blob parts. `lists`: fields whose
 * records were encoded ahead into `w` (their value in `report` is not read); `w` is then left as
 * it was given (the parts hold what was added to it: make the Blob before `w` is used again).
 */
export async function encodeColumns(report: object, between: () => Promise<void> = pause, w = new Writer(), lists: Record<string, ListField> = {}): Promise<BlobPart[]> {
  const before = w.mark();
  const fields: Field[] = [];
  for (const key of Object.keys(report)) {
    const v = (report as Record<string, unknown>)[key];
    if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
    if (lists[key]) { fields.push([key, lists[key]]); continue; }
    if (!Array.isArray(v) || v.length === 0) { fields.push([key, { json: v }]); continue; }
    const slices: Col[] = [];
    for (let i = 0; i < v.length; i += SLICE) {
      slices.push(encodeCol(v.length <= SLICE ? v : v.slice(i, i + SLICE), w, true));
      await between();
    }
    fields.push([key, { n: v.length, size: SLICE, slices }]);
  }
  const strings = w.add(w.stringTable());
  const v = w.utf8 ? 3 : fields.some(([, f]) => "at" in f && f.at !== undefined) ? 2 : 1;
  const header: Header = { v, sections: w.sections.map((s) => [TYPES.indexOf(s.constructor as Ctor), s.length]), strings, fields };
  const head = new TextEncoder().encode(JSON.stringify(header));
  const lead = new Uint8Array(12);
  lead.set(new TextEncoder().encode(MAGIC));
  new DataView(lead.buffer).setUint32(8, head.length, true);
  const parts: BlobPart[] = [lead, head];
  let at = 12 + head.length;
  for (const s of w.sections) {
    const padding = (8 - (at % 8)) % 8;
    if (padding) { parts.push(new Uint8Array(padding)); at += padding; }
    parts.push(s as Uint8Array<ArrayBuffer>);
    at += s.byteLength;
  }
  w.truncate(before);
  return parts;
}

/** True when the bytes are the stored form (before any gzip). */
export function isColumns(bytes: Uint8Array): boolean {
  if (bytes.length < 12) return false;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return false;
  return true;
}

class Reader {
  private constructor(private readonly sections: Typed[], readonly strings: string[]) {}

  static fromBuffer(buf: ArrayBuffer, offset: number, h: Header): Reader {
    let at = offset;
    const sections: Typed[] = [];
    for (const [code, count] of h.sections) {
      const C = TYPES[code];
      if (!C) throw new Error(`unknown section type ${code}`);
      at += (8 - (at % 8)) % 8;
      if (at + count * C.BYTES_PER_ELEMENT > buf.byteLength) throw new Error("truncated");
      sections.push(new C(buf, at, count));
      at += count * C.BYTES_PER_ELEMENT;
    }
    return new Reader(sections, JSON.parse(new TextDecoder().decode(sections[h.strings])) as string[]);
  }

  /** The sections and strings of a Writer, read where they are (lists encoded ahead, before any stored form). */
  static of(w: Writer): Reader { return new Reader(w.sections, w.list); }

  /** A "utf8" column's strings (its section's JSON array), checked to be `n`. */
  texts(i: number, n: number): string[] {
    const s = this.sections[i];
    const out = s instanceof Uint8Array ? (JSON.parse(FROM_UTF8.decode(s)) as unknown) : null;
    if (!Array.isArray(out) || out.length !== n) throw new Error(`text column of ${n} values holds ${Array.isArray(out) ? out.length : "none"}`);
    return out as string[];
  }

  section(i: number, n: number): Typed {
    const s = this.sections[i];
    if (!s || s.length !== n) throw new Error(`section ${i} does not hold ${n} values`);
    return s;
  }
}

/** The `n` values of a column (a typed array for integers: read, never written). */
function decodeCol(c: Col, n: number, r: Reader): ArrayLike<unknown> {
  switch (c.k) {
    case "const": return new Array(n).fill(c.v);
    case "int": {
      const a = r.section(c.a, n);
      if (!c.d && !c.s) return a;
      const out = c.s ? new Float64Array(n) : new Int32Array(n);
      if (c.d) { let v = 0; for (let i = 0; i < n; i++) { v += a[i]; out[i] = v; } } else out.set(a);
      if (c.s) for (let i = 0; i < n; i++) out[i] /= c.s;
      return out;
    }
    case "num": return r.section(c.a, n);
    case "bool": { const a = r.section(c.a, n); const out = new Array<boolean>(n); for (let i = 0; i < n; i++) out[i] = a[i] === 1; return out; }
    case "str": { const a = r.section(c.a, n), s = r.strings; const out = new Array<string>(n); for (let i = 0; i < n; i++) out[i] = s[a[i]]; return out; }
    case "utf8": return r.texts(c.a, n);
    case "text": {
      const out = JSON.parse(r.strings[c.t] ?? "null") as unknown;
      if (!Array.isArray(out) || out.length !== n) throw new Error(`text column of ${n} values holds ${Array.isArray(out) ? out.length : "none"}`);
      return out as string[];
    }
    case "json": {
      // (each distinct value parsed once: the records that had equal ones share it)
      const a = r.section(c.a, n), s = r.strings;
      const parsed = new Map<number, unknown>();
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        const x = a[i];
        let v = parsed.get(x);
        if (v === undefined) { v = JSON.parse(s[x]); parsed.set(x, v); }
        out[i] = v;
      }
      return out;
    }
    case "opt": {
      const nul = r.section(c.nul, n);
      let m = 0;
      for (let i = 0; i < n; i++) if (!nul[i]) m++;
      const of = decodeCol(c.of, m, r);
      const out = new Array<unknown>(n);
      for (let i = 0, j = 0; i < n; i++) out[i] = nul[i] ? null : of[j++];
      return out;
    }
    case "arr": {
      const len = r.section(c.len, n);
      let total = 0;
      for (let i = 0; i < n; i++) total += len[i];
      const of = decodeCol(c.of, total, r);
      const out = new Array<unknown[]>(n);
      for (let i = 0, k = 0; i < n; i++) {
        const l = len[i];
        const a = new Array<unknown>(l);
        for (let j = 0; j < l; j++) a[j] = of[k++];
        out[i] = a;
      }
      return out;
    }
    case "obj": return decodeRecords(c, n, r, null);
  }
  throw new Error(`unknown column kind ${(c as { k: string }).k}`);
}

type Records = Extract<Col, { k: "obj" }>;

/** How many values each column of `c` holds (the records whose shape has its key). */
function columnCounts(c: Records, n: number, r: Reader): { shapeOf: Typed | null; counts: number[] } {
  const shapeOf = c.shape === undefined ? null : r.section(c.shape, n);
  const perShape = new Array<number>(c.shapes.length).fill(0);
  if (shapeOf) for (let i = 0; i < n; i++) { const s = shapeOf[i]; if (!(s < perShape.length)) throw new Error("bad shape"); perShape[s]++; }
  else perShape[0] = n;
  const counts = new Array<number>(c.keys.length).fill(0);
  c.shapes.forEach((cols, s) => { for (const j of cols) counts[j] += perShape[s]; });
  return { shapeOf, counts };
}

/** The records; the keys in `later` are null in them until fillRecords. */
function decodeRecords(c: Records, n: number, r: Reader, later: ReadonlySet<string> | null): object[] {
  const { shapeOf, counts } = columnCounts(c, n, r);
  const vals = c.cols.map((col, j) => (later?.has(c.keys[j]) ? null : decodeCol(col, counts[j], r)));
  // each record starts as a copy of its shape's template, made by JSON.parse (an object sized for
  // its keys, in order): the copy takes the template's hidden class at once, and filling it in
  // changes no shape. (Keys added one by one to {} make a record of 27 fields a dictionary.)
  const templates = c.shapes.map((cols) => JSON.parse(`{${cols.map((j) => `${JSON.stringify(c.keys[j])}:null`).join(",")}}`) as Record<string, unknown>);
  // the keys filled in here, per shape (those decoded later stay null)
  const names = c.shapes.map((cols) => cols.filter((j) => vals[j]).map((j) => c.keys[j]));
  const idx = c.shapes.map((cols) => cols.filter((j) => vals[j]));
  const out = new Array<object>(n);
  if (!shapeOf) {
    const t = templates[0], ks = names[0], cols = idx[0].map((j) => vals[j]!);
    for (let i = 0; i < n; i++) {
      const o: Record<string, unknown> = { ...t };
      for (let m = 0; m < ks.length; m++) o[ks[m]] = cols[m][i];
      out[i] = o;
    }
    return out;
  }
  const at = new Int32Array(c.keys.length);
  for (let i = 0; i < n; i++) {
    const s = shapeOf[i], ks = names[s], js = idx[s];
    const o: Record<string, unknown> = { ...templates[s] };
    for (let m = 0; m < ks.length; m++) { const j = js[m]; o[ks[m]] = vals[j]![at[j]++]; }
    out[i] = o;
  }
  return out;
}

/**
 * Values from..from+count of a column of n values, without decoding the others (the table's rows
 * in view come from slices all over the list: decoding each whole, 2,048 records, for one row took
 * ~10 ms). One pass over each column involved, whatever the range. A text column's list is parsed
 * once into `texts` (by its string table entry).
 */
function valuesAt(c: Col, n: number, from: number, count: number, r: Reader, texts: Map<number, unknown[]>): unknown[] {
  const to = from + count;
  const out = new Array<unknown>(count);
  switch (c.k) {
    case "const": return out.fill(c.v);
    case "int": {
      const a = r.section(c.a, n);
      let v = 0;
      if (c.d) for (let i = 0; i < from; i++) v += a[i];
      for (let i = from; i < to; i++) {
        const x = c.d ? (v += a[i]) : a[i];
        out[i - from] = c.s ? x / c.s : x;
      }
      return out;
    }
    case "num": { const a = r.section(c.a, n); for (let i = from; i < to; i++) out[i - from] = a[i]; return out; }
    case "bool": { const a = r.section(c.a, n); for (let i = from; i < to; i++) out[i - from] = a[i] === 1; return out; }
    case "str": { const a = r.section(c.a, n); for (let i = from; i < to; i++) out[i - from] = r.strings[a[i]]; return out; }
    case "utf8": {
      // (kept by the section's number, negative: the string table entries of "text" are the others)
      let l = texts.get(-1 - c.a);
      if (!l) texts.set(-1 - c.a, (l = r.texts(c.a, n)));
      for (let i = from; i < to; i++) out[i - from] = l[i];
      return out;
    }
    case "text": {
      let l = texts.get(c.t);
      if (!l) {
        l = JSON.parse(r.strings[c.t] ?? "null") as unknown[];
        if (!Array.isArray(l) || l.length !== n) throw new Error(`text column of ${n} values holds ${Array.isArray(l) ? l.length : "none"}`);
        texts.set(c.t, l);
      }
      for (let i = from; i < to; i++) out[i - from] = l[i];
      return out;
    }
    case "json": { const a = r.section(c.a, n); for (let i = from; i < to; i++) out[i - from] = JSON.parse(r.strings[a[i]]); return out; }
    case "opt": {
      const nul = r.section(c.nul, n);
      let m = 0, j0 = 0, inRange = 0;
      for (let i = 0; i < n; i++) if (!nul[i]) { if (i < from) j0++; else if (i < to) inRange++; m++; }
      const of = valuesAt(c.of, m, j0, inRange, r, texts);
      for (let i = from, j = 0; i < to; i++) out[i - from] = nul[i] ? null : of[j++];
      return out;
    }
    case "arr": {
      const len = r.section(c.len, n);
      let total = 0, start = 0, inRange = 0;
      for (let i = 0; i < n; i++) { if (i < from) start += len[i]; else if (i < to) inRange += len[i]; total += len[i]; }
      const of = valuesAt(c.of, total, start, inRange, r, texts);
      for (let i = from, k = 0; i < to; i++) { const a = new Array<unknown>(len[i]); for (let j = 0; j < a.length; j++) a[j] = of[k++]; out[i - from] = a; }
      return out;
    }
    case "obj": return recordsAt(c, n, from, count, r, texts, null);
  }
  throw new Error(`unknown column kind ${(c as { k: string }).k}`);
}

/** Records from..from+count of n (as decodeRecords makes them: the keys in `without` null), without decoding the others. */
function recordsAt(c: Records, n: number, from: number, count: number, r: Reader, texts: Map<number, unknown[]>, without: ReadonlySet<string> | null): object[] {
  const { shapeOf, counts } = columnCounts(c, n, r);
  const to = from + count;
  // per shape, the records before the range and in it
  const before = new Array<number>(c.shapes.length).fill(0), inRange = new Array<number>(c.shapes.length).fill(0);
  if (shapeOf) { for (let i = 0; i < to; i++) (i < from ? before : inRange)[shapeOf[i]]++; } else { before[0] = from; inRange[0] = count; }
  // per key, its values for the range (those of the records in it whose shape has the key)
  const vals = c.keys.map((key, j) => {
    if (without?.has(key)) return null;
    let at = 0, m = 0;
    c.shapes.forEach((cols, t) => { if (cols.includes(j)) { at += before[t]; m += inRange[t]; } });
    return m ? valuesAt(c.cols[j], counts[j], at, m, r, texts) : null;
  });
  const templates = c.shapes.map((cols) => JSON.parse(`{${cols.map((j) => `${JSON.stringify(c.keys[j])}:null`).join(",")}}`) as Record<string, unknown>);
  const next = new Int32Array(c.keys.length);
  const out = new Array<object>(count);
  for (let i = from; i < to; i++) {
    const s = shapeOf ? shapeOf[i] : 0;
    const o: Record<string, unknown> = { ...templates[s] };
    for (const j of c.shapes[s]) { const v = vals[j]; if (v) o[c.keys[j]] = v[next[j]++]; }
    out[i - from] = o;
  }
  return out;
}

/** Fills in the keys decodeRecords left null (`list`: its records, from `offset`). */
function fillRecords(c: Records, n: number, r: Reader, keys: ReadonlySet<string>, list: unknown[], offset: number, pos: Typed | null): void {
  const { shapeOf, counts } = columnCounts(c, n, r);
  c.keys.forEach((key, j) => {
    if (!keys.has(key)) return;
    const v = decodeCol(c.cols[j], counts[j], r);
    const has = c.shapes.map((cols) => cols.includes(j));
    for (let i = 0, k = 0; i < n; i++) if (has[shapeOf ? shapeOf[i] : 0]) (list[pos ? pos[offset + i] : offset + i] as Record<string, unknown>)[key] = v[k++];
  });
}

/** A list's stored order → list position (null: the same), checked to be a permutation (damaged bytes: an Error). */
function positions(f: ListField, r: Reader): Typed | null {
  if (f.at === undefined) return null;
  const at = r.section(f.at, f.n);
  const seen = new Uint8Array(f.n);
  for (let k = 0; k < f.n; k++) { const p = at[k]; if (!(p < f.n) || seen[p]) throw new Error("bad record positions"); seen[p] = 1; }
  return at;
}

/** What decodeColumns leaves for later: whole fields (an empty list meanwhile), and keys of a list's records (null meanwhile). */
export interface Later { fields?: string[]; keys?: Record<string, string[]>; skip?: string[] }

export interface Decoded {
  value: Record<string, unknown>;
  /** decodes what was left for later, a slice at a time with `between` after each; resolves when `value` is whole */
  rest(between?: () => Promise<void>): Promise<void>;
}

/** The stored form's header and a reader past it; throws on bytes that are not (whole) the stored form. */
function openHeader(buf: ArrayBuffer): { h: Header; r: Reader } {
  const bytes = new Uint8Array(buf);
  if (!isColumns(bytes)) throw new Error("not the stored form");
  const len = new DataView(buf).getUint32(8, true);
  if (12 + len > buf.byteLength) throw new Error("truncated");
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len))) as Header;
  if (h.v !== 1 && h.v !== 2 && h.v !== 3) throw new Error(`stored form version ${h.v} is newer than this smbscope`);
  return { h, r: Reader.fromBuffer(buf, 12 + len, h) };
}

/**
 * Reads back what encodeColumns wrote (the bytes after any gzip). Throws on damaged bytes. With
 * `later`, what it names is decoded by rest(): the connection table can be answered before the
 * phases, ladders and findings (half the objects of a large Report) are there.
 */
export function decodeColumns(buf: ArrayBuffer, later: Later = {}): Decoded { return decodeOpened(openHeader(buf), later); }

/** decodeColumns of a stored form whose header and string table are read already (StoredColumns: read once). */
function decodeOpened({ h, r }: { h: Header; r: Reader }, later: Later): Decoded {
  const value: Record<string, unknown> = {};
  const jobs: (() => void)[] = [];
  const sliceOf = (f: ListField, s: number) => Math.min(f.size, f.n - s * f.size);
  for (const [key, f] of h.fields) {
    if ("json" in f) { value[key] = f.json; continue; }
    if (later.skip?.includes(key)) { value[key] = []; continue; }
    const list = new Array<unknown>(f.n);
    const keys = later.keys?.[key] ? new Set(later.keys[key]) : null;
    const whole = later.fields?.includes(key) ?? false;
    const pos = positions(f, r);
    value[key] = whole ? [] : list;
    for (let s = 0; s < f.slices.length; s++) {
      const c = f.slices[s], n = sliceOf(f, s), from = s * f.size;
      if (whole) { jobs.push(() => { const part = decodeCol(c, n, r); for (let i = 0; i < n; i++) list[pos ? pos[from + i] : from + i] = part[i]; }); continue; }
      const part = c.k === "obj" ? decodeRecords(c, n, r, keys) : decodeCol(c, n, r);
      if (part.length !== n) throw new Error(`slice of ${n} records holds ${part.length}`);
      for (let i = 0; i < n; i++) list[pos ? pos[from + i] : from + i] = part[i];
      if (keys && c.k === "obj") jobs.push(() => fillRecords(c, n, r, keys, list, from, pos));
    }
    if (whole) jobs.push(() => { value[key] = list; });
  }
  let done: Promise<void> | null = null;
  return {
    value,
    rest(between = pause) {
      done ??= (async () => { for (const job of jobs) { job(); await between(); } })();
      return done;
    },
  };
}

/**
 * The stored form opened for questions before (or instead of) decoding it whole: one key of a
 * list's records across the list (the connection table sorts and filters on a few such columns),
 * and one record (a slice decoded when one of its records is first asked for).
 */
export class StoredColumns {
  private fields: Map<string, Field[1]>;
  /** text columns parsed for record() (a few: those of the rows in view), most recent last */
  private texts = new Map<number, unknown[]>();
  /** per list stored in another order (ListField.at): list position → stored index */
  private stored = new Map<string, Uint32Array>();

  private readonly r: Reader;
  /** the header of a stored form opened from its bytes (decode() reads it again: the string table is parsed once, ~100 ms for 100,000 connections) */
  private readonly h: Header | null;

  /**
   * The stored form's bytes (after any gzip; throws on bytes that are not the stored form), or
   * lists encoded ahead into a Writer (encodeSlice), read where they are: no stored form is
   * written for those.
   */
  constructor(from: ArrayBuffer | { w: Writer; lists: Record<string, ListField> }) {
    if (from instanceof ArrayBuffer) {
      const { h, r } = openHeader(from);
      this.r = r;
      this.fields = new Map(h.fields);
      this.h = h;
    } else {
      this.r = Reader.of(from.w);
      this.fields = new Map(Object.entries(from.lists));
      this.h = null;
    }
  }

  private list(key: string): ListField | null {
    const f = this.fields.get(key);
    return f && !("json" in f) ? f : null;
  }

  private checked = new Map<string, Typed | null>();
  /** positions(), checked once per list */
  private positions(key: string, f: ListField): Typed | null {
    let p = this.checked.get(key);
    if (p === undefined) this.checked.set(key, (p = positions(f, this.r)));
    return p;
  }

  /** Where record i of the list (in list order) is stored. */
  private storedAt(key: string, f: ListField, i: number): number {
    if (f.at === undefined) return i;
    let inv = this.stored.get(key);
    if (!inv) {
      const pos = this.positions(key, f)!;
      inv = new Uint32Array(f.n);
      for (let k = 0; k < f.n; k++) inv[pos[k]] = k;
      this.stored.set(key, inv);
    }
    return inv[i];
  }

  /** The fields that are lists (stored as slices). */
  lists(): string[] { return [...this.fields].filter(([, f]) => !("json" in f)).map(([k]) => k); }

  /** The number of records of a list field (0: none, or not a list of records). */
  length(key: string): number { return this.list(key)?.n ?? 0; }

  /** True when every slice of the list is of records (the only lists column() and record() answer for). */
  records(key: string): boolean { return !!this.list(key)?.slices.every((c) => c.k === "obj"); }

  /** `key` of every record of the list `list`, in list order (undefined where a record has no such key). */
  column(list: string, key: string): unknown[] {
    const f = this.list(list);
    if (!f) return [];
    const pos = this.positions(list, f);
    const out = new Array<unknown>(f.n);
    for (let s = 0; s < f.slices.length; s++) {
      const c = f.slices[s] as Records, n = Math.min(f.size, f.n - s * f.size), from = s * f.size;
      const j = c.keys.indexOf(key);
      if (j < 0) { for (let i = 0; i < n; i++) out[pos ? pos[from + i] : from + i] = undefined; continue; }
      const { shapeOf, counts } = columnCounts(c, n, this.r);
      const v = decodeCol(c.cols[j], counts[j], this.r);
      const has = c.shapes.map((cols) => cols.includes(j));
      for (let i = 0, k = 0; i < n; i++) out[pos ? pos[from + i] : from + i] = has[shapeOf ? shapeOf[i] : 0] ? v[k++] : undefined;
    }
    return out;
  }

  /**
   * The i-th record of a list (in list order), without the keys in `without` (they are null in
   * it), decoded alone: memory stays the columns' whatever is asked.
   */
  record(list: string, i: number, without: ReadonlySet<string> | null = null): object | undefined {
    const f = this.list(list);
    if (!f || i < 0 || i >= f.n) return undefined;
    const k = this.storedAt(list, f, i);
    const s = Math.floor(k / f.size);
    const [out] = recordsAt(f.slices[s] as Records, Math.min(f.size, f.n - s * f.size), k - s * f.size, 1, this.r, this.texts, without);
    for (const t of this.texts.keys()) { if (this.texts.size <= TEXTS_KEPT) break; this.texts.delete(t); }
    return out;
  }

  /** Records of a list by position (in list order), in the order of `at`: each slice decoded once. */
  recordsAt(list: string, at: ArrayLike<number>, without: ReadonlySet<string> | null = null): object[] {
    const f = this.list(list);
    if (!f) return [];
    const bySlice = new Map<number, number[]>();
    for (let x = 0; x < at.length; x++) {
      const i = at[x];
      if (!(i >= 0 && i < f.n)) throw new RangeError(`no record ${i} in ${list}`);
      const s = Math.floor(this.storedAt(list, f, i) / f.size);
      let l = bySlice.get(s);
      if (!l) bySlice.set(s, (l = []));
      l.push(x);
    }
    const out = new Array<object>(at.length);
    for (const [s, xs] of bySlice) {
      const part = decodeRecords(f.slices[s] as Records, Math.min(f.size, f.n - s * f.size), this.r, without);
      for (const x of xs) out[x] = part[this.storedAt(list, f, at[x]) - s * f.size];
    }
    return out;
  }

  /** Every record of a list in list order, each slice decoded once and let go after its last record. */
  *inOrder(list: string): Generator<object> {
    const f = this.list(list);
    if (!f) return;
    const left = f.slices.map((_, s) => Math.min(f.size, f.n - s * f.size));
    const open = new Map<number, object[]>();
    for (let i = 0; i < f.n; i++) {
      const k = this.storedAt(list, f, i), s = Math.floor(k / f.size);
      let part = open.get(s);
      if (!part) open.set(s, (part = decodeRecords(f.slices[s] as Records, Math.min(f.size, f.n - s * f.size), this.r, null)));
      yield part[k - s * f.size];
      if (--left[s] === 0) open.delete(s);
    }
  }

  /** The whole value (see decodeColumns; only for one opened from its bytes). */
  decode(later: Later = {}): Decoded {
    if (!this.h) throw new Error("lists encoded ahead are not a stored form");
    return decodeOpened({ h: this.h, r: this.r }, later);
  }
}
