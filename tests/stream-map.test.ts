// The builder's connections by stream number (src/core/model/streamMap.ts StreamMap) are kept in
// an open-addressed table with deletions that move entries back (no tombstones): it must answer
// as a Map would through any mix of adds, replacements, deletions and growth, including runs that
// wrap around the end of the table and numbers that collide. The reference is a Map driven by
// the same random operations.
import { describe, it, expect } from "vitest";
import { StreamMap } from "../src/core/model/streamMap";

function rng(seed: number) {
  let x = seed >>> 0;
  return () => { x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0; return x / 4294967296; };
}

describe("connections by stream number", () => {
  for (const [name, range] of [["a few live among many numbers", 1 << 20], ["dense numbers, long runs and wrap-around", 300]] as const) {
    it(`answers as a Map, ${name}`, () => {
      const s = new StreamMap<string>(), ref = new Map<number, string>();
      const next = rng(range);
      for (let step = 0; step < 200_000; step++) {
        const k = Math.floor(next() * range), op = next();
        if (op < 0.5) { s.set(k, `v${step}`); ref.set(k, `v${step}`); }
        else if (op < 0.9) expect(s.delete(k)).toBe(ref.delete(k));
        else if (s.get(k) !== ref.get(k)) expect(s.get(k)).toBe(ref.get(k));
        if (step % 5000 === 0) {
          expect(s.size).toBe(ref.size);
          let wrong = 0;
          for (const [key, v] of ref) if (s.get(key) !== v) wrong++;
          expect(wrong).toBe(0);
        }
      }
      let wrong = 0;
      for (let k = 0; k < Math.min(range, 50_000); k++) if (s.get(k) !== ref.get(k)) wrong++;
      expect(wrong).toBe(0);
    });
  }

  it("keeps the numbers that share a home place, deleted in any order, and a negative number apart", () => {
    const s = new StreamMap<number>();
    // many numbers, several per home place of a 64-slot table, all live: the table grows past them
    const keys = Array.from({ length: 500 }, (_, i) => i * 64);
    for (const k of keys) s.set(k, k + 1);
    s.set(-1, 7);
    for (let i = 0; i < keys.length; i += 2) expect(s.delete(keys[i])).toBe(true);
    for (let i = 0; i < keys.length; i++) expect(s.get(keys[i])).toBe(i % 2 ? keys[i] + 1 : undefined);
    expect(s.get(-1)).toBe(7);
    expect(s.size).toBe(251);
    s.clear();
    expect(s.size).toBe(0);
    expect(s.get(64)).toBe(undefined);
  });

  it("a run that wraps around the table's end: numbers whose home is its last places, deleted in every order", () => {
    // (white-box: the table's first 64 places and its hash, Fibonacci's, as streamMap.ts has them)
    const home = (k: number) => Math.imul(k, 0x9e3779b1) >>> 26;
    const at62 = [], at63 = [], at0 = [];
    for (let k = 0; at62.length < 6 || at63.length < 6 || at0.length < 4; k++) {
      const h = home(k);
      if (h === 62 && at62.length < 6) at62.push(k); else if (h === 63 && at63.length < 6) at63.push(k); else if (h === 0 && at0.length < 4) at0.push(k);
    }
    const all = [...at62, ...at63, ...at0];
    for (let order = 0; order < 40; order++) {
      const s = new StreamMap<number>(), ref = new Map<number, number>();
      // (fewer than 32: the table stays at 64 places)
      const mixed = all.slice().sort((a, b) => ((Math.imul(a ^ order, 0x2c1b3c6d) >>> 0) - (Math.imul(b ^ order, 0x2c1b3c6d) >>> 0)));
      for (const k of mixed) { s.set(k, k * 2); ref.set(k, k * 2); }
      for (const k of mixed.slice().reverse().filter((_, i) => (i + order) % 3 !== 0)) {
        expect(s.delete(k)).toBe(true); ref.delete(k);
        for (const x of all) expect(s.get(x)).toBe(ref.get(x));
      }
    }
  });
});
