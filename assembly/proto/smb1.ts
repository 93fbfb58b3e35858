// SMB1 (MS-CIFS 2.2, MS-SMB 2.2): the header, and NEGOTIATE, SESSION_SETUP_ANDX and
// TREE_CONNECT_ANDX bodies. One EV_SMB1 record per command of an AndX chain, bounded in length.
import {
  EV_SMB1, F_CMD, F_RESPONSE, F_STATUS, F_DOS_CLASS, F_DOS_CODE, F_SMB_FLAGS, F_TREE_ID,
  F_MSG_ID, F_SESSION_ID, F_DIALECTS, F_DIALECT, F_SEC_MODE, F_CAPS, F_BLOB_LEN, F_TREE,
  F_ACCOUNT, F_PRIMARY_DOMAIN, F_ACTION, F_TRUNCATED, F_ANDX, F_SMB1_PID, T_BYTES, T_STR, T_UTF16,
} from "../events";
import {
  SMB1_NEGOTIATE, SMB1_SESSION_SETUP_ANDX, SMB1_TREE_CONNECT_ANDX, SMB1_NO_ANDX,
  SMB1_FLAGS2_NT_STATUS, SMB1_FLAGS2_UNICODE, SMB1_FLAGS_REPLY,
} from "../wire";
import { u8at, u16le, u32le } from "../util";
import { begin, end, fU32, fU64, fBytes, setupOnly } from "../out";
import { blobFields } from "./gss";

const HDR: u32 = 32;
const MAX_ANDX: i32 = 16;

// Commands that carry an AndX block as their first words (MS-CIFS 2.2.3.4)
function isAndX(cmd: u32): bool {
  return cmd == 0x24 || cmd == 0x2d || cmd == 0x2e || cmd == 0x2f || cmd == 0x73 || cmd == 0x74 ||
    cmd == 0x75 || cmd == 0xa2;
}

export function smb1Chain(p: usize, have: u32, msgLen: u32): bool {
  if (have < HDR + 1) { begin(EV_SMB1); fU32(F_TRUNCATED, 1); end(); return false; }
  const flags = u8at(p + 9);
  const flags2 = u16le(p + 10);
  const resp = (flags & SMB1_FLAGS_REPLY) != 0;
  const unicode = (flags2 & SMB1_FLAGS2_UNICODE) != 0;
  let cmd = u8at(p + 4);
  let off: u32 = HDR;
  let setupReq = false;
  for (let n = 0; n < MAX_ANDX; n++) {
    // diagnosis mode: the setup commands only (0x71 TREE_DISCONNECT … 0x75 TREE_CONNECT_ANDX)
    if (setupOnly && (cmd < 0x71 || cmd > <u32>SMB1_TREE_CONNECT_ANDX)) {
      if (!isAndX(cmd) || off + 5 > have) break;
      const w = p + off + 1;
      if (u8at(p + off) < 2) break;
      const nextCmd = u8at(w), nextOff = u16le(w + 2);
      if (nextCmd == SMB1_NO_ANDX || nextOff <= off || nextOff >= have) break;
      cmd = nextCmd; off = nextOff;
      continue;
    }
    begin(EV_SMB1);
    fU32(F_CMD, cmd);
    fU32(F_RESPONSE, resp ? 1 : 0);
    if ((flags2 & SMB1_FLAGS2_NT_STATUS) != 0) fU32(F_STATUS, u32le(p + 5));
    else { fU32(F_DOS_CLASS, u8at(p + 5)); fU32(F_DOS_CODE, u16le(p + 7)); }
    fU32(F_SMB_FLAGS, flags | (flags2 << 8));
    fU32(F_TREE_ID, u16le(p + 24));
    fU64(F_SESSION_ID, u16le(p + 28));
    fU64(F_MSG_ID, u16le(p + 30));
    fU32(F_SMB1_PID, (<u32>u16le(p + 12) << 16) | u16le(p + 26));
    if (off + 1 > have) { fU32(F_TRUNCATED, 1); end(); break; }
    const wc = u8at(p + off);
    const words = p + off + 1;
    const bcOff = off + 1 + wc * 2;
    let bytes: usize = 0;
    let bc: u32 = 0;
    if (bcOff + 2 <= have) {
      bc = u16le(p + bcOff);
      bytes = p + bcOff + 2;
      if (bcOff + 2 + bc > have) bc = have - bcOff - 2;
    } else fU32(F_TRUNCATED, 1);
    const limit = p + have;
    if (isAndX(cmd) && wc >= 2 && words + 4 <= limit) fU32(F_ANDX, u8at(words));
    if (cmd == SMB1_NEGOTIATE) negotiate(resp, wc, words, bytes, bc, limit);
    else if (cmd == SMB1_SESSION_SETUP_ANDX) sessionSetup(p, resp, unicode, wc, words, bytes, bc, limit);
    else if (cmd == SMB1_TREE_CONNECT_ANDX) treeConnect(p, resp, unicode, wc, words, bytes, bc, limit);
    end();
    if (!resp && (cmd == SMB1_NEGOTIATE || cmd == SMB1_SESSION_SETUP_ANDX || cmd == SMB1_TREE_CONNECT_ANDX)) setupReq = true;
    if (!isAndX(cmd) || wc < 2 || words + 4 > limit) break;
    const nextCmd = u8at(words);
    const nextOff = u16le(words + 2);
    if (nextCmd == SMB1_NO_ANDX || nextOff <= off || nextOff >= have) break; // offsets must move forward
    cmd = nextCmd; off = nextOff;
  }
  return setupReq;
}

