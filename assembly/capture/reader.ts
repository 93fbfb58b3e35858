// Capture container reader: classic pcap (µs and ns, both byte orders) and pcapng (every block
// type, several sections, per-interface link type / if_tsresol / if_tsoffset).
//
// Streaming: the caller writes each slice of the file at INPUT and calls feed(len). A record
// cut by the end of a slice is moved into the CARRY area, which sits directly in front of INPUT,
// so that the next slice completes it in place: one small copy per slice, none per packet.
import {
  EV_CAPTURE, EV_ERROR, EV_WARNING, F_CODE, F_OFFSET, F_VALUE, F_VALUE2, F_FORMAT, F_LINKTYPE,
  F_IFACE, F_TSRESOL, FMT_PCAP, FMT_PCAP_NS, FMT_PCAPNG,
  W_TRUNCATED_RECORD, W_SNAPLEN_CUT, W_UNKNOWN_BLOCK, W_BAD_INTERFACE, W_HUGE_SNAPLEN,
  W_BAD_TSRESOL, W_PB_OBSOLETE, W_SHB_VERSION, W_TS_OVERFLOW,
  E_NOT_A_CAPTURE, E_EMPTY, E_BAD_BLOCK_LENGTH, E_RECORD_TOO_LARGE, E_TRUNCATED_HEADER, E_BAD_SHB,
} from "../events";
import {
  PCAP_MAGIC_US, PCAP_MAGIC_US_SWAPPED, PCAP_MAGIC_NS, PCAP_MAGIC_NS_SWAPPED, PCAPNG_SHB,
  PCAPNG_BOM, PCAPNG_BOM_SWAPPED, NETMON_MAGIC, NETMON1_MAGIC, BT_IDB, BT_PB, BT_SPB, BT_NRB,
  BT_ISB, BT_EPB, BT_DSB, BT_CB, BT_DCB, OPT_IF_TSRESOL, OPT_IF_TSOFFSET,
} from "../wire";
import { u16x, u32x, u32be, u32le } from "../util";
import { begin, end, fU32, fU64, setPacket, outFree, OUT_RESERVE } from "../out";
import { handlePacket } from "../net/packet";
import { pullActive } from "./pull";
import { looksLikeEtl, etlStart, etlPulled, etlResume, etlFinish, etlFrames } from "./etl";
import { netmonStart, netmonFailed, netmonPulled, netmonResume, netmonFinish, netmonTruncatedHeader, netmonFrames } from "./netmon";

export const CARRY_CAP: u32 = 2 << 20; // the largest record we accept (Wireshark's own max is 256 KiB)
export const INPUT_CAP: u32 = 2 << 20; // a slice

const ST_START: u32 = 0;
const ST_PCAP: u32 = 1;
const ST_PCAPNG: u32 = 2;
const ST_STOPPED: u32 = 3; // fatal error or unreadable section: the rest of the file is not read
const ST_NETMON: u32 = 4; // Network Monitor .cap: netmon.ts reads it (pull mode, see pull.ts)
const ST_ETL: u32 = 5; // Windows event trace: etl.ts reads it (pull mode)

let inputBase: usize = 0; // INPUT; CARRY is [inputBase - CARRY_CAP, inputBase)
let state: u32 = ST_START;
let tail: u32 = 0; // bytes carried in front of INPUT
let fileOff: u64 = 0; // file offset of the first byte of the carried tail / current region
let skipLeft: u64 = 0; // bytes of an oversized non-packet block still to skip
let skipFrom: u64 = 0; // where that block starts
let skipLen: u64 = 0; // and its stated length
let frame: u32 = 0;
let bigEndian = false;

// pcap
let pcapLinkType: u32 = 0;
let pcapDigits: u32 = 6;
let snapWarned = false;

// pcapng: interfaces of the current section
const MAX_IFACES: u32 = 256;
let ifaceCount: u32 = 0;
let ifLink: usize = 0; // u32[MAX_IFACES]
let ifResol: usize = 0; // u32[] raw if_tsresol byte
let ifOffset: usize = 0; // i64[] if_tsoffset seconds
let ifSnap: usize = 0; // u32[]
let ifTsWarned: usize = 0; // u8[] 1 = W_TS_OVERFLOW already given for this interface
let badIfaceWarned = false;
let pbWarned = false;

// pcapng resynchronisation after a damaged block: bytes are skipped until a plausible block whose
// trailing length matches its leading one; then one warning says where and how much was skipped.
let resyncing = false;
let resyncFrom: u64 = 0; // file offset of the damaged block
let resyncType: u32 = 0; // the type it claimed
let atEof = false; // readerFinish: a block that is not complete now never will be

