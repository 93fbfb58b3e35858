// Folding connections with findings (issue 15): a closed connection that fails, or sets up with
// a finding (or in a way model/fold.ts foldable() does not take, as with Kerberos), is diagnosed
// alone as it closes (diagnose/alone.ts) and becomes its Report record, its findings' heads and a
// row of FoldedRows (flagged with whether it was ok and had SESSION_SETUP legs), and its ConnModel goes, where that diagnosis is provably the one the whole
// capture's would give and no Report field could tell the difference. A capture of 50,000
// failing connections otherwise held 50,000 models (~110 MB) to the end. model/fold.ts's Folder
// calls this for the closed connections foldable() refuses, under the conditions it keeps for
// every fold (past the closing frame; no ICMP error can still answer its SYN; no Kerberos message
// of its client host within the pairing's reach, and the pairing window passed; no limit or
// referral refusal that could still read it).
//
// Which rules read another connection, and what, was audited module by module (the rule each
// clause below answers is named; the modules' files say what they read). A connection folds only
// when all of these hold:
// 1. its diagnosis is its own (aloneSafe): not a TCP failure (tcpVerdict: a connection on the
//    other port, even a later one, makes it PORT_139_FALLBACK; ICMP attaches at the end: the
//    Folder's SYN clause), no PATH_NOT_COVERED (path-not-covered.ts referralsAfter reads the
//    client's later connections) unless a referral of the client host answered with success
//    after it is already known (routineDfs: then it gives none), no fallback finding
//    (AUTH_NOT_ATTEMPTED reads later connections between the same hosts; both fallbacks any
//    connection with the same id, precedence.ts explainedByError), no lost segments, not
//    midstream, nothing attached at the end (decryption, pktmon drops: no fold at all there),
//    never a probe (builder.ts finish);
// 2. what other connections' rules read of it is in its row: the server's names and Windows
//    build, the shares that connected, its one successful session (user-session-deleted.ts
//    origin); readers that count only connections set up fine (tcpVerdict) or with legs
//    (auth-not-attempted.ts) read the row's flags; an error finding's connection id joins the
//    ids the fallbacks ask of (reportBuilder.ts, from the heads);
// 3. its ladder is surely not one the Report keeps: LADDERS_PROBLEM connections kept to the end
//    with a failed outcome (never changed after close: summarize.ts outcomeOf; failedForKerberos
//    only fails an ok one) come before it in Report order, so reportBuilder.ts's budget is spent
//    before it. One set up fine without a finding (foldable() leaves out every connection that
//    authenticated with Kerberos: a file server's, whose capture never sees the KDC) is healthy
//    to the Report's ladders and takes its ladder as model/fold.ts's do (`healthy`);
// 4. none of its findings can be shown whole (context.ts add keeps the texts of the first
//    FINDINGS_PER_ID + 1 of an id and severity in Report order; reportBuilder.ts groupFindings
//    makes the group of that severity from the last of those): of each of its findings' id and
//    severity, that many findings of connections diagnosed alone and kept to the end come
//    strictly before it (by first frame). Their texts, which may read other connections (the
//    server's names), are made at the end.
// Otherwise the connection is kept to the end, as without this fold, and its findings' places
// count for (4). What is kept then: LADDERS_PROBLEM failed connections, and about
// FINDINGS_PER_ID + 1 per finding id and severity (more only where findings come out of frame
// order).
//
// Findings of two connections never tie in Report order (each cites its own frames first), so
// the heads merge into the end's diagnosis in any order (reportBuilder.ts groupFindings merges them
// as a stable sort would with the heads first); among one connection's, the alone diagnosis keeps
// the walk's order of emission. The heads and what the verdict and the servers read of the records
// are kept in columns (model/foldedHeads.ts: ~35 bytes a connection, no text of its own).
import type { CaptureModel, ConnModel } from "./types";
import type { Connection, Finding } from "../report";
import { outcomeOf } from "./summarize";
import { LADDERS_PROBLEM, type SharedValues } from "../connectionRecord";
import { FINDINGS_PER_ID, SEVERITY_RANK } from "../diagnose/context";
import { aloneModel, diagnoseAlone, type Alone } from "../diagnose/alone";
import { authNotAttempted } from "../diagnose/findings/auth-not-attempted";
import connectionAbandoned from "../diagnose/findings/connection-abandoned";
import { notCovered, pathNotCovered } from "../diagnose/findings/path-not-covered";
import { Smallest } from "./heaps";
import { FoldedFindings } from "./foldedHeads";
import { settled } from "./fold";
import { probe } from "./builder";

