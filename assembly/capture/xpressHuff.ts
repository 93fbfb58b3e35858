// XPRESS Huffman ("LZ77+Huffman") decompression, MS-XCA 2.1–2.2: ETW's compression format 4
// (COMPRESSION_FORMAT_XPRESS_HUFF). Written from the specification (2.2.4 Processing).
//
// The output is made in blocks of 65536 bytes (a match may run past a block's end). Each block
// starts with 256 bytes giving the code length (0–15) of the 512 symbols, 4 bits each (even
// symbol in the low nibble), the codes being canonical (ordered by length, then symbol). Then a
// bit stream read most significant bit first from little-endian u16 words, 32 bits preloaded:
// symbols 0–255 are literals; 256–511 a match, (symbol - 256) & 15 its length - 3 (15: the
// length continues in the byte stream: one byte, then 255 → a u16 holding the length - 3, 0 → a
// u32), (symbol - 256) >> 4 the number of distance bits after the implicit top bit. A block's
// leftover bits are dropped: the next table starts at the byte after the last word read.
//
// Resumable symbol by symbol (the ETL reader decompresses a buffer a window at a time; a resumed
// call must see the last 65535 bytes of output behind it): the decoding state, including the
// block's code lengths, lives in HuffState. The 32768-entry decoding table is shared by every
// state and rebuilt when another state's block is decoded (the reader's cursors take turns).
import { XP_FULL, XP_NEED_INPUT, XP_END, XP_ERROR } from "./xpress";

/** The longest match distance: how much output a resumed call must still see behind outPos. */
export const XPRESS_HUFF_HISTORY: u32 = 65536;
const BLOCK: u32 = 65536;
const TABLE_BITS: u32 = 15;
// An item needs at most 4 (refills) + 1 + 2 + 4 (length bytes) bytes of input; a block start 260.
const ITEM_MAX: u32 = 16;

export class HuffState {
  lens: StaticArray<u8> = new StaticArray<u8>(512); // the block's code lengths
  inBlock: bool = false; // false: the next bytes are a block's table
  blockLeft: u32 = 0; // output bytes left in the block
  bits: u32 = 0; // the next 32 bits of the stream, most significant first
  extra: i32 = 0; // bits beyond the top 16 still valid (MS-XCA's ExtraBitCount)
  matchLeft: u32 = 0;
  matchDist: u32 = 0;
  id: u32 = 0; // which state the shared table was built for
  inPos: u32 = 0;
  outPos: u32 = 0;
  reset(): void { this.inBlock = false; this.blockLeft = 0; this.bits = 0; this.extra = 0; this.matchLeft = 0; this.matchDist = 0; this.inPos = 0; this.outPos = 0; }
}

let table: usize = 0; // u16[1 << TABLE_BITS]: symbol | length << 9
let tableOwner: u32 = 0; // HuffState.id of the table's block (0: none)
let nextId: u32 = 1;

export function xpressHuffInit(t: usize): void { table = t; tableOwner = 0; }
/** The table in use (an SMB2 decompression borrows the pointer and gives it back). */
export function xpressHuffTable(): usize { return table; }
/** Bytes the shared decoding table needs. */
export const XPRESS_HUFF_TABLE_BYTES: u32 = (1 << TABLE_BITS) * 2;

// The canonical codes of st.lens into the shared table; false when the lengths are not a
// complete prefix code (over- or under-subscribed).
function build(st: HuffState): bool {
  if (st.id == 0) st.id = nextId++;
  let code: u32 = 0; // the next code, left-aligned to TABLE_BITS
  let any = false;
  for (let len: u32 = 1; len <= TABLE_BITS; len++) {
    const span: u32 = 1 << (TABLE_BITS - len);
    for (let s: u32 = 0; s < 512; s++) {
      if (<u32>unchecked(st.lens[s]) != len) continue;
      if (code + span > (1 << TABLE_BITS)) { tableOwner = 0; return false; }
      const v = <u16>(s | (len << 9));
      for (let k: u32 = 0; k < span; k++) store<u16>(table + <usize>(code + k) * 2, v);
      code += span;
      any = true;
    }
  }
  if (!any || code != (1 << TABLE_BITS)) { tableOwner = 0; return false; }
  tableOwner = st.id;
  return true;
}

