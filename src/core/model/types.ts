// The model: what the events say about each SMB connection and each Kerberos exchange, before
// any judgement. Built incrementally by builder.ts; read by the diagnosis rules and reportBuilder.
import type { KrbStore } from "./krbStore";
import type { SessionDecryption } from "../report";
import type { QuicFlowModel } from "../quic/flow";

export interface Msg {
  frame: number;
  ts: number; // ms since the epoch (float)
}

export interface SmbRequest extends Msg {
  smb1: boolean;
}

export interface SmbResponse extends Msg {
  /** NTSTATUS; for an SMB1 DOS error, the NTSTATUS it stands for (MS-CIFS 2.2.2.4) */
  status: number;
  /** the SMB1 DOS error as the wire carried it ("ERRDOS/ERRnoaccess"), when not in NT form */
  dos?: string;
}

export interface NegotiateInfo {
  req?: Msg & {
    smb1: boolean;
    dialects: string[]; // SMB2 "3.1.1" or SMB1 dialect strings
    secMode?: number;
    caps?: number;
    ciphers?: number[];
    netname?: string;
  };
  resp?: SmbResponse & {
    smb1: boolean;
    dialect: string | null; // null: the server chose none
    secMode?: number;
    caps?: number;
    ciphers?: number[];
  };
}

export interface AuthFacts {
  mech?: string; // "ntlm" | "kerberos" | "negoex" | "spnego" | "unknown"
  ntlmType?: number;
  user?: string;
  domain?: string;
  host?: string;
  ntlmVersion?: number;
  /** the NTLM VERSION structure of this message (MS-NLMP 2.2.2.10): major | minor << 8 | build << 16 */
  osVersion?: number;
  spn?: string;
  /** the server's own names in a CHALLENGE's target info (MS-NLMP 2.2.2.1 MsvAvNbComputerName, MsvAvDnsComputerName) */
  nbComputer?: string;
  dnsComputer?: string;
  /** and its domain (MsvAvNbDomainName): the computer name again for a server in no domain */
  nbDomain?: string;
  krbSname?: string;
  krbRealm?: string;
  krbMsgType?: number;
  krbError?: number;
  /** KRB-ERROR inside the blob: its e-text and the server's and client's times (KerberosTime text) */
  krbEtext?: string;
  krbStime?: string;
  krbCtime?: string;
  negState?: string;
  blobError?: number;
}

export interface SessionLeg {
  /** frame 0: a response whose request is not in the capture */
  req: SmbRequest & { auth: AuthFacts; secMode?: number; flags?: number; sessionId?: bigint };
  /** smbFlags: the response header's flags (SMB2 Flags, or SMB1 Flags | Flags2 << 8) */
  resp?: SmbResponse & { sessionFlags?: number; auth: AuthFacts; action?: number; sessionId?: bigint; smbFlags?: number };
  bareAck?: { frame: number; delayMs: number };
  /** the passwords given checked against this leg's NTLMv2 response (decrypt/session.ts), when there were any */
  passwordCheck?: PasswordCheck;
}

/** The user's passwords against one NTLM AUTHENTICATE (MS-NLMP 3.3.2 NTProofStr). Never the password. */
export interface PasswordCheck {
  /** the AUTHENTICATE's frame */
  frame: number;
  /** match: one of them is the password the client used; mismatch: none is; unsupported: cannot tell (why) */
  result: "match" | "mismatch" | "unsupported";
  why?: string;
  /** how many passwords were tried */
  tried: number;
}

export interface TreeConnect {
  path: string;
  /** decrypted: read from a decrypted TRANSFORM message */
  req: SmbRequest & { decrypted?: boolean };
  resp?: SmbResponse & { shareFlags?: number; treeId?: number; sessionId?: bigint };
}

/** An SMB2 request after the setup answered STATUS_USER_SESSION_DELETED or STATUS_PATH_NOT_COVERED. */
export interface RefusedRequest {
  /** SMB2 command (MS-SMB2 2.2.1) */
  cmd: number;
  /** the request, when it is in the capture and the decoder keeps it (a CREATE: its name) */
  req?: Msg & { name?: string; dfsOp?: boolean };
  resp: Msg & { status: number; sessionId?: bigint; treeId?: number };
}

