// Two small priority structures the fold keeps (model/fold.ts, model/foldDiagnosed.ts): a binary
// heap of items by a number key, and the k smallest of a stream of numbers. Both O(log n) a step,
// whatever order the numbers come in (a capture decides that order: a sorted list kept by
// insertion was O(k) a step when they came backwards).

/** A binary heap of items by a number key, smallest first. */
export class MinQueue<T> {
  private readonly keys: number[] = [];
  private readonly items: T[] = [];
  get length(): number { return this.keys.length; }
  minKey(): number { return this.keys[0]; }
  push(item: T, key: number): void {
    const k = this.keys, it = this.items;
    let i = k.length;
    k.push(key); it.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!(k[p] > key)) break;
      k[i] = k[p]; it[i] = it[p]; i = p;
    }
    k[i] = key; it[i] = item;
  }
  pop(): T {
    const k = this.keys, it = this.items, top = it[0];
    const key = k.pop()!, item = it.pop()!;
    const n = k.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const m = l + 1 < n && k[l + 1] < k[l] ? l + 1 : l;
        if (!(k[m] < key)) break;
        k[i] = k[m]; it[i] = it[m]; i = m;
      }
      k[i] = key; it[i] = item;
    }
    return top;
  }
}

/** The `k` smallest numbers added so far (a max-heap of them: its top is the k-th smallest). */
export class Smallest {
  private readonly q = new MinQueue<null>();
  constructor(private readonly k: number) {}
  /** whether k numbers have been added */
  get full(): boolean { return this.q.length >= this.k; }
  /** the k-th smallest added (once full) */
  kth(): number { return -this.q.minKey(); }
  add(v: number): void {
    if (this.q.length < this.k) this.q.push(null, -v);
    else if (v < -this.q.minKey()) { this.q.pop(); this.q.push(null, -v); }
  }
}
