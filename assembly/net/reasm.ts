// Bounded TCP reassembly and message framing for flows that carry SMB (NBSS framing: direct TCP
// on 445, NetBIOS sessions on 139, SMB on any other port) or Kerberos (4-byte record marking).
//
// Per flow direction: the next expected sequence number, a small out-of-order store (first copy
// wins on overlap, as Wireshark does by default), and the framer. Of each message only the bytes
// the parsers need are kept (setup messages whole, up to MSG_CAP; others their first KEEP_OTHER
// bytes); the rest is skipped by its length without being buffered. A message is handed on when
// its last byte arrives, so it belongs to the frame that completed it, as in Wireshark.
import {
  EV_TCP, EV_GAP, EV_FLOW, EV_WARNING, F_TCP_FLAGS, F_SEQ, F_ACK, F_LEN, F_DELAY_NS, F_SRC_IP,
  F_DST_IP, F_SRC_PORT, F_DST_PORT, F_FLOW_PROTO, F_VALUE, F_VALUE2, F_CODE, F_OFFSET,
  F_GAP_RESYNC, T_BYTES, FLOWP_SMB, FLOWP_KRB, W_REASM_SLOTS_FULL, REC_FLAG_FROM_CLIENT, EV_NOT_SMB,
} from "../events";
import {
  NBSS_MESSAGE, NBSS_REQUEST, NBSS_POSITIVE, NBSS_NEGATIVE, NBSS_RETARGET, NBSS_KEEPALIVE,
  SMB1_ID, SMB2_ID, SMB2_TRANSFORM_ID, SMB2_COMPRESSED_ID,
} from "../wire";
import { u8at, u16be, u32be, u32le } from "../util";
import { begin, end, fU32, fU64, fBytes, curTs, curFrame, curStream, curFlags, setFlow, setFrame } from "../out";
import { srcAddr, dstAddr } from "./packet";
import { flowSlotReleased } from "./tcp";
import { smbMessage, smbKeep, nbssControl } from "../proto/smb";
import { krbTcpMessage } from "../proto/krbflow";

// Concurrency. Every SMB/Kerberos flow being reassembled holds one slot: a fixed record of its
// framing state (SLOT_BYTES, both directions), in one array allocated up front. Slots are handed
// out lowest index first (a two-level bitmap of free ones: O(1)), so the records in use stay packed
// at the start of the array and only those pages are ever touched. When every slot is taken, the
// flow touched least recently (the tail of an LRU list that every segment moves its flow to the
// head of) is dropped from reassembly, with W_REASM_SLOTS_FULL once per file.
export const SLOTS: i32 = 65536; // a multiple of 4096, at most 262,144 (two bitmap levels under a u64)
export const MSG_CAP: u32 = 64 << 10; // a setup message kept whole up to this size
// Memory: no direction owns a buffer. A message that arrives whole in one segment is parsed where
// it is; one that spans segments borrows a message buffer until its last byte: a small one
// (TIER0_CAP, enough for what is kept of any message but a large setup one), and for a large
// setup message (a Kerberos ticket in SESSION_SETUP) a medium or a large one. A direction that
// sees out-of-order segments borrows one of OOO_POOL reorder buffers. With the small buffers all
// lent, the flow that borrowed one longest ago is dropped from reassembly (W_REASM_SLOTS_FULL
// with F_VALUE2 = 1); with no larger buffer free, a message is cut (F_TRUNCATED); with no reorder
// buffer free, a reordering is treated as loss (EV_GAP): never unbounded growth.
const TIER0_CAP: u32 = 4 << 10; // >= SMB_KEEP_OTHER (wire.ts): what a non-setup message keeps
const TIER0_N: i32 = 2048;
const TIER1_CAP: u32 = 16 << 10;
const TIER1_N: i32 = 128;
const TIER2_CAP: u32 = MSG_CAP;
const TIER2_N: i32 = 32;
const NBUF: i32 = TIER0_N + TIER1_N + TIER2_N;
const OOO_POOL: i32 = 64;
const OOO_CAP: u32 = 32 << 10;
const OOO_SEGS: i32 = 16;
const DECIDE: u32 = 68; // bytes of a message needed to decide how much of it to keep
const KRB_MAX: u32 = 1 << 20;

const PH_HDR: u8 = 0;
const PH_BODY: u8 = 1;
const PH_RESYNC: u8 = 2;

const KIND_SMB: u8 = 1;
const KIND_KRB: u8 = 2;

