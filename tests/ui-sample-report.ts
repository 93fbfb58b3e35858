// Hand-built Reports (shaped like the analyzer's, from the fixtures' facts) for the UI's unit tests.
import type { Report, Connection, LadderStep } from "../src/core/report";

const ladder: LadderStep[] = [
  { frame: 3, offsetMs: 0, fromClient: true, label: "SYN", kind: "tcp" },
  { frame: 4, offsetMs: 0.015, fromClient: false, label: "SYN, ACK", kind: "tcp" },
  { frame: 6, offsetMs: 0.4, fromClient: true, label: "NEGOTIATE", kind: "smb" },
  { frame: 8, offsetMs: 3.7, fromClient: false, label: "NEGOTIATE 3.1.1", status: "STATUS_SUCCESS", kind: "smb" },
  { frame: 10, offsetMs: 4.1, fromClient: true, label: "SESSION_SETUP (NTLM NEGOTIATE)", kind: "smb" },
  { frame: 11, offsetMs: 4.4, fromClient: false, label: "SESSION_SETUP (NTLM CHALLENGE)", status: "STATUS_MORE_PROCESSING_REQUIRED", kind: "smb" },
  { frame: 12, offsetMs: 4.9, fromClient: true, label: "SESSION_SETUP (NTLM AUTHENTICATE WORKGROUP\\alice)", kind: "smb" },
  { frame: 13, offsetMs: 6.4, fromClient: false, label: "SESSION_SETUP", status: "STATUS_SUCCESS", kind: "smb" },
  { frame: 22, offsetMs: 1500, fromClient: true, label: "TREE_CONNECT \\\\10.99.1.1\\nosuchshare", kind: "smb" },
  { frame: 23, offsetMs: 1500.02, fromClient: false, label: "TREE_CONNECT", status: "STATUS_BAD_NETWORK_NAME", kind: "smb", error: true },
];

export const badShareConnection: Connection = {
  id: "10.99.1.2:48168-10.99.1.1:445",
  stream: 0,
  client: "10.99.1.2:48168",
  server: "10.99.1.1:445",
  transport: "direct",
  firstFrame: 3,
  lastFrame: 28,
  dialect: "3.1.1",
  signing: { clientRequired: false, serverRequired: false },
  encryption: "none",
  auth: "ntlm",
  user: "WORKGROUP\\alice",
  phases: [
    { phase: "tcp", requestFrame: 3, responseFrame: 4, status: null, latencyMs: 0.015 },
    { phase: "negotiate", requestFrame: 6, responseFrame: 8, status: "STATUS_SUCCESS", latencyMs: 3.278 },
    { phase: "session_setup", requestFrame: 12, responseFrame: 13, status: "STATUS_SUCCESS", latencyMs: 1.48 },
    { phase: "tree_connect", requestFrame: 22, responseFrame: 23, status: "STATUS_BAD_NETWORK_NAME", latencyMs: 0.023 },
  ],
  shares: [
    { path: "\\\\10.99.1.1\\IPC$", status: "STATUS_SUCCESS", requestFrame: 14, responseFrame: 15 },
    { path: "\\\\10.99.1.1\\public", status: "STATUS_SUCCESS", requestFrame: 20, responseFrame: 21 },
    { path: "\\\\10.99.1.1\\nosuchshare", status: "STATUS_BAD_NETWORK_NAME", requestFrame: 22, responseFrame: 23 },
  ],
  outcome: "failed",
  failedPhase: "tree_connect",
  status: "STATUS_BAD_NETWORK_NAME",
  findings: ["TREE_BAD_NETWORK_NAME"],
  ladder,
};

export const okConnection: Connection = {
  ...badShareConnection,
  id: "10.99.1.3:50000-10.99.1.1:445",
  stream: 1,
  client: "10.99.1.3:50000",
  firstFrame: 30,
  lastFrame: 60,
  user: "WORKGROUP\\bob",
  shares: [{ path: "\\\\10.99.1.1\\public", status: "STATUS_SUCCESS", requestFrame: 40, responseFrame: 41 }],
  outcome: "ok",
  failedPhase: null,
  status: null,
  findings: [],
  ladder: [],
};

export const noResponseConnection: Connection = {
  ...badShareConnection,
  id: "10.99.1.2:33224-10.99.1.9:445",
  stream: 2,
  client: "10.99.1.2:33224",
  server: "10.99.1.9:445",
  firstFrame: 61,
  lastFrame: 70,
  dialect: null,
  signing: null,
  auth: null,
  user: null,
  shares: [],
  phases: [{ phase: "negotiate", requestFrame: 64, responseFrame: null, status: null, latencyMs: null }],
  outcome: "no-response",
  failedPhase: "negotiate",
  status: null,
  findings: ["NEGOTIATE_NO_RESPONSE"],
  ladder: [
    { frame: 64, offsetMs: 0.5, fromClient: true, label: "NEGOTIATE", kind: "smb" },
    { frame: 65, offsetMs: 0.7, fromClient: false, label: "ACK", kind: "tcp" },
    { frame: 0, offsetMs: 20000, fromClient: true, label: "20 s without an answer", kind: "gap" },
    { frame: 66, offsetMs: 20000.7, fromClient: true, label: "FIN, ACK", kind: "tcp" },
  ],
};

export function sampleReport(): Report {
  return {
    version: 1,
    generator: "smbscope test",
    capture: {
      file: "tree-bad-share.pcap",
      format: "pcap",
      linkTypes: ["ETHERNET"],
      packets: 70,
      bytes: 5043,
      start: "2026-01-02T03:04:05.123456Z",
      end: "2026-01-02T03:04:27.623456Z",
      warnings: ["tree-bad-share.pcap: a malformed message (layer 3, byte 0x12) was skipped."],
    },
    verdict: "1 of 3 SMB connections failed at TREE_CONNECT: the share \\\\10.99.1.1\\nosuchshare does not exist.",
    connections: [okConnection, badShareConnection, noResponseConnection],
    kerberos: [],
    findings: [
      {
        id: "ENCRYPTED_TRAFFIC", severity: "info", title: "Some traffic is encrypted",
        explanation: "Later messages are hidden by SMB3 encryption.", remediation: [], connection: null, frames: [],
      },
      {
        id: "TREE_BAD_NETWORK_NAME", severity: "error", title: "The share \\\\10.99.1.1\\nosuchshare does not exist",
        explanation: "The server answered TREE_CONNECT with STATUS_BAD_NETWORK_NAME. Shares that worked: IPC$, public.",
        remediation: ["List the shares with `smbclient -L //10.99.1.1 -U alice` or `net view \\\\10.99.1.1`.", "Check the spelling | of <the> share *name*."],
        connection: badShareConnection.id, frames: [22, 23], filter: "frame.number in {22,23}",
        references: ["MS-SMB2 3.3.5.7"],
      },
      {
        id: "NEGOTIATE_NO_RESPONSE", severity: "error", title: "The server never answered NEGOTIATE",
        explanation: "Bare ACK then silence.", remediation: ["Check filter drivers: `fltmc`"], connection: noResponseConnection.id, frames: [64, 65],
      },
    ],
  };
}
