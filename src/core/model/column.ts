// A growable column of numbers in chunks of CHUNK elements (the first grows by doubling up to
// that): never one large copy, and at most one chunk of slack. The typed columns of what the model
// keeps per folded connection (foldedRows.ts, foldedHeads.ts) and per Kerberos message (krbStore.ts).
/** a chunk holds 1 << CHUNK_BITS elements (pendingTcp.ts done drops them a chunk at a time) */
export const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS, MASK = CHUNK - 1;
type Typed = Uint32Array | Uint16Array | Uint8Array | Int32Array | Float64Array | BigUint64Array;

/**
 * `a[i] = v` for one kind of typed array each. One store in push for every kind of column (six)
 * was a megamorphic keyed store, which V8 makes out of line: a third of a push's time (dense: 14
 * column pushes per Kerberos message, more per folded row). Through these, each store site sees
 * one kind.
 */
type Store = (a: Typed, i: number, v: number | bigint) => void;
const STORES = new Map<unknown, Store>([
  [Uint32Array, (a, i, v) => { (a as Uint32Array)[i] = v as number; }],
  [Uint16Array, (a, i, v) => { (a as Uint16Array)[i] = v as number; }],
  [Uint8Array, (a, i, v) => { (a as Uint8Array)[i] = v as number; }],
  [Int32Array, (a, i, v) => { (a as Int32Array)[i] = v as number; }],
  [Float64Array, (a, i, v) => { (a as Float64Array)[i] = v as number; }],
  [BigUint64Array, (a, i, v) => { (a as BigUint64Array)[i] = v as bigint; }],
]);

export class Column<A extends Typed> {
  private readonly chunks: A[] = [];
  length = 0;
  private readonly store: Store;
  constructor(private readonly make: (n: number) => A) { this.store = STORES.get(make(0).constructor)!; }
  push(v: A[number]): void {
    const i = this.length, c = i >>> CHUNK_BITS;
    let a = this.chunks[c];
    if (a === undefined) this.chunks.push((a = this.make(c === 0 ? 64 : CHUNK)));
    else if ((i & MASK) === a.length) { // (only the first chunk is ever full below CHUNK)
      const b = this.make(Math.min(CHUNK, a.length * 2));
      b.set(a as never);
      this.chunks[c] = a = b;
    }
    this.store(a, i & MASK, v);
    this.length = i + 1;
  }
  get(i: number): A[number] { return this.chunks[i >>> CHUNK_BITS][i & MASK]; }
  /** the bytes its chunks hold (what it costs outside the heap) */
  get bytes(): number { let n = 0; for (const a of this.chunks) n += a ? a.byteLength : 0; return n; }
  set(i: number, v: A[number]): void { this.store(this.chunks[i >>> CHUNK_BITS], i & MASK, v); }
  /** Lets go of the chunks that hold only elements below `i` (read none of them again). */
  dropBelow(i: number): void {
    for (let c = (i >>> CHUNK_BITS) - 1; c >= 0 && this.chunks[c] !== undefined; c--) (this.chunks as (A | undefined)[])[c] = undefined;
  }
}

/**
 * A column of numbers nearly all in 0…65,534, in 16 bits each; any other (a larger one, a
 * negative one) kept aside with its index, in the order pushed (so found by a binary search):
 * 12 bytes more for such a value, which only a rare row has (foldedRows.ts).
 */
export class NarrowColumn {
  private readonly narrow = new Column((n) => new Uint16Array(n));
  /** the indexes of the values kept aside, ascending, and the values */
  private readonly wideAt = new Column((n) => new Uint32Array(n));
  private readonly wide = new Column((n) => new Float64Array(n));
  get length(): number { return this.narrow.length; }
  /** the bytes it holds outside the heap */
  get bytes(): number { return this.narrow.bytes + this.wideAt.bytes + this.wide.bytes; }
  push(v: number): void {
    if (v >= 0 && v < WIDE) { this.narrow.push(v); return; }
    this.wideAt.push(this.narrow.length);
    this.wide.push(v);
    this.narrow.push(WIDE);
  }
  get(i: number): number {
    const v = this.narrow.get(i);
    if (v !== WIDE) return v;
    let lo = 0, hi = this.wideAt.length - 1;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (this.wideAt.get(mid) < i) lo = mid + 1; else hi = mid; }
    return this.wide.get(lo);
  }
}
const WIDE = 0xffff;

/** A column of 32-bit unsigned numbers. */
export const u32Column = () => new Column((n) => new Uint32Array(n));
/** A column of doubles (times in ms). */
export const f64Column = () => new Column((n) => new Float64Array(n));

/**
 * A column of 32-bit unsigned numbers that are close to each other in runs (a folded row's order,
 * stream, first frame and addresses: connections fold about in the order they came, from hosts
 * a capture often numbers in a row; its ports, lengths and facts, few distinct), in blocks of
 * BLOCK values: a block keeps its least value and each value's difference from it in 8 bits when
 * they span less than 256, in 16 bits when less than 65,536, else its values in 32 bits, as a
 * plain column would (never more than that and the block's 8 bytes). The last block stays whole
 * until it is full (`tail`).
 */
export class PackedColumn {
  /** per block: its least value (0 for a 32-bit block), and where its values start in its store, times 4, + the store (U8, U16, U32; fewer than 2^30 values: more rows than memory holds) */
  private readonly base = new Column((n) => new Uint32Array(n));
  private readonly start = new Column((n) => new Uint32Array(n));
  private readonly u8 = new Column((n) => new Uint8Array(n));
  private readonly u16 = new Column((n) => new Uint16Array(n));
  private readonly u32 = new Column((n) => new Uint32Array(n));
  private readonly tail = new Uint32Array(BLOCK);
  length = 0;
  push(v: number): void {
    const k = this.length & (BLOCK - 1);
    this.tail[k] = v;
    this.length++;
    if (k === BLOCK - 1) this.seal();
  }
  get(i: number): number {
    const b = i >>> BLOCK_BITS;
    if (b === this.start.length) return this.tail[i & (BLOCK - 1)];
    const s = this.start.get(b), at = (s >>> 2) + (i & (BLOCK - 1)), kind = s & 3;
    return kind === U8 ? this.base.get(b) + this.u8.get(at) : kind === U16 ? this.base.get(b) + this.u16.get(at) : this.u32.get(at);
  }
  /** the bytes it holds outside the heap */
  get bytes(): number { return this.base.bytes + this.start.bytes + this.u8.bytes + this.u16.bytes + this.u32.bytes + this.tail.byteLength; }
  private seal(): void {
    const t = this.tail;
    let lo = t[0], hi = t[0];
    for (let k = 1; k < BLOCK; k++) { const v = t[k]; if (v < lo) lo = v; else if (v > hi) hi = v; }
    const store = hi - lo <= 0xff ? this.u8 : hi - lo <= 0xffff ? this.u16 : this.u32;
    const kind = store === this.u8 ? U8 : store === this.u16 ? U16 : U32;
    if (kind === U32) lo = 0;
    this.base.push(lo);
    this.start.push(store.length * 4 + kind);
    for (let k = 0; k < BLOCK; k++) store.push(t[k] - lo);
  }
}
const BLOCK_BITS = 6, BLOCK = 1 << BLOCK_BITS;
const U8 = 0, U16 = 1, U32 = 2;
