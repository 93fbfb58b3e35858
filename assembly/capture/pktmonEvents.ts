// pktmon's events other than the packet copies it analyses: drops (170) and the component rundown
// (20 names, 30 numeric properties such as IfIndex, 65/66 IPv4/IPv6 addresses, 70 the MAC).
// Layouts: the knowledge file §2.4 (checked on the real pktmon file in ../shared/corpus/etl) and
// Microsoft's Network Monitor parser for PktMon (microsoft/NetMon_Parsers_for_PacketMon:
// CompPropUint {u16 ComponentId, u16 Type, u32 Value}, CompPropBinary {…, u32 Size, Size bytes});
// 65/66 are {u16 ComponentId, u16 Type, 4 or 16 address bytes}, as the corpus file shows.
//
// A drop is one record naming the component, the drop reason and location (PKTMON_DROP_REASON,
// PKTMON_DROP_LOCATION: TypeScript names them) and what the dropped packet was: addresses, ports,
// TCP flags, and the SMB command or Kerberos message it started with, read from its first bytes.
// The packet is only read here, never decoded as traffic (etl.ts decides that). Allocates nothing.
import {
  EV_PKTMON_DROP, EV_PKTMON_INFO, F_PKTMON_COMPONENT, F_PKTMON_EVENT, F_VALUE, F_VALUE2, F_WIN_NAME, F_WIN_DESC,
  F_PKTMON_ADDR, F_DROP_REASON, F_DROP_LOCATION, F_PKTMON_DIR, F_TRANSPORT, F_SRC_IP, F_DST_IP, F_SRC_PORT, F_DST_PORT,
  F_TCP_FLAGS, F_LEN, F_CMD, F_RESPONSE, F_SMB_VERSION, F_KRB_MSG_TYPE, T_UTF16, T_BYTES, REC_FLAG_IPV6, PROTO_TCP, PROTO_UDP,
} from "../events";
import {
  PKTMON_HDR_SIZE, PKTMON_OFF_PACKET_TYPE, PKTMON_OFF_COMPONENT, PKTMON_OFF_DIR, PKTMON_OFF_DROP_REASON, PKTMON_OFF_DROP_LOCATION,
  PKTMON_OFF_LOGGED_SIZE, PKTMON_EV_COMPONENT, PKTMON_EV_PROP_UINT, PKTMON_EV_PROP_IPV4, PKTMON_EV_PROP_IPV6, PKTMON_EV_PROP_BINARY,
  ETH_IPV4, ETH_IPV6, ETH_VLAN, ETH_QINQ, ETH_QINQ_OLD, PORT_SMB, PORT_NBSS, PORT_KERBEROS,
} from "../wire";
import { u16be, u32be, u8at } from "../util";
import { begin, end, fU32, fBytes, setFlow } from "../out";

let addrs: usize = 0; // 32 bytes: source and destination, 16 each (IPv4 as ::ffff:a.b.c.d)

export function pktmonEventsInit(): void { addrs = heap.alloc(32); }

/** Is this pktmon event one of the rundown's (a component's name or property)? */
export function isPktmonInfo(id: u32): bool {
  return id == PKTMON_EV_COMPONENT || id == PKTMON_EV_PROP_UINT || id == PKTMON_EV_PROP_IPV4 || id == PKTMON_EV_PROP_IPV6 || id == PKTMON_EV_PROP_BINARY;
}

