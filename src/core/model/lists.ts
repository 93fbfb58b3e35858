// Small shared pieces of the model's memory budget: most of a connection's lists stay empty or
// keep one element, and its hosts' addresses are the same text on thousands of connections.

/** The empty list every connection starts with: one frozen array, replaced by `appended`'s first element. */
export const NONE: never[] = Object.freeze([]) as unknown as never[];

/**
 * `l` with `v` appended. A first element makes a one-slot array (a push onto [] reserves 16
 * slots, and most of a connection's lists keep one or two, for tens of thousands of
 * connections); `l` may be NONE, which is never written to.
 */
export function appended<T>(l: T[], v: T): T[] {
  if (l.length === 0) return [v];
  l.push(v);
  return l;
}

/** Texts seen before, one copy each (bounded: cleared when full, so it is a cache, never a leak). */
const INTERNED_MAX = 1 << 16;
const interned = new Map<string, string>();

/** One string for equal texts (an address or server endpoint shared by many connections). */
export function intern(s: string): string {
  const o = interned.get(s);
  if (o !== undefined) return o;
  if (interned.size >= INTERNED_MAX) interned.clear();
  interned.set(s, s);
  return s;
}
