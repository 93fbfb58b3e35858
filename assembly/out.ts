// Event writer: appends records (layout in events.ts) to the output buffer that TypeScript
// drains after every feed. The decoder never writes past the buffer: the feed loop pauses at a
// packet boundary while less than OUT_RESERVE bytes are free, and each write checks anyway.
import {
  REC_HEADER_SIZE, REC_OFF_KIND, REC_OFF_LENGTH, REC_OFF_FRAME, REC_OFF_TS, REC_OFF_STREAM,
  REC_OFF_TSDIGITS, REC_OFF_FLAGS, FIELD_HEADER_SIZE, T_U32, T_U64, T_I64, T_BYTES,
} from "./events";
import { align4 } from "./util";

export const OUT_CAP: u32 = 1 << 20;
export const OUT_RESERVE: u32 = 512 << 10; // worst case one packet can emit
export const MAX_FIELD_BYTES: u32 = 2048; // longer strings are cut (names and paths are shorter)

export let outBase: usize = 0;
export let outLen: u32 = 0;
let outCap: u32 = OUT_CAP; // OUT_CAP, or the plaintext decoder's own buffer's size while it writes there
let recStart: u32 = 0;
let recOpen = false;

// Diagnosis mode: only the setup commands (NEGOTIATE, SESSION_SETUP, LOGOFF, TREE_CONNECT,
// TREE_DISCONNECT and their SMB1 counterparts) become events; file traffic (READ, WRITE, CREATE…)
// is framed and skipped without a record. The --events view turns it off to show everything.
export let setupOnly = false;
export function setSetupOnly(on: bool): void { setupOnly = on; }

// Decryption mode (issue 18): the decoder also hands TypeScript what SMB3 decryption needs (the
// bytes of NEGOTIATE, SESSION_SETUP and TRANSFORM messages, the NTLM challenge and response; see
// EV_SMB_RAW and F_NTLM_CHALLENGE… in events.ts). Off unless the caller was given a secret.
export let decryptMode = false;
export function setDecrypt(on: bool): void { decryptMode = on; }
// Set while a decrypted message is decoded (index.ts decodePlain): it emits no EV_SMB_RAW.
export let plainMode = false;
export function setPlainMode(on: bool): void { plainMode = on; }

// The packet being decoded: set by the capture reader and the network layer.
export let curFrame: u32 = 0;
export let curTs: i64 = 0;
export let curTsDigits: u32 = 6;
export let curStream: i32 = -1;
export let curFlags: u32 = 0;

// First and last packet times, for the capture's time span (EV_SUMMARY).
export let firstTs: i64 = 0;
export let lastTs: i64 = 0;
let sawTs = false;
export function resetTimes(): void { firstTs = 0; lastTs = 0; sawTs = false; }

export function setPacket(frame: u32, ts: i64, digits: u32): void {
  curFrame = frame; curTs = ts; curTsDigits = digits; curStream = -1; curFlags = 0;
  if (ts != 0) { if (!sawTs) { firstTs = ts; sawTs = true; } lastTs = ts; }
}
export function setFlow(stream: i32, flags: u32): void { curStream = stream; curFlags = flags; }
// A decrypted message is decoded as part of the packet that carried it (index.ts decodePlain),
// between two packets of the file: the packet state is put back afterwards.
let sFrame: u32 = 0, sTs: i64 = 0, sDigits: u32 = 6, sStream: i32 = -1, sFlags: u32 = 0;
export function packetSave(): void { sFrame = curFrame; sTs = curTs; sDigits = curTsDigits; sStream = curStream; sFlags = curFlags; }
export function packetRestore(): void { curFrame = sFrame; curTs = sTs; curTsDigits = sDigits; curStream = sStream; curFlags = sFlags; }
export function setContext(frame: u32, ts: i64, digits: u32, stream: i32, flags: u32): void {
  curFrame = frame; curTs = ts; curTsDigits = digits; curStream = stream; curFlags = flags;
}
// Records written next belong to an earlier frame (a TCP segment held back by reassembly).
export function setFrame(frame: u32, ts: i64): void { curFrame = frame; curTs = ts; }

export function outInit(base: usize): void { outBase = base; outLen = 0; outCap = OUT_CAP; }
export function outReset(): void { outLen = 0; }
@inline export function outFree(): u32 { return outCap - outLen; }

// The records of a decrypted message go to a buffer of their own (index.ts decodePlain), so that
// the main buffer, which TypeScript is draining at that moment, is left as it is.
let savedBase: usize = 0;
let savedLen: u32 = 0;
export function outRedirect(base: usize, cap: u32): void {
  if (recOpen) end();
  savedBase = outBase; savedLen = outLen;
  outBase = base; outLen = 0; outCap = cap;
}
/** Back to the main buffer; returns the bytes written to the other one. */
export function outRestore(): u32 {
  if (recOpen) end();
  const n = outLen;
  outBase = savedBase; outLen = savedLen; outCap = OUT_CAP;
  return n;
}

