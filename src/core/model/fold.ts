// Folding (issue 15): a closed connection no rule can give a finding to becomes its Report record
// (connectionRecord.ts, as buildReport would make it) and a row of FoldedRows (model/foldedRows.ts:
// ~45 bytes in typed columns), and its ConnModel goes. The record goes to the analysis's
// ConnectionSink when it has one, else stays for buildReport to merge in Report order. Proven by
// tests/fold-predicate.test.ts (the predicate) and tests/fold-at-close.test.ts (the Reports with
// and without folding are the same).
//
// When: once the capture is past the frame that closed the connection (RST, or FIN both ways).
// The decoder lets the flow's reassembly go at that packet (its last gaps are declared in it,
// after its TCP event, so not in builder.ts closed() itself) and never takes the flow up again:
// no later event of the stream exists (tests/fold-after-close.test.ts), so no later ACK, RST or
// retransmission can change lastFrame, `ended` or anything else of the model. Never with secrets
// (the decrypt stage attaches decryption after finish) nor in an ETL trace (pktmon drops attach
// by address pair at the end, model/pktmon.ts attachDrops); ICMP errors attach only to a
// connection whose SYN went unanswered (model/icmp.ts): such a connection is not folded at its
// close (one refused by a reset waits as a row for the end: model/pendingTcp.ts; so does one whose
// SYNs are unanswered so far, never closed, once quiet: pendingTcp.ts due, before each record).
//
// Every clause of foldable rules out a fact some rule or consumer reads (context.ts F bits beyond
// SESSIONS, TREES, TREE_OK, REFERRALS; the summary's outcome; Kerberos pairing; ICMP and pktmon):
// - no Kerberos auth, no KRB-ERROR or blob error in a blob: Kerberos exchanges pair with
//   connections (model/kerberos.ts pairKerberos) and the Kerberos findings name those; a
//   connection whose client spoke Kerberos must keep its model (Folder checks the client);
// - NTLM only, NTLMv2 (not F.NTLMV1), not guest or anonymous (GUEST_SESSION, TREE_ACCESS_*);
// - SMB2/3 (an SMB1 multi-protocol NEGOTIATE answered in SMB2 allowed, MS-SMB2 3.3.5.3.1), or
//   SMB1 throughout: one NEGOTIATE answered in SMB1 with a dialect, SMB1 legs and trees. F.SMB1
//   (c.smb1) is read by SMB1_IN_USE alone, of that response: such a connection folds with that one
//   finding (foldedFindings), which smb1-in-use.ts gives from its FoldedSmb1 in Report order, as
//   for a view. Every other SMB1 test of the rules reads a failed phase, a refused tree, a hang-up
//   (SMB1 signing) or guest / null / non-extended-security auth (authOf: not "ntlm"); nothing
//   encrypted (F.ENCRYPTED, ENCRYPTED_TRAFFIC*), no decryption;
// - no lost segments, not midstream (F.GAPS, F.INCOMPLETE), no ICMP error, no pktmon drop;
// - every NEGOTIATE, SESSION_SETUP and TREE_CONNECT answered without error, no expiry, fewer
//   than five legs (F.MANY_LEGS), no failed extra attempt (F.EXTRA_ATTEMPTS), no password check;
// - a cipher chosen when one was (F.NO_CIPHER); no refusal after the setup. DFS referrals are
//   allowed (Windows clients ask for one on every connection, answered STATUS_NOT_FOUND: the
//   healthy fixture does);
// - the server answered in SMB on 445 or 139 (never a probe, model/builder.ts finish);
// - outcome "ok". (The verdict reads the findings, which hold SMB1_IN_USE's, and counts the
//   folded connections as set up fine; servers() as never failed.)
//
// What other connections' rules read of a folded one is in its row, a FoldedConn when read
// (diagnose/context.ts foldedToServer, foldedFromClient merge those with the unfolded ones in
// Report order), except one fact only a connection open at the time can give, which Folder
// checks instead: a tree refused for a connection limit counts the connections to that server
// open at that frame, in its finding's text (tree-connection-limit.ts othersAt). A connection
// open at such a refusal of another connection folds only where that text is surely none of the
// Report's (limitsHidden: FINDINGS_PER_ID + 1 TREE_CONNECTION_LIMIT errors of connections kept
// to the end come before it, model/foldDiagnosed.ts (4)); one folded before a refusal ended
// before it. (A server under a storm of such refusals: its oldest let go, LIMITS_PER_SERVER.)
// A PATH_NOT_COVERED reads the referrals its client asked for afterwards, on any connection
// (path-not-covered.ts referralsAfter): of a folded connection, the rows keep those a refusal
// can read (Folder.keepReferrals says which), and referralsAfter merges them with the views'.
// Kerberos pairs a message with a connection of its client host from two minutes before the
// connection to 1 ms after its first SESSION_SETUP (model/kerberos.ts bestConnection, pairTo):
// Folder waits for the capture's time to pass that window (a capture in time order, as the
// pairing takes it). A connection whose client host spoke Kerberos as a client within that reach
// before it (model/kerberos.ts kerberosClient) folds only once model/krbFinality.ts shows that no
// exchange pairs with it (it waits for that, else stays to the end), and only where its ladder is
// surely none of the Report's (kept to the end, it took its place in Report order: as a referral
// fold, noOkLadder; foldDiagnosed.ts's (3) for the others; none with SMB1_IN_USE).
//
// A closed connection foldable() refuses (a failure, a finding, Kerberos) may still fold, under
// the same conditions of reach, with its diagnosis made alone: model/foldDiagnosed.ts says when.
//
// Ladders: a folded connection keeps its ladder when the builder kept it at its close (the first
// KEEP_LADDERS_OK healthy ones to close, builder.ts), and buildReport counts those against its ok
// budget (LADDERS_OK) before the connections kept to the end. Only a capture with more healthy
// connections than that budget can differ from no folding: in which of them keep a ladder (the
// empty one a connection had when the builder had dropped it but Report order kept it). A
// connection set up fine without a finding that foldable() leaves out (Kerberos) and
// foldDiagnosed.ts folds is one of these healthy ones to the ladders. One healthy to the Report
// that an earlier fold kept to the end (referrals of a client host with a PATH_NOT_COVERED, a
// refusal of one the referral already answered) folds only where no ladder changes (noOkLadder).
import * as W from "../../../assembly/wire";
import * as C from "../../../assembly/events";
import type { AuthFacts, CaptureModel, ConnModel, FoldedConnections, SessionLeg } from "./types";
import type { Connection, PhaseRecord } from "../report";
import { ModelPhases } from "./phaseTable";
import { DiagnosedFolds, healthy } from "./foldDiagnosed";
import { PendingTcp } from "./pendingTcp";
import { FoldedRows } from "./foldedRows";
import { MinQueue, Smallest } from "./heaps";
import type { EventRecord } from "../decoder/records";
import type { ConnectionSink } from "../connectionSink";
import { isError, outcomeOf, authOf, establishedAttempt, summarize } from "./summarize";
import { connectionRecord, SharedValues } from "../connectionRecord";
import { statusLabel } from "../names";
import { LIMIT_STATUSES, treeConnectionLimit } from "../diagnose/findings/tree-connection-limit";
import { SMB1_IN_USE } from "../diagnose/findings/smb1-in-use";
import { firstRefusal } from "../diagnose/findings/path-not-covered";
import { LADDERS_OK, LADDERS_PROBLEM } from "../connectionRecord";
import { KRB_PAIR_WINDOW_MS, kerberosClient, pairTo } from "./kerberos";
import type { KrbStore } from "./krbStore";
import { KrbFinality, Reach } from "./krbFinality";

