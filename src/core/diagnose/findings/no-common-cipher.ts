// NO_COMMON_CIPHER: the server answered the client's SMB2_ENCRYPTION_CAPABILITIES with cipher 0
// (MS-SMB2 3.3.5.4: none of the client's ciphers is one it takes), so the connection cannot encrypt.
// An error when the connection then failed (a server that requires encryption refuses the session
// with STATUS_ACCESS_DENIED, MS-SMB2 3.3.5.5; a client that requires it hangs up), a warning when
// it went on unencrypted.
import { add, connsWith, F, host, streamFilter } from "../context";
import { REF } from "../references";
import { CIPHERS } from "../../names";
import type { FindingModule } from "./module";
import { hangUpOf, hangUpText, finalNegotiate } from "./hangup";

const name = (x: number) => CIPHERS[x] ?? `0x${x.toString(16).padStart(4, "0")}`;

const module: FindingModule = {
  meta: { id: "NO_COMMON_CIPHER", severity: "error", when: "the ENCRYPTION_CAPABILITIES answer is cipher 0: no cipher both sides take" },
  create(ctx) {
    for (let at = 0, cs = connsWith(ctx, F.NO_CIPHER); at < cs.length; at++) { // (indexed: see walk.ts)
      const c = cs[at];
      const neg = finalNegotiate(c.m);
      const resp = neg?.resp;
      if (!resp?.ciphers?.length || resp.ciphers[0] !== 0) continue;
      const h = hangUpOf(c);
      const denied = c.s.failedPhase === "session_setup" && c.s.status === "STATUS_ACCESS_DENIED";
      const left = !denied && h !== null && h.end.by === "client";
      add(ctx, { id: "NO_COMMON_CIPHER", severity: denied || left || c.s.outcome === "failed" ? "error" : "warning", connection: c.s.id, frames: [neg.req?.frame, resp.frame, h?.end.frame].filter((x): x is number => !!x) }, c, () => {
      const offered = neg.req?.ciphers ?? [];
      const srv = host(c.s.server);
      const then = denied
        ? `Then the server refused the session with STATUS_ACCESS_DENIED (frame ${c.m.sessions[c.m.sessions.length - 1].resp!.frame}): it requires encryption (Samba \`server smb encrypt = required\`, Windows \`EncryptData\` with \`RejectUnencryptedAccess\`), and this connection cannot encrypt (MS-SMB2 3.3.5.5).`
        : left ? `Then the client gave up, ${hangUpText(h!)}: it requires encryption (Windows \`RequireEncryption\`, Samba \`client smb encrypt = required\`) and cannot have it here.`
          : c.s.outcome === "ok" ? "The connection went on without encryption: nothing on it is protected from reading on the network." : "";
      return {
        title: `No encryption cipher in common between the client and ${srv}`,
        explanation: `The client offered ${offered.length ? offered.map(name).join(", ") : "no cipher"} in the SMB2_ENCRYPTION_CAPABILITIES context of its NEGOTIATE (frame ${neg.req?.frame ?? "not captured"}); the server answered with cipher 0 in frame ${resp.frame}: it takes none of them (its own list is not on the wire; cipher 0 is how a server says "none", MS-SMB2 2.2.3.1.2, 3.3.5.4). ${then}`,
        remediation: [
          `Align the cipher lists so that they share at least one, AES-128-GCM or AES-256-GCM preferably. On ${srv}: Samba \`server smb3 encryption algorithms\` (\`testparm -sv | grep "encryption algorithms"\`), Windows \`Set-SmbServerConfiguration -EncryptionCiphers "AES_128_GCM, AES_256_GCM, AES_128_CCM, AES_256_CCM"\`.`,
          "On the client: Samba `client smb3 encryption algorithms`, Windows `Set-SmbClientConfiguration -EncryptionCiphers ...`, Linux cifs `echo 1 > /sys/module/cifs/parameters/require_gcm_256` only where the server takes AES-256-GCM (Azure Files with AES-256-GCM only needs it).",
        ],
        filter: streamFilter(c), references: [REF.smb2Ctx, REF.smb2Negotiate, REF.smb2Session],
      };
      });
    }
  },
};
export default module;
