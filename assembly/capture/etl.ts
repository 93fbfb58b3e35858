// Windows event trace (.etl) from netsh trace (ndiscap) or pktmon, read without Windows. The
// format is undocumented; the facts used here are in ../shared/knowledge/windows-capture-formats.md
// (from the public reverse-engineered readers, checked on a real pktmon file).
//
// The file is a sequence of buffers (72-byte header each), one CPU's events per buffer, so file
// order is not time order. Two passes, both in pull mode (pull.ts):
//   1. index: every buffer's offset and processor; the logfile header (clock, start time,
//      processors, compression); pktmon's components (which one logs the most packets).
//   2. merge: one cursor per processor walks its own buffers in order, and the event with the
//      earliest timestamp among the cursors goes next. A cursor holds only a window of its buffer
//      (decompressed as it goes: XPRESS looks back at most 8 KiB), so memory is a fixed arena
//      shared by the processors, whatever the buffers' size (ETW allows 16 MiB).
//      Uncompressed files, when the arena holds one more window: the window of the cursor that
//      will run out first (its last event is the earliest) is read ahead into that spare one
//      (pull.ts), so that the file reads overlap the decoding; the two swap when it runs out.
// Frames are numbered as etl2pcapng writes them: every packet event (ndiscap 1001/1003, pktmon
// 160/170) in time order. pktmon logs a packet once per component it crosses: only one
// component's copies are analysed (W_PKTMON_COPIES says which).
import {
  EV_CAPTURE, EV_WARNING, EV_ERROR, F_CODE, F_OFFSET, F_VALUE, F_VALUE2, F_FORMAT, F_LINKTYPE, F_IFACE, F_TSRESOL,
  F_WIN_NAME, T_UTF16, FMT_ETL, E_ETL_HEADER, E_ETL_BUFFER, E_ETL_TOO_MANY_BUFFERS, E_ETL_TOO_MANY_CPUS, E_ETL_HUFF_CPUS,
  W_ETL_DECOMPRESS, W_ETL_BAD_RECORD, W_ETL_CPU, W_ETL_LOST, W_PKTMON_COPIES, W_PKTMON_DROPS, W_ETL_COMPRESSION,
  W_TRUNCATED_RECORD,
} from "../events";
import { PKTMON_EV_COMPONENT, PKTMON_EV_DROP, PKTMON_EV_PACKET, PKTMON_HDR_SIZE, PKTMON_OFF_DROP_REASON, PKTMON_COMPONENT_MINIPORT, LT_ETHERNET } from "../wire";
import { begin, end, fU32, fU64, fBytes, setPacket, outFree, OUT_RESERVE } from "../out";
import { request, noRequest, startPulling, progressed, readAhead, noReadAhead } from "./pull";
import { XpressState, xpressRun, XP_FULL, XP_NEED_INPUT, XPRESS_HISTORY } from "./xpress";
import { lznt1Run } from "./lznt1";
import { HuffState, xpressHuffRun, xpressHuffInit, XPRESS_HUFF_HISTORY, XPRESS_HUFF_TABLE_BYTES } from "./xpressHuff";
import { providerOf, isPacketEvent, etwPacket, pktmonComponent, PROV_PKTMON, PROV_OTHER } from "./etwPacket";
import { isPktmonInfo, pktmonInfo, pktmonDrop } from "./pktmonEvents";

// ---- layout (the knowledge file's §2.4) ----
const BUF_HDR: u32 = 72;
const BH_SAVED: usize = 0x04; // u32 valid bytes incl. header (decompressed size + 72 when compressed)
const BH_CPU: usize = 0x28; // u16 ProcessorIndex
const BH_STATE: usize = 0x2c; // u32, in buffer 0: compression format in the low 16 bits
const BH_FILLED: usize = 0x30; // u32
const BH_FLAGS: usize = 0x34; // u16 BufferFlag
const BF_COMPRESSED: u32 = 0x40;
const MAX_BUFFER: u32 = 16 << 20; // ETW's largest buffer
const MAX_RATIO: u64 = 256; // decompressed / compressed size of a buffer (the pktmon sample: 4–7)
const REC_END: u32 = 0xffffffff;
const EH_SIZE: u32 = 80; // EVENT_HEADER record
const EH_FLAGS: usize = 4;
const EH_TS: usize = 16;
const EH_PROVIDER: usize = 24;
const EH_ID: usize = 40;
const EH_KEYWORD: usize = 48;
const EHF_EXTENDED: u32 = 1;
const SYS_TS: usize = 16; // SYSTEM header: timestamp, then kernel/user time; 32 bytes
const SYS_SIZE: u32 = 32;
const LOG_MODE_COMPRESSED: u32 = 0x04000000;
// the logger's compression format (State of buffer 0): RtlCompressBuffer's COMPRESSION_FORMAT_*
const COMPRESS_LZNT1: u32 = 2;
const COMPRESS_XPRESS: u32 = 3;
const COMPRESS_XPRESS_HUFF: u32 = 4;
const FILETIME_EPOCH_DIFF: i64 = 116444736000000000;

// ---- limits ----
const MAX_CURSORS: u32 = 64; // processors merged at once
const INDEX_CAP: u32 = 131072; // buffers indexed (8 bytes each: offset | processor << 48)
const MIN_WINDOW: u32 = 80 << 10; // a window must hold the largest record (64 KiB) and the history
const MIN_WINDOW_HUFF: u32 = 144 << 10; // … which is 64 KiB for XPRESS Huffman

// ---- memory: the two input areas, free in pull mode ----
let areaA: usize = 0; let areaASize: u32 = 0;
let areaB: usize = 0; let areaBSize: u32 = 0;
let indexBase: usize = 0; // u64[INDEX_CAP]
let countBase: usize = 0; // u32[65536] pktmon packet events per component
let typeBase: usize = 0; // u8[65536] pktmon component types (from event 20), 0xff unknown
let slotOfCpu: usize = 0; // u8[65536] processor → cursor slot + 1 (0: none yet)
let nameBase: usize = 0; // the chosen component's name, UTF-16 (NAME_CAP bytes)
const NAME_CAP: u32 = 512;
let cursorArena: usize = 0; let cursorArenaSize: u32 = 0; // in area A (cursors of pass 2)
let cursorArena2: usize = 0; let cursorArena2Size: u32 = 0; // rest of area B

