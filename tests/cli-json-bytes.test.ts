// The --json spool's record encoder (src/cli/jsonBytes.ts): its bytes are JSON.stringify's text
// in UTF-8, for any string a capture can carry (controls, quotes, lone surrogates, U+2028, DEL,
// pairs cut at the encoder's stretches), any number, undefined and function fields, and for every
// record, Kerberos entry, finding and server of every fixture's Report; what it cannot write as
// JSON.stringify would (toJSON, class instances, bigints, an enumerable Object.prototype key) it
// leaves to JSON.stringify, writing nothing.
import { describe, it, expect } from "vitest";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { JsonBytes } from "../src/cli/jsonBytes";
import { fileSource } from "../src/cli/nodeSource";
import { nodeDecoder } from "../src/cli/wasmNode";
import { analyzeCapture } from "../src/core/analyze";
import type { Connection } from "../src/core/report";

const FIX = join(__dirname, "../fixtures");
const CAPTURE = /\.(pcap|pcapng|cap)$/;
const fixtures = ["", "netmon", "netmon1", "regress"].flatMap((d) => readdirSync(join(FIX, d)).filter((f) => CAPTURE.test(f)).sort().map((f) => join(d, f)));

/** The encoder's text for `v` appended after what `enc` holds (checked to be left as it was), or null when it leaves `v` to JSON.stringify. */
function encoded(v: object, enc = new JsonBytes(16)): string | null {
  const at = enc.at, before = enc.buf.toString("latin1", Math.max(0, at - 64), at);
  enc.nonAscii = false;
  const ok = enc.value(v);
  expect(enc.buf.toString("latin1", Math.max(0, at - 64), at)).toBe(before); // what it held is kept
  if (!ok) { expect(enc.at).toBe(at); return null; }
  const bytes = enc.buf.subarray(at, enc.at);
  expect(enc.nonAscii).toBe(bytes.some((b) => b >= 0x80));
  return bytes.toString("utf8");
}

const same = (v: object, enc?: JsonBytes) => expect(encoded(v, enc)).toBe(JSON.stringify(v));

