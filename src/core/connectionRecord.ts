// A connection's Report record, made from its summary and findings: one function for the records
// buildReport makes at the end (reportBuilder.ts diagnosed) and the ones the fold makes as healthy
// connections close (model/fold.ts), so the two are the same record.
import type { Connection } from "./report";
import { NONE } from "./model/lists";

/** The Report keeps the ladders of the first LADDERS_OK connections that set up fine and the first
 *  LADDERS_PROBLEM others (reportBuilder.ts diagnosed; the folded ones count first, model/fold.ts). */
export const LADDERS_OK = 200;
export const LADDERS_PROBLEM = 1000;

/**
 * The summary becomes the record in place (a copy by spread cost a hidden class per connection).
 * `keepLadder`: the Report's ladder budget kept this connection's ladder.
 */
export function connectionRecord(s: Omit<Connection, "findings">, findings: string[], keepLadder: boolean, same: SharedValues): Connection {
  const r = s as Connection;
  if (!keepLadder) r.ladder = undefined;
  r.findings = same.list(findings);
  // (the summary's lists are of their length already, model/summarize.ts; its small values are
  // shared ones, frozen, when it was given `same`)
  if (r.signing && !Object.isFrozen(r.signing)) r.signing = same.signing(r.signing);
  if (r.serverName && !Object.isFrozen(r.serverName)) r.serverName = same.serverName(r.serverName);
  if (r.clientOs && !Object.isFrozen(r.clientOs)) r.clientOs = same.os(r.clientOs);
  if (r.serverOs && !Object.isFrozen(r.serverOs)) r.serverOs = same.os(r.serverOs);
  return r;
}

/**
 * One copy of each of the small values most connection records repeat (the finding ids of a
 * connection, its signing posture, the server's names), shared by the records that hold an equal
 * one: the JSON is the same, and a capture of 50,000 connections holds a few hundred of them
 * instead of 150,000 (~12 MB). Shared values are frozen: a front end that changed one would
 * change every record holding it. One per analysis (the fold's and buildReport's records share it).
 */
const TEXT_LISTS = 10_000;

export class SharedValues {
  private readonly lists = new Map<string, string[]>();
  private readonly objects = new Map<string, object>();
  list(l: string[]): string[] {
    const key = l.join("\n");
    let s = this.lists.get(key);
    if (!s) this.lists.set(key, (s = Object.freeze(l.slice()) as string[]));
    return s;
  }
  signing(v: NonNullable<Connection["signing"]>): NonNullable<Connection["signing"]> {
    return this.object(`s${+v.clientRequired}${+v.serverRequired}`, v);
  }
  serverName(v: NonNullable<Connection["serverName"]>): NonNullable<Connection["serverName"]> {
    return this.object(`n${JSON.stringify([v.netbios, v.dns, v.domain, v.netname])}`, v);
  }
  os(v: NonNullable<Connection["serverOs"]>): NonNullable<Connection["serverOs"]> {
    return this.object(`o${v.version}`, v);
  }
  /** a list of texts (a folded connection's share paths, model/fold.ts) */
  texts(l: string[]): readonly string[] {
    if (l.length === 0) return NONE;
    const key = JSON.stringify(l);
    let s = this.textLists.get(key);
    // (bounded: past TEXT_LISTS distinct lists, each its own)
    if (!s) { s = Object.freeze(l); if (this.textLists.size < TEXT_LISTS) this.textLists.set(key, s); }
    return s;
  }
  private readonly textLists = new Map<string, readonly string[]>();
  private object<T extends object>(key: string, v: T): T {
    const s = this.objects.get(key);
    if (s) return s as T;
    // the summaries make these with their keys in one order: the JSON of a shared one is the same
    this.objects.set(key, Object.freeze(v));
    return v;
  }
}
