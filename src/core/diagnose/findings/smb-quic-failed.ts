// SMB_QUIC_FAILED: an SMB over QUIC connection (ClientHello with ALPN "smb") that did not come up:
// the server never answered the client's Initial (UDP blocked, SMB over QUIC not enabled, wrong
// port), a CONNECTION_CLOSE in a readable Initial (a TLS alert: certificate name or trust, client
// access control, no "smb" protocol there; or a QUIC transport error), or a handshake that stopped
// after the server's first flight, where the alert travels in encrypted Handshake packets.
import { add, host, type DiagnoseContext, type FindingTexts } from "../context";
import { smbOverQuic, type QuicConnection } from "../../quic/flow";
import { QUIC_REFS, quicTarget, quicFilter } from "./smb-over-quic";
import type { FindingModule } from "./module";

const dur = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`);
const AUDIT = "On the Windows client, the Microsoft-Windows-SMBClient/Connectivity log records the failed SMB over QUIC attempt (event 30832 when SMB over QUIC auditing is on) with the reason Windows saw.";

/** What a TLS alert (RFC 8446 6.2) in a CONNECTION_CLOSE means for SMB over QUIC, and what to do; by who sent it. */
function alertAdvice(q: QuicConnection, alert: number, from: "client" | "server"): { why: string; fix: string[] } {
  const name = quicTarget(q);
  const server = host(q.server);
  const certFix = [
    `The server's certificate must name ${name} in its Subject Alternative Name (a DNS entry for each name clients use; not an IP address), carry the Server Authentication EKU (1.3.6.1.5.5.7.3.1), be valid now and chain to a root the client trusts. On ${server}: \`Get-SmbServerCertificateMapping\` shows which certificate is mapped to which name; map the right one with \`New-SmbServerCertificateMapping -Name ${name} -Thumbprint <thumbprint> -StoreName My\`.`,
    `On the client, \`certutil -verify\` on that certificate (or opening it in certlm.msc) shows whether the chain is trusted; use the name the certificate carries: \`NET USE \\\\${name}\\<share> /TRANSPORT:QUIC\`.`,
  ];
  const accessFix = [
    `SMB over QUIC client access control is on for ${name}: the client must present a Client Authentication certificate (EKU 1.3.6.1.5.5.7.3.2) mapped on the client with \`New-SmbClientCertificateMapping -Namespace ${name} -Thumbprint <thumbprint> -StoreName My\`, and the server must allow it: \`Grant-SmbClientAccessToServer -Name ${name} -IdentifierType SHA256 -Identifier <certificate hash>\` (or \`-IdentifierType ISSUER\` for every certificate of an issuer); \`Get-SmbClientAccessToServer -Name ${name}\` lists what is allowed, \`Block-SmbClientAccessToServer\` what is refused.`,
  ];
  if (from === "client" && [42, 43, 44, 45, 46, 48, 112].includes(alert)) {
    return { why: `The client refused the server's certificate: ${alert === 45 ? "it has expired" : alert === 44 ? "it was revoked" : alert === 48 ? "it was not issued by a certification authority the client trusts" : alert === 112 ? "it does not cover the name asked for" : `it could not be accepted (wrong name in the Subject Alternative Name, an untrusted issuer, or the wrong EKU)`}. The name the client asked for was ${q.sni ? `"${q.sni}"` : "not sent (no SNI: the client used an address)"}.`, fix: certFix };
  }
  if (from === "server" && [42, 49, 116].includes(alert)) {
    return { why: `The server refused the client: ${alert === 116 ? "it requires a client certificate and got none" : alert === 49 ? "the client's certificate is not allowed to connect" : "it did not accept the client's certificate"}. That is SMB over QUIC client access control.`, fix: accessFix };
  }
  if (from === "server" && alert === 112) {
    return { why: `The server has no certificate for the name the client asked for (${q.sni ? `"${q.sni}"` : "none was sent"}).`, fix: certFix };
  }
  if (alert === 120) {
    return {
      why: from === "server"
        ? `The QUIC server on UDP ${q.port} of ${server} does not speak SMB: no "smb" among its application protocols. It is another QUIC service (a web server's HTTP/3 on port 443, say), or SMB over QUIC is not enabled on that port.`
        : "The client refused the application protocol the server chose.",
      fix: [
        `Check that SMB over QUIC is enabled on ${server} (Windows Server 2025 or Windows Server 2022 Datacenter: Azure Edition; \`Get-SmbServerConfiguration | Format-List EnableSMBQUIC\`, and a certificate mapping) and listening on UDP ${q.port}; if it uses another port, \`Get-SmbServerAlternativePort\` shows it and the client needs \`NET USE … /TRANSPORT:QUIC /QUICPORT:<port>\`.`,
        "If a web server or reverse proxy holds UDP 443 on that address, give SMB over QUIC its own address or an alternative port (`New-SmbServerAlternativePort -TransportType QUIC -Port <port> -EnableInstances Default`).",
      ],
    };
  }
  return {
    why: `The ${from} ended the TLS handshake with alert ${alert}${alert === 40 ? " (no TLS 1.3 parameters in common: cipher suites, groups or signature algorithms)" : alert === 70 ? " (TLS 1.3 is required for QUIC)" : ""}.`,
    fix: [...certFix.slice(0, 1), ...accessFix],
  };
}