/** A DFS referral request (IOCTL FSCTL_DFS_GET_REFERRALS or _EX, MS-DFSC 2.2.2) and its answer. */
export interface DfsReferral {
  req: Msg & { path?: string };
  resp?: Msg & { status: number };
}

/** What the model keeps of the traffic after the setup (builder.ts, beyond): bounded. */
export interface BeyondSetup {
  refused: RefusedRequest[];
  referrals: DfsReferral[];
  /** CREATE and referral requests awaiting their answer, by message id (a number while exact, see builder.ts u64Key; the latest MAX_OPEN): the newest's place in the builder's OpenRequests (model/openRequests.ts; -1: none), null once closed */
  open: number | null;
}

export interface TcpEvent extends Msg { flags: number; fromClient: boolean }

export interface ConnModel {
  /** Report order: connections are numbered as their flows start (connectionSink.ts) */
  order: number;
  stream: number;
  client: string; // "ip:port"
  server: string;
  clientIp: string;
  serverIp: string;
  serverPort: number;
  midstream: boolean;
  firstFrame: number;
  lastFrame: number;
  firstTs: number;
  lastTs: number;
  /** the server sent an NBSS/SMB message */
  answeredSmb?: boolean;
  /** a side's first bytes were another protocol's (EV_NOT_SMB) */
  notSmb?: { frame: number; fromClient: boolean; bytes: number; start: number };
  syns: TcpEvent[];
  synAck?: TcpEvent;
  rst?: TcpEvent;
  finClient?: TcpEvent;
  finServer?: TcpEvent;
  /** the first LOGOFF request (SMB2 LOGOFF, SMB1 LOGOFF_ANDX): the client ending its session */
  logoff?: Msg & { fromClient: boolean };
  nbssRequest?: Msg & { called?: string; calling?: string };
  nbssResponse?: Msg & { positive: boolean; error?: number };
  negotiates: NegotiateInfo[];
  negotiateBareAck?: { frame: number; delayMs: number };
  sessions: SessionLeg[];
  trees: TreeConnect[];
  /** SMB2 requests after the setup the findings read (absent when the capture has none) */
  beyond?: BeyondSetup;
  smb1: boolean;
  smbMessages: number;
  encrypted: { count: number; firstFrame: number } | null;
  gaps: { frame: number; bytes: number; fromClient: boolean }[];
  /** requests waiting for their response, by key (SMB2 message id, see builder.ts u64Key; SMB1 PID,
   *  MID, UID, TID and command, a string), oldest first: flat (key, request) pairs while few, else a
   *  Map of each key's (builder.ts addPending; a request is a number: its list and index); null
   *  before the first and once closed (a flat array of one free pair, FREE_PAIR, when none waits) */
  pending: (string | number | bigint)[] | Map<string | number | bigint, number[]> | null;
  /** frames of the connection's handshake, for the ladder */
  ladder: { frame: number; ts: number; fromClient: boolean; label: string; status?: string | null; kind: "tcp" | "nbss" | "smb" | "krb" | "gap" | "encrypted"; error?: boolean }[];
  ladderOverflow: number;
  /** the ladder was let go when the connection closed (memory budget; see builder.ts) */
  ladderDropped: boolean;
  /** the ladder was counted against that budget already and stays */
  ladderKept: boolean;
  /** while the connection is open, where the builder keeps its ladder instead (builder.ts
   *  OpenLadders: `ladder` is empty then); -1 once it is `ladder` (or let go) */
  ladderAt: number;
  /** an ICMP destination unreachable that answered this connection's SYN (model/icmp.ts) */
  icmp?: IcmpMsg;
  /** pktmon drops (event 170) of this connection's packets (model/pktmon.ts) */
  drops?: PktmonDrop[];
  /** what the decrypt stage did (src/core/decrypt/session.ts), when secrets were given */
  decryption?: { sessions: SessionDecryption[] };
}

