// The walk of the older rule families: TCP, NEGOTIATE, SESSION_SETUP, Kerberos, TREE_CONNECT, the
// capture itself, in this order, each over every connection. At each node it asks
// shared/precedence.ts which finding the situation gets, then calls the handlers the finding
// modules registered for that kind of node (FindingModule.visit), in the order of
// findings/index.ts. That order is the order of emission: the Report keeps it for findings of one
// severity on one frame and in each connection's list of ids, so a module's place in the list
// matters within its kind of node (e.g. SESSION_ACCESS_DENIED before the
// TREE_ACCESS_DENIED_ENCRYPTION that follows from it). Modules with `create` run after the walk.
// Each pass visits, in Report order, only the connections its visitors can speak about (said at
// each visitor below; shared/facts.ts WalkLists): the others would only be asked and say nothing.
import { has, F, type DiagnoseContext, type ConnView } from "../context";
import type { FindingModule } from "./module";
import type { KrbExchange } from "../../model/kerberos";
import type { TreeConnect } from "../../model/types";
import { tcpVerdict, negotiateVerdict, sessionFailures, kerberosErrors, treeVerdict, type TcpVerdict, type NegotiateVerdict, type SessionFailure, type KrbErrorGroup, type TreeVerdict } from "./shared/precedence";
import { workingShares } from "./shared/tree-text";
import { walkListsOf } from "./shared/facts";

export interface Visitors {
  /** a connection that failed at the TCP handshake */
  tcp?(ctx: DiagnoseContext, c: ConnView, v: TcpVerdict): void;
  /** each connection that failed at NEGOTIATE (with its finding, if one applies) or whose NetBIOS
   *  session was refused (F.NBSS_REFUSED) */
  negotiate?(ctx: DiagnoseContext, c: ConnView, v: NegotiateVerdict | null): void;
  /** each SESSION_SETUP failure of a connection (the connection's own, then the further attempts refused) */
  sessionFailure?(ctx: DiagnoseContext, c: ConnView, f: SessionFailure): void;
  /** each connection with SESSION_SETUP legs that failed at SESSION_SETUP, had a further attempt
   *  refused (F.EXTRA_ATTEMPTS), is guest or anonymous, or has F.SESSION_EXPIRED or F.MANY_LEGS;
   *  after its SESSION_SETUP failures */
  session?(ctx: DiagnoseContext, c: ConnView): void;
  /** each group of KDC errors to tell */
  kerberosError?(ctx: DiagnoseContext, g: KrbErrorGroup): void;
  /** once, with the normal pre-authentication errors of the capture */
  kerberosPreauth?(ctx: DiagnoseContext, preauth: KrbExchange[]): void;
  /** each refused TREE_CONNECT of a connection */
  tree?(ctx: DiagnoseContext, c: ConnView, t: TreeConnect, v: TreeVerdict): void;
  /** each connection with a refused TREE_CONNECT (F.TREE_ERROR) or encrypted messages
   *  (F.ENCRYPTED), after its tree connects */
  treeConnection?(ctx: DiagnoseContext, c: ConnView): void;
  /** once, last: the capture itself (what it misses, what it holds when there is no SMB) */
  capture?(ctx: DiagnoseContext): void;
}

// (indexed loops: the walk runs once per capture, so mostly before the optimizer has it, where each
// step of a for…of over an array makes an iterator result: ~20 MB over 50,000 connections; and
// once for each connection diagnosed alone, where each for…of made an iterator)
export function walk(ctx: DiagnoseContext, modules: readonly FindingModule[]): void {
  const on = handlersOf(modules);
  const lists = walkListsOf(ctx);
  const tcp = on.tcp;
  for (let i = 0, l = lists.tcp; i < l.length; i++) {
    const c = l[i];
    const v = tcpVerdict(ctx, c);
    if (v) for (let j = 0; j < tcp.length; j++) tcp[j](ctx, c, v);
  }
  const negotiate = on.negotiate;
  for (let i = 0, l = lists.negotiate; i < l.length; i++) {
    const c = l[i];
    const v = negotiateVerdict(c);
    for (let j = 0; j < negotiate.length; j++) negotiate[j](ctx, c, v);
  }
  const sessionFailure = on.sessionFailure, session = on.session;
  for (let i = 0, l = lists.session; i < l.length; i++) {
    const c = l[i];
    const sfs = sessionFailures(c);
    for (let k = 0; k < sfs.length; k++) for (let j = 0; j < sessionFailure.length; j++) sessionFailure[j](ctx, c, sfs[k]);
    for (let j = 0; j < session.length; j++) session[j](ctx, c);
  }
  const krb = kerberosErrors(ctx), kerberosError = on.kerberosError, kerberosPreauth = on.kerberosPreauth;
  for (let i = 0; i < krb.groups.length; i++) for (let j = 0; j < kerberosError.length; j++) kerberosError[j](ctx, krb.groups[i]);
  for (let j = 0; j < kerberosPreauth.length; j++) kerberosPreauth[j](ctx, krb.preauth);
  const working = workingShares(ctx);
  const tree = on.tree, treeConnection = on.treeConnection;
  for (let i = 0, l = lists.tree; i < l.length; i++) {
    const c = l[i];
    if (has(c, F.TREE_ERROR)) {
      const trees = c.m.trees;
      for (let k = 0; k < trees.length; k++) {
        const t = trees[k];
        const v = treeVerdict(c, t, working); // (null for a tree not refused)
        if (v) for (let j = 0; j < tree.length; j++) tree[j](ctx, c, t, v);
      }
    }
    for (let j = 0; j < treeConnection.length; j++) treeConnection[j](ctx, c);
  }
  const capture = on.capture;
  for (let j = 0; j < capture.length; j++) capture[j](ctx);
}

/** Per kind of node, the modules' handlers of it, in the modules' order. */
type Handlers = { [K in keyof Visitors]-?: NonNullable<Visitors[K]>[] };
/** every kind of node (a Record: a kind added to Visitors and not here does not compile) */
const KIND_SET: Record<keyof Visitors, true> = { tcp: true, negotiate: true, sessionFailure: true, session: true, kerberosError: true, kerberosPreauth: true, tree: true, treeConnection: true, capture: true };
const KINDS = Object.keys(KIND_SET) as (keyof Visitors)[];
/** Per list of modules, its handlers: made once, one object of one shape (a connection diagnosed
 *  alone as it closes walks too, tens of thousands of times a capture: model/foldDiagnosed.ts) */
const handlers = new WeakMap<readonly FindingModule[], Handlers>();
function handlersOf(modules: readonly FindingModule[]): Handlers {
  let h = handlers.get(modules);
  if (!h) {
    const by: Partial<Record<keyof Visitors, unknown[]>> = {};
    for (const k of KINDS) by[k] = modules.flatMap((m) => (m.visit?.[k] ? [m.visit[k]!] : []));
    h = by as Handlers;
    handlers.set(modules, h);
  }
  return h;
}