/** Findings of an id and severity kept whole by the Report: the first FINDINGS_PER_ID + 1 (context.ts add). */
const WHOLE = FINDINGS_PER_ID + 1;

export class DiagnosedFolds {
  /** the folded connections' findings (heads) and what the verdict and the servers' summary read
   *  of their records, in columns (foldedHeads.ts), in fold order */
  readonly columns = new FoldedFindings();
  /** per severity (SEVERITY_RANK) and finding id, the places (placeKey) of the WHOLE first of the
   *  findings of connections diagnosed alone and kept to the end (a Map per severity: no key
   *  string per head) */
  private readonly places = [new Map<string, Smallest>(), new Map<string, Smallest>(), new Map<string, Smallest>()];
  /** the Report orders of the first LADDERS_PROBLEM failed connections kept to the end */
  private readonly failedKept = new Smallest(LADDERS_PROBLEM);
  private readonly alone: CaptureModel;

  constructor(model: CaptureModel, private readonly same: SharedValues) {
    this.alone = aloneModel(model);
  }

  get count(): number { return this.columns.count; }

  /** A closed connection that stays to the end (no fold took it): counted for (3) when it failed. */
  kept(c: ConnModel): void {
    const l = this.failedKept;
    // (orders mostly come in order: past the first LADDERS_PROBLEM, a later one changes nothing)
    if (l.full && c.order > l.kth()) return;
    if (outcomeOf(c, null).outcome === "ok") return;
    l.add(c.order);
  }

  /** A failed connection of Report order `order` kept to the end (so far: its model may fold at the end, model/pendingTcp.ts), counted for (3). */
  failed(order: number): void {
    if (!this.failedKept.full || order < this.failedKept.kth()) this.failedKept.add(order);
  }

  /** LADDERS_PROBLEM failed connections kept to the end come before Report order `order` (3 above: the problem ladders are theirs). */
  problemsBefore(order: number): boolean {
    return this.failedKept.full && this.failedKept.kth() < order;
  }

  /**
   * `c` (closed, out of every other rule's reach: model/fold.ts) diagnosed alone, when it may fold
   * (the caller then makes its record and row, and calls `folded`), else null: it stays.
   */
  diagnose(c: ConnModel, referred = false, withPhases = true): Alone | null {
    if (!ownShape(c, referred)) { this.kept(c); return null; }
    const a = diagnoseAlone(this.alone, c, this.same, withPhases);
    if (referred && !routineDfs(a)) { this.kept(c); return null; }
    if (!aloneSafe(a)) { this.kept(c); return null; }
    // (3): a problem to reportBuilder.ts's budget (a failed outcome or a finding); one set up fine
    // without a finding (Kerberos, say) takes its ladder as a healthy fold does (model/fold.ts)
    if (healthy(a)) return a;
    const l = this.failedKept;
    let fold = l.full && l.kth() < c.order;
    const heads = a.heads;
    for (let i = 0; fold && i < heads.length; i++) {
      const h = heads[i], p = this.places[SEVERITY_RANK[h.severity]].get(h.id);
      fold = p !== undefined && p.full && p.kth() < placeKey(h);
    }
    if (fold) return a;
    // kept: diagnosed again at the end, to the same findings; their places count for others
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i], of = this.places[SEVERITY_RANK[h.severity]];
      let p = of.get(h.id);
      if (!p) of.set(h.id, (p = new Smallest(WHOLE)));
      p.add(placeKey(h));
    }
    this.kept(c);
    return null;
  }

  /**
   * A finding of id `id` and `severity` whose place in Report order is `place` or later is surely
   * not one the Report shows whole (4 above): that many of connections kept to the end come
   * strictly before it (model/fold.ts limitsHidden). Once so, always: places only come in.
   */
  hidden(id: string, severity: Finding["severity"], place: number): boolean {
    const p = this.places[SEVERITY_RANK[severity]].get(id);
    return p !== undefined && p.full && p.kth() < place;
  }

  /** `c`, diagnosed to `a`, folded with its record `r` (the caller made its row). */
  folded(c: ConnModel, a: Alone, r: Connection): void {
    this.columns.push(c.order, r, a.heads);
  }
}

