// The `--events` view (report-contract.md): one JSON object per decoder event, in frame order.
import * as C from "../../assembly/events";
import type { RawEvent } from "./decoder/records";
import { statusName, smb2Dialect, ipText, endpoint, KRB_ERRORS, KRB_MSG_TYPES, LINK_TYPES } from "./names";
import { describeProblem } from "./problems";

/** RFC 3339 time with the capture's own precision. */
export function rfc3339(tsNs: bigint, digits: number): string {
  let sec = tsNs / 1_000_000_000n;
  let frac = tsNs % 1_000_000_000n;
  if (frac < 0n) { frac += 1_000_000_000n; sec -= 1n; }
  const d = new Date(Number(sec) * 1000);
  const base = d.toISOString().slice(0, 19);
  if (digits <= 0) return `${base}Z`;
  return `${base}.${frac.toString().padStart(9, "0").slice(0, Math.min(9, digits))}Z`;
}

export const hex64 = (v: bigint) => `0x${v.toString(16).padStart(16, "0")}`;

const TCP_FLAG_NAMES: [number, string][] = [
  [0x100, "NS"], [0x80, "CWR"], [0x40, "ECE"], [0x20, "URG"], [0x02, "SYN"], [0x01, "FIN"], [0x04, "RST"], [0x08, "PSH"], [0x10, "ACK"],
];
export function tcpFlagsText(flags: number): string {
  const order = ["SYN", "FIN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "NS"];
  const set = TCP_FLAG_NAMES.filter(([b]) => flags & b).map(([, n]) => n);
  return order.filter((n) => set.includes(n)).join(",");
}

function u16s(b: unknown): number[] {
  if (!(b instanceof Uint8Array)) return [];
  const out: number[] = [];
  for (let i = 0; i + 1 < b.length; i += 2) out.push(b[i] | (b[i + 1] << 8));
  return out;
}

export function smb1Dialects(b: unknown): string[] {
  if (!(b instanceof Uint8Array)) return [];
  const out: string[] = [];
  let i = 0;
  while (i < b.length) {
    if (b[i] !== 0x02) break;
    let j = i + 1;
    while (j < b.length && b[j] !== 0) j++;
    out.push(new TextDecoder("latin1").decode(b.subarray(i + 1, j)));
    i = j + 1;
  }
  return out;
}

const MECHS: Record<number, string> = {
  [C.MECH_NTLM]: "ntlm", [C.MECH_KERBEROS]: "kerberos", [C.MECH_MS_KERBEROS]: "kerberos",
  [C.MECH_NEGOEX]: "negoex", [C.MECH_SPNEGO]: "spnego", [C.MECH_UNKNOWN]: "unknown", [C.MECH_KRB_U2U]: "kerberos",
};
const NTLM_TYPES: Record<number, string> = { 1: "NEGOTIATE", 2: "CHALLENGE", 3: "AUTHENTICATE" };

/** Copies the security-blob facts (SPNEGO/NTLMSSP/Kerberos) of an event into the view object. */
function blobView(f: RawEvent["f"], o: Record<string, unknown>): void {
  if (f.mech !== undefined) o.mech = MECHS[f.mech as number] ?? "unknown";
  if (f.negState !== undefined) o.negState = ["accept-completed", "accept-incomplete", "reject", "request-mic"][f.negState as number] ?? f.negState;
  if (f.ntlmType !== undefined) o.ntlm = NTLM_TYPES[f.ntlmType as number] ?? String(f.ntlmType);
  if (f.ntlmUser !== undefined) o.user = f.ntlmUser;
  if (f.ntlmDomain !== undefined) o.domain = f.ntlmDomain;
  if (f.ntlmHost !== undefined) o.host = f.ntlmHost;
  if (f.ntlmSpn !== undefined) o.spn = f.ntlmSpn;
  if (f.ntlmVersion !== undefined) o.ntlmVersion = f.ntlmVersion;
  krbView(f, o);
}

function krbView(f: RawEvent["f"], o: Record<string, unknown>): void {
  if (f.krbMsgType !== undefined) { o.msgType = f.krbMsgType; o.message = KRB_MSG_TYPES[f.krbMsgType as number] ?? null; }
  if (f.krbError !== undefined) { o.errorCode = f.krbError; o.error = KRB_ERRORS[f.krbError as number] ?? null; }
  if (f.krbRealm !== undefined) o.realm = f.krbRealm;
  if (f.krbCname !== undefined) o.cname = f.krbCname;
  if (f.krbSname !== undefined) o.sname = f.krbSname;
  if (f.krbEtext !== undefined) o.etext = f.krbEtext;
}

/** The view object of one event, or null for events the view leaves out. */
export function eventView(ev: RawEvent, fileName: string): Record<string, unknown> | null {
  const f = ev.f;
  const o: Record<string, unknown> = {
    frame: ev.frame,
    time: rfc3339(ev.tsNs, ev.tsDigits),
    stream: ev.stream >= 0 ? ev.stream : null,
  };
  switch (ev.kind) {
    case C.EV_TCP:
      o.proto = "tcp";
      o.flags = tcpFlagsText(f.tcpFlags as number);
      o.fromClient = ev.fromClient;
      o.seq = f.seq; o.ack = f.ack; o.len = f.len;
      if (f.delayNs !== undefined) o.delayMs = Number(f.delayNs as bigint) / 1e6;
      return o;
    case C.EV_FLOW:
      o.proto = "flow";
      o.client = endpoint(ipText(f.srcIp as Uint8Array), f.srcPort as number);
      o.server = endpoint(ipText(f.dstIp as Uint8Array), f.dstPort as number);
      o.carries = f.flowProto === C.FLOWP_KRB ? "kerberos" : "smb";
      o.midstream = f.value === 1;
      return o;
    case C.EV_NBSS:
      o.proto = "nbss";
      o.nbssType = f.nbssType;
      if (f.nbCalled !== undefined) o.called = f.nbCalled;
      if (f.nbCalling !== undefined) o.calling = f.nbCalling;
      if (f.nbError !== undefined) o.nbError = f.nbError;
      o.fromClient = ev.fromClient;
      return o;
    case C.EV_SMB1:
    case C.EV_SMB2: {
      const v2 = ev.kind === C.EV_SMB2;
      o.proto = v2 ? "smb2" : "smb1";
      o.cmd = f.cmd;
      o.response = f.response === 1;
      if (f.status !== undefined) {
        o.status = f.status;
        const n = statusName(f.status as number);
        if (n) o.statusName = n;
      }
      if (f.dosClass !== undefined) { o.dosClass = f.dosClass; o.dosCode = f.dosCode; }
      if (f.msgId !== undefined) o.msgId = hex64(f.msgId as bigint);
      if (f.sessionId !== undefined) o.sessionId = hex64(f.sessionId as bigint);
      if (f.treeId !== undefined) o.treeId = f.treeId;
      if (f.asyncId !== undefined) o.asyncId = hex64(f.asyncId as bigint);
      if (f.tree !== undefined) o.tree = f.tree;
      if (f.dialect !== undefined) o.dialect = v2 ? smb2Dialect(f.dialect as number) : String(f.dialect);
      if (f.dialects !== undefined) o.dialects = v2 ? u16s(f.dialects).map(smb2Dialect) : smb1Dialects(f.dialects);
      if (f.secMode !== undefined) o.securityMode = f.secMode;
      if (f.caps !== undefined) o.capabilities = f.caps;
      if (f.sessionFlags !== undefined) o.sessionFlags = f.sessionFlags;
      if (f.shareType !== undefined) o.shareType = f.shareType;
      if (f.shareFlags !== undefined) o.shareFlags = f.shareFlags;
      if (f.ciphers !== undefined) o.ciphers = u16s(f.ciphers);
      if (f.signingAlgs !== undefined) o.signingAlgs = u16s(f.signingAlgs);
      if (f.netname !== undefined) o.netname = f.netname;
      if (f.account !== undefined) o.user = f.account;
      if (f.primaryDomain !== undefined) o.domain = f.primaryDomain;
      if (f.action !== undefined) o.action = f.action;
      if (f.truncated !== undefined) o.truncated = true;
      blobView(f, o);
      return o;
    }
    case C.EV_SMB_TRANSFORM:
      o.proto = "smb2-encrypted";
      if (f.sessionId !== undefined) o.sessionId = hex64(f.sessionId as bigint);
      o.len = f.len;
      return o;
    case C.EV_SMB_COMPRESSED:
      o.proto = "smb2-compressed";
      o.len = f.len;
      return o;
    case C.EV_KRB:
      o.proto = "krb";
      o.transport = f.transport === C.PROTO_UDP ? "udp" : "tcp";
      if (f.srcIp !== undefined) {
        o.src = endpoint(ipText(f.srcIp as Uint8Array), f.srcPort as number);
        o.dst = endpoint(ipText(f.dstIp as Uint8Array), f.dstPort as number);
      } else o.fromClient = ev.fromClient;
      krbView(f, o);
      return o;
    case C.EV_GAP:
      o.proto = "gap";
      o.missingBytes = f.len;
      o.fromClient = ev.fromClient;
      return o;
    case C.EV_WARNING:
    case C.EV_ERROR: {
      const p = describeProblem(ev, fileName);
      o.proto = p.fatal ? "error" : "warning";
      o.code = p.code; o.offset = p.offset; o.message = p.text;
      return o;
    }
    case C.EV_CAPTURE:
      o.proto = "capture";
      o.format = f.format === C.FMT_PCAPNG ? "pcapng" : "pcap";
      o.linkType = LINK_TYPES[f.linktype as number] ?? String(f.linktype);
      o.interface = f.iface;
      return o;
    case C.EV_SUMMARY:
      o.proto = "summary";
      o.packets = Number(f.packets as bigint);
      o.bytes = Number(f.bytes as bigint);
      return o;
    default:
      return null;
  }
}
