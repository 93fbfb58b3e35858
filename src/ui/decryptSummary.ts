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

/** (one pass over the findings and one over the connections, allocating only what it returns: it is
 *  part of the digest the verdict waits for, and a report can hold 100,000 connections) */
export function decryptSummary(r: Report): DecryptSummary {
  let encrypted = false, logon = false;
  for (const f of r.findings) {
    if (f.id === "ENCRYPTED_TRAFFIC") encrypted = true;
    else if (f.id === "LOGON_FAILURE") logon = true;
  }
  let ntlmRefused = false, encryptedConnections = 0, notDecrypted = 0;
  const sessions: DecryptSummary["sessions"] = [];
  for (const c of r.connections) {
    if (c.auth === "ntlm" && c.failedPhase === "session_setup") ntlmRefused = true;
    if (c.findings.includes("ENCRYPTED_TRAFFIC")) encryptedConnections++;
    for (const s of c.decryption?.sessions ?? []) {
      if (s.result === "decrypted") continue;
      if (notDecrypted++ < DECRYPT_SESSIONS_SHOWN) sessions.push({ sessionId: s.sessionId, user: s.user, result: s.result, why: s.why });
    }
  }
  return {
    reason: encrypted ? "encrypted" : logon && ntlmRefused ? "logon" : null,
    encryptedConnections,
    sessions,
    moreSessions: Math.max(0, notDecrypted - DECRYPT_SESSIONS_SHOWN),
  };
}