const MORE = W.STATUS_MORE_PROCESSING_REQUIRED;

/** A blob of NTLM (or SPNEGO around it) alone: no Kerberos in it, no error read from it. */
function ntlmOnly(a: AuthFacts): boolean {
  if (a.mech !== undefined && a.mech !== "ntlm" && a.mech !== "spnego") return false;
  return a.krbMsgType === undefined && a.krbError === undefined && a.krbSname === undefined && a.blobError === undefined;
}

/** The connection is healthy beyond doubt: no rule can say anything about it (see above). */
export function foldable(c: ConnModel): boolean {
  if (!settled(c) || c.encrypted) return false;
  if (!c.answeredSmb || (c.serverPort !== W.PORT_SMB && c.serverPort !== W.PORT_NBSS)) return false;
  if (c.nbssResponse && !c.nbssResponse.positive) return false;
  if (c.beyond && c.beyond.refused.length) return false;
  if (c.negotiates.length === 0 || c.sessions.length === 0 || c.sessions.length >= 5 || c.trees.length === 0) return false;
  // SMB1 that works: one NEGOTIATE, answered in SMB1 with a dialect (its one finding: SMB1_IN_USE)
  const smb1 = c.negotiates.length === 1 && !!c.negotiates[0].resp?.smb1;
  for (let i = 0; i < c.negotiates.length; i++) {
    const n = c.negotiates[i];
    // else SMB1 only as the multi-protocol NEGOTIATE a client opens with, answered in SMB2
    if (!n.req || !n.resp || (n.resp.smb1 && !smb1) || (n.req.smb1 && i > 0) || (smb1 && !n.req.smb1) || isError(n.resp.status) || !n.resp.dialect) return false;
  }
  const ciphers = c.negotiates[c.negotiates.length - 1].resp!.ciphers;
  if (ciphers?.length && ciphers[0] === 0) return false;
  for (const l of c.sessions) {
    const r = l.resp;
    if (!r || !l.req.frame || l.req.smb1 !== smb1 || l.passwordCheck) return false;
    const st = r.status >>> 0;
    if (st !== 0 && st !== MORE) return false;
    if (!ntlmOnly(l.req.auth) || !ntlmOnly(r.auth)) return false;
    if (l.req.auth.ntlmType === 3 && l.req.auth.ntlmVersion === 1) return false;
  }
  // the last leg ends the only attempt, with success
  if ((c.sessions[c.sessions.length - 1].resp!.status >>> 0) !== 0) return false;
  for (let i = 0; i < c.sessions.length - 1; i++) if ((c.sessions[i].resp!.status >>> 0) !== MORE) return false;
  for (const t of c.trees) if (!t.resp || t.req.smb1 !== smb1 || isError(t.resp.status) || (t.resp.status >>> 0) !== 0) return false;
  const est = establishedAttempt(c);
  if (!est) return false;
  if (authOf(c, est) !== "ntlm") return false;
  return outcomeOf(c, null, est).outcome === "ok";
}

