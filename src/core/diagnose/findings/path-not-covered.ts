// PATH_NOT_COVERED: a TREE_CONNECT or a CREATE answered STATUS_PATH_NOT_COVERED: the path lies in a
// part of a DFS namespace this server does not hold (a DFS link, or a namespace it is not a root
// target of), and the client must ask for a referral (FSCTL_DFS_GET_REFERRALS) and go where it
// points (MS-DFSC 3.1.5.1). Routine when the client then asks and the referral is answered; a
// failure when it never asks (a client without DFS, or with DFS turned off) or the referral fails.
// shared/precedence.ts leaves this status to this module.
import * as W from "../../../../assembly/wire";
import { connsWith, F, add, connsFromClientWith, foldedReferralsFrom, host, streamFilter, type ConnView, type DiagnoseContext } from "../context";
import { REF } from "../references";
import { statusLabel } from "../../names";
import type { ConnModel, DfsReferral, TreeConnect } from "../../model/types";
import type { FindingModule } from "./module";

/** The status says the path is in a part of a DFS namespace this server does not hold. */
export const notCovered = (status: number | undefined) => status !== undefined && (status >>> 0) === W.STATUS_PATH_NOT_COVERED;

/** An SMB2 TREE_CONNECT answered STATUS_PATH_NOT_COVERED (shared/precedence.ts leaves it to this module; SMB1 keeps the generic finding). */
export const treePathNotCovered = (t: TreeConnect) => !t.req.smb1 && notCovered(t.resp?.status);

interface Refusal { what: string; path: string; reqFrame: number; respFrame: number; share?: TreeConnect; dfsOp?: boolean }

/** "\\srv\share" + "dir\file" (a CREATE's name is relative to the share unless the client sent a DFS path). */
function fullPath(share: TreeConnect | undefined, name: string, dfsOp: boolean | undefined): string {
  if (dfsOp || !share?.path) return dfsOp && !name.startsWith("\\") ? `\\${name}` : name;
  return name ? `${share.path}\\${name}` : share.path;
}

function refusalsOf(c: ConnView): Refusal[] {
  const out: Refusal[] = [];
  for (const t of c.m.trees) {
    if (treePathNotCovered(t)) out.push({ what: "TREE_CONNECT", path: t.path, reqFrame: t.req.frame, respFrame: t.resp!.frame });
  }
  for (const r of c.m.beyond?.refused ?? []) {
    if (!notCovered(r.resp.status)) continue;
    const share = c.m.trees.find((t) => t.resp && r.resp.treeId !== undefined && t.resp.treeId === r.resp.treeId && (t.resp.status >>> 0) === 0);
    const name = r.req?.name;
    out.push({
      what: r.cmd === W.SMB2_CREATE ? "CREATE" : `SMB2 command ${r.cmd}`,
      path: name !== undefined ? fullPath(share, name, r.req?.dfsOp) : share?.path ?? "",
      reqFrame: r.req?.frame ?? 0, respFrame: r.resp.frame, share, dfsOp: r.req?.dfsOp,
    });
  }
  return out.sort((a, b) => a.respFrame - b.respFrame);
}

/**
 * The response frame of the first refusal of `m` this module reads (refusalsOf's first), or
 * undefined when it has none, or has an SMB1 TREE_CONNECT refused so (left to the generic tree
 * findings: model/fold.ts folds neither). With a referral of its client host answered with
 * success asked after that frame, the module gives `m` no finding, whatever comes later.
 */
export function firstRefusal(m: ConnModel): number | undefined {
  // (indexed loops: model/fold.ts asks this of each connection it folds with its diagnosis, where
  // the for…of iterators and the empty list were garbage for each)
  let first: number | undefined;
  for (let i = 0; i < m.trees.length; i++) {
    const t = m.trees[i];
    if (!t.resp || !notCovered(t.resp.status)) continue;
    if (t.req.smb1) return undefined;
    if (first === undefined || t.resp.frame < first) first = t.resp.frame;
  }
  const refused = m.beyond?.refused;
  if (refused) for (let i = 0; i < refused.length; i++) { const r = refused[i]; if (notCovered(r.resp.status) && (first === undefined || r.resp.frame < first)) first = r.resp.frame; }
  return first;
}

/** A referral request the client asked: its connection's record id and Report order, and the request. */
interface Asked { connId: string; order: number; r: DfsReferral }

/** The client's referral requests after `frame`, on any of its connections (it may ask another server, or on a new connection). */
function referralsAfter(ctx: DiagnoseContext, c: ConnView, frame: number): Asked[] {
  const out: Asked[] = [];
  // (an index of the client's connections that asked for referrals: a scan of every connection
  // per refusal was quadratic, and one of all connections is made for nothing else)
  for (const o of connsFromClientWith(ctx, F.REFERRALS, c.m.clientIp)) {
    for (const r of o.m.beyond?.referrals ?? []) if (r.req.frame > frame) out.push({ connId: o.s.id, order: o.m.order, r });
  }
  // and those of the folded connections: model/fold.ts Folder keeps every one a refusal can read
  for (const f of foldedReferralsFrom(ctx, c.m.clientIp)) if (f.r.req.frame > frame) out.push(f);
  // by request frame, then in Report order (stable: a connection's in its order), as when every
  // connection was a view (two connections never share a frame)
  return out.sort((a, b) => a.r.req.frame - b.r.req.frame || a.order - b.order);
}