// One direction of a flow (a view of bytes inside its slot's record).
@unmanaged class Dir {
  nextSeq: u32;
  hdr: u32; // header bytes gathered, big-endian, in the low bytes
  msgLen: u32;
  msgGot: u32;
  keep: u32;
  kept: u32;
  buf: usize; // the borrowed message buffer, 0 = none
  bufId: i16; // its number in the pools, -1 = none
  ooo: i16; // the borrowed reorder buffer's number, -1 = none
  phase: u8;
  hdrGot: u8;
  msgType: u8;
  oooCount: u8; // segments in the reorder store
  seqSet: bool;
  decided: bool;
  emitted: bool; // handed on early because the capture cut the rest of it
  seenData: bool; // a payload byte of this direction has reached the framer or the store
  fin: bool;
}

@unmanaged class Slot {
  flow: u32;
  stream: i32;
  prev: i32; // LRU list, towards the most recently touched (-1: this is the head)
  next: i32; // towards the least recently touched (-1: the tail)
  reqTs: i64;
  kind: u8;
  flags: u8; // record flags for IPv6
  reqPending: bool;
  handshake: bool; // the flow's SYN was seen: the first payload of each direction starts its stream
  used: bool;
}

const SLOT_HDR: usize = (offsetof<Slot>() + 7) & ~7; // (Slot holds an i64: records stay 8-byte aligned)
const DIR_BYTES: usize = (offsetof<Dir>() + 3) & ~3;
const SLOT_BYTES: usize = (SLOT_HDR + 2 * DIR_BYTES + 7) & ~7;

let slotBase: usize = 0;
let slotHigh: i32 = 0; // slots [0, slotHigh) have been handed out at least once this file
let lruHead: i32 = -1;
let lruTail: i32 = -1;
let warnedFull = false;
let warnedBufs = false;

@inline function slotAt(i: i32): Slot { return changetype<Slot>(slotBase + <usize>i * SLOT_BYTES); }
@inline function dirOf(s: Slot, di: i32): Dir { return changetype<Dir>(changetype<usize>(s) + SLOT_HDR + <usize>di * DIR_BYTES); }
@inline function slotIndex(s: Slot): i32 { return <i32>((changetype<usize>(s) - slotBase) / SLOT_BYTES); }

// Free slots: bit set = free. free0: one bit per slot; free1: one bit per word of free0 that has
// a free slot; free2: one bit per word of free1 that does. The lowest free slot is three ctz away.
const W0: i32 = SLOTS >> 6;
const W1: i32 = (W0 + 63) >> 6;
const free0 = new StaticArray<u64>(W0);
const free1 = new StaticArray<u64>(W1);
let free2: u64 = 0;

function freeAll(): void {
  for (let i = 0; i < W0; i++) unchecked(free0[i] = ~<u64>0);
  for (let j = 0; j < W1; j++) unchecked(free1[j] = ~<u64>0);
  free2 = W1 == 64 ? ~<u64>0 : (<u64>1 << <u64>W1) - 1;
}

// The lowest free slot, taken out of the free set; -1 when none is free.
function freeTake(): i32 {
  if (free2 == 0) return -1;
  const j = <i32>ctz(free2);
  const w1 = unchecked(free1[j]);
  const k = (j << 6) + <i32>ctz(w1);
  const w0 = unchecked(free0[k]);
  const slot = (k << 6) + <i32>ctz(w0);
  const r0 = w0 & (w0 - 1);
  unchecked(free0[k] = r0);
  if (r0 == 0) {
    const r1 = w1 & (w1 - 1);
    unchecked(free1[j] = r1);
    if (r1 == 0) free2 &= free2 - 1;
  }
  return slot;
}

function freePut(slot: i32): void {
  const k = slot >> 6;
  const w0 = unchecked(free0[k]);
  unchecked(free0[k] = w0 | (<u64>1 << <u64>(slot & 63)));
  if (w0 != 0) return;
  const j = k >> 6;
  const w1 = unchecked(free1[j]);
  unchecked(free1[j] = w1 | (<u64>1 << <u64>(k & 63)));
  if (w1 == 0) free2 |= <u64>1 << <u64>j;
}

function lruUnlink(s: Slot): void {
  if (s.prev >= 0) slotAt(s.prev).next = s.next; else lruHead = s.next;
  if (s.next >= 0) slotAt(s.next).prev = s.prev; else lruTail = s.prev;
}

function lruPushHead(s: Slot, i: i32): void {
  s.prev = -1; s.next = lruHead;
  if (lruHead >= 0) slotAt(lruHead).prev = i; else lruTail = i;
  lruHead = i;
}

// Message buffers: NBUF of them in three tiers, numbered tier by tier. Each tier's free ones are a
// stack (the most recently returned is lent first: the pages in use stay few).
const bufAddr = new StaticArray<usize>(NBUF);
const bufOwner = new StaticArray<i32>(NBUF); // slot << 1 | direction, of a small buffer lent
const freeStack = new StaticArray<i16>(NBUF); // tier t's stack at [tierFirst(t), ...)
const freeTop = new StaticArray<i32>(3);
// The small buffers lent, in the order they were lent (doubly linked; -1 ends): the one lent
// longest ago goes first when none is left.
const lentPrev = new StaticArray<i16>(TIER0_N);
const lentNext = new StaticArray<i16>(TIER0_N);
let lentOldest: i32 = -1;
let lentNewest: i32 = -1;
let lentNow: i32 = 0; // small buffers lent now, and the most at once this file
let lentHigh: i32 = 0;

