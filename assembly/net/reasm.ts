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

export const SLOTS: i32 = 256;
export const MSG_CAP: u32 = 64 << 10; // a setup message kept whole up to this size
// Memory: every direction owns a small message buffer; the few messages that need more (large
// Kerberos tickets in SESSION_SETUP) borrow one of BIG_POOL large buffers, and a direction that
// sees out-of-order segments borrows one of OOO_POOL reorder buffers. Resident memory stays a few
// MiB however many connections come and go. With a pool empty, a message is cut (F_TRUNCATED)
// or a reordering is treated as loss (EV_GAP): never unbounded growth.
const SMALL_CAP: u32 = 8 << 10;
const BIG_POOL: i32 = 32;
const OOO_POOL: i32 = 64;
const OOO_CAP: u32 = 32 << 10;
const OOO_SEGS: i32 = 16;
const DECIDE: u32 = 68; // bytes of a message needed to decide how much of it to keep
const KRB_MAX: u32 = 1 << 20;

const PH_HDR: u32 = 0;
const PH_BODY: u32 = 1;
const PH_RESYNC: u32 = 2;

const KIND_SMB: u32 = 1;
const KIND_KRB: u32 = 2;

class Dir {
  nextSeq: u32 = 0;
  seqSet: bool = false;
  phase: u32 = PH_HDR;
  hdr: u32 = 0; // header bytes gathered, big-endian, in the low bytes
  hdrGot: u32 = 0;
  msgType: u32 = 0;
  msgLen: u32 = 0;
  msgGot: u32 = 0;
  keep: u32 = 0;
  kept: u32 = 0;
  decided: bool = false;
  emitted: bool = false; // handed on early because the capture cut the rest of it
  small: usize = 0; // SMALL_CAP bytes, owned
  buf: usize = 0; // the message buffer in use: small, or a borrowed big one (MSG_CAP bytes)
  big: i32 = -1; // index of the borrowed big buffer
  ooo: usize = 0; // borrowed reorder buffer (OOO_CAP bytes), 0 = none
  oooIdx: i32 = -1;
  oooUsed: u32 = 0; // bytes of ooo in use (bump allocation, reset when empty)
  oooSeq: StaticArray<u32> = new StaticArray<u32>(OOO_SEGS);
  oooLen: StaticArray<u32> = new StaticArray<u32>(OOO_SEGS); // 0 = free
  oooOff: StaticArray<u32> = new StaticArray<u32>(OOO_SEGS);
  // Frame and time of each stored segment: what it completes is handed on as that frame's, as
  // Wireshark does, however much later the hole before it is filled or given up.
  oooFrame: StaticArray<u32> = new StaticArray<u32>(OOO_SEGS);
  oooTs: StaticArray<i64> = new StaticArray<i64>(OOO_SEGS);
  oooCount: i32 = 0;
  seenData: bool = false; // a payload byte of this direction has reached the framer or the store
  fin: bool = false;
}

class Slot {
  used: bool = false;
  flow: u32 = 0;
  kind: u32 = 0;
  last: i64 = 0;
  reqTs: i64 = 0;
  reqPending: bool = false;
  stream: i32 = -1;
  flags: u32 = 0; // record flags for IPv6
  handshake: bool = false; // the flow's SYN was seen: the first payload of each direction starts its stream
  d: StaticArray<Dir> = [new Dir(), new Dir()];
}

let slots: StaticArray<Slot> = new StaticArray<Slot>(0);
let warnedFull = false;

let bigBase: usize = 0;
let oooBase: usize = 0;
const bigFree = new StaticArray<bool>(BIG_POOL);
const oooFree = new StaticArray<bool>(OOO_POOL);

export function reasmInit(): void {
  slots = new StaticArray<Slot>(SLOTS);
  for (let i = 0; i < SLOTS; i++) {
    const s = new Slot();
    for (let k = 0; k < 2; k++) { s.d[k].small = heap.alloc(SMALL_CAP); s.d[k].buf = s.d[k].small; }
    slots[i] = s;
  }
  bigBase = heap.alloc(<usize>BIG_POOL * MSG_CAP);
  oooBase = heap.alloc(<usize>OOO_POOL * OOO_CAP);
  for (let i = 0; i < BIG_POOL; i++) bigFree[i] = true;
  for (let i = 0; i < OOO_POOL; i++) oooFree[i] = true;
}

