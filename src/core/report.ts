// The Report: plain, JSON-serialisable, versioned (../shared/report-contract.md). The CLI prints
// it, the web app renders it and stores it in history. Fields named in the contract keep their
// names and meanings; fields may be added.

export const REPORT_VERSION = 1;

export type Phase = "tcp" | "negotiate" | "session_setup" | "tree_connect";
export type Outcome = "ok" | "failed" | "no-response" | "incomplete";
export type Severity = "error" | "warning" | "info";

export interface PhaseRecord {
  phase: Phase;
  requestFrame: number | null;
  responseFrame: number | null;
  /** NTSTATUS name (or 0xXXXXXXXX), null when there was no SMB response */
  status: string | null;
  latencyMs: number | null;
  /** Added: what happened in words (e.g. "SYN retransmitted 3 times, no answer") */
  note?: string;
  /** Added: time of the request relative to the connection's first frame, ms */
  offsetMs?: number;
}

export interface ShareRecord {
  path: string;
  status: string | null;
  requestFrame: number;
  responseFrame: number | null;
  /** Added: share flags said the share requires encryption */
  encrypted?: boolean;
  /** Added (issue 18): the TREE_CONNECT was read from decrypted SMB3 messages */
  decrypted?: boolean;
}

/**
 * Added (issue 18): what decryption did for one session whose messages were encrypted (only in a
 * Report made with secrets: --password-file, --session-key, the page's Decrypt panel). Names the
 * kind of secret that worked, never the secret.
 */
export interface SessionDecryption {
  /** as in --events: 0x followed by 16 hex digits */
  sessionId: string;
  /** DOMAIN\user of its NTLM logon, or the client principal (user@REALM) of a Kerberos ticket a keytab opened; null when not known */
  user: string | null;
  /** the kind of secret used (or tried, for "wrong-secret" and "unsupported") */
  secret?: "password" | "session-key" | "keytab";
  /**
   * decrypted: its messages were decrypted (and the diagnosis read them); wrong-secret: the
   * secret given is not this session's; no-secret: nothing given applies (why says what would);
   * unsupported: the secret applies but the capture or the session cannot be decrypted (why)
   */
  result: "decrypted" | "wrong-secret" | "no-secret" | "unsupported";
  why?: string;
  /** TRANSFORM messages decrypted, and those that would not decrypt with the session's keys */
  decrypted: number;
  failed: number;
}

/** Added: one message of a connection's handshake, for the ladder diagram. */
export interface LadderStep {
  frame: number;
  offsetMs: number;
  fromClient: boolean;
  label: string;
  status?: string | null;
  kind: "tcp" | "nbss" | "smb" | "krb" | "gap" | "encrypted";
  error?: boolean;
  /** for kind "krb": the KDC the client talked to (a third lane in the ladder) */
  kdc?: string;
}

export interface Connection {
  id: string;
  stream: number;
  client: string;
  server: string;
  transport: "direct" | "netbios";
  firstFrame: number;
  lastFrame: number;
  dialect: string | null;
  signing: { clientRequired: boolean; serverRequired: boolean } | null;
  encryption: "none" | "session" | "share" | "unknown";
  auth: "ntlm" | "kerberos" | "anonymous" | "guest" | null;
  user: string | null;
  phases: PhaseRecord[];
  shares: ShareRecord[];
  outcome: Outcome;
  failedPhase: Phase | null;
  status: string | null;
  findings: string[];
  /** Added */
  ended?: "fin-client" | "fin-server" | "rst-client" | "rst-server" | "open";
  /** Added: the systems the NTLM VERSION field names (MS-NLMP 2.2.2.10), client side and server side */
  clientOs?: { version: string; name: string } | null;
  serverOs?: { version: string; name: string } | null;
  /** Added: the first FIN, RST or LOGOFF of the connection, which side sent it and in which frame (null: still open) */
  ending?: { how: "fin" | "rst" | "logoff"; by: "client" | "server"; frame: number } | null;
  midstream?: boolean;
  ladder?: LadderStep[];
  smb1?: boolean;
  /** Added: NTLM target SPN (MsvAvTargetName) the client aimed at */
  spn?: string | null;
  /** Added: Kerberos service ticket name in the AP-REQ */
  kerberosService?: string | null;
  /**
   * Added (issue 16): the names the server gave itself in its NTLM CHALLENGE (MsvAvNbComputerName,
   * MsvAvDnsComputerName, its domain MsvAvNbDomainName, MS-NLMP 2.2.2.1) and the NETNAME context the client sent (MS-SMB2 2.2.3.1.4):
   * the remediation commands use them instead of placeholders. null: the capture names none.
   */
  serverName?: { netbios: string | null; dns: string | null; domain: string | null; netname: string | null } | null;
  /** Added (issue 18): the sessions of this connection whose messages were encrypted, when secrets were given */
  decryption?: { sessions: SessionDecryption[] };
}

export interface KerberosRecord {
  frame: number;
  transport: "tcp" | "udp";
  client: string;
  kdc: string;
  message: "AS-REQ" | "AS-REP" | "TGS-REQ" | "TGS-REP" | "KRB-ERROR" | string;
  error: string | null;
  service: string | null;
  realm: string | null;
  expected: boolean | null;
  /** Added */
  cname?: string | null;
  errorCode?: number | null;
  etext?: string | null;
  /** Added: id of the SMB connection this exchange served, when one matched */
  connection?: string | null;
}

