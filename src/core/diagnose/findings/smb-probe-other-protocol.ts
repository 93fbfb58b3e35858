// SMB_PROBE_OTHER_PROTOCOL: an SMB client that reached something other than an SMB server (an HTTP
// server on port 80, nmap's SMB probe to an RPC port): at most an info line, not a failed connection.
import { add } from "../context";
import { REF } from "../references";
import { WELL_KNOWN } from "./shared/ports";
import type { FindingModule } from "./module";

/** The first bytes of an answer, in hex and as text ("48 54 54 50 (\"HTTP\")"). */
function startText(v: number, n: number): string {
  const b = [24, 16, 8, 0].slice(0, Math.min(4, n)).map((s) => (v >>> s) & 0xff);
  const hex = b.map((x) => x.toString(16).padStart(2, "0")).join(" ");
  const ascii = b.map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : ".")).join("");
  return `${hex} ("${ascii}")`;
}

const meta = {
  id: "SMB_PROBE_OTHER_PROTOCOL" as const,
  severity: "info",
  when: "an SMB client answered by another protocol, or not in SMB, on a port that is not SMB's (a scanner, a client pointed at the wrong port)",
  references: [REF.nbssPackets],
} satisfies FindingModule["meta"];

export const smbProbeOtherProtocol: FindingModule = {
  meta,
  visit: {
    capture(ctx) {
      for (const p of ctx.model.probes) {
        const port = Number(p.server.slice(p.server.lastIndexOf(":") + 1));
        const service = WELL_KNOWN[port] ? ` (usually ${WELL_KNOWN[port]})` : "";
        const answered = p.answerFrame !== null;
        add(ctx, {
          id: meta.id,
          severity: "info",
          title: answered ? `SMB probe to ${p.server} answered by another protocol` : `SMB probe to ${p.server} not answered in SMB`,
          explanation: answered
            ? `${p.client} sent SMB to ${p.server}${service} (frame ${p.firstFrame}), and the server answered in frame ${p.answerFrame} with ${p.answerBytes} bytes that are not SMB (they start ${startText(p.answerStart ?? 0, p.answerBytes)}): another service listens on that port. This is not an SMB connection and says nothing about the server's SMB; a scanner (nmap -sV, or its smb-protocols script) or a client pointed at the wrong port does this.`
            : `${p.client} sent SMB to ${p.server}${service} (frame ${p.firstFrame}), a port that is not SMB's (445, or 139 for NetBIOS), and the server never answered in SMB. This is not an SMB connection; a scanner or a client pointed at the wrong port does this.`,
          remediation: ["Nothing to do if this was a scan. If a client should reach an SMB server here, point it at TCP 445 (or 139)."],
          connection: null, frames: answered ? [p.firstFrame, p.answerFrame!] : [p.firstFrame], filter: `tcp.stream eq ${p.stream}`, references: meta.references,
        });
      }
    },
  },
};
