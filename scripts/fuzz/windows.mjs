// Seeds and mutators for the Windows-native containers (Network Monitor .cap, ETL), kept apart
// from mutate.mjs so that both can change independently. Deterministic like mutate(): the same
// (seeds, i, seed) always gives the same bytes.
//
// These inputs need pull mode (their readers ask for byte ranges), so a harness must decode them
// with Decoder.decodeBytes(), not by pushing slices (tests/fuzz-windows.test.ts does).
import { readFileSync, readdirSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { rng } from "./mutate.mjs";
import { EtlWriter, pcapToPktmon, PKTMON_STACK } from "../fixtures/etl-writer.mjs";

/** A few real NetMon copies (2.x and 1.x), ndiscap ETLs (plain, XPRESS, LZNT1, XPRESS Huffman) and a pktmon one with drops from the fixture writer, the corpus pktmon file if present. */
export function loadWindowsSeeds(root) {
  const seeds = [];
  const nm = join(root, "fixtures/netmon");
  for (const f of ["tree-bad-share.cap", "wrong-password.cap", "krb-spn-unknown-ntlm-fallback.cap"]) {
    if (existsSync(join(nm, f))) seeds.push({ kind: "netmon", bytes: readFileSync(join(nm, f)) });
  }
  // Network Monitor 1.x (8-byte records): the same header and frame table, so the same mutations
  for (const f of ["wrong-password.cap", "smb1-nt1-ok.cap"]) {
    const p1 = join(root, "fixtures/netmon1", f);
    if (existsSync(p1)) seeds.push({ kind: "netmon", bytes: readFileSync(p1) });
  }
  for (const [name, opts] of [["tree-bad-share", { cpus: 3, bufferSize: 4096 }], ["wrong-password", { cpus: 2, bufferSize: 8192, compressed: true }], ["negotiate-no-response", { cpus: 4, bufferSize: 4096, compressed: true }],
    ["krb-smb-ok", { cpus: 3, bufferSize: 8192, compressed: "lznt1" }], ["wrong-password", { cpus: 2, bufferSize: 128 << 10, compressed: "xpress-huff" }]]) {
    seeds.push({ kind: "etl", bytes: etlOf(join(root, `fixtures/${name}.pcap`), opts) });
  }
  // a pktmon capture with drops (170) of SMB and Kerberos packets and the component rundown (20, 30, 65, 70)
  const dir = mkdtempSync(join(tmpdir(), "smbscope-fuzz-"));
  try {
    const f = join(dir, "drops.etl");
    pcapToPktmon(join(root, "fixtures/krb-smb-ok.pcap"), f, { cpus: 2, bufferSize: 8192, compressed: true,
      drop: (i, d) => (i % 7 === 1 ? { component: i % 2 ? PKTMON_STACK.wfp : PKTMON_STACK.tcpip, reason: [8, 909, 1204, 99999][i % 4] } : null) });
    seeds.push({ kind: "etl", bytes: readFileSync(f) });
  } finally { rmSync(dir, { recursive: true, force: true }); }
  const corpus = join(root, "../shared/corpus/etl/demikernel-PktMon.etl");
  if (existsSync(corpus)) seeds.push({ kind: "etl", bytes: readFileSync(corpus) });
  return seeds;
}

function etlOf(pcap, opts) {
  const b = readFileSync(pcap);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const parts = [];
  const w = new EtlWriter((x) => parts.push(x.slice()), opts);
  let first = true;
  for (let o = 24; o + 16 <= b.length;) {
    const incl = dv.getUint32(o + 8, true);
    const ts = BigInt(dv.getUint32(o, true)) * 1000000n + BigInt(dv.getUint32(o + 4, true));
    if (first) { w.start(ts); first = false; }
    w.packet(ts, b.subarray(o + 16, o + 16 + incl));
    o += 16 + incl;
  }
  w.finish();
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0; for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

const LIES = [0, 1, 4, 8, 71, 72, 73, 80, 0x7f, 0xff, 0x400, 0xffff, 0x10000, 0x1000000, 0x1000048, 0x1000049, 0x7fffffff, 0xfffffff8, 0xffffffff];

function etlBuffers(b) {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = [];
  for (let off = 0; off + 72 <= b.length && out.length < 10000;) {
    const n = dv.getUint32(off, true);
    out.push(off);
    if (n < 72) break;
    off += n;
  }
  return out;
}

/** The i-th mutated Windows capture: { bytes, kind, ops }. */
export function mutateWindows(seeds, i, seed = 1) {
  const r = rng((seed * 0x2545f491) ^ (i * 0x9e3779b9));
  const int = (n) => Math.floor(r() * n);
  const pick = (a) => a[int(a.length)];
  const s = pick(seeds);
  let b = Uint8Array.from(s.bytes);
  const ops = [];
  const rounds = 1 + int(3);
  for (let k = 0; k < rounds; k++) {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const op = int(10);
    ops.push(op);
    if (op === 0) { for (let j = 1 + int(16); j > 0 && b.length; j--) b[int(b.length)] ^= 1 << int(8); continue; } // bit flips
    if (op === 1) { b = b.subarray(0, int(b.length + 1)); continue; } // cut anywhere
    if (s.kind === "netmon") {
      if (b.length < 128) continue;
      const tOff = dv.getUint32(24, true), tLen = dv.getUint32(28, true);
      if (op === 2) dv.setUint32(24, pick([tOff, tOff + 1, b.length, b.length - 4, 0, 127, 0xffffffff]), true); // table offset lies
      else if (op === 3) dv.setUint32(28, pick([tLen, tLen * 2, tLen + 4, 0x40000000, 0xfffffffc, 4]), true); // table length lies
      else if (op === 4 && tOff + 4 <= b.length) { // a frame entry anywhere
        const e = tOff + 4 * int(Math.max(1, Math.min(tLen, b.length - tOff) >> 2));
        if (e + 4 <= b.length) dv.setUint32(e, pick([0, 128, b.length, b.length - 3, int(b.length), 0xffffffff, dv.getUint32(tOff, true)]), true);
      } else if (op === 5 && tOff + 4 <= b.length) { // a record's incl_len lies
        const rec = dv.getUint32(tOff, true);
        if (rec + 16 <= b.length) dv.setUint32(rec + 12, pick(LIES), true);
      } else if (op === 6) b[4] = pick([0, 1, 2, 3, 4, 0xff]); // version minor: other trailers
      else if (op === 7 && tOff + 4 <= b.length) { // frame table entries all alike or reversed
        const n = Math.min(tLen, b.length - tOff) >> 2;
        const rev = r() < 0.5;
        const ents = []; for (let j = 0; j < n; j++) ents.push(dv.getUint32(tOff + 4 * j, true));
        for (let j = 0; j < n; j++) dv.setUint32(tOff + 4 * j, rev ? ents[n - 1 - j] : ents[0], true);
      } else if (op === 8) dv.setUint16(6, pick([0, 1, 6, 7, 0xe001, 0xffe0, 0xfffe]), true); // header network type
      continue;
    }
    // ETL
    const bufs = etlBuffers(b);
    if (!bufs.length) continue;
    const at = pick(bufs);
    if (at + 72 > b.length) continue;
    if (op === 2) dv.setUint32(at, pick(LIES), true); // BufferSize lies
    else if (op === 3) dv.setUint32(at + 4, pick(LIES), true); // SavedOffset lies (a decompression bomb when compressed)
    else if (op === 4) dv.setUint16(at + 0x28, pick([0, 1, 7, 63, 64, 255, 256, 999, 0xffff]), true); // CPU index out of range
    else if (op === 5) dv.setUint16(at + 0x34, dv.getUint16(at + 0x34, true) ^ 0x40, true); // compressed flag flipped
    else if (op === 6 && at + 80 <= b.length) { // a record's size lies
      const rec = at + 72 + 8 * int(Math.max(1, (Math.min(b.length, at + dv.getUint32(at, true)) - at - 72) >> 3));
      if (rec + 6 <= b.length) dv.setUint16(rec + pick([0, 4]), pick([0, 1, 7, 8, 79, 80, 0xfff8, 0xffff]), true);
    } else if (op === 7) { // many tiny buffers appended (each a bare 72-byte header)
      const n = 1 + int(5000);
      const nb = new Uint8Array(b.length + n * 72);
      nb.set(b);
      const nd = new DataView(nb.buffer);
      for (let j = 0; j < n; j++) { nd.setUint32(b.length + j * 72, 72, true); nd.setUint16(b.length + j * 72 + 0x28, int(70), true); }
      b = nb;
    } else if (op === 9) { // the compression format (buffer 0's State) named wrong: another decoder fed these bytes
      dv.setUint32(0x2c, pick([0, 1, 2, 3, 4, 5, 0xffff]), true);
    } else if (op === 8 && bufs.length > 2) { // two buffers swapped
      const x = bufs[1 + int(bufs.length - 1)], y = bufs[1 + int(bufs.length - 1)];
      if (x !== y) {
        const a0 = Math.min(x, y), a1 = Math.max(x, y);
        const la = dv.getUint32(a0, true), lb = dv.getUint32(a1, true);
        if (la >= 72 && lb >= 72 && a0 + la <= a1 && a1 + lb <= b.length) {
          const A = b.slice(a0, a0 + la), mid = b.slice(a0 + la, a1), B = b.slice(a1, a1 + lb);
          b.set(B, a0); b.set(mid, a0 + lb); b.set(A, a0 + lb + mid.length);
        }
      }
    }
  }
  return { bytes: b, kind: s.kind, ops };
}