describe("JsonBytes: JSON.stringify's text as UTF-8", () => {
  it("strings a capture may carry: every BMP code unit, controls, quotes, backslashes, lone and paired surrogates, U+2028/2029, DEL", () => {
    const all = Array.from({ length: 0x10000 }, (_, c) => String.fromCharCode(c));
    same({ all: all.join("") });
    const hostile = [
      "", "\0", "\x1b[8m\n", "\x7f", "\x80\x9b", "\u00ad", "\u2028\u2029", "\u202e", "\ufeff", "\uffff", '"', "\\", '\\"', "\b\f\n\r\t\v",
      "\ud800", "\udfff", "\udc00\ud800", "a\ud83d", "\ud83d\ude00", "\ud83de", "x\ude00y", "\ud83d\ud83d\ude00", "é中😀", "</script>", "\u0000\u001f\u0020",
      "\\\\srv\\share$", "DOMAIN\\user", "cifs/host.example\u0000",
    ];
    for (const s of hostile) {
      same({ s });
      same({ [s]: s, list: [s, s + s] }); // as a key too
    }
    // every pair of the interesting units, so that each follows each
    const units = ["a", "\0", '"', "\\", "\x7f", "\x80", "\u07ff", "\u0800", "\ud800", "\udbff", "\udc00", "\udfff", "\ue000", "\u2028", "\uffff"];
    same({ pairs: units.flatMap((a) => units.map((b) => a + b)) });
    // pairs, lone surrogates and escapes across the encoder's stretches (4096 units), long strings
    for (const n of [4094, 4095, 4096, 4097, 8191, 8192, 12289]) {
      for (const tail of ["\ud83d\ude00", "\ud83d", "\ude00", "\n", "é", '"']) same({ s: "x".repeat(n) + tail + "y".repeat(5000) });
      same({ s: "\ud83d\ude00".repeat(n) });
      same({ s: "\x01".repeat(n) });
    }
    same({ big: "u".repeat(3 << 20), also: "中".repeat(1 << 20) });
  });

  it("numbers: integers of every size, milliseconds to three places, other doubles, -0, NaN, infinities", () => {
    const nums = [0, -0, 1, -1, 9, 10, 99, 100, 2147483647, -2147483647, -2147483648, 2147483648, -2147483649, 4294967296, 2 ** 53, -(2 ** 53), 1e21, 1e-7, 5e-324,
      Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity, 0.1, 0.2, 0.3, 0.1 + 0.2, 2.65, 8.012, 0.001, 0.0005, -0.0005, 1.0005, 0.999, 999.999, 2147483.647, 2147483647.5, -2147483647.5, 1 / 3, Math.PI];
    same({ nums });
    // k/1000 for k over every residue, in many magnitudes, and their neighbours
    const ms: number[] = [];
    for (const base of [0, 1, 7, 999, 1000, 123456, 2147482, 2147483, 99999999, 2147483646]) {
      for (let f = 0; f < 1000; f++) {
        const v = (base * 1000 + f) / 1000;
        ms.push(v, -v, v + Number.EPSILON * v, v - Number.EPSILON * v, Math.fround(v));
      }
    }
    same({ ms });
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    same({ r: Array.from({ length: 20000 }, (_, i) => (i % 2 ? Math.round(rnd() * 1e9) / 1000 : (rnd() - 0.5) * 10 ** ((i % 40) - 20))) });
  });

  it("values JSON.stringify leaves out or writes as null; key order, numeric keys, nesting, null prototypes, frozen objects", () => {
    const sym = Symbol("s");
    same({ a: undefined, b: () => 1, c: sym, d: null, e: [undefined, () => 1, sym, null, , 1], f: true, g: false, h: {}, i: [], j: [[[]], {}] }); // eslint-disable-line no-sparse-arrays
    same({ z: 1, 2: "two", a: 2, 1: "one", "-1": 3, "01": 4, 4294967295: 5, 4294967294: 6 });
    const o = Object.create(null) as Record<string, unknown>;
    o.x = 1; o.y = { z: [o.x] };
    same({ o });
    same(Object.freeze({ f: Object.freeze({ clientRequired: false, serverRequired: true }), l: Object.freeze(["A", "B"]) }));
    const withHidden = { v: 1 };
    Object.defineProperty(withHidden, "hidden", { value: 2, enumerable: false });
    Object.defineProperty(withHidden, "shown", { get: () => "got", enumerable: true });
    same({ withHidden });
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 200; i++) at = (at.next = { i }) as Record<string, unknown>;
    same(deep);
  });

  it("keys as the encoder keeps them by shape: the same keys with others left out, in other orders, escaped keys, more shapes than it keeps", () => {
    const enc = new JsonBytes(64);
    const shapes: object[] = [];
    for (const a of [1, undefined]) for (const b of ["x", undefined]) for (const c of [null, undefined]) shapes.push({ a, b, c }, { c, b, a }, { b, n: { a, c } });
    for (let round = 0; round < 3; round++) for (const v of shapes) same(v, enc);
    same({ 'q"uote': 1, "back\\": 2, "\n": 3, "é": 4, "\ud800": 5, "中文": { "é": 6 }, plain: 7 }, enc);
    // a key tree full: what comes after is written all the same
    for (let i = 0; i < 5000; i++) same({ [`k${i}`]: i, [`l${i % 7}`]: [i], tail: { [`m${i}`]: "v" } }, enc);
    for (const v of shapes) same(v, enc);
  });

  it("a key's values kept with their text (strings, true/false/null, shared frozen values): written again the same, non-ASCII ones too, and never one whose text can change", () => {
    const enc = new JsonBytes(64);
    const server = Object.freeze({ netbios: "SRV", dns: "srv.\u00e9.test", domain: null, netname: "\ud800" });
    const findings = Object.freeze(["SMB1_IN_USE", "\u2028"]), none = Object.freeze([]);
    const texts = ["", "ok", "é", "中", "😀", "\ud83d", '"', "\\", "\n", "\u0000", "\u007f", "</script>", "WORKGROUP\\alice"];
    // each value at each key more than once, after others, in another object's shape too
    for (let round = 0; round < 3; round++) {
      for (const t of texts) {
        same({ user: t, serverName: server, findings, shares: none, smb1: round === 1, status: null }, enc);
        same({ phase: t, status: t === "" ? null : t, nested: { user: t, findings } }, enc);
      }
    }
    // (the encoder says a record is ASCII only when it is: encoded() checks nonAscii every time)
    for (let i = 0; i < 3; i++) expect(encoded({ user: "é" }, enc)).toBe('{"user":"é"}');
    // an object that is not frozen, or frozen but holding an object, or a getter: written as it is now
    const open: Record<string, unknown> = { a: "x" };
    same({ v: open }, enc); open.a = "y"; same({ v: open }, enc);
    const inner = { n: 1 }, outer = Object.freeze({ inner });
    same({ v: outer }, enc); inner.n = 2; same({ v: outer }, enc);
    const list = ["a"], frozenList = Object.freeze([list]);
    same({ v: frozenList }, enc); list[0] = "b"; same({ v: frozenList }, enc);
    let got = 0;
    const counter = Object.freeze(Object.defineProperty({}, "n", { get: () => ++got, enumerable: true }));
    expect(encoded({ v: counter }, enc)).toBe('{"v":{"n":1}}');
    expect(encoded({ v: counter }, enc)).toBe('{"v":{"n":2}}');
    // a key with more values than it keeps, and with none twice (the connection's id): each as it is
    for (let i = 0; i < 400; i++) same({ id: `10.0.0.${i % 40}:445-é${i}`, user: texts[i % texts.length], server }, enc);
    for (const t of texts) same({ id: t, user: t, server }, enc);
    // a toJSON that every array or object gets later: left to JSON.stringify (not the text kept)
    const nullProto = Object.assign(Object.create(null) as object, { server, findings });
    same(nullProto, enc);
    for (const proto of [Array.prototype, Object.prototype]) {
      Object.defineProperty(proto, "toJSON", { value: () => "changed", configurable: true, writable: true });
      try { expect(encoded(nullProto, enc)).toBeNull(); } finally { delete (proto as { toJSON?: unknown }).toJSON; }
    }
    same(nullProto, enc);
    // a frozen array of a class of its own, whose prototype gets a toJSON later
    class Names extends Array<string> {}
    const names = Object.freeze(Names.from(["a", "b"]));
    same({ names }, enc); same({ names }, enc);
    Object.defineProperty(Names.prototype, "toJSON", { value: () => "changed" });
    expect(encoded({ names }, enc)).toBeNull();
  });

  it("leaves to JSON.stringify what it does not write as JSON.stringify would, writing nothing, and goes on after it", () => {
    const enc = new JsonBytes(8);
    same({ first: "é" }, enc);
    class Row { a = 1; }
    const unusual: object[] = [
      { d: new Date(0) }, { t: { toJSON: () => "x" } }, { r: new Row() }, { m: new Map([[1, 2]]) }, { u8: new Uint8Array(2) }, { b: 1n }, { s: new String("x") },
      { n: new Number(1) }, { thrower: Object.defineProperty({}, "x", { get() { throw new Error("no"); }, enumerable: true }) },
    ];
    for (const v of unusual) expect(encoded(v, enc), String(Object.keys(v))).toBeNull();
    same({ after: "ok" }, enc);
    (Object.prototype as Record<string, unknown>).polluted = 1;
    try { expect(encoded({ a: 1 }, enc)).toBeNull(); } finally { delete (Object.prototype as Record<string, unknown>).polluted; }
    same({ a: 1 }, enc);
  });

  it("every fixture's connection records, as the spool gets them and as Report.connections holds them, and the rest of each Report", async () => {
    let records = 0;
    const enc = new JsonBytes(1 << 10);
    for (const f of fixtures) {
      const put: Connection[] = [];
      const texts: string[] = [];
      // the records as a ConnectionSink gets them: each written at once (read during the call only)
      const sink = { put(_order: number, r: Connection) { put.push(r); texts.push(JSON.stringify(r)); expect(encoded(r, enc), f).toBe(texts[texts.length - 1]); } };
      const src = await fileSource(join(FIX, f));
      try { await analyzeCapture(await nodeDecoder(), src, { connections: sink }); } finally { await src.close(); }
      const s2 = await fileSource(join(FIX, f));
      let report;
      try { report = await analyzeCapture(await nodeDecoder(), s2); } finally { await s2.close(); }
      for (const c of report.connections) same(c, enc);
      for (const list of [report.kerberos, report.findings, report.servers ?? [], report.quic ?? []]) for (const e of list) same(e as object, enc);
      same(report, enc);
      records += put.length;
      if (enc.at > 1 << 20) enc.at = 0;
    }
    expect(records).toBeGreaterThan(80);
  }, 120_000);
});
