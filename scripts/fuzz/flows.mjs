// Structure-aware capture mutator (tests/fuzz-decoder.test.ts, bench/fuzz.mjs): parses a seed
// capture into TCP flows and rewrites one or more of them the way a hostile or broken network
// would: resegmentation with overlaps whose bytes conflict, reorder storms with holes, segments
// far ahead of the stream, sequence numbers wrapping at 2^32, SYN/RST/FIN reused mid-flow, acks
// for data never sent, and length lies in the NBSS, SMB2, NTLMSSP and ASN.1 DER layers of the
// payload. The output is a valid classic pcap (little-endian, µs) whose IPv4/IPv6 and TCP headers
// have the lengths and checksums of the packets they head, so every packet reaches the decoder's
// TCP reassembly.
//
// Deterministic like mutate.mjs: mutateFlows(seeds, i, seed) always gives the same bytes.
import { rng, structure } from "./mutate.mjs";

const LINK_ETHERNET = 1, LINK_NULL = 0, LINK_LOOP = 108, LINK_RAW = 101, LINK_RAW12 = 12, LINK_RAW14 = 14,
  LINK_IPV4 = 228, LINK_IPV6 = 229, LINK_SLL = 113, LINK_SLL2 = 276;

/** Offset of the IP header in a frame of link type `link`, or -1. */
function ipOffset(f, link) {
  if (link === LINK_ETHERNET) {
    if (f.length < 14) return -1;
    let off = 14, et = (f[12] << 8) | f[13];
    for (let k = 0; k < 4 && (et === 0x8100 || et === 0x88a8 || et === 0x9100); k++) {
      if (f.length < off + 4) return -1;
      et = (f[off + 2] << 8) | f[off + 3]; off += 4;
    }
    return et === 0x0800 || et === 0x86dd ? off : -1;
  }
  if (link === LINK_SLL) return f.length >= 16 ? 16 : -1;
  if (link === LINK_SLL2) return f.length >= 20 ? 20 : -1;
  if (link === LINK_NULL || link === LINK_LOOP) return f.length >= 4 ? 4 : -1;
  if (link === LINK_RAW || link === LINK_RAW12 || link === LINK_RAW14 || link === LINK_IPV4 || link === LINK_IPV6) return 0;
  return -1;
}

/** Frames of a pcap or pcapng (one link type) as [{ ts (µs), f }], or null. */
function frames(b) {
  const st = structure(b);
  if (!st.length) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = [];
  let link = -1;
  if (st[0].kind === "hdr") {
    const le = st[0].le;
    const magic = dv.getUint32(0, le);
    const ns = magic === 0xa1b23c4d;
    link = dv.getUint32(20, le) & 0xffff;
    for (const s of st.slice(1)) {
      const incl = dv.getUint32(s.off + 8, le);
      out.push({ ts: dv.getUint32(s.off, le) * 1e6 + Math.floor(dv.getUint32(s.off + 4, le) / (ns ? 1000 : 1)), f: b.subarray(s.off + 16, s.off + 16 + incl) });
    }
  } else {
    const links = [];
    for (const s of st) {
      if (s.kind === 1 && s.len >= 20) links.push(dv.getUint16(s.off + 8, s.le));
      if (s.kind === 6 && s.len >= 32) {
        const iface = dv.getUint32(s.off + 8, s.le), cap = dv.getUint32(s.off + 20, s.le);
        if (iface >= links.length || 28 + cap > s.len) continue;
        if (link < 0) link = links[iface]; else if (links[iface] !== link) continue;
        const ts = dv.getUint32(s.off + 12, s.le) * 4294967296 + dv.getUint32(s.off + 16, s.le);
        out.push({ ts, f: b.subarray(s.off + 28, s.off + 28 + cap) });
      }
    }
  }
  return link < 0 ? null : { link, frames: out };
}

