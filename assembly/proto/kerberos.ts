// Kerberos messages (RFC 4120 5): for now the message type from the APPLICATION tag.
import { F_KRB_MSG_TYPE } from "../events";
import { u8at } from "../util";
import { fU32 } from "../out";

export function krbFields(p: usize, len: u32): void {
  if (len < 2) return;
  const t = u8at(p);
  if ((t & 0xe0) == 0x60) fU32(F_KRB_MSG_TYPE, t & 0x1f);
}
