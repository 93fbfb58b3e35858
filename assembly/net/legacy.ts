// Transports SMB ran over before TCP/IP: NetBIOS Frames (NetBEUI) on IEEE 802.2 LLC SAP 0xF0, and
// IPX (Ethernet II 0x8137, raw 802.3, 802.2 SAP 0xE0 or SNAP) to the NetBIOS and NWLink SMB
// sockets. They are not analysed, only counted, so that a capture of them is not called "no SMB".
import {
  ETH_IPX, LLC_SAP_NETBIOS, LLC_SAP_IPX, LLC_SAP_SNAP, IPX_SOCKET_NETBIOS, IPX_SOCKET_SMB_FIRST, IPX_SOCKET_SMB_LAST,
} from "../wire";
import { u8at, u16be } from "../util";

const IPX_HDR: u32 = 30;
export let netbeuiFrames: u64 = 0;
export let ipxSmbFrames: u64 = 0;

export function legacyReset(): void { netbeuiFrames = 0; ipxSmbFrames = 0; }

// An 802.3 frame's payload (the EtherType field held a length).
export function llcFrame(p: usize, len: u32): void {
  if (len >= 2 && u16be(p) == 0xffff) { ipxPacket(p, len); return; } // "raw 802.3" IPX: no LLC header
  if (len < 3) return;
  const dsap = u8at(p), ssap = u8at(p + 1);
  if (dsap == LLC_SAP_NETBIOS && (ssap & 0xfe) == LLC_SAP_NETBIOS) netbeuiFrames++;
  else if (dsap == LLC_SAP_IPX && (ssap & 0xfe) == LLC_SAP_IPX) ipxPacket(p + 3, len - 3);
  else if (dsap == LLC_SAP_SNAP && ssap == LLC_SAP_SNAP && len >= 8 && u16be(p + 6) == ETH_IPX) ipxPacket(p + 8, len - 8);
}

// An IPX packet: counted when either socket is NetBIOS's or one of NWLink SMB's.
export function ipxPacket(p: usize, len: u32): void {
  if (len < IPX_HDR) return;
  const dst = u16be(p + 16), src = u16be(p + 28);
  if (isSmbSocket(dst) || isSmbSocket(src)) ipxSmbFrames++;
}

@inline function isSmbSocket(s: u32): bool {
  return s == <u32>IPX_SOCKET_NETBIOS || (s >= <u32>IPX_SOCKET_SMB_FIRST && s <= <u32>IPX_SOCKET_SMB_LAST);
}