class Cursor {
  slot: u32 = 0;
  base: usize = 0; // the cursor's share of the arena (read-ahead swaps it with the spare one)
  cpu: u32 = 0;
  idx: i32 = -1; // index entry of the buffer being read; -1: no more buffers
  bufOff: u64 = 0;
  disk: u32 = 0; // bytes of the buffer in the file
  logical: u32 = 0; // bytes of records (after decompression)
  compressed: bool = false;
  // window over the buffer's records: logical [winPos, winPos + winLen) at win (inside the slot)
  slotWin: usize = 0; slotWinCap: u32 = 0;
  win: usize = 0; winCap: u32 = 0; winPos: u32 = 0; winLen: u32 = 0;
  hdrAt: usize = 0; // where the buffer header was read
  rec: u32 = 0; // logical offset of the next record
  // compressed bytes not yet decompressed: file [rawNext - rawLen + rawUsed ...) at raw
  raw: usize = 0; rawCap: u32 = 0; rawLen: u32 = 0; rawUsed: u32 = 0; rawNext: u64 = 0;
  xp: XpressState = new XpressState(); // decompression, resumed window after window (XPRESS, LZNT1)
  hf: HuffState = new HuffState(); // the same for XPRESS Huffman
  broken: bool = false; // the buffer did not decompress whole (warned once)
  // the next event (valid when ready)
  ready: bool = false; ts: u64 = 0;
  wait: u32 = 0; // what the pending read is for (W_*)
  // read-ahead: what the cursor will read when its window runs out (pred: known)
  pred: bool = false; predTs: u64 = 0; predOff: u64 = 0; predLen: u32 = 0;
}
const W_NONE: u32 = 0;
const W_HEADER: u32 = 1; // the buffer header
const W_DATA: u32 = 2; // uncompressed records
const W_RAW: u32 = 3; // compressed bytes

let cursors: StaticArray<Cursor> = new StaticArray<Cursor>(0);

// ---- read-ahead (pass 2) ----
const AHEAD_RAW: u32 = 64 << 10; // a slot's room for compressed bytes (a buffer flagged so in an uncompressed file)
let aheadOn = false;
let slotSize: u32 = 0;
let spare: usize = 0; // the slot no cursor reads into: where the read-ahead lands
let aheadPub = false; // a read-ahead was named at the last return: the caller may have it in flight
let aheadSlot: u32 = 0;
let aheadOff: u64 = 0;
let aheadLen: u32 = 0;

// ---- file state ----
const P_IDLE: u32 = 0;
const P_INDEX: u32 = 1;
const P_MERGE: u32 = 2;
const P_DONE: u32 = 3;
let pass = P_IDLE;
let fileSize: u64 = 0;
let haveHeader = false;
let nproc: u32 = 0;
let perfFreq: u64 = 0;
let startFt: i64 = 0;
let ts0: u64 = 0;
let clockType: u32 = 0;
let cpuMhz: u32 = 0;
let fileCompressed = false;
let compressFormat: u32 = 0;
let nBuffers: u32 = 0;
let nSlots: u32 = 0;
let scanOff: u64 = 0; // pass 1: the next buffer
let primed: u32 = 0; // pass 2: cursors started
let pending: i32 = -1; // the cursor whose read is pending
let frames: u32 = 0;
let chosen: u32 = 0xffffffff; // pktmon component analysed
let copiesSkipped: u64 = 0;
let drops: u64 = 0;
let firstDropReason: u32 = 0;
let sawPktmon = false;
// Pass 1 reads every buffer's records only for pktmon, whose component counts decide which copies
// are analysed: it starts by reading buffer headers alone, and the merge starts it again in full
// if its first packet event is pktmon's (see emit).
let scanAll = false;
let announced = false;
let nameLen: u32 = 0;
let cpuWarned = false;
let decompWarned = false;
let recordWarned = false;
let formatWarned = false;
let truncWarned = false;
let failed = false;

export function etlInit(a: usize, aSize: u32, b: usize, bSize: u32): void {
  areaA = a; areaASize = aSize; areaB = b; areaBSize = bSize;
  indexBase = b;
  countBase = indexBase + <usize>INDEX_CAP * 8;
  typeBase = countBase + 65536 * 4;
  slotOfCpu = typeBase + 65536;
  nameBase = slotOfCpu + 65536;
  seenBase = (nameBase + NAME_CAP + 7) & ~7;
  const huffTable = seenBase + <usize>SEEN_RING * 8;
  xpressHuffInit(huffTable);
  cursorArena2 = huffTable + XPRESS_HUFF_TABLE_BYTES;
  cursorArena2Size = <u32>(b + bSize - cursorArena2);
  cursorArena = a; cursorArenaSize = aSize;
  cursors = new StaticArray<Cursor>(MAX_CURSORS);
  for (let i: u32 = 0; i < MAX_CURSORS; i++) cursors[i] = new Cursor();
}

export function etlReset(): void {
  pass = P_IDLE; fileSize = 0; haveHeader = false; nproc = 0; perfFreq = 0; startFt = 0; ts0 = 0; clockType = 0;
  cpuMhz = 0; fileCompressed = false; compressFormat = 0; nBuffers = 0; nSlots = 0; scanOff = 0; primed = 0;
  pending = -1; frames = 0; seenNext = 0; chosen = 0xffffffff; copiesSkipped = 0; drops = 0; firstDropReason = 0; sawPktmon = false; scanAll = false; announced = false;
  nameLen = 0; cpuWarned = false; decompWarned = false; recordWarned = false; formatWarned = false; truncWarned = false;
  failed = false; aheadOn = false; aheadPub = false; slotSize = 0; spare = 0; tnFreq = 0; tnWhole = 0; tnLow = 0;
}

export function etlFrames(): u32 { return frames; }
export function etlFailed(): bool { return failed; }
export function etlSetFileSize(n: u64): void { fileSize = n; }

