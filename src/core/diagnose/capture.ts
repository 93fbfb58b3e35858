// The capture itself: what it misses (started mid-connection, lost segments, cut packets or
// file), and what it holds when there is no SMB at all.
import { add, streamFilter, type DiagnoseContext } from "./context";
import { REF } from "./references";
import type { SmbProbe } from "../model/types";
import { smbOverQuic } from "../quic/flow";

const WELL_KNOWN: Record<number, string> = {
  20: "FTP data", 21: "FTP", 22: "SSH", 23: "Telnet", 25: "SMTP", 53: "DNS", 67: "DHCP", 80: "HTTP", 88: "Kerberos",
  110: "POP3", 123: "NTP", 135: "RPC endpoint mapper", 137: "NetBIOS name", 138: "NetBIOS datagram", 139: "NetBIOS session",
  143: "IMAP", 389: "LDAP", 443: "HTTPS", 445: "SMB", 464: "Kerberos password", 636: "LDAPS", 1900: "SSDP",
  3268: "Global Catalog", 3389: "RDP", 5353: "mDNS", 5355: "LLMNR", 5985: "WinRM",
};

export function describePorts(tcp: [number, number][], udp: [number, number][]): string[] {
  const out: string[] = [];
  for (const [p, n] of tcp.slice(0, 6)) out.push(`tcp/${p}${WELL_KNOWN[p] ? ` (${WELL_KNOWN[p]})` : ""}: ${n} packets`);
  for (const [p, n] of udp.slice(0, 4)) out.push(`udp/${p}${WELL_KNOWN[p] ? ` (${WELL_KNOWN[p]})` : ""}: ${n} packets`);
  return out;
}

// An SMB client that reached something other than an SMB server: at most an info line.
function probeFinding(ctx: DiagnoseContext, p: SmbProbe): void {
  const port = Number(p.server.slice(p.server.lastIndexOf(":") + 1));
  const service = WELL_KNOWN[port] ? ` (usually ${WELL_KNOWN[port]})` : "";
  const answered = p.answerFrame !== null;
  add(ctx, {
    id: "SMB_PROBE_OTHER_PROTOCOL",
    severity: "info",
    title: answered ? `SMB probe to ${p.server} answered by another protocol` : `SMB probe to ${p.server} not answered in SMB`,
    explanation: answered
      ? `${p.client} sent SMB to ${p.server}${service} (frame ${p.firstFrame}), and the server answered in frame ${p.answerFrame} with ${p.answerBytes} bytes that are not SMB (they start ${startText(p.answerStart ?? 0, p.answerBytes)}): another service listens on that port. This is not an SMB connection and says nothing about the server's SMB; a scanner (nmap -sV, or its smb-protocols script) or a client pointed at the wrong port does this.`
      : `${p.client} sent SMB to ${p.server}${service} (frame ${p.firstFrame}), a port that is not SMB's (445, or 139 for NetBIOS), and the server never answered in SMB. This is not an SMB connection; a scanner or a client pointed at the wrong port does this.`,
    remediation: ["Nothing to do if this was a scan. If a client should reach an SMB server here, point it at TCP 445 (or 139)."],
    connection: null, frames: answered ? [p.firstFrame, p.answerFrame!] : [p.firstFrame], filter: `tcp.stream eq ${p.stream}`, references: [REF.nbssPackets],
  });
}

function startText(v: number, n: number): string {
  const b = [24, 16, 8, 0].slice(0, Math.min(4, n)).map((s) => (v >>> s) & 0xff);
  const hex = b.map((x) => x.toString(16).padStart(2, "0")).join(" ");
  const ascii = b.map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : ".")).join("");
  return `${hex} ("${ascii}")`;
}