@inline function tierFirst(t: i32): i32 { return t == 0 ? 0 : t == 1 ? TIER0_N : TIER0_N + TIER1_N; }
@inline function tierCount(t: i32): i32 { return t == 0 ? TIER0_N : t == 1 ? TIER1_N : TIER2_N; }
@inline function tierCap(t: i32): u32 { return t == 0 ? TIER0_CAP : t == 1 ? TIER1_CAP : TIER2_CAP; }
@inline function tierOf(id: i32): i32 { return id < TIER0_N ? 0 : id < TIER0_N + TIER1_N ? 1 : 2; }

function bufsReset(): void {
  for (let t = 0; t < 3; t++) {
    const first = tierFirst(t), n = tierCount(t);
    // pushed in reverse: buffer `first` is lent first
    for (let k = 0; k < n; k++) unchecked(freeStack[first + k] = <i16>(first + n - 1 - k));
    unchecked(freeTop[t] = n);
  }
  lentOldest = -1; lentNewest = -1; lentNow = 0; lentHigh = 0;
}

function bufTake(t: i32): i32 {
  const top = unchecked(freeTop[t]);
  if (top == 0) return -1;
  unchecked(freeTop[t] = top - 1);
  return <i32>unchecked(freeStack[tierFirst(t) + top - 1]);
}

function bufGive(id: i32): void {
  const t = tierOf(id);
  if (t == 0) {
    const p = <i32>unchecked(lentPrev[id]), n = <i32>unchecked(lentNext[id]);
    if (p >= 0) unchecked(lentNext[p] = <i16>n); else lentOldest = n;
    if (n >= 0) unchecked(lentPrev[n] = <i16>p); else lentNewest = p;
    lentNow--;
  }
  const top = unchecked(freeTop[t]);
  unchecked(freeStack[tierFirst(t) + top] = <i16>id);
  unchecked(freeTop[t] = top + 1);
}

// Reorder buffers: OOO_CAP bytes each, with the table of the segments stored in it.
const OM_SEQ: usize = 0;
const OM_LEN: usize = OM_SEQ + 4 * OOO_SEGS; // 0 = free entry
const OM_OFF: usize = OM_LEN + 4 * OOO_SEGS;
// Frame and time of each stored segment: what it completes is handed on as that frame's, as
// Wireshark does, however much later the hole before it is filled or given up.
const OM_FRAME: usize = OM_OFF + 4 * OOO_SEGS;
const OM_TS: usize = OM_FRAME + 4 * OOO_SEGS;
const OM_USED: usize = OM_TS + 8 * OOO_SEGS; // bytes of the buffer in use (bump allocation, reset when empty)
const OM_BYTES: usize = OM_USED + 8;
let oooBase: usize = 0;
let oooMeta: usize = 0;
const oooStack = new StaticArray<i16>(OOO_POOL);
let oooTop: i32 = 0;

@inline function om(d: Dir): usize { return oooMeta + <usize>d.ooo * OM_BYTES; }
@inline function oSeq(m: usize, i: i32): u32 { return load<u32>(m + OM_SEQ + (<usize>i << 2)); }
@inline function oLen(m: usize, i: i32): u32 { return load<u32>(m + OM_LEN + (<usize>i << 2)); }
@inline function oOff(m: usize, i: i32): u32 { return load<u32>(m + OM_OFF + (<usize>i << 2)); }
@inline function oUsed(m: usize): u32 { return load<u32>(m + OM_USED); }

function oooReset(): void {
  for (let k = 0; k < OOO_POOL; k++) {
    unchecked(oooStack[k] = <i16>(OOO_POOL - 1 - k));
    memory.fill(oooMeta + <usize>k * OM_BYTES + OM_LEN, 0, 4 * OOO_SEGS);
  }
  oooTop = OOO_POOL;
}

export function reasmInit(): void {
  slotBase = heap.alloc(<usize>SLOTS * SLOT_BYTES);
  let a = heap.alloc(<usize>TIER0_N * TIER0_CAP + <usize>TIER1_N * TIER1_CAP + <usize>TIER2_N * TIER2_CAP);
  for (let id = 0; id < NBUF; id++) { unchecked(bufAddr[id] = a); a += tierCap(tierOf(id)); }
  oooBase = heap.alloc(<usize>OOO_POOL * OOO_CAP);
  oooMeta = heap.alloc(<usize>OOO_POOL * OM_BYTES);
  reasmReset();
}

