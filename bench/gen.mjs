// Benchmark capture generator: replicates REAL captures (fixtures/*.pcap) into large pcap files.
//
// Every replica of a seed capture gets its own IPv4 addresses and client ports (rewritten in the
// packets, with the IPv4 header checksum recomputed and the TCP/UDP checksums updated for the new
// pseudo-header and ports, RFC 1624), so replicas are distinct connections with valid checksums.
// An ICMP error quotes the header of the packet it refuses (RFC 792): that quoted IPv4 header and
// its TCP/UDP ports are rewritten the same way (its header checksum recomputed, its transport
// checksum and the ICMP checksum updated), so that the error still names the replica's connection.
// Replicas run interleaved on a number of "lanes" (concurrent connections), packet by packet, with
// a monotonic clock. Payload bytes are the seed's, unchanged.
//
//   node bench/gen.mjs KIND OUT [--bytes N] [--conns N] [--hosts N] [--tick-us N]     KIND: mix | big | many | dense | conn1m | smb1m
//   (--hosts: the replicas' addresses from N sets, so connections share client and server hosts
//   as on a real network; --tick-us: at most that many µs between packets, 20 by default;
//   --still 1: every packet at one time, as captures with a clock that stands still have them)
//   node bench/gen.mjs flood|flood-adv OUT [--flows N]      a SYN scan, ordinary or hash-flooding
//
// Used by bench/run.mjs, which caches the output under ~/.cache/smbscope/bench/.
import { readFileSync, readdirSync, openSync, writeSync, closeSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const GEN_VERSION = 4;
const HERE = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(HERE, "../fixtures");

// Ports that stay as they are (services); every other port >= 1024 is a client port and is rewritten.
const SERVICE_PORTS = new Set([445, 139, 88, 53, 80, 8000, 135, 389, 464, 636, 3268, 123]);

/**
 * Reads a little-endian µs/ns Ethernet pcap into {name, packets: [{ts (µs, relative), data, meta}],
 * fixed}: `fixed`, the IP packets whose addresses a replica cannot rewrite (IPv6: none of the seeds
 * has any today).
 */
export function loadSeed(path) {
  const b = readFileSync(path);
  const magic = b.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) return null; // big-endian or pcapng: not a seed
  if ((b.readUInt32LE(20) & 0xffff) !== 1) return null; // Ethernet only
  const ns = magic === 0xa1b23c4d;
  const packets = [];
  const addrs = new Map();
  let off = 24, t0 = null, fixed = 0;
  while (off + 16 <= b.length) {
    const sec = b.readUInt32LE(off), frac = b.readUInt32LE(off + 4), incl = b.readUInt32LE(off + 8), orig = b.readUInt32LE(off + 12);
    if (off + 16 + incl > b.length) break;
    const data = b.subarray(off + 16, off + 16 + incl);
    const us = sec * 1e6 + (ns ? Math.floor(frac / 1000) : frac);
    if (t0 === null) t0 = us;
    const meta = parse(data, addrs);
    if (!meta && isIPv6(data)) fixed++;
    packets.push({ dt: us - t0, orig, data, meta });
    off += 16 + incl;
  }
  // gaps between packets, capped so one seed's idle time does not dominate
  for (let i = packets.length - 1; i > 0; i--) packets[i].gap = Math.min(200_000, Math.max(1, packets[i].dt - packets[i - 1].dt));
  if (packets.length) packets[0].gap = 1;
  const bytes = packets.reduce((s, p) => s + 16 + p.data.length, 0);
  return { name: path.split("/").pop(), packets, addrCount: addrs.size, bytes, fixed };
}

function isIPv6(d) {
  let off = 14, et = d.length >= 14 ? d.readUInt16BE(12) : 0;
  while ((et === 0x8100 || et === 0x88a8) && d.length >= off + 4) { et = d.readUInt16BE(off + 2); off += 4; }
  return et === 0x86dd;
}

