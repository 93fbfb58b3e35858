// Link layer → IPv4/IPv6 → TCP/UDP. Called once per packet record; allocates nothing.
import {
  LT_NULL, LT_ETHERNET, LT_RAW, LT_RAW_DLT12, LT_RAW_DLT14, LT_LOOP, LT_LINUX_SLL, LT_IPV4,
  LT_IPV6, LT_LINUX_SLL2, ETH_IPV4, ETH_IPV6, ETH_VLAN, ETH_QINQ, ETH_QINQ_OLD, PORT_KERBEROS,
  ETH_IPX, IPPROTO_GRE, PORT_VXLAN, PORT_GENEVE,
} from "../wire";
import { EV_WARNING, F_CODE, F_OFFSET, F_VALUE, F_VALUE2, W_UNKNOWN_LINKTYPE } from "../events";
import { u16be, u32be, u32le, u8at } from "../util";
import { begin, end, fU32, fU64 } from "../out";
import { tcpPacket } from "./tcp";
import { udpKerberos } from "../proto/krbflow";
import { ipfragAdd, fragLen } from "./ipfrag";
import { gre, vxlan, geneve, tunnelPacketStart, tunnelReset } from "./tunnel";
import { llcFrame, ipxPacket, legacyReset } from "./legacy";

const SLL_802_3: u32 = 0x0001; // Linux "cooked" protocol values for frames without an EtherType
const SLL_802_2: u32 = 0x0004;
import { icmpPacket } from "./icmp";
import { quicDatagram, quicReset } from "./quic";

export let packets: u64 = 0;
export let bytesOnWire: u64 = 0;
export let fragments: u64 = 0;
export let tcpPorts: usize = 0; // u32[65536] packets per lower port of a TCP packet
export let udpPorts: usize = 0; // u32[65536]

// Addresses of the current packet, 16 bytes each (IPv4 as ::ffff:a.b.c.d)
export let srcAddr: usize = 0;
export let dstAddr: usize = 0;
export let isV6 = false;

let warnedLinks: u32 = 0; // up to 8 link types warned about, packed in warnedLinkList
let warnedLinkList: usize = 0;

export function packetInit(): void {
  tcpPorts = heap.alloc(65536 * 4);
  udpPorts = heap.alloc(65536 * 4);
  memory.fill(tcpPorts, 0, 65536 * 4);
  memory.fill(udpPorts, 0, 65536 * 4);
  srcAddr = heap.alloc(16);
  dstAddr = heap.alloc(16);
  warnedLinkList = heap.alloc(32);
}

export function packetReset(): void {
  packets = 0; bytesOnWire = 0; fragments = 0; warnedLinks = 0;
  tunnelReset(); legacyReset(); quicReset();
  memory.fill(tcpPorts, 0, 65536 * 4);
  memory.fill(udpPorts, 0, 65536 * 4);
}

function unknownLink(link: u32): void {
  for (let i: u32 = 0; i < warnedLinks; i++) if (load<u32>(warnedLinkList + i * 4) == link) return;
  if (warnedLinks < 8) store<u32>(warnedLinkList + (warnedLinks++) * 4, link);
  begin(EV_WARNING); fU32(F_CODE, W_UNKNOWN_LINKTYPE); fU64(F_OFFSET, 0); fU64(F_VALUE, link); fU64(F_VALUE2, 0); end();
}