/**
 * Nothing of the connection is missing or comes at the end (lost segments, a start before the
 * capture, an answer in another protocol, an ICMP error, pktmon drops, decryption): what every
 * fold takes (foldable, foldDiagnosed.ts).
 */
export function settled(c: ConnModel): boolean {
  return !(c.midstream || c.gaps.length || c.notSmb || c.icmp || c.drops || c.decryption);
}

/** The findings of a foldable connection: SMB1_IN_USE alone when it speaks SMB1 (smb1-in-use.ts), else none. */
export function foldedFindings(c: ConnModel): string[] {
  return c.negotiates[c.negotiates.length - 1].resp!.smb1 ? SMB1_FINDINGS : NO_FINDINGS;
}

/** A folded connection's findings (shared lists). */
const NO_FINDINGS: string[] = [];
const SMB1_FINDINGS: string[] = [SMB1_IN_USE];

/**
 * The builder's fold (ModelBuilder.fold): the connections closed and waiting for the capture to go
 * past their closing frame, and what Folder checks beyond foldable (see the header).
 */
export class Folder {
  readonly folded: FoldedConnections;
  /** closed connections waiting for a record of a later frame than `waitFrame` */
  private waiting: ConnModel[] = [];
  private waitFrame = 0;
  /** then waiting for the capture's time to pass the Kerberos pairing's window, by that time */
  private readonly later = new MinQueue<Later>();
  /** connections put in `later` so far (their order there) */
  private closes = 0;
  /** client hosts that spoke Kerberos as clients so far (model/kerberos.ts kerberosClient), with the time of the last message */
  private readonly krbClients = new Map<string, number>();
  /** what the Kerberos pairing can be shown not to reach (model/krbFinality.ts) */
  private readonly krb = new KrbFinality();
  /** per client host one of whose connections had a request refused STATUS_PATH_NOT_COVERED, the
   *  first (lowest) frame of such a refusal so far (keepReferrals) */
  private readonly notCovered = new Map<string, number>();
  /** per server host, the requests refused there for a connection limit so far (limited), and
   *  the last frame of those let go (LIMITS_PER_SERVER) */
  private readonly limits = new Map<string, { list: Limit[]; lost: number }>();

