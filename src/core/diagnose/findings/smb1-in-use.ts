// SMB1_IN_USE: a connection that works over SMB1: deprecated and insecure, and it stops working when
// either side is updated.
import { add, F, connsWith, streamFilter, type ConnView, type DiagnoseContext } from "../context";
import { REF } from "../references";
import type { FindingModule } from "./module";
import type { NegotiateInfo } from "../../model/types";

const meta = {
  id: "SMB1_IN_USE" as const,
  severity: "warning",
  when: "a connection that negotiated SMB1 (deprecated, insecure, disabled by default on current systems)",
  references: [REF.smb2Negotiate],
} satisfies FindingModule["meta"];

export const smb1InUse: FindingModule = {
  meta,
  visit: {
    capture(ctx) {
      for (let at = 0, cs = connsWith(ctx, F.SMB1); at < cs.length; at++) { // (indexed: see walk.ts)
        const c = cs[at];
        if (c.s.failedPhase === "negotiate") continue;
        const neg = c.m.negotiates[c.m.negotiates.length - 1];
        if (!neg?.resp?.smb1 || !neg.resp.dialect) continue;
        report(ctx, c, neg);
      }
    },
  },
};

// (in a function of its own: a closure in the loop made every pass allocate its context)
function report(ctx: DiagnoseContext, c: ConnView, neg: NegotiateInfo): void {
  add(ctx, { id: meta.id, severity: "warning", connection: c.s.id, frames: [neg.resp!.frame] }, c, () => ({
    title: `SMB1 (${neg.resp!.dialect}) negotiated with ${c.s.server}`,
    explanation: `This connection uses SMB1 (frame ${neg.resp!.frame}). SMB1 is deprecated and insecure, disabled by default on current Windows and Samba, and will stop working when either side is updated.`,
    remediation: ["Move the client and server to SMB 2 or later; then disable SMB1: `Set-SmbServerConfiguration -EnableSMB1Protocol $false`, `server min protocol = SMB2_02` on Samba."],
    filter: streamFilter(c), references: meta.references,
  }));
}
