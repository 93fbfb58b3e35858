// The packets inside ETW events, shared by the ETL reader and Network Monitor's NetEvent frames:
// one event pipeline after the container. ndiscap (netsh trace) logs one event per packet;
// pktmon logs one per component the packet crosses, so the container says which component's
// copies are analysed (the others still count as frames, as etl2pcapng writes every one).
import {
  NDISCAP_GUID0, NDISCAP_GUID1, NDISCAP_GUID2, NDISCAP_GUID3, PKTMON_GUID0, PKTMON_GUID1, PKTMON_GUID2, PKTMON_GUID3,
  NDISCAP_EV_FRAGMENT, NDISCAP_EV_VMSWITCH, NDISCAP_KW_80211, NDISCAP_KW_WWAN, PKTMON_EV_PACKET, PKTMON_EV_DROP,
  PKTMON_HDR_SIZE, PKTMON_OFF_PACKET_TYPE, PKTMON_OFF_COMPONENT, PKTMON_OFF_ORIG_SIZE, PKTMON_OFF_LOGGED_SIZE,
  LT_ETHERNET, LT_RAW,
} from "../wire";
import { handlePacket } from "../net/packet";

const LT_IEEE802_11 = 105;

export const PROV_OTHER: u32 = 0;
export const PROV_NDISCAP: u32 = 1;
export const PROV_PKTMON: u32 = 2;

export function providerOf(g: usize): u32 {
  const a = load<u32>(g), b = load<u32>(g + 4), c = load<u32>(g + 8), d = load<u32>(g + 12);
  if (a == NDISCAP_GUID0 && b == NDISCAP_GUID1 && c == NDISCAP_GUID2 && d == NDISCAP_GUID3) return PROV_NDISCAP;
  if (a == PKTMON_GUID0 && b == PKTMON_GUID1 && c == PKTMON_GUID2 && d == PKTMON_GUID3) return PROV_PKTMON;
  return PROV_OTHER;
}

/** Is this event a packet (a frame in etl2pcapng's output)? */
export function isPacketEvent(prov: u32, id: u32): bool {
  if (prov == PROV_NDISCAP) return id == NDISCAP_EV_FRAGMENT || id == NDISCAP_EV_VMSWITCH;
  if (prov == PROV_PKTMON) return id == PKTMON_EV_PACKET || id == PKTMON_EV_DROP;
  return false;
}

/** The pktmon component that logged this packet event (0xffffffff if too short). */
export function pktmonComponent(user: usize, len: u32): u32 {
  return len >= <u32>PKTMON_HDR_SIZE ? <u32>load<u16>(user + PKTMON_OFF_COMPONENT) : 0xffffffff;
}

/** Skips a NUL-terminated UTF-16 string; returns its end (after the NUL) or 0 if it runs past `end`. */
function skipWstr(p: usize, end: usize): usize {
  while (p + 2 <= end) { if (load<u16>(p) == 0) return p + 2; p += 2; }
  return 0;
}

/**
 * Decodes the packet a packet event carries (isPacketEvent true; setPacket already called).
 * Drops (pktmon 170) are frames but not traffic that arrived: they are not analysed.
 */
export function etwPacket(prov: u32, id: u32, keyword: u64, user: usize, len: u32): void {
  if (prov == PROV_NDISCAP) {
    let frag: usize = 0;
    let size: u32 = 0;
    if (id == NDISCAP_EV_FRAGMENT) {
      if (len < 12) return;
      size = load<u32>(user + 8);
      frag = user + 12;
    } else { // 1003: port id, three names, then the destinations; decoded only without destinations
      if (len < 12) return;
      const end = user + len;
      let p = skipWstr(user + 12, end); if (p == 0) return;
      p = skipWstr(p, end); if (p == 0) return;
      p = skipWstr(p, end); if (p == 0 || p + 8 > end) return;
      if (load<u32>(p) != 0) return;
      size = load<u32>(p + 4);
      frag = p + 8;
    }
    const room = <u32>(user + len - frag);
    if (size > room) size = room;
    const kw = <u32>keyword;
    const link = (kw & NDISCAP_KW_80211) != 0 ? LT_IEEE802_11 : (kw & NDISCAP_KW_WWAN) != 0 ? LT_RAW : LT_ETHERNET;
    handlePacket(frag, size, size, link);
    return;
  }
  if (prov == PROV_PKTMON && id == PKTMON_EV_PACKET && len >= <u32>PKTMON_HDR_SIZE) {
    const type = <u32>load<u16>(user + PKTMON_OFF_PACKET_TYPE);
    let logged = <u32>load<u16>(user + PKTMON_OFF_LOGGED_SIZE);
    let orig = <u32>load<u16>(user + PKTMON_OFF_ORIG_SIZE);
    if (logged > len - PKTMON_HDR_SIZE) logged = len - PKTMON_HDR_SIZE;
    if (orig < logged) orig = logged;
    const link = type == 2 ? LT_IEEE802_11 : type == 3 ? LT_RAW : LT_ETHERNET;
    handlePacket(user + PKTMON_HDR_SIZE, logged, orig, link);
  }
}