export function reasmReset(): void {
  for (let i = 0; i < slotHigh; i++) slotAt(i).used = false;
  slotHigh = 0; lruHead = -1; lruTail = -1;
  freeAll(); bufsReset(); oooReset();
  warnedFull = false; warnedBufs = false;
}

// Bytes the message buffer in use can hold.
@inline function bufCap(d: Dir): u32 { return d.bufId >= 0 ? tierCap(tierOf(d.bufId)) : 0; }

function releaseBuf(d: Dir): void {
  if (d.bufId >= 0) { bufGive(d.bufId); d.bufId = -1; }
  d.buf = 0;
}

function releaseOoo(d: Dir): void {
  if (d.ooo >= 0) {
    const m = om(d);
    memory.fill(m + OM_LEN, 0, 4 * OOO_SEGS);
    unchecked(oooStack[oooTop++] = d.ooo);
    d.ooo = -1;
  }
  d.oooCount = 0;
}

function warnFull(value: u32, bufs: bool): void {
  begin(EV_WARNING); fU32(F_CODE, W_REASM_SLOTS_FULL); fU64(F_OFFSET, 0); fU64(F_VALUE, value); fU64(F_VALUE2, bufs ? 1 : 0); end();
}

// Lends direction `d` (di) of slot `slot` a small message buffer, for a message that spans
// segments. With none left, the flow that borrowed one longest ago (not this one) is dropped.
function borrowBuf(slot: i32, d: Dir, di: i32): void {
  let id = bufTake(0);
  if (id < 0) {
    let victim = lentOldest;
    if (victim >= 0 && (unchecked(bufOwner[victim]) >> 1) == slot) victim = <i32>unchecked(lentNext[victim]);
    if (victim < 0) return; // (cannot happen: more small buffers than directions of one flow)
    if (!warnedBufs) { warnedBufs = true; warnFull(<u32>TIER0_N, true); }
    slotRelease(unchecked(bufOwner[victim]) >> 1);
    id = bufTake(0);
    if (id < 0) return;
  }
  unchecked(bufOwner[id] = (slot << 1) | di);
  unchecked(lentPrev[id] = <i16>lentNewest); unchecked(lentNext[id] = -1);
  if (lentNewest >= 0) unchecked(lentNext[lentNewest] = <i16>id); else lentOldest = id;
  lentNewest = id;
  if (++lentNow > lentHigh) lentHigh = lentNow;
  d.bufId = <i16>id; d.buf = unchecked(bufAddr[id]);
}

// Makes room for `keep` bytes of the current message (kept so far in a small buffer); returns the
// bytes that fit: all of them in the smallest larger buffer free, else as many as the largest free holds.
function ensureKeep(d: Dir, keep: u32): u32 {
  const cap = bufCap(d);
  if (keep <= cap) return keep;
  let id = -1;
  for (let t = tierOf(d.bufId) + 1; t < 3 && id < 0; t++) if (tierCap(t) >= keep) id = bufTake(t);
  for (let t = 2; t > tierOf(d.bufId) && id < 0; t--) id = bufTake(t);
  if (id < 0) return cap; // none free: the message is cut
  const big = unchecked(bufAddr[id]);
  memory.copy(big, d.buf, d.kept);
  releaseBuf(d);
  d.bufId = <i16>id; d.buf = big;
  const c = tierCap(tierOf(id));
  return keep < c ? keep : c;
}

// Every field of a direction, for a slot (re)acquired: holds no buffer.
function initDir(d: Dir): void {
  d.nextSeq = 0; d.hdr = 0; d.msgLen = 0; d.msgGot = 0; d.keep = 0; d.kept = 0;
  d.buf = 0; d.bufId = -1; d.ooo = -1; d.phase = PH_HDR; d.hdrGot = 0; d.msgType = 0; d.oooCount = 0;
  d.seqSet = false; d.decided = false; d.emitted = false; d.seenData = false; d.fin = false;
}

export function slotSetFlowIndex(slot: i32, index: u32): void { slotAt(slot).flow = index; }

export function slotRelease(slot: i32): void {
  const s = slotAt(slot);
  if (!s.used) return;
  s.used = false;
  for (let k = 0; k < 2; k++) { const d = dirOf(s, k); releaseBuf(d); releaseOoo(d); }
  lruUnlink(s);
  freePut(slot);
  flowSlotReleased(s.flow);
}

// The first bytes a side sends on an SMB connection: an NBSS packet (a session message carrying
// an SMB header, or a session request/response/keepalive, RFC 1002 4.3). Anything else (an HTML
// page, a DCE/RPC PDU, a TLS record) is another protocol on that port. Too short to tell: yes.
function looksLikeNbssStart(p: usize, len: u32): bool {
  const t = u8at(p);
  if (t == NBSS_MESSAGE) return len < 8 || isSmbId(p + 4);
  if (t == NBSS_REQUEST || t == NBSS_POSITIVE || t == NBSS_NEGATIVE || t == NBSS_RETARGET || t == NBSS_KEEPALIVE) {
    return len < 2 || (u8at(p + 1) & 0xfe) == 0;
  }
  return false;
}