/** One EV_PKTMON_INFO record for a rundown event (isPktmonInfo): TypeScript joins them per component. */
export function pktmonInfo(id: u32, u: usize, len: u32): void {
  if (len < 4) return;
  setFlow(-1, 0);
  begin(EV_PKTMON_INFO);
  fU32(F_PKTMON_COMPONENT, <u32>load<u16>(u));
  fU32(F_PKTMON_EVENT, id);
  fU32(F_VALUE, <u32>load<u16>(u + 2)); // 20: the component type; the others: the property type
  if (id == PKTMON_EV_COMPONENT) {
    // Name\0Description\0 (UTF-16)
    const e = u + len;
    let p = u + 4;
    const n0 = p;
    while (p + 2 <= e && load<u16>(p) != 0) p += 2;
    fBytes(F_WIN_NAME, T_UTF16, n0, <u32>(p - n0));
    if (p + 2 <= e) {
      p += 2;
      const d0 = p;
      while (p + 2 <= e && load<u16>(p) != 0) p += 2;
      fBytes(F_WIN_DESC, T_UTF16, d0, <u32>(p - d0));
    }
  } else if (id == PKTMON_EV_PROP_UINT) {
    if (len >= 8) fU32(F_VALUE2, load<u32>(u + 4));
  } else if (id == PKTMON_EV_PROP_IPV4) {
    if (len >= 8) fBytes(F_PKTMON_ADDR, T_BYTES, u + 4, 4);
  } else if (id == PKTMON_EV_PROP_IPV6) {
    if (len >= 20) fBytes(F_PKTMON_ADDR, T_BYTES, u + 4, 16);
  } else if (len >= 8) { // binary: u32 size, then the bytes (a MAC address is 6)
    let n = load<u32>(u + 4);
    if (n > len - 8) n = len - 8;
    if (n > 32) n = 32;
    fBytes(F_PKTMON_ADDR, T_BYTES, u + 8, n);
  }
  end();
}

/** One EV_PKTMON_DROP record for a drop event's user data (PKTMON_HDR_SIZE header, then the packet). */
export function pktmonDrop(u: usize, len: u32): void {
  if (len < <u32>PKTMON_HDR_SIZE) return;
  let logged = <u32>load<u16>(u + PKTMON_OFF_LOGGED_SIZE);
  if (logged > len - PKTMON_HDR_SIZE) logged = len - PKTMON_HDR_SIZE;
  const type = <u32>load<u16>(u + PKTMON_OFF_PACKET_TYPE);
  // the dropped packet: Ethernet (type 1) or IP (3); 802.11 (2) is not read for addresses
  let p = u + PKTMON_HDR_SIZE;
  let n = logged;
  let etype: u32 = 0;
  if (type == 1) {
    if (n >= 14) {
      etype = u16be(p + 12); p += 14; n -= 14;
      for (let k = 0; k < 2 && (etype == ETH_VLAN || etype == ETH_QINQ || etype == ETH_QINQ_OLD) && n >= 4; k++) { etype = u16be(p + 2); p += 4; n -= 4; }
    }
  } else if (type == 3 && n >= 1) etype = (u8at(p) >> 4) == 6 ? ETH_IPV6 : ETH_IPV4;
  let proto: u32 = 0; let tp: usize = 0; let tlen: u32 = 0; let v6 = false; let ip = false;
  if (etype == ETH_IPV4 && n >= 20 && (u8at(p) >> 4) == 4) {
    const ihl = <u32>(u8at(p) & 15) * 4;
    if (ihl >= 20 && n >= ihl) {
      ip = true;
      store<u64>(addrs, 0); store<u32>(addrs + 8, 0xffff0000); store<u32>(addrs + 12, load<u32>(p + 12));
      store<u64>(addrs + 16, 0); store<u32>(addrs + 24, 0xffff0000); store<u32>(addrs + 28, load<u32>(p + 16));
      // a later fragment carries no ports
      if ((u16be(p + 6) & 0x1fff) == 0) { proto = u8at(p + 9); tp = p + ihl; tlen = n - ihl; }
      const total = u16be(p + 2);
      if (total >= ihl && total - ihl < tlen) tlen = total - ihl;
    }
  } else if (etype == ETH_IPV6 && n >= 40 && (u8at(p) >> 4) == 6) {
    ip = true; v6 = true;
    memory.copy(addrs, p + 8, 32);
    let nh = <u32>u8at(p + 6); let o: u32 = 40;
    // hop-by-hop, routing and destination options headers before TCP/UDP
    for (let k = 0; k < 4 && (nh == 0 || nh == 43 || nh == 60) && o + 8 <= n; k++) { const hl = (<u32>u8at(p + o + 1) + 1) * 8; nh = u8at(p + o); o += hl; }
    if (o <= n && (nh == PROTO_TCP || nh == PROTO_UDP)) { proto = nh; tp = p + o; tlen = n - o; }
  }
  setFlow(-1, v6 ? REC_FLAG_IPV6 : 0);
  begin(EV_PKTMON_DROP);
  fU32(F_PKTMON_COMPONENT, <u32>load<u16>(u + PKTMON_OFF_COMPONENT));
  fU32(F_DROP_REASON, load<u32>(u + PKTMON_OFF_DROP_REASON));
  fU32(F_DROP_LOCATION, load<u32>(u + PKTMON_OFF_DROP_LOCATION));
  fU32(F_PKTMON_DIR, <u32>load<u16>(u + PKTMON_OFF_DIR));
  if (ip) { fBytes(F_SRC_IP, T_BYTES, addrs, 16); fBytes(F_DST_IP, T_BYTES, addrs + 16, 16); }
  if (proto == PROTO_TCP && tlen >= 20) {
    const sport = u16be(tp), dport = u16be(tp + 2);
    const doff = <u32>(u8at(tp + 12) >> 4) * 4;
    fU32(F_TRANSPORT, PROTO_TCP); fU32(F_SRC_PORT, sport); fU32(F_DST_PORT, dport);
    fU32(F_TCP_FLAGS, <u32>u8at(tp + 13));
    if (doff >= 20 && doff <= tlen) {
      fU32(F_LEN, tlen - doff);
      firstMessage(tp + doff, tlen - doff, sport, dport, true);
    }
  } else if (proto == PROTO_UDP && tlen >= 8) {
    const sport = u16be(tp), dport = u16be(tp + 2);
    fU32(F_TRANSPORT, PROTO_UDP); fU32(F_SRC_PORT, sport); fU32(F_DST_PORT, dport);
    fU32(F_LEN, tlen - 8);
    firstMessage(tp + 8, tlen - 8, sport, dport, false);
  }
  end();
}

