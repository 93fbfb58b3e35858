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
 * (The summaries make these with their keys in one order: the JSON of a shared one is the same.)
 */
const TEXT_LISTS = 10_000;

/**
 * Values found by a sequence of keys (strings, or null), compared as Map keys: no key text made
 * per lookup. The records' lists and names are of strings the decoder interned (decoder/records.ts
 * intern): the same few string objects, whose hashes V8 keeps, on every connection. A JSON or
 * joined key per record was most of the fold's sharing cost (smb1m-1g: ~2 % of the CPU).
 */
class KeyTrie<T> {
  private value: T | undefined = undefined;
  private next: Map<string | null, KeyTrie<T>> | null = null;
  size = 0;
  get(keys: readonly (string | null)[]): T | undefined {
    let n: KeyTrie<T> | undefined = this;
    for (let i = 0; n !== undefined && i < keys.length; i++) n = n.next?.get(keys[i]);
    return n?.value;
  }
  set(keys: readonly (string | null)[], v: T): void {
    let n: KeyTrie<T> = this;
    for (let i = 0; i < keys.length; i++) {
      const m: Map<string | null, KeyTrie<T>> = (n.next ??= new Map());
      let c = m.get(keys[i]);
      if (c === undefined) m.set(keys[i], (c = new KeyTrie<T>()));
      n = c;
    }
    n.value = v;
    this.size++;
  }
}

export class SharedValues {
  private readonly lists = new KeyTrie<string[]>();
  private readonly signings: (NonNullable<Connection["signing"]> | undefined)[] = [undefined, undefined, undefined, undefined];
  private readonly names = new KeyTrie<NonNullable<Connection["serverName"]>>();
  private readonly systems = new Map<string, NonNullable<Connection["serverOs"]>>();
  private readonly nameKey: (string | null)[] = [null, null, null, null];
  list(l: string[]): string[] {
    let s = this.lists.get(l);
    if (!s) this.lists.set(l, (s = Object.freeze(l.slice()) as string[]));
    return s;
  }
  signing(v: NonNullable<Connection["signing"]>): NonNullable<Connection["signing"]> {
    const k = +v.clientRequired * 2 + +v.serverRequired;
    return (this.signings[k] ??= Object.freeze(v));
  }
  serverName(v: NonNullable<Connection["serverName"]>): NonNullable<Connection["serverName"]> {
    const key = this.nameKey;
    key[0] = v.netbios; key[1] = v.dns; key[2] = v.domain; key[3] = v.netname;
    const s = this.names.get(key);
    if (s) return s;
    this.names.set(key, Object.freeze(v));
    return v;
  }
  os(v: NonNullable<Connection["serverOs"]>): NonNullable<Connection["serverOs"]> {
    const s = this.systems.get(v.version);
    if (s) return s;
    this.systems.set(v.version, Object.freeze(v));
    return v;
  }
  /** a list of texts (a folded connection's share paths, model/fold.ts), shared (`l` is not kept) */
  texts(l: string[]): readonly string[] {
    if (l.length === 0) return NONE;
    let s = this.textLists.get(l);
    // (bounded: past TEXT_LISTS distinct lists, each its own; a copy: the caller uses `l` again)
    if (!s) { s = Object.freeze(l.slice()); if (this.textLists.size < TEXT_LISTS) this.textLists.set(l, s); }
    return s;
  }
  private readonly textLists = new KeyTrie<readonly string[]>();
}
