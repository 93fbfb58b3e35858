// One pass over every connection's messages before the rules run: what each connection holds that
// some rule looks for (context.ts F), as bits on its view. The rules then skip the connections
// without their bit instead of reading every connection's messages again: tens of passes over the
// models of 50,000 connections (scattered in memory) were most of the diagnosis's time. The tests
// are the rules' own (imported from their modules), so a bit never disagrees with its rule.
import { F, type ConnView, type DiagnoseContext } from "../../context";
import { isError, blobKerberosError, sessionExpired, hasFailedExtraAttempt, finalNegotiate } from "../../../model/summarize";
import { isNtlmV1Leg } from "../ntlmv1-refused";
import { deleted, sessionLegDeleted, treeSessionDeleted } from "../user-session-deleted";
import { notCovered, treePathNotCovered } from "../path-not-covered";
import { treeConnectionLimited } from "../tree-connection-limit";
import { delayed } from "../auth-rate-limited";

/**
 * The connections each pass of the walk visits (walk.ts), in Report order: those a visitor of
 * the pass can speak about. Made in the pass that gathers the facts, which reads each summary
 * once, instead of the walk asking every summary for its failed phase pass after pass (each
 * summary of a capture of 50,000 connections a cache miss, for a few thousand that concern a pass).
 */
export interface WalkLists {
  /** failed at the TCP handshake */
  tcp: ConnView[];
  /** failed at NEGOTIATE, or had its NetBIOS session refused (F.NBSS_REFUSED) */
  negotiate: ConnView[];
  /** SESSION_SETUP legs (F.SESSIONS) and something to tell of them: failed at SESSION_SETUP, a
   *  further attempt refused (F.EXTRA_ATTEMPTS), a guest or anonymous session, an expired one
   *  (F.SESSION_EXPIRED), five legs or more (F.MANY_LEGS) */
  session: ConnView[];
  /** a refused TREE_CONNECT (F.TREE_ERROR) or encrypted messages (F.ENCRYPTED) */
  tree: ConnView[];
}
const walkLists = new WeakMap<DiagnoseContext, WalkLists>();
/** per context of one connection, its lists (gatherFacts fills them again for each connection) */
const alone = new WeakMap<DiagnoseContext, { lists: ConnView[][]; walk: WalkLists }>();

/** The walk's lists of connections (gatherFacts makes them). */
export function walkListsOf(ctx: DiagnoseContext): WalkLists {
  return walkLists.get(ctx) ?? { tcp: [], negotiate: [], session: [], tree: [] };
}

/** Sets ConnView.k of every connection, and the lists of connections by fact (connsWith) and by
 *  pass of the walk (walkListsOf; once the summaries' outcomes are settled). */
