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
//
// The table is hashed with a secret key (hash flooding, issue 12): see "Hashing" below.
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
// Memory, fixed whatever the capture: entries CAP * ENTRY (16 MiB), index CAP * 4 (1 MiB), hot
// cache HOT * 4 (64 KiB): 17.06 MiB in all, allocated once by tcpInit.

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
// over them: one u32 per place (1 MiB, half of what a u64 place took: the index is the one
// structure a new conversation touches at a random place), the entry number in the high
// 32 - TAG_BITS bits and TAG_BITS bits of the key's hash, | 1, in the low ones (0 = empty).
// Probing reads the dense index and compares a full key only on a tag match. The prune compacts the kept entries in place (towards the start: an
// entry only ever moves down, over one already dealt with) and rebuilds the index.
let table: usize = 0;
let index: usize = 0;
let key: usize = 0; // the current packet's key, laid out as an entry's first KEY_BYTES bytes
let spare: usize = 0; // the entry of a conversation that could not be indexed (see Hashing)
let scratch: usize = 0; // rekey()'s message
let nextEntry: u32 = 0; // entries in use (== count)
let count: u32 = 0;
let classCount: usize = 0; // u32[CLASSES]
export let nextStream: i32 = 0;

export function tcpInit(): void {
  table = (heap.alloc(CAP * ENTRY + 64) + 63) & ~<usize>63; // entries on cache lines
  index = heap.alloc(CAP * 4);
  hot = heap.alloc(HOT * 4);
  classCount = heap.alloc(64);
  key = heap.alloc(ENTRY);
  spare = heap.alloc(ENTRY);
  scratch = heap.alloc(40);
  tcpReset();
}

export function tcpReset(): void {
  clearIndex();
  count = 0; nextEntry = 0; nextStream = 0; prunedWarned = false;
  createdSinceRekey = 0; probes = 0; probeMax = 0; rekeys = 0; prunes = 0; created = 0;
}

// ---- Hashing ----
//
// A capture comes from anywhere, so its flows may have been chosen offline to collide in the
// table: with an unkeyed hash and linear probing, flows whose home places cluster made every new
// flow probe past all earlier ones (180,000 flows: 10 s instead of 0.7 s). Two defences:
//
// 1. The hash is SipHash-1-3 (Aumasson & Bernstein, the hash of Rust's HashMap) of the 36-byte
//    key under a 128-bit secret key that TypeScript draws from crypto.getRandomValues for every
//    decoder instance (setHashSeed, before the first file). It is a keyed pseudo-random function:
//    without the key nobody can tell which flows share a home place, whatever time they spend
//    offline. A seed mixed into a multiply-rotate hash (the old one, MurmurHash3's finalizer) is
//    not enough: those hashes have collisions that hold for every seed (Aumasson, Bernstein,
//    Bosslet, "Hash-flooding DoS reloaded", 2012). In the old one, flipping bit 32 of one word's
//    product (w * C1) and bit 63 of the next word's cancels out whatever the state, so pairs of
//    IPv6 addresses that collide under any seed were easy to write down. SipHash-1-3 costs a
//    little more than the old mixing (8 rounds of add-rotate-xor against 11 dependent 64-bit
//    multiplies): within about 5 % of the wasm's time on the bench's conn1m (11 million packets
//    of short connections, the heaviest user of this table).
// 2. No probe looks at more than PROBE_MAX places, so one packet costs a bounded time even if the
//    key were known. An entry is only ever placed within PROBE_MAX of its home, so a lookup that
//    has looked at PROBE_MAX full places has not found its key. A new conversation that finds no
//    free place there makes the index be rebuilt under a new key (rekey(), at most once per
//    count/4 conversations created: amortised O(1) each); failing that (too soon since the last
//    rebuild), it is not remembered: this packet gets a stream number and W_FLOW_TABLE_FULL says
//    that numbering may differ from Wireshark's, as when the table prunes live conversations.
//    With a secret key and the table at most 70 % full (PRUNE_AT), an insertion meets a run of
//    512 full places with a probability of about (0.7 e^0.3)^512, below 1e-12: a backstop, not a
//    path that captures take.
const KEY_BYTES: u32 = 36; // E_ADDR_A .. E_PORT_B
const PROBE_MAX: u32 = 512;

// SipHash's state after the key is loaded (v0..v3 = key words ^ "somepseudorandomlygeneratedbytes")
let sv0: u64 = 0x736f6d6570736575, sv1: u64 = 0x646f72616e646f6d;
let sv2: u64 = 0x6c7967656e657261, sv3: u64 = 0x7465646279746573;
let createdSinceRekey: u32 = 0;
let probes: u64 = 0; // places looked at by lookups, this file
let probeMax: u32 = 0; // the most places one lookup looked at, this file
let rekeys: u32 = 0;
let prunes: u32 = 0; // prunes of the table, this file
let created: u32 = 0; // conversations created, this file

