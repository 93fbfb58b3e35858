// The builder's connections by TCP stream number (ModelBuilder.conns), looked up for every event:
// an open-addressed table of the numbers in an Int32Array (linear probing, at most half full, a
// deleted entry's followers moved back into its place), not a Map. The Map's ordered table grew by
// a new store as connections came and went (smb1m-1g: most of its cost the lookups, ~1.3 % of
// the CPU, and its stores 8 MiB); here the table only doubles, and a lookup reads one array.
// Stream numbers are never negative (Wireshark's tcp.stream); a negative one goes to a Map.

const EMPTY = -1;

export class StreamMap<T> {
  private keys = new Int32Array(64).fill(EMPTY);
  private values: (T | undefined)[] = new Array<T | undefined>(64).fill(undefined);
  private shift = 32 - 6;
  private count = 0;
  private readonly negative = new Map<number, T>();

  get size(): number { return this.count + this.negative.size; }

  get(key: number): T | undefined {
    if (key < 0 || key !== (key | 0)) return this.negative.get(key);
    const keys = this.keys, mask = keys.length - 1;
    for (let s = Math.imul(key, 0x9e3779b1) >>> this.shift; ; s = (s + 1) & mask) {
      const k = keys[s];
      if (k === key) return this.values[s];
      if (k === EMPTY) return undefined;
    }
  }

  set(key: number, v: T): void {
    if (key < 0 || key !== (key | 0)) { this.negative.set(key, v); return; }
    if (2 * (this.count + 1) > this.keys.length) this.grow();
    const keys = this.keys, mask = keys.length - 1;
    let s = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (; keys[s] !== EMPTY; s = (s + 1) & mask) if (keys[s] === key) { this.values[s] = v; return; }
    keys[s] = key; this.values[s] = v; this.count++;
  }

  delete(key: number): boolean {
    if (key < 0 || key !== (key | 0)) return this.negative.delete(key);
    const keys = this.keys, values = this.values, mask = keys.length - 1;
    let s = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (; keys[s] !== key; s = (s + 1) & mask) if (keys[s] === EMPTY) return false;
    // the entries after it in its run move back where a lookup still finds them (no tombstones)
    let hole = s;
    for (let j = (s + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const home = Math.imul(keys[j], 0x9e3779b1) >>> this.shift;
      // j's entry may fill the hole if its home is not in (hole, j] (cyclically)
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        keys[hole] = keys[j]; values[hole] = values[j]; hole = j;
      }
    }
    keys[hole] = EMPTY; values[hole] = undefined;
    this.count--;
    return true;
  }

  clear(): void {
    this.keys = new Int32Array(64).fill(EMPTY);
    this.values = new Array<T | undefined>(64).fill(undefined);
    this.shift = 32 - 6;
    this.count = 0;
    this.negative.clear();
  }

  private grow(): void {
    const oldKeys = this.keys, oldValues = this.values;
    const n = oldKeys.length * 2;
    this.keys = new Int32Array(n).fill(EMPTY);
    this.values = new Array<T | undefined>(n).fill(undefined);
    this.shift--;
    const keys = this.keys, mask = n - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i];
      if (k === EMPTY) continue;
      let s = Math.imul(k, 0x9e3779b1) >>> this.shift;
      while (keys[s] !== EMPTY) s = (s + 1) & mask;
      keys[s] = k; this.values[s] = oldValues[i];
    }
  }
}
