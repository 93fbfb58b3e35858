// TCP: the flow table that numbers streams as Wireshark's tcp.stream does, and the hand-off of
// flows that carry SMB, NBSS or Kerberos to the reassembler.
//
// Every TCP conversation gets an entry (so stream numbers match Wireshark's for all traffic), but
// only SMB/Kerberos flows get a reassembly slot. The table has a fixed capacity; when it fills up,
// it is pruned: closed conversations first (RST, or FIN both ways), then the longest idle ones,
// never one with a reassembly slot. A pruned conversation seen again later gets a new number: the
// one place where numbering can differ from Wireshark's, and only for a conversation that was
// closed or idle while more than 180,000 others came along (W_FLOW_TABLE_FULL says so when live
// ones had to go).
import { u16be, u32be, u8at } from "../util";
import { srcAddr, dstAddr, isV6 } from "./packet";
import { tunnelTag } from "./tunnel";
import { curTs, setFlow, begin, end, fU32, fU64 } from "../out";
import {
  EV_WARNING, F_CODE, F_OFFSET, F_VALUE, F_VALUE2, W_FLOW_TABLE_FULL, REC_FLAG_FROM_CLIENT, REC_FLAG_IPV6,
} from "../events";
import { PORT_SMB, PORT_NBSS, PORT_KERBEROS } from "../wire";
import { slotAcquire, slotSegment, slotRelease, slotSetFlowIndex, looksLikeSmbStart } from "./reasm";

const CAP_BITS: u32 = 18;
const CAP: u32 = 1 << CAP_BITS;
const MASK: u32 = CAP - 1;
const ENTRY: u32 = 64;
const PRUNE_AT: u32 = (CAP / 10) * 7; // 183,500 conversations (the W_FLOW_TABLE_FULL text says 180,000)
const PRUNE_KEEP: u32 = (CAP / 10) * 4;

// Entry layout
const E_ADDR_A: u32 = 0; // 16 bytes, the lower endpoint (address, then port)
const E_ADDR_B: u32 = 16;
const E_PORT_A: u32 = 32; // u16
const E_PORT_B: u32 = 34;
const E_STREAM: u32 = 36; // i32
const E_BASE_A: u32 = 40; // u32 first sequence number seen from A
const E_BASE_B: u32 = 44;
const E_FLAGS: u32 = 48;
const E_SLOT: u32 = 52; // i32 reassembly slot, -1 none
const E_LAST: u32 = 56; // i64 last packet time

// E_FLAGS bits
const FL_BASE_A: u32 = 1;
const FL_BASE_B: u32 = 2;
const FL_CLIENT_IS_A: u32 = 4;
const FL_NOT_SMB: u32 = 8; // heuristic gave up: never reassemble
const FL_PROBES_SHIFT: u32 = 4; // 3 bits: payload segments looked at by the heuristic
const FL_WAS_SLOTTED: u32 = 128;
const FL_FIN_A: u32 = 256;
const FL_FIN_B: u32 = 512;
const FL_CLOSED: u32 = 1024; // RST seen, or FIN both ways
const FL_SYN_SEEN: u32 = 2048; // the conversation's handshake is in the capture
// Bits 16-31: the tunnel the flow was seen in (tunnel.ts tunnelTag, 0 = none), part of the key. It
// is left out of the hash: the same 5-tuple in several tunnels only shares a probe chain.
const FL_TUNNEL_SHIFT: u32 = 16;

// Entries (64 bytes each, one cache line) are appended to `table` in the order conversations
// appear, so creating one writes memory sequentially; `index` is the open-addressing hash index
// over them: one u64 per place, low half the key's hash | 1 (0 = empty; bits 1..CAP_BITS are the
// home place), high half the entry number. Probing reads the dense index and compares a full key
// only on a hash match. The prune compacts the kept entries in place (towards the start: an
// entry only ever moves down, over one already dealt with) and rebuilds the index.
let table: usize = 0;
let index: usize = 0;
let nextEntry: u32 = 0; // entries in use (== count)
let count: u32 = 0;
let classCount: usize = 0; // u32[CLASSES]
export let nextStream: i32 = 0;

export function tcpInit(): void {
  table = (heap.alloc(CAP * ENTRY + 64) + 63) & ~<usize>63; // entries on cache lines
  index = heap.alloc(CAP * 8);
  classCount = heap.alloc(64);
  tcpReset();
}

