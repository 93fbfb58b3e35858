// Security blobs of SMB2 SESSION_SETUP / NEGOTIATE and SMB1 extended-security SESSION_SETUP_ANDX /
// NEGOTIATE (MS-SMB2 2.2.4, 2.2.5, 2.2.6; MS-SMB 2.2.4.5, 2.2.4.6): called by smb2.ts / smb1.ts
// while the message's record is open, so the fields land in that record. The decoding itself
// lives in spnego.ts (SPNEGO, GSS framing), ntlmssp.ts and kerberos.ts, over asn1.ts.
import { F_MECH, EV_KRB, EV_SMB2 } from "../events";
import { authBegin } from "./asn1";
import { krbBegin, krbEnd, krbFields } from "./kerberos";
import { spnegoBegin, securityToken, blobMech } from "./spnego";
import { fU32, begin, end, setPacket } from "../out";

/**
 * One security blob. Emits F_MECH (what the token is: the inner token's mechanism, MECH_SPNEGO
 * for a NegTokenInit without a token), the SPNEGO / NTLMSSP / Kerberos fields, and on malformed
 * input F_BLOB_ERROR + F_BLOB_ERR_OFFSET. An empty blob (SMB1 final responses) emits nothing.
 */
export function blobFields(p: usize, len: u32): void {
  if (len == 0) return;
  authBegin(p);
  krbBegin();
  spnegoBegin();
  securityToken(p, p + len, true);
  const m = blobMech();
  if (m >= 0) fU32(F_MECH, <u32>m);
  krbEnd(true);
}

/**
 * Test entry (tests/auth-*.test.ts): decodes `len` bytes at `p` — which the test wrote into the
 * input buffer — as one security blob (kind 0, in an EV_SMB2 record) or one Kerberos message
 * (kind 1, in an EV_KRB record), with frame number 0.
 */
export function testBlob(p: usize, len: u32, kind: u32): void {
  if (<u64>p + <u64>len > (<u64>memory.size() << 16)) return;
  setPacket(0, 0, 6);
  begin(kind == 1 ? EV_KRB : EV_SMB2);
  if (kind == 1) krbFields(p, len); else blobFields(p, len);
  end();
}
