// TCP: a SYN to an SMB port never answered, or answered with RST; or so on one port while the
// same client reached the same server on another (445 refused, 139 fine): a fallback that worked.
import { add, dur, host, okBetween, streamFilter, type DiagnoseContext, type ConnView } from "./context";
import { REF } from "./references";
import { tcpRejectedByIcmp } from "./findings/tcp-rejected-icmp";

export function tcpRules(ctx: DiagnoseContext): void {
  for (const c of ctx.conns) {
    const m = c.m;
    if (c.s.failedPhase !== "tcp") continue;
    const srv = host(c.s.server), port = m.serverPort;
    const frames = m.syns.map((s) => s.frame);
    if (fallback(ctx, c)) continue;
    if (c.s.outcome === "failed" && m.icmp && !m.rst) { tcpRejectedByIcmp(ctx, c); continue; }
    if (c.s.outcome === "failed" && m.rst) {
      const rt = m.syns.length ? dur(m.rst.ts - m.syns[0].ts) : "";
      add(ctx, {
        id: "TCP_REJECTED",
        severity: "error",
        title: `Connection to ${c.s.server} refused (TCP reset)`,
        explanation: `${c.s.client} sent a SYN to ${c.s.server} (frame ${frames[0]}) and ${srv} answered with a reset${rt ? ` ${rt} later` : ""} (frame ${m.rst.frame}). The host is reachable, but nothing accepts connections on port ${port}: the SMB server service is stopped or not listening there, or a host firewall rejects the port actively. SMB never started.`,
        remediation: [
          `On a Windows server, check that the Server service runs: \`Get-Service LanmanServer\` (start it with \`Start-Service LanmanServer\`), and that the port listens: \`Get-NetTCPConnection -LocalPort ${port} -State Listen\`.`,
          `On a Samba server: \`systemctl status smbd\` and \`ss -ltnp 'sport = :${port}'\`; check \`smb ports\` and \`interfaces\`/\`bind interfaces only\` in smb.conf (\`testparm -s\`).`,
          `From the client, confirm with \`Test-NetConnection -ComputerName ${srv} -Port ${port}\`.`,
          `If a firewall between them sends resets, allow TCP ${port} from ${host(c.s.client)}.`,
        ],
        connection: c.s.id,
        frames: [...frames, m.rst.frame],
        filter: streamFilter(c),
        references: [REF.tcp, REF.article],
      }, c);
    } else {
      const span = m.syns.length > 1 ? dur(m.syns[m.syns.length - 1].ts - m.syns[0].ts) : null;
      add(ctx, {
        id: "TCP_NO_ANSWER",
        severity: "error",
        title: `No answer from ${c.s.server}: TCP connection never opened`,
        explanation: `${c.s.client} sent ${m.syns.length} SYN${m.syns.length > 1 ? "s" : ""} to ${c.s.server}${span ? ` over ${span}` : ""} (frames ${frames.join(", ")}) and got nothing back, neither SYN-ACK nor reset. Packets to port ${port} are dropped on the way (a firewall that drops rather than rejects), the address is wrong or the host is down, or the reply is routed elsewhere. SMB never started.`,
        remediation: [
          `From the client: \`Test-NetConnection -ComputerName ${srv} -Port ${port}\` (or \`nc -vz ${srv} ${port}\`); check that ${srv} is the address the name should resolve to (\`Resolve-DnsName <server name>\`).`,
          `Check firewalls on the path and on the server: Windows Defender Firewall rule "File and Printer Sharing (SMB-In)" must allow TCP ${port}; many ISPs and cloud networks block 445 outbound.`,
          "Capture on the server side too: if the SYNs never arrive there, the drop is on the network path.",
        ],
        connection: c.s.id,
        frames,
        filter: streamFilter(c),
        references: [REF.tcp],
      }, c);
    }
  }
}

/**
 * A connect refused or unanswered on one port while the same client set up SMB with the same
 * server on another port (Windows tries 445 and 139 and keeps whichever answers): the client got
 * through, so this is information about the blocked port, not a failure (PORT_139_FALLBACK).
 */
function fallback(ctx: DiagnoseContext, c: ConnView): boolean {
  const m = c.m;
  const other = okBetween(ctx, host(c.s.client), host(c.s.server)).find((o) => o !== c && o.m.serverPort !== m.serverPort);
  if (!other) return false;
  const how = c.s.outcome === "failed" && m.rst ? "refused" : "unanswered";
  const frames = [...m.syns.map((s) => s.frame), ...(m.rst ? [m.rst.frame] : [])];
  const srv = host(c.s.server), port = m.serverPort;
  add(ctx, {
    id: "PORT_139_FALLBACK",
    severity: "info",
    title: `Port ${port} ${how}; ${host(c.s.client)} reached ${srv} on port ${other.m.serverPort}`,
    explanation: `${c.s.client} tried ${c.s.server} (frame${frames.length > 1 ? "s" : ""} ${frames.join(", ")}) and the connect was ${how === "refused" ? "refused with a reset" : "never answered"}, but the same client set up SMB with ${srv} on port ${other.m.serverPort} (tcp.stream ${other.s.stream}, frame ${other.m.firstFrame}). Windows clients try direct hosting on 445 and NetBIOS on 139 together and keep whichever answers, so the client got through; only port ${port} is ${how === "refused" ? "closed" : "blocked"} on the way or on the server.`,
    remediation: [
      `Nothing is broken for this client. To use port ${port}${port === 445 ? " (preferred: 139 needs NetBIOS over TCP and carries no SMB 3 multichannel)" : ""}: \`Test-NetConnection -ComputerName ${srv} -Port ${port}\` from the client, and check the firewalls and the server's listening ports (\`Get-NetTCPConnection -LocalPort ${port} -State Listen\`; Samba: \`smb ports\` in smb.conf).`,
    ],
    connection: c.s.id,
    frames,
    filter: streamFilter(c),
    references: [REF.tcp],
  }, c);
  return true;
}
