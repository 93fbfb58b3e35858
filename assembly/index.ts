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
//   setHashSeed(a,b,c,d)  the flow table's secret hash key (after init, before the first file)
//   staticEnd()       end of the static data (constants only: proved unchanged after each file)
import {
  EV_SUMMARY, F_PACKETS, F_BYTES, F_TCP_PORTS, F_UDP_PORTS, F_IP_FRAGMENTS, T_BYTES, EVENTS_VERSION,
  REC_HEADER_SIZE, MAX_FIELD_ID, EV_FLOW, F_FIRST_TS, F_LAST_TS, F_TUNNEL_PACKETS, F_TUNNELS,
  F_NETBEUI_FRAMES, F_IPX_SMB_FRAMES, EV_WARNING, F_CODE, F_OFFSET, F_VALUE, F_VALUE2, W_MALFORMED, L_SMB2, F_QUIC_EVICTED,
} from "./events";
import { tunnelPackets, tunnelKinds } from "./net/tunnel";
import { netbeuiFrames, ipxSmbFrames } from "./net/legacy";
import {
  outInit, outReset, outLen, outBase, begin, end, fU32, fU64, fI64, fOpen, fClose, setPacket, OUT_CAP, firstTs, lastTs,
  resetTimes, setSetupOnly, setDecrypt, setPlainMode, outRedirect, outRestore, packetSave, packetRestore, setContext,
} from "./out";
import { readerInit, readerReset, feedIn as readerFeedIn, resume as readerResume, readerFinish, readerPulled, CARRY_CAP, INPUT_CAP, framesRead } from "./capture/reader";
import { pullReset, pullActive, reqOffset, reqLength, reqDst, workDone, workTotal, noRequest, aheadOffset, aheadLength, aheadDst } from "./capture/pull";
import { netmonInit, netmonReset, netmonSetFileSize } from "./capture/netmon";
import { etlInit, etlReset, etlSetFileSize } from "./capture/etl";
import { packetInit, packetReset, packets, bytesOnWire, fragments, tcpPorts, udpPorts } from "./net/packet";
import { tcpInit, tcpReset, tcpSetHashKey, FLOW_PROBE_MAX } from "./net/tcp";
import { reasmInit, reasmReset, reasmFinish } from "./net/reasm";
import { smbInit, smbMessage } from "./proto/smb";
import { SMB2_TRANSFORM_ID } from "./wire";
import { krbInit } from "./proto/kerberos";
import { asn1Init } from "./proto/asn1";
import { spnegoInit } from "./proto/spnego";
import { ipfragInit, ipfragReset } from "./net/ipfrag";
import { icmpInit } from "./net/icmp";
import { pktmonEventsInit } from "./capture/pktmonEvents";
import { quicInit, quicFinish, quicEvicted } from "./net/quic";

let input: usize = 0;
// Decryption (decodePlain): where TypeScript writes a decrypted message, and where its records go.
// PLAIN_CAP holds the largest TRANSFORM message handed out whole (proto/smb.ts); the records of
// one message (a compound of up to 32, with security blobs) fit PLAIN_OUT_CAP, and a record that
// would not is dropped, as everywhere (out.ts).
const PLAIN_CAP: u32 = 64 << 10;
const PLAIN_OUT_CAP: u32 = 128 << 10;
let plain: usize = 0;
let plainOut: usize = 0;
let input2: usize = 0; // a second input buffer, with its own carry area in front
let fileBytes: u64 = 0;

// Every buffer is allocated here, once (no allocation per packet). They fill asconfig.json's
// initialMemory (805 pages = 50.3 MiB, 21.5 MiB of them the reassembler's: net/reasm.ts): past it the runtime would double the memory.
// tests/fuzz-decoder.test.ts checks that init() fits it.
export function init(): void {
  const carryAndInput = heap.alloc(CARRY_CAP + INPUT_CAP);
  input = carryAndInput + CARRY_CAP;
  input2 = heap.alloc(CARRY_CAP + INPUT_CAP) + CARRY_CAP;
  outInit(heap.alloc(OUT_CAP));
  readerInit(input);
  // Network Monitor reads its records and frame table through the two input areas (pull mode
  // does not stream slices into them)
  netmonInit(input - CARRY_CAP, CARRY_CAP + INPUT_CAP, input2 - CARRY_CAP, CARRY_CAP + INPUT_CAP);
  etlInit(input - CARRY_CAP, CARRY_CAP + INPUT_CAP, input2 - CARRY_CAP, CARRY_CAP + INPUT_CAP); // so does ETL
  packetInit();
  icmpInit();
  pktmonEventsInit();
  quicInit();
  tcpInit();
  reasmInit();
  smbInit();
  krbInit(); asn1Init(); spnegoInit();
  ipfragInit();
  plain = heap.alloc(PLAIN_CAP);
  plainOut = heap.alloc(PLAIN_OUT_CAP);
}

