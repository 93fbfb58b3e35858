// Small pcap helpers for tests: read the records of a classic little-endian µs pcap, and write
// a merged capture (records interleaved by timestamp).
import { readFileSync } from "node:fs";

export interface PcapRecord { tsUs: bigint; data: Uint8Array; origLen: number }
export interface Pcap { linkType: number; records: PcapRecord[] }

export function readPcap(path: string): Pcap {
  const b = readFileSync(path);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(0, true) !== 0xa1b2c3d4) throw new Error(`${path}: not a little-endian µs pcap`);
  const linkType = dv.getUint32(20, true);
  const records: PcapRecord[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const sec = dv.getUint32(o, true), us = dv.getUint32(o + 4, true), cap = dv.getUint32(o + 8, true), orig = dv.getUint32(o + 12, true);
    records.push({ tsUs: BigInt(sec) * 1_000_000n + BigInt(us), data: b.subarray(o + 16, o + 16 + cap), origLen: orig });
    o += 16 + cap;
  }
  return { linkType, records };
}

export function writePcap(linkType: number, records: PcapRecord[]): Uint8Array {
  const size = 24 + records.reduce((a, r) => a + 16 + r.data.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true); dv.setUint16(4, 2, true); dv.setUint16(6, 4, true);
  dv.setUint32(16, 262144, true); dv.setUint32(20, linkType, true);
  let o = 24;
  for (const r of records) {
    dv.setUint32(o, Number(r.tsUs / 1_000_000n), true); dv.setUint32(o + 4, Number(r.tsUs % 1_000_000n), true);
    dv.setUint32(o + 8, r.data.length, true); dv.setUint32(o + 12, r.origLen, true);
    out.set(r.data, o + 16);
    o += 16 + r.data.length;
  }
  return out;
}
