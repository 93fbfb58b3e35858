// ENCRYPTED_TRAFFIC: SMB3 encryption (TRANSFORM headers) from some frame on: what it hides, and why
// the connection encrypts (the session's or a share's ENCRYPT_DATA flag, or the sides' choice).
import { has, F, add, type ConnView, type DiagnoseContext } from "../context";
import { REF } from "../references";
import { displayFilter } from "../../filters";
import type { FindingModule } from "./module";
import { allDecrypted, stillEncryptedText, stillEncryptedRemedy } from "./encrypted-traffic-decrypted";

const meta = {
  id: "ENCRYPTED_TRAFFIC" as const,
  severity: "info",
  when: "SMB3 encrypted messages (TRANSFORM header) on a connection: their commands and statuses are hidden",
  references: [REF.smb2Transform],
} satisfies FindingModule["meta"];

export const encryptedTraffic: FindingModule = {
  meta,
  visit: {
    treeConnection(ctx, c) {
      if (!has(c, F.ENCRYPTED)) return;
      report(ctx, c);
    },
  },
};

// (the finding in a function of its own: a closure in the visitor, called for every connection,
// made each call allocate its context)
function report(ctx: DiagnoseContext, c: ConnView): void {
  const e = c.m.encrypted;
  if (!e || allDecrypted(c)) return; // ENCRYPTED_TRAFFIC_DECRYPTED says what was read
  add(ctx, { id: meta.id, severity: "info", connection: c.s.id, frames: [e.firstFrame] }, c, () => {
  const why = c.s.encryption === "session" ? "the session requires encryption (SessionFlags ENCRYPT_DATA)"
    : c.s.encryption === "share" ? `the share ${c.s.shares.filter((s) => s.encrypted).map((s) => s.path).join(", ")} requires encryption (ShareFlags ENCRYPT_DATA)`
      : "the client or server chose to encrypt";
  const hiddenTrees = c.m.trees.length === 0 ? " Any TREE_CONNECT after that point is inside the encryption, so share names and their statuses cannot be read; the connection kept exchanging messages, so it was not refused at that point." : "";
  return {
    title: `SMB3 encryption from frame ${e.firstFrame} on`,
    explanation: `From frame ${e.firstFrame}, ${e.count} SMB message${e.count > 1 ? "s" : ""} on this connection are encrypted (SMB2 TRANSFORM header): ${why}. Their commands and statuses are not visible in a capture.${hiddenTrees} ${stillEncryptedText(c)}`,
    remediation: [stillEncryptedRemedy(c)],
    filter: displayFilter({ stream: c.s.stream, fromFrame: e.firstFrame }), references: meta.references,
  };
  });
}