// End of the static data (OIDs, strings, tables): below it nothing is ever written after the
// module starts, every scratch buffer being allocated above it by init(). Decoder.finish and the
// fuzz tests check that these bytes are still those of a fresh instance.
export function staticEnd(): usize { return __heap_base; }

export function reset(): void {
  outReset(); resetTimes(); setPacket(0, 0, 6); readerReset(); // (no frame number left from the last file)
  pullReset(); netmonReset(); etlReset(); packetReset(); tcpReset(); reasmReset(); ipfragReset(); fileBytes = 0; knownSize = 0;
}

/**
 * The flow table's secret hash key, 128 bits as four u32 (TypeScript draws them from
 * crypto.getRandomValues once per instance, right after init()). Empties the flow table.
 */
export function setHashSeed(a: u32, b: u32, c: u32, d: u32): void {
  tcpSetHashKey(<u64>a | (<u64>b << 32), <u64>c | (<u64>d << 32));
}
export { flowProbes, flowProbeMax, flowRekeys, flowPrunes, flowsCreated } from "./net/tcp";
export { reasmSlotsUsed, reasmSlotsHigh, reasmBufsHigh } from "./net/reasm";
/** No lookup in the flow table looks at more places than this. */
export function flowProbeLimit(): u32 { return FLOW_PROBE_MAX; }

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

// Pull mode (capture/pull.ts): after a feed, pullLength() > 0 asks JS for pullLength() bytes of
// the file at pullOffset(), written at pullPtr(); pulled(n) hands them over (n < pullLength()
// at the end of the file) and returns 1 when paused for output (call resume()). A container in
// pull mode ignores streamed slices; when pullLength() is 0 after its last pull the file is done.
export function pullLength(): u32 { return reqLength; }
export function pullOffset(): f64 { return <f64>reqOffset; }
export function pullPtr(): usize { return reqDst; }
/** The read the container expects to ask for next (pull.ts: read-ahead); 0: none. */
export function pullAheadLength(): u32 { return aheadLength; }
export function pullAheadOffset(): f64 { return <f64>aheadOffset; }
export function pullAheadPtr(): usize { return aheadDst; }
export function pulled(n: u32): u32 {
  if (n > reqLength) n = reqLength;
  noRequest();
  return readerPulled(n);
}
/** The file's size, for containers that read it out of order (set before the first feed). */
export function setFileSize(n: f64): void { knownSize = <u64>n; etlSetFileSize(knownSize); netmonSetFileSize(knownSize); }
let knownSize: u64 = 0;
/** Progress of a container in pull mode, as a fraction of its work (0 when it is not pulling). */
export function pullProgress(): f64 { return workTotal == 0 ? 0 : min(1.0, <f64>workDone / <f64>workTotal); } // (a pktmon trace is indexed twice)

/**
 * 1: the decoder also hands out what SMB3 decryption needs (EV_SMB_RAW records, the NTLM
 * challenge, response and session key fields; events.ts); 0 (the default): none of it.
 */
export function setDecryptMode(on: u32): void { setDecrypt(on != 0); }

/** Where TypeScript writes a decrypted SMB2 message for decodePlain, and how much fits. */
export function plainPtr(): usize { return plain; }
export function plainCap(): u32 { return PLAIN_CAP; }
/** Where decodePlain wrote its records (plainOutPtr(), the length it returned). */
export function plainOutPtr(): usize { return plainOut; }

/**
 * Decodes one decrypted SMB2 message (`len` bytes at plainPtr() of the `msgLen` the TRANSFORM
 * header announced: fewer when only its first bytes were decrypted) as if it had arrived in the
 * clear in the packet of `frame` on the flow `stream`: the usual EV_SMB2 records, one per message
 * of a compound chain, into its own buffer. Returns their length in bytes. Called between feeds,
 * while TypeScript drains the main buffer, which it leaves alone.
 */