/** A frame's TCP view: { ip, v6, l4, hl, pay, plen, sport, dport, seq, ack, flags, key, a2b } or null. */
function tcpView(f, link) {
  const ip = ipOffset(f, link);
  if (ip < 0 || f.length < ip + 20) return null;
  const ver = f[ip] >> 4;
  let l4, end, src, dst;
  if (ver === 4) {
    const ihl = (f[ip] & 15) * 4;
    if (ihl < 20 || f[ip + 9] !== 6 || (((f[ip + 6] << 8) | f[ip + 7]) & 0x3fff) !== 0) return null;
    l4 = ip + ihl;
    end = Math.min(f.length, ip + ((f[ip + 2] << 8) | f[ip + 3]));
    src = f.subarray(ip + 12, ip + 16); dst = f.subarray(ip + 16, ip + 20);
  } else if (ver === 6) {
    if (f.length < ip + 40 || f[ip + 6] !== 6) return null; // no extension headers
    l4 = ip + 40;
    end = Math.min(f.length, l4 + ((f[ip + 4] << 8) | f[ip + 5]));
    src = f.subarray(ip + 8, ip + 24); dst = f.subarray(ip + 24, ip + 40);
  } else return null;
  if (end < l4 + 20) return null;
  const hl = (f[l4 + 12] >> 4) * 4;
  if (hl < 20 || l4 + hl > end) return null;
  const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const sport = dv.getUint16(l4), dport = dv.getUint16(l4 + 2);
  const a = `${src.join(".")}:${sport}`, b = `${dst.join(".")}:${dport}`;
  return {
    ip, v6: ver === 6, l4, hl, pay: l4 + hl, plen: end - l4 - hl, sport, dport,
    seq: dv.getUint32(l4 + 4), ack: dv.getUint32(l4 + 8), flags: f[l4 + 13],
    key: a < b ? `${a}|${b}` : `${b}|${a}`, a2b: a < b,
  };
}

const parsed = new WeakMap();
const usableOf = new WeakMap();

/**
 * A seed's packets and TCP flows (cached): { link, pkts: [{ ts, f, t }], flows: [{ idx: [packet
 * indexes], dir0: a2b of its first packet, data: bytes of payload }] }, or null if it has none.
 */
export function parseFlows(b) {
  if (parsed.has(b)) return parsed.get(b);
  const fr = frames(b);
  let res = null;
  if (fr) {
    const pkts = fr.frames.map(({ ts, f }) => ({ ts, f, t: tcpView(f, fr.link) }));
    const byKey = new Map();
    pkts.forEach((p, k) => {
      if (!p.t) return;
      let fl = byKey.get(p.t.key);
      if (!fl) byKey.set(p.t.key, (fl = { idx: [], dir0: p.t.a2b, data: 0, smb: [445, 139, 88].some((x) => x === p.t.sport || x === p.t.dport) }));
      fl.idx.push(k); fl.data += p.t.plen;
    });
    const flows = [...byKey.values()];
    if (flows.length) res = { link: fr.link, pkts, flows };
  }
  parsed.set(b, res);
  return res;
}

const fold = (s) => { while (s > 0xffff) s = (s & 0xffff) + (s >>> 16); return s; };
function sum16(f, from, to) {
  let s = 0, i = from;
  for (; i + 1 < to; i += 2) s += (f[i] << 8) | f[i + 1];
  if (i < to) s += f[i] << 8;
  return s;
}

