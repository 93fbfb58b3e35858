// Words, names and frames the TREE_CONNECT findings share.
import { has, F, host, type ConnView, type DiagnoseContext } from "../../context";
import { isError } from "../../../model/summarize";
import type { TreeConnect } from "../../../model/types";

/** Per server host, the shares that connected anywhere in the capture (at most 50 each). */
export function workingShares(ctx: DiagnoseContext): Map<string, string[]> {
  const by = new Map<string, Set<string>>();
  for (const c of ctx.conns) {
    if (!has(c, F.TREE_OK)) continue;
    for (const t of c.m.trees) {
      if (!t.resp || isError(t.resp.status) || !t.path) continue;
      const h = host(c.s.server);
      let set = by.get(h);
      if (!set) by.set(h, (set = new Set()));
      if (set.size < 50) set.add(t.path);
    }
  }
  return new Map([...by].map(([h, set]) => [h, [...set]]));
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