function warn(code: u32, off: u64, v: u64, v2: u64): void {
  begin(EV_WARNING); fU32(F_CODE, code); fU64(F_OFFSET, off); fU64(F_VALUE, v); fU64(F_VALUE2, v2); end();
}
function fail(code: u32, off: u64, v: u64, v2: u64): void {
  begin(EV_ERROR); fU32(F_CODE, code); fU64(F_OFFSET, off); fU64(F_VALUE, v); fU64(F_VALUE2, v2); end();
  failed = true; pass = P_DONE; noRequest();
}
function announce(link: u32): void {
  begin(EV_CAPTURE); fU32(F_FORMAT, FMT_ETL); fU32(F_LINKTYPE, link); fU32(F_IFACE, 0); fU32(F_TSRESOL, 6); end();
}

/**
 * Does the file's first slice look like an ETL file? Buffer 0 starts with a 72-byte buffer header
 * and then the SYSTEM record (group 0, type 0) that carries the logfile header.
 */
export function looksLikeEtl(p: usize, avail: u32): bool {
  if (avail < BUF_HDR + SYS_SIZE) return false;
  const size = load<u32>(p);
  const t = <u32>load<u8>(p + BUF_HDR + 2);
  return size >= BUF_HDR + SYS_SIZE && size <= MAX_BUFFER + BUF_HDR && (t == 1 || t == 2)
    && (<u32>load<u8>(p + BUF_HDR + 3) & 0xc0) == 0xc0 && load<u16>(p + BUF_HDR + 6) == 0;
}

/** Takes over the file (pull mode): pass 1 starts at the first buffer. */
export function etlStart(): void {
  startPulling(fileSize * 2);
  index();
}

function index(): void {
  pass = P_INDEX;
  aheadOn = false; aheadPub = false; // (an ahead read in flight is waited for before this pass's first read)
  nBuffers = 0; nSlots = 0;
  scanOff = 0;
  const c = cursors[0];
  c.slotWin = c.win = cursorArena; c.slotWinCap = c.winCap = cursorArenaSize * 3 / 4;
  c.raw = cursorArena + c.winCap; c.rawCap = cursorArenaSize - c.winCap;
  memory.fill(countBase, 0, 65536 * 4);
  memory.fill(typeBase, 0xff, 65536);
  memory.fill(slotOfCpu, 0, 65536);
  openAt(c, 0);
}

// ---- a cursor over one buffer ----

// Reads a buffer's header, and with it the start of its records (or of its compressed bytes, when
// the file is compressed): one read per buffer when it fits the window.
function openAt(c: Cursor, off: u64): void {
  c.bufOff = off; c.ready = false; c.wait = W_HEADER;
  c.win = c.slotWin; c.winCap = c.slotWinCap;
  const room = off < fileSize ? fileSize - off : 0;
  let len: u32 = BUF_HDR;
  c.hdrAt = c.win;
  if (pass == P_INDEX && !scanAll && off != 0) len = BUF_HDR; // the header alone
  else if (fileCompressed) { len = c.rawCap; c.hdrAt = c.raw; }
  else len = c.winCap;
  if (pass == P_MERGE && c.idx >= 0) { const d = diskOf(<u32>c.idx); if (<u64>len > d && d >= <u64>BUF_HDR) len = <u32>d; } // not into the next buffer
  if (<u64>len > room) len = room > <u64>BUF_HDR ? <u32>room : BUF_HDR;
  c.pred = false;
  if (aheadPub && aheadSlot == c.slot && aheadOff == off && aheadLen == len && pass == P_MERGE) {
    takeSpare(c); // the read ahead: its bytes are in the spare slot, which becomes this cursor's
    c.win = c.hdrAt = c.slotWin; c.winCap = c.slotWinCap;
  }
  request(off, len, c.hdrAt);
}

// The buffer header arrived (n bytes). false: the buffer is unusable (the caller moves on).
function headerArrived(c: Cursor, n: u32): bool {
  const h = c.hdrAt;
  if (n < BUF_HDR) {
    if (n > 0 && !truncWarned) { truncWarned = true; warn(W_TRUNCATED_RECORD, c.bufOff, n, BUF_HDR); }
    return false;
  }
  const disk = load<u32>(h);
  if (disk < BUF_HDR || disk > MAX_BUFFER + BUF_HDR) { fail(E_ETL_BUFFER, c.bufOff, disk, MAX_BUFFER + BUF_HDR); return false; }
  c.disk = disk;
  c.cpu = <u32>load<u16>(h + BH_CPU);
  c.compressed = (<u32>load<u16>(h + BH_FLAGS) & BF_COMPRESSED) != 0;
  const saved = load<u32>(h + BH_SAVED);
  const filled = load<u32>(h + BH_FILLED);
  if (c.bufOff == 0) compressFormat = load<u32>(h + BH_STATE) & 0xffff;
  let logical: u32;
  if (c.compressed) logical = saved > BUF_HDR ? saved - BUF_HDR : 0;
  else {
    const used = filled > BUF_HDR && filled < disk ? filled : disk; // FilledBytes, else the whole buffer
    logical = used - BUF_HDR;
  }
  if (logical > MAX_BUFFER) logical = 0;
  // A decompression bomb (a few bytes claiming megabytes, in buffer after buffer) would cost
  // work out of all proportion to the file: more than MAX_RATIO × its compressed size is damage.
  if (c.compressed && <u64>logical > <u64>(disk - BUF_HDR) * MAX_RATIO + 4096) {
    if (!decompWarned) { decompWarned = true; warn(W_ETL_DECOMPRESS, c.bufOff, 0, logical); }
    logical = 0;
  }
  if (c.bufOff + disk > fileSize) {
    if (!truncWarned) { truncWarned = true; warn(W_TRUNCATED_RECORD, c.bufOff, fileSize - c.bufOff, disk); }
    const have = <u32>(fileSize - c.bufOff);
    if (!c.compressed) logical = have > BUF_HDR ? (have - BUF_HDR < logical ? have - BUF_HDR : logical) : 0;
  }
  if (c.compressed && compressFormat != COMPRESS_XPRESS && compressFormat != COMPRESS_LZNT1 && compressFormat != COMPRESS_XPRESS_HUFF && fileCompressed) {
    if (!formatWarned) { formatWarned = true; warn(W_ETL_COMPRESSION, c.bufOff, compressFormat, 0); }
    logical = 0;
  }
  c.logical = logical;
  c.winPos = 0; c.winLen = 0; c.rec = 0;
  c.rawLen = 0; c.rawUsed = 0; c.rawNext = c.bufOff + BUF_HDR;
  c.xp.reset(); c.hf.reset(); c.broken = false;
  // what came with the header (else it is read again, as records or compressed bytes)
  let extra = n - BUF_HDR;
  if (<u64>extra > <u64>disk - BUF_HDR) extra = disk - BUF_HDR;
  if (extra > 0 && h == c.win && !c.compressed) {
    c.win = c.slotWin + BUF_HDR; c.winCap = c.slotWinCap - BUF_HDR; // the records start after it
    c.winLen = extra < logical ? extra : logical;
  } else if (extra > 0 && h == c.raw && c.compressed) {
    c.rawUsed = BUF_HDR; c.rawLen = BUF_HDR + extra; c.rawNext = c.bufOff + BUF_HDR + extra;
  }
  return true;
}

