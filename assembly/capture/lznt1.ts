// LZNT1 decompression, MS-XCA 2.5: ETW's compression format 2 (COMPRESSION_FORMAT_LZNT1).
// Written from the specification.
//
// The stream is chunks, each at most 4096 bytes of output: a u16 header (bits 0–11: the chunk's
// bytes after the header, minus 1; bits 12–14: the signature 3; bit 15: compressed), then either
// the raw bytes or groups of 8 items led by a flag byte read from its least significant bit:
// 0 = one literal byte, 1 = a u16 token whose split between displacement and length depends on
// how far into the chunk the output is (12 length bits at the start, one fewer each time the
// position doubles past 16). A header of 0 ends the stream. Matches never reach before their
// chunk, so chunks are independent: a resumed call needs no history, only whole chunks.
//
// Resumable on chunk boundaries (the ETL reader decompresses a buffer a window at a time): a
// chunk is decoded only when all its input is there and the output has room for 4096 bytes (or
// for the rest of what the buffer announces). Hostile input: output never passes `limit`.
import { XpressState, XP_FULL, XP_NEED_INPUT, XP_END, XP_ERROR } from "./xpress";

const CHUNK_OUT: u32 = 4096;

/** Same contract as xpressRun (xpress.ts); `st` carries only inPos/outPos between calls. */
export function lznt1Run(st: XpressState, input: usize, inLen: u32, complete: bool, out: usize, target: u32, limit: u32): u32 {
  let ip = st.inPos;
  let op = st.outPos;
  let status = XP_FULL;
  while (true) {
    if (op >= target) break;
    if (ip + 2 > inLen) { status = complete ? XP_END : XP_NEED_INPUT; break; }
    const hdr = <u32>load<u16>(input + ip);
    if (hdr == 0) { status = XP_END; break; }
    const size = (hdr & 0xfff) + 1; // bytes after the header
    if (((hdr >> 12) & 7) != 3) { status = XP_ERROR; break; }
    if (ip + 2 + size > inLen) { status = complete ? XP_ERROR : XP_NEED_INPUT; break; }
    // room: a whole chunk's output, unless what is left of the buffer is less
    const room = limit - op < CHUNK_OUT ? limit - op : CHUNK_OUT;
    if (target - op < room) break; // XP_FULL: the caller frees room and calls again
    const src = input + ip + 2;
    if ((hdr & 0x8000) == 0) { // stored: size raw bytes
      if (size > limit - op) { status = XP_ERROR; break; }
      memory.copy(out + op, src, size);
      op += size;
    } else {
      const n = chunk(src, size, out + op, room);
      if (n < 0) { status = XP_ERROR; break; }
      op += <u32>n;
    }
    ip += 2 + size;
  }
  st.inPos = ip;
  st.outPos = op;
  return status;
}

// One compressed chunk: `len` input bytes into at most `cap` output bytes. -1 when invalid.
function chunk(p: usize, len: u32, out: usize, cap: u32): i32 {
  let i: u32 = 0;
  let o: u32 = 0;
  while (i < len) {
    const flags = <u32>load<u8>(p + i); i++;
    for (let b: u32 = 0; b < 8 && i < len; b++) {
      if (((flags >> b) & 1) == 0) {
        if (o >= cap) return -1;
        store<u8>(out + o, load<u8>(p + i)); o++; i++;
        continue;
      }
      if (i + 2 > len) return -1;
      const token = <u32>load<u16>(p + i); i += 2;
      // the split: 4 displacement bits up to position 16, one more each time the position doubles
      let lengthBits: u32 = 12;
      for (let k = o - 1; o > 0 && k >= 0x10; k >>= 1) lengthBits--;
      if (o == 0) return -1; // a match before any output
      const length = (token & ((1 << lengthBits) - 1)) + 3;
      const disp = (token >> lengthBits) + 1;
      if (disp > o || length > cap - o) return -1;
      // byte by byte: the copy may overlap what it writes
      const from = out + o - disp;
      for (let k: u32 = 0; k < length; k++) store<u8>(out + o + k, load<u8>(from + k));
      o += length;
    }
  }
  return <i32>o;
}

const oneShot = new XpressState();

/** Decompresses src[0, srcLen) into dst, up to `cap` bytes, in one call: the bytes produced, or -1. */
export function lznt1Decompress(src: usize, srcLen: u32, dst: usize, cap: u32): i32 {
  oneShot.reset();
  const s = lznt1Run(oneShot, src, srcLen, true, dst, cap, cap);
  return s == XP_ERROR ? -1 : <i32>oneShot.outPos;
}