export function gatherFacts(ctx: DiagnoseContext): void {
  const conns = ctx.conns;
  // a connection diagnosed alone (diagnose/alone.ts, tens of thousands per capture): each list
  // that has it is ctx.conns itself, not an array of its own (no rule changes these lists), in
  // a list of lists made at its size (grown bit by bit, it was made three times); the same ones
  // again for the context's next connection (diagnose/alone.ts resets one context for each)
  const one = conns.length === 1 ? conns : null;
  let lists: ConnView[][], walk: WalkLists;
  if (one) {
    let a = alone.get(ctx);
    if (!a) alone.set(ctx, (a = { lists: new Array<ConnView[]>(FACT_BITS), walk: { tcp: NO_CONNS, negotiate: NO_CONNS, session: NO_CONNS, tree: NO_CONNS } }));
    else { a.lists.fill(undefined as unknown as ConnView[]); a.walk.tcp = a.walk.negotiate = a.walk.session = a.walk.tree = NO_CONNS; }
    lists = a.lists;
    walk = a.walk;
  } else {
    lists = [];
    walk = { tcp: [], negotiate: [], session: [], tree: [] };
  }
  ctx.withFact = lists;
  walkLists.set(ctx, walk);
  for (let i = 0; i < conns.length; i++) { // (indexed: see walk.ts)
    const c = conns[i];
    const m = c.m;
    let k = 0;
    const legs = m.sessions;
    if (legs.length) {
      k |= F.SESSIONS;
      if (legs.length >= 5) k |= F.MANY_LEGS;
      for (let j = 0; j < legs.length; j++) {
        const l = legs[j];
        if (isNtlmV1Leg(l)) k |= F.NTLMV1;
        if (!l.resp) continue;
        if (blobKerberosError(l)) k |= F.BLOB_KRB_ERROR;
        if (sessionLegDeleted(l)) k |= F.SESSION_DELETED;
        if (sessionExpired(l)) k |= F.SESSION_EXPIRED;
        if (delayed(l) !== null) k |= F.RATE_LIMITED;
        if (l.passwordCheck) k |= F.PASSWORD_CHECK;
      }
      if (legs.length >= 2 && hasFailedExtraAttempt(m)) k |= F.EXTRA_ATTEMPTS;
    }
    const trees = m.trees;
    if (trees.length) {
      k |= F.TREES;
      for (let j = 0; j < trees.length; j++) {
        const t = trees[j];
        if (!t.resp) continue;
        k |= isError(t.resp.status) ? F.TREE_ERROR : F.TREE_OK;
        if (treeSessionDeleted(t)) k |= F.SESSION_DELETED;
        if (treePathNotCovered(t)) k |= F.PATH_NOT_COVERED;
        if (treeConnectionLimited(t)) k |= F.TREE_LIMITED;
      }
    }
    if (m.beyond?.referrals?.length) k |= F.REFERRALS;
    const refused = m.beyond?.refused;
    if (refused) {
      for (let j = 0; j < refused.length; j++) {
        const r = refused[j];
        if (deleted(r.resp.status)) k |= F.SESSION_DELETED;
        if (notCovered(r.resp.status)) k |= F.PATH_NOT_COVERED;
      }
    }
    if (m.encrypted) k |= F.ENCRYPTED;
    if (!(k & (F.SESSIONS | F.TREES | F.ENCRYPTED))) k |= F.NO_SESSION;
    const s = c.s, outcome = s.outcome, phase = s.failedPhase;
    if (outcome === "failed") k |= F.FAILED;
    if (m.gaps.length) k |= F.GAPS;
    if (m.smb1) k |= F.SMB1;
    if (m.midstream || m.gaps.length || outcome === "incomplete") k |= F.INCOMPLETE;
    if (m.nbssResponse && !m.nbssResponse.positive) k |= F.NBSS_REFUSED;
    const ciphers = finalNegotiate(m)?.resp?.ciphers;
    if (ciphers?.length && ciphers[0] === 0) k |= F.NO_CIPHER;
    c.k = k;
    if (phase === "tcp") walk.tcp = one ?? pushed(walk.tcp, c);
    if (phase === "negotiate" || k & F.NBSS_REFUSED) walk.negotiate = one ?? pushed(walk.negotiate, c);
    if (k & F.SESSIONS && (phase === "session_setup" || k & (F.EXTRA_ATTEMPTS | F.SESSION_EXPIRED | F.MANY_LEGS) || s.auth === "guest" || s.auth === "anonymous")) walk.session = one ?? pushed(walk.session, c);
    if (k & (F.TREE_ERROR | F.ENCRYPTED)) walk.tree = one ?? pushed(walk.tree, c);
    for (let bits = k; bits !== 0; bits &= bits - 1) {
      const b = 31 - Math.clz32(bits & -bits);
      lists[b] = one ?? pushed(lists[b] ?? [], c);
    }
  }
}

/** How many facts there are (F's bits: 0 to the highest). */
const FACT_BITS = 32 - Math.clz32(Math.max(...Object.values(F)));
/** (the empty lists of a connection diagnosed alone: gatherFacts replaces them, never adds to them) */
const NO_CONNS: ConnView[] = [];
const pushed = (l: ConnView[], c: ConnView): ConnView[] => (l.push(c), l);