const R_EVENT: u32 = 0; // a packet event (or a pktmon component) is ready at c.rec
const R_IO: u32 = 1; // a read was requested
const R_END: u32 = 2; // the buffer has no more events
const R_MORE: u32 = 3; // bytes arrived (or were decompressed): look again

// Moves to the next event of interest in the current buffer. `skipCurrent`: the record at c.rec
// was consumed.
function nextEvent(c: Cursor, skipCurrent: bool): u32 {
  if (skipCurrent) { c.rec += recSize(c); c.ready = false; }
  while (true) {
    if (c.rec + 8 > c.logical) return R_END;
    if (c.rec + 8 > c.winPos + c.winLen) { const r = more(c, 8); if (r != R_MORE) return r; continue; }
    const p = c.win + <usize>(c.rec - c.winPos);
    if (load<u32>(p) == REC_END) return R_END;
    const type = <u32>load<u8>(p + 2);
    let size = sizeAt(p, type);
    if (size < 8 || c.rec + size > c.logical) { if (!c.broken) badRecord(c); return R_END; }
    if (c.rec + size > c.winPos + c.winLen) { const r = more(c, size); if (r != R_MORE) return r; continue; }
    if (c.bufOff == 0 && c.rec == 0 && !haveHeader) logfileHeader(c, p, type, size);
    if ((type == 0x12 || type == 0x13) && size >= EH_SIZE && interesting(p)) { c.ready = true; c.ts = load<u64>(p + EH_TS); return R_EVENT; }
    c.rec += (size + 7) & ~7;
  }
}

function sizeAt(p: usize, type: u32): u32 {
  // SYSTEM, COMPACT and PERFINFO headers keep their size at +4; the others at +0
  if ((type >= 1 && type <= 4) || type == 0x10 || type == 0x11) return <u32>load<u16>(p + 4);
  return <u32>load<u16>(p);
}
function recSize(c: Cursor): u32 {
  const p = c.win + <usize>(c.rec - c.winPos);
  return (sizeAt(p, <u32>load<u8>(p + 2)) + 7) & ~7;
}

function badRecord(c: Cursor): void {
  if (!recordWarned) { recordWarned = true; warn(W_ETL_BAD_RECORD, c.bufOff, c.rec, 0); }
}

function interesting(p: usize): bool {
  const prov = providerOf(p + EH_PROVIDER);
  if (prov == PROV_OTHER) return false;
  const id = <u32>load<u16>(p + EH_ID);
  return isPacketEvent(prov, id) || (prov == PROV_PKTMON && isPktmonInfo(id));
}

// Brings logical bytes [c.rec, c.rec + need) into the window: R_MORE when more are there, R_IO
// when a read is needed first.
function more(c: Cursor, need: u32): u32 {
  c.pred = false;
  if (aheadPub && aheadSlot == c.slot && !c.compressed && aheadOff == c.bufOff + BUF_HDR + c.rec && aheadLen >= need) {
    // the read ahead holds the buffer from this record on: the spare slot becomes the window
    takeSpare(c);
    c.win = c.slotWin; c.winCap = c.slotWinCap; c.winPos = c.rec; c.winLen = 0;
    c.wait = W_DATA;
    request(aheadOff, aheadLen, c.win);
    return R_IO;
  }
  // slide: keep the record being read (and, when decompressing, the history matches refer to)
  let keep = c.rec;
  if (c.compressed) {
    const end = c.winPos + c.winLen;
    const h = compressFormat == COMPRESS_XPRESS_HUFF ? XPRESS_HUFF_HISTORY : compressFormat == COMPRESS_LZNT1 ? 0 : XPRESS_HISTORY;
    const hist = end > h ? end - h : 0;
    if (hist < keep) keep = hist;
  }
  if (keep < c.winPos) keep = c.winPos;
  if (keep > c.winPos) {
    const drop = keep - c.winPos;
    memory.copy(c.win, c.win + drop, c.winLen - drop);
    c.winPos = keep; c.winLen -= drop;
  }
  if (c.rec + need - c.winPos > c.winCap) { badRecord(c); c.rec = c.logical; return R_END; }
  if (!c.compressed) {
    const from = c.winPos + c.winLen;
    let n = c.winCap - c.winLen;
    if (n > c.logical - from) n = c.logical - from;
    if (n == 0) { c.rec = c.logical; return R_END; }
    c.wait = W_DATA;
    request(c.bufOff + BUF_HDR + from, n, c.win + c.winLen);
    return R_IO;
  }
  return inflate(c);
}