  /** per client host, the latest frame of a referral request of its that was answered with success (referred) */
  private readonly answered = new Map<string, number>();
  /** the Report orders of the first LADDERS_OK connections kept to the end that surely take a
   *  ladder of the Report's ok budget there (referralFold) */
  private readonly okKept = new Smallest(LADDERS_OK);

  /** row's: the shares list and the row, filled for each folded connection */
  private readonly shares: string[] = [];
  private readonly rowFacts: RowFacts = {
    order: 0, stream: 0, firstFrame: 0, lastFrame: 0, clientPort: 0, serverPort: 0, clientIp: "", serverIp: "",
    serverOs: null, serverName: null, shares: [], sessionId: undefined, sessionFrame: 0, ok: true, sessions: true,
  };
  /** a folded record's phases, for a sink that writes them from the model (ConnectionSink.phasesFromModel) */
  private readonly phases = new ModelPhases();

  /** the fold of connections with findings (model/foldDiagnosed.ts), unless turned off */
  private readonly diagnosed: DiagnosedFolds | null;

  constructor(model: CaptureModel, private readonly sink: ConnectionSink | null, private readonly drop: (c: ConnModel) => void, withFindings = true,
    /** makes an open connection whose SYNs are unanswered a row of model/pendingTcp.ts, if it is one (builder.ts rowOpen) */
    private readonly rowOpen: (c: ConnModel) => void = () => {},
    /** the model of a stream, if it has one (builder.ts) */
    private readonly modelOf: (stream: number) => ConnModel | undefined = () => undefined) {
    const same = new SharedValues();
    this.diagnosed = withFindings ? new DiagnosedFolds(model, same) : null;
    this.folded = { rows: new FoldedRows(!sink), ladders: 0, problemLadders: 0, same, diagnosed: this.diagnosed ?? undefined, pending: this.diagnosed ? new PendingTcp() : undefined };
  }

  /** A connection closed at frame `frame` (builder.ts closed). */
  closed(c: ConnModel, frame: number): void {
    if (this.waiting.includes(c)) return;
    this.waiting.push(c);
    this.waitFrame = frame;
  }

  /** Called with every record before it is read: folds what the capture is past. */
  before(ev: EventRecord): void {
    // connections whose SYNs went unanswered, quiet for a while: rows (model/pendingTcp.ts due)
    this.folded.pending?.due(ev, this.modelOf, this.rowOpen);
    if (this.waiting.length !== 0 && ev.frame > this.waitFrame) {
      const keep: ConnModel[] = [];
      for (const c of this.waiting) {
        if (c.lastFrame >= ev.frame) { keep.push(c); continue; } // (not past it: never seen)
        this.krb.closed(c);
        // (what foldable() says of a closed connection past its close never changes: asked once)
        const clean = foldable(c);
        // a Kerberos message pairs with a connection up to 1 ms after its first SESSION_SETUP
        // (model/kerberos.ts pairTo): fold once the capture's time is past that
        const limit = pairTo(c);
        const past = c.lastTs > limit;
        const may = this.may(c, clean, past);
        if (may === NO) continue;
        if (!past) this.later.push([this.closes++, c, clean], limit);
        else this.then(c, clean, may);
      }
      this.waiting = keep;
    }
    // (by time, each once: a capture whose clock stands still keeps them, never scans them again)
    if (this.later.length === 0 || !(this.later.minKey() < ev.tsMs())) { this.again(); return; }
    const ts = ev.tsMs();
    const due: Later[] = [];
    while (this.later.length !== 0 && this.later.minKey() < ts) due.push(this.later.pop());
    // in the order they closed (which of them keep a ladder can depend on it: fold above)
    if (due.length > 1) due.sort((a, b) => a[0] - b[0]);
    for (const [, c, clean] of due) this.decide(c, clean);
    this.again();
  }

  /** The connections waiting for the Kerberos pairing to be told (model/krbFinality.ts) whose host's exchanges changed: asked again. */
  private again(): void {
    const due = this.krb.due();
    if (due) for (const [c, clean] of due) this.decide(c, clean);
  }

