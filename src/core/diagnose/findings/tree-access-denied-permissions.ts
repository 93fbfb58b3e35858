// TREE_ACCESS_DENIED_PERMISSIONS: the share refused a named user once encryption is ruled out:
// share permissions (or Samba's user lists) do not let this account in.
import { add, streamFilter } from "../context";
import { REF } from "../references";
import { deniedBase, treeFrames, shareName } from "./shared/tree-text";
import type { FindingModule } from "./module";
import { DECRYPTED_RULES_OUT } from "./shared/precedence";

const meta = {
  id: "TREE_ACCESS_DENIED_PERMISSIONS" as const,
  severity: "error",
  when: "ACCESS_DENIED at TREE_CONNECT with encryption ruled out (the client could encrypt, SMB1, or a server without SMB 3): share permissions",
  references: [REF.smb2Tree, REF.article],
} satisfies FindingModule["meta"];

export const treeAccessDeniedPermissions: FindingModule = {
  meta,
  visit: {
    tree(ctx, c, t, v) {
      if (v.id !== meta.id) return;
      add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames: treeFrames(t) }, c, () => {
      const name = shareName(t.path);
      const why = v.ruledOut === DECRYPTED_RULES_OUT
        ? `${deniedBase(c, t, v.shown)} Permissions, not encryption: this session was encrypted (the TREE_CONNECT itself travelled encrypted and was decrypted here), so the server had nothing to refuse on that account.`
        : `${deniedBase(c, t, v.shown)} Encryption is ruled out: ${v.ruledOut}.`;
      return {
        title: `Access to share "${name}" denied${c.s.user ? ` for ${c.s.user}` : ""}`,
        explanation: `${why} The server refused this user access to the share itself: share permissions (or Samba's \`valid users\`/\`invalid users\`/\`hosts allow\`) do not let this account in.`,
        remediation: [
          `On Windows: \`Get-SmbShareAccess -Name ${name}\` shows who may connect; grant with \`Grant-SmbShareAccess -Name ${name} -AccountName ${c.s.user ?? "<user or group>"} -AccessRight Change\`. Also check NTFS permissions on the folder (\`Get-Acl\`, \`icacls\`), as the troubleshooting article says: both must allow the user.`,
          `On Samba: \`testparm -s --section-name=${name}\` and look at \`valid users\`, \`invalid users\`, \`read list\`, \`hosts allow\`/\`hosts deny\`; check that the share's path exists and is accessible to the mapped Unix user.`,
          "Check that the folder behind the share exists and its disk is online.",
          "Group membership changes need a new logon (a new SMB session) to take effect.",
        ],
        filter: streamFilter(c), references: meta.references,
      };
      });
    },
  },
};