// Decompresses into the window until it is full or the compressed bytes run out.
function inflate(c: Cursor): u32 {
  const target = c.logical - c.winPos < c.winCap ? c.logical - c.winPos : c.winCap;
  const diskEnd = c.bufOff + c.disk;
  const complete = c.rawNext >= diskEnd || c.rawNext >= fileSize; // no more compressed bytes to read
  let st: u32;
  if (compressFormat == COMPRESS_XPRESS_HUFF) {
    c.hf.inPos = c.rawUsed; c.hf.outPos = c.winLen;
    st = xpressHuffRun(c.hf, c.raw, c.rawLen, complete, c.win, target, c.logical - c.winPos);
    c.rawUsed = c.hf.inPos; c.winLen = c.hf.outPos;
  } else {
    c.xp.inPos = c.rawUsed; c.xp.outPos = c.winLen;
    st = compressFormat == COMPRESS_LZNT1
      ? lznt1Run(c.xp, c.raw, c.rawLen, complete, c.win, target, c.logical - c.winPos)
      : xpressRun(c.xp, c.raw, c.rawLen, complete, c.win, target, c.logical - c.winPos);
    c.rawUsed = c.xp.inPos; c.winLen = c.xp.outPos;
  }
  if (st == XP_FULL) return R_MORE;
  if (st != XP_NEED_INPUT) {
    // what was decompressed stands; the buffer ends there
    if (!decompWarned) { decompWarned = true; warn(W_ETL_DECOMPRESS, c.bufOff, <u64>c.winPos + c.winLen, c.logical); }
    c.logical = c.winPos + c.winLen; c.broken = true;
    return R_MORE;
  }
  // more compressed bytes: keep what is left and read on
  const left = c.rawLen - c.rawUsed;
  if (left > 0 && c.rawUsed > 0) memory.copy(c.raw, c.raw + c.rawUsed, left);
  c.rawLen = left; c.rawUsed = 0;
  let n = c.rawCap - left;
  const remain = diskEnd - c.rawNext;
  if (<u64>n > remain) n = <u32>remain;
  c.wait = W_RAW; c.pred = false;
  request(c.rawNext, n, c.raw + left);
  return R_IO;
}

// A read for cursor c arrived.
function arrived(c: Cursor, n: u32): u32 {
  const w = c.wait;
  c.wait = W_NONE;
  if (w == W_HEADER) {
    if (!headerArrived(c, n)) return R_END;
    if (aheadOn && !c.compressed) predict(c);
    return R_MORE;
  }
  if (w == W_DATA) {
    c.winLen += n;
    if (n == 0) { c.rec = c.logical; return R_END; }
    if (aheadOn) predict(c);
    return R_MORE;
  }
  // W_RAW
  c.rawLen += n; c.rawNext += n;
  if (n == 0) c.rawNext = c.bufOff + c.disk; // the file ended: decompress what there is
  return inflate(c);
}

// ---- the logfile header (first record of buffer 0) ----

function logfileHeader(c: Cursor, p: usize, type: u32, size: u32): void {
  const hookId = <u32>load<u16>(p + 6);
  if ((type != 1 && type != 2) || hookId != 0 || size < SYS_SIZE + 0x110) return;
  const h = p + SYS_SIZE;
  const ptr = load<u32>(h + 44) == 4 ? 4 : 8;
  const tz = 56 + 2 * ptr;
  const after = <usize>((tz + 176 + 7) & ~7); // BootTime
  if (SYS_SIZE + <u32>after + 32 > size) return;
  nproc = load<u32>(h + 12);
  const mode = load<u32>(h + 32);
  fileCompressed = (mode & LOG_MODE_COMPRESSED) != 0;
  cpuMhz = load<u32>(h + 52);
  perfFreq = load<u64>(h + after + 8);
  startFt = <i64>load<u64>(h + after + 16);
  clockType = load<u32>(h + after + 24);
  const buffersLost = load<u32>(h + after + 28);
  const eventsLost = load<u32>(h + 48);
  ts0 = load<u64>(p + SYS_TS);
  haveHeader = true;
  if (eventsLost > 0 || buffersLost > 0) warn(W_ETL_LOST, 0, eventsLost, buffersLost);
}

let tnFreq: u64 = 0; let tnWhole: u64 = 0; let tnLow: u64 = 0; // toNs: the second of its last call

/** Raw event timestamp → ns since 1970 (UTC). */
function toNs(ts: u64): i64 {
  let freq: u64 = perfFreq;
  if (clockType == 2) freq = 10000000; // system time: 100 ns units
  else if (clockType == 3) freq = <u64>cpuMhz * 1000000;
  const base = (startFt - FILETIME_EPOCH_DIFF) * 100;
  if (freq == 0) return base;
  const d = <i64>(ts - ts0);
  const neg = d < 0;
  const a = <u64>(neg ? -d : d);
  // the whole seconds of the last call hold for the events of the same second (most of them,
  // the merge going in time order): two 64-bit divisions fewer per event
  let whole: u64, rem: u64;
  if (freq == tnFreq && a >= tnLow && a - tnLow < freq) { whole = tnWhole; rem = a - tnLow; }
  else { whole = a / freq; rem = a - whole * freq; tnFreq = freq; tnWhole = whole; tnLow = a - rem; }
  const frac = rem < 9000000000 ? <i64>(rem * 1000000000 / freq) : <i64>(<f64>rem * 1e9 / <f64>freq);
  const off = <i64>whole * 1000000000 + frac;
  return base + (neg ? -off : off);
}

// ---- pass 1: index ----

function indexStep(n: u32): u32 {
  const c = cursors[0];
  let r: u32;
  if (c.wait == W_HEADER) {
    c.wait = W_NONE;
    if (!headerArrived(c, n)) { if (!failed) endIndex(); return 0; }
    if (nBuffers >= INDEX_CAP) { fail(E_ETL_TOO_MANY_BUFFERS, c.bufOff, INDEX_CAP, 0); return 0; }
    if (load<u8>(slotOfCpu + c.cpu) == 0) {
      if (nSlots >= MAX_CURSORS) { fail(E_ETL_TOO_MANY_CPUS, c.bufOff, MAX_CURSORS, c.cpu); return 0; }
      store<u8>(slotOfCpu + c.cpu, <u8>(++nSlots));
    }
    store<u64>(indexBase + <usize>nBuffers * 8, c.bufOff | (<u64>c.cpu << 48));
    nBuffers++;
    // Only buffer 0 (the logfile header) is read, until the merge meets a pktmon event
    r = scanAll || c.bufOff == 0 ? nextEvent(c, false) : R_END;
  } else r = arrived(c, n);
  while (true) {
    if (failed || r == R_IO) return 0;
    if (r == R_EVENT) { countEvent(c); r = nextEvent(c, true); continue; }
    if (r == R_MORE) { r = nextEvent(c, false); continue; }
    // the buffer is done: the next one follows it in the file
    progressed(c.disk);
    scanOff = c.bufOff + c.disk;
    if (scanOff + BUF_HDR > fileSize) {
      if (scanOff < fileSize && !truncWarned) { truncWarned = true; warn(W_TRUNCATED_RECORD, scanOff, fileSize - scanOff, BUF_HDR); }
      endIndex();
      return 0;
    }
    openAt(c, scanOff);
    return 0;
  }
  return 0;
}

