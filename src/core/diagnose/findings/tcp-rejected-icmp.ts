// TCP_REJECTED for a SYN answered by an ICMP destination unreachable (the error quotes the SYN's
// addresses and ports): a firewall's reject (administratively prohibited), a host with nothing on
// the port, or no route. tcp.ts calls this for a connection model.icmp.ts tied to such an error.
import { displayFilter } from "../../filters";
import { add, host, type ConnView, type DiagnoseContext } from "../context";
import { REF } from "../references";
import { icmpText, icmpMeaning } from "./icmp-text";

export function tcpRejectedByIcmp(ctx: DiagnoseContext, c: ConnView): void {
  const m = c.m, e = m.icmp!;
  const srv = host(c.s.server), port = m.serverPort;
  const frames = m.syns.map((s) => s.frame);
  const who = e.sender === srv ? `${srv} itself` : `${e.sender}, a router or firewall on the way to ${srv}`;
  const meaning = icmpMeaning(e);
  add(ctx, {
    id: "TCP_REJECTED",
    severity: "error",
    title: `Connection to ${c.s.server} refused by ${meaning === "prohibited" ? "a firewall" : "ICMP"}: ${icmpText(e)}`,
    explanation: `${c.s.client} sent ${frames.length} SYN${frames.length > 1 ? "s" : ""} to ${c.s.server} (frame${frames.length > 1 ? "s" : ""} ${frames.join(", ")}) and ${who} answered with ${icmpText(e)} (frame ${e.frame}), quoting the SYN. ${meaning === "prohibited" ? `A packet filter rejects TCP ${port} on purpose (Windows Defender Firewall, nftables/iptables \`reject with icmp … admin-prohibited\`, a network ACL).` : meaning === "port" ? `Nothing accepts TCP on port ${port} there, and the host says so with ICMP instead of a reset.` : `The network or host ${srv} cannot be reached from ${e.sender}.`} SMB never started.`,
    remediation: meaning === "prohibited" ? [
      `Find the filter that sent the ICMP error (${e.sender}): on a Windows server the inbound rule "File and Printer Sharing (SMB-In)" must allow TCP ${port} (\`Get-NetFirewallRule -DisplayGroup "File and Printer Sharing" | Get-NetFirewallPortFilter\`); on Linux \`nft list ruleset\` / \`iptables -S\` shows the reject rule.`,
      `Allow TCP ${port} from ${host(c.s.client)} to ${srv} there, then \`Test-NetConnection -ComputerName ${srv} -Port ${port}\` from the client.`,
    ] : [
      `From the client: \`Test-NetConnection -ComputerName ${srv} -Port ${port}\`; check the route (\`tracert ${srv}\`) and that ${srv} is the server's address.`,
      `On the server: is SMB listening on ${port}? (\`Get-NetTCPConnection -LocalPort ${port} -State Listen\`; Samba: \`ss -ltnp 'sport = :${port}'\`).`,
    ],
    connection: c.s.id,
    frames: [...frames, e.frame],
    filter: displayFilter({ frames: [...frames, e.frame] }),
    references: [REF.tcp, "RFC 792 / RFC 1812 5.2.7.1 (destination unreachable codes)", "RFC 4443 3.1"],
  }, c);
}
