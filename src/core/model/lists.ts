// Small shared pieces of the model's memory budget: most of a connection's lists stay empty or
// keep one element, and its hosts' addresses are the same text on thousands of connections.

/** The empty list every connection starts with: one frozen array, replaced by `appended`'s first element. */
export const NONE: never[] = Object.freeze([]) as unknown as never[];

/**
 * `l` with `v` appended: `l` itself or a new array (assign the result). Most of a connection's
 * lists keep one to four elements, for tens of thousands of connections; `l` may be NONE, which
 * is never written to.
 */
export function appended<T>(l: T[], v: T): T[] {
  // a push onto a short array grows it by 16 slots or more: the first few elements make an
  // array of their exact size instead (most lists end with two or three: SESSION_SETUP legs)
  switch (l.length) {
    case 0: return [v];
    case 1: return [l[0], v];
    case 2: return [l[0], l[1], v];
    case 3: return [l[0], l[1], l[2], v];
  }
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
  interned.set((s = flat(s)), s);
  return s;
}

/**
 * `s`, in one piece. A text joined from parts ("ip" + ":" + "port") is kept by V8 as a tree of
 * its parts, about twice the size of the text; reading a character makes it one flat string
 * (measured: 500,000 endpoints 49 MiB before, 23.5 after). For the texts kept per connection.
 */
export function flat(s: string): string {
  read ^= s.charCodeAt(0); // (kept somewhere, so an optimising compiler cannot drop the read)
  return s;
}
let read = 0;