// resume state when the feed loop paused for output space
let pauseCur: usize = 0;
let pauseEnd: usize = 0;
let paused = false;

export function readerInit(input: usize): void {
  inputBase = input;
  ifLink = heap.alloc(MAX_IFACES * 4);
  ifResol = heap.alloc(MAX_IFACES * 4);
  ifOffset = heap.alloc(MAX_IFACES * 8);
  ifSnap = heap.alloc(MAX_IFACES * 4);
  ifTsWarned = heap.alloc(MAX_IFACES);
}

export function readerReset(): void {
  state = ST_START; tail = 0; fileOff = 0; skipLeft = 0; frame = 0; bigEndian = false;
  pcapLinkType = 0; pcapDigits = 6; snapWarned = false; ifaceCount = 0;
  badIfaceWarned = false; pbWarned = false; paused = false; resyncing = false; atEof = false;
}

export function framesRead(): u32 { return frame + netmonFrames() + etlFrames(); }

/** Pull mode (pull.ts): the bytes the container asked for arrived. 1 = paused for output space. */
export function readerPulled(n: u32): u32 {
  if (state == ST_NETMON) return netmonPulled(n);
  if (state == ST_ETL) return etlPulled(n);
  return 0;
}

function warn(code: u32, off: u64, v: u64, v2: u64): void {
  begin(EV_WARNING); fU32(F_CODE, code); fU64(F_OFFSET, off); fU64(F_VALUE, v); fU64(F_VALUE2, v2); end();
}
function fail(code: u32, off: u64, v: u64, v2: u64): void {
  begin(EV_ERROR); fU32(F_CODE, code); fU64(F_OFFSET, off); fU64(F_VALUE, v); fU64(F_VALUE2, v2); end();
  state = ST_STOPPED;
}
function announce(format: u32, link: u32, iface: u32, resol: u32): void {
  begin(EV_CAPTURE); fU32(F_FORMAT, format); fU32(F_LINKTYPE, link); fU32(F_IFACE, iface); fU32(F_TSRESOL, resol); end();
}

// Feeds `len` new bytes at INPUT. Returns 1 when it paused (call resume() after draining the
// output), 0 when every complete record was consumed.
export function feed(len: u32): u32 {
  const start = inputBase - tail;
  return run(start, inputBase + len);
}

// The same, with the slice written at `base` (one of the input buffers, CARRY_CAP bytes of carry
// area in front of each): the carried tail moves in front of it first.
export function feedIn(base: usize, len: u32): u32 {
  if (base != inputBase) {
    if (tail > 0) memory.copy(base - tail, inputBase - tail, tail);
    inputBase = base;
  }
  return feed(len);
}

export function resume(): u32 {
  if (state == ST_NETMON) return netmonResume();
  if (state == ST_ETL) return etlResume();
  if (!paused) return 0;
  paused = false;
  return run(pauseCur, pauseEnd);
}

function run(start: usize, stop: usize): u32 {
  if (pullActive) { tail = 0; return 0; } // the container reads for itself now
  let cur = start;
  // An oversized non-packet block is skipped across slices without being buffered.
  if (skipLeft > 0) {
    const avail = <u64>(stop - cur);
    const n = skipLeft < avail ? skipLeft : avail;
    cur += <usize>n; skipLeft -= n; fileOff += n;
  }
  while (cur < stop && state != ST_STOPPED) {
    if (outFree() < OUT_RESERVE) { paused = true; pauseCur = cur; pauseEnd = stop; return 1; }
    const used = record(cur, <u32>(stop - cur));
    if (used == 0) break; // incomplete: carry it
    if (skipLeft > 0) { // record() asked to skip a block larger than what is here
      fileOff += <u64>(stop - cur); cur = stop; break;
    }
    cur += used; fileOff += used;
  }
  if (state == ST_STOPPED) { tail = 0; return 0; }
  const left = <u32>(stop - cur);
  if (left > CARRY_CAP) { // cannot happen: record() rejects records over CARRY_CAP
    fail(E_RECORD_TOO_LARGE, fileOff, left, CARRY_CAP); tail = 0; return 0;
  }
  if (left > 0) memory.copy(inputBase - left, cur, left);
  tail = left;
  return 0;
}