/** A new frame: `tmpl`'s link, IP and TCP headers with these TCP fields and payload; lengths and checksums fixed. */
function buildFrame(tmplF, t, seq, ack, flags, payload) {
  const n = t.pay + payload.length;
  const f = new Uint8Array(n);
  f.set(tmplF.subarray(0, t.pay));
  f.set(payload, t.pay);
  const dv = new DataView(f.buffer);
  dv.setUint32(t.l4 + 4, seq >>> 0); dv.setUint32(t.l4 + 8, ack >>> 0); f[t.l4 + 13] = flags;
  const tcpLen = n - t.l4;
  let ps;
  if (t.v6) {
    dv.setUint16(t.ip + 4, tcpLen);
    ps = sum16(f, t.ip + 8, t.ip + 40) + 6 + tcpLen;
  } else {
    dv.setUint16(t.ip + 2, n - t.ip);
    dv.setUint16(t.ip + 10, 0);
    dv.setUint16(t.ip + 10, ~fold(sum16(f, t.ip, t.l4)) & 0xffff);
    ps = sum16(f, t.ip + 12, t.ip + 20) + 6 + tcpLen;
  }
  dv.setUint16(t.l4 + 16, 0);
  dv.setUint16(t.l4 + 16, ~fold(ps + sum16(f, t.l4, n)) & 0xffff);
  return f;
}

function writePcap(link, recs) {
  const size = 24 + recs.reduce((s, r) => s + 16 + r.f.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true); dv.setUint16(4, 2, true); dv.setUint16(6, 4, true);
  dv.setUint32(16, 262144, true); dv.setUint32(20, link, true);
  let o = 24;
  for (const r of recs) {
    const ts = Math.max(0, Math.floor(r.ts));
    dv.setUint32(o, Math.floor(ts / 1e6) >>> 0, true); dv.setUint32(o + 4, ts % 1e6, true);
    dv.setUint32(o + 8, r.f.length, true); dv.setUint32(o + 12, r.f.length, true);
    out.set(r.f, o + 16);
    o += 16 + r.f.length;
  }
  return out;
}

const SYN = 2, FIN = 1, RST = 4, PSH = 8, ACK = 16;
const FAR = [82, 1000, 0x8000, 0x10000, 0xffff, 0x100000, 0x3ffffff, 0x4000000, 0x4000001, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffff0, 0xffffffff];
const LIE32 = [0, 1, 2, 4, 7, 8, 63, 64, 68, 69, 0x7f, 0x80, 0xff, 0x100, 0x1000, 0x7fff, 0x8000, 0xffff, 0x10000, 0xffffff, 0x1000000, 0x7fffffff, 0x80000000, 0xffffffff];

/** Length lies in the application layers of a direction's byte stream `s` (mutated in place). */
function lie(s, r, int, pick) {
  const dv = new DataView(s.buffer, s.byteOffset, s.byteLength);
  const at = (re) => { const o = []; for (let i = 0; i + re.len <= s.length && o.length < 64; i++) if (re.test(i)) o.push(i); return o; };
  const kind = int(5);
  if (kind === 0) { // NBSS length (00 LL LL LL, then an SMB id)
    const hs = at({ len: 8, test: (i) => s[i] === 0 && s[i + 5] === 0x53 && s[i + 6] === 0x4d && s[i + 7] === 0x42 });
    if (!hs.length) return;
    const o = pick(hs), v = r() < 0.7 ? pick(LIE32) & 0xffffff : int(0x1000000);
    s[o + 1] = v >> 16; s[o + 2] = v >> 8; s[o + 3] = v;
  } else if (kind === 1) { // SMB2 header and body fields: structure sizes, buffer offsets and lengths
    const hs = at({ len: 4, test: (i) => s[i] === 0xfe && s[i + 1] === 0x53 && s[i + 2] === 0x4d && s[i + 3] === 0x42 });
    if (!hs.length) return;
    const o = pick(hs) + pick([4, 12, 20, 64, 66, 68, 70, 72, 74, 76, 80, 84, 88, 96, 100, 104, 112]) + 2 * int(4);
    if (o + 4 > s.length) return;
    if (r() < 0.5) dv.setUint16(o, pick(LIE32) & 0xffff, true); else dv.setUint32(o, pick(LIE32), true);
  } else if (kind === 2) { // NTLMSSP security buffers (len, maxlen, offset) and message fields
    const hs = at({ len: 8, test: (i) => s[i] === 0x4e && s[i + 1] === 0x54 && s[i + 2] === 0x4c && s[i + 3] === 0x4d && s[i + 7] === 0x50 });
    if (!hs.length) return;
    const o = pick(hs) + 8 + 4 * int(16);
    if (o + 4 > s.length) return;
    if (r() < 0.5) dv.setUint16(o, pick(LIE32) & 0xffff, true); else dv.setUint32(o, pick(LIE32), true);
  } else { // ASN.1 DER lengths: short form, long form, indefinite, more length bytes than exist
    const hs = at({ len: 2, test: (i) => (s[i] === 0x30 || s[i] === 0x60 || (s[i] & 0xe0) === 0xa0 || (s[i] & 0xe0) === 0x60 || s[i] === 0x04 || s[i] === 0x1b) && s[i + 1] !== 0 });
    if (!hs.length) return;
    const o = pick(hs) + 1;
    const forms = [[0x80], [0x81, 0xff], [0x82, 0xff, 0xff], [0x84, 0xff, 0xff, 0xff, 0xff], [0x84, 0x7f, 0xff, 0xff, 0xff], [0x89], [0xff], [0x7f], [0x00], [s[o] + 1], [s[o] - 1]];
    const v = pick(forms);
    for (let k = 0; k < v.length && o + k < s.length; k++) s[o + k] = v[k] & 0xff;
  }
}

