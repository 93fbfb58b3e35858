// Decryption mode (issue 18): the bytes of an SMB message as an EV_SMB_RAW record (events.ts).
import { EV_SMB_RAW, F_LEN, F_RAW, F_TRUNCATED } from "../events";
import { begin, end, fU32, fRaw } from "../out";

/**
 * The `have` bytes at p of a message of `msgLen` bytes on the wire. Bytes that do not fit one
 * record are not sent at all (F_TRUNCATED), never cut silently: a pre-auth hash or an
 * authentication tag over part of a message would be wrong.
 */
export function rawMessage(p: usize, have: u32, msgLen: u32): void {
  begin(EV_SMB_RAW);
  fU32(F_LEN, msgLen);
  if (have < msgLen) fU32(F_TRUNCATED, 1);
  else if (!fRaw(F_RAW, p, have)) fU32(F_TRUNCATED, 1);
  end();
}
