// Compressed SMB2 messages (MS-SMB2 2.2.42; a receiver decompresses them as in 3.1.5.3 and
// 3.3.5.2.1.2, also inside a decrypted TRANSFORM: a sender compresses, 3.1.4.4, then encrypts, 3.1.4.3). Two layouts:
//  - unchained (2.2.42.1, Flags 0): CompressionAlgorithm, Offset; the first Offset bytes after the
//    16-byte header are the message's own, uncompressed; the rest decompresses to
//    OriginalCompressedSegmentSize bytes that follow them.
//  - chained (2.2.42.2, Flags CHAINED): payloads back to back, each with a payload header
//    (2.2.42.2.1: CompressionAlgorithm, Flags, Length, OriginalPayloadSize for LZNT1/LZ77/LZ77+Huffman),
//    NONE (bytes as they are) or Pattern_V1 (2.2.42.2.2: one byte repeated); together
//    OriginalCompressedSegmentSize bytes.
// Bounded like the decrypt stage: only messages of at most SMB_DECOMPRESS_MAX bytes decompressed
// (setup messages and errors; compressed READ/WRITE bulk stays a header record), into one static
// scratch buffer. Every stated size is checked before bytes are produced and the decompressors stop
// at it, so a lying size or a bomb costs at most SMB_DECOMPRESS_MAX bytes of work and gives a
// W_SMB_DECOMPRESS warning, never a trap.
import { DC_CUT, DC_INVALID, DC_SHORT, DC_LONG, DC_ALGORITHM } from "../events";
import {
  SMB2_COMPRESSION_NONE, SMB2_COMPRESSION_LZNT1, SMB2_COMPRESSION_LZ77, SMB2_COMPRESSION_LZ77_HUFFMAN,
  SMB2_COMPRESSION_PATTERN_V1, SMB2_COMPRESSION_FLAG_CHAINED, SMB_DECOMPRESS_MAX as MAX_WIRE,
} from "../wire";
import { u16le, u32le } from "../util";
import { XpressState, xpressRun, XP_ERROR } from "../capture/xpress";
import { lznt1Decompress } from "../capture/lznt1";
import { xpressHuffDecompress, xpressHuffInit, xpressHuffTable, XPRESS_HUFF_TABLE_BYTES } from "../capture/xpressHuff";

const SMB_DECOMPRESS_MAX: u32 = MAX_WIRE;
export const COMPRESSED_HDR: u32 = 16; // ProtocolId, OriginalCompressedSegmentSize, then 8 bytes that differ by layout
const PAYLOAD_HDR: u32 = 8; // chained: CompressionAlgorithm, Flags, Length
const PATTERN_V1_LEN: u32 = 8; // Pattern, Reserved1, Reserved2, Repetitions

let scratch: usize = 0; // SMB_DECOMPRESS_MAX + 1 bytes: one byte past the stated size shows a stream that goes on
const st = new XpressState();
let huffTable: usize = 0; // our own XPRESS Huffman table (the ETL reader's lives in an input area)

export function smb2CompressInit(): void {
  scratch = heap.alloc(SMB_DECOMPRESS_MAX + 1);
  huffTable = heap.alloc(XPRESS_HUFF_TABLE_BYTES);
}

/** Where a successful smb2Decompress left the message. */
export function decompressed(): usize { return scratch; }
// Why the last smb2Decompress failed: where in the message, and the size that was stated.
export let failOffset: u32 = 0;
export let failStated: u32 = 0;

/** True when the message's stated size is within the bound (otherwise it is bulk: not decompressed). */
export function decompressible(p: usize, have: u32): bool {
  return have >= 8 && u32le(p + 4) <= SMB_DECOMPRESS_MAX;
}

function fail(reason: i32, at: u32, stated: u32): i32 { failOffset = at; failStated = stated; return -reason; }

