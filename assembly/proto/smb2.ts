// SMB2/3 messages (MS-SMB2 2.2): the 64-byte header of every message of a compound chain, and
// the bodies of the setup commands. One EV_SMB2 record per message.
import {
  EV_SMB2, F_CMD, F_RESPONSE, F_STATUS, F_MSG_ID, F_SESSION_ID, F_TREE_ID, F_ASYNC_ID,
  F_SMB_FLAGS, F_CREDITS, F_NEXT_CMD, F_DIALECTS, F_DIALECT, F_SEC_MODE, F_CAPS, F_GUID,
  F_CIPHERS, F_HASH_ALGS, F_COMPRESSION, F_SIGNING_ALGS, F_NETNAME, F_CONTEXTS, F_SESSION_FLAGS,
  F_BLOB_LEN, F_TREE, F_SHARE_TYPE, F_SHARE_FLAGS, F_SHARE_CAPS, F_MAX_ACCESS, F_TRUNCATED,
  F_SERVER_TIME, F_CREATE_NAME, F_CTL_CODE, F_DFS_PATH, T_BYTES, T_UTF16,
} from "../events";
import {
  SMB2_NEGOTIATE, SMB2_SESSION_SETUP, SMB2_TREE_CONNECT, SMB2_TREE_DISCONNECT, SMB2_FLAGS_RESPONSE, SMB2_FLAGS_ASYNC,
  SMB2_CREATE, SMB2_IOCTL, FSCTL_DFS_GET_REFERRALS, FSCTL_DFS_GET_REFERRALS_EX,
  STATUS_USER_SESSION_DELETED, STATUS_PATH_NOT_COVERED, NC_PREAUTH_INTEGRITY, NC_ENCRYPTION, NC_COMPRESSION, NC_NETNAME, NC_SIGNING,
} from "../wire";
import { u8at, u16le, u32le, u64le } from "../util";
import { begin, end, fU32, fU64, fBytes, fOpen, fClose, setupOnly, decryptMode, plainMode } from "../out";
import { blobFields } from "./gss";
import { rawMessage } from "./raw";

const HDR: u32 = 64;
const MAX_CHAIN: i32 = 32;

// Walks a compound chain. `have` bytes of `msgLen` are present.
export function smb2Chain(p: usize, have: u32, msgLen: u32): bool {
  let off: u32 = 0;
  let setupReq = false;
  for (let n = 0; n < MAX_CHAIN; n++) {
    if (off + HDR > have) {
      if (off + HDR <= msgLen) { begin(EV_SMB2); fU32(F_TRUNCATED, 1); end(); }
      break;
    }
    const h = p + off;
    if (u32le(h) != 0x424d53fe) break;
    const next = u32le(h + 20);
    let len = have - off;
    if (next != 0 && next < len) len = next;
    if (message(h, len, off + len < msgLen && next == 0, next != 0 ? next : msgLen - off)) setupReq = true;
    if (next == 0 || next < HDR || (next & 7) != 0) break;
    off += next;
  }
  return setupReq;
}

// `wire`: the message's length on the wire (up to the next one of its chain, or the chain's end).
function message(h: usize, len: u32, cut: bool, wire: u32): bool {
  const flags = u32le(h + 16);
  const cmd = u16le(h + 12);
  const resp = (flags & SMB2_FLAGS_RESPONSE) != 0;
  const status = u32le(h + 8);
  if (setupOnly && cmd > <u32>SMB2_TREE_DISCONNECT && !beyondSetup(h, len, cmd, resp, status)) return false;
  begin(EV_SMB2);
  fU32(F_CMD, cmd);
  fU32(F_RESPONSE, resp ? 1 : 0);
  if (resp) fU32(F_STATUS, status);
  fU32(F_SMB_FLAGS, flags);
  fU32(F_CREDITS, (u16le(h + 6) << 16) | u16le(h + 14));
  fU64(F_MSG_ID, u64le(h + 24));
  if ((flags & SMB2_FLAGS_ASYNC) != 0) fU64(F_ASYNC_ID, u64le(h + 32));
  else fU32(F_TREE_ID, u32le(h + 36));
  fU64(F_SESSION_ID, u64le(h + 40));
  const next = u32le(h + 20);
  if (next != 0) fU32(F_NEXT_CMD, next);
  if (cut) fU32(F_TRUNCATED, 1);
  const b = h + HDR;
  const blen = len > HDR ? len - HDR : 0;
  const size = blen >= 2 ? u16le(b) : 0;
  // Error responses (StructureSize 9) carry no command body.
  const errorBody = resp && size == 9 && cmd != SMB2_SESSION_SETUP;
  if (!errorBody) {
    if (cmd == SMB2_NEGOTIATE) { if (resp) negotiateResponse(h, len); else negotiateRequest(h, len); }
    else if (cmd == SMB2_SESSION_SETUP) sessionSetup(h, len, resp);
    else if (cmd == SMB2_TREE_CONNECT) treeConnect(h, len, resp);
    else if (cmd == SMB2_CREATE && !resp) createName(h, len);
    else if (cmd == SMB2_IOCTL) ioctl(h, len, resp);
  }
  end();
  // Decryption mode: the bytes of the messages the SMB 3.1.1 pre-auth integrity hash covers
  if (decryptMode && !plainMode && (cmd == SMB2_NEGOTIATE || cmd == SMB2_SESSION_SETUP)) rawMessage(h, len, wire);
  return !resp && (cmd == SMB2_NEGOTIATE || cmd == SMB2_SESSION_SETUP || cmd == SMB2_TREE_CONNECT);
}

