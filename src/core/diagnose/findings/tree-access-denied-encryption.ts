// TREE_ACCESS_DENIED_ENCRYPTION: access denied because encryption is required and this client cannot
// encrypt (the deciding evidence from NEGOTIATE, shared/encryption.ts). Told for a TREE_CONNECT
// denied on such a connection (the share requires it, MS-SMB2 3.3.5.7), and as the likely cause
// after a SESSION_ACCESS_DENIED (a server that requires it for every share, MS-SMB2 3.3.5.5).
import { add, host, streamFilter } from "../context";
import { REF } from "../references";
import { encryptionRemedies } from "./shared/encryption";
import { legFrames } from "./shared/session-text";
import { deniedBase, treeFrames, shareName } from "./shared/tree-text";
import type { FindingModule } from "./module";

const meta = {
  id: "TREE_ACCESS_DENIED_ENCRYPTION" as const,
  severity: "error",
  when: "ACCESS_DENIED at TREE_CONNECT (or SESSION_SETUP) on a connection whose NEGOTIATE shows the client cannot encrypt: encryption required",
  references: [REF.smb2Tree, REF.smb2Session, REF.smb2Ctx, REF.article],
} satisfies FindingModule["meta"];

export const treeAccessDeniedEncryption: FindingModule = {
  meta,
  visit: {
    tree(ctx, c, t, v) {
      if (v.id !== meta.id) return;
      add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames: treeFrames(t) }, c, () => {
      const name = shareName(t.path);
      return {
        title: `Share "${name}" requires encryption; this client cannot encrypt`,
        explanation: `${deniedBase(c, t, v.shown)} Deciding evidence: ${v.enc.why}. A share that requires encryption refuses clients that cannot encrypt with exactly this status (MS-SMB2 3.3.5.7), whatever their permissions. If the share does not require encryption after all, check permissions as for any access denied.`,
        remediation: encryptionRemedies(host(c.s.server), name || null),
        filter: streamFilter(c), references: [REF.smb2Tree, REF.smb2Ctx, REF.article],
      };
      });
    },
    // after SESSION_ACCESS_DENIED at the same failure (findings/index.ts lists it after that module)
    sessionFailure(ctx, c, f) {
      if (f.id !== "SESSION_ACCESS_DENIED" || f.enc?.can !== false || f.extra) return;
      const why = f.enc.why;
      add(ctx, { id: meta.id, severity: "error", connection: c.s.id, frames: legFrames(f.leg) }, c, () => ({
        title: `Likely cause: ${host(c.s.server)} requires encryption and this client cannot encrypt`,
        explanation: `Session setup was denied and ${why}. Servers that require encryption for every share refuse such sessions outright (MS-SMB2 3.3.5.5: when Session.EncryptData is required and the connection cannot encrypt, the server fails with STATUS_ACCESS_DENIED).`,
        remediation: encryptionRemedies(host(c.s.server), null),
        filter: streamFilter(c), references: [REF.smb2Session, REF.smb2Ctx, REF.article],
      }));
    },
  },
};