export interface Finding {
  id: string;
  severity: Severity;
  title: string;
  explanation: string;
  remediation: string[];
  connection: string | null;
  frames: number[];
  /** Added: Wireshark display filter that shows the evidence */
  filter?: string;
  /** Added: references (article, MS-SMB2 sections) */
  references?: string[];
  /** Added: when many connections share this finding (its id and its severity), the others (connection is then null) */
  connections?: string[];
  /**
   * Added: on such a finding (past FINDINGS_PER_ID of its id and severity: reportBuilder.ts
   * groupFindings), how many findings it stands for, itself included; `connections` lists at most
   * GROUP_CONNECTIONS of their connections
   */
  count?: number;
  /** Added: with `count`, how many connections the findings of its id and severity name in all (those shown whole before it too) */
  groupConnections?: number;
}

export interface CaptureInfo {
  file: string;
  format: "pcap" | "pcapng" | "netmon" | "etl" | "unknown"; // unknown: not a capture (see capture.error)
  linkTypes: string[];
  packets: number;
  bytes: number;
  start: string | null;
  end: string | null;
  warnings: string[];
  /** Added: busiest ports when a capture has no SMB, as "tcp/443 (1234 packets)" */
  topPorts?: string[];
  /** Added: packets decoded from inside tunnels (GRE, ERSPAN I/II/III, VXLAN, Geneve) and which */
  tunnels?: { packets: number; kinds: string[] };
  /** Added: a pktmon trace's network adapters (with the addresses of the components bound to
   *  them), the component whose copies are analysed, and the drops per component and reason */
  pktmon?: PktmonInfo;
  /** Added: file-level error that stopped reading (the report holds what came before) */
  error?: string | null;
}

/** Added (issue 17): what a pktmon trace says about the capturing computer */
export interface PktmonInfo {
  /** the component whose packet copies are analysed (as `pktmon etl2pcap --component-id`) */
  analysedComponent: number | null;
  /** copies of other components skipped */
  copiesSkipped: number;
  adapters: { component: number; name: string | null; description: string | null; ifIndex: number | null; mac: string | null; addresses: string[]; analysed: boolean }[];
  drops: number;
  /** drops per component and reason, most first (reasonName: PKTMON_DROP_REASON, e.g. PktMonDrop_Filtered) */
  dropsBy: { component: number; name: string | null; reason: number; reasonName: string | null; reasonText: string; count: number }[];
}

/** Added: failed connections of one cause in the verdict ("2 access denied (1 encryption required, 1 permissions)") */
export interface HeadlineCause {
  /** the cause in words, singular and plural */
  cause: string;
  causes: string;
  count: number;
  /** the finding id the connections were counted under (null for a group of several ids, see parts) */
  findingId: string | null;
  phase?: Phase | null;
  parts?: { cause: string; causes: string; count: number; findingId: string | null }[];
}

/** Added: the verdict's counts */
export interface Headline {
  /** SMB connections in the Report */
  connections: number;
  /** connections that failed (a fallback that worked is not one) */
  failed: number;
  /** TCP connects refused or unanswered after which the same client reached the same server */
  fallbacks: number;
  /** failed connections per cause, most first */
  causes: HeadlineCause[];
}

export type QuicHandshake = "completed" | "no-answer" | "closed" | "incomplete";

/** Added: Report.quic[], one SMB over QUIC connection attempt (documented in README, "added Report fields"). */
export interface QuicConnection {
  client: string;
  server: string;
  /** the UDP port the client sent to (443 unless an alternative QUIC port is configured) */
  port: number;
  /** the server name the client asked for (TLS SNI), null when the ClientHello had none */
  sni: string | null;
  /** every ALPN protocol the ClientHello offered */
  alpn: string[];
  /** "1" or "2" (RFC 9000 / RFC 9369) */
  version: string;
  firstFrame: number;
  /** the last datagram the decoder kept (the handshake's; later 1-RTT traffic is only counted) */
  lastFrame: number;
  handshake: QuicHandshake;
  /** the server answered with a ServerHello in its Initial */
  serverHello: boolean;
  /** datagrams seen: the client's and the server's, long and short header together */
  datagrams: { client: number; server: number };
  /** frame of the first datagram that was not answered, with the time the client kept trying (no-answer) */
  unansweredMs?: number;
  close?: { frame: number; from: "client" | "server"; frameType: number; errorCode: number; name: string; reason: string };
  /** the frame of the client's first 1-RTT packet, when the server went on with Handshake packets after it and never took up 1-RTT: the server did not accept the client's last handshake flight (client certificate / access control); the alert itself is encrypted */
  refusedAfterFinished?: number;
  /** frames of the client's Initial(s) carrying the ClientHello */
  helloFrames: number[];
}

export interface Report {
  version: number;
  generator: string;
  capture: CaptureInfo;
  /** Added: one line for the whole capture */
  verdict: string;
  /** Added: the counts behind the verdict line */
  headline?: Headline;
  connections: Connection[];
  kerberos: KerberosRecord[];
  findings: Finding[];
  /** Added: per server, which clients failed where */
  servers?: { server: string; clients: number; failed: { client: string; phase: Phase | null; status: string | null }[] }[];
  /** Added: SMB over QUIC connection attempts (a ClientHello offering ALPN "smb"), when the capture has any; their SMB is encrypted inside QUIC */
  quic?: QuicConnection[];
}