// Where the rewritable fields of one Ethernet/IPv4 packet are (null: copied unchanged).
function parse(d, addrs) {
  if (d.length < 34) return null;
  let off = 14, et = d.readUInt16BE(12);
  while ((et === 0x8100 || et === 0x88a8) && d.length >= off + 4) { et = d.readUInt16BE(off + 2); off += 4; }
  if (et !== 0x0800 || d.length < off + 20 || d[off] >> 4 !== 4) return null;
  const ihl = (d[off] & 15) * 4;
  const src = d.readUInt32BE(off + 12), dst = d.readUInt32BE(off + 16);
  for (const a of [src, dst]) if (!addrs.has(a)) addrs.set(a, addrs.size);
  const m = { ip: off, ihl, src: addrs.get(src), dst: addrs.get(dst), proto: d[off + 9], l4: off + ihl, csum: -1, sport: 0, dport: 0 };
  const frag = d.readUInt16BE(off + 6) & 0x1fff;
  if (frag !== 0) return m; // no transport header here
  if (m.proto === 1) { m.icmp = parseQuoted(d, m.l4, addrs); return m; }
  if (m.proto === 6 && d.length >= m.l4 + 18) m.csum = m.l4 + 16;
  else if (m.proto === 17 && d.length >= m.l4 + 8) m.csum = d.readUInt16BE(m.l4 + 6) === 0 ? -1 : m.l4 + 6;
  else return m;
  m.sport = d.readUInt16BE(m.l4); m.dport = d.readUInt16BE(m.l4 + 2);
  return m;
}

// ICMP errors that quote the datagram they refer to (RFC 792): destination unreachable, source
// quench, redirect, time exceeded, parameter problem
const ICMP_QUOTING = new Set([3, 4, 5, 11, 12]);

// Where the rewritable fields of the IPv4 packet an ICMP error at `icmp` quotes are (null: none).
function parseQuoted(d, icmp, addrs) {
  const q = icmp + 8;
  if (d.length < q + 20 || !ICMP_QUOTING.has(d[icmp]) || d[q] >> 4 !== 4) return null;
  const ihl = (d[q] & 15) * 4;
  if (ihl < 20 || d.length < q + ihl) return null;
  const src = d.readUInt32BE(q + 12), dst = d.readUInt32BE(q + 16);
  for (const a of [src, dst]) if (!addrs.has(a)) addrs.set(a, addrs.size);
  const l4 = q + ihl, proto = d[q + 9];
  const m = { ip: q, ihl, src: addrs.get(src), dst: addrs.get(dst), proto, l4, csum: -1, sport: 0, dport: 0, end: Math.min(d.length, q + ihl) };
  if ((d.readUInt16BE(q + 6) & 0x1fff) !== 0 || (proto !== 6 && proto !== 17) || d.length < l4 + 4) return m;
  m.sport = d.readUInt16BE(l4); m.dport = d.readUInt16BE(l4 + 2);
  // the quoted transport checksum where it is quoted (a UDP one of 0: none)
  if (proto === 6 && d.length >= l4 + 18) m.csum = l4 + 16;
  else if (proto === 17 && d.length >= l4 + 8 && d.readUInt16BE(l4 + 6) !== 0) m.csum = l4 + 6;
  m.end = Math.min(d.length, proto === 6 ? l4 + 18 : l4 + 8);
  return m;
}

const addrFor = (idx, rep) => ((10 << 24) | (((idx * 37 + 1 + (rep >>> 16)) & 0xff) << 16) | (rep & 0xffff)) >>> 0;
const portFor = (p, rep) => (p < 1024 || SERVICE_PORTS.has(p) ? p : 1024 + ((p - 1024 + rep * 7919) % 64000));
const fold = (s) => { while (s > 0xffff) s = (s & 0xffff) + (s >>> 16); return s; };

