// XPRESS "plain LZ77" decompression, MS-XCA 2.4: what ETW uses for compressed ETL buffers (the
// logger's compression format 3). Written from the specification's pseudo-code.
//
// The stream is groups of 32 items, each group led by a u32 of flags read from the most significant
// bit: 0 = one literal byte, 1 = a u16 match token (distance - 1 in the high 13 bits, length - 3
// in the low 3, longer lengths continued in a nibble shared by two matches, then a byte, a u16
// and a u32).
//
// Resumable: the ETL reader decompresses a buffer a window at a time (its cursors keep only the
// last 8 KiB, the longest distance, of what came before), with its compressed bytes arriving in
// pieces; XpressState carries what a call leaves unfinished. Hostile input: the output never
// passes the size the buffer header announces (`limit`, at most ETW's 16 MiB), so a decompression
// bomb costs at most that much work; a match reaching before the output's start, or a token cut by
// the end of the input, is an error.

export const XP_FULL: u32 = 0; // the output reached `target`
export const XP_NEED_INPUT: u32 = 1; // call again with more input (the unread rest kept from inPos)
export const XP_END: u32 = 2; // the input is complete and the stream ended before `target`
export const XP_ERROR: u32 = 3;

/** The longest match distance: how much output a resumed call must still see behind outPos. */
export const XPRESS_HISTORY: u32 = 8192;
// An item needs at most 4 (flags) + 2 (token) + 1 (nibble) + 1 + 2 + 4 bytes of input.
const ITEM_MAX: u32 = 14;

export class XpressState {
  flags: u32 = 0;
  flagCount: u32 = 0;
  nibble: u32 = 0;
  nibblePending: bool = false;
  matchLeft: u32 = 0; // a match cut by `target`, finished by the next call
  matchDist: u32 = 0;
  inPos: u32 = 0; // input consumed (in/out)
  outPos: u32 = 0; // output position (in/out)
  reset(): void { this.flags = 0; this.flagCount = 0; this.nibble = 0; this.nibblePending = false; this.matchLeft = 0; this.matchDist = 0; this.inPos = 0; this.outPos = 0; }
}

function copyMatch(dst: usize, dist: u32, n: u32): void {
  const from = dst - dist;
  if (dist >= n) { memory.copy(dst, from, n); return; }
  // overlapping (a run): each step doubles the stretch that repeats with period `dist`
  let left = n; let step = dist; let o = dst;
  while (left > 0) { const k = step < left ? step : left; memory.copy(o, from, k); o += k; left -= k; step += step; }
}

/**
 * Decompresses input[st.inPos, inLen) to out[st.outPos, target). `limit` (≥ target): where the
 * whole output ends, relative to `out`; `complete`: no input follows. Output before st.outPos is the
 * history matches may refer to.
 */
export function xpressRun(st: XpressState, input: usize, inLen: u32, complete: bool, out: usize, target: u32, limit: u32): u32 {
  let ip = st.inPos;
  let op = st.outPos;
  let status = XP_FULL;
  while (true) {
    if (st.matchLeft > 0) {
      if (op >= target) break;
      let k = st.matchLeft; if (k > target - op) k = target - op;
      copyMatch(out + op, st.matchDist, k);
      op += k; st.matchLeft -= k;
      continue;
    }
    if (op >= target) break;
    if (inLen - ip < ITEM_MAX && !complete) { status = XP_NEED_INPUT; break; }
    if (st.flagCount == 0) {
      if (ip + 4 > inLen) { status = XP_END; break; } // the stream ends on a group boundary
      st.flags = load<u32>(input + ip); ip += 4; st.flagCount = 32;
    }
    st.flagCount--;
    if (((st.flags >>> st.flagCount) & 1) == 0) {
      if (ip >= inLen) { status = XP_END; break; }
      store<u8>(out + op, load<u8>(input + ip)); op++; ip++;
      continue;
    }
    if (ip == inLen) { status = XP_END; break; } // MS-XCA: a match flag at the very end ends the stream
    if (ip + 2 > inLen) { status = XP_ERROR; break; }
    const token = <u32>load<u16>(input + ip); ip += 2;
    let len = token & 7;
    const dist = (token >>> 3) + 1;
    if (len == 7) {
      if (!st.nibblePending) {
        if (ip >= inLen) { status = XP_ERROR; break; }
        st.nibble = <u32>load<u8>(input + ip); ip++; st.nibblePending = true;
        len = st.nibble & 15;
      } else { len = st.nibble >>> 4; st.nibblePending = false; }
      if (len == 15) {
        if (ip >= inLen) { status = XP_ERROR; break; }
        len = <u32>load<u8>(input + ip); ip++;
        if (len == 255) {
          if (ip + 2 > inLen) { status = XP_ERROR; break; }
          len = <u32>load<u16>(input + ip); ip += 2;
          if (len == 0) {
            if (ip + 4 > inLen) { status = XP_ERROR; break; }
            len = load<u32>(input + ip); ip += 4;
          }
          if (len < 15 + 7) { status = XP_ERROR; break; }
          len -= 15 + 7;
        }
        len += 15;
      }
      len += 7;
    }
    const n = <u64>len + 3;
    if (dist > op) { status = XP_ERROR; break; } // before the start of the output
    if (n > <u64>(limit - op)) { status = XP_ERROR; break; } // longer than the output announced
    st.matchDist = dist; st.matchLeft = <u32>n;
  }
  st.inPos = ip;
  st.outPos = op;
  return status;
}

const oneShot = new XpressState();

/**
 * Decompresses src[0, srcLen) into dst, up to `cap` bytes, in one call. Returns the bytes produced
 * (cap when the output is full; fewer when the stream ends first), or -1 on an invalid stream.
 */
export function xpressDecompress(src: usize, srcLen: u32, dst: usize, cap: u32): i32 {
  oneShot.reset();
  const s = xpressRun(oneShot, src, srcLen, true, dst, cap, cap);
  return s == XP_ERROR ? -1 : <i32>oneShot.outPos;
}
