// CAPTURE_INCOMPLETE: what the capture misses that a verdict needs: a connection that started before
// it or that it ends in the middle of, lost segments; packets cut at the snapshot length; a damaged
// or truncated file (read up to the damage).
import { add, connsWith, F, streamFilter, type ConnView } from "../context";
import type { FindingModule } from "./module";

const meta = {
  id: "CAPTURE_INCOMPLETE" as const,
  severity: "warning",
  when: "what the capture misses: the connection started before it, lost segments, packets cut short (snapshot length), a damaged or truncated file",
  references: [] as string[],
} satisfies FindingModule["meta"];

export const captureIncomplete: FindingModule = {
  meta,
  visit: {
    capture(ctx) {
      const m = ctx.model;
      for (let at = 0, cs = connsWith(ctx, F.INCOMPLETE); at < cs.length; at++) { // (the others have none of the reasons below)
        const c = cs[at];
        const mid = c.m.midstream, gaps = c.m.gaps.length > 0, cut = c.s.outcome === "incomplete" && !!c.s.failedPhase;
        if (!mid && !gaps && !cut) continue;
        const frames: number[] = [];
        if (mid) frames.push(c.m.firstFrame);
        if (gaps) frames.push(...c.m.gaps.slice(0, 5).map((g) => g.frame));
        // Missing the TCP handshake alone hides nothing the verdict needs
        const severity = !gaps && !cut && c.m.negotiates.length > 0 ? "info" : "warning";
        add(ctx, { id: meta.id, severity, connection: c.s.id, frames: frames.length ? frames : [c.m.firstFrame] }, c, () => ({
          title: `Capture incomplete for ${c.s.client} → ${c.s.server}`,
          explanation: `The verdict for this connection is limited: ${reasonsOf(c).join("; ")}.`,
          remediation: [
            "Start the capture before the client connects (e.g. `net use \\\\server\\share /delete` first, or disconnect the mapped drive), and stop it after the failure shows.",
            "Capture on the client or the server itself rather than on a busy SPAN port, with a big enough buffer: `netsh trace start capture=yes` / `pktmon start --capture`, or `tcpdump -i <if> -s 0 -B 8192 -w file.pcap port 445 or port 88`.",
          ],
          filter: streamFilter(c), references: [],
        }));
      }
      // (a connection diagnosed alone has no warnings, diagnose/alone.ts: two lists made for each otherwise)
      if (m.warnings.length === 0 && !m.error) return;
      const fileProblems = m.warnings.filter((w) => /cut short|damaged|skipped/.test(w));
      const snaplen = m.warnings.filter((w) => /snapshot length/.test(w));
      if (snaplen.length && !fileProblems.length && !m.error) {
        add(ctx, {
          id: meta.id,
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
          id: meta.id,
          severity: "warning",
          title: m.error ? "The capture file is damaged: it was read up to the damage" : "The capture file is incomplete",
          explanation: [m.error, ...fileProblems].filter(Boolean).join(" "),
          remediation: ["Copy the capture again once the capture tool has stopped writing it, or recover it with `editcap` / Wireshark's \"Save As\"; what came before the damage is analysed above."],
          connection: null, frames: [], references: [],
        });
      }
    },
  },
};

/** Why the verdict of this connection is limited (at least one reason: capture(ctx) asks first). */
function reasonsOf(c: ConnView): string[] {
  const reasons: string[] = [];
  if (c.m.midstream) {
    reasons.push(c.m.negotiates.length === 0
      ? `the capture started after this connection was set up (first frame ${c.m.firstFrame} is not a SYN), so its NEGOTIATE and SESSION_SETUP are not in the capture: nothing can be said about how it was set up`
      : `the TCP handshake is not in the capture (first frame ${c.m.firstFrame} is not a SYN), but the SMB setup that follows is`);
  }
  if (c.m.gaps.length) {
    const bytes = c.m.gaps.reduce((a, g) => a + g.bytes, 0);
    reasons.push(`${bytes} bytes of this connection are missing from the capture (${c.m.gaps.length} gap${c.m.gaps.length > 1 ? "s" : ""}, first at frame ${c.m.gaps[0].frame}): the capture dropped packets`);
  }
  if (c.s.outcome === "incomplete" && c.s.failedPhase) reasons.push(`the capture ends ${c.s.failedPhase === "negotiate" ? "right after the NEGOTIATE request" : "while a request is still waiting for its answer"}`);
  return reasons;
}