// Parses one record at p (avail bytes present). Returns bytes consumed, 0 if incomplete.
function record(p: usize, avail: u32): u32 {
  if (state == ST_START) return fileHeader(p, avail);
  if (state == ST_PCAP) return pcapRecord(p, avail);
  if (state == ST_NETMON) return netmon(p, avail, false);
  return pcapngBlock(p, avail);
}

function fileHeader(p: usize, avail: u32): u32 {
  if (avail < 4) return 0;
  const m = u32be(p);
  if (m == PCAP_MAGIC_US || m == PCAP_MAGIC_US_SWAPPED || m == PCAP_MAGIC_NS || m == PCAP_MAGIC_NS_SWAPPED) {
    if (avail < 24) return 0;
    bigEndian = m == PCAP_MAGIC_US || m == PCAP_MAGIC_NS;
    const ns = m == PCAP_MAGIC_NS || m == PCAP_MAGIC_NS_SWAPPED;
    pcapDigits = ns ? 9 : 6;
    const snap = u32x(p + 16, bigEndian);
    pcapLinkType = u32x(p + 20, bigEndian) & 0xffff; // upper bits carry FCS length info
    if (snap > 0x10000000) warn(W_HUGE_SNAPLEN, 16, snap, 0);
    state = ST_PCAP;
    announce(ns ? FMT_PCAP_NS : FMT_PCAP, pcapLinkType, 0, pcapDigits);
    return 24;
  }
  if (m == PCAPNG_SHB) { state = ST_PCAPNG; return pcapngBlock(p, avail); }
  if (looksLikeEtl(p, avail)) { state = ST_ETL; etlStart(); return avail; }
  const m2 = avail >= 8 ? u32be(p + 4) : 0;
  if (m == NETMON_MAGIC || m == NETMON1_MAGIC) { state = ST_NETMON; return netmon(p, avail, m == NETMON1_MAGIC); }
  if (avail < 8) return 0;
  fail(E_NOT_A_CAPTURE, 0, m, m2);
  return 0;
}

function netmon(p: usize, avail: u32, v1: bool): u32 {
  const used = netmonStart(p, avail, v1);
  if (netmonFailed()) state = ST_STOPPED;
  return used;
}

function pcapRecord(p: usize, avail: u32): u32 {
  if (avail < 16) return 0;
  const caplen = u32x(p + 8, bigEndian);
  const origlen = u32x(p + 12, bigEndian);
  if (caplen > CARRY_CAP - 16) { fail(E_RECORD_TOO_LARGE, fileOff, caplen, CARRY_CAP - 16); return 0; }
  if (avail < 16 + caplen) return 0;
  const sec = <i64>u32x(p, bigEndian);
  const frac = <i64>u32x(p + 4, bigEndian);
  const ts = sec * 1000000000 + (pcapDigits == 9 ? frac : frac * 1000);
  frame++;
  if (caplen < origlen && !snapWarned) { snapWarned = true; warn(W_SNAPLEN_CUT, fileOff, caplen, origlen); }
  setPacket(frame, ts, pcapDigits);
  handlePacket(p + 16, caplen, origlen, pcapLinkType);
  return 16 + caplen;
}

// Interface timestamp → nanoseconds since the epoch. An i64 of nanoseconds holds the years
// 1677–2262: a timestamp outside (a wild if_tsoffset, a 64-bit count at a coarse resolution)
// sets tsOverflow and gives 0, "no timestamp", rather than a value wrapped around to any date.
const NS_MAX: u64 = <u64>i64.MAX_VALUE;
const SEC_MAX: i64 = i64.MAX_VALUE / 1000000000;
let tsOverflow = false;

function tsToNs(units: u64, resol: u32, offsetSec: i64): i64 {
  tsOverflow = false;
  let ns: u64; // ≤ NS_MAX below
  if ((resol & 0x80) == 0) {
    const k = resol;
    if (k <= 9) {
      let mul: u64 = 1;
      for (let i: u32 = k; i < 9; i++) mul *= 10;
      if (units > NS_MAX / mul) return tsOverflowed();
      ns = units * mul;
    } else {
      let div: u64 = 1;
      for (let i: u32 = 9; i < k && i < 28; i++) div *= 10;
      ns = units / div; // k ≥ 10: at most u64 max / 10 < NS_MAX
    }
  } else {
    const k = resol & 0x7f;
    if (k >= 64) ns = <u64>(<f64>units / Math.pow(2, <f64>k) * 1e9); // under a second
    else {
      const whole = units >> k;
      const frac = units & ((<u64>1 << k) - 1);
      if (whole > NS_MAX / 1000000000) return tsOverflowed();
      const fracNs = k <= 30 ? (frac * 1000000000) >> k : <u64>(<f64>frac / Math.pow(2, <f64>k) * 1e9);
      ns = whole * 1000000000 + fracNs;
      if (ns > NS_MAX) return tsOverflowed();
    }
  }
  if (offsetSec > SEC_MAX || offsetSec < -SEC_MAX) return tsOverflowed();
  const offNs = offsetSec * 1000000000;
  if (offNs > 0 && ns > <u64>(i64.MAX_VALUE - offNs)) return tsOverflowed();
  return <i64>ns + offNs;
}