export interface KrbMsg extends Msg {
  transport: "tcp" | "udp";
  src: string; // ip:port
  dst: string;
  srcIp: string;
  dstIp: string;
  /** the KDC's side of the message is the one on port 88 (a synthetic capture may send either way) */
  toKdc: boolean;
  msgType: number | null;
  errorCode: number | null;
  realm: string | null;
  cname: string | null;
  sname: string | null;
  etext: string | null;
  /** KDC-REQ: the etypes the client offered (req-body etype, RFC 4120 5.4.1); a reply: the one chosen */
  etypes: number[] | null;
  stream: number;
}

/** An ICMP/ICMPv6 destination unreachable and the packet it quotes (RFC 792, RFC 4443 3.1). */
export interface IcmpMsg extends Msg {
  sender: string; // IP that sent the ICMP error (a router, a firewall, or the target itself)
  v6: boolean;
  type: number;
  code: number;
  /** the refused packet: protocol, addresses and ports, from its quoted headers */
  proto: "tcp" | "udp" | null;
  src: string; // IP
  dst: string;
  srcPort: number | null;
  dstPort: number | null;
}

export interface CaptureModel {
  file: string;
  bytes: number;
  format: "pcap" | "pcapng" | "netmon" | "etl" | null; // null: no capture header recognised
  linkTypes: string[];
  packets: number;
  firstTs: number | null;
  lastTs: number | null;
  firstTsNs: bigint | null;
  lastTsNs: bigint | null;
  tsDigits: number;
  warnings: string[];
  error: string | null;
  connections: ConnModel[];
  /** the Kerberos messages, as the rules read them: made from krbStore when the Report is (reportBuilder.ts) */
  kerberos: KrbMsg[];
  /** the Kerberos messages while decoding (model/krbStore.ts): what the builder keeps of them */
  krbStore?: KrbStore;
  /** ICMP destination-unreachable errors (first MAX_ICMP) */
  icmp: IcmpMsg[];
  tcpPorts: [number, number][];
  udpPorts: [number, number][];
  fragments: number;
  /** packets decoded from inside tunnels, and which (GRE, ERSPAN, VXLAN, Geneve) */
  tunnels: { packets: number; kinds: string[] };
  /** frames of SMB's pre-TCP transports, counted and not analysed (assembly/net/legacy.ts) */
  preTcp: { netbeui: number; ipx: number };
  /** flows that looked like SMB from the client but are not SMB connections (see SmbProbe) */
  probes: SmbProbe[];
  /** QUIC flows that began with a client Initial (src/core/quic/flow.ts; SMB over QUIC among them) */
  quic: QuicFlowModel[];
  /** a pktmon trace's components and drops (model/pktmon.ts); null for other captures */
  pktmon: PktmonModel | null;
  /** the connections folded as they closed (model/fold.ts): no ConnModel, not in `connections` */
  folded?: FoldedConnections;
}

/**
 * What other connections' rules may read of a folded connection (model/fold.ts): its place, its
 * frames, and the few facts of its own the cross-connection lookups read (diagnose/context.ts
 * foldedToServer, foldedFromClient). Kept as a row of model/foldedRows.ts; this object is made
 * from it when a rule asks (FoldedRows.at).
 */
export interface FoldedConn {
  /** Report order (ConnModel.order) */
  readonly order: number;
  /** the record's id and server endpoint */
  readonly id: string;
  readonly server: string;
  readonly stream: number;
  readonly firstFrame: number;
  readonly lastFrame: number;
  readonly clientPort: number;
  readonly serverPort: number;
  readonly clientIp: string;
  readonly serverIp: string;
  /** the record's serverOs and serverName (the server's NTLM CHALLENGE) */
  readonly serverOs: { version: string; name: string } | null;
  readonly serverName: { netbios: string | null; dns: string | null; domain: string | null; netname: string | null } | null;
  /** the paths of its tree connects (every one answered STATUS_SUCCESS), in order */
  readonly shares: readonly string[];
  /** the session its one successful SESSION_SETUP set up, and that response's frame */
  readonly sessionId: bigint | undefined;
  readonly sessionFrame: number;
}