export function handlePacket(p: usize, caplen: u32, origlen: u32, link: u32): void {
  packets++;
  bytesOnWire += origlen;
  tunnelPacketStart();
  let off: u32 = 0;
  let etype: u32 = 0;
  if (link == LT_ETHERNET) { ethernet(p, caplen); return; }
  else if (link == LT_LINUX_SLL) {
    if (caplen < 16) return;
    etype = u16be(p + 14); off = 16;
    if (etype == ETH_VLAN && caplen >= 20) { etype = u16be(p + 18); off = 20; }
  } else if (link == LT_LINUX_SLL2) {
    if (caplen < 20) return;
    etype = u16be(p); off = 20;
    if (etype == ETH_VLAN && caplen >= 24) { etype = u16be(p + 22); off = 24; }
  } else if (link == LT_NULL || link == LT_LOOP) {
    if (caplen < 4) return;
    // NULL: address family in the capturing host's byte order; LOOP: network byte order.
    let fam = link == LT_LOOP ? u32be(p) : u32le(p);
    if (link == LT_NULL && fam > 0xffff) fam = u32be(p);
    off = 4;
    if (fam == 2) etype = ETH_IPV4;
    else if (fam == 24 || fam == 28 || fam == 30 || fam == 10 || fam == 23) etype = ETH_IPV6;
    else return;
  } else if (link == LT_RAW || link == LT_RAW_DLT12 || link == LT_RAW_DLT14 || link == LT_IPV4 || link == LT_IPV6) {
    if (caplen < 1) return;
    const v = u8at(p) >> 4;
    if (v == 4 && link != LT_IPV6) etype = ETH_IPV4;
    else if (v == 6 && link != LT_IPV4) etype = ETH_IPV6;
    else return;
  } else { unknownLink(link); return; }
  if (etype == ETH_IPV4) ipv4(p + off, caplen - off);
  else if (etype == ETH_IPV6) ipv6(p + off, caplen - off);
  else if (etype == SLL_802_2 || etype == SLL_802_3) llcFrame(p + off, caplen - off);
  else if (etype == ETH_IPX) ipxPacket(p + off, caplen - off);
}

// An Ethernet frame: the capture's own link layer, or one inside a tunnel (tunnel.ts).
export function ethernet(p: usize, len: u32): void {
  if (len < 14) return;
  let etype = u16be(p + 12);
  let off: u32 = 14;
  // 802.1Q and stacked 802.1ad/QinQ tags
  let tags = 0;
  while ((etype == ETH_VLAN || etype == ETH_QINQ || etype == ETH_QINQ_OLD) && tags < 4) {
    if (len < off + 4) return;
    etype = u16be(p + off + 2); off += 4; tags++;
  }
  if (etype == ETH_IPV4) ipv4(p + off, len - off);
  else if (etype == ETH_IPV6) ipv6(p + off, len - off);
  else if (etype <= 1500) llcFrame(p + off, len - off < etype ? len - off : etype); // 802.3: a length
  else if (etype == ETH_IPX) ipxPacket(p + off, len - off);
}

export function ipv4(p: usize, len: u32): void {
  if (len < 20) return;
  const vihl = u8at(p);
  if ((vihl >> 4) != 4) return;
  const ihl = (vihl & 15) * 4;
  if (ihl < 20 || len < ihl) return;
  let declared = u16be(p + 2);
  if (declared < ihl) declared = len; // TSO-captured frames can carry 0 here
  const total = declared > len ? len : declared; // cut by the snapshot length
  const fragField = u16be(p + 6);
  const fragOff = fragField & 0x1fff;
  const more = (fragField & 0x2000) != 0;
  const proto = u8at(p + 9);
  isV6 = false;
  // ::ffff:a.b.c.d, written as the u64 words the flow table reads them as (a u64 load of two
  // u32 stores just made waits for them to reach the cache: no store forwarding)
  store<u64>(srcAddr, 0); store<u64>(srcAddr + 8, <u64>0xffff0000 | (<u64>load<u32>(p + 12) << 32));
  store<u64>(dstAddr, 0); store<u64>(dstAddr + 8, <u64>0xffff0000 | (<u64>load<u32>(p + 16) << 32));
  if (fragOff != 0 || more) {
    fragments++;
    // UDP datagrams are reassembled (Kerberos); of anything else only the first fragment,
    // which carries the transport header, is decoded.
    if (proto == 17 && total == declared) {
      const whole = ipfragAdd(p, proto, fragOff * 8, more, p + ihl, total - ihl);
      if (whole != 0) transport(proto, whole, fragLen, fragLen);
      return;
    }
    if (fragOff != 0) return;
  }
  transport(proto, p + ihl, total - ihl, declared - ihl);
}

