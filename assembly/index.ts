// The decoder's exported API (see src/core/decoder/wasm.ts for the TypeScript side).
//
//   init()            once per instance: allocates every buffer the decoder will ever use
//   inputPtr()/inputCap()  where JS writes each slice of the file
//   feed(len)         decode `len` new bytes; returns 1 when paused for output space
//   inputPtrAt(k)/feedAt(k, len)  the same with two input buffers (k = 0 or 1), so that JS can
//                     read the next slice into one while the decoder works on the other
//   resume()          continue after the output was drained; returns 1 when paused again
//   outputPtr()/outputLen()/outputReset()  the event records (layout in events.ts)
//   finish()          end of file: flush flows, warn about a cut record, emit EV_SUMMARY
//   reset()           start a new file with the same instance
import {
  EV_SUMMARY, F_PACKETS, F_BYTES, F_TCP_PORTS, F_UDP_PORTS, F_IP_FRAGMENTS, T_BYTES, EVENTS_VERSION,
  REC_HEADER_SIZE, MAX_FIELD_ID, EV_FLOW, F_FIRST_TS, F_LAST_TS,
} from "./events";
import { outInit, outReset, outLen, outBase, begin, end, fU64, fI64, fOpen, fClose, setPacket, OUT_CAP, firstTs, lastTs, resetTimes, setSetupOnly } from "./out";
import { readerInit, readerReset, feedIn as readerFeedIn, resume as readerResume, readerFinish, CARRY_CAP, INPUT_CAP, framesRead } from "./capture/reader";
import { packetInit, packetReset, packets, bytesOnWire, fragments, tcpPorts, udpPorts } from "./net/packet";
import { tcpInit, tcpReset } from "./net/tcp";
import { reasmInit, reasmReset, reasmFinish } from "./net/reasm";
import { smbInit } from "./proto/smb";
import { ipfragInit, ipfragReset } from "./net/ipfrag";
import { icmpInit } from "./net/icmp";

let input: usize = 0;
let input2: usize = 0; // a second input buffer, with its own carry area in front
let fileBytes: u64 = 0;

// Every buffer is allocated here, once (no allocation per packet). They fill asconfig.json's
// initialMemory (600 pages = 37.5 MiB): past it the runtime would double the memory.
// tests/fuzz-decoder.test.ts checks that init() fits it.
export function init(): void {
  const carryAndInput = heap.alloc(CARRY_CAP + INPUT_CAP);
  input = carryAndInput + CARRY_CAP;
  input2 = heap.alloc(CARRY_CAP + INPUT_CAP) + CARRY_CAP;
  outInit(heap.alloc(OUT_CAP));
  readerInit(input);
  packetInit();
  icmpInit();
  tcpInit();
  reasmInit();
  smbInit();
  ipfragInit();
}

export function reset(): void {
  outReset(); resetTimes(); readerReset(); packetReset(); tcpReset(); reasmReset(); ipfragReset(); fileBytes = 0;
}

export function inputPtr(): usize { return inputPtrAt(0); }
export function inputPtrAt(k: u32): usize { return k == 0 ? input : input2; }
export function inputCap(): u32 { return INPUT_CAP; }
export function outputPtr(): usize { return outBase; }
export function outputLen(): u32 { return outLen; }
export function outputReset(): void { outReset(); }

/** feedAt(0, len): for callers that use a single input buffer. */
export function feed(len: u32): u32 { return feedAt(0, len); }
export function feedAt(k: u32, len: u32): u32 {
  if (len > INPUT_CAP) len = INPUT_CAP;
  fileBytes += len;
  return readerFeedIn(k == 0 ? input : input2, len);
}
export function resume(): u32 { return readerResume(); }

/** 1: only SMB setup commands become events (the diagnosis needs no more); 0: every message. */
export function setSetupOnlyMode(on: u32): void { setSetupOnly(on != 0); }

// Top 10 ports by packets, as (u16 port, u32 packets) pairs.
function topPorts(field: u32, table: usize): void {
  const dst = fOpen(field, T_BYTES, 60);
  if (dst == 0) return;
  let n: u32 = 0;
  let lastCount: u32 = 0xffffffff;
  let lastPort: i32 = -1;
  for (let k = 0; k < 10; k++) {
    let best: i32 = -1;
    let bestCount: u32 = 0;
    for (let port = 0; port < 65536; port++) {
      const c = load<u32>(table + <usize>port * 4);
      if (c == 0) continue;
      // strictly after (lastCount, lastPort) in (count desc, port asc) order
      if (c > lastCount || (c == lastCount && port <= lastPort)) continue;
      if (c > bestCount) { bestCount = c; best = port; }
    }
    if (best < 0) break;
    store<u16>(dst + n * 6, <u16>best);
    store<u32>(dst + n * 6 + 2, bestCount);
    n++; lastCount = bestCount; lastPort = best;
  }
  fClose(n * 6);
}

export function finish(): void {
  readerFinish();
  reasmFinish();
  const t0 = firstTs, t1 = lastTs;
  setPacket(framesRead(), 0, 6);
  begin(EV_SUMMARY);
  fU64(F_PACKETS, framesRead());
  fU64(F_BYTES, fileBytes);
  fU64(F_IP_FRAGMENTS, fragments);
  fI64(F_FIRST_TS, t0);
  fI64(F_LAST_TS, t1);
  topPorts(F_TCP_PORTS, tcpPorts);
  topPorts(F_UDP_PORTS, udpPorts);
  end();
}

// A number derived from the contract constants; TypeScript computes the same from events.ts and
// refuses a .wasm built from another version of the contract.
export function layoutCheck(): u32 {
  return <u32>(EVENTS_VERSION * 1000003 + REC_HEADER_SIZE * 1009 + MAX_FIELD_ID * 31 + EV_FLOW);
}
export { testBlob } from "./proto/gss"; // auth decoder test entry (tests/auth-*.test.ts)