function negotiate(resp: bool, wc: u32, words: usize, bytes: usize, bc: u32, limit: usize): void {
  if (!resp) {
    if (bytes != 0) fBytes(F_DIALECTS, T_BYTES, bytes, bc); // 0x02 "name" NUL, repeated
    return;
  }
  if (wc >= 1 && words + 2 <= limit) fU32(F_DIALECT, u16le(words));
  if (wc >= 17 && words + 34 <= limit) {
    fU32(F_SEC_MODE, u8at(words + 2));
    fU32(F_CAPS, u32le(words + 19));
    const caps = u32le(words + 19);
    if ((caps & 0x80000000) != 0 && bytes != 0 && bc > 16) {
      fU32(F_BLOB_LEN, bc - 16);
      blobFields(bytes + 16, bc - 16);
    }
  }
}

// Writes a NUL-terminated string starting at q (UTF-16LE when unicode, aligned to 2 from the
// SMB header); returns the address after its terminator.
function str(field: u32, hdr: usize, q: usize, end_: usize, unicode: bool): usize {
  if (unicode) {
    if (((q - hdr) & 1) != 0) q++;
    let e = q;
    while (e + 2 <= end_ && load<u16>(e) != 0) e += 2;
    fBytes(field, T_UTF16, q, <u32>(e - q));
    return e + 2;
  }
  let e = q;
  while (e < end_ && load<u8>(e) != 0) e++;
  fBytes(field, T_STR, q, <u32>(e - q));
  return e + 1;
}

function sessionSetup(hdr: usize, resp: bool, unicode: bool, wc: u32, words: usize, bytes: usize, bc: u32, limit: usize): void {
  if (resp) {
    if (wc >= 3 && words + 6 <= limit) fU32(F_ACTION, u16le(words + 4));
    if (wc == 4 && words + 8 <= limit) {
      const blen = u16le(words + 6);
      fU32(F_BLOB_LEN, blen);
      if (bytes != 0 && blen <= bc) blobFields(bytes, blen);
    }
    return;
  }
  if (wc == 12 && words + 24 <= limit) { // extended security
    fU32(F_CAPS, u32le(words + 20));
    const blen = u16le(words + 14);
    fU32(F_BLOB_LEN, blen);
    if (bytes != 0 && blen <= bc) blobFields(bytes, blen);
  } else if (wc == 13 && words + 26 <= limit && bytes != 0) {
    fU32(F_CAPS, u32le(words + 22));
    const oemLen = u16le(words + 14), uniLen = u16le(words + 16);
    if (oemLen + uniLen <= bc) {
      const end_ = bytes + bc;
      let q = bytes + oemLen + uniLen;
      q = str(F_ACCOUNT, hdr, q, end_, unicode);
      if (q < end_) str(F_PRIMARY_DOMAIN, hdr, q, end_, unicode);
    }
  }
}

function treeConnect(hdr: usize, resp: bool, unicode: bool, wc: u32, words: usize, bytes: usize, bc: u32, limit: usize): void {
  if (resp || wc < 4 || words + 8 > limit || bytes == 0) return;
  const pwLen = u16le(words + 6);
  if (pwLen > bc) return;
  str(F_TREE, hdr, bytes + pwLen, bytes + bc, unicode);
}