// One compressed stream src[0, len) into dst: exactly `size` bytes (≤ room - 1), or -DC_*.
function inflate(alg: u32, src: usize, len: u32, dst: usize, size: u32, at: u32): i32 {
  // one more than stated: a stream that fills it says more than its header. Not for LZ77+Huffman,
  // whose stream has no end of its own (MS-XCA 2.2: it ends where the output does): stopped at the size.
  const cap = alg == SMB2_COMPRESSION_LZ77_HUFFMAN ? size : size + 1;
  let n: i32;
  if (alg == SMB2_COMPRESSION_LZ77) {
    // a match may run past the target (cut there, limit = the scratch's end): a bomb's one long
    // match then fills the extra byte and says "longer", as a stream of many shorter ones does
    st.reset();
    const limit = <u32>(scratch + SMB_DECOMPRESS_MAX + 1 - dst);
    n = xpressRun(st, src, len, true, dst, cap, limit) == XP_ERROR ? -1 : <i32>st.outPos;
  } else if (alg == SMB2_COMPRESSION_LZNT1) n = lznt1Decompress(src, len, dst, cap); // (a chunk over it: invalid)
  else if (alg == SMB2_COMPRESSION_LZ77_HUFFMAN) {
    const other = xpressHuffTable();
    xpressHuffInit(huffTable);
    n = xpressHuffDecompress(src, len, dst, cap);
    xpressHuffInit(other); // (the ETL reader's state rebuilds its table from its code lengths)
  } else return fail(DC_ALGORITHM, at, alg);
  if (n < 0) return fail(DC_INVALID, at, size);
  if (<u32>n < size) return fail(DC_SHORT, at, size);
  if (<u32>n > size) return fail(DC_LONG, at, size);
  return n;
}

/**
 * Decompresses the compressed message at p (`have` bytes present of `msgLen`; decompressible()
 * true) into decompressed(): its length, or -DC_* (failOffset, failStated say more).
 */
export function smb2Decompress(p: usize, have: u32, msgLen: u32): i32 {
  const total = u32le(p + 4);
  if (have < COMPRESSED_HDR || have < msgLen) return fail(DC_CUT, have, total);
  if (u16le(p + 10) & SMB2_COMPRESSION_FLAG_CHAINED) return chained(p, have, total);
  // unchained: Offset bytes as they are, then one stream
  const alg = u16le(p + 8);
  const offset = u32le(p + 12);
  if (offset > have - COMPRESSED_HDR) return fail(DC_CUT, 12, offset);
  if (<u64>offset + total > <u64>SMB_DECOMPRESS_MAX) return fail(DC_LONG, 12, offset + total);
  memory.copy(scratch, p + COMPRESSED_HDR, offset);
  const at = COMPRESSED_HDR + offset;
  const n = inflate(alg, p + at, have - at, scratch + offset, total, at);
  return n < 0 ? n : <i32>(offset + total);
}

function chained(p: usize, have: u32, total: u32): i32 {
  let pos: u32 = 8; // the first payload header follows OriginalCompressedSegmentSize
  let out: u32 = 0;
  while (pos < have) {
    if (have - pos < PAYLOAD_HDR) return fail(DC_CUT, pos, total);
    const alg = u16le(p + pos);
    const len = u32le(p + pos + 4);
    const at = pos;
    pos += PAYLOAD_HDR;
    if (len > have - pos) return fail(DC_CUT, at, len);
    const room = total - out;
    if (alg == SMB2_COMPRESSION_NONE) {
      if (len > room) return fail(DC_LONG, at, total);
      memory.copy(scratch + out, p + pos, len);
      out += len;
    } else if (alg == SMB2_COMPRESSION_PATTERN_V1) {
      if (len < PATTERN_V1_LEN) return fail(DC_CUT, at, len);
      const reps = u32le(p + pos + 4);
      if (reps > room) return fail(DC_LONG, at, reps);
      memory.fill(scratch + out, load<u8>(p + pos), reps);
      out += reps;
    } else {
      if (len < 4) return fail(DC_CUT, at, len);
      const size = u32le(p + pos); // OriginalPayloadSize
      if (size > room) return fail(DC_LONG, at, size);
      const n = inflate(alg, p + pos + 4, len - 4, scratch + out, size, at);
      if (n < 0) return n;
      out += size;
    }
    pos += len;
  }
  if (out != total) return fail(DC_SHORT, 4, total);
  return <i32>out;
}
