// One NBSS message's worth of SMB: dispatches on the protocol id, and decodes NBSS control
// packets (session request/response, keep-alive; RFC 1002 4.3).
import {
  EV_NBSS, EV_SMB_TRANSFORM, EV_SMB_COMPRESSED, EV_WARNING, F_NBSS_TYPE, F_NB_CALLED, F_NB_CALLING,
  F_NB_ERROR, F_SESSION_ID, F_LEN, F_VALUE, F_VALUE2, F_CODE, F_OFFSET, T_STR, W_MALFORMED, L_SMB2, L_NBSS,
  F_DECOMPRESSED, W_SMB_DECOMPRESS, DC_NOT_SMB2,
} from "../events";
import {
  NBSS_REQUEST, NBSS_NEGATIVE, SMB1_ID, SMB2_ID, SMB2_TRANSFORM_ID, SMB2_COMPRESSED_ID,
  SMB2_NEGOTIATE, SMB2_SESSION_SETUP, SMB2_LOGOFF, SMB2_TREE_CONNECT, SMB2_TREE_DISCONNECT,
  SMB1_NEGOTIATE, SMB1_SESSION_SETUP_ANDX, SMB1_TREE_CONNECT_ANDX, SMB1_LOGOFF_ANDX, SMB_KEEP_OTHER,
} from "../wire";
import { u8at, u16le, u32le, u64le } from "../util";
import { begin, end, fU32, fU64, fBytes, decryptMode, plainMode } from "../out";
import { rawMessage } from "./raw";
import { smb2Chain } from "./smb2";
import { smb1Chain } from "./smb1";
import { smb2Decompress, decompressible, decompressed, failOffset, failStated, smb2CompressInit, COMPRESSED_HDR } from "./smb2compress";

const KEEP_OTHER: u32 = SMB_KEEP_OTHER; // enough for a compound chain of small messages
const KEEP_TRANSFORM: u32 = 52;
// Decryption mode (issue 18). A TRANSFORM message is handed to TypeScript whole up to
// TRANSFORM_WHOLE_MAX bytes, so that it can be authenticated and decoded as a clear one would be:
// every message the diagnosis reads whole fits (a TREE_CONNECT and its response are under 1 KiB,
// an error response under 200 bytes, a compound of small messages a few KiB, a SESSION_SETUP
// re-authentication under Windows' default MaxTokenSize of 48,000 bytes), and the bytes fit one
// event record (whose length is a u16) with room to spare. Bulk READ/WRITE messages (64 KiB and
// more) give only the 52-byte header and TRANSFORM_PEEK bytes of ciphertext: the SMB2 header
// inside (command, status, ids), which a counter mode (CCM, GCM) decrypts without the rest.
export const TRANSFORM_WHOLE_MAX: u32 = 60 << 10;
export const TRANSFORM_PEEK: u32 = 64;
const TRANSFORM_HDR: u32 = 52;

function isSmbMagic(p: usize): bool {
  return u8at(p + 1) == 0x53 && u8at(p + 2) == 0x4d && u8at(p + 3) == 0x42;
}

// How many bytes of an NBSS session message to keep, from its first `have` (≥ 68, or all) bytes.
export function smbKeep(p: usize, have: u32, msgLen: u32): u32 {
  if (have < 8 || !isSmbMagic(p)) return have;
  const id = u8at(p);
  let keep: u32 = KEEP_OTHER;
  if (id == SMB2_ID && have >= 16) {
    const cmd = u16le(p + 12);
    const status = u32le(p + 8);
    // A compound chain is kept whole so that every message header in it is read.
    if (u32le(p + 20) != 0 ||
        cmd == SMB2_NEGOTIATE || cmd == SMB2_SESSION_SETUP || cmd == SMB2_TREE_CONNECT ||
        cmd == SMB2_LOGOFF || cmd == SMB2_TREE_DISCONNECT || (status & 0xc0000000) == 0xc0000000) keep = msgLen;
  } else if (id == SMB1_ID && have >= 5) {
    const cmd = u8at(p + 4);
    if (cmd == SMB1_NEGOTIATE || cmd == SMB1_SESSION_SETUP_ANDX || cmd == SMB1_TREE_CONNECT_ANDX || cmd == SMB1_LOGOFF_ANDX) keep = msgLen;
  } else if (id == SMB2_TRANSFORM_ID) {
    keep = !decryptMode ? KEEP_TRANSFORM : msgLen <= TRANSFORM_WHOLE_MAX ? msgLen : TRANSFORM_HDR + TRANSFORM_PEEK;
  }
  // a compressed message small enough to decompress is kept whole (proto/smb2compress.ts)
  else if (id == SMB2_COMPRESSED_ID) keep = decompressible(p, have) ? msgLen : COMPRESSED_HDR;
  return keep < msgLen ? keep : msgLen;
}