// What a segment starts with, when it starts a message: an SMB command (after its NBSS header) or
// a Kerberos message (its APPLICATION tag; over TCP after the 4-byte record mark, RFC 4120 7.2.2).
function firstMessage(p: usize, n: u32, sport: u32, dport: u32, tcp: bool): void {
  const smb = sport == PORT_SMB || dport == PORT_SMB || sport == PORT_NBSS || dport == PORT_NBSS;
  if (tcp && smb && n >= 4 + 17 && u8at(p) == 0) {
    const magic = u32be(p + 4);
    if (magic == 0xfe534d42 && n >= 4 + 20) { // SMB2 header (MS-SMB2 2.2.1): Command at 12, Flags at 16
      fU32(F_SMB_VERSION, 2); fU32(F_CMD, <u32>load<u16>(p + 4 + 12)); fU32(F_RESPONSE, load<u32>(p + 4 + 16) & 1);
    } else if (magic == 0xff534d42) { // SMB1 (MS-CIFS 2.2.3.1): Command at 4, Flags at 9 (0x80 reply)
      fU32(F_SMB_VERSION, 1); fU32(F_CMD, <u32>u8at(p + 4 + 4)); fU32(F_RESPONSE, (<u32>u8at(p + 4 + 9) >> 7) & 1);
    } else if (magic == 0xfd534d42) fU32(F_SMB_VERSION, 3); // encrypted (TRANSFORM_HEADER)
    return;
  }
  if (sport == PORT_KERBEROS || dport == PORT_KERBEROS) {
    const o: u32 = tcp ? 4 : 0;
    if (n > o) {
      const tag = <u32>u8at(p + o);
      if ((tag & 0xe0) == 0x60 && (tag & 0x1f) != 0x1f) fU32(F_KRB_MSG_TYPE, tag & 0x1f); // [APPLICATION n]
    }
  }
}