  /**
   * May `c` (`clean`: foldable) fold, as far as can be told now (nothing later makes a no a yes);
   * else it stays to the end. `final`: the capture's time is past the Kerberos pairing's window
   * (pairTo), so the pairing can be told (model/krbFinality.ts); before that, a connection in
   * reach of its host's Kerberos is LATER. FOLD_KRB: it may, the pairing shown not to reach it.
   */
  private may(c: ConnModel, clean: boolean, final: boolean): May {
    if (clean || this.diagnosed) {
      const r = this.reach(c, final);
      if (r === LATER) return LATER;
      if (r !== NO) {
        // (one the pairing was shown not to reach: kept to the end before, so its ladder is one
        // of the Report's ok budget in Report order, as a referral fold's: folds where none changes)
        const krb = r === FOLD_KRB;
        if (!clean) return r;
        if (!krb && !this.referralFold(c) && !this.limitKept(c)) return FOLD;
        // (an SMB1 one, with its finding, would take a problem ladder in fold order: kept, as before)
        const ok = foldedFindings(c).length === 0;
        if (ok && this.noOkLadder(c)) return FOLD;
        // kept: set up fine, no finding (foldable, not SMB1, no Kerberos pairing), so its ladder
        // is one of the Report's ok budget in Report order
        if (ok) this.okKept.add(c.order);
      }
    }
    this.diagnosed?.kept(c);
    // (counted as kept: at the end the first LADDERS_PROBLEM of those stay models, model/pendingTcp.ts)
    if (this.folded.pending?.take(c)) this.drop(c);
    return NO;
  }

  /**
   * `c` folds only because its referrals are kept (keepReferrals): a connection with referrals of
   * a client host with a PATH_NOT_COVERED refusal, which the fold before that kept to the end.
   * The Report's ladders of connections set up fine go to the folded ones that kept theirs
   * (`ladders`), then to those kept to the end in Report order (reportBuilder.ts): such a
   * connection folds only where that changes no ladder of the Report (noOkLadder).
   */
  private referralFold(c: ConnModel): boolean {
    return !!c.beyond?.referrals.length && this.notCovered.has(c.clientIp);
  }

  /**
   * `c`, set up fine, takes no ladder of the Report's whether it folds or not: it kept none (the
   * builder dropped it), and LADDERS_OK connections kept to the end that surely take one of the
   * ok budget (okKept: foldable, no finding, kept) come before it in Report order, so the budget
   * is spent before it in Report order either way, and taking it out moves no other connection
   * into the budget. (One that kept its ladder, or an earlier one, stays: the budget could reach it.)
   */
  private noOkLadder(c: ConnModel): boolean {
    return !c.ladderKept && this.okKept.full && this.okKept.kth() < c.order;
  }

  /** Folds `c`, once the Kerberos pairing's window is past, if it still may (a message or a refusal may have come since). */
  private decide(c: ConnModel, clean: boolean): void {
    const may = this.may(c, clean, true);
    if (may !== NO) this.then(c, clean, may);
  }

  /** `c` past the pairing's window that may fold (`may`): folds, or waits for the pairing to be told. */
  private then(c: ConnModel, clean: boolean, may: May): void {
    if (may !== LATER) { this.foldNow(c, clean, may === FOLD_KRB); return; }
    // (one that waited longest on a host with too many waiting: kept to the end)
    const out = this.krb.wait([c, clean]);
    if (out) this.diagnosed?.kept(out[0]);
  }

  private foldNow(c: ConnModel, clean: boolean, krb: boolean): void {
    if (clean) this.fold(c);
    else this.foldDiagnosed(c, krb);
  }

  /** The Kerberos message the model just kept, the last of `store` (builder.ts krb): its client host (kerberosClient) and time; and the pairing's finality. */
  kerberos(store: KrbStore): void {
    const m = store.message(store.length - 1);
    const h = kerberosClient(m.toKdc, m.srcIp, m.dstIp), ts = m.ts;
    // the latest (a capture in time order, as the pairing takes it); a time not a number reaches every connection
    const t = Number.isFinite(ts) ? ts : Infinity;
    if (t > (this.krbClients.get(h) ?? -Infinity)) this.krbClients.set(h, t);
    this.krb.message(m);
  }

