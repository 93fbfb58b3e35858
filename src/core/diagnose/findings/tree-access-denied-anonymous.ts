// TREE_ACCESS_DENIED_ANONYMOUS: a null session refused a share: the server's restrictions on
// anonymous users decide, not encryption and not a user's share permissions.
import { add, host, streamFilter } from "../context";
import { REF } from "../references";
import { isError } from "../../model/summarize";
import { deniedBase, treeFrames, shareName } from "./shared/tree-text";
import type { FindingModule } from "./module";

const meta = {
  id: "TREE_ACCESS_DENIED_ANONYMOUS" as const,
  severity: "error",
  when: "ACCESS_DENIED at TREE_CONNECT on a null session: the server's anonymous restrictions, not encryption",
  references: [REF.smb2Tree, REF.cifsSession, REF.article],
} satisfies FindingModule["meta"];

export const treeAccessDeniedAnonymous: FindingModule = {
  meta,
  visit: {
    tree(ctx, c, t, v) {
      if (v.id !== meta.id) return;
      add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames: treeFrames(t) }, c, () => {
      const name = shareName(t.path);
      const leg = c.m.sessions.find((l) => l.resp && !isError(l.resp.status));
      return {
        title: `Anonymous access to share "${name}" refused by ${host(c.s.server)}`,
        explanation: `${deniedBase(c, t, v.shown)} The session is anonymous (a null session: no user name and no password${leg ? `, set up in frame ${leg.resp!.frame}` : ""}), and the server does not let anonymous users reach this share. That is its restriction on null sessions, not a requirement for encryption${t.req.smb1 ? " (SMB1 has none)" : ""} and not the permissions of a named user.`,
        remediation: [
          "Usually the fix is on the client: connect with an account. A service running as Local System or Network Service on a non-domain machine, a script without credentials, or cached empty credentials (`cmdkey /list`, `net use`) make null sessions.",
          `Windows server: null sessions reach only the shares listed in \`NullSessionShares\` while \`RestrictNullSessAccess\` is 1 (the default), under HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters; the policies are "Network access: Shares that can be accessed anonymously" and "Network access: Restrict anonymous access to Named Pipes and Shares". Opening a share to anonymous users is rarely what you want.`,
          `Samba: \`restrict anonymous\` (2 refuses anonymous users every share; see \`testparm -sv | grep -i "restrict anonymous"\`) and, for guest access instead, \`guest ok = yes\` on the share with \`map to guest\`.`,
        ],
        filter: streamFilter(c), references: meta.references,
      };
      });
    },
  },
};