/** A folded SMB1 connection: what SMB1_IN_USE reads of it (diagnose/findings/smb1-in-use.ts). */
export interface FoldedSmb1 {
  row: FoldedConn;
  /** its NEGOTIATE response's frame and dialect */
  frame: number;
  dialect: string;
}

/**
 * A DFS referral request of a folded connection that a PATH_NOT_COVERED of its client host may
 * still read (path-not-covered.ts referralsAfter): one asked after the client's first such refusal
 * seen before the fold (model/fold.ts Folder says why no other can be read). The model's own
 * referral (its request's frame and path, its answer's frame and status: what the finding reads),
 * and the folded connection's Report order and record id (the text names it).
 */
export interface FoldedReferral {
  readonly order: number;
  readonly connId: string;
  readonly r: DfsReferral;
}

export interface FoldedConnections {
  /** in fold order; buildReport sorts them into Report order (FoldedRows.sort); the SMB1 ones (each with SMB1_IN_USE) among them */
  rows: import("./foldedRows").FoldedRows;
  /** the TCP failures kept as rows until the end (model/pendingTcp.ts), when connections with findings fold */
  pending?: import("./pendingTcp").PendingTcp;
  /** how many of them kept their ladder (counted against the Report's ok budget, reportBuilder.ts) */
  ladders: number;
  /** how many of those with a finding (SMB1) kept theirs (against its problem budget) */
  problemLadders: number;
  /** the records' shared values (connectionRecord.ts), for buildReport's records too */
  same: import("../connectionRecord").SharedValues;
  /** the connections with findings folded as they closed (model/foldDiagnosed.ts), among `rows` */
  diagnosed?: import("./foldDiagnosed").DiagnosedFolds;
}

/** A pktmon component (event 20) and what the rundown said about it (30, 65, 66, 70). */
export interface PktmonComponent {
  id: number;
  /** event 20's Type (pktmon.ts COMPONENT_TYPES: 2 = network adapter) */
  type: number | null;
  name: string | null; // the driver, "netvsc.sys"
  description: string | null; // "Microsoft Hyper-V Network Adapter #3"
  ifIndex: number | null;
  miniportIfIndex: number | null;
  mac: string | null;
  addresses: string[];
}

/** A packet pktmon reports dropped (event 170), and what it was. */
export interface PktmonDrop extends Msg {
  component: number;
  reason: number; // PKTMON_DROP_REASON
  location: number; // PKTMON_DROP_LOCATION
  direction: number; // PKTMON_DIRECTION_TAG
  proto: "tcp" | "udp" | null;
  /** ip:port (ip alone without TCP/UDP; null when not IP) */
  src: string | null;
  dst: string | null;
  tcpFlags: number | null;
  /** TCP/UDP payload bytes */
  len: number | null;
  /** the SMB message the segment started with (version 3: encrypted) */
  smb: { version: number; cmd: number | null; response: boolean } | null;
  krbMsgType: number | null;
}

export interface PktmonModel {
  components: Map<number, PktmonComponent>;
  /** the first drops (all are counted in dropCount and dropCounts) */
  drops: PktmonDrop[];
  dropCount: number;
  /** "component|reason" → drops */
  dropCounts: Map<string, number>;
  /** the component whose copies are analysed, and how many others were skipped */
  analysed: { component: number; skipped: number; text: string } | null;
}

/**
 * A client sent SMB to a port whose server answered with another protocol's bytes, or (on a
 * port that is not 445/139) never with SMB: a scan or a wrong port, not an SMB connection.
 */
export interface SmbProbe {
  client: string;
  server: string;
  stream: number;
  firstFrame: number;
  /** the frame of the first non-SMB bytes, null when the server sent none */
  answerFrame: number | null;
  /** the first bytes of that answer, big-endian */
  answerStart: number | null;
  answerBytes: number;
}
