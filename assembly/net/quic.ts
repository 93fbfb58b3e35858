// QUIC flows (RFC 9000 17.2): a UDP flow on any port becomes a QUIC flow when its first datagram is a
// client Initial (long header, fixed bit, version 1 or 2, Initial type, a Destination Connection ID
// of 8..20 bytes, a datagram of at least 1200 bytes). Its first QUIC_KEEP_DATAGRAMS long-header
// datagrams (Initial and Handshake, which carry the TLS handshake and any CONNECTION_CLOSE) are
// emitted whole as EV_QUIC; short-header (1-RTT) datagrams are counted per direction, the first
// QUIC_KEEP_SHORT each way emitted without their bytes. EV_QUIC_FLOW at the end gives each flow's counts.
// Whether it is SMB is for TypeScript to tell (the ALPN is inside the encrypted Initial payload).
// The table holds QUIC_FLOWS entries, found through a small open-addressing index on the port pair
// (the same for both directions); a lookup never looks at more than QUIC_FLOWS places, so crafted
// ports that collide cost at most a scan of the table. No allocation. When the table is full, the
// flow idle longest gives its place to the new one (its EV_QUIC_FLOW is written then) and the index
// is rebuilt (at most once per new flow, QUIC_FLOWS entries).
import {
  EV_QUIC, EV_QUIC_FLOW, F_SRC_IP, F_DST_IP, F_SRC_PORT, F_DST_PORT, F_LEN, F_QUIC_DATAGRAM,
  F_QUIC_COUNTS, F_VALUE, T_BYTES, REC_FLAG_FROM_CLIENT, REC_FLAG_IPV6,
} from "../events";
import { QUIC_V1, QUIC_V2, QUIC_MIN_INITIAL, QUIC_FLOWS, QUIC_KEEP_DATAGRAMS, QUIC_KEEP_BYTES, QUIC_KEEP_SHORT } from "../wire";
import { u8at, u32be } from "../util";
import { srcAddr, dstAddr, isV6 } from "./packet";
import { tunnelTag } from "./tunnel";
import { begin, end, fU32, fU64, fBytes, setFlow, curFrame } from "../out";

// Entry layout
const E_CLIENT: u32 = 0; // 16 bytes
const E_SERVER: u32 = 16; // 16 bytes
const E_PORTS: u32 = 32; // u32 client port << 16 | server port
const E_TUNNEL: u32 = 36; // u32 tunnel tag + 1 (0 = free entry)
const E_FIRST: u32 = 40; // u32 frame of the first datagram
const E_KEPT: u32 = 44; // u32 long-header datagrams emitted
const E_COUNTS: u32 = 48; // 4 × u32: long c→s, long s→c, short c→s, short s→c
const E_V6: u32 = 64;
const E_LAST: u32 = 68; // u32 frame of the latest datagram
const E_SIZE: u32 = 72;

const INDEX_SLOTS: u32 = 512; // a power of two, at least 4 × QUIC_FLOWS: probe runs stay short
let table: usize = 0;
let index: usize = 0; // u16 per slot: entry + 1, 0 = empty
let used: u32 = 0;
export let quicEvicted: u64 = 0;

export function quicInit(): void {
  table = heap.alloc(<usize>QUIC_FLOWS * E_SIZE);
  index = heap.alloc(<usize>INDEX_SLOTS * 2);
  quicReset();
}
export function quicReset(): void {
  memory.fill(table, 0, <usize>QUIC_FLOWS * E_SIZE); memory.fill(index, 0, <usize>INDEX_SLOTS * 2);
  used = 0; quicEvicted = 0;
}

// Home slot of a port pair, whichever way round (Fibonacci hashing of the smaller and larger port).
@inline function home(a: u32, b: u32): u32 {
  const lo = a < b ? a : b, hi = a < b ? b : a;
  return ((lo << 16 | hi) * 0x9e3779b1) >>> 23; // 9 bits: INDEX_SLOTS
}

function indexAdd(slot: u32): void {
  const ports = load<u32>(table + slot * E_SIZE + E_PORTS);
  let j = home(ports >>> 16, ports & 0xffff);
  while (load<u16>(index + j * 2) != 0) j = (j + 1) & (INDEX_SLOTS - 1);
  store<u16>(index + j * 2, <u16>(slot + 1));
}

function indexRebuild(): void {
  memory.fill(index, 0, <usize>INDEX_SLOTS * 2);
  for (let i: u32 = 0; i < used; i++) indexAdd(i);
}

@inline function same16(a: usize, b: usize): bool { return load<u64>(a) == load<u64>(b) && load<u64>(a + 8) == load<u64>(b + 8); }

// The flow of the current datagram and its direction (| FROM_SERVER), or -1.
const FROM_SERVER: i64 = <i64>1 << 32;
function find(sport: u32, dport: u32): i64 {
  const t = tunnelTag + 1;
  const fwd = sport << 16 | dport, rev = dport << 16 | sport;
  let j = home(sport, dport);
  for (let n: u32 = 0; n <= <u32>QUIC_FLOWS; n++, j = (j + 1) & (INDEX_SLOTS - 1)) {
    const k = <u32>load<u16>(index + j * 2);
    if (k == 0) return -1;
    const i = k - 1;
    const e = table + i * E_SIZE;
    const ports = load<u32>(e + E_PORTS);
    if (load<u32>(e + E_TUNNEL) != t || (ports != fwd && ports != rev)) continue;
    if (ports == fwd && same16(e + E_CLIENT, srcAddr) && same16(e + E_SERVER, dstAddr)) return <i64>i;
    if (ports == rev && same16(e + E_CLIENT, dstAddr) && same16(e + E_SERVER, srcAddr)) return <i64>i | FROM_SERVER;
  }
  return -1;
}

