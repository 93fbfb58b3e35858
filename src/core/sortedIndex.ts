// One sort of distinct 32-bit keys for the lists of every connection that come nearly in order
// (Report order): the CLI's spool (cli/connectionSpool.ts) and the folded rows
// (model/foldedRows.ts). A radix sort: no comparator call per pair over a million entries.

/** Indices 0…n-1 sorted by keys[i] (distinct; the first n): LSD radix, two passes of 16 bits. */
export function sortedIndex(keys: Uint32Array, n: number): Uint32Array {
  let idx = new Uint32Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) { idx[i] = i; if (i > 0 && keys[i] < keys[i - 1]) sorted = false; }
  if (sorted) return idx;
  let tmp = new Uint32Array(n);
  const counts = new Uint32Array(1 << 16);
  for (const shift of [0, 16]) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[i] >>> shift) & 0xffff]++;
    for (let d = 0, sum = 0; d < counts.length; d++) { const c = counts[d]; counts[d] = sum; sum += c; }
    for (let k = 0; k < n; k++) { const i = idx[k]; tmp[counts[(keys[i] >>> shift) & 0xffff]++] = i; }
    [idx, tmp] = [tmp, idx];
  }
  return idx;
}
