// PORT_139_FALLBACK: a connect refused or unanswered on one port while the same client set up SMB
// with the same server on another port (Windows tries 445 and 139 and keeps whichever answers):
// the client got through, so this is information about the blocked port, not a failure.
import { add, host, streamFilter } from "../context";
import { REF } from "../references";
import type { FindingModule } from "./module";

const meta = {
  id: "PORT_139_FALLBACK" as const,
  severity: "info",
  when: "a connect refused or unanswered on one SMB port while the same client reached the same server on the other (445 refused, 139 fine)",
  references: [REF.tcp],
} satisfies FindingModule["meta"];

export const port139Fallback: FindingModule = {
  meta,
  visit: {
    tcp(ctx, c, v) {
      if (v.id !== meta.id) return;
      const m = c.m, other = v.other;
      const how = c.s.outcome === "failed" && m.rst ? "refused" : "unanswered";
      const frames = [...m.syns.map((s) => s.frame), ...(m.rst ? [m.rst.frame] : [])];
      add(ctx, { id: meta.id, severity: "info", connection: c.s.id, frames }, c, () => {
        const srv = host(c.s.server), port = m.serverPort;
        return {
          title: `Port ${port} ${how}; ${host(c.s.client)} reached ${srv} on port ${other.serverPort}`,
          explanation: `${c.s.client} tried ${c.s.server} (frame${frames.length > 1 ? "s" : ""} ${frames.join(", ")}) and the connect was ${how === "refused" ? "refused with a reset" : "never answered"}, but the same client set up SMB with ${srv} on port ${other.serverPort} (tcp.stream ${other.stream}, frame ${other.firstFrame}). Windows clients try direct hosting on 445 and NetBIOS on 139 together and keep whichever answers, so the client got through; only port ${port} is ${how === "refused" ? "closed" : "blocked"} on the way or on the server.`,
          remediation: [
            `Nothing is broken for this client. To use port ${port}${port === 445 ? " (preferred: 139 needs NetBIOS over TCP and carries no SMB 3 multichannel)" : ""}: \`Test-NetConnection -ComputerName ${srv} -Port ${port}\` from the client, and check the firewalls and the server's listening ports (\`Get-NetTCPConnection -LocalPort ${port} -State Listen\`; Samba: \`smb ports\` in smb.conf).`,
          ],
          filter: streamFilter(c),
          references: meta.references,
        };
      });
    },
  },
};
