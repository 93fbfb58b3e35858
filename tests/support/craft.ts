// Crafted captures for tests (labelled crafted: no real stack writes these): a real fixture with
// some of its fields rewritten, every length that depends on them fixed so that it still parses.

/** pcapng blocks of a little-endian file: [{ off, type, len }] */
export function pcapngBlocks(b: Uint8Array) {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: { off: number; type: number; len: number }[] = [];
  for (let o = 0; o + 12 <= b.length; ) { const len = dv.getUint32(o + 4, true); out.push({ off: o, type: dv.getUint32(o, true), len }); o += len; }
  return out;
}

/**
 * The pcapng with its (option-less) Interface Description Blocks given if_tsresol and/or
 * if_tsoffset options (pcapng spec 4.2: option 9 one byte, option 14 a signed 64-bit count of seconds).
 */
export function withIdbOptions(b: Uint8Array, o: { tsresol?: number; tsoffset?: bigint }): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const blk of pcapngBlocks(b)) {
    const raw = b.subarray(blk.off, blk.off + blk.len);
    if (blk.type !== 1) { parts.push(raw); continue; }
    const opts: number[] = [];
    const opt = (code: number, value: Uint8Array) => {
      opts.push(code & 0xff, code >> 8, value.length & 0xff, value.length >> 8, ...value);
      while (opts.length % 4) opts.push(0);
    };
    if (o.tsresol !== undefined) opt(9, Uint8Array.of(o.tsresol));
    if (o.tsoffset !== undefined) { const v = new Uint8Array(8); new DataView(v.buffer).setBigInt64(0, o.tsoffset, true); opt(14, v); }
    opt(0, new Uint8Array(0)); // opt_endofopt
    const len = 8 + 8 + opts.length + 4;
    const x = new Uint8Array(len);
    const dv = new DataView(x.buffer);
    x.set(raw.subarray(0, 16)); // type, length, link type, reserved, snaplen
    dv.setUint32(4, len, true);
    x.set(opts, 16);
    dv.setUint32(len - 4, len, true);
    parts.push(x);
  }
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let k = 0;
  for (const p of parts) { out.set(p, k); k += p.length; }
  return out;
}

/** UTF-16LE bytes of a string (SMB2 paths, NTLMSSP names in Unicode) */
export const utf16 = (s: string) => { const b = new Uint8Array(s.length * 2); for (let i = 0; i < s.length; i++) { b[2 * i] = s.charCodeAt(i) & 0xff; b[2 * i + 1] = s.charCodeAt(i) >> 8; } return b; };
export const utf8 = (s: string) => new TextEncoder().encode(s);

/**
 * A little-endian µs pcap of Ethernet/IPv4 frames with every occurrence of each `from` byte string
 * in its packets replaced by `to`, of the same length (so that no length field, sequence number or
 * ASN.1 length changes and the capture still parses as before), and the TCP/UDP checksum of every
 * changed packet recomputed. Throws if a `from` is not found.
 */
export function replaceInPcap(b: Uint8Array, swaps: { from: Uint8Array; to: Uint8Array }[]): Uint8Array {
  const x = b.slice();
  const dv = new DataView(x.buffer);
  if (dv.getUint32(0, true) !== 0xa1b2c3d4 || dv.getUint32(20, true) !== 1) throw new Error("replaceInPcap: little-endian µs Ethernet pcap only");
  const found = swaps.map(() => 0);
  for (let o = 24; o + 16 <= x.length; ) {
    const cap = dv.getUint32(o + 8, true), p = o + 16;
    let changed = false;
    for (const [k, { from, to }] of swaps.entries()) {
      if (from.length !== to.length) throw new Error("replaceInPcap: same length only");
      for (let i = p; i + from.length <= p + cap; i++) {
        let j = 0;
        while (j < from.length && x[i + j] === from[j]) j++;
        if (j === from.length) { x.set(to, i); found[k]++; changed = true; i += from.length - 1; }
      }
    }
    if (changed && dv.getUint16(p + 12) === 0x0800) fixL4Checksum(dv, p + 14, p + cap);
    o = p + cap;
  }
  const missing = found.findIndex((n) => n === 0);
  if (missing >= 0) throw new Error(`replaceInPcap: swap ${missing} not found`);
  return x;
}

function fixL4Checksum(dv: DataView, ip: number, end: number) {
  const ihl = (dv.getUint8(ip) & 15) * 4, proto = dv.getUint8(ip + 9), l4 = ip + ihl;
  const len = Math.min(end, ip + dv.getUint16(ip + 2)) - l4;
  const at = proto === 6 ? l4 + 16 : proto === 17 ? l4 + 6 : -1;
  if (at < 0 || (proto === 17 && dv.getUint16(at) === 0)) return;
  dv.setUint16(at, 0);
  let s = proto + len;
  for (let i = 12; i < 20; i += 2) s += dv.getUint16(ip + i); // source and destination addresses
  for (let i = 0; i + 1 < len; i += 2) s += dv.getUint16(l4 + i);
  if (len & 1) s += dv.getUint8(l4 + len - 1) << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  const c = ~s & 0xffff;
  dv.setUint16(at, proto === 17 && c === 0 ? 0xffff : c);
}