// Decodes one SMB message (`have` bytes kept of `msgLen`). Returns true when it was a setup
// request (NEGOTIATE, SESSION_SETUP, TREE_CONNECT), for the bare-ACK watch.
export function smbMessage(p: usize, have: u32, msgLen: u32, fromClient: bool): bool {
  if (have < 4 || !isSmbMagic(p)) {
    begin(EV_WARNING); fU32(F_CODE, W_MALFORMED); fU64(F_OFFSET, 0); fU64(F_VALUE, L_NBSS); fU64(F_VALUE2, have >= 1 ? u8at(p) : 0); end();
    return false;
  }
  const id = u8at(p);
  if (id == SMB2_ID) return smb2Chain(p, have, msgLen);
  if (id == SMB1_ID) return smb1Chain(p, have, msgLen);
  if (id == SMB2_TRANSFORM_ID) {
    begin(EV_SMB_TRANSFORM);
    if (have >= 52) { fU64(F_SESSION_ID, u64le(p + 44)); fU32(F_LEN, u32le(p + 36)); fU32(F_VALUE, u16le(p + 42)); }
    end();
    if (decryptMode && !plainMode) rawMessage(p, have, msgLen);
    return false;
  }
  if (id == SMB2_COMPRESSED_ID) {
    // decompressed first, so that its record says whether the SMB2 records that follow came from it
    const n = decompressible(p, have) ? smb2Decompress(p, have, msgLen) : 0;
    const q = decompressed();
    const smb2 = n >= 4 && u32le(q) == 0x424d53fe;
    begin(EV_SMB_COMPRESSED);
    if (have >= 16) { fU32(F_LEN, u32le(p + 4)); fU32(F_VALUE, u16le(p + 8)); fU32(F_VALUE2, u16le(p + 10)); }
    if (smb2) fU32(F_DECOMPRESSED, <u32>n);
    end();
    if (n < 0) {
      begin(EV_WARNING); fU32(F_CODE, W_SMB_DECOMPRESS); fU64(F_OFFSET, failOffset); fU64(F_VALUE, <u64>(-n)); fU64(F_VALUE2, failStated); end();
      return false;
    }
    if (n > 0 && !smb2) {
      begin(EV_WARNING); fU32(F_CODE, W_SMB_DECOMPRESS); fU64(F_OFFSET, 0); fU64(F_VALUE, DC_NOT_SMB2); fU64(F_VALUE2, <u64>n); end();
      return false;
    }
    // decoded as if it had arrived clear (a compound whole: the scratch holds all of it)
    return smb2 ? smb2Chain(q, <u32>n, <u32>n) : false;
  }
  begin(EV_WARNING); fU32(F_CODE, W_MALFORMED); fU64(F_OFFSET, 0); fU64(F_VALUE, L_SMB2); fU64(F_VALUE2, id); end();
  return false;
}

// NetBIOS name, first-level encoded (RFC 1001 14.1): length 32, 32 letters 'A'..'P'.
// Writes the decoded 16 bytes as a string field (trailing spaces and the suffix byte kept, so
// the reader can show "NAME<20>").
function nbName(field: u32, p: usize, have: u32, off: u32): u32 {
  if (off + 34 > have || u8at(p + off) != 32) return have;
  const enc = p + off + 1;
  for (let i: u32 = 0; i < 32; i++) { const c = u8at(enc + i); if (c < 0x41 || c > 0x50) return have; }
  // Two letters per byte: 'A' + high nibble, 'A' + low nibble
  for (let i: u32 = 0; i < 16; i++) {
    store<u8>(nameScratch + i, <u8>(((u8at(enc + 2 * i) - 0x41) << 4) | (u8at(enc + 2 * i + 1) - 0x41)));
  }
  fBytes(field, T_STR, nameScratch, 16);
  // skip the labels of the scope up to the terminating zero
  let q = off + 33;
  while (q < have && u8at(p + q) != 0) q += 1 + u8at(p + q);
  return q + 1;
}
let nameScratch: usize = 0;
export function smbInit(): void { nameScratch = heap.alloc(16); smb2CompressInit(); }

export function nbssControl(type: u32, p: usize, have: u32): void {
  begin(EV_NBSS);
  fU32(F_NBSS_TYPE, type);
  if (type == NBSS_REQUEST) {
    const next = nbName(F_NB_CALLED, p, have, 0);
    nbName(F_NB_CALLING, p, have, next);
  } else if (type == NBSS_NEGATIVE && have >= 1) fU32(F_NB_ERROR, u8at(p));
  end();
}