// pass 1: what pktmon events tell before the merge
function countEvent(c: Cursor): void {
  const p = c.win + <usize>(c.rec - c.winPos);
  if (providerOf(p + EH_PROVIDER) != PROV_PKTMON) return;
  sawPktmon = true;
  const id = <u32>load<u16>(p + EH_ID);
  const u = userData(p);
  const ulen = userLen(p, u);
  if (id == PKTMON_EV_COMPONENT) {
    if (ulen >= 4) store<u8>(typeBase + <usize>load<u16>(u), <u8>load<u16>(u + 2));
    return;
  }
  if (!isPacketEvent(PROV_PKTMON, id)) return;
  const comp = pktmonComponent(u, ulen);
  if (comp <= 0xffff) { const q = countBase + <usize>comp * 4; store<u32>(q, load<u32>(q) + 1); }
}

// Start of the user data of an EVENT_HEADER record (after its extended data items).
function userData(p: usize): usize {
  const size = <u32>load<u16>(p);
  let o: u32 = EH_SIZE;
  if ((<u32>load<u16>(p + EH_FLAGS) & EHF_EXTENDED) != 0) {
    while (o + 8 <= size) {
      const link = <u32>load<u16>(p + o + 4) & 1;
      o = (o + 8 + <u32>load<u16>(p + o + 6) + 7) & ~7;
      if (link == 0) break;
    }
    if (o > size) o = size;
  }
  return p + o;
}
function userLen(p: usize, u: usize): u32 { return <u32>(p + <usize>load<u16>(p) - u); }

function endIndex(): void {
  if (!haveHeader) { fail(E_ETL_HEADER, BUF_HDR, load<u32>(cursors[0].win), 0); return; }
  if (nproc > 0) {
    for (let i: u32 = 0; i < nBuffers; i++) {
      const cpu = <u32>(load<u64>(indexBase + <usize>i * 8) >> 48);
      if (cpu >= nproc && !cpuWarned) { cpuWarned = true; warn(W_ETL_CPU, load<u64>(indexBase + <usize>i * 8) & 0xffffffffffff, cpu, nproc); }
    }
  }
  if (sawPktmon) chooseComponent();
  if (!announced) { announced = true; announce(LT_ETHERNET); }
  // pass 2: each processor gets an equal share of the arena (area A first, then the rest of B)
  pass = P_MERGE;
  if (nSlots == 0) { pass = P_DONE; noRequest(); return; }
  let share = layoutFor(nSlots);
  if (fileCompressed && compressFormat == COMPRESS_XPRESS_HUFF && share - (share >> 2) < MIN_WINDOW_HUFF) {
    const each = (MIN_WINDOW_HUFF * 4 / 3 + 1023) & ~1023;
    fail(E_ETL_HUFF_CPUS, 0, nSlots, cursorArenaSize / each + cursorArena2Size / each); return;
  }
  if (share - (share >> 2) < MIN_WINDOW) { fail(E_ETL_TOO_MANY_CPUS, 0, MAX_CURSORS, nSlots); return; }
  // Read-ahead needs one slot more. Only where neither layout could refuse a record (or the
  // history XPRESS Huffman needs) for want of room, so that both read the same events.
  aheadOn = false; aheadPub = false;
  const slots = layoutFor(nSlots + 1);
  if (!fileCompressed && slots - AHEAD_RAW >= MIN_WINDOW_HUFF && share - (share >> 2) >= MIN_WINDOW_HUFF) { aheadOn = true; share = slots; }
  slotSize = share;
  const inA = cursorArenaSize / share;
  for (let s: u32 = 0; s <= nSlots; s++) {
    const base = s < inA ? cursorArena + <usize>s * share : cursorArena2 + <usize>(s - inA) * share;
    if (s == nSlots) { spare = base; break; }
    const c = cursors[s];
    c.slot = s; c.base = base; layoutSlot(c);
    c.idx = -1; c.ready = false; c.wait = W_NONE; c.disk = 0; c.cpu = 0xffffffff; c.pred = false;
  }
  // each slot's processor: the first indexed buffer of it
  for (let i: u32 = 0; i < nBuffers; i++) {
    const e = load<u64>(indexBase + <usize>i * 8);
    const s = <u32>load<u8>(slotOfCpu + <usize>(e >> 48)) - 1;
    const c = cursors[s];
    if (c.idx < 0) { c.idx = <i32>i; c.cpu = <u32>(e >> 48); }
  }
  primed = 0;
  pending = -1;
  mergeStep(0, false);
}

// pktmon: the component analysed is the network adapter (component type 2) that logged the most
// packets, else the component that logged the most; the lowest id on a tie.
function chooseComponent(): void {
  let best: u32 = 0xffffffff; let bestN: u32 = 0; let bestMini = false;
  for (let id: u32 = 0; id < 65536; id++) {
    const n = load<u32>(countBase + id * 4);
    if (n == 0) continue;
    const mini = <u32>load<u8>(typeBase + id) == PKTMON_COMPONENT_MINIPORT;
    if ((mini && !bestMini) || (mini == bestMini && n > bestN)) { best = id; bestN = n; bestMini = mini; }
  }
  chosen = best;
}

// ---- pass 2: merge ----

// The largest share (a multiple of 1 KiB) of which n fit in the two areas, none across both.
function layoutFor(n: u32): u32 {
  let share = ((cursorArenaSize + cursorArena2Size) / n) & ~1023;
  while (share > 0 && cursorArenaSize / share + cursorArena2Size / share < n) share -= 1024;
  return share;
}

// The index entry of the cursor's processor's buffer after its current one (-1: none).
function nextOfCpu(c: Cursor): i32 {
  let i = c.idx + 1;
  while (<u32>i < nBuffers && <u32>(load<u64>(indexBase + <usize>i * 8) >> 48) != c.cpu) i++;
  return <u32>i < nBuffers ? i : -1;
}