export function captureRules(ctx: DiagnoseContext): void {
  const m = ctx.model;
  for (const c of ctx.conns) {
    const reasons: string[] = [];
    const frames: number[] = [];
    if (c.m.midstream) {
      reasons.push(c.m.negotiates.length === 0
        ? `the capture started after this connection was set up (first frame ${c.m.firstFrame} is not a SYN), so its NEGOTIATE and SESSION_SETUP are not in the capture: nothing can be said about how it was set up`
        : `the TCP handshake is not in the capture (first frame ${c.m.firstFrame} is not a SYN), but the SMB setup that follows is`);
      frames.push(c.m.firstFrame);
    }
    if (c.m.gaps.length) {
      const bytes = c.m.gaps.reduce((a, g) => a + g.bytes, 0);
      reasons.push(`${bytes} bytes of this connection are missing from the capture (${c.m.gaps.length} gap${c.m.gaps.length > 1 ? "s" : ""}, first at frame ${c.m.gaps[0].frame}): the capture dropped packets`);
      frames.push(...c.m.gaps.slice(0, 5).map((g) => g.frame));
    }
    if (c.s.outcome === "incomplete" && c.s.failedPhase) reasons.push(`the capture ends ${c.s.failedPhase === "negotiate" ? "right after the NEGOTIATE request" : "while a request is still waiting for its answer"}`);
    if (!reasons.length) continue;
    add(ctx, {
      id: "CAPTURE_INCOMPLETE",
      // Missing the TCP handshake alone hides nothing the verdict needs
      severity: c.m.gaps.length === 0 && (c.s.outcome !== "incomplete" || !c.s.failedPhase) && c.m.negotiates.length > 0 ? "info" : "warning",
      title: `Capture incomplete for ${c.s.client} → ${c.s.server}`,
      explanation: `The verdict for this connection is limited: ${reasons.join("; ")}.`,
      remediation: [
        "Start the capture before the client connects (e.g. `net use \\\\server\\share /delete` first, or disconnect the mapped drive), and stop it after the failure shows.",
        "Capture on the client or the server itself rather than on a busy SPAN port, with a big enough buffer: `netsh trace start capture=yes` / `pktmon start --capture`, or `tcpdump -i <if> -s 0 -B 8192 -w file.pcap port 445 or port 88`.",
      ],
      connection: c.s.id, frames: frames.length ? frames : [c.m.firstFrame], filter: streamFilter(c), references: [],
    }, c);
  }
  const fileProblems = m.warnings.filter((w) => /cut short|damaged|skipped/.test(w));
  const snaplen = m.warnings.filter((w) => /snapshot length/.test(w));
  if (snaplen.length && !fileProblems.length && !m.error) {
    add(ctx, {
      id: "CAPTURE_INCOMPLETE",
      severity: "info",
      title: "Some packets were captured cut short (snapshot length)",
      explanation: `${snaplen.join(" ")} The SMB headers were still read where the cut left them (as Wireshark does); only message bodies past the cut are missing.`,
      remediation: ["Capture with no snapshot limit (`tcpdump -s 0`, Wireshark's default) and with segmentation offload off on the capturing host, so that frames are not larger than the snapshot length."],
      connection: null, frames: [], references: [],
    });
  }
  // (a file with no packet at all has its error as the verdict: nothing was "read up to the damage")
  if ((m.error && m.packets > 0) || fileProblems.length) {
    add(ctx, {
      id: "CAPTURE_INCOMPLETE",
      severity: "warning",
      title: m.error ? "The capture file is damaged: it was read up to the damage" : "The capture file is incomplete",
      explanation: [m.error, ...fileProblems].filter(Boolean).join(" "),
      remediation: ["Copy the capture again once the capture tool has stopped writing it, or recover it with `editcap` / Wireshark's \"Save As\"; what came before the damage is analysed above."],
      connection: null, frames: [], references: [],
    });
  }
  for (const p of m.probes) probeFinding(ctx, p);
  const preTcp = m.preTcp.netbeui + m.preTcp.ipx;
  if (preTcp > 0) {
    const over = [m.preTcp.netbeui ? `${m.preTcp.netbeui} frames of NetBIOS Frames (NetBEUI: IEEE 802.2 LLC, SAP 0xF0)` : "",
      m.preTcp.ipx ? `${m.preTcp.ipx} IPX packets to or from the NetBIOS socket 0x0455 or the NWLink SMB sockets 0x0550–0x0555` : ""].filter(Boolean);
    add(ctx, {
      id: "SMB_PRE_TCP_TRANSPORT",
      severity: ctx.conns.length === 0 ? "warning" : "info",
      title: "SMB over a pre-TCP transport (NetBEUI or IPX), not analysed",
      explanation: `The capture holds frames of the transports SMB ran over before TCP/IP: ${over.join(", and ")}. SMB over these is not analysed here${ctx.conns.length ? "; the SMB connections over TCP are" : ", so this report cannot say how those sessions were set up (which is not the same as finding no SMB)"}. Windows dropped NetBEUI after Windows 2000 and IPX/NWLink after Windows XP / Server 2003; such traffic today comes from old systems or appliances.`,
      remediation: [
        "Open the capture in Wireshark to read these SMB messages (it decodes NetBIOS Frames and IPX): `netbios || ipx`.",
        "Move the clients and servers involved to SMB over TCP 445 (NetBEUI and IPX cannot be routed and are not supported by current Windows or Samba).",
      ],
      connection: null, frames: [], references: [REF.cifsTransports],
    });
  }
  if (ctx.conns.length === 0 && m.kerberos.length === 0 && !m.error && preTcp === 0 && smbOverQuic(m).length === 0) { // SMB over QUIC is SMB (findings/smb-over-quic.ts)
    const ports = describePorts(m.tcpPorts, m.udpPorts);
    add(ctx, {
      id: "NO_SMB_TRAFFIC",
      severity: "info",
      title: "No SMB traffic in this capture",
      explanation: `The capture holds ${m.packets ? `${m.packets} packets but` : "no packets:"} no SMB connection (TCP 445, 139, or SMB on another port) and no Kerberos. ${ports.length ? `What it does contain, busiest first: ${ports.join("; ")}.` : "It holds no TCP or UDP traffic at all."} The SMB traffic may have gone over another interface, or a capture filter excluded it.`,
      remediation: [
        "Capture on the client that fails, on the interface that reaches the server, with no filter or with `port 445 or port 139 or port 88`.",
        "Reproduce the failure while capturing (e.g. `net use \\\\server\\share` or open the share in Explorer).",
      ],
      connection: null, frames: [], references: [REF.article],
    });
  }
  for (const c of ctx.conns) {
    if (!c.m.smb1 || c.s.failedPhase === "negotiate") continue;
    const neg = c.m.negotiates[c.m.negotiates.length - 1];
    if (!neg?.resp?.smb1 || !neg.resp.dialect) continue;
    add(ctx, {
      id: "SMB1_IN_USE",
      severity: "warning",
      title: `SMB1 (${neg.resp.dialect}) negotiated with ${c.s.server}`,
      explanation: `This connection uses SMB1 (frame ${neg.resp.frame}). SMB1 is deprecated and insecure, disabled by default on current Windows and Samba, and will stop working when either side is updated.`,
      remediation: ["Move the client and server to SMB 2 or later; then disable SMB1: `Set-SmbServerConfiguration -EnableSMB1Protocol $false`, `server min protocol = SMB2_02` on Samba."],
      connection: c.s.id, frames: [neg.resp.frame], filter: streamFilter(c), references: [REF.smb2Negotiate],
    }, c);
  }
}