// Plausible start of an SMB message: NBSS session message + 0xFF/0xFE/0xFD/0xFC "SMB".
export function looksLikeSmbStart(p: usize, len: u32): bool {
  if (len < 8) return false;
  if (u8at(p) != NBSS_MESSAGE) return false;
  const id = u8at(p + 4);
  if (id != SMB1_ID && id != SMB2_ID && id != SMB2_TRANSFORM_ID && id != SMB2_COMPRESSED_ID) return false;
  if (u8at(p + 5) != 0x53 || u8at(p + 6) != 0x4d || u8at(p + 7) != 0x42) return false;
  const l = u32be(p) & 0xffffff;
  return l >= 8;
}

function isSmbId(p: usize): bool {
  const id = u8at(p);
  return (id == SMB1_ID || id == SMB2_ID || id == SMB2_TRANSFORM_ID || id == SMB2_COMPRESSED_ID) &&
    u8at(p + 1) == 0x53 && u8at(p + 2) == 0x4d && u8at(p + 3) == 0x42;
}

// Plausible start of a Kerberos record: length, then an APPLICATION tag of a KDC message.
function looksLikeKrbStart(p: usize, len: u32): bool {
  if (len < 6) return false;
  const l = u32be(p);
  if (l < 2 || l > KRB_MAX) return false;
  const t = u8at(p + 4);
  return t == 0x6a || t == 0x6b || t == 0x6c || t == 0x6d || t == 0x7e;
}

// `handshake`: the flow's SYN was seen (by the flow table, which may hand a flow on only at its
// first payload, when SMB is recognised on a port that is not SMB's).
export function slotAcquire(flow: u32, kind: u32, clientIsSrc: bool, sport: u32, dport: u32, handshake: bool): i32 {
  let pick = freeTake();
  if (pick < 0) {
    if (!warnedFull) { warnedFull = true; warnFull(<u32>SLOTS, false); }
    slotRelease(lruTail);
    pick = freeTake();
  }
  if (pick >= slotHigh) slotHigh = pick + 1;
  const s = slotAt(pick);
  s.used = true; s.flow = flow; s.kind = <u8>kind; s.reqPending = false; s.handshake = handshake; s.reqTs = 0;
  s.stream = curStream; s.flags = <u8>(curFlags & ~REC_FLAG_FROM_CLIENT);
  initDir(dirOf(s, 0)); initDir(dirOf(s, 1));
  lruPushHead(s, pick);
  begin(EV_FLOW);
  fBytes(F_SRC_IP, T_BYTES, clientIsSrc ? srcAddr : dstAddr, 16);
  fU32(F_SRC_PORT, clientIsSrc ? sport : dport);
  fBytes(F_DST_IP, T_BYTES, clientIsSrc ? dstAddr : srcAddr, 16);
  fU32(F_DST_PORT, clientIsSrc ? dport : sport);
  fU32(F_FLOW_PROTO, kind == KIND_KRB ? FLOWP_KRB : FLOWP_SMB);
  fU32(F_VALUE, handshake ? 0 : 1);
  end();
  return pick;
}

@inline function seqDiff(a: u32, b: u32): i32 { return <i32>(a - b); }

