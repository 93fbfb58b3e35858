// Network Monitor 2.x capture (.cap, magic "GMBU"), as Wireshark's wiretap/netmon.c reads it, and
// 1.x (magic "RTSS"): the same 128-byte header and frame table, 8-byte records (u32 milliseconds
// since the start, u16 original and u16 captured length; netmon.c's netmonrec_1_x_hdr), one
// network type for the whole file, no trailer.
//
// The records are found through the frame table (a u32 file offset per frame, at an offset the
// header gives, usually at the end), and need not be in file order. So after the first slice
// the reader switches to pull mode (capture/pull.ts): it reads the table a chunk at a time, then
// the records through a window that follows them: one read per window when they are in order
// (every file NetMon or editcap writes), a small read per record when they are not.
//
// Frame numbers are table positions + 1, as in Wireshark; frames that hold no packet (network
// info, filters, events of other providers) are counted but not decoded. NetEvent frames
// (0xFFE0) carry an ETW event; ndiscap and pktmon packet events inside them are decoded like the
// ETL reader's (etwPacket.ts).
import {
  EV_CAPTURE, EV_WARNING, EV_ERROR, F_CODE, F_OFFSET, F_VALUE, F_VALUE2, F_FORMAT, F_LINKTYPE, F_IFACE, F_TSRESOL,
  FMT_NETMON, E_NETMON, E_NETMON_HEADER, E_TRUNCATED_HEADER, W_FRAME_TABLE_CUT, W_BAD_FRAME, W_NOT_PACKETS, W_SNAPLEN_CUT,
} from "../events";
import {
  NETMON_HDR_SIZE, NETMON_OFF_VERSION, NETMON_OFF_NETWORK, NETMON_OFF_START, NETMON_OFF_TABLE, NETMON_REC_HDR, NETMON1_REC_HDR,
  NETMON_NET_NETEVENT, NETMON_NET_PCAP_BASE, NETMON_NET_MA_FIRST, NETMON_NET_MA_LAST, NETMON_NET_SPECIAL,
  NETEV_OFF_TIMESTAMP, NETEV_OFF_PROVIDER, NETEV_OFF_EVENT_ID, NETEV_OFF_KEYWORD, NETEV_OFF_EXT_COUNT,
  NETEV_OFF_USER_LEN, NETEV_HDR_SIZE, LT_ETHERNET, LT_RAW,
} from "../wire";
import { begin, end, fU32, fU64, setPacket, outFree, OUT_RESERVE } from "../out";
import { handlePacket } from "../net/packet";
import { request, noRequest, startPulling, progressed } from "./pull";
import { providerOf, isPacketEvent, etwPacket } from "./etwPacket";

const LARGEST_RECORD: u32 = 256 << 10; // Wireshark's own limit for a frame
const SMALL_WINDOW: u32 = 4096; // read for a record out of order (most frames are shorter)
const FILETIME_EPOCH_DIFF: i64 = 116444736000000000; // 1601 → 1970 in 100 ns

let winBase: usize = 0; // records are read here
let winCap: u32 = 0;
let tabBase: usize = 0; // frame table chunks are read here
let tabCap: u32 = 0;

const PH_IDLE: u32 = 0;
const PH_TABLE: u32 = 1; // waiting for a table chunk
const PH_WINDOW: u32 = 2; // waiting for a window of records
const PH_FRAMES: u32 = 3; // decoding the chunk's frames
const PH_DONE: u32 = 4;

let phase = PH_IDLE;
let minor: u32 = 0;
let v1 = false; // version 1.x records
let recHdr: u32 = NETMON_REC_HDR;
let headerNet: u32 = 0;
let startNs: i64 = 0;
let tableOff: u64 = 0;
let tableLen: u32 = 0; // bytes
let tableDone: u32 = 0; // bytes of the table already read
let chunkN: u32 = 0; // entries in the current chunk
let chunkI: u32 = 0;
let winOff: u64 = 0;
let winLen: u32 = 0; // valid bytes in the window
let nextSeq: u64 = 0; // end of the last record read (where an in-order next record starts)
let frames: u32 = 0;
let notPackets: u64 = 0;
let badFrames: u32 = 0;
let snapWarned = false;
let announcedLinks: u32 = 0; // up to 4 link types announced, packed as u8 indexes in `links`
const links = new StaticArray<u32>(4);

