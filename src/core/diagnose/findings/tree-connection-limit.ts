// TREE_CONNECTION_LIMIT: a TREE_CONNECT refused because a connection limit is reached, not because
// of the share name or permissions. Samba answers STATUS_INSUFFICIENT_RESOURCES when a share's
// `max connections` is full (seen in fixtures/share-max-connections.pcap); Windows answers
// STATUS_REQUEST_NOT_ACCEPTED (or STATUS_INSUFF_SERVER_RESOURCES) when a share's user limit or a
// client edition's inbound limit is reached. shared/precedence.ts leaves these statuses to this module.
import { connsWith, F, add, connsToServer, host, streamFilter, type ConnView, type DiagnoseContext } from "../context";
import { REF } from "../references";
import { statusLabel, statusInWords } from "../../names";
import type { TreeConnect } from "../../model/types";
import type { FindingModule } from "./module";

export const LIMIT_STATUSES: ReadonlySet<string> = new Set(["STATUS_INSUFFICIENT_RESOURCES", "STATUS_INSUFF_SERVER_RESOURCES", "STATUS_REQUEST_NOT_ACCEPTED"]);

/** A TREE_CONNECT answered with one of the connection-limit statuses (shared/precedence.ts leaves these to this module). */
export const treeConnectionLimited = (t: TreeConnect) => !!t.resp && LIMIT_STATUSES.has(statusLabel(t.resp.status));

/** Windows client editions (10/11 Pro, Home…) accept at most 20 inbound SMB connections; servers have no such cap. */
export const WINDOWS_CLIENT_LIMIT = 20;

/** The remedies for a server that reached a connection limit (shared with SESSION_SETUP_FAILED and NEGOTIATE_FAILED). */
export function limitRemedies(server: string, share: string | null): string[] {
  const s = share ?? "<share>";
  return [
    `Samba: the share's \`max connections\` (0 = unlimited) caps how many connections it takes at once; see \`testparm -s --section-name=${s}\` and who holds them with \`smbstatus -S\`. Raise the limit or close idle sessions.`,
    `Windows server: \`Get-SmbShare -Name ${s} | fl ConcurrentUserLimit\` (0 = no limit); raise it with \`Set-SmbShare -Name ${s} -ConcurrentUserLimit 0\` (or a larger number), or \`net share ${s} /unlimited\` / \`net share ${s} /users:<number>\`.`,
    `Windows 10/11 (client editions) as the file server: at most ${WINDOWS_CLIENT_LIMIT} other computers can be connected at once, whatever the share settings; \`Get-SmbSession\` on ${server} lists them. Close idle connections (\`net use * /delete\` on the clients) or move the share to a Windows Server or Samba.`,
  ];
}

/** What STATUS_REQUEST_NOT_ACCEPTED means before any share is named (NEGOTIATE_FAILED, SESSION_SETUP_FAILED). */
export const NOT_ACCEPTED_TEXT = `STATUS_REQUEST_NOT_ACCEPTED means the server takes no more connections: it is at its limit of connected clients, typically a Windows 10/11 client edition serving files with ${WINDOWS_CLIENT_LIMIT} computers already connected (Windows shows "No more connections can be made to this remote computer at this time"). The user name and password are not what it refused.`;

/** Other connections to the same server open when frame `at` went by, and how many had this share connected by then. */
function othersAt(ctx: DiagnoseContext, c: ConnView, at: number, path: string): { server: number; share: number } {
  const h = host(c.s.server);
  const p = path.toLowerCase();
  let server = 0;
  let share = 0;
  // (no folded connection was open then: model/fold.ts Folder does not fold one that could be)
  for (const o of connsToServer(ctx, h)) {
    if (o === c || o.s.firstFrame > at || o.s.lastFrame < at) continue;
    server++;
    if (p && o.m.trees.some((t) => t.path.toLowerCase() === p && t.resp && t.resp.frame < at && statusLabel(t.resp.status) === "STATUS_SUCCESS")) share++;
  }
  return { server, share };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export const treeConnectionLimit: FindingModule = {
  meta: {
    id: "TREE_CONNECTION_LIMIT",
    severity: "error",
    when: "TREE_CONNECT refused with STATUS_INSUFFICIENT_RESOURCES, STATUS_INSUFF_SERVER_RESOURCES or STATUS_REQUEST_NOT_ACCEPTED: the share's or server's connection limit is reached",
    references: [REF.smb2Tree, REF.article],
  },
  create(ctx) {
    for (const c of connsWith(ctx, F.TREE_LIMITED)) {
      for (const t of c.m.trees) {
        if (!treeConnectionLimited(t)) continue;
        const r = t.resp!;
        add(ctx, { id: this.meta.id, severity: "error", connection: c.s.id, frames: [t.req.frame, r.frame].filter((x) => x > 0) }, c, () => {
        const name = t.path.split("\\").filter(Boolean).slice(1).join("\\") || null;
        const server = host(c.s.server);
        const seen = othersAt(ctx, c, r.frame, t.path);
        const inCapture = seen.server === 0
          ? `The capture shows no other connection to ${server} open at that moment, so the connections that fill the limit come from elsewhere (other clients, or ones opened before the capture began).`
          : `At that moment the capture shows ${plural(seen.server, "other connection", "other connections")} to ${server} open${t.path ? `, ${seen.share} of them with ${t.path} connected` : ""}; connections from other clients or opened before the capture began count as well.`;
        return {
          title: `${name ? `Share "${name}"` : "The share"} on ${server} refused a connection: connection limit reached`,
          explanation: `The TREE_CONNECT to ${t.path || "a share"} (${t.req.frame ? `frame ${t.req.frame}` : "request not in the capture"}) was answered ${statusInWords(r)} (frame ${r.frame}). The session was set up, so the name, password and permissions are not what failed: the server refuses further connections because a limit is reached (MS-SMB2 3.3.5.7: among its checks the server counts the share's current uses against its maximum and refuses a tree connect it cannot allocate). Samba answers this way when the share's \`max connections\` is full; Windows when the share's user limit (ConcurrentUserLimit) is reached, or when a Windows 10/11 client edition acting as the file server already has ${WINDOWS_CLIENT_LIMIT} computers connected. ${inCapture} It works again as soon as a connection goes away.`,
          remediation: limitRemedies(server, name),
          filter: streamFilter(c),
          references: treeConnectionLimit.meta.references,
        };
        });
      }
    }
  },
};
