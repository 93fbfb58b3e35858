// SMB1_IN_USE: a connection that works over SMB1: deprecated and insecure, and it stops working when
// either side is updated.
import { add, F, connsWith, type ConnView, type DiagnoseContext } from "../context";
import { displayFilter } from "../../filters";
import { REF } from "../references";
import type { FindingModule } from "./module";
import type { FoldedSmb1 } from "../../model/types";

const meta = {
  id: "SMB1_IN_USE" as const,
  severity: "warning",
  when: "a connection that negotiated SMB1 (deprecated, insecure, disabled by default on current systems)",
  references: [REF.smb2Negotiate],
} satisfies FindingModule["meta"];

/** (model/fold.ts folds a healthy SMB1 connection with this finding, for this module to give) */
export const SMB1_IN_USE = meta.id;

export const smb1InUse: FindingModule = {
  meta,
  visit: {
    capture(ctx) {
      // the views and the folded SMB1 connections (model/fold.ts), both in Report order, merged
      const folded = ctx.folded, n = folded.smb1Length;
      let j = 0;
      for (let at = 0, cs = connsWith(ctx, F.SMB1); at < cs.length; at++) { // (indexed: see walk.ts)
        const c = cs[at];
        for (; j < n && folded.smb1Order(j) < c.m.order; j++) reportFolded(ctx, folded.smb1(j));
        if (c.s.failedPhase === "negotiate") continue;
        const neg = c.m.negotiates[c.m.negotiates.length - 1];
        if (!neg?.resp?.smb1 || !neg.resp.dialect) continue;
        report(ctx, c.s.id, c.s.server, c.s.stream, neg.resp.frame, neg.resp.dialect, c);
      }
      for (; j < n; j++) reportFolded(ctx, folded.smb1(j));
    },
  },
};

// (its record lists the finding already)
const reportFolded = (ctx: DiagnoseContext, f: FoldedSmb1) => report(ctx, f.row.id, f.row.server, f.row.stream, f.frame, f.dialect, undefined);

// (in a function of its own: a closure in the loop made every pass allocate its context)
function report(ctx: DiagnoseContext, connection: string, server: string, stream: number, frame: number, dialect: string, c: ConnView | undefined): void {
  add(ctx, { id: meta.id, severity: "warning", connection, frames: [frame] }, c, () => ({
    title: `SMB1 (${dialect}) negotiated with ${server}`,
    explanation: `This connection uses SMB1 (frame ${frame}). SMB1 is deprecated and insecure, disabled by default on current Windows and Samba, and will stop working when either side is updated.`,
    remediation: ["Move the client and server to SMB 2 or later; then disable SMB1: `Set-SmbServerConfiguration -EnableSMB1Protocol $false`, `server min protocol = SMB2_02` on Samba."],
    filter: displayFilter({ stream }), references: meta.references,
  }));
}