  /** An SMB message of `c` (after the builder read it): the refusals Folder must know of. */
  smb(c: ConnModel, ev: EventRecord): void {
    const st = ev.u32(C.F_STATUS);
    if (st === undefined) {
      // an SMB1 DOS error: the status it stands for is the builder's to say (a limit, maybe)
      if (ev.kind === C.EV_SMB1 && ev.u32(C.F_DOS_CLASS)) this.limited(c, ev.frame);
      return;
    }
    if (st === 0 && c.beyond !== undefined && c.beyond.referrals.length !== 0) this.referral(c, ev.frame);
    if ((st >>> 0) < 0xc0000000) return;
    if ((st >>> 0) === W.STATUS_PATH_NOT_COVERED) {
      const first = this.notCovered.get(c.clientIp);
      if (first === undefined || ev.frame < first) this.notCovered.set(c.clientIp, ev.frame);
    }
    else if (LIMIT_STATUSES.has(statusLabel(st >>> 0))) this.limited(c, ev.frame);
  }

  /** A response with success of `c` at `frame`: when it answered a referral request, the latest such request of the client host. */
  private referral(c: ConnModel, frame: number): void {
    const rs = c.beyond!.referrals;
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i];
      if (r.resp === undefined || r.resp.frame !== frame || r.resp.status !== 0) continue;
      if (r.req.frame > (this.answered.get(c.clientIp) ?? -1)) this.answered.set(c.clientIp, r.req.frame);
    }
  }

  /**
   * `c` was refused STATUS_PATH_NOT_COVERED and its client host has a referral request answered
   * with success asked after its first such refusal (path-not-covered.ts firstRefusal): the
   * normal DFS flow, PATH_NOT_COVERED gives it no finding whatever comes later (that referral
   * stays in a view or in the rows: keepReferrals keeps it, asked after the client's first
   * refusal), and model/foldDiagnosed.ts may fold it.
   */
  private referred(c: ConnModel): boolean {
    const first = firstRefusal(c);
    return first !== undefined && (this.answered.get(c.clientIp) ?? -1) > first;
  }

  /** `c` had a request refused for a connection limit at `frame` (or maybe: an SMB1 DOS error). */
  private limited(c: ConnModel, frame: number): void {
    let l = this.limits.get(c.serverIp);
    if (!l) this.limits.set(c.serverIp, (l = { list: [], lost: -1 }));
    const last = l.list.length ? l.list[l.list.length - 1] : undefined;
    // (a connection's refusals one after the other: one range, the same finding place's bound)
    if (last && last.order === c.order) { last.to = frame; return; }
    l.list.push({ order: c.order, first: c.firstFrame, from: frame, to: frame });
    if (l.list.length > LIMITS_PER_SERVER) l.lost = l.list.shift()!.to;
  }

  /**
   * No refusal for a connection limit of another connection while `c` was open (every such
   * refusal is seen: `c` is past its close) can show `c` in its finding's text (othersAt): of
   * each, FINDINGS_PER_ID + 1 TREE_CONNECTION_LIMIT errors of connections kept to the end come
   * before that finding's place in Report order (its request's frame, or its response's: not
   * before the refused connection's first frame), so the Report shows it only as a head, without
   * text (context.ts add; model/foldDiagnosed.ts hidden).
   */
  private limitsHidden(c: ConnModel): boolean {
    const l = this.limits.get(c.serverIp);
    if (!l) return true;
    if (l.lost >= c.firstFrame) return false;
    for (const r of l.list) {
      if (!limitOpen(r, c)) continue;
      if (!limitFold.on || !this.diagnosed?.hidden(TREE_CONNECTION_LIMIT, "error", r.first)) return false;
    }
    return true;
  }

  /** `c` was open at a refusal for a connection limit of another connection: kept to the end before limitsHidden, so its ladder is one of the Report's ok budget in Report order (as a referral fold's: noOkLadder). */
  private limitKept(c: ConnModel): boolean {
    const l = this.limits.get(c.serverIp);
    return !!l && l.list.some((r) => limitOpen(r, c));
  }

  /**
   * Nothing that comes later can reach the connection: no ICMP error, Kerberos pairing or limit
   * refusal (referrals: keepReferrals). FOLD when no Kerberos message of its client host is in
   * the pairing's reach; FOLD_KRB when some is and the pairing is shown not to pair it
   * (model/krbFinality.ts, once `final`); LATER when that is not known yet.
   */
  private reach(c: ConnModel, final: boolean): May {
    // an ICMP error may answer its SYN (model/icmp.ts), and its verdict reads later connections
    // (tcpVerdict): refused by a reset, it waits as a row for the end instead (model/pendingTcp.ts, may)
    if (c.syns.length && !c.synAck) return NO;
    // (open when another connection was refused for a limit: that refusal's text counts it)
    if (!this.limitsHidden(c)) return NO;
    // a Kerberos message of its client host as early as KRB_PAIR_WINDOW_MS before it could pair with it
    if ((this.krbClients.get(c.clientIp) ?? -Infinity) < c.firstTs - KRB_PAIR_WINDOW_MS) return FOLD;
    const r = this.krb.reach(c, final);
    return r === Reach.Out ? FOLD_KRB : r === Reach.Later ? LATER : NO;
  }

  private fold(c: ConnModel): void {
    // (the capture's end is read only for a request left unanswered: a folded one has none)
    // (phases written from the model by a sink that writes the record in its put: none made here)
    const later = this.sink?.phasesFromModel === true;
    const s = summarize(c, null, undefined, !later);
    // the ladder stays when the builder kept it (builder.ts closed: the first KEEP_LADDERS_OK
    // healthy connections to close); those count against the Report's ok budget
    // healthy ones; one with a finding (SMB1) is a problem to buildReport, whose budget it
    // takes in fold order, first (its ladder then whatever the builder kept, as buildReport's)
    const findings = foldedFindings(c);
    const keep = findings.length ? this.folded.problemLadders < LADDERS_PROBLEM : c.ladderKept;
    if (findings.length) { if (keep) this.folded.problemLadders++; } else if (keep) this.folded.ladders++;
    const r = connectionRecord(s, findings, keep, this.folded.same);
    this.row(c, r, true);
    if (findings.length) {
      const neg = c.negotiates[0].resp!;
      this.folded.rows.pushSmb1(neg.frame, neg.dialect!);
    }
    if (this.sink) this.put(c, r, later);
    this.drop(c);
  }

  /** `c`'s record to the sink; `later`: its phases written from the model (ConnectionSink.phasesFromModel), the record made without them. */
  private put(c: ConnModel, r: Connection, later: boolean): void {
    if (later) { this.phases.c = c; r.phases = this.phases as unknown as PhaseRecord[]; }
    this.sink!.put(c.order, r);
    this.phases.c = null;
  }

  /** A connection with findings, folded with its diagnosis when model/foldDiagnosed.ts says it may (`krb`: the Kerberos pairing shown not to reach it). */
  private foldDiagnosed(c: ConnModel, krb: boolean): void {
    const referred = this.referred(c);
    // (phases written from the model by a sink that writes the record in its put, as fold's)
    const later = this.sink?.phasesFromModel === true;
    const a = this.diagnosed!.diagnose(c, referred, !later);
    if (!a) return;
    // one set up fine without a finding takes its ladder as a healthy one does: as those (may),
    // when the fold before this kept it to the end
    if (healthy(a) && (referred || krb || this.referralFold(c) || this.limitKept(c)) && !this.noOkLadder(c)) { this.diagnosed!.kept(c); return; }
    // its ladder: as a healthy connection's (fold above) when it set up fine without a finding,
    // else surely past the Report's budget (foldDiagnosed.ts)
    const keep = healthy(a) && c.ladderKept;
    if (keep) this.folded.ladders++;
    const r = connectionRecord(a.s, a.findings, keep, this.folded.same);
    this.row(c, r, r.outcome === "ok");
    this.diagnosed!.folded(c, a, r);
    if (this.sink) this.put(c, r, later);
    this.drop(c);
  }

  /** The row of a folded connection (what other connections' rules read of it: foldedRows.ts). */
  private row(c: ConnModel, r: Connection, ok: boolean): void {
    // its one successful leg (a healthy connection's last; foldDiagnosed.ts folds no connection with more)
    let leg: SessionLeg["resp"];
    for (let i = 0; i < c.sessions.length; i++) { const l = c.sessions[i]; if (l.resp && (l.resp.status >>> 0) === 0) leg = l.resp; }
    // (the shares that connected, in one list used again: the same few lists on most connections
    // of a busy capture, one copy each, SharedValues.texts)
    const shares = this.shares;
    shares.length = 0;
    for (let i = 0; i < c.trees.length; i++) { const t = c.trees[i]; if (t.resp && !isError(t.resp.status)) shares.push(t.path); }
    // (one row object, filled for each: FoldedRows.push reads it during the call; a literal was
    // ~100 bytes a folded connection)
    const w = this.rowFacts;
    w.order = c.order; w.stream = c.stream; w.firstFrame = c.firstFrame; w.lastFrame = c.lastFrame;
    w.clientPort = portOf(c.client); w.serverPort = c.serverPort; w.clientIp = c.clientIp; w.serverIp = c.serverIp;
    w.serverOs = r.serverOs ?? null; w.serverName = r.serverName ?? null;
    w.shares = this.folded.same.texts(shares); w.sessionId = leg?.sessionId; w.sessionFrame = leg?.frame ?? 0;
    w.ok = ok; w.sessions = c.sessions.length > 0;
    this.folded.rows.push(w, r);
    if (c.beyond?.referrals.length) this.keepReferrals(c, r.id);
  }

  /**
   * The referral requests of `c` (folding, record id `id`) that a PATH_NOT_COVERED of its client
   * host can read (path-not-covered.ts referralsAfter: those asked after the refusal's response,
   * on any connection of the client host), kept in the rows. Only those asked after the client's
   * first refusal seen so far: refusals are seen in frame order (smb), and every request of `c`
   * is before the capture's place now (past its close), so a refusal not seen yet comes after
   * every one of them and reads none; one seen has a frame at or after that first one, and reads
   * only requests after it. (The others: most clients ask for a referral on every connection,
   * answered STATUS_NOT_FOUND; kept, they would be one object per connection again.)
   */
  private keepReferrals(c: ConnModel, id: string): void {
    const first = this.notCovered.get(c.clientIp);
    if (first === undefined) return;
    for (const x of c.beyond!.referrals) if (x.req.frame > first) this.folded.rows.pushReferral(c.clientIp, c.order, id, x);
  }
}


