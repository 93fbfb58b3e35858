// CRAFTED compressed SMB2 messages (MS-SMB2 2.2.42) for tests: the real TREE_CONNECT request and
// BAD_NETWORK_NAME response of fixtures/tree-bad-share.pcap (frames 22, 23), compressed by the
// independent MS-XCA compressors of scripts/fixtures/etl-writer.mjs and wrapped in chained or
// unchained compression headers; capture() puts them back in the fixture's TCP stream.
import { join } from "node:path";
// @ts-ignore plain JS module
import { xpressCompress, lznt1Compress, xpressHuffCompress } from "../../scripts/fixtures/etl-writer.mjs";
import { readPcap, writePcap, type PcapRecord } from "./pcap";
import { replaceTcpPayload } from "./rewrite";

export const FIX = join(__dirname, "../../fixtures");
export const SRC = readPcap(join(FIX, "tree-bad-share.pcap"));
export const REQ = 22, RESP = 23; // TREE_CONNECT \\10.99.1.1\nosuchshare, STATUS_BAD_NETWORK_NAME (tshark dump)

// algorithm ids (MS-SMB2 2.2.3.1.3)
export const NONE = 0, LZNT1 = 1, LZ77 = 2, HUFF = 3, PATTERN = 4;
const compressor: Record<number, (b: Uint8Array) => Uint8Array> = { [LZNT1]: lznt1Compress, [LZ77]: xpressCompress, [HUFF]: xpressHuffCompress };

function tcpPayload(d: Uint8Array): Uint8Array {
  const ip = 14, ihl = (d[ip] & 15) * 4, tcp = ip + ihl, off = (d[tcp + 12] >> 4) * 4;
  const total = (d[ip + 2] << 8) | d[ip + 3];
  return d.subarray(tcp + off, ip + total);
}
/** The SMB2 message of a frame holding exactly one NBSS message. */
export function smbOf(frame: number): Uint8Array {
  const p = tcpPayload(SRC.records[frame - 1].data);
  const len = (p[1] << 16) | (p[2] << 8) | p[3];
  if (p[0] !== 0 || 4 + len !== p.length) throw new Error(`frame ${frame}: not exactly one NBSS message`);
  return p.slice(4);
}
const nbss = (m: Uint8Array) => { const o = new Uint8Array(4 + m.length); o[1] = m.length >> 16; o[2] = m.length >> 8; o[3] = m.length; o.set(m, 4); return o; };
export const cat = (...a: Uint8Array[]) => { const o = new Uint8Array(a.reduce((n, x) => n + x.length, 0)); let k = 0; for (const x of a) { o.set(x, k); k += x.length; } return o; };
export const le32 = (v: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v >>> 0, true); return b; };
const le16 = (v: number) => Uint8Array.of(v & 255, v >> 8);
const MAGIC = Uint8Array.of(0xfc, 0x53, 0x4d, 0x42);

/** 2.2.42.1: the first `offset` bytes as they are, the rest compressed with `alg`; `stated` overrides OriginalCompressedSegmentSize. */
export function unchained(m: Uint8Array, alg: number, offset: number, stated?: number): Uint8Array {
  return cat(MAGIC, le32(stated ?? m.length - offset), le16(alg), le16(0), le32(offset), m.subarray(0, offset), compressor[alg](m.subarray(offset)));
}
export type Part = { alg: number; bytes: Uint8Array; stated?: number; cut?: number };
/** 2.2.42.2: payload headers back to back (Pattern_V1 parts must be one repeated byte). */
export function chained(parts: Part[], total: number): Uint8Array {
  const body = parts.map((p, i) => {
    let data: Uint8Array;
    if (p.alg === NONE) data = p.bytes;
    else if (p.alg === PATTERN) data = cat(Uint8Array.of(p.bytes[0], 0), le16(0), le32(p.stated ?? p.bytes.length));
    else data = cat(le32(p.stated ?? p.bytes.length), compressor[p.alg] ? compressor[p.alg](p.bytes) : p.bytes);
    return cat(le16(p.alg), le16(i === 0 ? 1 : 0), le32(data.length + (p.cut ?? 0)), data);
  });
  return cat(MAGIC, le32(total), ...body);
}
/** Cuts a message around its longest run of one byte (≥ 8): before, run, after. */
export function aroundRun(m: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  let best = 0, bestLen = 0;
  for (let i = 0; i < m.length; ) { let j = i; while (j < m.length && m[j] === m[i]) j++; if (j - i > bestLen) { best = i; bestLen = j - i; } i = j; }
  if (bestLen < 8) throw new Error("no run of 8 equal bytes");
  return [m.subarray(0, best), m.subarray(best, best + bestLen), m.subarray(best + bestLen)];
}

export function capture(req: Uint8Array, resp: Uint8Array): Uint8Array {
  let recs: PcapRecord[] = SRC.records;
  recs = replaceTcpPayload(recs, REQ, nbss(req));
  recs = replaceTcpPayload(recs, RESP, nbss(resp));
  return writePcap(SRC.linkType, recs);
}


/** Well-formed compressed captures (unchained and chained, every algorithm): fuzz seeds. */
export function compressedSeeds(): Uint8Array[] {
  const req = smbOf(REQ), resp = smbOf(RESP);
  const chain = (m: Uint8Array, tailAlg: number) => {
    const [before, run, after] = aroundRun(m);
    const parts: Part[] = [{ alg: NONE, bytes: before.subarray(0, 4) }, { alg: LZ77, bytes: before.subarray(4) }, { alg: PATTERN, bytes: run }];
    if (after.length > 0) parts.push({ alg: tailAlg, bytes: after });
    return chained(parts, m.length);
  };
  return [capture(unchained(req, LZ77, 0), unchained(resp, LZNT1, 64)), capture(chain(req, HUFF), chain(resp, LZNT1))];
}