/** What a rule of its own can be told from the model alone, before diagnosing it (1 above). */
function ownShape(c: ConnModel, referred: boolean): boolean {
  if (!settled(c) || probe(c)) return false;
  // TCP failures (tcpVerdict); PATH_NOT_COVERED (referralsAfter), unless `referred` (routineDfs)
  if (c.syns.length && !c.synAck) return false;
  // (indexed loops: a closure or an iterator made for each of tens of thousands of connections)
  if (!referred) {
    const refused = c.beyond?.refused ?? NO_REFUSALS;
    for (let i = 0; i < refused.length; i++) { const r = refused[i]; if (r.resp && notCovered(r.resp.status)) return false; }
    for (let i = 0; i < c.trees.length; i++) { const t = c.trees[i]; if (t.resp && notCovered(t.resp.status)) return false; }
  }
  // one successful leg at most: a row keeps one session (user-session-deleted.ts origin)
  let ok = 0;
  for (let i = 0; i < c.sessions.length; i++) { const r = c.sessions[i].resp; if (r && (r.status >>> 0) === 0) ok++; }
  return ok <= 1;
}

/**
 * `a`: a connection refused STATUS_PATH_NOT_COVERED whose client host already had a referral
 * answered with success, asked after its first such refusal (model/fold.ts `referred`). In the
 * whole capture PATH_NOT_COVERED gives it no finding (path-not-covered.ts firstRefusal); alone,
 * without that other connection, it gave one: taken out of its findings and heads. Only when it
 * set up fine: the fallbacks, which an error finding on it keeps quiet (precedence.ts
 * explainedByError), take only connections that did not (F.FAILED, F.NO_SESSION), and no other
 * rule reads a finding of it.
 */
function routineDfs(a: Alone): boolean {
  if (a.s.outcome !== "ok") return false;
  if (!a.findings.includes(PATH_NOT_COVERED)) return true;
  a.findings = a.findings.filter((id) => id !== PATH_NOT_COVERED);
  a.heads = a.heads.filter((h) => h.id !== PATH_NOT_COVERED);
  return true;
}
const PATH_NOT_COVERED = pathNotCovered.meta.id;
const NO_REFUSALS: NonNullable<ConnModel["beyond"]>["refused"] = [];

/** The connection's findings are its own (1 above): no fallback among them, none of the capture's. */
function aloneSafe(a: Alone): boolean {
  const ids = a.findings, heads = a.heads;
  for (let i = 0; i < ids.length; i++) if (ids[i] === authNotAttempted.meta.id || ids[i] === connectionAbandoned.meta.id) return false;
  for (let i = 0; i < heads.length; i++) if (heads[i].connection !== a.s.id || heads[i].connections) return false;
  return a.s.failedPhase !== "tcp";
}

/** Set up fine without a finding: to the Report's ladders, a healthy connection (reportBuilder.ts diagnosed). */
export const healthy = (a: Alone) => a.s.outcome === "ok" && a.findings.length === 0;

/** A finding's place in Report order among those of its id and severity (context.ts add: first frame). */
export const placeKey = (f: Finding) => f.frames[0] ?? 0;