/**
 * Cuts stream `s` (sequence numbers rel 0..) into segments [{ rel, bytes }]: tiny pieces in a
 * window, conflicting overlaps (the same bytes range sent twice with different content).
 */
function resegment(s, r, int, pick, mode) {
  const segs = [];
  segs.tiny = [];
  let rel = 0;
  const tinyFrom = int(Math.max(1, s.length)), tinyTo = tinyFrom + pick([8, 20, 40, 60, 100, 400, 1000]);
  const small = mode.small && s.length <= 16384; // (small pieces all along only for short streams: output size)
  while (rel < s.length) {
    const tiny = mode.tiny && rel >= tinyFrom && rel < tinyTo;
    let n = tiny ? 1 + int(3) : small ? 1 + int(200) : 1 + int(1460);
    if (n > s.length - rel) n = s.length - rel;
    if (tiny) segs.tiny.push(segs.length);
    segs.push({ rel, bytes: s.subarray(rel, rel + n) });
    if (mode.overlap && r() < 0.15) { // the same range again (or a wider one), with other bytes
      const back = int(Math.min(rel + 1, 64)), len = 1 + int(n + back + 32);
      const alt = new Uint8Array(len);
      for (let k = 0; k < len; k++) alt[k] = r() < 0.5 ? int(256) : s[(rel - back + k) % s.length] ^ 0xff;
      segs.push({ rel: rel - back, bytes: alt });
    }
    rel += n;
  }
  return segs;
}

/**
 * The i-th structure-aware input from `seeds`: { bytes, ops, chunk } like mutate(), or null when
 * no seed has a TCP flow. `ops` names what was done, for the failure report.
 */
export function mutateFlows(seeds, i, seed = 1) {
  const r = rng((seed * 0x2545f491) ^ (i * 0x27d4eb2d) ^ 0x5bd1e995);
  const int = (n) => Math.floor(r() * n);
  const pick = (a) => a[int(a.length)];
  let usable = usableOf.get(seeds);
  if (!usable) usableOf.set(seeds, (usable = seeds.filter((b) => parseFlows(b)?.flows.some((f) => f.data > 0))));
  if (!usable.length) return null;
  const P = parseFlows(pick(usable));
  const ops = [];
  const dataFlows = P.flows.filter((f) => f.data > 0);
  const reassembled = dataFlows.filter((f) => f.smb); // the flows the decoder reassembles
  const targets = new Set([pick(reassembled.length && r() < 0.85 ? reassembled : dataFlows)]);
  if (r() < 0.2) targets.add(pick(P.flows));

  // Per packet index: the replacement frames ([] drops it); absent: the packet as it is.
  const repl = new Map();
  const extra = []; // frames appended after the last packet
  for (const fl of targets) rewriteFlow(P, fl, r, int, pick, ops, repl, extra);

  // The other flows' packets too, in a quarter of the inputs (flow table and slot churn); else only
  // the rewritten flows (smaller inputs, more of them per second)
  const others = r() < 0.25;
  const recs = [];
  P.pkts.forEach((p, k) => {
    const rs = repl.get(k);
    if (!rs) { if (others) recs.push({ ts: p.ts, f: p.f }); }
    else for (const f of rs) recs.push({ ts: p.ts, f });
  });
  if (others) ops.push("others");
  const tEnd = P.pkts.length ? P.pkts[P.pkts.length - 1].ts : 0;
  for (const f of extra) recs.push({ ts: tEnd + 1000, f });
  // Mostly whole (slices are the byte mutator's business; tiny slices cost a call each)
  const c = r();
  return { bytes: writePcap(P.link, recs), ops, chunk: c < 0.85 ? 0 : c < 0.95 ? 1 + int(70000) : 1 + int(64) };
}