function tsOverflowed(): i64 { tsOverflow = true; return 0; }

function digitsOf(resol: u32): u32 {
  if ((resol & 0x80) != 0) return 9;
  return resol > 9 ? 9 : resol;
}

function pcapngBlock(p: usize, avail: u32): u32 {
  if (resyncing) return resync(p, avail);
  if (avail < 12) return 0;
  const rawType = u32le(p);
  if (rawType == PCAPNG_SHB) return sectionHeader(p, avail);
  const type = u32x(p, bigEndian);
  const blen = u32x(p + 4, bigEndian);
  if (blen < 12 || (blen & 3) != 0) return damaged(p, avail, E_BAD_BLOCK_LENGTH, type, blen);
  const isPacket = type == BT_EPB || type == BT_SPB || type == BT_PB;
  if (blen > CARRY_CAP) {
    const known = type == BT_NRB || type == BT_ISB || type == BT_DSB || type == BT_CB || type == BT_DCB;
    if (!known) return damaged(p, avail, isPacket || type == BT_IDB ? E_RECORD_TOO_LARGE : E_BAD_BLOCK_LENGTH, blen, CARRY_CAP);
    // Skip a huge block of another kind without buffering it (its trailer goes unchecked).
    warn(W_UNKNOWN_BLOCK, fileOff, type, blen);
    skipLeft = <u64>blen - avail; skipFrom = fileOff; skipLen = blen;
    return avail;
  }
  if (avail < blen) return 0;
  if (u32x(p + blen - 4, bigEndian) != blen) return damaged(p, avail, E_BAD_BLOCK_LENGTH, type, blen);
  const body = p + 8;
  const bodyLen = blen - 12;
  if (type == BT_IDB) idb(body, bodyLen);
  else if (type == BT_EPB) epb(body, bodyLen, false);
  else if (type == BT_PB) {
    if (!pbWarned) { pbWarned = true; warn(W_PB_OBSOLETE, fileOff, type, 0); }
    epb(body, bodyLen, true);
  } else if (type == BT_SPB) spb(body, bodyLen);
  else if (type == BT_NRB || type == BT_ISB || type == BT_DSB || type == BT_CB || type == BT_DCB) {
    // Name resolution, statistics, decryption secrets, custom: nothing a diagnosis needs.
  } else warn(W_UNKNOWN_BLOCK, fileOff, type, blen);
  return blen;
}

// A damaged block: the file's first block is fatal (it is not a pcapng file we can read); later
// ones are skipped up to the next valid block.
function damaged(p: usize, avail: u32, code: u32, v: u64, v2: u64): u32 {
  if (fileOff == 0) { fail(code, fileOff, v, v2); return 0; }
  resyncing = true;
  resyncFrom = fileOff;
  resyncType = u32x(p, bigEndian);
  return resync(p, avail);
}

const CAND_NO: u32 = 0;
const CAND_YES: u32 = 1;
const CAND_MORE: u32 = 2;

// Is there a plausible, complete block at p? (type known, length sane, trailer equal to it)
function candidate(p: usize, avail: u32): u32 {
  if (avail < 12) return atEof ? CAND_NO : CAND_MORE;
  let big = bigEndian;
  let minLen: u32 = 12;
  if (u32le(p) == PCAPNG_SHB) {
    const bom = u32le(p + 8);
    if (bom == PCAPNG_BOM) big = false;
    else if (bom == PCAPNG_BOM_SWAPPED) big = true;
    else return CAND_NO;
    minLen = 28;
  } else {
    const t = u32x(p, big);
    if (t == BT_EPB) minLen = 32;
    else if (t == BT_IDB) minLen = 20;
    else if (t == BT_SPB) minLen = 16;
    else if (t == BT_PB) minLen = 32;
    else if (t != BT_NRB && t != BT_ISB && t != BT_DSB && t != BT_CB && t != BT_DCB) return CAND_NO;
  }
  const blen = u32x(p + 4, big);
  if (blen < minLen || (blen & 3) != 0 || blen > CARRY_CAP) return CAND_NO;
  if (u32x(p, big) == BT_EPB) {
    if (avail < 24) return atEof ? CAND_NO : CAND_MORE;
    if ((ifaceCount > 0 && u32x(p + 8, big) >= ifaceCount) || u32x(p + 20, big) > blen - 32) return CAND_NO;
  }
  if (avail < blen) return atEof ? CAND_NO : CAND_MORE;
  return u32x(p + blen - 4, big) == blen ? CAND_YES : CAND_NO;
}

