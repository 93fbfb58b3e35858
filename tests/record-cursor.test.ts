// The analysis reads the decoder's records in place (RecordCursor) instead of as RawEvents: every
// field of every record of every fixture must read as decodeRecords decodes it, and timestamps
// and 64-bit ids, which the cursor computes without BigInt, must come out as the BigInt
// arithmetic gives them, at the edges too (negative, past 2^53, the i64 extremes).
import { describe, it, expect } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { nodeDecoder } from "../src/cli/wasmNode";
import { MODEL_FIELDS } from "../src/core/model/builder";
import { decodeRecords, fieldFilter, RecordCursor, tsMsOf, type EventRecord, type FieldFilter, type RawEvent } from "../src/core/decoder/records";
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
