// TREE_CONNECT_FAILED: a TREE_CONNECT refused with a status no other tree finding explains (with a
// hint for the common ones), or an access denied the capture cannot decide between encryption and
// permissions (its NEGOTIATE is missing).
import { add, streamFilter } from "../context";
import { REF } from "../references";
import { statusLabel } from "../../names";
import { deniedBase, requestText, treeFrames, shareName } from "./shared/tree-text";
import type { FindingModule } from "./module";

const HINTS: Record<string, string> = {
  STATUS_BAD_NETWORK_PATH: "the server could not reach the path behind the share",
  STATUS_USER_SESSION_DELETED: "the session was logged off before the tree connect",
  STATUS_NETWORK_NAME_DELETED: "the share was removed or is being removed",
  STATUS_PATH_NOT_COVERED: "the path is a DFS link that this server does not hold: the client should be referred elsewhere",
  STATUS_INVALID_PARAMETER: "the request was malformed for this server",
};

const meta = {
  id: "TREE_CONNECT_FAILED" as const,
  severity: "error",
  when: "a TREE_CONNECT refused with another status, or an access denied the capture cannot decide (encryption or permissions: no NEGOTIATE)",
  references: [REF.smb2Tree, REF.article],
} satisfies FindingModule["meta"];

export const treeConnectFailed: FindingModule = {
  meta,
  visit: {
    tree(ctx, c, t, v) {
      if (v.id !== meta.id) return;
      const frames = treeFrames(t);
      if (v.undecided) {
        const undecided = v.undecided;
        add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames }, c, () => {
        const name = shareName(t.path);
        return {
          title: `Access to share "${name}" denied (encryption or permissions: undecided)`,
          explanation: `${deniedBase(c, t, v.shown)} The capture cannot tell whether the share requires encryption or the user lacks permission: ${undecided.why}. Check both.`,
          remediation: [
            `Encryption: \`Get-SmbShare -Name ${name} | select Name, EncryptData\` and \`Get-SmbServerConfiguration | select EncryptData, RejectUnencryptedAccess\`; if required, the client needs SMB 3 with encryption.`,
            `Permissions: \`Get-SmbShareAccess -Name ${name}\` and the folder's NTFS ACL (\`icacls\`); on Samba \`valid users\` and friends (\`testparm -s\`).`,
            "Capture from the start of the connection so that the NEGOTIATE is included; it decides the question.",
          ],
          filter: streamFilter(c), references: [REF.smb2Tree, REF.article],
        };
        });
        return;
      }
      add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames }, c, () => {
      const hint = HINTS[statusLabel(t.resp!.status)];
      return {
        title: `Tree connect to ${t.path || "a share"} failed: ${t.resp!.dos ?? v.shown}`,
        explanation: `The TREE_CONNECT to ${requestText(t)} was answered ${v.shown} (frame ${t.resp!.frame})${hint ? `: ${hint}` : ""}.`,
        remediation: [
          "Check the server's SMB event log (Microsoft-Windows-SMBServer/Operational) or Samba's log at that time for the reason.",
          "MS-SMB2 3.3.5.7 lists every check a server makes on TREE_CONNECT and the status each failure returns.",
        ],
        filter: streamFilter(c), references: [REF.smb2Tree],
      };
      });
    },
  },
};