function resync(p: usize, avail: u32): u32 {
  let k: u32 = 0;
  // the damaged block's own first byte is never a candidate
  if (fileOff == resyncFrom) k = 1;
  while (k < avail) {
    const c = candidate(p + k, avail - k);
    if (c == CAND_MORE) return k; // skip what is certainly not a block start, wait for more bytes
    if (c == CAND_YES) {
      if (k > 0) return k;
      resyncing = false;
      warn(W_UNKNOWN_BLOCK, resyncFrom, resyncType, fileOff - resyncFrom);
      return pcapngBlock(p, avail);
    }
    k++;
  }
  return k;
}

function sectionHeader(p: usize, avail: u32): u32 {
  const bom = u32le(p + 8);
  let big: bool;
  if (bom == PCAPNG_BOM) big = false;
  else if (bom == PCAPNG_BOM_SWAPPED) big = true;
  else return damaged(p, avail, E_BAD_SHB, bom, 0);
  const blen = u32x(p + 4, big);
  if (blen < 28 || (blen & 3) != 0 || blen > CARRY_CAP) return damaged(p, avail, E_BAD_BLOCK_LENGTH, PCAPNG_SHB, blen);
  if (avail < blen) return 0;
  if (u32x(p + blen - 4, big) != blen) return damaged(p, avail, E_BAD_BLOCK_LENGTH, PCAPNG_SHB, blen);
  const major = u16x(p + 12, big);
  if (major != 1) {
    // Wireshark stops at such a section too; what came before stands.
    warn(W_SHB_VERSION, fileOff, major, u16x(p + 14, big));
    state = ST_STOPPED;
    return blen;
  }
  bigEndian = big;
  ifaceCount = 0; // interfaces are per section
  return blen;
}

function idb(b: usize, len: u32): void {
  if (len < 8) { warn(W_UNKNOWN_BLOCK, fileOff, BT_IDB, len); return; }
  if (ifaceCount >= MAX_IFACES) return;
  const i = ifaceCount++;
  const link = u16x(b, bigEndian);
  const snap = u32x(b + 4, bigEndian);
  let resol: u32 = 6;
  let offset: i64 = 0;
  // options: code u16, length u16, value padded to 4
  let o: u32 = 8;
  while (o + 4 <= len) {
    const code = u16x(b + o, bigEndian);
    const olen = u16x(b + o + 2, bigEndian);
    if (code == 0) break;
    if (o + 4 + olen > len) break;
    if (code == OPT_IF_TSRESOL && olen >= 1) {
      resol = <u32>load<u8>(b + o + 4);
      if ((resol & 0x80) == 0 && resol > 19) { warn(W_BAD_TSRESOL, fileOff, resol, 0); resol = 6; }
    } else if (code == OPT_IF_TSOFFSET && olen >= 8) {
      offset = <i64>(bigEndian ? bswap<u64>(load<u64>(b + o + 4)) : load<u64>(b + o + 4));
    }
    o += 4 + ((olen + 3) & ~3);
  }
  store<u32>(ifLink + i * 4, link);
  store<u32>(ifResol + i * 4, resol);
  store<i64>(ifOffset + i * 8, offset);
  store<u32>(ifSnap + i * 4, snap);
  store<u8>(ifTsWarned + i, 0);
  announce(FMT_PCAPNG, link, i, resol);
}