/** Writes one packet of replica `rep` into `out` at `o` (record header included); returns the new offset. */
function emit(out, o, pkt, rep, tsUs, hostRep = rep) {
  const d = pkt.data, n = d.length;
  out.writeUInt32LE(Math.floor(tsUs / 1e6), o);
  out.writeUInt32LE(tsUs % 1e6, o + 4);
  out.writeUInt32LE(n, o + 8);
  out.writeUInt32LE(pkt.orig, o + 12);
  const p = o + 16;
  d.copy(out, p);
  const m = pkt.meta;
  if (!m) return p + n;
  rewrite(out, p, p + n, m, rep, hostRep);
  const q = m.icmp;
  if (q) {
    // the ICMP checksum covers the quoted bytes (no pseudo-header): updated by the change of
    // their one's complement sum (RFC 1624), so a wrong one stays as wrong as it was
    const at = p + m.l4 + 2;
    const before = sum16(out, p + q.ip, p + q.end, p + m.l4);
    rewrite(out, p, p + n, q, rep, hostRep);
    const after = sum16(out, p + q.ip, p + q.end, p + m.l4);
    out.writeUInt16BE(~fold((~out.readUInt16BE(at) & 0xffff) + (~before & 0xffff) + after) & 0xffff, at);
  }
  return p + n;
}

/** One's complement sum of out[from, to) as 16-bit words aligned to `base` (a lone last byte padded). */
function sum16(out, from, to, base) {
  let s = 0, i = from;
  if ((i - base) & 1) s += out[i++];
  for (; i + 1 < to; i += 2) s += (out[i] << 8) | out[i + 1];
  if (i < to) s += out[i] << 8;
  return fold(s);
}

// Rewrites the IPv4 header at p + m.ip (addresses, checksum recomputed) and the ports and
// transport checksum after it (RFC 1624) for replica `rep` (its addresses those of replica
// `hostRep`: replicas may share hosts); `end`: the packet's end.
function rewrite(out, p, end, m, rep, hostRep = rep) {
  const ip = p + m.ip;
  const oldSrc = out.readUInt32BE(ip + 12), oldDst = out.readUInt32BE(ip + 16);
  const newSrc = addrFor(m.src, hostRep), newDst = addrFor(m.dst, hostRep);
  out.writeUInt32BE(newSrc, ip + 12);
  out.writeUInt32BE(newDst, ip + 16);
  // IPv4 header checksum, recomputed
  out.writeUInt16BE(0, ip + 10);
  let s = 0;
  for (let i = 0; i < m.ihl; i += 2) s += out.readUInt16BE(ip + i);
  out.writeUInt16BE(~fold(s) & 0xffff, ip + 10);
  if (m.csum < 0 && m.sport === 0) return;
  const ns = portFor(m.sport, rep), nd = portFor(m.dport, rep);
  out.writeUInt16BE(ns, p + m.l4);
  out.writeUInt16BE(nd, p + m.l4 + 2);
  if (m.csum < 0 || p + m.csum + 2 > end) return;
  // RFC 1624: HC' = ~(~HC + ~m + m') over the changed 16-bit words (pseudo-header addresses, ports)
  const hc = out.readUInt16BE(p + m.csum);
  let t = (~hc & 0xffff);
  const olds = [oldSrc >>> 16, oldSrc & 0xffff, oldDst >>> 16, oldDst & 0xffff, m.sport, m.dport];
  const news = [newSrc >>> 16, newSrc & 0xffff, newDst >>> 16, newDst & 0xffff, ns, nd];
  for (let i = 0; i < 6; i++) t += (~olds[i] & 0xffff) + news[i];
  let r = ~fold(t) & 0xffff;
  if (m.proto === 17 && r === 0) r = 0xffff;
  out.writeUInt16BE(r, p + m.csum);
}