export function ipv6(p: usize, len: u32): void {
  if (len < 40) return;
  if ((u8at(p) >> 4) != 6) return;
  let plen = u16be(p + 4);
  const declared = plen == 0 ? len - 40 : plen;
  let next = u8at(p + 6);
  isV6 = true;
  // (u64 words, as for IPv4; memory.copy of a few bytes is a call into the engine)
  store<u64>(srcAddr, load<u64>(p + 8)); store<u64>(srcAddr + 8, load<u64>(p + 16));
  store<u64>(dstAddr, load<u64>(p + 24)); store<u64>(dstAddr + 8, load<u64>(p + 32));
  let off: u32 = 40;
  if (plen == 0 || plen + 40 > len) plen = len - 40; // jumbogram or cut by the snapshot length
  const stop: u32 = <u32>40 + plen;
  // Extension header chain (bounded)
  for (let i = 0; i < 8; i++) {
    if (next == 0 || next == 43 || next == 60 || next == 135 || next == 139 || next == 140) {
      if (off + 8 > stop) return;
      const hlen = (u8at(p + off + 1) + 1) * 8;
      next = u8at(p + off); off += hlen;
    } else if (next == 44) { // fragment
      if (off + 8 > stop) return;
      fragments++;
      const fo = u16be(p + off + 2) >> 3;
      next = u8at(p + off); off += 8;
      if (fo != 0) return;
    } else if (next == 51) { // AH: length in 4-byte units minus 2
      if (off + 8 > stop) return;
      const hlen = (u8at(p + off + 1) + 2) * 4;
      next = u8at(p + off); off += hlen;
    } else break;
  }
  if (off > stop) return;
  transport(next, p + off, stop - off, declared + 40 > off ? declared + 40 - off : 0);
}

// `len` bytes of the transport header and payload were captured of `wireLen` sent.
// ICMP is not decoded: an ICMP error quotes the IP header and first bytes of the packet that
// caused it (a Kerberos request, a SYN), which must not be read as a packet of their own.
function transport(proto: u32, p: usize, len: u32, wireLen: u32): void {
  if (proto == 6) {
    if (len < 20) return;
    const sport = u16be(p), dport = u16be(p + 2);
    const lo = sport < dport ? sport : dport;
    store<u32>(tcpPorts + lo * 4, load<u32>(tcpPorts + lo * 4) + 1);
    tcpPacket(p, len, wireLen < len ? len : wireLen, sport, dport);
  } else if (proto == 17) {
    if (len < 8) return;
    const sport = u16be(p), dport = u16be(p + 2);
    const lo = sport < dport ? sport : dport;
    store<u32>(udpPorts + lo * 4, load<u32>(udpPorts + lo * 4) + 1);
    const stated = u16be(p + 4);
    let ulen = stated;
    if (ulen < 8 || ulen > len) ulen = len;
    if (sport == PORT_KERBEROS || dport == PORT_KERBEROS) udpKerberos(p + 8, ulen - 8, sport, dport);
    else if (dport == PORT_VXLAN || sport == PORT_VXLAN) vxlan(p + 8, ulen - 8);
    else if (dport == PORT_GENEVE || sport == PORT_GENEVE) geneve(p + 8, ulen - 8);
    else quicDatagram(p + 8, ulen - 8, stated >= 8 ? stated - 8 : ulen - 8, sport, dport); // SMB over QUIC: any port (an alternative QUIC port)
  } else if (proto == IPPROTO_GRE) gre(p, len);
  else if (proto == 1 || proto == 58) icmpPacket(proto, p, len, srcAddr, dstAddr, isV6);
}