/** The port of an "ip:port" endpoint: Number() of the text after its last colon, without making that text. */
export function portOf(endpoint: string): number {
  const from = endpoint.lastIndexOf(":") + 1;
  let n = 0;
  for (let i = from; i < endpoint.length; i++) {
    const d = endpoint.charCodeAt(i) - 0x30;
    // (not digits alone, or too many for a port: as Number() reads it)
    if (d < 0 || d > 9 || i - from >= 5) return Number(endpoint.slice(from));
    n = n * 10 + d;
  }
  return from === endpoint.length ? Number(endpoint.slice(from)) : n;
}

/** A folded connection's row, as FoldedRows.push reads it. */
type RowFacts = Parameters<FoldedRows["push"]>[0];

/** A run of requests of one connection (ConnModel.order, firstFrame) refused for a connection limit, from frame to frame. */
interface Limit { order: number; first: number; from: number; to: number }
/** Refusal run `r` of another connection than `c` while `c` was open (othersAt: not itself, open at the frame). */
const limitOpen = (r: Limit, c: ConnModel) => r.order !== c.order && r.to >= c.firstFrame && r.from <= c.lastFrame;
/** Refusals for a connection limit followed per server host; past it, the oldest is let go (the connections open then are kept). */
const LIMITS_PER_SERVER = 64;
const TREE_CONNECTION_LIMIT = treeConnectionLimit.meta.id;
/** Tests turn it off to compare the Reports (tests/fold-limit.test.ts); off, a connection open at another's limit refusal is kept to the end. */
export const limitFold = { on: true };

/** A connection waiting for the Kerberos window: its place in close order, itself, and whether it is foldable(). */
type Later = [number, ConnModel, boolean];

/** What Folder.may says: no (kept to the end), fold, fold with the Kerberos pairing shown not to reach it, or not known yet. */
const NO = 0, FOLD = 1, FOLD_KRB = 2, LATER = 3;
type May = typeof NO | typeof FOLD | typeof FOLD_KRB | typeof LATER;
