// NO_SMB_TRAFFIC: a capture with no SMB and no Kerberos at all: says what it does hold (busiest ports
// first) and how to capture the failure.
import { add } from "../context";
import { REF } from "../references";
import { describePorts } from "./shared/ports";
import { noSmbAtAll } from "./shared/precedence";
import type { FindingModule } from "./module";

const meta = {
  id: "NO_SMB_TRAFFIC" as const,
  severity: "info",
  when: "a capture with no SMB connection, no Kerberos and no pre-TCP SMB: what it holds instead, busiest ports first",
  references: [REF.article],
} satisfies FindingModule["meta"];

export const noSmbTraffic: FindingModule = {
  meta,
  visit: {
    capture(ctx) {
      const m = ctx.model;
      if (noSmbAtAll(ctx)) {
        const ports = describePorts(m.tcpPorts, m.udpPorts);
        add(ctx, {
          id: meta.id,
          severity: "info",
          title: "No SMB traffic in this capture",
          explanation: `The capture holds ${m.packets ? `${m.packets} packets but` : "no packets:"} no SMB connection (TCP 445, 139, or SMB on another port) and no Kerberos. ${ports.length ? `What it does contain, busiest first: ${ports.join("; ")}.` : "It holds no TCP or UDP traffic at all."} The SMB traffic may have gone over another interface, or a capture filter excluded it.`,
          remediation: [
            "Capture on the client that fails, on the interface that reaches the server, with no filter or with `port 445 or port 139 or port 88`.",
            "Reproduce the failure while capturing (e.g. `net use \\\\server\\share` or open the share in Explorer).",
          ],
          connection: null, frames: [], references: meta.references,
        });
      }
    },
  },
};
