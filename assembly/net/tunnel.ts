// Tunnels that carry mirrored or overlay traffic in data centres: GRE (RFC 2784, key and sequence
// number of RFC 2890) carrying IP or Ethernet (gretap), ERSPAN types I, II and III inside GRE,
// VXLAN (RFC 7348, UDP 4789) and Geneve (RFC 8926, UDP 6081). The packet inside is decoded as if
// it had been captured by itself, so the SMB in a mirrored session is analysed (Wireshark decodes
// all of these by default). Nesting is bounded (MAX_DEPTH); nothing is allocated or copied.
//
// A flow inside a tunnel is not the same flow as the same 5-tuple outside it or in another tunnel
// (overlay networks reuse tenant addresses): `tunnelTag`, 0 outside any tunnel, is part of the TCP
// flow key (assembly/net/tcp.ts). Wireshark 4.0 merges such flows into one tcp.stream; they are
// rare, and counted apart here.
import {
  ETH_IPV4, ETH_IPV6, ETH_TEB, ETH_ERSPAN_1_2, ETH_ERSPAN_3, TUN_GRE, TUN_GRETAP, TUN_ERSPAN1,
  TUN_ERSPAN2, TUN_ERSPAN3, TUN_VXLAN, TUN_GENEVE,
} from "../wire";
import { u8at, u16be, u32be } from "../util";
import { ethernet, ipv4, ipv6 } from "./packet";

const MAX_DEPTH: u32 = 3; // tunnels inside tunnels: deeper ones are counted, not decoded
const ERSPAN2_HDR: u32 = 8;
const ERSPAN3_HDR: u32 = 12;
const ERSPAN3_PLATFORM_HDR: u32 = 8; // present when the O flag is set
const VXLAN_HDR: u32 = 8;
const GENEVE_HDR: u32 = 8;

let depth: u32 = 0;
export let tunnelTag: u32 = 0; // 16 bits, 0 = not in a tunnel
export let tunnelPackets: u64 = 0; // packets decoded from inside a tunnel
export let tunnelKinds: u32 = 0; // TUN_* bits seen

export function tunnelPacketStart(): void { depth = 0; tunnelTag = 0; }
export function tunnelReset(): void { tunnelPackets = 0; tunnelKinds = 0; depth = 0; tunnelTag = 0; }

// Enters a tunnel of `kind` with identifier `id` (GRE key, ERSPAN session, VNI); false when nested too deep.
function enter(kind: u32, id: u32): bool {
  if (depth >= MAX_DEPTH) return false;
  if (depth == 0) tunnelPackets++;
  depth++;
  tunnelKinds |= kind;
  let h: u32 = (tunnelTag * 0x9e3779b1) ^ (kind << 24) ^ id;
  h *= 0x85ebca6b; h ^= h >> 13; h *= 0xc2b2ae35; h ^= h >> 16;
  tunnelTag = (h & 0xffff) == 0 ? 1 : h & 0xffff;
  return true;
}

function inner(etype: u32, p: usize, len: u32): void {
  if (etype == ETH_IPV4) ipv4(p, len);
  else if (etype == ETH_IPV6) ipv6(p, len);
  else if (etype == ETH_TEB) ethernet(p, len);
}

// IP protocol 47.
export function gre(p: usize, len: u32): void {
  if (len < 4) return;
  const fl = u16be(p), proto = u16be(p + 2);
  if ((fl & 7) != 0 || (fl & 0x4000) != 0) return; // version 1 (PPTP: PPP inside), source routing (obsolete)
  let off: u32 = 4;
  if ((fl & 0x8000) != 0) off += 4; // checksum + reserved
  let key: u32 = 0;
  if ((fl & 0x2000) != 0) { if (len < off + 4) return; key = u32be(p + off); off += 4; }
  const hasSeq = (fl & 0x1000) != 0;
  if (hasSeq) off += 4;
  if (len < off) return;
  p += off; len -= off;
  if (proto == ETH_IPV4 || proto == ETH_IPV6) { if (enter(TUN_GRE, key)) inner(proto, p, len); }
  else if (proto == ETH_TEB) { if (enter(TUN_GRETAP, key)) ethernet(p, len); }
  else if (proto == ETH_ERSPAN_1_2) {
    // Type I has no ERSPAN header and no GRE sequence number; type II has both (version field 1).
    if (!hasSeq) { if (enter(TUN_ERSPAN1, 0)) ethernet(p, len); return; }
    if (len < ERSPAN2_HDR || (u8at(p) >> 4) != 1) return;
    if (enter(TUN_ERSPAN2, u16be(p + 2) & 0x3ff)) ethernet(p + ERSPAN2_HDR, len - ERSPAN2_HDR);
  } else if (proto == ETH_ERSPAN_3) {
    if (len < ERSPAN3_HDR || (u8at(p) >> 4) != 2) return;
    if (((u8at(p + 10) >> 2) & 0x1f) != 0) return; // frame type: only Ethernet (0) is defined in use
    let h = ERSPAN3_HDR;
    if ((u8at(p + 11) & 1) != 0) h += ERSPAN3_PLATFORM_HDR;
    if (len < h) return;
    if (enter(TUN_ERSPAN3, u16be(p + 2) & 0x3ff)) ethernet(p + h, len - h);
  }
}

// UDP payload to port 4789: an Ethernet frame behind an 8-byte header (24-bit VNI).
export function vxlan(p: usize, len: u32): void {
  if (len < VXLAN_HDR) return;
  if (enter(TUN_VXLAN, u32be(p + 4) >> 8)) ethernet(p + VXLAN_HDR, len - VXLAN_HDR);
}

// UDP payload to port 6081: version 0, options (length in 4-byte words), then the protocol type's payload.
export function geneve(p: usize, len: u32): void {
  if (len < GENEVE_HDR || (u8at(p) >> 6) != 0) return;
  const h = GENEVE_HDR + (u8at(p) & 0x3f) * 4;
  if (len < h) return;
  const proto = u16be(p + 2);
  if (proto != ETH_TEB && proto != ETH_IPV4 && proto != ETH_IPV6) return;
  if (enter(TUN_GENEVE, u32be(p + 4) >> 8)) inner(proto, p + h, len - h);
}