export function slotSegment(slot: i32, fromClient: bool, flags: u32, seq: u32, ack: u32, p: usize, len: u32, cut: u32): void {
  const s = slotAt(slot); // slot: a number this module handed out, < SLOTS
  if (lruHead != slot) { lruUnlink(s); lruPushHead(s, slot); }
  const di = fromClient ? 0 : 1;
  const d = dirOf(s, di);
  const other = dirOf(s, 1 - di);
  const syn = (flags & 2) != 0, fin = (flags & 1) != 0, rst = (flags & 4) != 0, ackf = (flags & 16) != 0;

  if (syn || fin || rst) {
    begin(EV_TCP); fU32(F_TCP_FLAGS, flags); fU32(F_SEQ, seq); fU32(F_ACK, ack); fU32(F_LEN, len); end();
  } else if (!fromClient && len == 0 && ackf && s.reqPending) {
    // A bare ACK from the server after a setup request: its TCP stack got the request.
    begin(EV_TCP); fU32(F_TCP_FLAGS, flags); fU32(F_SEQ, seq); fU32(F_ACK, ack); fU32(F_LEN, 0);
    fU64(F_DELAY_NS, <u64>(curTs - s.reqTs)); end();
    s.reqPending = false;
  }
  if (!fromClient && len > 0) s.reqPending = false;

  if (syn) { d.nextSeq = seq + 1; d.seqSet = true; d.phase = PH_HDR; }
  if (len > 0 && !d.seenData) {
    d.seenData = true;
    // The first bytes of a side, at the start of its stream, must be NBSS/SMB: otherwise the
    // port carries another protocol (an SMB client answered by an HTTP server, an nmap SMB probe
    // to an RPC port) and the flow is not an SMB connection. Say so once and let it go.
    const atStart = d.seqSet ? seq == d.nextSeq : s.handshake;
    if (s.kind == KIND_SMB && atStart && !looksLikeNbssStart(p, len)) {
      begin(EV_NOT_SMB); fU32(F_LEN, len); fU64(F_VALUE, len >= 4 ? <u64>u32be(p) : 0); end();
      slotRelease(slot);
      return;
    }
  }
  if (!d.seqSet && len > 0) {
    // First data seen in this direction without its SYN: the capture started mid-connection.
    d.nextSeq = seq; d.seqSet = true;
    d.phase = (s.kind == KIND_SMB ? looksLikeSmbStart(p, len) : looksLikeKrbStart(p, len)) ? PH_HDR : PH_RESYNC;
  }
  // The peer acknowledged data we never saw while we hold later data: the capture lost it.
  if (ackf && other.seqSet && other.oooCount > 0 && seqDiff(ack, other.nextSeq) > 0) {
    declareGap(s, other, 1 - di);
  }
  if (len > 0 && d.seqSet) {
    if (cut > 0 && seqDiff(seq, d.nextSeq) == 0) {
      consume(s, d, di, p, len);
      d.nextSeq += len;
      snapCut(s, d, di, cut);
      drainOoo(s, d, di);
    } else segment(s, d, di, seq, p, len);
  }
  if (fin) d.fin = true;
  if (rst || (d.fin && other.fin)) {
    const d0 = dirOf(s, 0), d1 = dirOf(s, 1);
    if (d0.oooCount > 0) declareGap(s, d0, 0);
    if (d1.oooCount > 0) declareGap(s, d1, 1);
    slotRelease(slot);
  }
}

function segment(s: Slot, d: Dir, di: i32, seq: u32, p: usize, len: u32): void {
  let rel = seqDiff(seq, d.nextSeq);
  if (rel < 0) {
    if (<i64>rel + <i64>len <= 0) return; // retransmission of bytes already consumed
    p += <usize>(-rel); len -= <u32>(-rel); rel = 0;
  }
  if (rel > 0) {
    if (rel > 0x4000000) { // too far ahead to be a reordering: treat as loss now
      storeOoo(s, d, di, seq, p, len);
      declareGap(s, d, di);
      return;
    }
    storeOoo(s, d, di, seq, p, len);
    return;
  }
  consume(s, d, di, p, len);
  d.nextSeq += len;
  drainOoo(s, d, di);
}

// Keeps a segment that is ahead of nextSeq. Invariant: d.ooo is a buffer this direction holds
// whenever d.oooCount > 0, and every stored segment lies inside it ([off, off + len) within
// OOO_CAP). Declaring a gap drains the store and, once it is empty, releases the buffer: so the
// buffer is (re)acquired only after the store has room, never before.
function storeOoo(s: Slot, d: Dir, di: i32, seq: u32, p: usize, len: u32): void {
  if (len == 0) return;
  if (len > OOO_CAP) len = OOO_CAP;
  // No room (bytes or entries): give up on the earliest hole, until the segment fits or is no
  // longer ahead. Each round consumes at least the earliest stored segment.
  while (d.oooCount > 0 && (oUsed(om(d)) + len > OOO_CAP || <i32>d.oooCount >= OOO_SEGS)) {
    const before = d.oooCount;
    declareGap(s, d, di);
    if (seqDiff(seq, d.nextSeq) <= 0) { segment(s, d, di, seq, p, len); return; }
    if (d.oooCount >= before) return; // no progress (cannot happen): drop the segment rather than loop
  }
  if (d.ooo < 0) {
    if (oooTop == 0) { // no reorder buffer free: treat the hole before this segment as lost
      gapTo(s, d, di, seq);
      segment(s, d, di, seq, p, len);
      return;
    }
    d.ooo = unchecked(oooStack[--oooTop]);
    store<u32>(om(d) + OM_USED, 0);
  }
  const m = om(d);
  if (d.oooCount == 0) store<u32>(m + OM_USED, 0);
  const used = oUsed(m);
  let i = 0;
  while (i < OOO_SEGS && oLen(m, i) != 0) i++;
  // Guard: only ever write inside the buffer this direction holds.
  if (i >= OOO_SEGS || used + len > OOO_CAP) return;
  memory.copy(oooBase + <usize>d.ooo * OOO_CAP + used, p, len);
  const e = <usize>i << 2;
  store<u32>(m + OM_SEQ + e, seq); store<u32>(m + OM_LEN + e, len); store<u32>(m + OM_OFF + e, used);
  store<u32>(m + OM_FRAME + e, curFrame); store<i64>(m + OM_TS + (<usize>i << 3), curTs);
  store<u32>(m + OM_USED, used + len); d.oooCount++;
}

