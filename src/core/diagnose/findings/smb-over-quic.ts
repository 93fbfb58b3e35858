// SMB_OVER_QUIC: the capture holds SMB over QUIC (UDP, 443 or an alternative port; a ClientHello
// offering ALPN "smb"), whose handshake completed or is still going when the capture ends. Its SMB
// is invisible: only the QUIC Initial packets can be read (their keys come from the connection id,
// RFC 9001 5.2), so the report says what can and cannot be told, instead of "no SMB".
// The failures (no answer, CONNECTION_CLOSE, a handshake that stops) are SMB_QUIC_FAILED's.
import { add, type DiagnoseContext } from "../context";
import { displayFilter } from "../../filters";
import { host } from "../context";
import { smbOverQuic, type QuicConnection } from "../../quic/flow";
import type { FindingModule } from "./module";

/** Sources both SMB over QUIC findings cite. */
export const QUIC_REFS = {
  smb2Quic: "MS-SMB2 2.1 Transport (SMB over QUIC: dialect 3.1.1 only, TLS 1.3, ALPN \"smb\")",
  rfc9001: "RFC 9001 5.2 Initial Secrets (Initial packets are protected with keys derived from the Destination Connection ID)",
  rfc9000Close: "RFC 9000 19.19 CONNECTION_CLOSE Frames; 20.1 Transport Error Codes (0x0100-0x01ff: TLS alerts)",
  rfc8446Alerts: "RFC 8446 6 Alert Protocol",
  learnQuic: "Microsoft Learn: SMB over QUIC (Windows Server 2025, Windows 11 24H2)",
  learnQuicAccess: "Microsoft Learn: Configure SMB over QUIC client access control",
} as const;

/** The name the client asked for (SNI), else the server's address. */
export const quicTarget = (q: QuicConnection) => q.sni ?? host(q.server);

/** The filter that shows one QUIC flow: its server's address and UDP port. */
export const quicFilter = (q: QuicConnection) => displayFilter({ host: host(q.server), udpPort: q.port });

const portText = (q: QuicConnection) => (q.port === 443 ? "UDP 443" : `UDP ${q.port}, an alternative SMB over QUIC port (the default is 443),`);

export const smbOverQuicFinding: FindingModule = {
  meta: {
    id: "SMB_OVER_QUIC",
    severity: "info",
    when: "a QUIC connection whose TLS ClientHello offers ALPN \"smb\" (SMB over QUIC) completed its handshake or is still open when the capture ends: its SMB setup is encrypted inside",
    references: [QUIC_REFS.smb2Quic, QUIC_REFS.rfc9001, QUIC_REFS.learnQuic],
  },
  create(ctx: DiagnoseContext) {
    for (const q of smbOverQuic(ctx.model)) {
      if (q.handshake !== "completed") continue;
      const references = this.meta.references;
      add(ctx, { id: this.meta.id, severity: "info", connection: null, frames: q.helloFrames.length ? q.helloFrames : [q.firstFrame] }, undefined, () => ({
        title: `SMB over QUIC from ${host(q.client)} to ${quicTarget(q)}: handshake completed, the SMB inside is encrypted`,
        explanation: `${q.client} opened a QUIC connection (version ${q.version}) to ${q.server} on ${portText(q)} in frame ${q.firstFrame}, whose TLS ClientHello asked for the server name ${q.sni ?? "(none given)"} and offered the application protocol${q.alpn.length > 1 ? "s" : ""} ${q.alpn.map((a) => `"${a}"`).join(", ")}: this is SMB over QUIC (SMB 3.1.1 over TLS 1.3, MS-SMB2 2.1). The server answered${q.serverHello ? " with a ServerHello" : ""}, and both sides then exchanged 1-RTT packets (${q.datagrams.client} datagrams from the client, ${q.datagrams.server} from the server), so the QUIC and TLS handshake completed: the certificate was accepted and the server let this client in. Everything after that — NEGOTIATE, SESSION_SETUP (NTLM or Kerberos), TREE_CONNECT and their statuses — travels inside the encrypted connection and cannot be read from a capture: only the Initial packets can, because their keys come from the connection id (RFC 9001 5.2). Whether the SMB session itself set up cannot be told from here.`,
        remediation: [
          `To see inside, look at the endpoints: on the client \`Get-SmbConnection -ServerName ${quicTarget(q)}\` (Dialect 3.1.1) and the Microsoft-Windows-SMBClient/Connectivity and Security event logs; on the server \`Get-SmbSession\` and the SMBServer event logs.`,
          "A capture of the same access over TCP 445 (e.g. from inside the network: `NET USE \\\\server\\share /TRANSPORT:TCP`) shows the SMB setup itself.",
        ],
        filter: quicFilter(q),
        references,
      }));
    }
  },
};