export function tcpReset(): void {
  if (nextEntry < CAP / 64) clearIndexOf(table, nextEntry);
  else memory.fill(index, 0, CAP * 8);
  count = 0; nextEntry = 0; nextStream = 0; prunedWarned = false;
}

// Endpoint order: compare (address, port) of both sides.
function aIsSrc(sport: u32, dport: u32): bool {
  for (let i: u32 = 0; i < 16; i += 4) {
    const s = bswap<u32>(load<u32>(srcAddr + i)), d = bswap<u32>(load<u32>(dstAddr + i));
    if (s != d) return s < d;
  }
  return sport <= dport;
}

// 64-bit multiply-rotate mixing of the four address words and the ports, then the murmur3
// finalizer: every key bit reaches every bit of the table index (FNV-style byte mixing left the
// low index bits depending on few key bits, which made long probe runs on real address plans).
@inline function mixWord(h: u64, w: u64): u64 {
  return rotl<u64>(h ^ (w * 0xC2B2AE3D27D4EB4F), 31) * 0x9E3779B97F4A7C15;
}
@inline function hashKey(a: usize, b: usize, pa: u32, pb: u32): u32 {
  let h: u64 = (<u64>(pa << 16 | pb) + 0x165667B19E3779F9) * 0x9E3779B97F4A7C15;
  h = mixWord(h, load<u64>(a));
  h = mixWord(h, load<u64>(a + 8));
  h = mixWord(h, load<u64>(b));
  h = mixWord(h, load<u64>(b + 8));
  h ^= h >> 33; h *= 0xff51afd7ed558ccd; h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53; h ^= h >> 33;
  return <u32>h;
}

function sameKey(e: usize, a: usize, b: usize, pa: u32, pb: u32): bool {
  return (load<u32>(e + E_FLAGS) >>> FL_TUNNEL_SHIFT) == tunnelTag && <u32>load<u16>(e + E_PORT_A) == pa && <u32>load<u16>(e + E_PORT_B) == pb &&
    load<u64>(e + E_ADDR_A) == load<u64>(a) && load<u64>(e + E_ADDR_A + 8) == load<u64>(a + 8) &&
    load<u64>(e + E_ADDR_B) == load<u64>(b) && load<u64>(e + E_ADDR_B + 8) == load<u64>(b + 8);
}

// Idle-age classes of the prune: an entry of class c is dropped when the prune goes up to class c.
// Closed conversations (RST, or FIN both ways) go first, then the longest idle; flows with a
// reassembly slot are always kept.
const NS: i64 = 1000000000;
@inline function ageClass(fl: u32, idle: i64): u32 {
  const closed = (fl & FL_CLOSED) != 0;
  if ((closed && idle > NS) || idle > 600 * NS) return 0;
  if (idle > 60 * NS) return 1;
  if (closed || idle > 10 * NS) return 2;
  if (idle > NS) return 3;
  if (idle > NS / 10) return 4;
  if (idle > NS / 100) return 5;
  return 6;
}
const CLASSES: u32 = 7;
let prunedWarned = false;

function prune(): void {
  // One scan counts the unslotted entries per idle-age class; the prune then drops the fewest
  // classes that bring the table down to PRUNE_KEEP and rehashes the rest.
  for (let c: u32 = 0; c < CLASSES; c++) store<u32>(classCount + c * 4, 0);
  for (let n: u32 = 0; n < nextEntry; n++) {
    const e = table + n * ENTRY;
    if (load<i32>(e + E_SLOT) >= 0) continue;
    const c = ageClass(load<u32>(e + E_FLAGS), curTs - load<i64>(e + E_LAST));
    store<u32>(classCount + c * 4, load<u32>(classCount + c * 4) + 1);
  }
  let upTo: u32 = 0;
  let left = count;
  for (; upTo < CLASSES; upTo++) {
    left -= load<u32>(classCount + upTo * 4);
    if (left <= PRUNE_KEEP) break;
  }
  if (upTo >= CLASSES) upTo = CLASSES - 1;
  memory.fill(index, 0, CAP * 8);
  let kept: u32 = 0;
  let live: u32 = 0; // dropped conversations that were neither closed nor idle for 10 minutes
  for (let n: u32 = 0; n < nextEntry; n++) {
    const e = table + n * ENTRY;
    const slot = load<i32>(e + E_SLOT);
    if (slot < 0) {
      const c = ageClass(load<u32>(e + E_FLAGS), curTs - load<i64>(e + E_LAST));
      if (c <= upTo) {
        if (c > 0 && (load<u32>(e + E_FLAGS) & FL_CLOSED) == 0) live++;
        continue;
      }
    }
    const tag = hashKey(e + E_ADDR_A, e + E_ADDR_B, load<u16>(e + E_PORT_A), load<u16>(e + E_PORT_B)) | 1;
    let j = (tag >> 1) & MASK;
    while (load<u32>(index + j * 8) != 0) j = (j + 1) & MASK;
    store<u64>(index + j * 8, <u64>tag | (<u64>kept << 32));
    if (kept != n) memory.copy(table + kept * ENTRY, e, ENTRY);
    if (slot >= 0) slotSetFlowIndex(slot, kept);
    kept++;
  }
  count = kept; nextEntry = kept;
  // Forgetting closed or long-idle conversations is harmless (Wireshark too starts a new stream
  // for a new SYN); forgetting live ones may renumber them if they come back: say so, once.
  if (live > 0 && !prunedWarned) {
    prunedWarned = true;
    begin(EV_WARNING); fU32(F_CODE, W_FLOW_TABLE_FULL); fU64(F_OFFSET, 0); fU64(F_VALUE, live); fU64(F_VALUE2, count); end();
  }
}

