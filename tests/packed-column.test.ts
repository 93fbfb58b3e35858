// The packed column of the folded rows (src/core/model/column.ts PackedColumn): every value given
// back as pushed, whatever the spread of its block (8, 16 or 32 bits), the last block's before it
// is full too; and the bytes it takes are those of the narrowest store each block fits.
import { describe, it, expect } from "vitest";
import { PackedColumn, U8Column, U16Column, U32Column, I32Column, F64Column } from "../src/core/model/column";

function filled(values: number[]): PackedColumn {
  const c = new PackedColumn();
  for (const v of values) c.push(v);
  return c;
}

describe("packed column", () => {
  it("gives back every value, blocks of every spread and the block not yet full", () => {
    const values: number[] = [];
    // a block of each spread, at the edges: 255 and 256, 65,535 and 65,536, the whole 32 bits
    for (const span of [0, 1, 255, 256, 65_535, 65_536, 0xffffffff]) {
      const base = span === 0xffffffff ? 0 : 4_000_000_000 - span;
      for (let k = 0; k < 64; k++) values.push(k === 7 ? base + span : base + ((k * 37) % (span + 1)));
    }
    // runs and random values, past the first chunks of the stores, and 10 in a last block
    for (let k = 0; k < 200_000; k++) values.push(k % 3 ? 100_000 + k : Math.floor(Math.abs(Math.sin(k)) * 0xffffffff));
    for (let k = 0; k < 10; k++) values.push(0xffffffff - k);
    const c = filled(values);
    expect(c.length).toBe(values.length);
    for (let i = 0; i < values.length; i++) if (c.get(i) !== values[i]) expect([i, c.get(i)]).toEqual([i, values[i]]);
  });

  it("keeps a block in 8 bits while it spans less than 256, 16 while less than 65,536, else 32", () => {
    const n = 64 * 1024; // full chunks: what the stores hold is what the blocks take
    // (each block holds its least value, 1,000,000 + 0, and its largest, + span)
    const spread = (span: number) => filled(Array.from({ length: n }, (_, i) => 1_000_000 + (i % 64 === 5 ? span : (i % 64) % (span + 1)))).bytes / n;
    // a value's bytes, and the block's 8 (its base and where it starts) over its 64 values
    expect(spread(255)).toBeLessThan(1 + 8 / 64 + 0.01);
    expect(spread(256)).toBeGreaterThan(2);
    expect(spread(65_535)).toBeLessThan(2 + 8 / 64 + 0.01);
    expect(spread(65_536)).toBeGreaterThan(4);
    expect(spread(65_536)).toBeLessThan(4 + 8 / 64 + 0.01);
  });
});

// The plain columns each kind of element has (U32Column, F64Column…): what is pushed comes back,
// through the first chunk's doublings and past a chunk boundary; set changes one element; dropBelow
// lets go of whole chunks only (an element of the chunk it is in still reads).
describe("typed columns", () => {
  const kinds = [
    ["U8Column", () => new U8Column(), (k: number) => k & 0xff],
    ["U16Column", () => new U16Column(), (k: number) => (k * 7) & 0xffff],
    ["U32Column", () => new U32Column(), (k: number) => (k * 2_654_435_761) >>> 0],
    ["I32Column", () => new I32Column(), (k: number) => (k % 2 ? -k : k)],
    ["F64Column", () => new F64Column(), (k: number) => k * 0.001 + 1e12],
  ] as const;
  for (const [name, make, value] of kinds) {
    it(`${name} gives back what was pushed, past a chunk of 65,536`, () => {
      const c = make();
      const n = 3 * 65_536 + 5;
      for (let k = 0; k < n; k++) c.push(value(k));
      expect(c.length).toBe(n);
      for (let k = 0; k < n; k++) if (c.get(k) !== value(k)) expect([k, c.get(k)]).toEqual([k, value(k)]);
      c.set(65_536, value(1));
      expect(c.get(65_536)).toBe(value(1));
      const before = c.bytes;
      c.dropBelow(2 * 65_536 + 1);
      expect(c.bytes).toBeLessThan(before);
      expect(c.get(2 * 65_536)).toBe(value(2 * 65_536));
      expect(c.get(n - 1)).toBe(value(n - 1));
    });
  }
});