// What openAt reads of indexed buffer i at `off` (pass 2, uncompressed): its whole buffer, or a window.
function openLen(c: Cursor, i: u32, off: u64): u32 {
  const room = off < fileSize ? fileSize - off : 0;
  let len = c.slotWinCap;
  const d = diskOf(i); if (<u64>len > d && d >= <u64>BUF_HDR) len = <u32>d;
  if (<u64>len > room) len = room > <u64>BUF_HDR ? <u32>room : BUF_HDR;
  return len;
}

// Bytes of indexed buffer i in the file: up to the next one (pass 1 found each right after the last).
function diskOf(i: u32): u64 {
  const off = load<u64>(indexBase + <usize>i * 8) & 0xffffffffffff;
  const end = i + 1 < nBuffers ? load<u64>(indexBase + <usize>(i + 1) * 8) & 0xffffffffffff : fileSize;
  return end > off ? end - off : 0;
}

// The window and the room for compressed bytes in the cursor's slot.
function layoutSlot(c: Cursor): void {
  const raw = aheadOn ? AHEAD_RAW : slotSize >> 2;
  c.slotWin = c.win = c.base; c.slotWinCap = c.winCap = slotSize - raw; c.raw = c.base + c.slotWinCap; c.rawCap = raw;
}

// The read ahead is the cursor's: its slot (whose window it has read to the end) becomes the spare.
function takeSpare(c: Cursor): void {
  const old = c.base;
  c.base = spare; spare = old;
  layoutSlot(c);
  aheadPub = false;
}

// What the cursor will read when its window runs out, and the timestamp of the last event it
// holds (the cursor runs out when the merge has passed it): nextEvent's walk, ahead of it.
function predict(c: Cursor): void {
  c.pred = false;
  if (c.compressed) return;
  const end = c.winPos + c.winLen;
  let r = c.rec;
  let last: u64 = 0;
  let cont = false;
  while (true) {
    if (r + 8 > c.logical) break;
    if (r + 8 > end) { cont = true; break; }
    const p = c.win + <usize>(r - c.winPos);
    if (load<u32>(p) == REC_END) break;
    const type = <u32>load<u8>(p + 2);
    const size = sizeAt(p, type);
    if (size < 8 || r + size > c.logical) break;
    if (r + size > end) { cont = true; break; }
    if ((type == 0x12 || type == 0x13) && size >= EH_SIZE && interesting(p)) last = load<u64>(p + EH_TS);
    r += (size + 7) & ~7;
  }
  c.predTs = last;
  if (cont) { // the rest of the buffer, from the record the window cuts
    const left = c.logical - r;
    c.predOff = c.bufOff + BUF_HDR + r; c.predLen = left < c.slotWinCap ? left : c.slotWinCap;
  } else { // the processor's next buffer, read as openAt will
    const i = nextOfCpu(c);
    if (i < 0) return;
    const off = load<u64>(indexBase + <usize>i * 8) & 0xffffffffffff;
    c.predOff = off; c.predLen = openLen(c, <u32>i, off);
  }
  c.pred = true;
}

// Names the read-ahead at a return to the caller (pass 2): the one named before while its cursor
// still expects it, else the next read of the cursor that will run out first.
function publishAhead(): void {
  if (!aheadOn || pass != P_MERGE || failed) { aheadPub = false; noReadAhead(); return; }
  if (aheadPub) {
    const c = cursors[aheadSlot];
    if (c.pred && c.wait == W_NONE && c.predOff == aheadOff && c.predLen == aheadLen) return;
    aheadPub = false;
  }
  let best: i32 = -1; let bestTs: u64 = 0; let firstOff: u64 = U64.MAX_VALUE;
  for (let s: u32 = 0; s < nSlots; s++) {
    const c = cursors[s];
    if (!c.pred || c.wait != W_NONE) continue;
    if (best < 0 || c.predTs < bestTs) { best = <i32>s; bestTs = c.predTs; }
    if (c.bufOff < firstOff) firstOff = c.bufOff;
  }
  // The cursor whose whole buffer is being read will want its next buffer after it. Whether it
  // runs out before the others is not known before its events are: it is named when its buffer
  // comes first in the file (buffers are written as they fill: one CPU logging most packets,
  // or the only one), else the others' earliest.
  if (pending >= 0) {
    const c = cursors[<u32>pending];
    if (c.wait == W_HEADER && !c.compressed && c.idx >= 0 && c.bufOff < firstOff && diskOf(<u32>c.idx) <= <u64>c.slotWinCap) {
      const i = nextOfCpu(c);
      if (i >= 0) {
        const off = load<u64>(indexBase + <usize>i * 8) & 0xffffffffffff;
        aheadPub = true; aheadSlot = <u32>pending; aheadOff = off; aheadLen = openLen(c, <u32>i, off);
        readAhead(aheadOff, aheadLen, spare);
        return;
      }
    }
  }
  if (best < 0) { noReadAhead(); return; }
  const c = cursors[best];
  aheadPub = true; aheadSlot = <u32>best; aheadOff = c.predOff; aheadLen = c.predLen;
  readAhead(aheadOff, aheadLen, spare);
}

// Opens the cursor's next buffer of its processor (after index entry c.idx when `after`).
function nextBuffer(c: Cursor, after: bool): u32 {
  if (after) {
    c.idx = nextOfCpu(c);
    if (c.idx < 0) return R_END;
  }
  if (c.idx < 0) return R_END;
  openAt(c, load<u64>(indexBase + <usize>c.idx * 8) & 0xffffffffffff);
  return R_IO;
}

// Advances cursor s to its next event across buffers. R_EVENT, R_IO (read pending) or R_END.
function advance(s: u32, r0: u32): u32 {
  const c = cursors[s];
  let r = r0;
  while (true) {
    if (failed) return R_END;
    if (r == R_IO) { pending = <i32>s; return R_IO; }
    if (r == R_EVENT) return R_EVENT;
    if (r == R_END) {
      progressed(c.disk);
      c.disk = 0;
      r = nextBuffer(c, true);
      if (r == R_END) return R_END;
      continue;
    }
    r = nextEvent(c, false);
  }
  return R_END;
}

