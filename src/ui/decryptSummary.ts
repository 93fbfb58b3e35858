// What the Decrypt panel (components/DecryptPanel.tsx) needs of a Report: made in the worker with the
// digest (src/worker/reportIndex.ts), since the page never holds the whole Report.
import type { Report } from "../core/report";

/** What the panel needs of a Report, made in the worker with the digest (src/worker/reportIndex.ts):
 *  the page never holds the whole Report. */
export interface DecryptSummary {
  /** why the panel is shown: encrypted messages left, a refused logon to check, or nothing */
  reason: "encrypted" | "logon" | null;
  encryptedConnections: number;
  /** the sessions not decrypted, and why (the first DECRYPT_SESSIONS_SHOWN; `moreSessions` the rest) */
  sessions: { sessionId: string; user?: string | null; result: string; why?: string | null }[];
  moreSessions: number;
}
const DECRYPT_SESSIONS_SHOWN = 20;

export function decryptSummary(r: Report): DecryptSummary {
  const ids = new Set(r.findings.map((f) => f.id));
  const reason = ids.has("ENCRYPTED_TRAFFIC") ? "encrypted"
    : ids.has("LOGON_FAILURE") && r.connections.some((c) => c.auth === "ntlm" && c.failedPhase === "session_setup") ? "logon" : null;
  const all = r.connections.flatMap((c) => (c.decryption?.sessions ?? []).filter((s) => s.result !== "decrypted"));
  return {
    reason,
    encryptedConnections: r.connections.filter((c) => c.findings.includes("ENCRYPTED_TRAFFIC")).length,
    sessions: all.slice(0, DECRYPT_SESSIONS_SHOWN).map((s) => ({ sessionId: s.sessionId, user: s.user, result: s.result, why: s.why })),
    moreSessions: Math.max(0, all.length - DECRYPT_SESSIONS_SHOWN),
  };
}
