// SMB1_IN_USE: a connection that works over SMB1: deprecated and insecure, and it stops working when
// either side is updated.
import { add, F, connsWith, FINDINGS_PER_ID, Smb1Tail, type ConnView, type DiagnoseContext } from "../context";
import { displayFilter } from "../../filters";
import { REF } from "../references";
import type { FindingModule } from "./module";
import type { FoldedSmb1 } from "../../model/types";
import type { FoldedRows } from "../../model/foldedRows";

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
      const folded = ctx.folded, n = folded.smb1Length, cs = connsWith(ctx, F.SMB1);
      // a folded one whose finding cannot be one of the first FINDINGS_PER_ID + 1 by frame (those
      // add keeps whole) is left to the Report's grouping as its row (context.ts Smb1Tail)
      const bound = n > FINDINGS_PER_ID + 1 ? wholeBound(folded, cs) : Infinity;
      const tail = bound === Infinity ? null : (ctx.smb1Tail = new Smb1Tail(folded));
      const one = (j: number) => { if (folded.smb1Frame(j) <= bound) reportFolded(ctx, folded.smb1(j)); else tail!.push(j); };
      let j = 0;
      for (let at = 0; at < cs.length; at++) { // (indexed: see walk.ts)
        const c = cs[at];
        for (; j < n && folded.smb1Order(j) < c.m.order; j++) one(j);
        const frame = reported(c);
        if (frame !== null) report(ctx, c.s.id, c.s.server, c.s.stream, frame, c.m.negotiates[c.m.negotiates.length - 1].resp!.dialect!, c);
      }
      for (; j < n; j++) one(j);
    },
  },
};

/** The frame of a view's finding (its NEGOTIATE response's), or null for none. */
function reported(c: ConnView): number | null {
  if (c.s.failedPhase === "negotiate") return null;
  const neg = c.m.negotiates[c.m.negotiates.length - 1];
  return neg?.resp?.smb1 && neg.resp.dialect ? neg.resp.frame : null;
}

/**
 * The frame of the (FINDINGS_PER_ID + 1)-th of this id's findings by frame, views' and folded
 * ones': a finding past it is never whole (context.ts add keeps those first ones whole, by frame).
 */
function wholeBound(folded: FoldedRows, cs: readonly ConnView[]): number {
  const least: number[] = []; // ascending, the K least so far
  const K = FINDINGS_PER_ID + 1;
  const put = (f: number) => {
    if (least.length === K && f >= least[K - 1]) return;
    let i = least.length === K ? K - 1 : least.length;
    for (; i > 0 && least[i - 1] > f; i--) least[i] = least[i - 1];
    least[i] = f;
  };
  for (let j = 0; j < folded.smb1Length; j++) put(folded.smb1Frame(j));
  for (const c of cs) { const f = reported(c); if (f !== null) put(f); }
  return least[K - 1];
}

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