export function netmonInit(win: usize, wcap: u32, tab: usize, tcap: u32): void {
  winBase = win; winCap = wcap; tabBase = tab; tabCap = tcap & ~3;
}

export function netmonReset(): void {
  phase = PH_IDLE; minor = 0; v1 = false; recHdr = NETMON_REC_HDR; headerNet = 0; startNs = 0; tableOff = 0; tableLen = 0; tableDone = 0;
  chunkN = 0; chunkI = 0; winOff = 0; winLen = 0; askedLen = 0; readBytes = 0; nextSeq = 0; frames = 0; notPackets = 0; badFrames = 0;
  snapWarned = false; announcedLinks = 0; failed = false; badFrames = 0; firstBadOff = 0; firstBadFrame = 0;
}

export function netmonFrames(): u32 { return frames; }

function warn(code: u32, off: u64, v: u64, v2: u64): void {
  begin(EV_WARNING); fU32(F_CODE, code); fU64(F_OFFSET, off); fU64(F_VALUE, v); fU64(F_VALUE2, v2); end();
}
function fail(code: u32, off: u64, v: u64, v2: u64): void {
  begin(EV_ERROR); fU32(F_CODE, code); fU64(F_OFFSET, off); fU64(F_VALUE, v); fU64(F_VALUE2, v2); end();
  phase = PH_DONE; failed = true; noRequest();
}
let failed = false;
export function netmonFailed(): bool { return failed; }

function announce(link: u32): void {
  for (let i: u32 = 0; i < announcedLinks; i++) if (links[i] == link) return;
  if (announcedLinks < 4) links[announcedLinks++] = link;
  begin(EV_CAPTURE); fU32(F_FORMAT, FMT_NETMON); fU32(F_LINKTYPE, link); fU32(F_IFACE, 0); fU32(F_TSRESOL, 6); end();
}

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
function daysFromCivil(y0: i32, m: i32, d: i32): i64 {
  const y = m <= 2 ? y0 - 1 : y0;
  const era = (y >= 0 ? y : y - 399) / 400;
  const yoe = y - era * 400;
  const doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return <i64>era * 146097 + <i64>doe - 719468;
}

/** The link type of a NetMon network type, 0 for frames that are not packets. */
function linkOf(net: u32): u32 {
  if (net == 0 || net == 1) return LT_ETHERNET;
  if (net >= 7 && net <= 9) return LT_RAW;
  if (net >= <u32>NETMON_NET_MA_FIRST && net <= <u32>NETMON_NET_MA_LAST) return 0;
  if ((net & 0xf000) == NETMON_NET_PCAP_BASE) return net & 0x0fff;
  if (net >= <u32>NETMON_NET_SPECIAL) return 0;
  return 0x10000 | net; // Token Ring, FDDI, NetMon 802.11: counted, not decoded
}

/**
 * The file's first slice starts with "GMBU" or "RTSS" (reader.ts). Returns the bytes consumed:
 * 0 to wait for more of the header, or the slice length once pull mode has taken over.
 */
