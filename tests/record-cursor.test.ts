// The analysis reads the decoder's records in place (RecordCursor) instead of as RawEvents: every
// field of every record of every fixture must read as decodeRecords decodes it, and timestamps
// and 64-bit ids, which the cursor computes without BigInt, must come out as the BigInt
// arithmetic gives them, at the edges too (negative, past 2^53, the i64 extremes).
import { describe, it, expect } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { nodeDecoder } from "../src/cli/wasmNode";
import { MODEL_FIELDS, authFacts } from "../src/core/model/builder";
import { decodeRecords, fieldFilter, EventReader, RecordCursor, tsMsOf, type EventRecord, type FieldFilter, type RawEvent } from "../src/core/decoder/records";
import { FIELD_NAMES } from "../src/core/decoder/fields";
import * as C from "../assembly/events";

const FX = join(__dirname, "../fixtures");
const IDS = new Map([...FIELD_NAMES].map(([id, n]) => [n, id]));

/** What the cursor reads of one record, in RawEvent's terms (fields by name, as typed). */
function seen(r: EventRecord, ev: RawEvent) {
  const f: Record<string, unknown> = {};
  for (const [id, name] of FIELD_NAMES) {
    if (!r.has(id)) continue;
    const v = ev.f[name];
    if (typeof v === "number") f[name] = r.u32(id);
    else if (typeof v === "bigint") { f[name] = r.big(id); expect(r.n64(id)).toBe(Number(v)); }
    else if (typeof v === "string") f[name] = r.str(id);
    else f[name] = r.view(id)?.slice(); // a copy: the view is valid only during the call
  }
  return { kind: r.kind, frame: r.frame, stream: r.stream, fromClient: r.fromClient, ipv6: r.ipv6, ts: r.tsMs(), f };
}

function compare(bytes: Uint8Array, keep?: FieldFilter): number {
  const events: RawEvent[] = [];
  decodeRecords(bytes, 0, bytes.length, events, keep);
  let i = 0;
  new RecordCursor().run(bytes, 0, bytes.length, {
    record(r) {
      const ev = events[i++];
      expect(seen(r, ev)).toEqual({ kind: ev.kind, frame: ev.frame, stream: ev.stream, fromClient: ev.fromClient, ipv6: ev.ipv6, ts: tsMsOf(ev.tsNs), f: ev.f });
      expect(r.event()).toEqual(ev);
    },
  }, keep);
  expect(i).toBe(events.length);
  return i;
}

describe("RecordCursor reads what decodeRecords decodes", () => {
  const filter = fieldFilter(MODEL_FIELDS);
  for (const name of readdirSync(FX).filter((f) => /\.(pcap|pcapng|etl|netmon1?)$/.test(f)).sort()) {
    it(name, async () => {
      const d = await nodeDecoder();
      const file = new Uint8Array(readFileSync(join(FX, name)));
      d.setSetupOnly(true);
      const records = d.recordBytes(file);
      // every field (the filter keeps only some, and keeps warnings and the summary whole)
      expect(compare(records)).toBeGreaterThan(0);
      compare(records, filter);
    });
  }
});

// authFacts finds the facts of a SESSION_SETUP message by its fields' bytes (RecordCursor
// rawFields) before making any string: the facts so found must be those its fields' values give
// (EventReader, which has no bytes, makes them from the strings), for every message of every
// fixture, read one after another (the cache holds the earlier fixtures' messages) and twice.
it("a SESSION_SETUP's facts found by its fields' bytes are the facts of its fields' values, on every fixture", async () => {
  const d = await nodeDecoder();
  const filter = fieldFilter(MODEL_FIELDS);
  const reader = new EventReader();
  let n = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (const name of readdirSync(FX).filter((f) => /\.(pcap|pcapng|etl|netmon1?)$/.test(f)).sort()) {
      d.setSetupOnly(true);
      const records = d.recordBytes(new Uint8Array(readFileSync(join(FX, name))));
      const events: RawEvent[] = [];
      decodeRecords(records, 0, records.length, events, filter);
      let i = 0;
      new RecordCursor().run(records, 0, records.length, {
        record(r) {
          const ev = events[i++];
          const ss = (r.kind === C.EV_SMB2 && r.u32(C.F_CMD) === 1) || (r.kind === C.EV_SMB1 && r.u32(C.F_CMD) === 0x73);
          if (!ss) return;
          n++;
          expect(authFacts(r), `${name} frame ${r.frame}`).toEqual(authFacts(reader.of(ev)));
        },
      }, filter);
    }
  }
  expect(n).toBeGreaterThan(500);
});

/** One record of `kind` at `tsNs`, with the given u64 fields (id, value). */
function record(kind: number, tsNs: bigint, u64s: [number, bigint][]): Uint8Array {
  const len = C.REC_HEADER_SIZE + u64s.length * (C.FIELD_HEADER_SIZE + 8);
  const b = new Uint8Array(len);
  const dv = new DataView(b.buffer);
  dv.setUint16(C.REC_OFF_KIND, kind, true);
  dv.setUint16(C.REC_OFF_LENGTH, len, true);
  dv.setUint32(C.REC_OFF_FRAME, 7, true);
  dv.setBigInt64(C.REC_OFF_TS, tsNs, true);
  dv.setInt32(C.REC_OFF_STREAM, 3, true);
  let q = C.REC_HEADER_SIZE;
  for (const [id, v] of u64s) {
    b[q] = id; b[q + 1] = C.T_U64; dv.setUint16(q + 2, 8, true);
    dv.setBigUint64(q + C.FIELD_HEADER_SIZE, v, true);
    q += C.FIELD_HEADER_SIZE + 8;
  }
  return b;
}

