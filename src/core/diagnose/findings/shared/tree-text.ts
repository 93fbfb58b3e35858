// Words, names and frames the TREE_CONNECT findings share.
import { connsWith, F, foldedToServer, type ConnView, type DiagnoseContext } from "../../context";
import { isError } from "../../../model/summarize";
import type { TreeConnect } from "../../../model/types";

/**
 * Per server host, the shares that connected anywhere in the capture (at most 50 each), in the
 * order first seen (connections in Report order, the folded ones among them: model/fold.ts). Of
 * the hosts of the connections kept to the end only (the folded ones have no refused tree).
 */
export function workingShares(ctx: DiagnoseContext): Map<string, string[]> {
  // (a list per host, each path once in the order first seen, as a Set would keep them: no Set
  // and no copy per server of a capture with tens of thousands)
  const by = new Map<string, string[]>();
  const put = (h: string, path: string) => {
    const l = by.get(h);
    if (!l) by.set(h, [path]);
    else if (l.length < 50 && !l.includes(path)) l.push(path);
  };
  const conns = connsWith(ctx, F.TREE_OK);
  for (let i = 0; i < conns.length; i++) { // (indexed: see walk.ts)
    const c = conns[i], trees = c.m.trees;
    for (let j = 0; j < trees.length; j++) {
      const t = trees[j];
      if (!t.resp || isError(t.resp.status) || !t.path) continue;
      put(c.m.serverIp, t.path); // host(c.s.server), as the model has it
    }
  }
  if (ctx.folded.length === 0) return by;
  // again with the folded ones merged in (both in Report order), for the hosts that have some
  const mine = new Map<string, ConnView[]>();
  for (let i = 0; i < ctx.conns.length; i++) {
    const h = ctx.conns[i].m.serverIp;
    if (!mine.has(h) && foldedToServer(ctx, h).length) mine.set(h, []);
  }
  for (let i = 0; i < conns.length; i++) mine.get(conns[i].m.serverIp)?.push(conns[i]);
  for (const [h, kept] of mine) {
    by.delete(h);
    const folded = foldedToServer(ctx, h);
    const full = () => (by.get(h)?.length ?? 0) >= 50;
    let j = 0;
    for (let i = 0; i <= kept.length && !full(); i++) {
      const c = i < kept.length ? kept[i] : null;
      for (; j < folded.length && (!c || ctx.folded.order(folded[j]) < c.m.order) && !full(); j++) for (const p of ctx.folded.shares(folded[j])) if (p) put(h, p);
      if (c) for (const t of c.m.trees) if (t.resp && !isError(t.resp.status) && t.path) put(h, t.path);
    }
  }
  return by;
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
