// The `--events` view (report-contract.md): one JSON object per decoder event, in frame order.
import * as C from "../../assembly/events";
import type { RawEvent } from "./decoder/records";
import { statusName, dosErrorLabel, smb2Dialect, ipText, endpoint, KRB_ERRORS, KRB_MSG_TYPES, LINK_TYPES, formatName } from "./names";
import { describeProblem } from "./problems";
import * as A from "../../assembly/proto/auth/errors";

let lastSec = -1n;
let lastBase = "";

/** RFC 3339 time with the capture's own precision. */
export function rfc3339(tsNs: bigint, digits: number): string {
  let sec = tsNs / 1_000_000_000n;
  let frac = tsNs % 1_000_000_000n;
  if (frac < 0n) { frac += 1_000_000_000n; sec -= 1n; }
  // Events come in time order: format the date part once per second
  if (sec !== lastSec) { lastSec = sec; lastBase = new Date(Number(sec) * 1000).toISOString().slice(0, 19); }
  const base = lastBase;
  if (digits <= 0) return `${base}Z`;
  return `${base}.${frac.toString().padStart(9, "0").slice(0, Math.min(9, digits))}Z`;
}

export const hex64 = (v: bigint) => `0x${v.toString(16).padStart(16, "0")}`;

const TCP_FLAG_NAMES: [number, string][] = [
  [0x100, "NS"], [0x80, "CWR"], [0x40, "ECE"], [0x20, "URG"], [0x02, "SYN"], [0x01, "FIN"], [0x04, "RST"], [0x08, "PSH"], [0x10, "ACK"],
];
const TCP_FLAG_ORDER = ["SYN", "FIN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "NS"];
/**
 * The text of every combination of the 9 bits, made at once: a dense array. (Filled as flags came,
 * it had holes, and reading it past its end or in a hole allocated on every call: 80 MB of
 * smb1m-1g's 1.2 GB of allocations, the builder's tcp() the caller.)
 */
const tcpFlagsCache: string[] = [];
for (let flags = 0; flags <= 0x1ff; flags++) {
  const set = TCP_FLAG_NAMES.filter(([b]) => flags & b).map(([, n]) => n);
  tcpFlagsCache.push(TCP_FLAG_ORDER.filter((n) => set.includes(n)).join(","));
}
/** "SYN,ACK" for the 9 TCP flag bits (called for every TCP event). */
export function tcpFlagsText(flags: number): string {
  return tcpFlagsCache[flags & 0x1ff];
}

function u16s(b: unknown): number[] {
  if (!(b instanceof Uint8Array)) return [];
  const out: number[] = [];
  for (let i = 0; i + 1 < b.length; i += 2) out.push(b[i] | (b[i + 1] << 8));
  return out;
}

const latin1 = new TextDecoder("latin1");

export function smb1Dialects(b: unknown): string[] {
  if (!(b instanceof Uint8Array)) return [];
  const out: string[] = [];
  let i = 0;
  while (i < b.length) {
    if (b[i] !== 0x02) break;
    let j = i + 1;
    while (j < b.length && b[j] !== 0) j++;
    out.push(latin1.decode(b.subarray(i + 1, j)));
    i = j + 1;
  }
  return out;
}

const MECHS: Record<number, string> = {
  [C.MECH_NTLM]: "ntlm", [C.MECH_KERBEROS]: "kerberos", [C.MECH_MS_KERBEROS]: "kerberos",
  [C.MECH_NEGOEX]: "negoex", [C.MECH_SPNEGO]: "spnego", [C.MECH_UNKNOWN]: "unknown", [C.MECH_KRB_U2U]: "kerberos",
};
const NTLM_TYPES: Record<number, string> = { 1: "NEGOTIATE", 2: "CHALLENGE", 3: "AUTHENTICATE" };

// --- security blobs and Kerberos (issue 4) -------------------------------------------------

const AUTH_LAYERS: Record<number, string> = { [A.AL_GSS]: "gss", [A.AL_SPNEGO]: "spnego", [A.AL_NTLM]: "ntlmssp", [A.AL_KRB]: "kerberos" };
const AUTH_REASONS: Record<number, string> = {
  [A.AE_TRUNCATED]: "element runs past its enclosing element or the blob",
  [A.AE_INDEFINITE]: "indefinite length (not DER)",
  [A.AE_LENGTH]: "length field longer than 4 bytes",
  [A.AE_DEPTH]: "nesting too deep",
  [A.AE_TAG]: "unexpected tag",
  [A.AE_EMPTY]: "empty token",
  [A.AE_INTEGER]: "bad INTEGER",
  [A.AE_UNKNOWN]: "unrecognised security token",
  [A.AE_NTLM_TYPE]: "unknown NTLMSSP message type",
  [A.AE_BOUNDS]: "NTLMSSP field points outside the message",
};

/** "layer: reason" text of an F_BLOB_ERROR value (assembly/proto/auth/errors.ts). */
export function blobErrorText(code: number): string {
  return `${AUTH_LAYERS[code >> 8] ?? `layer ${code >> 8}`}: ${AUTH_REASONS[code & 0xff] ?? `reason ${code & 0xff}`}`;
}

const hex32 = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;
const i32s = (b: unknown) => {
  if (!(b instanceof Uint8Array)) return [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 3 < b.length; i += 4) out.push(dv.getInt32(i, true));
  return out;
};
/** A NUL-separated list field (F_KRB_REALMS, F_KRB_CNAMES, F_KRB_SNAMES) as an array. */
export const nulList = (s: unknown): string[] => (typeof s === "string" ? s.split("\u0000") : []);
/** FILETIME (100 ns since 1601) as RFC 3339. */
const filetime = (ft: bigint) => rfc3339((ft - 116444736000000000n) * 100n, 7);

/** Copies the security-blob facts (SPNEGO/NTLMSSP/Kerberos) of an event into the view object. */
function blobView(f: RawEvent["f"], o: Record<string, unknown>): void {
  if (f.mech !== undefined) o.mech = MECHS[f.mech as number] ?? "unknown";
  if (f.mechTypes instanceof Uint8Array) o.mechTypes = [...f.mechTypes].map((m) => MECHS[m] ?? "unknown");
  if (f.negState !== undefined) o.negState = ["accept-completed", "accept-incomplete", "reject", "request-mic"][f.negState as number] ?? f.negState;
  if (f.spnegoMech !== undefined) o.supportedMech = MECHS[f.spnegoMech as number] ?? "unknown";
  if (f.negMic !== undefined) o.mechListMic = true;
  if (f.ntlmType !== undefined) o.ntlm = NTLM_TYPES[f.ntlmType as number] ?? String(f.ntlmType);
  if (f.ntlmFlags !== undefined) o.ntlmFlags = hex32(f.ntlmFlags as number);
  if (f.ntlmUser !== undefined) o.user = f.ntlmUser;
  if (f.ntlmDomain !== undefined) o.domain = f.ntlmDomain;
  if (f.ntlmHost !== undefined) o.host = f.ntlmHost;
  if (f.ntlmTarget !== undefined) o.target = f.ntlmTarget;
  if (f.ntlmNbComputer !== undefined) o.nbComputer = f.ntlmNbComputer;
  if (f.ntlmNbDomain !== undefined) o.nbDomain = f.ntlmNbDomain;
  if (f.ntlmDnsComputer !== undefined) o.dnsComputer = f.ntlmDnsComputer;
  if (f.ntlmDnsDomain !== undefined) o.dnsDomain = f.ntlmDnsDomain;
  if (f.ntlmDnsTree !== undefined) o.dnsTree = f.ntlmDnsTree;
  if (f.ntlmSpn !== undefined) o.spn = f.ntlmSpn;
  if (f.ntlmAvFlags !== undefined) o.avFlags = hex32(f.ntlmAvFlags as number);
  if (f.ntlmMic !== undefined) o.mic = f.ntlmMic === 1;
  if (f.ntlmVersion !== undefined) o.ntlmVersion = f.ntlmVersion;
  if (f.ntlmTimestamp !== undefined) o.ntlmTime = filetime(f.ntlmTimestamp as bigint);
  if (f.ntlmOsVersion !== undefined) {
    const v = f.ntlmOsVersion as number;
    o.osVersion = `${v & 0xff}.${(v >> 8) & 0xff}.${v >>> 16}`;
  }
  krbView(f, o);
}

function krbView(f: RawEvent["f"], o: Record<string, unknown>): void {
  if (f.krbMsgType !== undefined) { o.msgType = f.krbMsgType; o.message = KRB_MSG_TYPES[f.krbMsgType as number] ?? null; }
  if (f.krbMsgTypes instanceof Uint8Array && f.krbMsgTypes.length > 1) o.msgTypes = [...f.krbMsgTypes];
  if (f.krbError !== undefined) { o.errorCode = f.krbError; o.error = KRB_ERRORS[f.krbError as number] ?? null; }
  if (f.krbExtStatus !== undefined) { o.extStatus = f.krbExtStatus; o.extStatusName = statusName(f.krbExtStatus as number); }
  if (f.krbRealm !== undefined) o.realm = f.krbRealm;
  if (f.krbCrealm !== undefined) o.crealm = f.krbCrealm;
  if (f.krbCname !== undefined) o.cname = f.krbCname;
  if (f.krbCnameType !== undefined) o.cnameType = f.krbCnameType;
  if (f.krbSname !== undefined) o.sname = f.krbSname;
  if (f.krbSnameType !== undefined) o.snameType = f.krbSnameType;
  if (f.krbEtext !== undefined) o.etext = f.krbEtext;
  if (f.krbStime !== undefined) o.stime = f.krbStime;
  if (f.krbCtime !== undefined) o.ctime = f.krbCtime;
  if (f.krbKdcOptions !== undefined) o.kdcOptions = hex32(f.krbKdcOptions as number);
  if (f.krbEtypes !== undefined) o.etypes = i32s(f.krbEtypes);
  if (f.krbEtype !== undefined) o.ticketEtype = f.krbEtype;
  if (f.krbKvno !== undefined) o.kvno = f.krbKvno;
  if (f.krbPadata !== undefined) o.padata = i32s(f.krbPadata);
  if (f.krbErrData !== undefined) o.errorPadata = i32s(f.krbErrData);
  // Everything named in the message, nested tickets included (tshark's kerberos.realm etc.)
  if (f.krbRealms !== undefined) o.realms = nulList(f.krbRealms);
  if (f.krbCnames !== undefined) o.cnames = nulList(f.krbCnames);
  if (f.krbSnames !== undefined) o.snames = nulList(f.krbSnames);
  if (f.blobError !== undefined) {
    o.blobError = blobErrorText(f.blobError as number);
    o.blobErrorOffset = f.blobErrOffset ?? null;
  }
}

/** The view object of one event, or null for events the view leaves out. */
export function eventView(ev: RawEvent, fileName: string): Record<string, unknown> | null {
  const f = ev.f;
  const o: Record<string, unknown> = {
    frame: ev.frame,
    // file-level records (capture, summary) and packets without a timestamp (pcapng SPB) have none
    time: ev.tsNs === 0n ? null : rfc3339(ev.tsNs, ev.tsDigits),
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
      if (f.dosClass !== undefined) {
        o.dosClass = f.dosClass; o.dosCode = f.dosCode;
        if (f.dosClass !== 0) o.dosError = dosErrorLabel(f.dosClass as number, f.dosCode as number);
      }
      if (f.smb1Pid !== undefined) o.pid = f.smb1Pid;
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
      if (f.createName !== undefined) o.createName = f.createName;
      if (f.ctlCode !== undefined) o.ctlCode = `0x${(f.ctlCode as number).toString(16).padStart(8, "0")}`;
      if (f.dfsPath !== undefined) o.dfsPath = f.dfsPath;
      if (f.account !== undefined) o.user = f.account;
      if (f.primaryDomain !== undefined) o.domain = f.primaryDomain;
      if (f.action !== undefined) o.action = f.action;
      if (f.truncated !== undefined) o.truncated = true;
      if (ev.decrypted) o.decrypted = true; // read from a decrypted TRANSFORM message (--password-file, --session-key)
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
      if (f.decompressed !== undefined) o.decompressed = f.decompressed;
      if (ev.decrypted) o.decrypted = true;
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
    case C.EV_NOT_SMB:
      o.proto = "not-smb";
      o.len = f.len;
      o.fromClient = ev.fromClient;
      return o;
    case C.EV_ICMP:
      o.proto = "icmp";
      o.src = ipText(f.srcIp as Uint8Array);
      o.dst = ipText(f.dstIp as Uint8Array);
      o.icmpType = f.icmpType; o.icmpCode = f.icmpCode;
      o.quoted = {
        proto: f.quotedProto === C.PROTO_TCP ? "tcp" : f.quotedProto === C.PROTO_UDP ? "udp" : f.quotedProto,
        src: ipText(f.quotedSrcIp as Uint8Array), dst: ipText(f.quotedDstIp as Uint8Array),
        srcPort: f.quotedSrcPort ?? null, dstPort: f.quotedDstPort ?? null,
      };
      return o;
    case C.EV_PKTMON_DROP:
      o.proto = "pktmon-drop";
      o.component = f.pktmonComponent; o.dropReason = f.dropReason; o.dropLocation = f.dropLocation; o.direction = f.pktmonDir;
      if (f.srcIp !== undefined) {
        o.src = f.srcPort !== undefined ? endpoint(ipText(f.srcIp as Uint8Array), f.srcPort as number) : ipText(f.srcIp as Uint8Array);
        o.dst = f.dstPort !== undefined ? endpoint(ipText(f.dstIp as Uint8Array), f.dstPort as number) : ipText(f.dstIp as Uint8Array);
      }
      if (f.transport !== undefined) o.transport = f.transport === C.PROTO_UDP ? "udp" : "tcp";
      if (f.tcpFlags !== undefined) o.flags = tcpFlagsText(f.tcpFlags as number);
      if (f.smbVersion !== undefined) { o.smbVersion = f.smbVersion; if (f.cmd !== undefined) { o.cmd = f.cmd; o.response = f.response === 1; } }
      if (f.krbMsgType !== undefined) o.krbMsgType = f.krbMsgType;
      return o;
    case C.EV_QUIC:
    case C.EV_QUIC_FLOW:
      o.proto = ev.kind === C.EV_QUIC ? "quic" : "quic-flow";
      o.src = endpoint(ipText(f.srcIp as Uint8Array), f.srcPort as number);
      o.dst = endpoint(ipText(f.dstIp as Uint8Array), f.dstPort as number);
      if (ev.kind === C.EV_QUIC) {
        o.fromClient = ev.fromClient;
        o.len = f.len;
        o.header = f.quicDatagram instanceof Uint8Array ? ((f.quicDatagram[0] & 0x80) !== 0 ? "long" : "short") : "short";
      } else if (f.quicCounts instanceof Uint8Array && f.quicCounts.length >= 16) {
        const dv = new DataView(f.quicCounts.buffer, f.quicCounts.byteOffset, 16);
        o.firstFrame = Number(f.value as bigint);
        o.long = { client: dv.getUint32(0, true), server: dv.getUint32(4, true) };
        o.short = { client: dv.getUint32(8, true), server: dv.getUint32(12, true) };
      }
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
      o.format = formatName(f.format as number);
      o.linkType = LINK_TYPES[f.linktype as number] ?? String(f.linktype);
      o.interface = f.iface;
      return o;
    case C.EV_SUMMARY:
      o.proto = "summary";
      o.packets = Number(f.packets as bigint);
      o.bytes = Number(f.bytes as bigint);
      if (f.tunnelPackets) o.tunnelPackets = Number(f.tunnelPackets as bigint);
      if (f.netbeuiFrames) o.netbeuiFrames = Number(f.netbeuiFrames as bigint);
      if (f.ipxSmbFrames) o.ipxSmbFrames = Number(f.ipxSmbFrames as bigint);
      if (f.quicEvicted) o.quicEvicted = Number(f.quicEvicted as bigint);
      return o;
    default:
      return null;
  }
}
