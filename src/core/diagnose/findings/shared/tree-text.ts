// Words, names and frames the TREE_CONNECT findings share.
import { connsWith, F, foldedToServer, type ConnView, type DiagnoseContext } from "../../context";
import { isError } from "../../../model/summarize";
import type { TreeConnect } from "../../../model/types";

/** The shares that connected on a server host anywhere in the capture (workingShares). */
export type WorkingShares = (serverHost: string) => string[];

/**
 * Per server host, the shares that connected anywhere in the capture (at most 50 each), in the
 * order first seen (connections in Report order, the folded ones among them: model/fold.ts). Of
 * the hosts of the connections kept to the end only (the folded ones have no refused tree).
 * Found for a host when first asked (the texts of a finding the Report shows whole ask): a
 * capture of 50,000 connections has tens of thousands of server hosts, a few asked of.
 */
export function workingShares(ctx: DiagnoseContext): WorkingShares {
  let byHost: Map<string, ConnView[]> | null = null;
  // (made when first asked: the walk makes one of these for each connection diagnosed alone, most never asked)
  let found: Map<string, string[]> | null = null;
  return (h) => {
    let l = (found ??= new Map()).get(h);
    if (l) return l;
    if (!byHost) {
      // the connections with a tree connected, by server host, in Report order
      byHost = new Map();
      const conns = connsWith(ctx, F.TREE_OK);
      for (let i = 0; i < conns.length; i++) { // (indexed: see walk.ts)
        const c = conns[i], k = byHost.get(c.m.serverIp); // host(c.s.server), as the model has it
        if (k) k.push(c); else byHost.set(c.m.serverIp, [c]);
      }
    }
    found.set(h, (l = sharesOf(ctx, byHost.get(h) ?? [], foldedToServer(ctx, h))));
    return l;
  };
}

/** The shares connected on the connections `kept` and `folded` (one host's, both in Report order; `folded` rows of ctx.folded), merged in that order. */
function sharesOf(ctx: DiagnoseContext, kept: readonly ConnView[], folded: readonly number[]): string[] {
  // (each path once in the order first seen, as a Set would keep them)
  const l: string[] = [];
  const put = (path: string) => { if (l.length < 50 && !l.includes(path)) l.push(path); };
  let j = 0;
  for (let i = 0; i <= kept.length && l.length < 50; i++) {
    const c = i < kept.length ? kept[i] : null;
    for (; j < folded.length && (!c || ctx.folded.order(folded[j]) < c.m.order) && l.length < 50; j++) for (const p of ctx.folded.shares(folded[j])) if (p) put(p);
    if (c) for (const t of c.m.trees) if (t.resp && !isError(t.resp.status) && t.path) put(t.path);
  }
  return l;
}

/** "\\srv\share (frame 9)", in words when the request is not in the capture (a response paired with none). */
export function requestText(t: TreeConnect, extra = ""): string {
  return `${t.path || "a share"} (${t.req.frame ? `frame ${t.req.frame}` : "request not in the capture"}${extra})`;
}

/** The frames of a tree connect that are in the capture. */
export const treeFrames = (t: TreeConnect) => [t.req.frame, t.resp!.frame].filter((x) => x > 0);

/** "\\srv\a\b" → "a\b" (the path itself when it names no share) */
export function shareName(path: string): string {
  return path.split("\\").filter(Boolean).slice(1).join("\\") || path;
}

/** The first sentence of every access-denied finding at TREE_CONNECT; `shown` is the status as the capture shows it. */
export function deniedBase(c: ConnView, t: TreeConnect, shown: string): string {
  return `The TREE_CONNECT to ${requestText(t, c.s.user ? `, user ${c.s.user}` : "")} was answered ${shown} (frame ${t.resp!.frame}).`;
}
