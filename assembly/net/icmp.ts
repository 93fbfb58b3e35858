// ICMP / ICMPv6 destination unreachable: one EV_ICMP record naming the sender, the type and
// code, and the packet it refused (from the quoted IP header and the first 8 bytes after it:
// RFC 792, RFC 1812 4.3.2.3, RFC 4443 3.1). The quoted packet is only read for its addresses and
// ports: it is never handed to TCP or Kerberos decoding (it is a copy, not a new message).
// Allocates nothing: the quoted addresses go through one scratch buffer made at init.
import {
  EV_ICMP, F_SRC_IP, F_DST_IP, F_ICMP_TYPE, F_ICMP_CODE, F_QUOTED_PROTO, F_QUOTED_SRC_IP, F_QUOTED_DST_IP,
  F_QUOTED_SRC_PORT, F_QUOTED_DST_PORT, T_BYTES, REC_FLAG_IPV6, PROTO_TCP, PROTO_UDP,
} from "../events";
import { ICMP_DEST_UNREACHABLE, ICMPV6_DEST_UNREACHABLE, IPPROTO_ICMP, IPPROTO_ICMPV6 } from "../wire";
import { u16be, u8at } from "../util";
import { begin, end, fU32, fBytes, setFlow } from "../out";

let quoted: usize = 0; // 32 bytes: quoted source and destination, 16 each

export function icmpInit(): void { quoted = heap.alloc(32); }

/** `p`/`len`: the ICMP message; `src`/`dst`: the outer addresses (16 bytes each). */
export function icmpPacket(proto: u32, p: usize, len: u32, src: usize, dst: usize, v6: bool): void {
  if (len < 8) return;
  const type = <u32>u8at(p), code = <u32>u8at(p + 1);
  if (!(proto == IPPROTO_ICMP && type == ICMP_DEST_UNREACHABLE) && !(proto == IPPROTO_ICMPV6 && type == ICMPV6_DEST_UNREACHABLE)) return;
  const q = p + 8, qlen = len - 8;
  let qproto: u32 = 0, tp: usize = 0, tlen: u32 = 0;
  if (!v6) {
    if (qlen < 20 || (u8at(q) >> 4) != 4) return;
    const ihl = <u32>(u8at(q) & 15) * 4;
    if (ihl < 20 || qlen < ihl) return;
    qproto = u8at(q + 9);
    store<u64>(quoted, 0); store<u32>(quoted + 8, 0xffff0000); store<u32>(quoted + 12, load<u32>(q + 12));
    store<u64>(quoted + 16, 0); store<u32>(quoted + 24, 0xffff0000); store<u32>(quoted + 28, load<u32>(q + 16));
    tp = q + ihl; tlen = qlen - ihl;
  } else {
    if (qlen < 40 || (u8at(q) >> 4) != 6) return;
    qproto = u8at(q + 6); // extension headers in a quoted packet are rare; their ports are then not read
    memory.copy(quoted, q + 8, 32);
    tp = q + 40; tlen = qlen - 40;
  }
  setFlow(-1, v6 ? REC_FLAG_IPV6 : 0);
  begin(EV_ICMP);
  fBytes(F_SRC_IP, T_BYTES, src, 16);
  fBytes(F_DST_IP, T_BYTES, dst, 16);
  fU32(F_ICMP_TYPE, type);
  fU32(F_ICMP_CODE, code);
  fU32(F_QUOTED_PROTO, qproto);
  fBytes(F_QUOTED_SRC_IP, T_BYTES, quoted, 16);
  fBytes(F_QUOTED_DST_IP, T_BYTES, quoted + 16, 16);
  if ((qproto == PROTO_TCP || qproto == PROTO_UDP) && tlen >= 4) {
    fU32(F_QUOTED_SRC_PORT, u16be(tp));
    fU32(F_QUOTED_DST_PORT, u16be(tp + 2));
  }
  end();
}