it("timestamps and 64-bit ids come out as with BigInt, at the edges too", () => {
  const I64 = (1n << 63n);
  const times = [0n, 1n, 999n, 1000n, 1001n, 999_999n, (1n << 32n) - 1n, 1n << 32n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n,
    1_700_000_000_123_456_789n, 1_700_000_000_123_456_999n, I64 - 1n, I64 - 999n, -1n, -999n, -1000n, -1001n, -1_700_000_000_123_456_789n, -I64];
  for (let k = 0; k < 2000; k++) times.push(BigInt.asIntN(64, BigInt(Math.floor(Math.random() * 2 ** 32)) << 32n | BigInt(Math.floor(Math.random() * 2 ** 32))));
  const ids = [0n, 1n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, (1n << 64n) - 1n, 0x1234_5678_9abc_def0n];
  const msg = IDS.get("msgId")!, delay = IDS.get("delayNs")!;
  const cur = new RecordCursor();
  for (const [i, ts] of times.entries()) {
    const id = ids[i % ids.length];
    const b = record(C.EV_SMB2, ts, [[msg, id], [delay, ts < 0n ? -ts : ts]]);
    let n = 0;
    cur.run(b, 0, b.length, {
      record(r) {
        n++;
        expect(r.tsMs(), `ts ${ts}`).toBe(tsMsOf(ts));
        expect(r.n64(msg), `id ${id}`).toBe(Number(id));
        expect(r.big(msg)).toBe(id);
        expect(r.n64(delay)).toBe(Number(ts < 0n ? -ts : ts));
        expect(r.has(IDS.get("status")!)).toBe(false);
        expect(r.u32(IDS.get("status")!)).toBeUndefined();
      },
    }, undefined);
    expect(n).toBe(1);
  }
});

/** One record of string fields (id, bytes), each padded to 4 bytes as the decoder writes them; `shift`: bytes of another record before it. */
function strRecord(fields: [number, number[]][], shift = 0): Uint8Array {
  const len = C.REC_HEADER_SIZE + fields.reduce((s, [, v]) => s + C.FIELD_HEADER_SIZE + ((v.length + 3) & ~3), 0);
  const b = new Uint8Array(shift + len);
  const dv = new DataView(b.buffer);
  dv.setUint16(shift + C.REC_OFF_KIND, C.EV_SMB2, true);
  dv.setUint16(shift + C.REC_OFF_LENGTH, len, true);
  let q = shift + C.REC_HEADER_SIZE;
  for (const [id, v] of fields) {
    b[q] = id; b[q + 1] = C.T_STR; dv.setUint16(q + 2, v.length, true);
    b.set(v, q + C.FIELD_HEADER_SIZE);
    q += C.FIELD_HEADER_SIZE + ((v.length + 3) & ~3);
  }
  return b;
}

it("fields' bytes compare equal exactly when the fields are equal: each length, a difference in any byte, absent against empty, aligned or not", () => {
  const ids = [C.F_NTLM_USER, C.F_NTLM_DOMAIN, C.F_NTLM_HOST];
  const key = (b: Uint8Array, shift = 0) => {
    let k: Int32Array | undefined;
    new RecordCursor().run(b, shift, b.length, { record(r) { const o = new Int32Array(64); const n = r.rawFields(ids, o); k = o.slice(0, n); } }, undefined);
    return k!;
  };
  const same = (b: Uint8Array, k: Int32Array, shift = 0) => {
    let s: boolean | undefined;
    new RecordCursor().run(b, shift, b.length, { record(r) { s = r.sameFields(ids, k); } }, undefined);
    return s!;
  };
  for (let n = 0; n <= 9; n++) {
    const text = Array.from({ length: n }, (_, i) => 0x41 + i);
    const base: [number, number[]][] = [[C.F_NTLM_USER, text], [C.F_NTLM_HOST, [0x68]]];
    const k = key(strRecord(base));
    // the same fields: equal, read in place aligned, and from memory where the record is not 4-aligned
    expect(same(strRecord(base), k)).toBe(true);
    for (const shift of [1, 2, 3]) { expect(same(strRecord(base, shift), k, shift)).toBe(true); expect(key(strRecord(base, shift), shift)).toEqual(k); }
    // one byte other, wherever it is
    for (let i = 0; i < n; i++) {
      const other = text.slice(); other[i] ^= 0x20;
      expect(same(strRecord([[C.F_NTLM_USER, other], [C.F_NTLM_HOST, [0x68]]]), k)).toBe(false);
      expect(same(strRecord([[C.F_NTLM_USER, other], [C.F_NTLM_HOST, [0x68]]], 1), k, 1)).toBe(false);
    }
    // one byte more or less, another field present (empty) or absent
    expect(same(strRecord([[C.F_NTLM_USER, [...text, 0x41]], [C.F_NTLM_HOST, [0x68]]]), k)).toBe(false);
    if (n > 0) expect(same(strRecord([[C.F_NTLM_USER, text.slice(0, -1)], [C.F_NTLM_HOST, [0x68]]]), k)).toBe(false);
    expect(same(strRecord([...base, [C.F_NTLM_DOMAIN, []]]), k)).toBe(false);
    expect(same(strRecord([[C.F_NTLM_USER, text]]), k)).toBe(false);
  }
});
