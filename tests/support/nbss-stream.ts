// Test-only: the NBSS messages (SMB2 / TRANSFORM) of every TCP connection of a small classic
// Ethernet pcap, each with the frame that completed it (tshark's numbering) and its direction.
// Segments are put in sequence order, retransmitted bytes dropped; enough for our own fixtures,
// not a general TCP reassembler (the product's is the wasm decoder).
import { readPcap } from "./pcap";

export interface NbssMessage { frame: number; fromClient: boolean; stream: number; bytes: Uint8Array }

interface Seg { frame: number; seq: number; data: Uint8Array }

export function nbssMessages(path: string, port = 445): NbssMessage[] {
  const pcap = readPcap(path);
  if (pcap.linkType !== 1) throw new Error(`${path}: link type ${pcap.linkType}, this test reader takes Ethernet only`);
  // Per connection (client address:port), per direction: the segments.
  const conns = new Map<string, { stream: number; c2s: Seg[]; s2c: Seg[] }>();
  pcap.records.forEach((r, i) => {
    const d = r.data, dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    if (d.length < 14 + 20 || dv.getUint16(12) !== 0x0800) return;
    const ip = 14, ihl = (d[ip] & 15) * 4;
    if (d[ip + 9] !== 6) return;
    const ipLen = dv.getUint16(ip + 2), tcp = ip + ihl;
    const sport = dv.getUint16(tcp), dport = dv.getUint16(tcp + 2);
    if (sport !== port && dport !== port) return;
    const seq = dv.getUint32(tcp + 4), off = (d[tcp + 12] >> 4) * 4;
    const payload = d.subarray(tcp + off, ip + ipLen);
    const src = Array.from(d.subarray(ip + 12, ip + 16)).join("."), dst = Array.from(d.subarray(ip + 16, ip + 20)).join(".");
    const fromClient = dport === port;
    const key = fromClient ? `${src}:${sport}` : `${dst}:${dport}`;
    let c = conns.get(key);
    if (!c) { c = { stream: conns.size, c2s: [], s2c: [] }; conns.set(key, c); }
    if (payload.length > 0) (fromClient ? c.c2s : c.s2c).push({ frame: i + 1, seq, data: payload });
  });
  const out: NbssMessage[] = [];
  for (const c of conns.values()) {
    for (const [fromClient, segs] of [[true, c.c2s], [false, c.s2c]] as const) {
      if (segs.length === 0) continue;
      // Bytes in sequence order, each byte remembering the frame it came in.
      const base = segs.reduce((m, s) => Math.min(m, s.seq), Infinity);
      const bytes: number[] = [], frames: number[] = [];
      for (const s of [...segs].sort((a, b) => a.seq - b.seq)) {
        const at = s.seq - base;
        for (let i = Math.max(0, bytes.length - at); i < s.data.length; i++) { bytes.push(s.data[i]); frames.push(s.frame); }
      }
      for (let o = 0; o + 4 <= bytes.length; ) {
        const len = (bytes[o + 1] << 16) | (bytes[o + 2] << 8) | bytes[o + 3];
        if (o + 4 + len > bytes.length) break;
        if (bytes[o] === 0) out.push({ frame: frames[o + 3 + len], fromClient, stream: c.stream, bytes: Uint8Array.from(bytes.slice(o + 4, o + 4 + len)) });
        o += 4 + len;
      }
    }
  }
  return out.sort((a, b) => a.frame - b.frame);
}