function epb(b: usize, len: u32, obsolete: bool): void {
  if (len < 20) { warn(W_UNKNOWN_BLOCK, fileOff, obsolete ? BT_PB : BT_EPB, len); frame++; return; }
  const iface = obsolete ? u16x(b, bigEndian) : u32x(b, bigEndian);
  const hi = <u64>u32x(b + 4, bigEndian);
  const lo = <u64>u32x(b + 8, bigEndian);
  let caplen = u32x(b + 12, bigEndian);
  const origlen = u32x(b + 16, bigEndian);
  if (caplen > len - 20) caplen = len - 20;
  frame++;
  if (iface >= ifaceCount) {
    if (!badIfaceWarned) { badIfaceWarned = true; warn(W_BAD_INTERFACE, fileOff, iface, ifaceCount); }
    setPacket(frame, 0, 6);
    return;
  }
  const resol = load<u32>(ifResol + iface * 4);
  const tsOff = load<i64>(ifOffset + iface * 8);
  setPacket(frame, tsToNs((hi << 32) | lo, resol, tsOff), digitsOf(resol));
  if (tsOverflow && load<u8>(ifTsWarned + iface) == 0) { // once per interface, on the packet's frame
    store<u8>(ifTsWarned + iface, 1);
    warn(W_TS_OVERFLOW, fileOff, iface, <u64>tsOff);
  }
  if (caplen < origlen && !snapWarned) { snapWarned = true; warn(W_SNAPLEN_CUT, fileOff, caplen, origlen); }
  handlePacket(b + 20, caplen, origlen, load<u32>(ifLink + iface * 4));
}

function spb(b: usize, len: u32): void {
  frame++;
  if (len < 4) return;
  if (ifaceCount == 0) {
    if (!badIfaceWarned) { badIfaceWarned = true; warn(W_BAD_INTERFACE, fileOff, 0, 0); }
    setPacket(frame, 0, 6);
    return;
  }
  const origlen = u32x(b, bigEndian);
  let caplen = len - 4;
  const snap = load<u32>(ifSnap);
  if (snap != 0 && caplen > snap) caplen = snap;
  if (caplen > origlen) caplen = origlen;
  setPacket(frame, 0, digitsOf(load<u32>(ifResol))); // an SPB carries no timestamp
  handlePacket(b + 4, caplen, origlen, load<u32>(ifLink));
}

// End of input: what is left in the carry is a record the file cut short.
export function readerFinish(): void {
  if (state == ST_NETMON) {
    if (pullActive) netmonFinish(); else netmonTruncatedHeader(tail);
  } else if (state == ST_ETL) {
    etlFinish();
  } else if (state == ST_START) {
    if (tail == 0) fail(E_EMPTY, 0, 0, 0);
    else {
      const p = inputBase - tail;
      const m = tail >= 4 ? u32be(p) : 0;
      if (m == PCAP_MAGIC_US || m == PCAP_MAGIC_US_SWAPPED || m == PCAP_MAGIC_NS || m == PCAP_MAGIC_NS_SWAPPED || m == PCAPNG_SHB)
        fail(E_TRUNCATED_HEADER, 0, tail, m == PCAPNG_SHB ? 28 : 24);
      else fail(E_NOT_A_CAPTURE, 0, m, tail >= 8 ? u32be(p + 4) : 0);
    }
  } else if (state == ST_PCAPNG && (tail > 0 || resyncing)) {
    // What is left is either a block the file cut short, or damage: a false block start (or a
    // block lying about its length) that held the reader back waiting for bytes that never came.
    // Scan it again, now knowing that nothing more follows: a valid block further on means damage.
    const p0 = inputBase - tail;
    const tail0 = tail;
    const off0 = fileOff;
    const need0: u64 = tail >= 8 ? <u64>u32x(p0 + 4, bigEndian) : 0;
    const wasResyncing = resyncing;
    if (!resyncing) { resyncing = true; resyncFrom = fileOff; resyncType = tail >= 4 ? u32x(p0, bigEndian) : 0; }
    if (tail > 0) { atEof = true; run(p0, inputBase); atEof = false; }
    if (resyncing) {
      resyncing = false;
      if (!wasResyncing && resyncFrom == off0) warn(W_TRUNCATED_RECORD, off0, tail0, need0);
      else warn(W_UNKNOWN_BLOCK, resyncFrom, resyncType, fileOff + tail - resyncFrom);
    } else if (tail > 0) {
      warn(W_TRUNCATED_RECORD, fileOff, tail, tail >= 8 ? <u64>u32x(inputBase - tail + 4, bigEndian) : 0);
    }
  } else if (state != ST_STOPPED && tail > 0) {
    const p = inputBase - tail;
    const need: u64 = tail >= 12 ? 16 + <u64>u32x(p + 8, bigEndian) : 0; // caplen at +8
    warn(W_TRUNCATED_RECORD, fileOff, tail, need);
  } else if (skipLeft > 0) {
    warn(W_TRUNCATED_RECORD, skipFrom, skipLen - skipLeft, skipLen);
  }
  tail = 0;
}