export function reasmReset(): void {
  for (let i = 0; i < SLOTS; i++) { slots[i].used = false; resetDir(slots[i].d[0]); resetDir(slots[i].d[1]); }
  warnedFull = false;
}

// Bytes the message buffer in use can hold.
@inline function bufCap(d: Dir): u32 { return d.big >= 0 ? MSG_CAP : SMALL_CAP; }

function releaseBig(d: Dir): void {
  if (d.big >= 0) { bigFree[d.big] = true; d.big = -1; }
  d.buf = d.small;
}

function releaseOoo(d: Dir): void {
  if (d.oooIdx >= 0) { oooFree[d.oooIdx] = true; d.oooIdx = -1; }
  d.ooo = 0;
}

// Makes room for `keep` bytes of the current message; returns the bytes that fit.
function ensureKeep(d: Dir, keep: u32): u32 {
  if (keep <= SMALL_CAP || d.big >= 0) return keep;
  for (let i = 0; i < BIG_POOL; i++) {
    if (!bigFree[i]) continue;
    bigFree[i] = false; d.big = i;
    const big = bigBase + <usize>i * MSG_CAP;
    memory.copy(big, d.small, d.kept);
    d.buf = big;
    return keep;
  }
  return SMALL_CAP; // pool empty: the message is cut
}

function resetDir(d: Dir): void {
  d.seqSet = false; d.seenData = false; d.phase = PH_HDR; d.hdr = 0; d.hdrGot = 0; d.msgLen = 0; d.msgGot = 0;
  d.keep = 0; d.kept = 0; d.decided = false; d.oooUsed = 0; d.oooCount = 0; d.fin = false;
  for (let i = 0; i < OOO_SEGS; i++) d.oooLen[i] = 0;
  releaseBig(d); releaseOoo(d);
}

export function slotSetFlowIndex(slot: i32, index: u32): void { slots[slot].flow = index; }

