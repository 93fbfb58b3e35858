// The closed connections kept to the end (model/fold.ts Folder.may said no: nothing folds them,
// and no event of theirs comes after their close), packed until buildReport reads them. Their
// parts (the TCP packets, NEGOTIATEs, SESSION_SETUP legs, trees, what came after the setup, the
// ladder: each a few objects of 50-100 bytes, every frame and time a boxed number of 16 more)
// were most of the memory of the models kept to the end: dense's ~9,700 closed ones of ~11,700,
// ~20 MB through the rest of the decoding. Packed, each part is a few bytes of typed columns
// (numbers, and one tag a value) and a slot per text or shared object; unpack makes them again,
// the same values, keys in the same order, the same objects shared (a TCP packet that was both
// the reset and a FIN is one object again), when buildReport begins (reportBuilder.ts).
//
// Generic over the values (any plain object or array; a frozen one, a text, a BigInt or any other
// object kept by reference, as shared: the lists and auth facts the builder shares between
// connections are frozen), so a field added to the model's parts needs nothing here. Proven by
// tests/packed-models.test.ts: every fixture's Report and records the same with and without.
import type { ConnModel } from "./types";
import { NONE } from "./lists";

/** Tests turn it off to compare the Reports (tests/packed-models.test.ts); off, the models kept to the end stay as they are. */
export const packKept = { on: true };

/** The parts packed, and what each is while packed (the builder's value before the first event of it). */
const PARTS = ["syns", "synAck", "rst", "finClient", "finServer", "logoff", "negotiates", "negotiateBareAck", "sessions", "trees", "beyond", "gaps", "ladder"] as const;
type Part = (typeof PARTS)[number];
const EMPTY: Readonly<Record<Part, unknown>> = {
  syns: NONE, synAck: undefined, rst: undefined, finClient: undefined, finServer: undefined, logoff: undefined,
  negotiates: NONE, negotiateBareAck: undefined, sessions: NONE, trees: NONE, beyond: undefined, gaps: NONE, ladder: NONE,
};

const T_UNDEFINED = 0, T_NULL = 1, T_FALSE = 2, T_TRUE = 3, T_NUMBER = 4, T_REF = 5, T_ARRAY = 6, T_OBJECT = 7, T_SEEN = 8;

/** A growing typed column (its length in `n`). */
class Grow<A extends Float64Array | Uint8Array> {
  n = 0;
  constructor(public a: A, private readonly make: (n: number) => A) {}
  push(v: number): void {
    if (this.n === this.a.length) { const b = this.make(this.a.length * 2); b.set(this.a); this.a = b; }
    this.a[this.n++] = v;
  }
}

/**
 * The packed models, in three streams: a tag per value, the numbers (a number's value; an array's
 * length; an object's shape; an object seen before in the same model: its place), and the
 * references (texts, BigInts, shared objects). A model unpacked before the end (one that waited
 * for the Kerberos pairing to be told, model/fold.ts) leaves its place in the streams unused:
 * when that is most of them, the others are moved down (compact), so the streams stay within
 * twice what the models packed now take, however many were packed and unpacked before.
 */
export class PackedModels {
  private tags = new Grow(new Uint8Array(4096), (n) => new Uint8Array(n));
  private nums = new Grow(new Float64Array(2048), (n) => new Float64Array(n));
  private refs: unknown[] = [];
  /** each packed model's place (slot), and per slot: where its values begin in the three streams and end */
  private readonly slots = new Map<ConnModel, number>();
  private at: number[] = [];
  /** the free slots, and the values of the streams no model reads any more */
  private free: number[] = [];
  private unusedTags = 0;
  /** the objects' shapes: their keys, and an object of that shape (its copy is the new object: the same layout) */
  private readonly shapeOf = new Map<string, number>();
  private shapes: { keys: string[]; like: object }[] = [];
  /** the objects of the model being packed (or unpacked), in the order first met */
  private readonly seen = new Map<object, number>();
  private readonly made: object[] = [];

  /** the models packed now */
  get length(): number { return this.slots.size; }
  /** models unpacked before the end, and the streams' compactions, so far (tests/packed-models.test.ts) */
  unpacked = 0;
  compactions = 0;

  /** `c` is packed (its parts read as none). */
  has(c: ConnModel): boolean { return this.slots.has(c); }

  /** Packs `c`'s parts (see PARTS): they read as none until unpack or unpackAll. */
  pack(c: ConnModel): void {
    if (this.slots.has(c)) return;
    const slot = this.free.length ? this.free.pop()! : this.at.length / 6;
    this.slots.set(c, slot);
    const t = this.tags.n, n = this.nums.n, r = this.refs.length;
    const o = c as unknown as Record<Part, unknown>;
    for (const p of PARTS) { this.value(o[p]); o[p] = EMPTY[p]; }
    this.seen.clear();
    const a = this.at, i = slot * 6;
    a[i] = t; a[i + 1] = n; a[i + 2] = r; a[i + 3] = this.tags.n; a[i + 4] = this.nums.n; a[i + 5] = this.refs.length;
  }

