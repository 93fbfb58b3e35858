// The requests after the setup awaiting their answer (src/core/model/openRequests.ts, read by
// builder.ts beyond) are kept in typed columns, one list per connection, in place of the Map per
// connection they were: each list must answer as that Map in insertion order would (a request
// found by its message id with its own fields, one per id, a repeated id replacing the request
// where it is, the oldest let go past the limit), however many lists interleave and reuse the
// slots others let go. The reference here is that Map, driven by the same random operations.
import { describe, it, expect } from "vitest";
import { OpenRequests, type RequestId } from "../src/core/model/openRequests";

interface Req { frame: number; ts: number; cmd: number; name: string | undefined; dfsOp: boolean; dfsPath: string | undefined }

function rng(seed: number) {
  let x = seed >>> 0;
  return () => { x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0; return x / 4294967296; };
}

/** the list `head` of `o` read back, oldest first, against the Map */
function same(o: OpenRequests, head: number, ref: Map<RequestId, Req>): void {
  expect(o.size(head)).toBe(ref.size);
  for (const [id, r] of ref) {
    const i = o.find(head, id);
    expect(i).toBeGreaterThanOrEqual(0);
    expect({ frame: o.frame(i), ts: o.ts(i), cmd: o.cmd(i), name: o.name(i), dfsOp: o.dfsOp(i), dfsPath: o.dfsPath(i) }).toEqual(r);
  }
}

describe("requests awaiting an answer, in columns", () => {
  it("answer as a Map per connection in insertion order would, for 300 interleaved connections and 60,000 operations", () => {
    const max = 8;
    const o = new OpenRequests();
    const n = 300;
    const heads = new Array<number>(n).fill(-1);
    const refs = Array.from({ length: n }, () => new Map<RequestId, Req>());
    const next = rng(7);
    let frame = 1;
    for (let step = 0; step < 60_000; step++) {
      const k = Math.floor(next() * n), ref = refs[k];
      const op = next();
      // few ids per connection, so that ids repeat; some beyond 2^53 (BigInt keys)
      const small = Math.floor(next() * 12);
      const id: RequestId = next() < 0.1 ? (1n << 60n) + BigInt(small) : small;
      if (op < 0.55) {
        const r: Req = { frame: frame++, ts: frame * 1.5, cmd: next() < 0.5 ? 5 : 11, name: next() < 0.5 ? `f${small}` : undefined, dfsOp: next() < 0.3, dfsPath: next() < 0.3 ? `\\\\srv\\p${small}` : undefined };
        heads[k] = o.add(heads[k], id, r.frame, r.ts, r.cmd, r.name, r.dfsOp, r.dfsPath, max);
        if (ref.size >= max) ref.delete(ref.keys().next().value!);
        ref.set(id, r);
      } else if (op < 0.95) {
        const i = heads[k] >= 0 ? o.find(heads[k], id) : -1;
        expect(i >= 0).toBe(ref.has(id));
        if (i >= 0) {
          const r = ref.get(id)!;
          expect(o.frame(i)).toBe(r.frame);
          heads[k] = o.remove(heads[k], i);
          ref.delete(id);
        }
      } else {
        // the connection closes; a new one takes its place
        o.drop(heads[k]);
        heads[k] = -1;
        ref.clear();
      }
      if (step % 97 === 0) same(o, heads[k], ref);
    }
    for (let k = 0; k < n; k++) same(o, heads[k], refs[k]);
  });

  it("the oldest goes past the limit, a repeated id keeps its place, and the newest and oldest can be taken out", () => {
    const o = new OpenRequests();
    let h = -1;
    for (let id = 1; id <= 4; id++) h = o.add(h, id, id * 10, id, 5, `n${id}`, false, undefined, 5);
    // 1 again: replaced where it is (still the oldest), no fifth request
    h = o.add(h, 1, 99, 9.5, 11, undefined, true, "\\\\a\\b", 5);
    expect(o.size(h)).toBe(4);
    expect([o.frame(o.find(h, 1)), o.cmd(o.find(h, 1)), o.name(o.find(h, 1)), o.dfsOp(o.find(h, 1)), o.dfsPath(o.find(h, 1))]).toEqual([99, 11, undefined, true, "\\\\a\\b"]);
    h = o.add(h, 5, 50, 5, 5, "n5", false, undefined, 5);
    // a sixth id: the oldest (1, in its first place) goes
    h = o.add(h, 6, 60, 6, 5, "n6", false, undefined, 5);
    expect(o.find(h, 1)).toBe(-1);
    expect([2, 3, 4, 5, 6].map((id) => o.frame(o.find(h, id)))).toEqual([20, 30, 40, 50, 60]);
    // the newest, then the oldest, then one between, out
    h = o.remove(h, o.find(h, 6));
    h = o.remove(h, o.find(h, 2));
    h = o.remove(h, o.find(h, 4));
    expect(o.size(h)).toBe(2);
    expect([3, 5].map((id) => o.frame(o.find(h, id)))).toEqual([30, 50]);
    h = o.remove(h, o.find(h, 3));
    h = o.remove(h, o.find(h, 5));
    expect(h).toBe(-1);
    expect(o.size(h)).toBe(0);
  });
});