// Deterministic PRNG (mulberry32)
function rng(seed) {
  let a = seed >>> 0;
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

/** All usable seeds in fixtures/: { bulk, other, short[] } */
export function loadSeeds() {
  const short = [];
  let bulk = null, other = null;
  for (const f of readdirSync(FIXTURES).filter((x) => x.endsWith(".pcap")).sort()) {
    const s = loadSeed(join(FIXTURES, f));
    if (!s || s.packets.length === 0) continue;
    if (f === "bulk-rw.pcap") bulk = s;
    else if (f === "bench-other.pcap") other = s;
    else if (/-(be|nsec|vlan|qinq|sll2?)\.pcap$/.test(f)) continue; // variants: same packets
    // scripts/fixtures/transports.sh: tunnelled seeds (only their outer addresses would be made
    // unique), scans, loss and pre-TCP transports are not SMB setups to replicate
    else if (/^(vxlan-|nmap-|smb-(gretap|gre-ip|erspan\d|geneve|loss|probe-|netbeui|ipx))/.test(f)) continue;
    // a seed with IPv6 packets: its replicas would all share the seed's IPv6 addresses (and the
    // ones an ICMPv6 error quotes), one connection instead of many
    else if (s.fixed > 0) continue;
    else short.push(s);
  }
  if (!bulk || !other) throw new Error("fixtures/bulk-rw.pcap and fixtures/bench-other.pcap are needed (scripts/fixtures/bulk.sh makes them)");
  return { bulk, other, short };
}

// Splits a seed into per-connection seeds (TCP by 4-tuple, UDP exchanges by 4-tuple), keeping
// only those matching `keep`; used to make "short unrelated TCP connections" from bench-other.
export function splitConnections(seed, keep) {
  const by = new Map();
  for (const p of seed.packets) {
    const m = p.meta;
    if (!m || (m.proto !== 6 && m.proto !== 17)) continue;
    const k = [m.proto, Math.min(m.src, m.dst), Math.max(m.src, m.dst), Math.min(m.sport, m.dport), Math.max(m.sport, m.dport)].join(",");
    if (!by.has(k)) by.set(k, []);
    by.get(k).push(p);
  }
  return [...by.values()].filter(keep).map((packets, i) => ({
    name: `${seed.name}#${i}`, packets, addrCount: seed.addrCount, bytes: packets.reduce((s, p) => s + 16 + p.data.length, 0),
  }));
}

/**
 * Writes a pcap of about `targetBytes` (or `conns` seed replicas) to `path` from weighted seeds.
 * `mix`: [{ seed, weight }]; lanes: concurrent replicas. Returns { packets, bytes, replicas, prefix,
 * perSeed } (perSeed: replicas started of each seed, by name; all of them end in the file unless
 * `targetBytes` cut the last ones short).
 * `prefixAt`: the offset of the first record boundary at or after that many bytes is returned as
 * `prefix` (for timing tshark on the start of the file).
 */
export function generate(path, { mix, targetBytes = Infinity, replicas: maxReplicas = Infinity, lanes = 64, seed = 1, prefixAt = 200e6, onProgress, hosts = 0, tickUs = 20, still = false }) {
  const rand = rng(seed);
  const total = mix.reduce((s, m) => s + m.weight, 0);
  const pick = () => { let r = rand() * total; for (const m of mix) { if ((r -= m.weight) < 0) return m.seed; } return mix[mix.length - 1].seed; };
  const fd = openSync(path, "w");
  const BUF = 16 << 20;
  const out = Buffer.allocUnsafe(BUF);
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(0xa1b2c3d4, 0); hdr.writeUInt16LE(2, 4); hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(262144, 16); hdr.writeUInt32LE(1, 20);
  hdr.copy(out, 0);
  let o = 24, written = 0, packets = 0, nextRep = 0, prefix = 0;
  let tsUs = 1_700_000_000 * 1e6;
  const active = [];
  const perSeed = {};
  const start = () => {
    if (nextRep >= maxReplicas) return null;
    const seed = pick();
    perSeed[seed.name] = (perSeed[seed.name] ?? 0) + 1;
    return { seed, rep: nextRep++, i: 0 };
  };
  for (let l = 0; l < lanes; l++) { const r = start(); if (r) active.push(r); }
  let lane = 0;
  while (active.length > 0 && written + o < targetBytes) {
    if (lane >= active.length) lane = 0;
    const r = active[lane];
    const pkt = r.seed.packets[r.i++];
    if (o + 16 + pkt.data.length > BUF) {
      writeSync(fd, out, 0, o); written += o; o = 0;
      onProgress?.(written);
    }
    if (!prefix && written + o >= prefixAt) prefix = written + o;
    if (!still) tsUs += 1 + Math.floor(rand() * tickUs);
    o = emit(out, o, pkt, r.rep, tsUs, hosts ? r.rep % hosts : r.rep);
    packets++;
    if (r.i >= r.seed.packets.length) {
      const n = start();
      if (n) active[lane] = n; else active.splice(lane, 1);
    }
    lane++;
  }
  writeSync(fd, out, 0, o); written += o;
  closeSync(fd);
  return { packets, bytes: written, replicas: nextRep, prefix: prefix || written, perSeed };
}

/** The benchmark's captures. */
export function kinds(seeds) {
  const { bulk, other, short } = seeds;
  const shortTcp = splitConnections(other, (ps) => ps[0].meta.proto === 17 || ps.length < 60); // DNS exchanges
  const http = splitConnections(other, (ps) => ps[0].meta.proto === 6);
  // A short unrelated TCP connection: the handshake, request, first response segments and close of
  // a real HTTP connection (its middle left out): about a dozen real packets.
  const shortHttp = http.map((c) => {
    const ps = c.packets;
    const keep = [...ps.slice(0, 7), ...ps.slice(-4)];
    return { ...c, name: c.name + "-short", packets: keep, bytes: keep.reduce((s, p) => s + 16 + p.data.length, 0) };
  });
  const udp = shortTcp.filter((c) => c.packets[0].meta.proto === 17);
  // bulk SMB READ/WRITE replicas (weight `bulkWeight`) among short SMB setups, HTTP and DNS (×`rest`)
  const bulkMix = (bulkWeight, rest) => [
    { seed: bulk, weight: bulkWeight },
    ...short.map((s) => ({ seed: s, weight: (30 * rest) / short.length })),
    ...http.map((s) => ({ seed: s, weight: (10 * rest) / http.length })),
    ...udp.map((s) => ({ seed: s, weight: (20 * rest) / udp.length })),
  ];
  return {
    // ≥ 1 GiB: mostly bulk READ/WRITE bytes, many short SMB setups, HTTP and DNS
    mix: { mix: bulkMix(6, 1), lanes: 64 },
    // the mix at ~4 GiB with about as many SMB setups as the 1 GiB one (four times the bulk
    // bytes): memory must not grow with the size of the file
    big: { mix: bulkMix(6 * 3.9, 0.62), lanes: 64 },
    // thousands of short SMB connections (setups, some failing) among unrelated traffic: short and
    // long HTTP connections and DNS, as on a busy segment
    many: {
      mix: [
        ...short.map((s) => ({ seed: s, weight: 8 / short.length })),
        ...http.map((s) => ({ seed: s, weight: 12 / http.length })),
        ...shortHttp.map((s) => ({ seed: s, weight: 65 / shortHttp.length })),
        ...udp.map((s) => ({ seed: s, weight: 20 / udp.length })),
      ], lanes: 256,
    },
    // stress: tens of thousands of short SMB connections densely packed among short TCP and DNS
    dense: {
      mix: [
        ...short.map((s) => ({ seed: s, weight: 20 / short.length })),
        ...shortHttp.map((s) => ({ seed: s, weight: 60 / shortHttp.length })),
        ...udp.map((s) => ({ seed: s, weight: 20 / udp.length })),
      ], lanes: 256,
    },
    // 1,000,000 short SMB connections, as a file server or domain controller sees in a logon storm:
    // nearly all of them healthy setups (SMB 3.1.1, SMB1 NT LM 0.12, NetBIOS on 139, a few with
    // Kerberos), about 4,000 failing, each in the way one of the other fixtures fails. 128 lanes:
    // a seed has up to two connections; lanes are the connections in progress at once (the
    // decoder reassembles up to 65,536 SMB/Kerberos flows at once, W_REASM_SLOTS_FULL beyond)
    smb1m: { mix: smbStormMix(short), lanes: 128 },
    // 1,000,000 short unrelated TCP connections, a few SMB ones
    conn1m: {
      mix: [
        ...shortHttp.map((s) => ({ seed: s, weight: 1000 / shortHttp.length })),
        ...short.map((s) => ({ seed: s, weight: 1 / short.length })),
      ], lanes: 128,
    },
  };
}

/** Seeds whose every SMB connection sets up fine without a finding (fixtures/*.expected.json), with their share of a storm. */
const HEALTHY_SMB = { "smb311-ok.pcap": 0.7, "smb1-nt1-ok.pcap": 0.1, "nbss139.pcap": 0.1, "smb1-multiprotocol-negotiate.pcap": 0.095, "krb-smb-ok.pcap": 0.005 };
/** The share of the storm's connections that fail, spread evenly over the other SMB seeds. */
const STORM_FAILING = 0.004;

function smbStormMix(short) {
  const healthy = short.filter((s) => s.name in HEALTHY_SMB);
  if (healthy.length !== Object.keys(HEALTHY_SMB).length) throw new Error(`smb1m needs the fixtures ${Object.keys(HEALTHY_SMB).join(", ")}`);
  // the others: every scenario that fails (the tunnelled and pre-TCP seeds are left out by
  // loadSeeds; the ones that set up fine with a warning are not failures)
  const failing = short.filter((s) => !(s.name in HEALTHY_SMB) && !/^(encrypt-smb3|guest-ok|ntlm-anonymous|ntlm-guest|ntlmv1-accepted|kdc-unreachable-ntlm-fallback|krb-kdc-|krb-spn-unknown-ntlm|krb-unrelated|krb-preauth-failed)/.test(s.name));
  return [
    ...healthy.map((s) => ({ seed: s, weight: HEALTHY_SMB[s.name] * (1 - STORM_FAILING) })),
    ...failing.map((s) => ({ seed: s, weight: STORM_FAILING / failing.length })),
  ];
}

// ---- Hash flooding (issue 12): many-flow captures whose flows an attacker chose offline ----
//
// A SYN scan over IPv6: one real SYN (bench-other.pcap's first) per flow from a client to one
// server, answered by the server's RST/ACK. Both captures have the same server, ports, sequence
// numbers, timestamps and size; only the clients' interface identifiers (the last 8 bytes of the
// address) differ. In the ordinary one they are random (privacy addresses); in the adversarial one
// each is computed, by inverting the flow table's old unkeyed hash, so that every flow's home place
// in the table is the same: each new flow then probed past all earlier ones (quadratic time).

const M64 = (1n << 64n) - 1n;
const mul64 = (x, y) => (x * y) & M64;
const rotl64 = (x, r) => ((x << r) | (x >> (64n - r))) & M64;
const inv64 = (c) => { let x = c; for (let i = 0; i < 6; i++) x = mul64(x, (2n - mul64(c, x)) & M64); return x; }; // Newton, odd c
const OLD_C1 = 0xc2b2ae3d27d4eb4fn, OLD_C2 = 0x9e3779b97f4a7c15n, FMIX1 = 0xff51afd7ed558ccdn, FMIX2 = 0xc4ceb9fe1a85ec53n;
const INV_C1 = inv64(OLD_C1), INV_C2 = inv64(OLD_C2), INV_FMIX1 = inv64(FMIX1), INV_FMIX2 = inv64(FMIX2);
const OLD_MASK = (1 << 18) - 1; // the table's 2^18 places
const le64 = (u8, o) => { let v = 0n; for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(u8[o + i]); return v; };
const oldMix = (h, w) => mul64(rotl64(h ^ mul64(w, OLD_C1), 31n), OLD_C2);
const oldStart = (pa, pb) => mul64(BigInt(((pa << 16) | pb) >>> 0) + 0x165667b19e3779f9n, OLD_C2);
const fmix = (h) => { h ^= h >> 33n; h = mul64(h, FMIX1); h ^= h >> 33n; h = mul64(h, FMIX2); return h ^ (h >> 33n); };
const unfmix = (h) => { h ^= h >> 33n; h = mul64(h, INV_FMIX2); h ^= h >> 33n; h = mul64(h, INV_FMIX1); return h ^ (h >> 33n); };

/**
 * The flow table's hash before issue 12 (assembly/net/tcp.ts at 5b9295f): a = the lower endpoint's
 * 16-byte address (IPv4 as ::ffff:a.b.c.d), b = the other's, pa/pb their ports. Returns the home
 * place of the flow in the table (bits 1..18 of the 32-bit tag).
 */
export function oldHomePlace(a, b, pa, pb) {
  const h = fmix(oldMix(oldMix(oldMix(oldMix(oldStart(pa, pb), le64(a, 0)), le64(a, 8)), le64(b, 0)), le64(b, 8)));
  return Number((h >> 1n) & BigInt(OLD_MASK));
}

/**
 * The flows of a SYN scan of `n` flows to `port`, one by one: { client, server (16-byte
 * addresses), cport, sport, isn }. `adversarial`: every client's interface identifier is chosen so
 * that the old hash puts every flow at the same home place (the attack); otherwise it is random.
 */
export function* floodFlows(n, { adversarial, port = 80, seed = 12 }) {
  const server = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10]);
  const rIsn = rng(seed), rId = rng(seed + 1);
  const rand32 = (r) => Math.floor(r() * 4294967296);
  const home = 0x2a5a5 & OLD_MASK;
  for (let k = 0; k < n; k++) {
    const client = new Uint8Array(16);
    client.set([0x20, 0x01, 0x0d, 0xb8, 0, 1, (k / 60000) >>> 8, (k / 60000) & 0xff]); // 2001:db8:1:G:: (G = k / 60000)
    const cport = 1024 + (k % 60000);
    let id;
    if (adversarial) {
      // Wanted: a final hash with the home place's bits fixed, the others random (distinct tags).
      // Undo the finalizer and the last word's mixing: the word that gives it is the identifier.
      // (The server's address is the lower one: its words are mixed first.)
      const want = ((BigInt(rand32(rId)) << 32n) | BigInt(rand32(rId))) & ~(BigInt(OLD_MASK) << 1n) | (BigInt(home) << 1n);
      const h3 = oldMix(oldMix(oldMix(oldStart(port, cport), le64(server, 0)), le64(server, 8)), le64(client, 0));
      id = mul64(rotl64(mul64(unfmix(want), INV_C2), 33n) ^ h3, INV_C1);
    } else id = (BigInt(rand32(rId)) << 32n) | BigInt(rand32(rId));
    for (let i = 0; i < 8; i++) client[8 + i] = Number((id >> BigInt(8 * i)) & 0xffn);
    yield { client, server, cport, sport: port, isn: rand32(rIsn) };
  }
}

