// TREE_BAD_NETWORK_NAME: a TREE_CONNECT to a share the server does not have, with the shares that
// did connect on that server in the capture.
import { add, host, streamFilter } from "../context";
import { REF } from "../references";
import { requestText, treeFrames, shareName } from "./shared/tree-text";
import type { FindingModule } from "./module";

const meta = {
  id: "TREE_BAD_NETWORK_NAME" as const,
  severity: "error",
  when: "a TREE_CONNECT answered STATUS_BAD_NETWORK_NAME: no share by that name (with the shares that did connect)",
  references: [REF.smb2Tree, REF.article],
} satisfies FindingModule["meta"];

export const treeBadNetworkName: FindingModule = {
  meta,
  visit: {
    tree(ctx, c, t, v) {
      if (v.id !== meta.id) return;
      add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames: treeFrames(t) }, c, () => {
      const ok = v.working();
      const name = shareName(t.path);
      return {
        title: `Share "${name}" does not exist on ${host(c.s.server)}`,
        explanation: `The client asked to connect to ${requestText(t)} with TREE_CONNECT and the server answered ${v.shown} (frame ${t.resp!.frame}): it has no share by that name. The path above is exactly what was sent, so check it for a typo. ${ok.length ? `On this server these shares did connect in the capture: ${ok.join(", ")}.` : "No other share connected on this server in the capture."}`,
        remediation: [
          `List the server's shares: \`Get-SmbShare\` on Windows, \`net view \\\\${host(c.s.server)}\` from a client, \`smbclient -L ${host(c.s.server)} ${c.s.user ? `-U '${c.s.user}'` : c.s.auth === "anonymous" ? "-N" : "-U <user>"}\` or \`testparm -s\` on Samba.`,
          "Correct the path in the mapping, shortcut, script or GPO that uses it.",
          "If the share should exist: it may be on another server (DFS namespace or a migrated share), or its folder may be missing so that the server dropped it (Samba logs \"canonicalize_connect_path failed\"); a cluster share exists only on the node or name that owns it.",
        ],
        filter: streamFilter(c), references: meta.references,
      };
      });
    },
  },
};
