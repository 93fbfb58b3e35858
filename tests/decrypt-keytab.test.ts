// Keytab files (MIT format, versions 0x0502 and 0x0501): the real one of enc-krb-smb311 written
// again in every form a keytab takes (version 1 in either byte order, holes left by deleted
// entries, an 8-bit kvno with and without the 32-bit one, MIT's trailing zeros), and damaged ones:
// each truncation and each lying length gives an error that names the offset, never a throw.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseKeytab, type KeytabEntry } from "../src/core/decrypt/keytab";
import { toHex } from "./support/hex";

const real = new Uint8Array(readFileSync(join(__dirname, "../fixtures/enc-krb-smb311.keytab")));
const parsed = parseKeytab(real);
if (parsed.kind !== "keytab") throw new Error(parsed.why);
const entries = parsed.entries;

/** A keytab writer for the tests (the product only reads them). */
function write(es: KeytabEntry[], o: { version?: 1 | 2; le?: boolean; kvno32?: boolean; hole?: boolean; trailingZeros?: boolean } = {}): Uint8Array {
  const v = o.version ?? 2, le = o.le ?? false;
  const out: number[] = [5, v];
  const u16 = (n: number) => (le ? [n & 255, n >> 8] : [n >> 8, n & 255]);
  const u32 = (n: number) => (le ? [n, n >>> 8, n >>> 16, n >>> 24] : [n >>> 24, n >>> 16, n >>> 8, n]).map((x) => x & 255);
  const str = (s: string) => { const b = new TextEncoder().encode(s); return [...u16(b.length), ...b]; };
  for (const e of es) {
    if (o.hole) out.push(...u32(-12 >>> 0), ...new Array(12).fill(0xee));
    const body = [...u16(e.components.length + (v === 1 ? 1 : 0)), ...str(e.realm), ...e.components.flatMap(str),
      ...(v === 2 ? u32(e.nameType) : []), ...u32(e.timestamp), e.kvno & 255, ...u16(e.etype), ...u16(e.key.length), ...e.key,
      ...(o.kvno32 ? u32(e.kvno) : [])];
    out.push(...u32(body.length), ...body);
  }
  if (o.trailingZeros) out.push(0, 0, 0, 0, 0, 0, 0, 0);
  return new Uint8Array(out);
}

const summary = (es: KeytabEntry[]) => es.map((e) => [e.principal, e.kvno, e.etype, toHex(e.key)]);

describe("keytab formats", () => {
  it("the real keytab (Samba's: a 32-bit kvno and 32 bits of flags after each key) reads as three entries", () => {
    expect(entries.length).toBe(3);
    expect(entries.every((e) => e.timestamp > 1.7e9 && e.kvno === 1)).toBe(true);
  });
  for (const [name, opts] of [
    ["version 2, big-endian, 8-bit kvno only", {}],
    ["version 2 with 32-bit kvno, a hole before each entry and trailing zeros", { kvno32: true, hole: true, trailingZeros: true }],
    ["version 1, little-endian (the writer's byte order)", { version: 1, le: true }],
    ["version 1, big-endian", { version: 1, le: false, kvno32: true }],
  ] as const)
    it(name, () => {
      const k = parseKeytab(write(entries, opts));
      expect(k.kind).toBe("keytab");
      if (k.kind === "keytab") {
        expect(k.version).toBe(opts.version ?? 2);
        expect(summary(k.entries)).toEqual(summary(entries));
      }
    });
  it("a 32-bit kvno above 255 supersedes the 8-bit one", () => {
    const k = parseKeytab(write([{ ...entries[0], kvno: 300 }], { kvno32: true }));
    expect(k.kind === "keytab" && k.entries[0].kvno).toBe(300);
  });
});

describe("damaged keytabs", () => {
  it("not a keytab: says what the first bytes are", () => {
    expect(parseKeytab(new TextEncoder().encode("[libdefaults]\n"), "krb5.conf")).toEqual({ kind: "error", why: "krb5.conf: starts with 5b 6c, not a keytab (05 01 or 05 02 expected at offset 0)" });
    expect(parseKeytab(new Uint8Array(0))).toMatchObject({ kind: "error" });
  });
  it("an entry size past the end names the entry's offset", () => {
    const b = real.slice();
    b[2] = 0x7f; // first entry's size: 0x7f000067
    expect(parseKeytab(b, "x.keytab")).toEqual({ kind: "error", why: "x.keytab: entry says 2130706535 bytes, 285 left in the file (offset 2)" });
  });
  it("a key length longer than its entry names the key's offset", () => {
    const b = real.slice();
    // first entry: size @2, count @6, realm @8 (2 + 17), components "cifs" @27, "dc1…" @33 (2 + 21),
    // name type @56, timestamp @60, kvno @64, key type @65, key length @67, key @69; the entry ends at 6 + 103
    expect(b[67] << 8 | b[68]).toBe(32);
    b[68] = 200;
    const r = parseKeytab(b);
    expect(r).toEqual({ kind: "error", why: "keytab: key says 200 bytes, 40 left in the entry (offset 67)" });
  });
  it("every truncation gives an error or the entries before the cut, never a throw", () => {
    for (let n = 0; n < real.length; n++) {
      const r = parseKeytab(real.subarray(0, n));
      if (r.kind === "error") expect(r.why).toMatch(/offset \d+|bytes, not a keytab/);
      else expect(r.entries.length).toBeLessThan(3);
    }
  });
  it("random damage never throws", () => {
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 3000; i++) {
      const b = real.slice();
      for (let j = 0; j < 3; j++) b[2 + Math.floor(rnd() * (b.length - 2))] = Math.floor(rnd() * 256);
      const r = parseKeytab(b);
      expect(["keytab", "error"]).toContain(r.kind);
    }
  });
});