export function netmonStart(p: usize, avail: u32, isV1: bool): u32 {
  if (avail < <u32>NETMON_HDR_SIZE) return 0;
  minor = <u32>load<u8>(p + NETMON_OFF_VERSION);
  const major = <u32>load<u8>(p + NETMON_OFF_VERSION + 1);
  if (major != (isV1 ? 1 : 2)) { fail(E_NETMON, 0, major, minor); return 0; }
  v1 = isV1;
  recHdr = v1 ? NETMON1_REC_HDR : NETMON_REC_HDR;
  headerNet = <u32>load<u16>(p + NETMON_OFF_NETWORK);
  const st = p + NETMON_OFF_START; // SYSTEMTIME: year, month, day of week, day, hour, min, sec, ms
  const days = daysFromCivil(<i32>load<u16>(st), <i32>load<u16>(st + 2), <i32>load<u16>(st + 6));
  const secs = days * 86400 + <i64>load<u16>(st + 8) * 3600 + <i64>load<u16>(st + 10) * 60 + <i64>load<u16>(st + 12);
  startNs = secs * 1000000000 + <i64>load<u16>(st + 14) * 1000000;
  tableOff = <u64>load<u32>(p + NETMON_OFF_TABLE);
  tableLen = load<u32>(p + NETMON_OFF_TABLE + 4);
  if ((tableLen & 3) != 0 || (tableLen > 0 && tableOff < <u64>NETMON_HDR_SIZE)) { fail(E_NETMON_HEADER, NETMON_OFF_TABLE, tableOff, tableLen); return 0; }
  const hl = linkOf(headerNet);
  announce(hl != 0 ? hl : LT_ETHERNET);
  startPulling(<u64>tableLen * 2); // progress: table entries read + records decoded (4 bytes each)
  askTable();
  return avail;
}

export function netmonTruncatedHeader(avail: u32): void { fail(E_TRUNCATED_HEADER, 0, avail, NETMON_HDR_SIZE); }

function askTable(): void {
  if (tableDone >= tableLen) { phase = PH_DONE; noRequest(); return; }
  const n = tableLen - tableDone < tabCap ? tableLen - tableDone : tabCap;
  phase = PH_TABLE;
  request(tableOff + tableDone, n, tabBase);
}

/** The bytes asked for arrived (n of them). Returns 1 when paused for output space. */
export function netmonPulled(n: u32): u32 {
  if (phase == PH_TABLE) {
    const asked = tableLen - tableDone < tabCap ? tableLen - tableDone : tabCap;
    chunkN = (n < asked ? n : asked) >> 2;
    chunkI = 0;
    progressed(<u64>chunkN * 4);
    if (n < asked) {
      warn(W_FRAME_TABLE_CUT, tableOff + tableDone + n, (tableDone >> 2) + chunkN, tableLen >> 2);
      tableLen = tableDone + chunkN * 4; // nothing more to read
    }
    tableDone += chunkN * 4;
  } else if (phase == PH_WINDOW) {
    winLen = n;
  } else return 0;
  phase = PH_FRAMES;
  return frameLoop();
}

export function netmonResume(): u32 { return phase == PH_FRAMES ? frameLoop() : 0; }

function trailerSize(): u32 {
  if (v1 || minor == 0) return 0;
  if (minor == 1) return 2; // u16 network
  if (minor == 2) return 6; // + u32 process info index
  return 15; // + u64 UTC FILETIME + u8 time zone index
}

function frameLoop(): u32 {
  const trl = trailerSize();
  while (chunkI < chunkN) {
    if (outFree() < OUT_RESERVE) return 1;
    const off = <u64>load<u32>(tabBase + chunkI * 4);
    const want = off == nextSeq ? winCap : SMALL_WINDOW; // in order: read ahead; out of order: just this
    let need: u64 = recHdr;
    let incl: u32 = 0;
    if (off >= winOff && off + recHdr <= winOff + winLen) {
      const h = winBase + <usize>(off - winOff);
      incl = v1 ? <u32>load<u16>(h + 6) : load<u32>(h + 12);
      need = <u64>recHdr + incl + trl;
    }
    if (incl > LARGEST_RECORD) { skipFrame(off); continue; }
    if (off < winOff || off + need > winOff + winLen) {
      // Not (all) in the window. Asked for at least this much here already: the file ends first.
      if (off == winOff && <u64>askedLen >= need) { skipFrame(off); continue; }
      askedLen = need > <u64>want ? <u32>need : want;
      // A frame table that sends the reader back and forth over the same records would cost
      // reads out of all proportion to the file: past a few times its size, the rest is damage.
      readBytes += askedLen;
      if (readBytes > fileSize * 4 + (64 << 20)) {
        while (chunkI < chunkN) skipFrame(<u64>load<u32>(tabBase + chunkI * 4));
        tableDone = tableLen;
        break;
      }
      winOff = off; winLen = 0;
      phase = PH_WINDOW;
      request(off, askedLen, winBase);
      return 0;
    }
    chunkI++;
    progressed(4);
    frames++;
    record(winBase + <usize>(off - winOff), incl, trl);
    nextSeq = off + need;
  }
  askTable();
  return 0;
}