export function flowEntry(n: u32): usize { return table + n * ENTRY; }

// After a small file: clear only the index places of its entries.
function clearIndexOf(t: usize, n: u32): void {
  for (let k: u32 = 0; k < n; k++) {
    const e = t + k * ENTRY;
    let j = (hashKey(e + E_ADDR_A, e + E_ADDR_B, load<u16>(e + E_PORT_A), load<u16>(e + E_PORT_B)) | 1) >> 1 & MASK;
    while (load<u32>(index + j * 8) != 0) { store<u64>(index + j * 8, 0); j = (j + 1) & MASK; }
  }
}

// Called by the reassembler when it lets go of a slot.
export function flowSlotReleased(n: u32): void {
  store<i32>(table + n * ENTRY + E_SLOT, -1);
}

export function tcpPacket(p: usize, len: u32, wireLen: u32, sport: u32, dport: u32): void {
  const doff = (u8at(p + 12) >> 4) * 4;
  if (doff < 20 || doff > len) return;
  const flags = u8at(p + 13) | ((u8at(p + 12) & 1) << 8);
  const seq = u32be(p + 4);
  const ack = u32be(p + 8);
  const payload = p + doff;
  const plen = len - doff;
  const syn = (flags & 2) != 0, ackf = (flags & 16) != 0;

  const srcIsA = aIsSrc(sport, dport);
  const a = srcIsA ? srcAddr : dstAddr, b = srcIsA ? dstAddr : srcAddr;
  const pa = srcIsA ? sport : dport, pb = srcIsA ? dport : sport;
  const tag = hashKey(a, b, pa, pb) | 1;
  let i = (tag >> 1) & MASK;
  let fresh = false;
  let en: u32 = 0;
  while (true) {
    const x = load<u64>(index + i * 8);
    const t = <u32>x;
    if (t == 0) { fresh = true; break; }
    if (t == tag) {
      en = <u32>(x >> 32);
      if (sameKey(table + en * ENTRY, a, b, pa, pb)) break;
    }
    i = (i + 1) & MASK;
  }
  let e = table + en * ENTRY;
  let fl: u32 = 0;
  if (fresh) {
    if (count >= PRUNE_AT) {
      prune();
      // the probe chain changed: find the free place again (the key is not in the table)
      i = (tag >> 1) & MASK;
      while (load<u32>(index + i * 8) != 0) i = (i + 1) & MASK;
    }
    en = nextEntry++;
    e = table + en * ENTRY;
    store<u64>(index + i * 8, <u64>tag | (<u64>en << 32));
    // (plain u64 stores: memory.copy of a few bytes is a call into the engine)
    store<u64>(e + E_ADDR_A, load<u64>(a)); store<u64>(e + E_ADDR_A + 8, load<u64>(a + 8));
    store<u64>(e + E_ADDR_B, load<u64>(b)); store<u64>(e + E_ADDR_B + 8, load<u64>(b + 8));
    store<u16>(e + E_PORT_A, <u16>pa); store<u16>(e + E_PORT_B, <u16>pb);
    store<i32>(e + E_STREAM, nextStream++);
    store<i32>(e + E_SLOT, -1);
    count++;
    fl = clientSide(srcIsA, syn, ackf, sport, dport) | (tunnelTag << FL_TUNNEL_SHIFT);
  } else {
    fl = load<u32>(e + E_FLAGS);
    // Wireshark starts a new conversation on a SYN whose sequence number differs from the first
    // one seen in that direction (the port pair was reused).
    const baseBit = srcIsA ? FL_BASE_A : FL_BASE_B;
    if (syn && !ackf && (fl & baseBit) != 0 && load<u32>(e + (srcIsA ? E_BASE_A : E_BASE_B)) != seq) {
      const slot = load<i32>(e + E_SLOT);
      if (slot >= 0) slotRelease(slot);
      store<i32>(e + E_STREAM, nextStream++);
      store<i32>(e + E_SLOT, -1);
      fl = clientSide(srcIsA, syn, ackf, sport, dport) | (tunnelTag << FL_TUNNEL_SHIFT);
    }
  }
  if (syn) fl |= FL_SYN_SEEN;
  if ((fl & (srcIsA ? FL_BASE_A : FL_BASE_B)) == 0) {
    fl |= srcIsA ? FL_BASE_A : FL_BASE_B;
    store<u32>(e + (srcIsA ? E_BASE_A : E_BASE_B), seq);
  }
  if ((flags & 5) != 0) { // FIN or RST
    if ((flags & 4) != 0) fl |= FL_CLOSED;
    else {
      fl |= srcIsA ? FL_FIN_A : FL_FIN_B;
      if ((fl & (FL_FIN_A | FL_FIN_B)) == (FL_FIN_A | FL_FIN_B)) fl |= FL_CLOSED;
    }
  }
  store<i64>(e + E_LAST, curTs);
  const stream = load<i32>(e + E_STREAM);
  const fromClient = ((fl & FL_CLIENT_IS_A) != 0) == srcIsA;
  setFlow(stream, (fromClient ? REC_FLAG_FROM_CLIENT : 0) | (isV6 ? REC_FLAG_IPV6 : 0));

  let slot = load<i32>(e + E_SLOT);
  if (slot < 0 && (fl & (FL_NOT_SMB | FL_WAS_SLOTTED)) == 0) {
    let kind: u32 = 0;
    let handshake = syn && !ackf;
    if (sport == PORT_SMB || dport == PORT_SMB || sport == PORT_NBSS || dport == PORT_NBSS) kind = 1;
    else if (sport == PORT_KERBEROS || dport == PORT_KERBEROS) kind = 2;
    else if (plen > 0) {
      // Any other port: SMB if an early payload segment starts with NBSS + an SMB header.
      if (looksLikeSmbStart(payload, plen)) {
        kind = 1;
        // the handshake went by before SMB was recognised; this is the first payload if no probe came before
        handshake = (fl & FL_SYN_SEEN) != 0 && ((fl >> FL_PROBES_SHIFT) & 7) == 0;
      } else {
        const probes = ((fl >> FL_PROBES_SHIFT) & 7) + 1;
        fl = (fl & ~(7 << FL_PROBES_SHIFT)) | (probes << FL_PROBES_SHIFT);
        if (probes >= 4) fl |= FL_NOT_SMB;
      }
    }
    if (kind != 0) {
      const clientIsSrc = fromClient;
      slot = slotAcquire(en, kind, clientIsSrc, sport, dport, handshake);
      store<i32>(e + E_SLOT, slot);
      fl |= FL_WAS_SLOTTED;
    }
  }
  store<u32>(e + E_FLAGS, fl);
  // Bytes the snapshot length cut off this segment: the reassembler skips them in sequence space.
  const cut = wireLen > len ? wireLen - len : 0;
  if (slot >= 0) slotSegment(slot, fromClient, flags, seq, ack, payload, plen, cut);
}

function clientSide(srcIsA: bool, syn: bool, ackf: bool, sport: u32, dport: u32): u32 {
  // The client is whoever sent the SYN; failing that, the side not on a well-known SMB/Kerberos
  // port; failing that, the sender of the first packet seen.
  let srcIsClient = true;
  if (syn && ackf) srcIsClient = false;
  else if (!syn) {
    const sWell = sport == PORT_SMB || sport == PORT_NBSS || sport == PORT_KERBEROS;
    const dWell = dport == PORT_SMB || dport == PORT_NBSS || dport == PORT_KERBEROS;
    if (sWell && !dWell) srcIsClient = false;
    else if (!sWell && !dWell && sport < 1024 && dport >= 1024) srcIsClient = false;
  }
  return srcIsClient == srcIsA ? FL_CLIENT_IS_A : 0;
}