export const smbQuicFailed: FindingModule = {
  meta: {
    id: "SMB_QUIC_FAILED",
    severity: "error",
    when: "an SMB over QUIC connection did not come up: its Initial was never answered, a CONNECTION_CLOSE (TLS alert or QUIC error) ended it, or the handshake stopped after the server's first answer",
    references: [QUIC_REFS.smb2Quic, QUIC_REFS.rfc9000Close, QUIC_REFS.rfc8446Alerts, QUIC_REFS.learnQuic, QUIC_REFS.learnQuicAccess],
  },
  create(ctx: DiagnoseContext) {
    const references = this.meta.references;
    for (const q of smbOverQuic(ctx.model)) {
      if (q.handshake === "completed") continue;
      add(ctx, { id: this.meta.id, severity: severityOf(q), connection: null, frames: framesOf(q) }, undefined, () => textsOf(q, references));
    }
  },
};

// The same four cases in severityOf, framesOf and textsOf: the Initial unanswered, a
// CONNECTION_CLOSE, refused after the client's last flight, a handshake that stopped.
/** a handshake that stopped is a warning (the capture may have ended too early); the others errors */
const severityOf = (q: QuicConnection): "error" | "warning" =>
  q.handshake === "no-answer" || q.close || q.refusedAfterFinished ? "error" : "warning";

function framesOf(q: QuicConnection): number[] {
  if (q.handshake === "no-answer") return [q.firstFrame];
  if (q.close) return [...q.helloFrames.slice(0, 2), q.close.frame];
  if (q.refusedAfterFinished) return [...q.helloFrames.slice(0, 1), q.refusedAfterFinished];
  return q.helloFrames.length ? q.helloFrames : [q.firstFrame];
}