// A flow's packets and each direction's byte stream (payload in capture order, retransmissions
// left out), ISN and template packet: computed once per seed flow (the stream is copied per input).
function flowStreams(P, fl) {
  if (fl.cache) return fl.cache;
  const pk = fl.idx.map((k) => ({ k, f: P.pkts[k].f, t: P.pkts[k].t }));
  const st = [0, 1].map(() => ({ isn: null, next: null, parts: [], n: 0, tmpl: null, at: [], ks: new Set() }));
  for (const p of pk) {
    const d = st[p.t.a2b === fl.dir0 ? 0 : 1], t = p.t;
    if (!d.tmpl || (t.plen > 0 && !d.tmpl.t.plen)) d.tmpl = p;
    if (t.flags & SYN) { d.isn = t.seq; d.next = (t.seq + 1) >>> 0; }
    if (t.plen === 0) continue;
    if (d.isn === null) { d.isn = (t.seq - 1) >>> 0; d.next = t.seq; }
    const rel = (t.seq - d.next) | 0;
    if (rel < 0 || rel > 0x100000) continue; // a retransmission, or not this connection
    d.at.push({ k: p.k, off: d.n + rel }); d.ks.add(p.k);
    d.parts.push(p.f.subarray(t.pay + 0, t.pay + t.plen)); d.n += t.plen;
    d.next = (d.next + rel + t.plen) >>> 0;
  }
  for (const d of st) {
    d.s0 = new Uint8Array(d.n);
    let o = 0;
    for (const x of d.parts) { d.s0.set(x, o); o += x.length; }
    delete d.parts;
  }
  return (fl.cache = { pk, st });
}

