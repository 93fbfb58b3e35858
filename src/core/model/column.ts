// A growable column of numbers in chunks of CHUNK elements (the first grows by doubling up to
// that): never one large copy, and at most one chunk of slack. The typed columns of what the model
// keeps per folded connection (foldedRows.ts, foldedHeads.ts) and per Kerberos message (krbStore.ts).
//
// Spilled chunks (issue 15: memory that does not grow with the number of connections): where the
// runtime has somewhere to put them (the CLI's temporary file, cli/chunkFile.ts, given by
// spillChunksTo), a column hands each chunk it has filled to that store and writes on in the same
// memory, so it holds its last chunk and at most LOADED more, read back when asked for. smb1m's
// 1,000,000 rows were ~32 MB of chunks to the end of the analysis. Reading a spilled element
// costs a read of its chunk when it is not one of the LOADED read back last: the readers walk the
// rows about in order (Report order, fold order), and ask few of them out of order. A column
// read otherwise (more than PASSES walks' worth of reads), or changed where it was spilled
// (set), takes all its chunks back and keeps them, as without a store: never worse than that.
/** a chunk holds 1 << CHUNK_BITS elements (pendingTcp.ts done drops them a chunk at a time) */
export const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS, MASK = CHUNK - 1;
/** spilled chunks read back and held at a time, per column (two: a walk about in order crosses a chunk's end back and forth) */
const LOADED = 2;
/** reads of spilled chunks a column takes, per chunk spilled (and a few), before it keeps them all */
const PASSES = 8, SLACK_READS = 16;

/** Where full chunks go and come back from: bytes at an offset of its own choosing (cli/chunkFile.ts). */
export interface ChunkStore {
  /** stores `bytes`, returning where (to read them back), or -1 when it cannot (the chunk then stays in memory) */
  put(bytes: Uint8Array): number;
  /** reads back bytes.length bytes stored at `at` into `bytes` */
  read(at: number, bytes: Uint8Array): void;
}

let spillStore: ChunkStore | null = null;
/** The store of the chunks of the columns made from now on (null: none; they stay in memory). */
export function spillChunksTo(store: ChunkStore | null): void { spillStore = store; }