/**
 * Which messages after the setup diagnosis mode keeps (events.ts, F_CREATE_NAME): CREATE requests
 * (a refused CREATE is told by its name), IOCTL requests for a DFS referral, IOCTL responses (a
 * referral's answer; the model keeps only those paired with such a request), and any response
 * answered STATUS_USER_SESSION_DELETED or STATUS_PATH_NOT_COVERED. Reads only the header and the
 * CtlCode: no other file traffic becomes an event.
 */
function beyondSetup(h: usize, len: u32, cmd: u32, resp: bool, status: u32): bool {
  if (resp) return status == STATUS_USER_SESSION_DELETED || status == STATUS_PATH_NOT_COVERED || cmd == SMB2_IOCTL;
  if (cmd == SMB2_CREATE) return true;
  return cmd == SMB2_IOCTL && len >= HDR + 8 && isDfsReferral(u32le(h + HDR + 4));
}

@inline function isDfsReferral(ctl: u32): bool { return ctl == FSCTL_DFS_GET_REFERRALS || ctl == FSCTL_DFS_GET_REFERRALS_EX; }

// CREATE request (MS-SMB2 2.2.13): NameOffset at 44, NameLength at 46.
function createName(h: usize, len: u32): void {
  if (len < HDR + 56) { fU32(F_TRUNCATED, 1); return; }
  const b = h + HDR;
  const noff = u16le(b + 44), nlen = u16le(b + 46);
  if (nlen == 0) { fBytes(F_CREATE_NAME, T_UTF16, b, 0); return; } // the share's root
  if (noff >= HDR && noff + nlen <= len) fBytes(F_CREATE_NAME, T_UTF16, h + noff, nlen & ~1);
  else fU32(F_TRUNCATED, 1);
}

// IOCTL (MS-SMB2 2.2.31 / 2.2.32): CtlCode at 4; a DFS referral request's input (MS-DFSC 2.2.2
// REQ_GET_DFS_REFERRAL: MaxReferralLevel u16, then RequestFileName, NUL-terminated UTF-16) at
// InputOffset 24 / InputCount 28. The _EX form (2.2.3) carries RequestFileLength at 4.
function ioctl(h: usize, len: u32, resp: bool): void {
  if (len < HDR + 8) return;
  const b = h + HDR;
  const ctl = u32le(b + 4);
  fU32(F_CTL_CODE, ctl);
  if (resp || !isDfsReferral(ctl) || len < HDR + 56) return;
  const ioff = u32le(b + 24), icount = u32le(b + 28);
  if (ioff < HDR || ioff > len || icount > len - ioff) { fU32(F_TRUNCATED, 1); return; }
  let p = h + ioff + 2;
  let n: u32 = icount > 2 ? icount - 2 : 0;
  if (ctl == FSCTL_DFS_GET_REFERRALS_EX) {
    if (icount < 8) return;
    const fl = u32le(h + ioff + 4);
    p = h + ioff + 8;
    n = fl <= icount - 8 ? fl : icount - 8;
  }
  // up to the terminating NUL
  let i: u32 = 0;
  while (i + 1 < n && u16le(p + i) != 0) i += 2;
  fBytes(F_DFS_PATH, T_UTF16, p, i);
}

// A list of u16 values copied as raw LE bytes.
function u16List(field: u32, p: usize, count: u32, limit: usize): void {
  let bytes = count * 2;
  if (p + bytes > limit) bytes = p < limit ? <u32>(limit - p) & ~1 : 0;
  fBytes(field, T_BYTES, p, bytes);
}

function negotiateRequest(h: usize, len: u32): void {
  if (len < HDR + 36) { fU32(F_TRUNCATED, 1); return; }
  const b = h + HDR;
  const limit = h + len;
  const count = u16le(b + 2);
  fU32(F_SEC_MODE, u16le(b + 4));
  fU32(F_CAPS, u32le(b + 8));
  fBytes(F_GUID, T_BYTES, b + 12, 16);
  u16List(F_DIALECTS, b + 36, count, limit);
  // Negotiate contexts exist when 3.1.1 is offered.
  let has311 = false;
  for (let i: u32 = 0; i < count && b + 36 + i * 2 + 2 <= limit; i++) if (u16le(b + 36 + i * 2) == 0x0311) has311 = true;
  if (has311) contexts(h, len, u32le(b + 28), u16le(b + 32));
}