/** IPv6 TCP segment in an Ethernet frame, checksum computed (RFC 8200 8.1 pseudo-header). */
function tcp6Frame(macs, src, dst, tcpHeader) {
  const f = Buffer.alloc(14 + 40 + tcpHeader.length);
  macs.copy(f, 0, 0, 12); f.writeUInt16BE(0x86dd, 12);
  f.writeUInt32BE(0x60000000, 14); f.writeUInt16BE(tcpHeader.length, 18); f[20] = 6; f[21] = 64;
  f.set(src, 22); f.set(dst, 38); tcpHeader.copy(f, 54);
  let s = tcpHeader.length + 6;
  for (let i = 22; i < 54; i += 2) s += f.readUInt16BE(i);
  f.writeUInt16BE(0, 54 + 16);
  for (let i = 54; i < f.length; i += 2) s += (f[i] << 8) | (i + 1 < f.length ? f[i + 1] : 0);
  f.writeUInt16BE(~fold(s) & 0xffff, 54 + 16);
  return f;
}

// The scan's frames: each flow's SYN (the real one's TCP header and options, with the flow's ports
// and sequence number), then the server's RST/ACK; replies "later": all the SYNs first, then the
// RST/ACKs in a shuffled order (each one a lookup of an existing flow).
function* floodFrames(flows, replies, seed) {
  const other = loadSeed(join(FIXTURES, "bench-other.pcap"));
  const syn = other.packets.find((p) => p.meta?.proto === 6 && (p.data[p.meta.l4 + 13] & 0x12) === 0x02).data;
  const l4 = 14 + (syn[14] & 15) * 4;
  const synTcp = Buffer.from(syn.subarray(l4, l4 + (syn[l4 + 12] >> 4) * 4));
  const macs = Buffer.from(syn.subarray(0, 12)), back = Buffer.concat([macs.subarray(6, 12), macs.subarray(0, 6)]);
  const synOf = (fl) => {
    const t = Buffer.from(synTcp);
    t.writeUInt16BE(fl.cport, 0); t.writeUInt16BE(fl.sport, 2); t.writeUInt32BE(fl.isn, 4);
    return tcp6Frame(macs, fl.client, fl.server, t);
  };
  const rstOf = (fl) => {
    const t = Buffer.alloc(20);
    t.writeUInt16BE(fl.sport, 0); t.writeUInt16BE(fl.cport, 2); t.writeUInt32BE((fl.isn + 1) >>> 0, 8);
    t[12] = 5 << 4; t[13] = 0x14; // RST, ACK
    return tcp6Frame(back, fl.server, fl.client, t);
  };
  if (replies === "each") { for (const fl of flows) { yield synOf(fl); yield rstOf(fl); } return; }
  const all = [...flows];
  for (const fl of all) yield synOf(fl);
  const order = all.map((_, i) => i), r = rng(seed + 2);
  for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
  for (const i of order) yield rstOf(all[i]);
}

