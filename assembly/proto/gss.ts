// Security blobs of SESSION_SETUP / NEGOTIATE: recognises the mechanism. The full SPNEGO,
// NTLMSSP and Kerberos decoding lives in its own modules (issue 4).
import { F_MECH, F_NTLM_TYPE, MECH_NTLM, MECH_SPNEGO, MECH_UNKNOWN } from "../events";
import { u8at, u32le } from "../util";
import { fU32 } from "../out";

export function blobFields(p: usize, len: u32): void {
  if (len >= 12 && u32le(p) == 0x4d4c544e && u32le(p + 4) == 0x00505353) { // "NTLMSSP\0"
    fU32(F_MECH, MECH_NTLM); fU32(F_NTLM_TYPE, u32le(p + 8)); return;
  }
  const t = len > 0 ? u8at(p) : 0;
  fU32(F_MECH, t == 0x60 || t == 0xa0 || t == 0xa1 ? MECH_SPNEGO : MECH_UNKNOWN);
}