// A client Initial that may start a flow (RFC 9000 17.2, 17.2.2, 7.2; RFC 9369 3.2).
function isClientInitial(p: usize, len: u32, wireLen: u32): bool {
  if (len < 7 || wireLen < <u32>QUIC_MIN_INITIAL) return false;
  const b0 = u8at(p);
  if ((b0 & 0xc0) != 0xc0) return false; // long header, fixed bit
  const v = u32be(p + 1);
  const type = (b0 >> 4) & 3;
  if (!((v == QUIC_V1 && type == 0) || (v == QUIC_V2 && type == 1))) return false;
  const dcil = u8at(p + 5);
  return dcil >= 8 && dcil <= 20;
}

// One UDP payload of `len` captured bytes (`wireLen` sent) that no other decoder took.
export function quicDatagram(p: usize, len: u32, wireLen: u32, sport: u32, dport: u32): void {
  if (len < 1) return;
  const b0 = u8at(p);
  // (no fixed-bit test for a known flow: a peer may grease that bit, RFC 9287, as ngtcp2 does)
  let found = used > 0 ? find(sport, dport) : -1;
  if (found < 0) {
    if (!isClientInitial(p, len, wireLen)) return;
    let slot = used;
    const evict = used >= <u32>QUIC_FLOWS;
    if (evict) { slot = idlest(); flowRecord(table + slot * E_SIZE); quicEvicted++; } else used++;
    const e = table + slot * E_SIZE;
    memory.fill(e, 0, E_SIZE);
    memory.copy(e + E_CLIENT, srcAddr, 16); memory.copy(e + E_SERVER, dstAddr, 16);
    store<u32>(e + E_PORTS, sport << 16 | dport);
    store<u32>(e + E_TUNNEL, tunnelTag + 1);
    store<u32>(e + E_FIRST, curFrame);
    store<u32>(e + E_V6, isV6 ? 1 : 0);
    if (evict) indexRebuild(); else indexAdd(slot);
    found = <i64>slot;
  }
  const fromServer = (found & FROM_SERVER) != 0;
  const e = table + <u32>(found & 0xffffffff) * E_SIZE;
  store<u32>(e + E_LAST, curFrame);
  const long = (b0 & 0x80) != 0;
  const slot = e + E_COUNTS + (long ? 0 : 8) + (fromServer ? 4 : 0);
  const n = load<u32>(slot) + 1;
  store<u32>(slot, n);
  if (long) {
    const kept = load<u32>(e + E_KEPT);
    if (kept >= <u32>QUIC_KEEP_DATAGRAMS) return;
    store<u32>(e + E_KEPT, kept + 1);
  } else if (n > <u32>QUIC_KEEP_SHORT) return;
  setFlow(-1, (fromServer ? 0 : REC_FLAG_FROM_CLIENT) | (isV6 ? REC_FLAG_IPV6 : 0));
  begin(EV_QUIC);
  fBytes(F_SRC_IP, T_BYTES, srcAddr, 16); fU32(F_SRC_PORT, sport);
  fBytes(F_DST_IP, T_BYTES, dstAddr, 16); fU32(F_DST_PORT, dport);
  fU32(F_LEN, wireLen);
  if (long) fBytes(F_QUIC_DATAGRAM, T_BYTES, p, len < <u32>QUIC_KEEP_BYTES ? len : <u32>QUIC_KEEP_BYTES);
  else fU64(F_VALUE, 1);
  end();
}

function idlest(): u32 {
  let best: u32 = 0;
  for (let i: u32 = 1; i < used; i++) if (load<u32>(table + i * E_SIZE + E_LAST) < load<u32>(table + best * E_SIZE + E_LAST)) best = i;
  return best;
}

// The EV_QUIC_FLOW record of the entry at e: client, server, first frame, counts.
function flowRecord(e: usize): void {
  setFlow(-1, REC_FLAG_FROM_CLIENT | (load<u32>(e + E_V6) != 0 ? REC_FLAG_IPV6 : 0));
  begin(EV_QUIC_FLOW);
  const ports = load<u32>(e + E_PORTS);
  fBytes(F_SRC_IP, T_BYTES, e + E_CLIENT, 16); fU32(F_SRC_PORT, ports >>> 16);
  fBytes(F_DST_IP, T_BYTES, e + E_SERVER, 16); fU32(F_DST_PORT, ports & 0xffff);
  fU64(F_VALUE, load<u32>(e + E_FIRST));
  fBytes(F_QUIC_COUNTS, T_BYTES, e + E_COUNTS, 16);
  end();
}

// End of the file: each flow's counts.
export function quicFinish(): void {
  for (let i: u32 = 0; i < used; i++) flowRecord(table + i * E_SIZE);
}