// The next u16 of the stream into the bits; past the end of a complete input, zeros (the last
// symbols' refill may look beyond a stream that needs no more bits).
@inline function refill(st: HuffState, input: usize, ip: u32, inLen: u32): u32 {
  if (ip + 2 <= inLen) st.bits |= <u32>load<u16>(input + ip) << <u32>(-st.extra);
  st.extra += 16;
  return ip + 2 <= inLen ? ip + 2 : inLen;
}

/** Same contract as xpressRun (xpress.ts), with a HuffState; `limit`: where the whole output ends. */
export function xpressHuffRun(st: HuffState, input: usize, inLen: u32, complete: bool, out: usize, target: u32, limit: u32): u32 {
  let ip = st.inPos;
  let op = st.outPos;
  let status = XP_FULL;
  while (true) {
    if (st.matchLeft > 0) {
      if (op >= target) break;
      let k = st.matchLeft; if (k > target - op) k = target - op;
      const from = out + op - st.matchDist;
      for (let i: u32 = 0; i < k; i++) store<u8>(out + op + i, load<u8>(from + i));
      op += k; st.matchLeft -= k;
      continue;
    }
    if (op >= target) break;
    if (!st.inBlock || st.blockLeft == 0) {
      // a block's table and the stream's first 32 bits
      if (inLen - ip < 260) { status = complete ? (inLen == ip ? XP_END : XP_ERROR) : XP_NEED_INPUT; break; }
      for (let i: u32 = 0; i < 256; i++) {
        const b = <u32>load<u8>(input + ip + i);
        unchecked(st.lens[2 * i] = <u8>(b & 15));
        unchecked(st.lens[2 * i + 1] = <u8>(b >> 4));
      }
      if (!build(st)) { status = XP_ERROR; break; }
      ip += 256;
      st.bits = (<u32>load<u16>(input + ip) << 16) | <u32>load<u16>(input + ip + 2);
      ip += 4;
      st.extra = 16;
      st.inBlock = true;
      st.blockLeft = limit - op < BLOCK ? limit - op : BLOCK;
      continue;
    }
    if (inLen - ip < ITEM_MAX && !complete) { status = XP_NEED_INPUT; break; }
    if (tableOwner != st.id && !build(st)) { status = XP_ERROR; break; }
    const e = <u32>load<u16>(table + <usize>(st.bits >>> (32 - TABLE_BITS)) * 2);
    const sym = e & 511, len = e >> 9;
    st.bits <<= len; st.extra -= <i32>len;
    if (st.extra < 0) ip = refill(st, input, ip, inLen);
    if (sym < 256) {
      store<u8>(out + op, <u8>sym); op++;
      st.blockLeft = st.blockLeft > 0 ? st.blockLeft - 1 : 0;
      continue;
    }
    let mlen = (sym - 256) & 15;
    const dbits = (sym - 256) >> 4;
    if (mlen == 15) {
      if (ip >= inLen) { status = XP_ERROR; break; }
      mlen = <u32>load<u8>(input + ip); ip++;
      if (mlen == 255) {
        if (ip + 2 > inLen) { status = XP_ERROR; break; }
        mlen = <u32>load<u16>(input + ip); ip += 2;
        if (mlen == 0) {
          if (ip + 4 > inLen) { status = XP_ERROR; break; }
          mlen = load<u32>(input + ip); ip += 4;
        }
      } else mlen += 15;
    }
    const n = <u64>mlen + 3;
    let dist: u32 = 1 << dbits;
    if (dbits > 0) {
      dist |= st.bits >>> (32 - dbits);
      st.bits <<= dbits; st.extra -= <i32>dbits;
      if (st.extra < 0) ip = refill(st, input, ip, inLen);
    }
    if (dist > op) { status = XP_ERROR; break; } // before the start of the output
    if (n > <u64>(limit - op)) { status = XP_ERROR; break; } // longer than the output announced
    st.matchDist = dist; st.matchLeft = <u32>n;
    st.blockLeft = <u64>st.blockLeft > n ? st.blockLeft - <u32>n : 0;
  }
  st.inPos = ip;
  st.outPos = op;
  return status;
}

const oneShot = new HuffState();

/** Decompresses src[0, srcLen) into dst, up to `cap` bytes, in one call: the bytes produced, or -1. */
export function xpressHuffDecompress(src: usize, srcLen: u32, dst: usize, cap: u32): i32 {
  oneShot.reset();
  const s = xpressHuffRun(oneShot, src, srcLen, true, dst, cap, cap);
  return s == XP_ERROR ? -1 : <i32>oneShot.outPos;
}