export function begin(kind: u32): void {
  if (recOpen) end();
  if (outLen + REC_HEADER_SIZE + 64 > outCap) { recOpen = false; return; }
  recStart = outLen;
  const p = outBase + recStart;
  store<u16>(p + REC_OFF_KIND, <u16>kind);
  store<u32>(p + REC_OFF_FRAME, curFrame);
  store<i64>(p + REC_OFF_TS, curTs);
  store<i32>(p + REC_OFF_STREAM, curStream);
  store<u8>(p + REC_OFF_TSDIGITS, <u8>curTsDigits);
  store<u8>(p + REC_OFF_FLAGS, <u8>curFlags);
  store<u16>(p + 22, 0);
  outLen += REC_HEADER_SIZE;
  recOpen = true;
}

export function end(): void {
  if (!recOpen) return;
  store<u16>(outBase + recStart + REC_OFF_LENGTH, <u16>(outLen - recStart));
  recOpen = false;
}

// A record is limited to 64 KiB by its u16 length; fields that would not fit are dropped.
@inline function room(n: u32): bool {
  return recOpen && outLen + n <= outCap && outLen - recStart + n < 0xfff0;
}

export function fU32(id: u32, v: u32): void {
  if (!room(8)) return;
  const p = outBase + outLen;
  store<u8>(p, <u8>id); store<u8>(p + 1, <u8>T_U32); store<u16>(p + 2, 4); store<u32>(p + 4, v);
  outLen += 8;
}

export function fU64(id: u32, v: u64): void {
  if (!room(12)) return;
  const p = outBase + outLen;
  store<u8>(p, <u8>id); store<u8>(p + 1, <u8>T_U64); store<u16>(p + 2, 8); store<u64>(p + 4, v);
  outLen += 12;
}

export function fI64(id: u32, v: i64): void {
  if (!room(12)) return;
  const p = outBase + outLen;
  store<u8>(p, <u8>id); store<u8>(p + 1, <u8>T_I64); store<u16>(p + 2, 8); store<i64>(p + 4, v);
  outLen += 12;
}

// Copies `len` bytes from `src` (cut at MAX_FIELD_BYTES): names, paths, addresses. Never bulk data.
export function fBytes(id: u32, type: u32, src: usize, len: u32): void {
  if (len > MAX_FIELD_BYTES) len = MAX_FIELD_BYTES;
  const total = FIELD_HEADER_SIZE + align4(len);
  if (!room(total)) return;
  const p = outBase + outLen;
  store<u8>(p, <u8>id); store<u8>(p + 1, <u8>type); store<u16>(p + 2, <u16>len);
  copyValue(p + FIELD_HEADER_SIZE, src, len);
  outLen += total;
}

// A field's value and its zero padding to 4 bytes. Short values (addresses, names) are copied
// here: wasm's memory.copy is a call into the engine, dearer than the copy of a few words.
@inline function copyValue(dst: usize, src: usize, len: u32): void {
  if ((len & 3) != 0) store<u32>(dst + (len & ~3), 0); // the padding (the copy then fills its first bytes)
  if (len > 64) { memory.copy(dst, src, len); return; }
  let i: u32 = 0;
  for (; i + 8 <= len; i += 8) store<u64>(dst + i, load<u64>(src + i));
  for (; i < len; i++) store<u8>(dst + i, load<u8>(src + i));
}

// The same without the MAX_FIELD_BYTES cut, for the few fields that must be whole (EV_SMB_RAW,
// the NTLM response): false when the value does not fit the record (64 KiB) or the buffer.
export function fRaw(id: u32, src: usize, len: u32): bool {
  const total = FIELD_HEADER_SIZE + align4(len);
  if (len > 0xffff || !room(total)) return false;
  const p = outBase + outLen;
  store<u8>(p, <u8>id); store<u8>(p + 1, <u8>T_BYTES); store<u16>(p + 2, <u16>len);
  copyValue(p + FIELD_HEADER_SIZE, src, len);
  outLen += total;
  return true;
}

// Starts a field whose value the caller writes in place (lists built while parsing); returns
// the value's address, or 0 when there is no room for `maxLen` bytes.
let openField: usize = 0;
export function fOpen(id: u32, type: u32, maxLen: u32): usize {
  if (!room(FIELD_HEADER_SIZE + align4(maxLen))) return 0;
  openField = outBase + outLen;
  store<u8>(openField, <u8>id); store<u8>(openField + 1, <u8>type);
  return openField + FIELD_HEADER_SIZE;
}
export function fClose(len: u32): void {
  if (openField == 0) return;
  store<u16>(openField + 2, <u16>len);
  for (let i = len; i < align4(len); i++) store<u8>(openField + FIELD_HEADER_SIZE + i, 0);
  outLen += FIELD_HEADER_SIZE + align4(len);
  openField = 0;
}