const bytesOf = (a: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * The chunks, their growth and their spilling, for each kind of element alike; the element
 * accesses (push, get, set) are each kind's own (below). One class reading and writing
 * Uint32Array, Uint8Array, Float64Array… chunks made its `a[i] = v` megamorphic: V8's inline cache
 * keeps four maps at most, and past that every access takes the generic path (~90 ns a push; 0.5 s
 * of the dense bench's ~7 s CPU in push and get). A subclass's own methods keep their own
 * feedback: one map each.
 */
abstract class ColumnChunks<A extends { length: number; byteLength: number; buffer: ArrayBufferLike; byteOffset: number; set(a: A): void }> {
  /** the chunks in memory (a spilled one not read back: undefined) */
  protected readonly chunks: (A | undefined)[] = [];
  length = 0;
  /** elements the chunk being filled holds (kept here: reading `.length` of a chunk is as polymorphic as its elements) */
  private cap = 0;
  /** where it puts its full chunks, if anywhere (fixed when made; null once it keeps them all) */
  private store = spillStore;
  /** per chunk, where the store has it (-1: in memory; -2: dropped), once one was spilled */
  private spilled: number[] | null = null;
  /** the spilled chunks read back, the first read back first; how many reads there were */
  private loaded: number[] = [];
  private reads = 0;
  protected abstract make(n: number): A;
  /** The chunk to hold element `i` (= length), made or grown when full. */
  protected room(i: number): A {
    const c = i >>> CHUNK_BITS;
    let a = this.chunks[c];
    if ((i & MASK) < this.cap && a !== undefined) return a;
    if (a === undefined) { this.chunks[c] = a = this.next(c); this.cap = a.length; }
    else { // (only the first chunk is ever full below CHUNK)
      const b = this.make((this.cap = Math.min(CHUNK, this.cap * 2)));
      b.set(a);
      this.chunks[c] = a = b;
    }
    return a;
  }
  /** Chunk `c` of the elements read (spilled: read back). */
  protected chunk(c: number): A { return this.chunks[c] ?? this.load(c); }
  /** Chunk `c`, to change an element of (spilled: every chunk taken back and kept). */
  protected writable(c: number): A {
    if (this.spilled !== null && this.spilled[c] >= 0) this.keepAll();
    return this.chunks[c]!;
  }
  /** the bytes its chunks hold in memory (what it costs outside the heap) */
  get bytes(): number { let n = 0; for (const a of this.chunks) n += a ? a.byteLength : 0; return n; }
  /** Lets go of the chunks that hold only elements below `i` (read none of them again). */
  dropBelow(i: number): void {
    for (let c = (i >>> CHUNK_BITS) - 1; c >= 0 && (this.chunks[c] !== undefined || (this.spilled?.[c] ?? -2) >= 0); c--) {
      this.chunks[c] = undefined;
      if (this.spilled === null) continue;
      this.spilled[c] = -2;
      const k = this.loaded.indexOf(c);
      if (k >= 0) this.loaded.splice(k, 1);
    }
  }

  /** Chunk `c`, the next to fill (c > 0: the one before is full): the full one's memory, once the store took it. */
  private next(c: number): A {
    const full = c > 0 ? this.chunks[c - 1] : undefined;
    if (this.store === null || full === undefined || full.length !== CHUNK) return this.make(c === 0 ? 64 : CHUNK);
    const at = this.store.put(bytesOf(full));
    if (at < 0) return this.make(CHUNK);
    const s = (this.spilled ??= []);
    while (s.length < c - 1) s.push(-1);
    s[c - 1] = at;
    this.chunks[c - 1] = undefined;
    return full;
  }

  /** Spilled chunk `c` read back (in place of the one read back first). */
  private load(c: number): A {
    const at = this.spilled?.[c] ?? -2;
    if (at < 0) throw new Error(`column chunk ${c} read after it was let go`);
    let spilled = 0;
    for (const x of this.spilled!) if (x >= 0) spilled++;
    if (++this.reads > PASSES * spilled + SLACK_READS) { this.keepAll(); return this.chunks[c]!; }
    const loaded = this.loaded;
    let a: A;
    if (loaded.length < LOADED) a = this.make(CHUNK);
    else {
      const old = loaded.shift()!;
      a = this.chunks[old]!;
      this.chunks[old] = undefined;
    }
    this.store!.read(at, bytesOf(a));
    loaded.push(c);
    return (this.chunks[c] = a);
  }

  /** Every spilled chunk read back and kept, and none spilled from now on. */
  private keepAll(): void {
    const s = this.spilled!, store = this.store!;
    for (let c = 0; c < s.length; c++) {
      if (s[c] < 0 || this.chunks[c] !== undefined) continue;
      const a = this.make(CHUNK);
      store.read(s[c], bytesOf(a));
      this.chunks[c] = a;
    }
    this.spilled = null;
    this.loaded = [];
    this.store = null;
  }
}

/** A column of 32-bit unsigned numbers. */
export class U32Column extends ColumnChunks<Uint32Array> {
  protected make(n: number) { return new Uint32Array(n); }
  push(v: number): void { const i = this.length; this.room(i)[i & MASK] = v; this.length = i + 1; }
  get(i: number): number { return this.chunk(i >>> CHUNK_BITS)[i & MASK]; }
  set(i: number, v: number): void { this.writable(i >>> CHUNK_BITS)[i & MASK] = v; }
}
/** A column of 32-bit signed numbers. */
export class I32Column extends ColumnChunks<Int32Array> {
  protected make(n: number) { return new Int32Array(n); }
  push(v: number): void { const i = this.length; this.room(i)[i & MASK] = v; this.length = i + 1; }
  get(i: number): number { return this.chunk(i >>> CHUNK_BITS)[i & MASK]; }
  set(i: number, v: number): void { this.writable(i >>> CHUNK_BITS)[i & MASK] = v; }
}
/** A column of 16-bit unsigned numbers. */
export class U16Column extends ColumnChunks<Uint16Array> {
  protected make(n: number) { return new Uint16Array(n); }
  push(v: number): void { const i = this.length; this.room(i)[i & MASK] = v; this.length = i + 1; }
  get(i: number): number { return this.chunk(i >>> CHUNK_BITS)[i & MASK]; }
  set(i: number, v: number): void { this.writable(i >>> CHUNK_BITS)[i & MASK] = v; }
}
/** A column of bytes (flags). */
export class U8Column extends ColumnChunks<Uint8Array> {
  protected make(n: number) { return new Uint8Array(n); }
  push(v: number): void { const i = this.length; this.room(i)[i & MASK] = v; this.length = i + 1; }
  get(i: number): number { return this.chunk(i >>> CHUNK_BITS)[i & MASK]; }
  set(i: number, v: number): void { this.writable(i >>> CHUNK_BITS)[i & MASK] = v; }
}
/** A column of doubles (times in ms, frame numbers past 2^32). */
export class F64Column extends ColumnChunks<Float64Array> {
  protected make(n: number) { return new Float64Array(n); }
  push(v: number): void { const i = this.length; this.room(i)[i & MASK] = v; this.length = i + 1; }
  get(i: number): number { return this.chunk(i >>> CHUNK_BITS)[i & MASK]; }
  set(i: number, v: number): void { this.writable(i >>> CHUNK_BITS)[i & MASK] = v; }
}

/**
 * A column of numbers nearly all in 0…65,534, in 16 bits each; any other (a larger one, a
 * negative one) kept aside with its index, in the order pushed (so found by a binary search):
 * 12 bytes more for such a value, which only a rare row has (foldedRows.ts).
 */
export class NarrowColumn {
  private readonly narrow = new U16Column();
  /** the indexes of the values kept aside, ascending, and the values */
  private readonly wideAt = new U32Column();
  private readonly wide = new F64Column();
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

export const u32Column = () => new U32Column();
export const f64Column = () => new F64Column();

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
  private readonly base = new U32Column();
  private readonly start = new U32Column();
  private readonly u8 = new U8Column();
  private readonly u16 = new U16Column();
  private readonly u32 = new U32Column();
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