export function decodePlain(len: u32, msgLen: u32, frame: u32, tsLo: u32, tsHi: u32, digits: u32, stream: i32, flags: u32): u32 {
  if (len > PLAIN_CAP) len = PLAIN_CAP;
  if (msgLen < len) msgLen = len;
  outRedirect(plainOut, PLAIN_OUT_CAP);
  packetSave();
  setContext(frame, <i64>((<u64>tsHi << 32) | <u64>tsLo), digits, stream, flags);
  setPlainMode(true);
  if (len >= 4 && load<u8>(plain) == SMB2_TRANSFORM_ID) {
    // a TRANSFORM inside a TRANSFORM is no SMB3 message: say so, never decrypt again
    begin(EV_WARNING); fU32(F_CODE, W_MALFORMED); fU64(F_OFFSET, 0); fU64(F_VALUE, L_SMB2); fU64(F_VALUE2, SMB2_TRANSFORM_ID); end();
  } else smbMessage(plain, len, msgLen, (flags & 1) != 0);
  setPlainMode(false);
  packetRestore();
  return outRestore();
}

/** 1: only SMB setup commands become events (the diagnosis needs no more); 0: every message. */
export function setSetupOnlyMode(on: u32): void { setSetupOnly(on != 0); }

// Top 10 ports by packets, as (u16 port, u32 packets) pairs: count descending, port ascending.
// One pass over the table, keeping the best ten in order (a file with few packets pays little).
const TOP: i32 = 10;
const topCount = new StaticArray<u32>(TOP);
const topPort = new StaticArray<u32>(TOP);
function topPorts(field: u32, table: usize): void {
  let n: i32 = 0;
  for (let port: u32 = 0; port < 65536; port++) {
    const c = load<u32>(table + <usize>port * 4);
    if (c == 0 || (n == TOP && c <= unchecked(topCount[TOP - 1]))) continue;
    // ports come in ascending order: a later port goes after every one with as many packets
    let j = n < TOP ? n : TOP - 1;
    while (j > 0 && unchecked(topCount[j - 1]) < c) {
      unchecked(topCount[j] = topCount[j - 1]); unchecked(topPort[j] = topPort[j - 1]); j--;
    }
    unchecked(topCount[j] = c); unchecked(topPort[j] = port);
    if (n < TOP) n++;
  }
  const dst = fOpen(field, T_BYTES, 60);
  if (dst == 0) return;
  for (let k = 0; k < n; k++) {
    store<u16>(dst + k * 6, <u16>unchecked(topPort[k]));
    store<u32>(dst + k * 6 + 2, unchecked(topCount[k]));
  }
  fClose(<u32>n * 6);
}

export function finish(): void {
  readerFinish();
  reasmFinish();
  quicFinish();
  const t0 = firstTs, t1 = lastTs;
  setPacket(framesRead(), 0, 6);
  begin(EV_SUMMARY);
  fU64(F_PACKETS, framesRead());
  fU64(F_BYTES, pullActive && knownSize > 0 ? knownSize : fileBytes); // (pull mode may read parts twice)
  fU64(F_IP_FRAGMENTS, fragments);
  fI64(F_FIRST_TS, t0);
  fI64(F_LAST_TS, t1);
  topPorts(F_TCP_PORTS, tcpPorts);
  topPorts(F_UDP_PORTS, udpPorts);
  fU64(F_TUNNEL_PACKETS, tunnelPackets);
  fU32(F_TUNNELS, tunnelKinds);
  fU64(F_NETBEUI_FRAMES, netbeuiFrames);
  fU64(F_IPX_SMB_FRAMES, ipxSmbFrames);
  fU64(F_QUIC_EVICTED, quicEvicted);
  end();
}

// A number derived from the contract constants; TypeScript computes the same from events.ts and
// refuses a .wasm built from another version of the contract.
export function layoutCheck(): u32 {
  return <u32>(EVENTS_VERSION * 1000003 + REC_HEADER_SIZE * 1009 + MAX_FIELD_ID * 31 + EV_FLOW);
}
export { testBlob } from "./proto/gss"; // auth decoder test entry (tests/auth-*.test.ts)
export { xpressDecompress } from "./capture/xpress"; // tests/xpress.test.ts
export { lznt1Decompress } from "./capture/lznt1"; // tests/xpress.test.ts
export { xpressHuffDecompress } from "./capture/xpressHuff";
