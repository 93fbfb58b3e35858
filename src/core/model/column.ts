// A growable column of numbers in chunks of CHUNK elements (the first grows by doubling up to
// that): never one large copy, and at most one chunk of slack. The typed columns of what the model
// keeps per folded connection (foldedRows.ts, foldedHeads.ts) and per Kerberos message (krbStore.ts).
const CHUNK_BITS = 16, CHUNK = 1 << CHUNK_BITS, MASK = CHUNK - 1;
type Typed = Uint32Array | Uint8Array | Int32Array | Float64Array | BigUint64Array;

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
}

/** A column of 32-bit unsigned numbers. */
export const u32Column = () => new Column((n) => new Uint32Array(n));
/** A column of doubles (times in ms). */
export const f64Column = () => new Column((n) => new Float64Array(n));