/** The words of the finding, made only when the Report shows it whole (context.ts add). */
function textsOf(q: QuicConnection, references: string[] | undefined): FindingTexts {
  const name = quicTarget(q);
  const opening = `${q.client} tried SMB over QUIC to ${q.server} (UDP ${q.port}${q.port === 443 ? "" : ", an alternative port"}, QUIC version ${q.version}), asking for ${q.sni ? `the server name "${q.sni}"` : "no server name (no SNI)"} with ALPN ${q.alpn.map((a) => `"${a}"`).join(", ")} (frame ${q.firstFrame}).`;
  let title: string, why: string, fix: string[];
  if (q.handshake === "no-answer") {
    title = `SMB over QUIC to ${name} got no answer on UDP ${q.port}`;
    why = `${opening} The server sent nothing back: ${q.datagrams.client} datagram${q.datagrams.client === 1 ? "" : "s"} from the client${q.unansweredMs ? ` over ${dur(q.unansweredMs)}` : ""}, none from the server. Either UDP ${q.port} is blocked on the way (many firewalls and networks let TCP 443 through but not UDP 443), or nothing listens there: SMB over QUIC is not enabled on the server, or it listens on another port. Windows then falls back to TCP 445 if it may (unless the mapping asked for QUIC only).`;
    fix = [
      `On ${host(q.server)}: \`Get-NetUDPEndpoint -LocalPort ${q.port}\` shows whether anything listens; \`Get-SmbServerConfiguration | Format-List EnableSMBQUIC\`, \`Get-SmbServerCertificateMapping\` (SMB over QUIC needs a mapped certificate to start), and \`Get-SmbServerAlternativePort\` for a port other than 443.`,
      `Firewalls: allow inbound UDP ${q.port} to ${host(q.server)} and on every network device in between; \`Test-NetConnection\` tests TCP only, so it says nothing about this.`,
      AUDIT,
    ];
  } else if (q.close) {
    const c = q.close;
    const alert = c.frameType === 0x1c && c.errorCode >= 0x100 && c.errorCode <= 0x1ff ? c.errorCode - 0x100 : null;
    title = `SMB over QUIC to ${name} refused by the ${c.from}: ${c.name}`;
    const adv = alert !== null ? alertAdvice(q, alert, c.from) : null;
    why = `${opening} The ${c.from} ended the connection with a CONNECTION_CLOSE (frame ${c.frame}): ${c.name}${c.reason ? `, reason "${c.reason}"` : ""}. ${adv ? adv.why : c.errorCode === 0x2 ? "The server refuses connections (CONNECTION_REFUSED): it is not accepting SMB over QUIC clients now." : "This is a QUIC transport error, not a TLS alert (RFC 9000 20.1)."} No SMB message was exchanged: SMB starts only once the QUIC handshake has completed.`;
    fix = adv ? [...adv.fix, AUDIT] : [AUDIT];
  } else if (q.refusedAfterFinished) {
    title = `SMB over QUIC to ${name} refused by the server after the client's last handshake flight: client access control or the client's certificate`;
    why = `${opening} The server answered (ServerHello, then its certificate in encrypted Handshake packets), and the client finished its side: it sent its last handshake flight and its first 1-RTT packet (frame ${q.refusedAfterFinished}). The server never took that up: it went on sending Handshake packets and no 1-RTT-only traffic followed, which a server that accepted the handshake would send (it drops its Handshake keys once the handshake completes, RFC 9001 4.9.2). In TLS 1.3 the client's last flight carries its certificate, if asked for one, so the server refused the client there: SMB over QUIC client access control (no client certificate, or one not granted), or a certificate it could not verify. Its alert travels in encrypted packets and cannot be read.`;
    fix = [...alertAdvice(q, 116, "server").fix, AUDIT];
  } else {
    title = `SMB over QUIC to ${name}: the handshake did not complete${q.serverHello ? " after the server's answer" : ""}`;
    why = `${opening} ${q.serverHello ? "The server answered with a ServerHello, and then its certificate in encrypted Handshake packets" : "The server answered"}, but no 1-RTT traffic followed both ways, so the handshake did not complete in the capture. A refusal here (the client rejecting the certificate, or the server refusing the client's) travels in Handshake packets, whose keys come from the TLS exchange and cannot be read from a capture; if the capture simply ended too early, capture longer.`;
    fix = [AUDIT, alertAdvice(q, 46, "client").fix[0], alertAdvice(q, 116, "server").fix[0]];
  }
  return { title, explanation: why, remediation: fix, filter: quicFilter(q), references };
}