  /** `c`'s parts as they were, if it is packed; its packing goes. */
  unpack(c: ConnModel): void {
    const slot = this.slots.get(c);
    if (slot === undefined) return;
    this.slots.delete(c);
    this.free.push(slot);
    this.unpacked++;
    this.read(c, slot);
    const a = this.at, i = slot * 6;
    this.unusedTags += a[i + 3] - a[i];
    // (references let go at once: a text or shared object kept alive by nothing else)
    for (let k = a[i + 2]; k < a[i + 5]; k++) this.refs[k] = undefined;
    for (let k = 0; k < 6; k++) a[i + k] = 0;
    if (this.unusedTags > 65536 && this.unusedTags * 2 > this.tags.n) this.compact();
  }

  /** Every packed model as it was; the packing goes. */
  unpackAll(): void {
    for (const [c, slot] of this.slots) this.read(c, slot);
    this.slots.clear(); this.at = []; this.free = []; this.refs = []; this.shapes = []; this.shapeOf.clear(); this.unusedTags = 0;
    this.tags = new Grow(new Uint8Array(0), (n) => new Uint8Array(Math.max(n, 4096)));
    this.nums = new Grow(new Float64Array(0), (n) => new Float64Array(Math.max(n, 2048)));
  }

  /** The streams with only the packed models' values, in their order. */
  private compact(): void {
    const tags = new Grow(new Uint8Array(Math.max(4096, this.tags.n - this.unusedTags)), (n) => new Uint8Array(n));
    const nums = new Grow(new Float64Array(Math.max(2048, this.nums.n)), (n) => new Float64Array(n));
    const refs: unknown[] = [];
    const a = this.at;
    for (const slot of this.slots.values()) {
      const i = slot * 6;
      const t = tags.n, n = nums.n, r = refs.length;
      for (let k = a[i]; k < a[i + 3]; k++) tags.push(this.tags.a[k]);
      for (let k = a[i + 1]; k < a[i + 4]; k++) nums.push(this.nums.a[k]);
      for (let k = a[i + 2]; k < a[i + 5]; k++) refs.push(this.refs[k]);
      a[i] = t; a[i + 1] = n; a[i + 2] = r; a[i + 3] = tags.n; a[i + 4] = nums.n; a[i + 5] = refs.length;
    }
    this.tags = tags; this.nums = nums; this.refs = refs; this.unusedTags = 0;
    this.compactions++;
  }

  /** Model `c`'s parts from its slot's values. */
  private read(c: ConnModel, slot: number): void {
    const o = c as unknown as Record<Part, unknown>;
    const i = slot * 6;
    const at = { t: this.at[i], n: this.at[i + 1], r: this.at[i + 2] };
    for (const p of PARTS) o[p] = this.valueAt(this.tags.a, this.nums.a, this.refs, at);
    this.made.length = 0;
  }

  private value(v: unknown): void {
    const tags = this.tags;
    switch (typeof v) {
      case "undefined": tags.push(T_UNDEFINED); return;
      case "boolean": tags.push(v ? T_TRUE : T_FALSE); return;
      case "number": tags.push(T_NUMBER); this.nums.push(v); return;
      case "object": break;
      default: tags.push(T_REF); this.refs.push(v); return; // (a text, a BigInt)
    }
    if (v === null) { tags.push(T_NULL); return; }
    const o = v as object;
    const s = this.seen.get(o);
    if (s !== undefined) { tags.push(T_SEEN); this.nums.push(s); return; }
    const proto = Object.getPrototypeOf(o);
    // shared (frozen: NONE, the builder's lists and auth facts) or of a class: kept as it is
    if (Object.isFrozen(o) || (proto !== Object.prototype && proto !== Array.prototype)) { tags.push(T_REF); this.refs.push(o); return; }
    this.seen.set(o, this.seen.size);
    if (Array.isArray(o)) {
      tags.push(T_ARRAY); this.nums.push(o.length);
      for (let i = 0; i < o.length; i++) this.value(o[i]);
      return;
    }
    const keys = Object.keys(o);
    const key = keys.join("\0");
    let shape = this.shapeOf.get(key);
    if (shape === undefined) { shape = this.shapes.length; this.shapes.push({ keys, like: o }); this.shapeOf.set(key, shape); }
    tags.push(T_OBJECT); this.nums.push(shape);
    const rec = o as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) this.value(rec[keys[i]]);
  }

  private valueAt(tags: Uint8Array, nums: Float64Array, refs: unknown[], at: { t: number; n: number; r: number }): unknown {
    switch (tags[at.t++]) {
      case T_UNDEFINED: return undefined;
      case T_NULL: return null;
      case T_FALSE: return false;
      case T_TRUE: return true;
      case T_NUMBER: return nums[at.n++];
      case T_REF: return refs[at.r++];
      case T_SEEN: return this.made[nums[at.n++]];
      case T_ARRAY: {
        const n = nums[at.n++];
        const a = new Array<unknown>(n);
        this.made.push(a);
        for (let i = 0; i < n; i++) a[i] = this.valueAt(tags, nums, refs, at);
        return a;
      }
      default: {
        const { keys, like } = this.shapes[nums[at.n++]];
        // a copy of an object of the shape: the keys in their order, the layout the original had
        const o: Record<string, unknown> = { ...like };
        this.made.push(o);
        for (let i = 0; i < keys.length; i++) o[keys[i]] = this.valueAt(tags, nums, refs, at);
        return o;
      }
    }
  }
}
