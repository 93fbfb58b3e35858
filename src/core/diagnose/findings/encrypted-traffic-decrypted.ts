// ENCRYPTED_TRAFFIC_DECRYPTED: SMB3 messages the decrypt stage (src/core/decrypt/session.ts)
// opened with a secret the user gave; the other findings read them as if they had been clear.
// Also what ENCRYPTED_TRAFFIC (encrypted-traffic.ts) says about the messages that stayed closed:
// which secret would open them, or why the one given did not.
import { add, connsWith, F, streamFilter, type ConnView } from "../context";
import { REF } from "../references";
import type { SessionDecryption } from "../../report";
import type { FindingModule } from "./module";

export const SMB2_KEYS = "MS-SMB2 3.1.4.2 Generating Cryptographic Keys (SP800-108 KDF, the 3.1.1 pre-auth integrity hash)";
export const NLMP_SESSION_KEY = "MS-NLMP 3.3.2 NTLM v2 Authentication and 3.4.5.1 KXKEY (the session key from the NTLMv2 response)";
export const KILE_SESSION_KEY = "MS-KILE 3.1.1.2 Cryptographic Material and RFC 4120 5.3, 5.5 (a Kerberos session's key: the AP-REP subkey, else the authenticator's, else the ticket's, from the ticket the service keytab decrypts)";

const SECRET_WORDS = { password: "the password given", "session-key": "the session key given", keytab: "the keytab given" } as const;

/** Every encrypted message of this connection was decrypted: ENCRYPTED_TRAFFIC has nothing to say. */
export function allDecrypted(c: ConnView): boolean {
  const d = c.m.decryption;
  if (!d || !c.m.encrypted) return false;
  const opened = d.sessions.reduce((n, s) => n + (s.result === "decrypted" ? s.decrypted : 0), 0);
  return opened >= c.m.encrypted.count && d.sessions.every((s) => s.result === "decrypted" && s.failed === 0);
}

const who = (s: SessionDecryption) => `session ${s.sessionId}${s.user ? ` (${s.user})` : ""}`;

/**
 * For ENCRYPTED_TRAFFIC: the sentence on what would open the messages still encrypted. With
 * secrets given, each session's result in words; without, the secret this connection's logon
 * calls for.
 */
export function stillEncryptedText(c: ConnView): string {
  const d = c.m.decryption;
  if (d) {
    const closed = d.sessions.filter((s) => s.result !== "decrypted" || s.failed > 0);
    return closed.map((s) => `${who(s)[0].toUpperCase()}${who(s).slice(1)}: ${s.result === "wrong-secret" ? "wrong secret, " : s.result === "unsupported" ? "not decrypted, " : "no secret for it, "}${s.why ?? "not decrypted"}.`).join(" ");
  }
  if (c.s.auth === "ntlm") return `The password of ${c.s.user ?? "the NTLM user"} would decrypt them.`;
  if (c.s.auth === "kerberos") return `The session is Kerberos: the keytab of the server's service account, or the session's key, would decrypt them${c.s.user ? ` (user ${c.s.user})` : ""}.`;
  if (c.s.auth === "guest" || c.s.auth === "anonymous") return `A ${c.s.auth} session has no key of its own to decrypt with.`;
  return "The session's key would decrypt them (its SESSION_SETUP is not in the capture, so the logon is unknown).";
}

/** For ENCRYPTED_TRAFFIC: what to do, the secret to give and where. */
export function stillEncryptedRemedy(c: ConnView): string {
  const where = "`smbscope --password-file FILE` (one password a line), `--session-key SESSIONID:HEX` or `--keytab FILE`, or the Decrypt panel of the page; secrets stay on this machine and are never saved";
  if (c.m.decryption) return `Nothing to fix here. To see the rest, give the right secret: ${where}.`;
  if (c.s.auth === "ntlm") return `Nothing to fix. To see inside, give the password of ${c.s.user ?? "the user"}: ${where}. With it, the share names and statuses hidden here are diagnosed like clear ones.`;
  if (c.s.auth === "kerberos") return `Nothing to fix. To see inside, give the keytab of the server's account (on a domain controller: \`samba-tool domain exportkeytab FILE --principal=cifs/SERVER\`, or \`ktpass\`; it holds that account's keys, keep it as safe as its password) or the session's key: ${where}.`;
  return `Nothing to fix. To see inside, give the session's key: ${where} (Wireshark's SMB2 "Secret session keys for decryption" take the same key); or reproduce against a test share without encryption.`;
}

export const encryptedTrafficDecrypted: FindingModule = {
  meta: {
    id: "ENCRYPTED_TRAFFIC_DECRYPTED", severity: "info",
    when: "SMB3 encrypted messages decrypted with a password, session key or keytab the user gave",
    references: [SMB2_KEYS, NLMP_SESSION_KEY, KILE_SESSION_KEY],
  },
  create(ctx) {
    for (let at = 0, cs = connsWith(ctx, F.ENCRYPTED); at < cs.length; at++) { // (indexed: see walk.ts)
      const c = cs[at];
      const e = c.m.encrypted, d = c.m.decryption;
      if (!e || !d) continue; // (no secret given: nothing decrypted, and no list made per connection)
      const opened = d.sessions.filter((s) => s.result === "decrypted");
      if (opened.length === 0) continue;
      add(ctx, { id: this.meta.id, severity: "info", connection: c.s.id, frames: [e.firstFrame] }, c, () => {
      const n = opened.reduce((k, s) => k + s.decrypted, 0);
      const trees = c.m.trees.filter((t) => t.req.decrypted);
      return {
        title: `SMB3 encryption from frame ${e.firstFrame} on: decrypted`,
        explanation: `${n} of the ${e.count} encrypted messages (SMB2 TRANSFORM) on this connection were decrypted with ${opened.map((s) => `${SECRET_WORDS[s.secret ?? "password"]} for ${who(s)}`).join(", ")}, and read as if they had been sent in the clear: ${trees.length ? `the TREE_CONNECTs to ${trees.map((t) => `${t.path || "a share"} (frame ${t.req.frame})`).join(", ")} are among them` : "no TREE_CONNECT is among them"}. Messages needed whole (setup commands, errors, compounds) were authenticated; of bulk messages only the SMB2 header was decrypted.${allDecrypted(c) ? "" : " The others stayed encrypted (see ENCRYPTED_TRAFFIC)."}`,
        remediation: ["Nothing to fix: the findings above read the decrypted messages. The secret was used on this machine only and is not part of this report."],
        filter: streamFilter(c),
        references: [REF.smb2Transform, SMB2_KEYS, ...(opened.some((s) => s.secret !== "keytab") ? [NLMP_SESSION_KEY] : []), ...(opened.some((s) => s.secret === "keytab") ? [KILE_SESSION_KEY] : [])],
      };
      });
    }
  },
};
