// TCP_NO_ANSWER: SYNs to an SMB port that got nothing back, neither SYN-ACK nor reset nor ICMP.
import { add, dur, host, streamFilter } from "../context";
import { REF } from "../references";
import type { FindingModule } from "./module";

const meta = {
  id: "TCP_NO_ANSWER" as const,
  severity: "error",
  when: "SYNs to an SMB port never answered (no SYN-ACK, reset or ICMP error)",
  references: [REF.tcp],
} satisfies FindingModule["meta"];

export const tcpNoAnswer: FindingModule = {
  meta,
  visit: {
    tcp(ctx, c, v) {
      if (v.id !== meta.id) return;
      const m = c.m;
      const frames = m.syns.map((s) => s.frame);
      add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames }, c, () => {
      const srv = host(c.s.server), port = m.serverPort;
      const span = m.syns.length > 1 ? dur(m.syns[m.syns.length - 1].ts - m.syns[0].ts) : null;
      return {
        title: `No answer from ${c.s.server}: TCP connection never opened`,
        explanation: `${c.s.client} sent ${m.syns.length} SYN${m.syns.length > 1 ? "s" : ""} to ${c.s.server}${span ? ` over ${span}` : ""} (frames ${frames.join(", ")}) and got nothing back, neither SYN-ACK nor reset. Packets to port ${port} are dropped on the way (a firewall that drops rather than rejects), the address is wrong or the host is down, or the reply is routed elsewhere. SMB never started.`,
        remediation: [
          `From the client: \`Test-NetConnection -ComputerName ${srv} -Port ${port}\` (or \`nc -vz ${srv} ${port}\`); check that ${srv} is the address the name should resolve to (\`Resolve-DnsName <server name>\`).`,
          `Check firewalls on the path and on the server: Windows Defender Firewall rule "File and Printer Sharing (SMB-In)" must allow TCP ${port}; many ISPs and cloud networks block 445 outbound.`,
          "Capture on the server side too: if the SYNs never arrive there, the drop is on the network path.",
        ],
        filter: streamFilter(c),
        references: meta.references,
      };
      });
    },
  },
};
