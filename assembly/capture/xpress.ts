// XPRESS "plain LZ77" decompression, MS-XCA 2.4: what ETW uses for compressed ETL buffers (the
// logger's compression format 3). Written from the specification's pseudo-code.
//
// The stream is groups of 32 items, each group led by a u32 of flags read from the most significant
// bit: 0 = one literal byte, 1 = a u16 match token (offset - 1 in the high 13 bits, length - 3 in
// the low 3, longer lengths continued in a shared nibble, then a byte, a u16 and a u32).
//
// Hostile input: the output never passes `cap` (the size the buffer header announces, at most
// ETW's 16 MiB), so a decompression bomb costs at most `cap` bytes of work; a match reaching
// before the start of the output, or input that ends inside a token, is an error.

export const XPRESS_ERROR: i32 = -1;

/**
 * Decompresses src[0, srcLen) into dst, up to `cap` bytes. Returns the bytes produced (cap when the
 * output is full; fewer when the stream ends early, as MS-XCA's end condition allows), or
 * XPRESS_ERROR.
 */
export function xpressDecompress(src: usize, srcLen: u32, dst: usize, cap: u32): i32 {
  const inEnd = src + srcLen;
  let ip = src;
  let op: usize = dst;
  const outEnd = dst + cap;
  let flags: u32 = 0;
  let flagCount: u32 = 0;
  let halfByte: usize = 0; // where the pending shared length nibble is (0: none)
  while (op < outEnd) {
    if (flagCount == 0) {
      if (ip + 4 > inEnd) return <i32>(op - dst); // the stream ends on a group boundary
      flags = load<u32>(ip); ip += 4; flagCount = 32;
    }
    flagCount--;
    if (((flags >>> flagCount) & 1) == 0) {
      if (ip >= inEnd) return <i32>(op - dst);
      store<u8>(op, load<u8>(ip)); op++; ip++;
      continue;
    }
    if (ip == inEnd) return <i32>(op - dst); // MS-XCA: a match flag at the very end ends the stream
    if (ip + 2 > inEnd) return XPRESS_ERROR;
    const token = <u32>load<u16>(ip); ip += 2;
    let len = token & 7;
    const dist = <usize>(token >>> 3) + 1;
    if (len == 7) {
      if (halfByte == 0) {
        if (ip >= inEnd) return XPRESS_ERROR;
        len = <u32>load<u8>(ip) & 15; halfByte = ip; ip++;
      } else {
        len = <u32>load<u8>(halfByte) >>> 4; halfByte = 0;
      }
      if (len == 15) {
        if (ip >= inEnd) return XPRESS_ERROR;
        len = <u32>load<u8>(ip); ip++;
        if (len == 255) {
          if (ip + 2 > inEnd) return XPRESS_ERROR;
          len = <u32>load<u16>(ip); ip += 2;
          if (len == 0) {
            if (ip + 4 > inEnd) return XPRESS_ERROR;
            len = load<u32>(ip); ip += 4;
          }
          if (len < 15 + 7) return XPRESS_ERROR;
          len -= 15 + 7;
        }
        len += 15;
      }
      len += 7;
    }
    let n = <u64>len + 3;
    if (dist > op - dst) return XPRESS_ERROR; // before the start of the output
    if (n > <u64>(outEnd - op)) return XPRESS_ERROR; // longer than the buffer announced
    let from = op - dist;
    if (dist >= <usize>n) { memory.copy(op, from, <usize>n); op += <usize>n; continue; }
    // Overlapping (a run): copy in steps of `dist`, each one doubling what is repeated.
    let left = <usize>n;
    let step = dist;
    while (left > 0) {
      const k = step < left ? step : left;
      memory.copy(op, from, k);
      op += k; left -= k;
      step += step; // the bytes from `from` up to op now repeat with period dist
    }
  }
  return <i32>(op - dst);
}