/** `\\srv\root\link\file` → `\\srv\root\link`: the first folder below a namespace root, where a DFS link usually is. */
function firstFolder(path: string): string {
  const parts = path.replace(/"/g, "").split("\\").filter(Boolean);
  return `\\\\${parts.slice(0, Math.min(parts.length, 3)).join("\\")}`;
}

const ok = (r: DfsReferral) => r.resp !== undefined && (r.resp.status >>> 0) === 0;

export const pathNotCovered: FindingModule = {
  meta: {
    id: "PATH_NOT_COVERED",
    severity: "error",
    when: "a TREE_CONNECT or CREATE answered STATUS_PATH_NOT_COVERED (a DFS path this server does not hold) and the client asked for no referral afterwards, or its referral failed (a referral answered is routine, no finding)",
    references: [REF.dfscNotCovered, REF.dfscReferral, REF.smb2DfsFlag],
  },
  create(ctx) {
    for (const c of connsWith(ctx, F.PATH_NOT_COVERED)) {
      const all = refusalsOf(c);
      if (!all.length) continue;
      const r = all[0];
      const asked = referralsAfter(ctx, c, r.respFrame);
      // the normal DFS flow: the client asked and got a referral
      if (asked.some((x) => ok(x.r))) continue;
      const failed = asked.find((x) => x.r.resp);
      add(ctx, { id: this.meta.id, severity: "error", connection: c.s.id, frames: [r.reqFrame, r.respFrame, ...(failed ? [failed.r.req.frame, failed.r.resp!.frame] : [])].filter((x) => x > 0) }, c, () => {
      const srv = host(c.s.server);
      const path = r.path || "the path";
      const flags = r.share?.resp?.shareFlags;
      const dfsShare = flags !== undefined && (flags & (W.SMB2_SHAREFLAG_DFS | W.SMB2_SHAREFLAG_DFS_ROOT)) !== 0;
      const shareText = r.share
        ? ` The share ${r.share.path} ${dfsShare ? `is a DFS ${flags! & W.SMB2_SHAREFLAG_DFS_ROOT ? "root" : "share"}: its TREE_CONNECT response (frame ${r.share.resp!.frame}) said so in ShareFlags (0x${flags!.toString(16).padStart(8, "0")})` : "was connected before"}${r.dfsOp === false ? ", yet the client sent the CREATE without SMB2_FLAGS_DFS_OPERATIONS, as a plain path: it does not treat the share as DFS" : r.dfsOp ? " and the client sent the name as a DFS path (SMB2_FLAGS_DFS_OPERATIONS)" : ""}.`
        : "";
      const next = failed
        ? `The client did ask for a referral (FSCTL_DFS_GET_REFERRALS${failed.r.req.path ? ` for ${failed.r.req.path}` : ""}, frame ${failed.r.req.frame} on connection ${failed.connId}), but it was answered ${statusLabel(failed.r.resp!.status)} in frame ${failed.r.resp!.frame}, so it learned no target: the namespace has no (reachable) target for this path, or the server asked is not a DFS server (STATUS_FS_DRIVER_REQUIRED).`
        : asked.length
          ? `The client asked for a referral (frame ${asked[0].r.req.frame}), and the capture shows no answer to it.`
          : "The client asked for no referral afterwards (no FSCTL_DFS_GET_REFERRALS in the capture from this client): it does not follow DFS, so it cannot reach this path at all. Clients and libraries without DFS support, a Linux mount with `nodfs`, or a Windows client whose DFS client is turned off behave like this.";
      return {
        title: `${path} is a DFS path ${srv} does not hold${failed ? "; the referral failed" : asked.length ? "" : "; the client did not ask for a referral"}`,
        explanation: `The ${r.what} of ${path} (${r.reqFrame ? `frame ${r.reqFrame}` : "request not in the capture"}) was answered STATUS_PATH_NOT_COVERED in frame ${r.respFrame}. The server says the path lies in a part of a DFS namespace it does not hold (a DFS link pointing to another share or server, or a namespace this server is not a root target of); the client is expected to ask for a referral and open the path where the referral points (MS-DFSC 3.1.5.1). Neither the permissions nor the share name are the problem.${shareText} ${next}${all.length > 1 ? ` ${all.length - 1} more request${all.length > 2 ? "s" : ""} on this connection got the same answer.` : ""}`,
        remediation: [
          `See where the path is referred to: \`dfsutil diag viewdfspath "${path.replace(/"/g, "")}"\` on a Windows client, \`Get-DfsnFolderTarget -Path "${firstFolder(path)}"\` on the namespace server (the first folder below the root; a link can sit deeper); on Samba the link is a symbolic link in the share's directory whose target reads \`msdfs:server\\share\` (\`ls -l\`), and \`msdfs root = yes\` makes the share a DFS root.`,
          "Point the client at the target share directly (the mapping, script or application's path), or use a client that follows DFS referrals: Windows clients do unless the DFS client is disabled; Linux cifs mounts follow them unless mounted with `nodfs` (and needs the cifs keyutils/upcall for referrals to other servers); libraries need DFS support turned on.",
          ...(failed ? ["Check the namespace itself: `dfsdiag /testreferral /dfspath:<path>` on Windows; every target of the link must exist and be reachable from the client."] : []),
        ],
        filter: streamFilter(c),
        references: pathNotCovered.meta.references,
      };
      });
    }
  },
};