function rewriteFlow(P, fl, r, int, pick, ops, repl, extra) {
  const dirOf = (p) => (p.t.a2b === fl.dir0 ? 0 : 1);
  const { pk, st: st0 } = flowStreams(P, fl);
  const st = st0.map((d) => ({ ...d, s: d.s0.slice() })); // the length lies below write into the copy

  // What to do with this flow
  const mode = {
    tiny: r() < 0.6, delay: r() < 0.5, small: r() < 0.5, overlap: r() < 0.4, storm: r() < 0.5, holes: r() < 0.5,
    far: r() < 0.35, wrap: r() < 0.3, ctl: r() < 0.3, ackLie: r() < 0.25, lies: r() < 0.5 ? 1 + int(3) : 0,
    both: r() < 0.4,
  };
  for (const [k, v] of Object.entries(mode)) if (v) ops.push(k);
  const dirs = mode.both ? [0, 1] : [st[0].s.length >= st[1].s.length || r() < 0.3 ? 0 : 1];
  for (let k = 0; k < mode.lies; k++) { const d = st[pick([0, 1])]; if (d.s.length) lie(d.s, r, int, pick); }

  // Sequence shift per direction: a wrap at 2^32 somewhere in the stream
  const shift = [0, 0];
  if (mode.wrap) for (const di of [0, 1]) {
    const d = st[di];
    if (d.isn === null) continue;
    const cross = d.s.length ? int(d.s.length) : 0;
    shift[di] = (0x100000000 - 1 - cross - ((d.isn + 1) >>> 0) + (r() < 0.5 ? 0 : int(3))) >>> 0;
  }
  const sq = (di, v) => (v + shift[di]) >>> 0;

  // Every packet of the flow: control packets as they were (shifted); data packets replaced.
  for (const p of pk) {
    const di = dirOf(p), t = p.t;
    const rewritten = st[di].ks.has(p.k) && dirs.includes(di);
    if (rewritten) continue;
    if (!shift[0] && !shift[1]) { repl.set(p.k, [p.f]); continue; } // as it was
    repl.set(p.k, [buildFrame(p.f, t, sq(di, t.seq), t.flags & ACK ? sq(1 - di, t.ack) : t.ack, t.flags, p.f.subarray(t.pay, t.pay + t.plen))]);
  }
  for (const di of dirs) {
    const d = st[di];
    if (!d.at.length || d.isn === null) continue;
    const tmpl = d.tmpl, t = tmpl.t;
    const base = (d.isn + 1) >>> 0;
    const cut = resegment(d.s, r, int, pick, mode);
    let segs = cut.map((g) => ({ ...g, flags: ACK | PSH }));
    if (mode.delay && cut.tiny.length > 2) { // tiny segments held back behind many others (or lost):
      // a hole, a full reorder store behind it, and a second hole after that
      const a = pick(cut.tiny), gap = pick([1, 2, 8, 15, 16, 17, 18]) + int(3);
      const held = [a, a + gap].filter((k) => k < segs.length).reverse().map((k) => segs.splice(k, 1)[0]);
      for (const g of held) if (r() < 0.7) segs.splice(Math.min(segs.length, a + pick([16, 17, 18, 20, 33, 100]) + int(4)), 0, g);
    }
    if (mode.holes) { // lose a few segments (the capture missed them): holes the store must wait behind
      const n = 1 + int(4);
      for (let k = 0; k < n && segs.length > 2; k++) {
        const inTiny = cut.tiny.length && r() < 0.5;
        segs.splice(inTiny ? Math.min(segs.length - 1, pick(cut.tiny)) : int(segs.length), 1);
      }
    }
    if (mode.far) { // segments far ahead of anything sent (or far behind)
      const n = 1 + int(6);
      for (let k = 0; k < n; k++) {
        const at = segs.length ? pick(segs).rel : 0;
        const len = pick([1, 2, 10, 82, 600, 1460, 1 + int(3000)]);
        const b = new Uint8Array(len); for (let j = 0; j < len; j++) b[j] = r() < 0.5 ? int(256) : d.s[(at + j) % Math.max(1, d.s.length)] ?? 0;
        segs.splice(int(segs.length + 1), 0, { rel: (at + pick(FAR)) | 0, bytes: b, flags: ACK | PSH });
      }
    }
    if (mode.ctl) { // SYN / RST / FIN in the middle of the data (reused or confused connections)
      const n = 1 + int(3);
      for (let k = 0; k < n; k++) {
        const at = int(segs.length + 1);
        const rel = at < segs.length ? segs[at].rel : d.s.length;
        const f = pick([SYN, SYN | ACK, RST, RST | ACK, FIN | ACK, FIN | PSH | ACK, SYN | FIN, SYN | RST]);
        const withData = r() < 0.3 && at < segs.length;
        segs.splice(at, 0, { rel: f & SYN ? (rel - 1 + (r() < 0.5 ? 0 : int(0x10000) - 0x8000)) | 0 : rel, bytes: withData ? segs[at].bytes : new Uint8Array(0), flags: f });
      }
    }
    if (mode.storm) { // reorder storm: segments moved far from their place, in runs
      const n = 1 + int(Math.min(40, segs.length));
      for (let k = 0; k < n && segs.length > 1; k++) {
        const a = int(segs.length), run = 1 + int(Math.min(24, segs.length - a));
        const moved = segs.splice(a, run);
        if (r() < 0.5) moved.reverse();
        segs.splice(int(segs.length + 1), 0, ...moved);
      }
    }
    // Spread the segments over the slots of the original data packets, keeping the order above
    const slots = d.at.map((a) => a.k);
    const per = slots.map(() => []);
    segs.forEach((g, j) => { per[Math.min(slots.length - 1, Math.floor((j * slots.length) / segs.length))].push(g); });
    const otherAck = (k) => { const p = P.pkts[k].t; return p && p.flags & ACK ? p.ack : 0; };
    slots.forEach((k, j) => {
      repl.set(k, per[j].map((g) => {
        let ack = sq(1 - di, otherAck(k));
        if (mode.ackLie && r() < 0.1) ack = (ack + pick(FAR)) >>> 0; // acks data the peer never sent
        return buildFrame(tmpl.f, t, sq(di, base + g.rel), ack, g.flags, g.bytes);
      }));
    });
  }
  if (r() < 0.15) { // the same ports again after the end: a second connection reusing the flow's 4-tuple
    const d = st[0];
    const c = pk.find((p) => dirOf(p) === 0);
    if (c && d.s.length) {
      const t = c.t, isn = int(0x100000000);
      extra.push(buildFrame(c.f, t, isn, 0, SYN, new Uint8Array(0)));
      extra.push(buildFrame(c.f, t, isn + 1, 0, ACK | PSH, d.s.subarray(0, Math.min(d.s.length, 1 + int(3000)))));
      ops.push("reuse");
    }
  }
}

