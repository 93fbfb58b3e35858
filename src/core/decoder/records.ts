// Turns the wasm's binary event records (layout in assembly/events.ts) into plain objects.
import * as C from "../../../assembly/events";
import { FIELD_NAMES, KIND_NAMES } from "./fields";

export type FieldValue = number | bigint | string | Uint8Array;

export interface RawEvent {
  kind: number;
  kindName: string;
  frame: number;
  tsNs: bigint;
  tsDigits: number;
  /** Wireshark tcp.stream, -1 when not about a TCP flow */
  stream: number;
  fromClient: boolean;
  ipv6: boolean;
  f: Record<string, FieldValue>;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");
const utf16 = new TextDecoder("utf-16le");

function text(bytes: Uint8Array): string {
  try { return utf8.decode(bytes); } catch { return latin1.decode(bytes); }
}

/** Decodes the records in mem[start, end). */
export function decodeRecords(mem: Uint8Array, start: number, end: number, out: RawEvent[]): void {
  const dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  let p = start;
  while (p + C.REC_HEADER_SIZE <= end) {
    const kind = dv.getUint16(p + C.REC_OFF_KIND, true);
    const len = dv.getUint16(p + C.REC_OFF_LENGTH, true);
    if (len < C.REC_HEADER_SIZE || p + len > end) throw new Error(`corrupt event record at ${p - start}: length ${len}`);
    const flags = dv.getUint8(p + C.REC_OFF_FLAGS);
    const ev: RawEvent = {
      kind,
      kindName: KIND_NAMES.get(kind) ?? `kind${kind}`,
      frame: dv.getUint32(p + C.REC_OFF_FRAME, true),
      tsNs: dv.getBigInt64(p + C.REC_OFF_TS, true),
      tsDigits: dv.getUint8(p + C.REC_OFF_TSDIGITS),
      stream: dv.getInt32(p + C.REC_OFF_STREAM, true),
      fromClient: (flags & C.REC_FLAG_FROM_CLIENT) !== 0,
      ipv6: (flags & C.REC_FLAG_IPV6) !== 0,
      f: {},
    };
    let q = p + C.REC_HEADER_SIZE;
    const recEnd = p + len;
    while (q + C.FIELD_HEADER_SIZE <= recEnd) {
      const id = dv.getUint8(q);
      const type = dv.getUint8(q + 1);
      const flen = dv.getUint16(q + 2, true);
      const v = q + C.FIELD_HEADER_SIZE;
      if (v + flen > recEnd) throw new Error(`corrupt field ${id} in record at ${p - start}`);
      const name = FIELD_NAMES.get(id) ?? `f${id}`;
      let value: FieldValue;
      switch (type) {
        case C.T_U32: value = dv.getUint32(v, true); break;
        case C.T_U64: value = dv.getBigUint64(v, true); break;
        case C.T_I64: value = dv.getBigInt64(v, true); break;
        case C.T_STR: value = text(mem.subarray(v, v + flen)); break;
        case C.T_UTF16: value = utf16.decode(mem.subarray(v, v + flen)); break;
        default: value = mem.slice(v, v + flen);
      }
      ev.f[name] = value;
      q = v + ((flen + 3) & ~3);
    }
    out.push(ev);
    p += len;
  }
}
