// A growable column of numbers in chunks of CHUNK elements (the first grows by doubling up to
// that): never one large copy, and at most one chunk of slack. The typed columns of what the model
// keeps per folded connection (foldedRows.ts, foldedHeads.ts) and per Kerberos message (krbStore.ts).
/** a chunk holds 1 << CHUNK_BITS elements (pendingTcp.ts done drops them a chunk at a time) */
export const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS, MASK = CHUNK - 1;
type Typed = Uint32Array | Uint16Array | Uint8Array | Int32Array | Float64Array | BigUint64Array;

export class Column<A extends Typed> {
  private readonly chunks: A[] = [];
  length = 0;
  constructor(private readonly make: (n: number) => A) {}
  push(v: A[number]): void {
    const i = this.length, c = i >>> CHUNK_BITS;
    let a = this.chunks[c];
    if (a === undefined) this.chunks.push((a = this.make(c === 0 ? 64 : CHUNK)));
    else if ((i & MASK) === a.length) { // (only the first chunk is ever full below CHUNK)
      const b = this.make(Math.min(CHUNK, a.length * 2));
      b.set(a as never);
      this.chunks[c] = a = b;
    }
    a[i & MASK] = v;
    this.length = i + 1;
  }
  get(i: number): A[number] { return this.chunks[i >>> CHUNK_BITS][i & MASK]; }
  set(i: number, v: A[number]): void { this.chunks[i >>> CHUNK_BITS][i & MASK] = v; }
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
