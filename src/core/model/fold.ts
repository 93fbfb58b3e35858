// Which closed connections could be folded into a compact row (issue 15): the conservative test of
// a connection no diagnosis rule can give a finding to, read from its model alone. Folding itself
// (a row instead of the ConnModel, the rules' cross-connection aggregates) is not built yet: this
// is its first part, proven against every fixture by tests/fold-predicate.test.ts.
//
// When: once the capture is past the frame that closed the connection (RST, or FIN both ways).
// The decoder lets the flow's reassembly go at that packet (its last gaps are declared in it,
// after its TCP event, so not in builder.ts closed() itself) and never takes the flow up again:
// no later event of the stream exists (tests/fold-after-close.test.ts), so no later ACK, RST or
// retransmission can change lastFrame, `ended` or anything else of the model. Not with secrets
// (the decrypt stage attaches decryption after finish) nor in a pktmon trace (drops attach by
// address pair at the end, model/pktmon.ts attachDrops); ICMP errors attach only to a connection
// whose SYN went unanswered (model/icmp.ts), never to a foldable one.
//
// Every clause rules out a fact some rule or consumer reads (context.ts F bits beyond SESSIONS,
// TREES, TREE_OK; the summary's outcome; Kerberos pairing; ICMP and pktmon attachment):
// - no Kerberos auth, no KRB-ERROR or blob error in a blob: Kerberos exchanges pair with
//   connections (model/kerberos.ts pairKerberos) and the Kerberos findings name those; a
//   connection whose client spoke Kerberos must keep its model (the caller checks the client);
// - NTLM only, NTLMv2 (not F.NTLMV1), not guest or anonymous (GUEST_SESSION, TREE_ACCESS_*);
// - SMB2/3 only (F.SMB1), nothing encrypted (F.ENCRYPTED, ENCRYPTED_TRAFFIC*), no decryption;
// - no lost segments, not midstream (F.GAPS, F.INCOMPLETE), no ICMP error, no pktmon drop;
// - every NEGOTIATE, SESSION_SETUP and TREE_CONNECT answered without error, no expiry, fewer
//   than five legs (F.MANY_LEGS), no failed extra attempt (F.EXTRA_ATTEMPTS), no password check;
// - a cipher chosen when one was (F.NO_CIPHER); no refusal after the setup. DFS referrals are
//   allowed (Windows clients ask for one on every connection, answered STATUS_NOT_FOUND: the
//   healthy fixture does) but another connection reads them (path-not-covered.ts referralsAfter,
//   by client host): a row must keep its referrals (at most MAX_BEYOND) for that;
// - the server answered in SMB on 445 or 139 (never a probe, model/builder.ts finish);
// - outcome "ok".
import * as W from "../../../assembly/wire";
import type { ConnModel, KrbMsg } from "./types";
import { isError, outcomeOf, authOf, establishedAttempt } from "./summarize";

const MORE = W.STATUS_MORE_PROCESSING_REQUIRED;

/** The connection is healthy beyond doubt: no rule can say anything about it (see above). */
export function foldable(c: ConnModel): boolean {
  if (c.midstream || c.gaps.length || c.encrypted || c.smb1 || c.notSmb || c.icmp || c.drops || c.decryption) return false;
  if (!c.answeredSmb || (c.serverPort !== W.PORT_SMB && c.serverPort !== W.PORT_NBSS)) return false;
  if (c.nbssResponse && !c.nbssResponse.positive) return false;
  if (c.beyond && c.beyond.refused.length) return false;
  if (c.negotiates.length === 0 || c.sessions.length === 0 || c.sessions.length >= 5 || c.trees.length === 0) return false;
  for (const n of c.negotiates) {
    if (!n.req || !n.resp || n.resp.smb1 || n.req.smb1 || isError(n.resp.status) || n.resp.dialect === null) return false;
  }
  const ciphers = c.negotiates[c.negotiates.length - 1].resp!.ciphers;
  if (ciphers?.length && ciphers[0] === 0) return false;
  for (const l of c.sessions) {
    const r = l.resp;
    if (!r || !l.req.frame || l.passwordCheck) return false;
    const st = r.status >>> 0;
    if (st !== 0 && st !== MORE) return false;
    for (const a of [l.req.auth, r.auth]) {
      if (a.mech !== undefined && a.mech !== "ntlm" && a.mech !== "spnego") return false;
      if (a.krbMsgType !== undefined || a.krbError !== undefined || a.krbSname !== undefined || a.blobError !== undefined) return false;
    }
    if (l.req.auth.ntlmType === 3 && l.req.auth.ntlmVersion === 1) return false;
  }
  // the last leg ends the only attempt, with success
  if ((c.sessions[c.sessions.length - 1].resp!.status >>> 0) !== 0) return false;
  for (let i = 0; i < c.sessions.length - 1; i++) if ((c.sessions[i].resp!.status >>> 0) !== MORE) return false;
  for (const t of c.trees) if (!t.resp || isError(t.resp.status) || (t.resp.status >>> 0) !== 0) return false;
  const est = establishedAttempt(c);
  if (!est) return false;
  if (authOf(c, est) !== "ntlm") return false;
  return outcomeOf(c, null, est).outcome === "ok";
}

/**
 * The hosts that spoke Kerberos as a client: a connection from one of them must keep its model
 * whatever its own auth (an NTLM connection can be the one a failed or unanswered Kerberos
 * exchange served: KDC_UNREACHABLE on an NTLM fallback names it). The fold asks this of the
 * Kerberos messages seen before the connection is folded; those that come later are later in
 * capture time than the connection's SESSION_SETUP, past the pairing's window
 * (model/kerberos.ts bestConnection) in a capture in time order.
 */
export function kerberosClient(k: KrbMsg): string {
  return k.toKdc ? k.srcIp : k.dstIp;
}