function setKey(k0: u64, k1: u64): void {
  sv0 = k0 ^ 0x736f6d6570736575; sv1 = k1 ^ 0x646f72616e646f6d;
  sv2 = k0 ^ 0x6c7967656e657261; sv3 = k1 ^ 0x7465646279746573;
}

/** The secret key (128 bits) of this decoder's flow table; the table starts empty. */
export function tcpSetHashKey(k0: u64, k1: u64): void {
  tcpReset(); // clears the index places under the old key
  setKey(k0, k1);
}

// SipHash-1-3 (one compression round per 8-byte word, three finalization rounds) of the
// KEY_BYTES bytes at p: four whole words, then the last 4 bytes with the tunnel tag above them
// (part of the key, kept in the entry's E_FLAGS: one 5-tuple inside many tunnels must not share
// one hash) and the length in the top byte.
function sipHash(p: usize, tunnel: u32): u64 {
  let v0 = sv0, v1 = sv1, v2 = sv2, v3 = sv3;
  for (let k: u32 = 0; k < 40; k += 8) {
    const m: u64 = k < 32 ? load<u64>(p + k) : <u64>load<u32>(p + 32) | (<u64>(tunnel & 0xffff) << 32) | (<u64>KEY_BYTES << 56);
    v3 ^= m;
    v0 += v1; v1 = rotl<u64>(v1, 13); v1 ^= v0; v0 = rotl<u64>(v0, 32);
    v2 += v3; v3 = rotl<u64>(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl<u64>(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl<u64>(v1, 17); v1 ^= v2; v2 = rotl<u64>(v2, 32);
    v0 ^= m;
  }
  v2 ^= 0xff;
  for (let r = 0; r < 3; r++) {
    v0 += v1; v1 = rotl<u64>(v1, 13); v1 ^= v0; v0 = rotl<u64>(v0, 32);
    v2 += v3; v3 = rotl<u64>(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl<u64>(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl<u64>(v1, 17); v1 ^= v2; v2 = rotl<u64>(v2, 32);
  }
  return v0 ^ v1 ^ v2 ^ v3;
}

// The hash of the key at p (an entry's first KEY_BYTES bytes), as the index uses it: its home
// place is bits 1..CAP_BITS, its tag (placeTag) bits CAP_BITS + 1.. (disjoint bits: two keys with
// one home still differ in their tags but for 1 in 2^(TAG_BITS - 1)).
const TAG_BITS: u32 = 32 - CAP_BITS; // 14: entry numbers (< CAP) take the other 18 bits of a place
const TAG_MASK: u32 = (1 << TAG_BITS) - 1;
@inline function tagOf(p: usize, tunnel: u32): u32 { return <u32>sipHash(p, tunnel); }
// The hash of a stored entry (its tunnel from its flags).
@inline function entryTag(e: usize): u32 { return tagOf(e, load<u32>(e + E_FLAGS) >>> FL_TUNNEL_SHIFT); }
@inline function homeOf(tag: u32): u32 { return (tag >> 1) & MASK; }
// The low bits of an index place holding the entry of hash `tag` (never 0: 0 marks an empty place).
@inline function placeTag(tag: u32): u32 { return ((tag >>> (CAP_BITS + 1)) << 1) | 1; }
@inline function placeOf(tag: u32, en: u32): u32 { return (en << TAG_BITS) | placeTag(tag); }

// A free place within PROBE_MAX of the home of `tag`, or -1.
function freePlace(tag: u32): i32 {
  let j = homeOf(tag);
  for (let d: u32 = 0; d < PROBE_MAX; d++) {
    if (load<u32>(index + (<usize>j << 2)) == 0) return <i32>j;
    j = (j + 1) & MASK;
  }
  return -1;
}

// A new key derived from the current one (SipHash of a counter under it): as secret as the first.
function rekey(): void {
  rekeys++;
  memory.fill(scratch, 0, 40);
  store<u32>(scratch, rekeys);
  const k0 = sipHash(scratch, 0);
  store<u32>(scratch + 4, 1);
  setKey(k0, sipHash(scratch, 0));
  createdSinceRekey = 0;
}

function clearIndex(): void {
  memory.fill(hot, 0, HOT * 4);
  if (nextEntry < CAP / 64) clearIndexOf(table, nextEntry);
  else memory.fill(index, 0, CAP * 4);
}

// Endpoint order: compare (address, port) of both sides (addresses as big-endian numbers).
@inline function aIsSrc(s0: u64, s1: u64, d0: u64, d1: u64, sport: u32, dport: u32): bool {
  if (s0 != d0) return bswap<u64>(s0) < bswap<u64>(d0);
  if (s1 != d1) return bswap<u64>(s1) < bswap<u64>(d1);
  return sport <= dport;
}

// The current packet's key, in registers: the words of the lower endpoint's address (a0, a1),
// of the other's (b0, b1), and both ports (A's in the low half), as an entry holds them.
let a0: u64 = 0, a1: u64 = 0, b0: u64 = 0, b1: u64 = 0, ports: u32 = 0;

// The entry at e has the current packet's key.
@inline function isKey(e: usize): bool {
  return load<u32>(e + E_PORT_A) == ports && (load<u32>(e + E_FLAGS) >>> FL_TUNNEL_SHIFT) == tunnelTag &&
    load<u64>(e) == a0 && load<u64>(e + 8) == a1 && load<u64>(e + 16) == b0 && load<u64>(e + 24) == b1;
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
  prunes++;
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
  reindex(<i32>upTo, false);
}

// Rebuilds the index (under a new key if `newKey`) over the entries kept, compacted towards the
// start (an entry only ever moves down, over one already dealt with): an unslotted entry of an
// idle-age class <= upTo is dropped (upTo -1: none is), and so is one that finds no free place
// within PROBE_MAX of its home (see Hashing; its reassembly slot, if any, is let go).
function reindex(upTo: i32, newKey: bool): void {
  clearIndex();
  if (newKey) rekey();
  let kept: u32 = 0;
  let live: u32 = 0; // dropped conversations that were neither closed nor idle for 10 minutes
  for (let n: u32 = 0; n < nextEntry; n++) {
    const e = table + n * ENTRY;
    const fl = load<u32>(e + E_FLAGS);
    const slot = load<i32>(e + E_SLOT);
    if (slot < 0) {
      const c = ageClass(fl, curTs - load<i64>(e + E_LAST));
      if (<i32>c <= upTo) {
        if (c > 0 && (fl & FL_CLOSED) == 0) live++;
        continue;
      }
    }
    const tag = entryTag(e);
    const j = freePlace(tag);
    if (j < 0) {
      if (slot >= 0) slotRelease(slot);
      if ((fl & FL_CLOSED) == 0) live++;
      continue;
    }
    store<u32>(index + (<usize>j << 2), placeOf(tag, kept));
    if (kept != n) memory.copy(table + kept * ENTRY, e, ENTRY);
    if (slot >= 0) slotSetFlowIndex(slot, kept);
    kept++;
  }
  count = kept; nextEntry = kept;
  if (live > 0) forgotten(live);
}

// Forgetting closed or long-idle conversations is harmless (Wireshark too starts a new stream
// for a new SYN); forgetting live ones may renumber them if they come back: say so, once.
function forgotten(live: u32): void {
  if (prunedWarned) return;
  prunedWarned = true;
  begin(EV_WARNING); fU32(F_CODE, W_FLOW_TABLE_FULL); fU64(F_OFFSET, 0); fU64(F_VALUE, live); fU64(F_VALUE2, count); end();
}

export function flowEntry(n: u32): usize { return table + n * ENTRY; }

// Statistics of this file's lookups, for tests/flow-table.test.ts and the bench.
export function flowProbes(): u64 { return probes; }
export function flowProbeMax(): u32 { return probeMax; }
export function flowRekeys(): u32 { return rekeys; }
export function flowPrunes(): u32 { return prunes; }
export function flowsCreated(): u32 { return created; }
export const FLOW_PROBE_MAX = PROBE_MAX;

// ---- Hot cache ----
//
// Looking a packet's conversation up in the index costs a SipHash and a read at a random place of
// a 1 MiB array: a cache (and TLB) miss whenever many conversations are open, most of the time of
// a connection-dense capture. HOT places (64 KiB) remember the entry number last found for keys
// with the same cheap hash, beside TAG_BITS more bits of that hash: a key whose place another
// holds is told by the tag, without reading that other entry (an old one, far from the recent
// entries in the cache: most of what a new conversation cost); on a tag match a full key compare
// with the entry decides, as in the index. A key whose place another holds falls back to the
// index: a hostile capture can make every lookup take that path (as before the cache), never a
// wrong one. Emptied when entries move (reindex) and per file.
const HOT_BITS: u32 = 14;
const HOT: u32 = 1 << HOT_BITS;
let hot: usize = 0; // u32[HOT]: entry number << TAG_BITS | tag (never 0), 0 = empty

// The current key's cheap hash: its place in the hot cache in the top HOT_BITS bits, its tag below.
@inline function hotHash(tunnel: u32): u64 {
  const x = a0 ^ rotl<u64>(a1, 13) ^ rotl<u64>(b0, 29) ^ rotl<u64>(b1, 43) ^ (<u64>ports | (<u64>tunnel << 32));
  return x * 0x9e3779b97f4a7c15;
}
@inline function hotPlace(h: u64): u32 { return <u32>(h >> (64 - HOT_BITS)); }
@inline function hotTag(h: u64): u32 { return (<u32>(h >> (64 - HOT_BITS - TAG_BITS)) & TAG_MASK) | 1; }

// After a small file: clear only the index places of its entries.
function clearIndexOf(t: usize, n: u32): void {
  for (let k: u32 = 0; k < n; k++) {
    const e = t + k * ENTRY;
    let j = homeOf(entryTag(e));
    while (load<u32>(index + (<usize>j << 2)) != 0) { store<u32>(index + (<usize>j << 2), 0); j = (j + 1) & MASK; }
  }
}

// Called by the reassembler when it lets go of a slot.
export function flowSlotReleased(n: u32): void {
  store<i32>(table + n * ENTRY + E_SLOT, -1);
}

// The current key laid out at `key` as an entry's first KEY_BYTES bytes, for SipHash (only a
// packet that misses the hot cache needs it).
function keyToMemory(): void {
  store<u64>(key + E_ADDR_A, a0); store<u64>(key + E_ADDR_A + 8, a1);
  store<u64>(key + E_ADDR_B, b0); store<u64>(key + E_ADDR_B + 8, b1);
  store<u32>(key + E_PORT_A, ports);
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

  const s0 = load<u64>(srcAddr), s1 = load<u64>(srcAddr + 8), d0 = load<u64>(dstAddr), d1 = load<u64>(dstAddr + 8);
  const srcIsA = aIsSrc(s0, s1, d0, d1, sport, dport);
  a0 = srcIsA ? s0 : d0; a1 = srcIsA ? s1 : d1; b0 = srcIsA ? d0 : s0; b1 = srcIsA ? d1 : s1;
  ports = srcIsA ? sport | (dport << 16) : dport | (sport << 16);
  // The hot cache first (see "Hot cache"): most packets belong to a conversation it holds.
  const hh = hotHash(tunnelTag);
  const hp = hot + (<usize>hotPlace(hh) << 2);
  const ht = hotTag(hh);
  const hv = load<u32>(hp);
  let en: u32 = hv >>> TAG_BITS;
  let fresh = false;
  let e: usize = 0;
  let fl: u32 = 0;
  if ((hv & TAG_MASK) == ht && en < nextEntry && isKey(table + en * ENTRY)) e = table + en * ENTRY;
  else {
    en = 0;
    keyToMemory();
    let tag = tagOf(key, tunnelTag);
    const pt = placeTag(tag);
    let i = homeOf(tag);
    let lookAgain = false; // i is not a free place for the key
    let looked: u32 = 1;
    while (true) {
      const x = load<u32>(index + (<usize>i << 2));
      if (x == 0) { fresh = true; break; }
      if ((x & TAG_MASK) == pt) {
        en = x >>> TAG_BITS;
        if (isKey(table + en * ENTRY)) break;
      }
      // no entry sits further than PROBE_MAX from its home: the key is not in the table
      if (looked == PROBE_MAX) { fresh = true; lookAgain = true; break; }
      looked++;
      i = (i + 1) & MASK;
    }
    probes += looked;
    if (looked > probeMax) probeMax = looked;
    e = table + en * ENTRY;
    if (fresh) {
      if (count >= PRUNE_AT) { prune(); lookAgain = true; }
      let place = <i32>i;
      if (lookAgain) {
        place = freePlace(tag);
        if (place < 0 && createdSinceRekey >= (count >> 2)) {
          reindex(-1, true);
          tag = tagOf(key, tunnelTag);
          place = freePlace(tag);
        }
      }
      createdSinceRekey++; created++;
      if (place >= 0) {
        en = nextEntry++;
        e = table + en * ENTRY;
        store<u32>(index + (<usize>place << 2), placeOf(tag, en));
        count++;
        store<u32>(hp, (en << TAG_BITS) | ht);
      } else {
        e = spare; // not remembered: this packet only (no reassembly)
        forgotten(1);
      }
      store<u64>(e + E_ADDR_A, a0); store<u64>(e + E_ADDR_A + 8, a1);
      store<u64>(e + E_ADDR_B, b0); store<u64>(e + E_ADDR_B + 8, b1);
      store<u32>(e + E_PORT_A, ports); // both ports
      store<i32>(e + E_STREAM, nextStream++);
      store<i32>(e + E_SLOT, -1);
      fl = clientSide(srcIsA, syn, ackf, sport, dport) | (tunnelTag << FL_TUNNEL_SHIFT);
    } else store<u32>(hp, (en << TAG_BITS) | ht);
  }
  if (!fresh) {
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
  if (slot < 0 && (fl & (FL_NOT_SMB | FL_WAS_SLOTTED)) == 0 && e != spare) {
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