function negotiateResponse(h: usize, len: u32): void {
  if (len < HDR + 64) { fU32(F_TRUNCATED, 1); return; }
  const b = h + HDR;
  fU32(F_SEC_MODE, u16le(b + 2));
  const dialect = u16le(b + 4);
  fU32(F_DIALECT, dialect);
  fBytes(F_GUID, T_BYTES, b + 8, 16);
  fU32(F_CAPS, u32le(b + 24));
  fU64(F_SERVER_TIME, u64le(b + 40));
  const boff = u16le(b + 56), blen = u16le(b + 58);
  fU32(F_BLOB_LEN, blen);
  if (blen > 0 && boff >= HDR && boff + blen <= len) blobFields(h + boff, blen);
  if (dialect == 0x0311) contexts(h, len, u32le(b + 60), u16le(b + 6));
}

function contexts(h: usize, len: u32, off: u32, count: u32): void {
  if (count == 0 || off < HDR || off >= len) return;
  const types = fOpen(F_CONTEXTS, T_BYTES, 32);
  let nTypes: u32 = 0;
  // Remember where each interesting context is; emit them after the type list is closed.
  let enc: u32 = 0, pre: u32 = 0, comp: u32 = 0, net: u32 = 0, sig: u32 = 0;
  let o = off;
  for (let i: u32 = 0; i < count && i < 16; i++) {
    o = (o + 7) & ~7;
    if (o + 8 > len) break;
    const t = u16le(h + o);
    const dl = u16le(h + o + 2);
    if (o + 8 + dl > len) break;
    if (types != 0 && nTypes < 16) { store<u16>(types + nTypes * 2, <u16>t); nTypes++; }
    if (t == NC_ENCRYPTION) enc = o; else if (t == NC_PREAUTH_INTEGRITY) pre = o;
    else if (t == NC_COMPRESSION) comp = o; else if (t == NC_NETNAME) net = o; else if (t == NC_SIGNING) sig = o;
    o += 8 + dl;
  }
  if (types != 0) fClose(nTypes * 2);
  const limit = h + len;
  if (pre != 0) { const d = h + pre + 8; u16List(F_HASH_ALGS, d + 4, u16le(d), limit); }
  if (enc != 0) { const d = h + enc + 8; u16List(F_CIPHERS, d + 2, u16le(d), limit); }
  if (comp != 0) { const d = h + comp + 8; u16List(F_COMPRESSION, d + 8, u16le(d), limit); }
  if (sig != 0) { const d = h + sig + 8; u16List(F_SIGNING_ALGS, d + 2, u16le(d), limit); }
  if (net != 0) fBytes(F_NETNAME, T_UTF16, h + net + 8, u16le(h + net + 2) & ~1);
}

function sessionSetup(h: usize, len: u32, resp: bool): void {
  const b = h + HDR;
  if (resp) {
    if (len < HDR + 8) return;
    fU32(F_SESSION_FLAGS, u16le(b + 2));
    const boff = u16le(b + 4), blen = u16le(b + 6);
    fU32(F_BLOB_LEN, blen);
    if (blen > 0 && boff >= HDR && boff + blen <= len) blobFields(h + boff, blen);
    else if (blen > 0) fU32(F_TRUNCATED, 1);
  } else {
    if (len < HDR + 24) { fU32(F_TRUNCATED, 1); return; }
    fU32(F_SESSION_FLAGS, u8at(b + 2));
    fU32(F_SEC_MODE, u8at(b + 3));
    fU32(F_CAPS, u32le(b + 4));
    const boff = u16le(b + 12), blen = u16le(b + 14);
    fU32(F_BLOB_LEN, blen);
    if (blen > 0 && boff >= HDR && boff + blen <= len) blobFields(h + boff, blen);
    else if (blen > 0) fU32(F_TRUNCATED, 1);
  }
}

function treeConnect(h: usize, len: u32, resp: bool): void {
  const b = h + HDR;
  if (resp) {
    if (len < HDR + 16) return;
    fU32(F_SHARE_TYPE, u8at(b + 2));
    fU32(F_SHARE_FLAGS, u32le(b + 4));
    fU32(F_SHARE_CAPS, u32le(b + 8));
    fU32(F_MAX_ACCESS, u32le(b + 12));
  } else {
    if (len < HDR + 8) { fU32(F_TRUNCATED, 1); return; }
    const poff = u16le(b + 4), plen = u16le(b + 6);
    if (poff >= HDR && poff + plen <= len) fBytes(F_TREE, T_UTF16, h + poff, plen & ~1);
    else fU32(F_TRUNCATED, 1);
  }
}