// Writes frames as a µs pcap, 7 µs apart, through `emit` in chunks of up to 16 MiB.
function writePcapFrames(frames, emit) {
  const out = Buffer.alloc(16 << 20);
  out.writeUInt32LE(0xa1b2c3d4, 0); out.writeUInt16LE(2, 4); out.writeUInt16LE(4, 6); out.writeUInt32LE(262144, 16); out.writeUInt32LE(1, 20);
  let o = 24, us = 0, packets = 0, bytes = 0;
  for (const f of frames) {
    if (o + 16 + f.length > out.length) { emit(out.subarray(0, o)); bytes += o; o = 0; }
    us += 7;
    out.writeUInt32LE(1_700_000_000 + Math.floor(us / 1e6), o); out.writeUInt32LE(us % 1e6, o + 4);
    out.writeUInt32LE(f.length, o + 8); out.writeUInt32LE(f.length, o + 12);
    f.copy(out, o + 16); o += 16 + f.length; packets++;
  }
  emit(out.subarray(0, o)); bytes += o;
  return { packets, bytes };
}

/** The scan as a pcap in memory (tests/flow-table.test.ts); replies "each" or "later". */
export function floodPcap(flows, { replies = "each", seed = 12 } = {}) {
  const chunks = [];
  writePcapFrames(floodFrames(flows, replies, seed), (b) => chunks.push(Buffer.from(b)));
  return Buffer.concat(chunks);
}

