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

/**
 * Texts seen before, one copy each, as far as a direct-mapped table keeps them (a slot per hash of
 * the text's characters; a collision replaces the slot): a cache, never a leak. No Map: in a
 * capture of tens of thousands of distinct hosts every address and endpoint is new, and a Map's
 * growth, clearing and hashing of each new text cost more than the strings saved (profiled on the
 * dense bench: 0.25 s of its model's time, less than half of that with this table).
 */
const INTERN_SLOTS = 1 << 16;
const internedText: string[] = new Array<string>(INTERN_SLOTS).fill("");
/** each slot's text's hash: a slot of another text is told by it, without reading that text (one
 *  long gone cold in the heap: most of intern's time on captures of ~100,000 hosts, smb1m-1g) */
const internedHash = new Int32Array(INTERN_SLOTS);

/** FNV-1a of a text's UTF-16 code units (unsigned). */
export function textHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** One string for equal texts (an address or server endpoint shared by many connections), flat. */
export function intern(s: string): string {
  // (reading the code units also flattens a joined text: see flat)
  const h = textHash(s) | 0;
  const slot = (h ^ (h >>> 16)) & (INTERN_SLOTS - 1);
  if (internedHash[slot] === h) {
    const o = internedText[slot];
    if (o === s) return o;
  }
  internedText[slot] = s;
  internedHash[slot] = h;
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