function drainOoo(s: Slot, d: Dir, di: i32): void {
  let progress = true;
  while (progress && d.oooCount > 0) {
    progress = false;
    const m = om(d);
    for (let i = 0; i < OOO_SEGS; i++) {
      const l = oLen(m, i);
      if (l == 0) continue;
      const rel = seqDiff(oSeq(m, i), d.nextSeq);
      if (rel > 0) continue;
      store<u32>(m + OM_LEN + (<usize>i << 2), 0); d.oooCount--;
      if (<i64>rel + <i64>l > 0) {
        const skip = <u32>(-rel);
        const frame = curFrame, ts = curTs;
        setFrame(load<u32>(m + OM_FRAME + (<usize>i << 2)), load<i64>(m + OM_TS + (<usize>i << 3)));
        consume(s, d, di, oooBase + <usize>d.ooo * OOO_CAP + oOff(m, i) + skip, l - skip);
        setFrame(frame, ts);
        d.nextSeq += l - skip;
      }
      progress = true;
      if (!s.used) return; // (consuming dropped this flow: see borrowBuf)
    }
  }
  if (d.oooCount == 0) releaseOoo(d);
}

// The capture kept only the first part of an in-order segment (snapshot length): hand on the
// message it started with what is there, as Wireshark does, and skip the missing bytes.
function snapCut(s: Slot, d: Dir, di: i32, cut: u32): void {
  if (d.phase == PH_BODY) {
    if (!d.emitted && d.kept >= 8) { complete(s, d, di, d.buf, d.kept); d.emitted = true; }
    const rest = d.msgLen - d.msgGot;
    if (cut < rest) { d.msgGot += cut; d.decided = true; d.keep = d.kept; }
    else d.phase = PH_RESYNC;
  } else d.phase = PH_RESYNC;
  d.nextSeq += cut;
}

// Gives up waiting for the bytes between nextSeq and the earliest stored segment.
function declareGap(s: Slot, d: Dir, di: i32): void {
  if (d.oooCount == 0) return;
  const m = om(d);
  let first: u32 = 0;
  let found = -1;
  for (let i = 0; i < OOO_SEGS; i++) {
    if (oLen(m, i) == 0) continue;
    if (found < 0 || seqDiff(oSeq(m, i), first) < 0) { first = oSeq(m, i); found = i; }
  }
  if (found < 0) return;
  // The gap belongs to the segment right after the hole (Wireshark's "previous segment not captured").
  const frame = curFrame, ts = curTs;
  setFrame(load<u32>(m + OM_FRAME + (<usize>found << 2)), load<i64>(m + OM_TS + (<usize>found << 3)));
  gapTo(s, d, di, first);
  setFrame(frame, ts);
  drainOoo(s, d, di);
}

// Skips the bytes between nextSeq and `first` (lost from the capture), with an EV_GAP.
function gapTo(s: Slot, d: Dir, di: i32, first: u32): void {
  const missing = <u32>seqDiff(first, d.nextSeq);
  // Inside the skipped part of a large message whose kept bytes we already have: just skip.
  let resync = true;
  if (d.phase == PH_BODY && d.decided && d.kept >= d.keep && d.msgGot + missing < d.msgLen) {
    d.msgGot += missing; resync = false;
  } else d.phase = PH_RESYNC;
  const saveFlags = curFlags;
  setFlow(s.stream, <u32>s.flags | (di == 0 ? REC_FLAG_FROM_CLIENT : 0));
  begin(EV_GAP); fU32(F_LEN, missing); fU32(F_SEQ, d.nextSeq); fU32(F_GAP_RESYNC, resync ? 1 : 0); end();
  setFlow(s.stream, saveFlags);
  d.nextSeq = first;
}