/** The exact trigger of issue 12: handshake, a 1-byte hole, 16 one-byte segments, one segment 82 bytes further ahead. */
export function reorderNullStore(payloadLen = 8192) {
  const mac = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
  const eth = (a2b) => Uint8Array.from([...(a2b ? mac : [...mac.slice(6), ...mac.slice(0, 6)]), 0x08, 0x00]);
  const tmpl = (a2b) => {
    const f = new Uint8Array(54);
    f.set(eth(a2b));
    f.set([0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0], 14);
    f.set(a2b ? [192, 0, 2, 1, 192, 0, 2, 2] : [192, 0, 2, 2, 192, 0, 2, 1], 26);
    const dv = new DataView(f.buffer);
    dv.setUint16(34, a2b ? 49152 : 445); dv.setUint16(36, a2b ? 445 : 49152);
    f[46] = 0x50; dv.setUint16(48, 65535);
    return f;
  };
  const C = tmpl(true), S = tmpl(false);
  const tv = (f) => tcpView(f, LINK_ETHERNET);
  const cs = 1000, ss = 5000;
  const recs = [];
  let ts = 1_700_000_000e6;
  const add = (f) => recs.push({ ts: (ts += 100), f });
  add(buildFrame(C, tv(C), cs, 0, SYN, new Uint8Array(0)));
  add(buildFrame(S, tv(S), ss, cs + 1, SYN | ACK, new Uint8Array(0)));
  add(buildFrame(C, tv(C), cs + 1, ss + 1, ACK, new Uint8Array(0)));
  // byte cs+1 never arrives; then 16 one-byte segments, each stored out of order
  for (let k = 0; k < 16; k++) add(buildFrame(C, tv(C), cs + 2 + k, ss + 1, ACK | PSH, Uint8Array.of(0x41 + k)));
  // the 17th: 82 bytes past the end of the stored ones; its bytes are what the bug wrote over memory
  const big = new Uint8Array(payloadLen).fill(0xee);
  add(buildFrame(C, tv(C), cs + 2 + 16 + 82, ss + 1, ACK | PSH, big));
  add(buildFrame(C, tv(C), cs + 2 + 16 + 82 + payloadLen, ss + 1, RST | ACK, new Uint8Array(0)));
  return writePcap(LINK_ETHERNET, recs);
}
