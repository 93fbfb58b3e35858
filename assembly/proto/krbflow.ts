// Kerberos messages on port 88: UDP datagrams and TCP records (RFC 4120 7.2.1, 7.2.2). Emits
// one EV_KRB per message with the addresses; the message fields come from kerberos.ts.
import { EV_KRB, F_TRANSPORT, F_SRC_IP, F_DST_IP, F_SRC_PORT, F_DST_PORT, F_LEN, F_TRUNCATED, PROTO_TCP, PROTO_UDP, T_BYTES } from "../events";
import { begin, end, fU32, fBytes, setFlow } from "../out";
import { srcAddr, dstAddr } from "../net/packet";
import { krbFields } from "./kerberos";

export function udpKerberos(p: usize, len: u32, sport: u32, dport: u32): void {
  setFlow(-1, 0);
  begin(EV_KRB);
  fU32(F_TRANSPORT, PROTO_UDP);
  fBytes(F_SRC_IP, T_BYTES, srcAddr, 16); fU32(F_SRC_PORT, sport);
  fBytes(F_DST_IP, T_BYTES, dstAddr, 16); fU32(F_DST_PORT, dport);
  fU32(F_LEN, len);
  krbFields(p, len);
  end();
}

// A TCP record (`have` bytes of `msgLen` kept). Addresses come from the flow (EV_FLOW).
export function krbTcpMessage(p: usize, have: u32, msgLen: u32, fromClient: bool): void {
  begin(EV_KRB);
  fU32(F_TRANSPORT, PROTO_TCP);
  fU32(F_LEN, msgLen);
  if (have < msgLen) fU32(F_TRUNCATED, 1);
  krbFields(p, have);
  end();
}