// Feeds in-order bytes to the framer.
function consume(s: Slot, d: Dir, di: i32, p: usize, n: u32): void {
  while (n > 0) {
    if (d.phase == PH_RESYNC) {
      let k: u32 = 0;
      let found = false;
      while (k + 8 <= n) {
        if (s.kind == KIND_SMB ? looksLikeSmbStart(p + k, n - k) : looksLikeKrbStart(p + k, n - k)) { found = true; break; }
        k++;
      }
      if (!found) return;
      p += k; n -= k; d.phase = PH_HDR; d.hdrGot = 0;
    }
    if (d.phase == PH_HDR) {
      let h: u32;
      if (d.hdrGot == 0 && n >= 4) { h = u32be(p); p += 4; n -= 4; } // (most headers: whole in one segment)
      else {
        while (d.hdrGot < 4 && n > 0) { d.hdr = (d.hdr << 8) | u8at(p); d.hdrGot++; p++; n--; }
        if (d.hdrGot < 4) return;
        h = d.hdr;
      }
      d.hdrGot = 0; d.hdr = 0;
      if (s.kind == KIND_SMB) {
        const t = h >>> 24;
        if (t != NBSS_MESSAGE && t != NBSS_REQUEST && t != NBSS_POSITIVE && t != NBSS_NEGATIVE && t != NBSS_RETARGET && t != NBSS_KEEPALIVE) {
          d.phase = PH_RESYNC; continue;
        }
        d.msgType = <u8>t;
        d.msgLen = t == NBSS_MESSAGE ? h & 0xffffff : h & 0x1ffff;
        // A session message must carry SMB; anything else here is not a message start (e.g.
        // the middle of a message after loss): look for the next real header instead.
        if (t == NBSS_MESSAGE && d.msgLen > 0 && n >= 4 && !isSmbId(p)) { d.phase = PH_RESYNC; continue; }
        if (t != NBSS_MESSAGE && d.msgLen > 1024) { d.phase = PH_RESYNC; continue; }
      } else {
        d.msgType = 0;
        d.msgLen = h & 0x7fffffff;
        if (d.msgLen > KRB_MAX) { d.phase = PH_RESYNC; continue; }
      }
      releaseBuf(d);
      d.msgGot = 0; d.kept = 0; d.decided = false; d.keep = 0; d.emitted = false;
      d.phase = PH_BODY;
      if (d.msgLen == 0) { complete(s, d, di, p, 0); d.phase = PH_HDR; continue; }
    }
    // PH_BODY
    if (d.msgGot == 0 && n >= d.msgLen) {
      // Whole message in this segment: parse it where it is, no copy.
      complete(s, d, di, p, d.msgLen);
      p += d.msgLen; n -= d.msgLen; d.phase = PH_HDR;
      continue;
    }
    if (!d.decided) {
      if (d.bufId < 0) {
        borrowBuf(slotIndex(s), d, di);
        if (!s.used || d.bufId < 0) return; // (cannot happen: see borrowBuf)
      }
      const want = d.msgLen < DECIDE ? d.msgLen : DECIDE;
      let take = want - d.kept;
      if (take > n) take = n;
      memory.copy(d.buf + d.kept, p, take);
      d.kept += take; d.msgGot += take; p += take; n -= take;
      if (d.kept < want) return;
      d.decided = true;
      d.keep = s.kind == KIND_KRB || d.msgType != NBSS_MESSAGE ? d.msgLen : smbKeep(d.buf, d.kept, d.msgLen);
      if (d.keep > MSG_CAP) d.keep = MSG_CAP;
      d.keep = ensureKeep(d, d.keep);
      if (d.keep < d.kept) d.keep = d.kept;
      if (d.keep > bufCap(d)) d.keep = bufCap(d); // guard: never past the buffer in use
    }
    let take = d.msgLen - d.msgGot;
    if (take > n) take = n;
    if (d.kept < d.keep) {
      let c = d.keep - d.kept;
      if (c > take) c = take;
      memory.copy(d.buf + d.kept, p, c);
      d.kept += c;
    }
    d.msgGot += take; p += take; n -= take;
    if (d.msgGot == d.msgLen) {
      if (!d.emitted) complete(s, d, di, d.buf, d.kept);
      d.phase = PH_HDR;
      releaseBuf(d);
    }
  }
}

function complete(s: Slot, d: Dir, di: i32, p: usize, have: u32): void {
  const fromClient = di == 0;
  if (s.kind == KIND_KRB) { krbTcpMessage(p, have, d.msgLen, fromClient); return; }
  if (d.msgType != NBSS_MESSAGE) { nbssControl(d.msgType, p, have); return; }
  if (smbMessage(p, have, d.msgLen, fromClient) && fromClient) {
    s.reqTs = curTs; s.reqPending = true;
  }
}

// End of input: hand on whatever is stored behind a gap.
export function reasmFinish(): void {
  for (let i = 0; i < slotHigh; i++) {
    const s = slotAt(i);
    if (!s.used) continue;
    for (let k = 0; k < 2; k++) { const d = dirOf(s, k); if (d.oooCount > 0) declareGap(s, d, k); }
  }
}

/** Slots in use now, and the most ever in use at once this file (tests, bench). */
export function reasmSlotsUsed(): i32 {
  let n = 0;
  for (let k = 0; k < W0; k++) n += 64 - <i32>popcnt(unchecked(free0[k]));
  return n;
}
export function reasmSlotsHigh(): i32 { return slotHigh; }
/** The most small message buffers lent at once this file (tests, bench). */
export function reasmBufsHigh(): i32 { return lentHigh; }