export const FLOOD_FLOWS = 540_000; // three times what the table holds before it prunes

/** bench/run.mjs's flood captures: `flows` flows, ordinary or adversarial (same size). */
export function generateFlood(path, { flows, adversarial }) {
  const fd = openSync(path, "w");
  const r = writePcapFrames(floodFrames(floodFlows(flows, { adversarial }), "each"), (b) => writeSync(fd, b));
  closeSync(fd);
  return { ...r, replicas: flows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [kind, out, ...rest] = process.argv.slice(2);
  const opt = {};
  for (let i = 0; i < rest.length; i += 2) opt[rest[i].replace(/^--/, "")] = Number(rest[i + 1]);
  const flood = kind === "flood" || kind === "flood-adv";
  const k = flood ? {} : kinds(loadSeeds())[kind];
  if (!k || !out) { console.error("usage: node bench/gen.mjs mix|big|many|dense|conn1m|smb1m OUT [--bytes N] [--conns N] [--hosts N] [--tick-us N]\n       node bench/gen.mjs flood|flood-adv OUT [--flows N]"); process.exit(2); }
  const t = Date.now();
  const r = flood
    ? generateFlood(out, { flows: opt.flows ?? FLOOD_FLOWS, adversarial: kind === "flood-adv" })
    : generate(out, { ...k, targetBytes: opt.bytes ?? Infinity, replicas: opt.conns ?? Infinity, hosts: opt.hosts ?? 0, tickUs: opt["tick-us"] ?? 20, still: opt.still === 1 });
  console.log(JSON.stringify({ ...r, seconds: (Date.now() - t) / 1000, size: statSync(out).size }));
}