function mergeStep(n: u32, arrivedRead: bool): u32 {
  if (arrivedRead && pending >= 0) {
    const s = <u32>pending;
    pending = -1;
    if (advance(s, arrived(cursors[s], n)) == R_IO) return 0;
  }
  // start every cursor: its first buffer, its first event
  while (primed < nSlots) {
    const s = primed++;
    if (advance(s, nextBuffer(cursors[s], false)) == R_IO) return 0;
  }
  return mergeLoop();
}

function mergeLoop(): u32 {
  while (true) {
    if (failed) return 0;
    if (outFree() < OUT_RESERVE) return 1;
    // the cursor whose next event is earliest (the lower slot on a tie: file order)
    let best: i32 = -1; let bestTs: u64 = 0;
    for (let s: u32 = 0; s < nSlots; s++) {
      const c = cursors[s];
      if (!c.ready) continue;
      if (best < 0 || c.ts < bestTs) { best = <i32>s; bestTs = c.ts; }
    }
    if (best < 0) { pass = P_DONE; noRequest(); return 0; }
    if (!emit(cursors[best])) return 0; // the index pass again (its first read is pending)
    const r = advance(<u32>best, nextEvent(cursors[best], true));
    if (r == R_IO) return 0;
  }
  return 0;
}

// Decodes the cursor's event. false: the index pass starts again, reading every record (a pktmon
// trace: the components' counts are needed before its first packet).
function emit(c: Cursor): bool {
  const p = c.win + <usize>(c.rec - c.winPos);
  const prov = providerOf(p + EH_PROVIDER);
  const id = <u32>load<u16>(p + EH_ID);
  const u = userData(p);
  const ulen = userLen(p, u);
  if (prov == PROV_PKTMON && !sawPktmon) {
    if (frames == 0 && !scanAll) { scanAll = true; index(); return false; }
    // pktmon events only after other packets (a trace of several providers): the component of the first one
    sawPktmon = true;
    chosen = isPacketEvent(prov, id) ? pktmonComponent(u, ulen) : 0xffffffff;
  }
  if (prov == PROV_PKTMON && isPktmonInfo(id)) {
    pktmonInfo(id, u, ulen);
    if (id != PKTMON_EV_COMPONENT) return true;
    if (ulen >= 4 && <u32>load<u16>(u) == chosen && nameLen == 0) {
      // "Name\0Description\0" → "Name, Description"
      let o: u32 = 4; let k: u32 = 0; let part: u32 = 0;
      while (o + 2 <= ulen && k + 4 <= NAME_CAP && part < 2) {
        const ch = load<u16>(u + o); o += 2;
        if (ch == 0) { part++; if (part == 1) { store<u16>(nameBase + k, 0x2c); store<u16>(nameBase + k + 2, 0x20); k += 4; } continue; }
        store<u16>(nameBase + k, ch); k += 2;
      }
      nameLen = k;
    }
    return true;
  }
  frames++;
  // in microseconds, as etl2pcapng writes them (FILETIME / 10), so that times match its output
  const ns = toNs(c.ts);
  setPacket(frames, ns - ns % 1000, 6);
  if (prov == PROV_PKTMON) {
    if (id == PKTMON_EV_DROP) {
      if (drops++ == 0 && ulen >= 26) firstDropReason = load<u32>(u + PKTMON_OFF_DROP_REASON);
      // A packet dropped before it reached the analysed component (an outgoing SYN a filter
      // dropped above the network adapter) is analysed as the copy nearest the wire: without it
      // the connection would not exist at all. One the component logged already is not.
      const analyse = ulen >= <u32>PKTMON_HDR_SIZE && !seenByChosen(u);
      pktmonDrop(u, ulen);
      if (analyse) { setPacket(frames, ns - ns % 1000, 6); etwPacket(prov, PKTMON_EV_PACKET, load<u64>(p + EH_KEYWORD), u, ulen); }
      return true;
    }
    if (pktmonComponent(u, ulen) != chosen) { copiesSkipped++; return true; }
    rememberChosen(u);
  }
  etwPacket(prov, id, load<u64>(p + EH_KEYWORD), u, ulen);
  return true;
}

// The last packets (PktGroupId, PktNumber) the analysed component logged: a dropped packet among
// them was analysed already. A packet's copies are logged within microseconds of each other, so
// a short ring is enough; what falls out of it is at worst analysed twice.
const SEEN_RING: u32 = 256;
let seenBase: usize = 0; // u64[SEEN_RING]
let seenNext: u32 = 0;
function packetKey(u: usize): u64 { return load<u64>(u) ^ (<u64>load<u16>(u + 8) << 48) ^ 1; }
function rememberChosen(u: usize): void {
  store<u64>(seenBase + <usize>(seenNext & (SEEN_RING - 1)) * 8, packetKey(u));
  seenNext++;
}
function seenByChosen(u: usize): bool {
  const k = packetKey(u);
  const n = seenNext < SEEN_RING ? seenNext : SEEN_RING;
  for (let i: u32 = 0; i < n; i++) if (load<u64>(seenBase + <usize>i * 8) == k) return true;
  return false;
}

// ---- the reader's entry points ----

/** The bytes asked for arrived. 1 = paused for output space. */
export function etlPulled(n: u32): u32 {
  let r: u32 = 0;
  if (pass == P_INDEX) r = indexStep(n);
  else if (pass == P_MERGE) r = mergeStep(n, true);
  publishAhead();
  return r;
}

export function etlResume(): u32 {
  const r = pass == P_MERGE && pending < 0 ? mergeLoop() : 0;
  publishAhead();
  return r;
}

export function etlFinish(): void {
  if (failed) return;
  if (sawPktmon && chosen != 0xffffffff) {
    begin(EV_WARNING); fU32(F_CODE, W_PKTMON_COPIES); fU64(F_OFFSET, 0); fU64(F_VALUE, chosen); fU64(F_VALUE2, copiesSkipped);
    if (nameLen > 0) fBytes(F_WIN_NAME, T_UTF16, nameBase, nameLen);
    end();
  }
  if (drops > 0) warn(W_PKTMON_DROPS, 0, drops, firstDropReason);
}
