// TCP_REJECTED: a SYN to an SMB port answered with a reset (nothing listens there, or a firewall
// rejects actively), or, without a reset, with an ICMP destination unreachable that quotes the
// SYN's addresses and ports (model/icmp.ts ties it to the connection): a firewall's reject
// (administratively prohibited), a host with nothing on the port, or no route.
import { displayFilter } from "../../filters";
import { add, dur, host, streamFilter, type ConnView, type DiagnoseContext } from "../context";
import { REF } from "../references";
import { icmpText, icmpMeaning } from "./icmp-text";
import type { FindingModule } from "./module";

const ICMP_REFS = [REF.tcp, "RFC 792 / RFC 1812 5.2.7.1 (destination unreachable codes)", "RFC 4443 3.1"];

const meta = {
  id: "TCP_REJECTED" as const,
  severity: "error",
  when: "a SYN to an SMB port answered with a TCP reset, or with an ICMP destination unreachable quoting it",
  references: [...ICMP_REFS, REF.article],
} satisfies FindingModule["meta"];

export const tcpRejected: FindingModule = {
  meta,
  visit: {
    tcp(ctx, c, v) {
      if (v.id !== meta.id) return;
      if (v.by === "icmp") byIcmp(ctx, c);
      else byReset(ctx, c);
    },
  },
};

function byReset(ctx: DiagnoseContext, c: ConnView): void {
  const m = c.m, rst = m.rst!;
  const frames = m.syns.map((s) => s.frame);
  add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames: [...frames, rst.frame] }, c, () => {
  const srv = host(c.s.server), port = m.serverPort;
  const rt = m.syns.length ? dur(rst.ts - m.syns[0].ts) : "";
  return {
    title: `Connection to ${c.s.server} refused (TCP reset)`,
    explanation: `${c.s.client} sent a SYN to ${c.s.server} (frame ${frames[0]}) and ${srv} answered with a reset${rt ? ` ${rt} later` : ""} (frame ${rst.frame}). The host is reachable, but nothing accepts connections on port ${port}: the SMB server service is stopped or not listening there, or a host firewall rejects the port actively. SMB never started.`,
    remediation: [
      `On a Windows server, check that the Server service runs: \`Get-Service LanmanServer\` (start it with \`Start-Service LanmanServer\`), and that the port listens: \`Get-NetTCPConnection -LocalPort ${port} -State Listen\`.`,
      `On a Samba server: \`systemctl status smbd\` and \`ss -ltnp 'sport = :${port}'\`; check \`smb ports\` and \`interfaces\`/\`bind interfaces only\` in smb.conf (\`testparm -s\`).`,
      `From the client, confirm with \`Test-NetConnection -ComputerName ${srv} -Port ${port}\`.`,
      `If a firewall between them sends resets, allow TCP ${port} from ${host(c.s.client)}.`,
    ],
    filter: streamFilter(c),
    references: [REF.tcp, REF.article],
  };
  });
}

function byIcmp(ctx: DiagnoseContext, c: ConnView): void {
  const m = c.m, e = m.icmp!;
  const frames = m.syns.map((s) => s.frame);
  add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames: [...frames, e.frame] }, c, () => {
  const srv = host(c.s.server), port = m.serverPort;
  const who = e.sender === srv ? `${srv} itself` : `${e.sender}, a router or firewall on the way to ${srv}`;
  const meaning = icmpMeaning(e);
  return {
    title: `Connection to ${c.s.server} refused by ${meaning === "prohibited" ? "a firewall" : "ICMP"}: ${icmpText(e)}`,
    explanation: `${c.s.client} sent ${frames.length} SYN${frames.length > 1 ? "s" : ""} to ${c.s.server} (frame${frames.length > 1 ? "s" : ""} ${frames.join(", ")}) and ${who} answered with ${icmpText(e)} (frame ${e.frame}), quoting the SYN. ${meaning === "prohibited" ? `A packet filter rejects TCP ${port} on purpose (Windows Defender Firewall, nftables/iptables \`reject with icmp … admin-prohibited\`, a network ACL).` : meaning === "port" ? `Nothing accepts TCP on port ${port} there, and the host says so with ICMP instead of a reset.` : `The network or host ${srv} cannot be reached from ${e.sender}.`} SMB never started.`,
    remediation: meaning === "prohibited" ? [
      `Find the filter that sent the ICMP error (${e.sender}): on a Windows server the inbound rule "File and Printer Sharing (SMB-In)" must allow TCP ${port} (\`Get-NetFirewallRule -DisplayGroup "File and Printer Sharing" | Get-NetFirewallPortFilter\`); on Linux \`nft list ruleset\` / \`iptables -S\` shows the reject rule.`,
      `Allow TCP ${port} from ${host(c.s.client)} to ${srv} there, then \`Test-NetConnection -ComputerName ${srv} -Port ${port}\` from the client.`,
    ] : [
      `From the client: \`Test-NetConnection -ComputerName ${srv} -Port ${port}\`; check the route (\`tracert ${srv}\`) and that ${srv} is the server's address.`,
      `On the server: is SMB listening on ${port}? (\`Get-NetTCPConnection -LocalPort ${port} -State Listen\`; Samba: \`ss -ltnp 'sport = :${port}'\`).`,
    ],
    filter: displayFilter({ frames: [...frames, e.frame] }),
    references: ICMP_REFS,
  };
  });
}