export function slotRelease(slot: i32): void {
  const s = slots[slot];
  if (!s.used) return;
  s.used = false;
  resetDir(s.d[0]); resetDir(s.d[1]);
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
  let pick: i32 = -1;
  let oldest: i64 = 0x7fffffffffffffff;
  for (let i = 0; i < SLOTS; i++) {
    const s = slots[i];
    if (!s.used) { pick = i; break; }
    if (s.last < oldest) { oldest = s.last; pick = i; }
  }
  const s = slots[pick];
  if (s.used) {
    if (!warnedFull) {
      warnedFull = true;
      begin(EV_WARNING); fU32(F_CODE, W_REASM_SLOTS_FULL); fU64(F_OFFSET, 0); fU64(F_VALUE, SLOTS); fU64(F_VALUE2, 0); end();
    }
    slotRelease(pick);
  }
  s.used = true; s.flow = flow; s.kind = kind; s.last = curTs; s.reqPending = false; s.handshake = handshake;
  s.stream = curStream; s.flags = curFlags & ~REC_FLAG_FROM_CLIENT;
  resetDir(s.d[0]); resetDir(s.d[1]);
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
  const s = unchecked(slots[slot]); // slot: a number this module handed out, < SLOTS
  s.last = curTs;
  const di = fromClient ? 0 : 1;
  const d = unchecked(s.d[di]); // di is 0 or 1
  const other = unchecked(s.d[1 - di]);
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
    if (s.d[0].oooCount > 0) declareGap(s, s.d[0], 0);
    if (s.d[1].oooCount > 0) declareGap(s, s.d[1], 1);
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
// whenever d.oooCount > 0, and every stored segment lies inside it ([oooOff, oooOff + oooLen) within
// OOO_CAP). Declaring a gap drains the store and, once it is empty, releases the buffer: so the
// buffer is (re)acquired only after the store has room, never before.
function storeOoo(s: Slot, d: Dir, di: i32, seq: u32, p: usize, len: u32): void {
  if (len == 0) return;
  if (len > OOO_CAP) len = OOO_CAP;
  // No room (bytes or entries): give up on the earliest hole, until the segment fits or is no
  // longer ahead. Each round consumes at least the earliest stored segment.
  while (d.oooCount > 0 && (d.oooUsed + len > OOO_CAP || d.oooCount >= OOO_SEGS)) {
    const before = d.oooCount;
    declareGap(s, d, di);
    if (seqDiff(seq, d.nextSeq) <= 0) { segment(s, d, di, seq, p, len); return; }
    if (d.oooCount >= before) return; // no progress (cannot happen): drop the segment rather than loop
  }
  if (d.oooCount == 0) d.oooUsed = 0;
  if (d.ooo == 0) {
    for (let i = 0; i < OOO_POOL; i++) {
      if (!oooFree[i]) continue;
      oooFree[i] = false; d.oooIdx = i; d.ooo = oooBase + <usize>i * OOO_CAP;
      break;
    }
    if (d.ooo == 0) { // no reorder buffer free: treat the hole before this segment as lost
      gapTo(s, d, di, seq);
      segment(s, d, di, seq, p, len);
      return;
    }
  }
  let i = 0;
  while (i < OOO_SEGS && d.oooLen[i] != 0) i++;
  // Guard: only ever write inside the buffer this direction holds.
  if (i >= OOO_SEGS || d.ooo == 0 || d.oooUsed + len > OOO_CAP) return;
  memory.copy(d.ooo + d.oooUsed, p, len);
  d.oooSeq[i] = seq; d.oooLen[i] = len; d.oooOff[i] = d.oooUsed;
  d.oooFrame[i] = curFrame; d.oooTs[i] = curTs;
  d.oooUsed += len; d.oooCount++;
}

function drainOoo(s: Slot, d: Dir, di: i32): void {
  let progress = true;
  while (progress && d.oooCount > 0) {
    progress = false;
    for (let i = 0; i < OOO_SEGS; i++) {
      const l = d.oooLen[i];
      if (l == 0) continue;
      const rel = seqDiff(d.oooSeq[i], d.nextSeq);
      if (rel > 0) continue;
      d.oooLen[i] = 0; d.oooCount--;
      if (<i64>rel + <i64>l > 0) {
        const skip = <u32>(-rel);
        const frame = curFrame, ts = curTs;
        setFrame(d.oooFrame[i], d.oooTs[i]);
        consume(s, d, di, d.ooo + d.oooOff[i] + skip, l - skip);
        setFrame(frame, ts);
        d.nextSeq += l - skip;
      }
      progress = true;
    }
  }
  if (d.oooCount == 0) { d.oooUsed = 0; releaseOoo(d); }
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
  let first: u32 = 0;
  let found = -1;
  for (let i = 0; i < OOO_SEGS; i++) {
    if (d.oooLen[i] == 0) continue;
    if (found < 0 || seqDiff(d.oooSeq[i], first) < 0) { first = d.oooSeq[i]; found = i; }
  }
  if (found < 0) return;
  // The gap belongs to the segment right after the hole (Wireshark's "previous segment not captured").
  const frame = curFrame, ts = curTs;
  setFrame(d.oooFrame[found], d.oooTs[found]);
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
  setFlow(s.stream, s.flags | (di == 0 ? REC_FLAG_FROM_CLIENT : 0));
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
      while (d.hdrGot < 4 && n > 0) { d.hdr = (d.hdr << 8) | u8at(p); d.hdrGot++; p++; n--; }
      if (d.hdrGot < 4) return;
      const h = d.hdr;
      d.hdrGot = 0; d.hdr = 0;
      if (s.kind == KIND_SMB) {
        const t = h >>> 24;
        if (t != NBSS_MESSAGE && t != NBSS_REQUEST && t != NBSS_POSITIVE && t != NBSS_NEGATIVE && t != NBSS_RETARGET && t != NBSS_KEEPALIVE) {
          d.phase = PH_RESYNC; continue;
        }
        d.msgType = t;
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
      releaseBig(d);
      d.msgGot = 0; d.kept = 0; d.decided = false; d.keep = 0; d.emitted = false;
      d.phase = PH_BODY;
      if (d.msgLen == 0) { complete(s, d, di, d.buf, 0); d.phase = PH_HDR; continue; }
    }
    // PH_BODY
    if (d.msgGot == 0 && n >= d.msgLen) {
      // Whole message in this segment: parse it where it is, no copy.
      complete(s, d, di, p, d.msgLen);
      p += d.msgLen; n -= d.msgLen; d.phase = PH_HDR;
      continue;
    }
    if (!d.decided) {
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
    if (d.msgGot == d.msgLen) { if (!d.emitted) complete(s, d, di, d.buf, d.kept); d.phase = PH_HDR; }
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
  for (let i = 0; i < SLOTS; i++) {
    const s = slots[i];
    if (!s.used) continue;
    for (let k = 0; k < 2; k++) if (s.d[k].oooCount > 0) declareGap(s, s.d[k], k);
  }
}
