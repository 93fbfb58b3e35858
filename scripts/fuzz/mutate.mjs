// Capture mutator for fuzzing the decoder (tests/fuzz-decoder.test.ts, bench/fuzz.mjs).
// Deterministic: mutate(seeds, i, seed) always gives the same bytes for the same arguments, so a
// failing input is reproduced from its iteration number alone.
//
// Mutations know the structure: pcap records, pcapng blocks, NBSS/SMB2 headers inside packets.

export function rng(seed) {
  let a = seed >>> 0;
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

/** Record/block boundaries of a pcap or pcapng: [{ off, len, kind }] (kind: "hdr" | "rec" | block type). */
export function structure(b) {
  const out = [];
  if (b.length < 24) return out;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const m = dv.getUint32(0, false);
  if (m === 0x0a0d0d0a) {
    let off = 0, le = true;
    while (off + 12 <= b.length) {
      let type = dv.getUint32(off, le);
      if (dv.getUint32(off, true) === 0x0a0d0d0a) { le = dv.getUint32(off + 8, true) === 0x1a2b3c4d; type = 0x0a0d0d0a; }
      const len = dv.getUint32(off + 4, le);
      if (len < 12 || off + len > b.length) break;
      out.push({ off, len, kind: type, le });
      off += len;
    }
    return out;
  }
  const le = m === 0xd4c3b2a1 || m === 0x4d3cb2a1;
  const be = m === 0xa1b2c3d4 || m === 0xa1b23c4d;
  if (!le && !be) return out;
  out.push({ off: 0, len: 24, kind: "hdr", le });
  let off = 24;
  while (off + 16 <= b.length) {
    const len = 16 + dv.getUint32(off + 8, le);
    if (off + len > b.length) break;
    out.push({ off, len, kind: "rec", le });
    off += len;
  }
  return out;
}

// Offsets of NBSS session messages carrying SMB (00 LL LL LL xx 'S' 'M' 'B') in b.
function smbHeaders(b) {
  const r = [];
  for (let i = 0; i + 8 <= b.length; i++) {
    if (b[i + 5] === 0x53 && b[i + 6] === 0x4d && b[i + 7] === 0x42 && (b[i + 4] === 0xfe || b[i + 4] === 0xff || b[i + 4] === 0xfd) && b[i] === 0) r.push(i);
  }
  return r;
}

const EDGE32 = [0, 1, 3, 4, 11, 12, 15, 16, 20, 28, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x1ffff, 0x200000, 0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffc, 0xffffffff];

/** The i-th mutated input from `seeds` (array of Uint8Array). */
export function mutate(seeds, i, seed = 1) {
  const r = rng((seed * 0x9e3779b1) ^ (i * 0x85ebca6b));
  const int = (n) => Math.floor(r() * n);
  const pickOf = (a) => a[int(a.length)];
  const src = seeds[int(seeds.length)];
  let b = Uint8Array.from(src);
  const rounds = 1 + (r() < 0.3 ? int(4) : 0);
  const ops = [];
  for (let k = 0; k < rounds; k++) {
    const st = structure(b);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const op = int(13);
    ops.push(op);
    switch (op) {
      case 0: { // bit flips
        const n = 1 + int(8);
        for (let j = 0; j < n && b.length; j++) b[int(b.length)] ^= 1 << int(8);
        break;
      }
      case 1: { // truncation at any byte
        b = b.subarray(0, int(b.length + 1));
        break;
      }
      case 2: { // truncation at a structural boundary ± a few bytes
        if (!st.length) break;
        const s = pickOf(st);
        const at = Math.max(0, Math.min(b.length, s.off + pickOf([0, 1, 4, 8, 12, 15, 16, 17, 23, 24, s.len - 4, s.len - 1, s.len]) + (int(3) - 1)));
        b = b.subarray(0, at);
        break;
      }
      case 3: { // length-field lie in a pcap record header / pcapng block (leading or trailing)
        if (!st.length) break;
        const s = pickOf(st);
        const v = r() < 0.6 ? pickOf(EDGE32) : (s.len + int(64) - 32) >>> 0;
        if (s.kind === "hdr") { if (b.length >= 24) dv.setUint32(16, v, s.le); } // snaplen
        else if (s.kind === "rec") dv.setUint32(s.off + (r() < 0.7 ? 8 : 12), v, s.le);
        else if (r() < 0.5) dv.setUint32(s.off + 4, v, s.le);
        else if (s.off + s.len <= b.length) dv.setUint32(s.off + s.len - 4, v, s.le);
        break;
      }
      case 4: { // pcapng: interface id / EPB caplen lies, IDB link type / snaplen / options
        const blocks = st.filter((s) => s.kind === 6 || s.kind === 1 || s.kind === 3);
        if (!blocks.length) { if (b.length >= 24) dv.setUint32(20, pickOf([0, 1, 101, 113, 276, 0xffff, int(300)]), st[0]?.le ?? true); break; }
        const s = pickOf(blocks);
        const field = s.off + 8 + pickOf([0, 4, 8, 12, 16, 20, 24]);
        if (field + 4 <= s.off + s.len) dv.setUint32(field, pickOf(EDGE32), s.le);
        break;
      }
      case 5: { // NBSS length lie
        const h = smbHeaders(b);
        if (!h.length) break;
        const o = pickOf(h);
        const v = r() < 0.5 ? pickOf([0, 1, 4, 8, 63, 64, 65, 0xffff, 0xffffff]) : int(0x1000000);
        b[o + 1] = (v >> 16) & 0xff; b[o + 2] = (v >> 8) & 0xff; b[o + 3] = v & 0xff;
        break;
      }
      case 6: { // SMB2 offsets / lengths inside the body (u16/u32 edge values at plausible places)
        const h = smbHeaders(b).filter((o) => b[o + 4] === 0xfe);
        if (!h.length) break;
        const o = pickOf(h) + 4;
        const at = o + pickOf([4, 12, 20, 64, 66, 68, 70, 72, 76, 80, 88, 96, 100, 104, 112]) + 2 * int(4);
        if (at + 4 <= b.length) {
          if (r() < 0.5) dv.setUint16(at, pickOf([0, 1, 0x40, 0x48, 0x78, 0xfff0, 0xffff, int(0x10000)]), true);
          else dv.setUint32(at, pickOf(EDGE32), true);
        }
        break;
      }
      case 7: { // splice: a record/block copied from elsewhere (this or another seed) inserted
        const other = seeds[int(seeds.length)];
        const ost = structure(other).filter((s) => s.kind !== "hdr");
        if (!ost.length || !st.length) break;
        const s = pickOf(ost);
        const at = pickOf(st).off;
        const piece = other.subarray(s.off, s.off + s.len);
        const nb = new Uint8Array(b.length + piece.length);
        nb.set(b.subarray(0, at)); nb.set(piece, at); nb.set(b.subarray(at), at + piece.length);
        b = nb;
        break;
      }
      case 8: { // delete / duplicate a record
        const recs = st.filter((s) => s.kind !== "hdr" && s.kind !== 0x0a0d0d0a);
        if (!recs.length) break;
        const s = pickOf(recs);
        if (r() < 0.5) b = concat(b.subarray(0, s.off), b.subarray(s.off + s.len));
        else b = concat(b.subarray(0, s.off + s.len), b.subarray(s.off));
        break;
      }
      case 9: { // random block overwrite
        if (!b.length) break;
        const at = int(b.length), n = 1 + int(Math.min(256, b.length - at));
        for (let j = 0; j < n; j++) b[at + j] = int(256);
        break;
      }
      case 10: { // random bytes inserted (a corrupt region in the middle)
        const n = 1 + int(r() < 0.5 ? 16 : 600);
        const ins = new Uint8Array(n); for (let j = 0; j < n; j++) ins[j] = int(256);
        const at = r() < 0.5 && st.length ? pickOf(st).off : int(b.length + 1);
        b = concat(b.subarray(0, at), ins, b.subarray(at));
        break;
      }
      case 11: { // a whole random file, sometimes behind a valid magic
        const n = int(4096);
        const nb = new Uint8Array(n); for (let j = 0; j < n; j++) nb[j] = int(256);
        if (r() < 0.6 && n >= 4) nb.set(pickOf([[0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], [0x0a, 0x0d, 0x0d, 0x0a], [0x4d, 0x3c, 0xb2, 0xa1]]));
        b = nb;
        break;
      }
      case 12: { // TCP segment surgery: drop or reorder a packet in the middle (loss, reordering)
        const recs = st.filter((s) => s.kind === "rec" || s.kind === 6);
        if (recs.length < 3) break;
        const k2 = 1 + int(recs.length - 2);
        const a = recs[k2], c = recs[k2 - 1];
        if (r() < 0.5) b = concat(b.subarray(0, a.off), b.subarray(a.off + a.len));
        else b = concat(b.subarray(0, c.off), b.subarray(a.off, a.off + a.len), b.subarray(c.off, c.off + c.len), b.subarray(a.off + a.len));
        break;
      }
    }
  }
  return { bytes: b, ops, chunk: r() < 0.5 ? 0 : 1 + int(r() < 0.5 ? 64 : 70000) };
}

function concat(...parts) {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const o = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { o.set(p, at); at += p.length; }
  return o;
}

/** The seed captures: every fixture (big ones cut to their first 64 KiB) and the small corpus files. */
export async function loadFuzzSeeds(root) {
  const { readFileSync, readdirSync, existsSync } = await import("node:fs");
  const { join } = await import("node:path");
  const seeds = [];
  const add = (path) => {
    let b = new Uint8Array(readFileSync(path));
    if (b.length > 65536) {
      const last = structure(b).filter((s) => s.off + s.len <= 65536).pop();
      b = b.subarray(0, last ? last.off + last.len : 65536);
    }
    seeds.push(b);
  };
  const fx = join(root, "fixtures");
  for (const f of readdirSync(fx).sort()) if (/\.pcap(ng)?$/.test(f)) add(join(fx, f));
  const corpus = join(root, "../shared/corpus");
  if (existsSync(join(corpus, "index.json"))) {
    for (const e of JSON.parse(readFileSync(join(corpus, "index.json"), "utf8"))) {
      if ((e.size ?? 0) < 65536 && existsSync(join(corpus, e.file))) add(join(corpus, e.file));
    }
  }
  return seeds;
}