let askedLen: u32 = 0; // length of the read that filled the window
let readBytes: u64 = 0; // bytes of records read so far
let fileSize: u64 = 0;
export function netmonSetFileSize(n: u64): void { fileSize = n; }

function skipFrame(off: u64): void {
  frames++; chunkI++; progressed(4);
  if (badFrames++ == 0) { firstBadOff = off; firstBadFrame = frames; }
}
let firstBadOff: u64 = 0;
let firstBadFrame: u32 = 0;

function record(p: usize, incl: u32, trl: u32): void {
  const orig = v1 ? <u32>load<u16>(p + 4) : load<u32>(p + 8);
  const data = p + recHdr;
  const t = data + incl;
  let net = headerNet;
  if (trl >= 2) net = <u32>load<u16>(t);
  // 2.x: µs since the start (10 × as 100 ns in Wireshark: the same); 1.x: ms
  let ts = v1 ? startNs + <i64>load<u32>(p) * 1000000 : startNs + <i64>load<u64>(p) * 1000;
  if (trl >= 15) {
    const ft = <i64>load<u64>(t + 6);
    if (ft > FILETIME_EPOCH_DIFF) ts = (ft - FILETIME_EPOCH_DIFF) * 100;
  }
  if (net == NETMON_NET_NETEVENT) { netEvent(data, incl); return; }
  const link = linkOf(net);
  setPacket(frames, ts, trl >= 15 ? 7 : v1 ? 3 : 6);
  if (link == 0) { notPackets++; return; }
  announce(link);
  if (incl < orig && !snapWarned) { snapWarned = true; warn(W_SNAPLEN_CUT, 0, incl, orig); }
  handlePacket(data, incl, orig, link);
}

// A NetEvent frame: an ETW event in EVENT_RECORD layout; its own FILETIME stamps the packet.
function netEvent(e: usize, len: u32): void {
  if (len < <u32>NETEV_HDR_SIZE) { notPackets++; setPacket(frames, 0, 6); return; }
  const ft = <i64>load<u64>(e + NETEV_OFF_TIMESTAMP);
  setPacket(frames, ft > FILETIME_EPOCH_DIFF ? (ft - FILETIME_EPOCH_DIFF) * 100 : 0, 7);
  const prov = providerOf(e + NETEV_OFF_PROVIDER);
  const id = <u32>load<u16>(e + NETEV_OFF_EVENT_ID);
  if (!isPacketEvent(prov, id)) { notPackets++; return; }
  let o: u32 = NETEV_HDR_SIZE;
  const ext = <u32>load<u16>(e + NETEV_OFF_EXT_COUNT);
  for (let i: u32 = 0; i < ext; i++) {
    if (o + 8 > len) { notPackets++; return; }
    o += 8 + <u32>load<u16>(e + o + 6);
  }
  let user = <u32>load<u16>(e + NETEV_OFF_USER_LEN);
  if (o > len) { notPackets++; return; }
  if (user > len - o) user = len - o;
  announce(LT_ETHERNET);
  etwPacket(prov, id, load<u64>(e + NETEV_OFF_KEYWORD), e + o, user);
}

/** End of file: what the reader has to say about frames it could not decode. */
export function netmonFinish(): void {
  if (badFrames > 0) warn(W_BAD_FRAME, firstBadOff, firstBadFrame, badFrames);
  if (notPackets > 0) warn(W_NOT_PACKETS, 0, notPackets, 0);
}
