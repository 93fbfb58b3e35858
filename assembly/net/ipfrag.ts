// IPv4 fragment reassembly for UDP (Kerberos requests over UDP often exceed the MTU). Bounded:
// a few slots of 64 KiB, oldest reused; the datagram belongs to the frame of its last fragment,
// as in Wireshark. TCP fragments are rare and only their first fragment is decoded.
import { u16be } from "../util";
import { curTs } from "../out";

const SLOTS: i32 = 8;
const CAP: u32 = 65536;

let bufs: usize = 0;
const keySrc = new StaticArray<u32>(SLOTS);
const keyDst = new StaticArray<u32>(SLOTS);
const keyId = new StaticArray<u32>(SLOTS); // id | proto << 16
const total = new StaticArray<u32>(SLOTS); // 0 = unknown until the last fragment arrives
const got = new StaticArray<u32>(SLOTS);
const used = new StaticArray<bool>(SLOTS);
const seen = new StaticArray<i64>(SLOTS);

export function ipfragInit(): void { bufs = heap.alloc(<usize>SLOTS * CAP); }
export function ipfragReset(): void { for (let i = 0; i < SLOTS; i++) used[i] = false; }

// Adds a fragment (payload p of len bytes at byte offset `off`); returns the slot's buffer when
// the datagram is complete (its length in `fragLen`), else 0.
export let fragLen: u32 = 0;
export function ipfragAdd(ip: usize, proto: u32, off: u32, more: bool, p: usize, len: u32): usize {
  const src = load<u32>(ip + 12), dst = load<u32>(ip + 16), id = u16be(ip + 4) | (proto << 16);
  let s = -1;
  let oldest = 0;
  for (let i = 0; i < SLOTS; i++) {
    if (used[i] && keySrc[i] == src && keyDst[i] == dst && keyId[i] == id) { s = i; break; }
  }
  if (s < 0) {
    for (let i = 0; i < SLOTS; i++) {
      if (!used[i]) { s = i; break; }
      if (seen[i] < seen[oldest]) oldest = i;
    }
    if (s < 0) s = oldest;
    used[s] = true; keySrc[s] = src; keyDst[s] = dst; keyId[s] = id; total[s] = 0; got[s] = 0;
  }
  seen[s] = curTs;
  if (off >= CAP) return 0;
  if (off + len > CAP) len = CAP - off;
  memory.copy(bufs + <usize>s * CAP + off, p, len);
  got[s] += len; // overlapping fragments are not expected from real stacks; a lie only delays completion
  if (!more) total[s] = off + len;
  if (total[s] != 0 && got[s] >= total[s]) {
    used[s] = false;
    fragLen = total[s];
    return bufs + <usize>s * CAP;
  }
  return 0;
}
