// What the CLI writes to a terminal must be the CLI's own: a capture from anywhere carries names
// (share, user, domain, host, Kerberos principals) chosen by whoever made it, and raw, an ESC or
// OSC sequence in one retitles or clears the terminal, ESC[8m hides the rest of the verdict, a
// bidi override (U+202E) reverses what follows. Every line the CLI prints passes through
// `terminalSafe`, which shows such characters as escapes (\x1b, \u202e); the CLI's own colour codes
// are added after it (render.ts), so they are the only escape sequences that reach the terminal.

// C0, DEL and C1 controls; format characters (bidi embeddings, overrides and isolates, zero-width
// space/joiners, LRM/RLM, BOM, Arabic letter mark, tag characters); other default-ignorable
// (invisible) code points (Hangul fillers, variation selectors); line/paragraph separators;
// lone surrogates.
const CLASS = "[\\p{Cc}\\p{Cf}\\p{Cs}\\p{Zl}\\p{Zp}\\p{Default_Ignorable_Code_Point}]";
const UNSAFE = new RegExp(CLASS, "gu");
// Text that holds none of these needs no look at all: a plain scan, ~10× faster than the Unicode
// classes. Of the Latin-1 range only C0, DEL, C1 and the soft hyphen (U+00AD) are in CLASS, so a
// capture's "µs" or "é" (and every string of them V8 holds one byte a character) passes the scan
// too; anything above U+00FF is looked at with the classes.
const MAYBE_UNSAFE = /[^\x20-\x7e\xa0-\xac\xae-\xff]/;
const MAYBE_UNSAFE_LINES = /[^\n\x20-\x7e\xa0-\xac\xae-\xff]/;
// the same in JSON Lines, where the line feeds between documents are the CLI's own
const JSON_UNSAFE = new RegExp(`(?!\n)${CLASS}`, "gu");
// one character of them
const UNSAFE_ONE = new RegExp(`^${CLASS}$`, "u");

const hex = (n: number, w: number) => n.toString(16).padStart(w, "0");
const SHORT: Record<string, string> = { "\t": "\\t", "\n": "\\n", "\r": "\\r" };

function escapeOne(ch: string): string {
  const cp = ch.codePointAt(0)!;
  return SHORT[ch] ?? (cp < 0x100 ? `\\x${hex(cp, 2)}` : cp < 0x10000 ? `\\u${hex(cp, 4)}` : `\\u{${hex(cp, 5)}}`);
}

/** Text as it may reach a terminal: every control, invisible or direction-changing character escaped. */
export function terminalSafe(s: string): string {
  return MAYBE_UNSAFE.test(s) ? s.replace(UNSAFE, escapeOne) : s;
}

/**
 * JSON text or JSON Lines (JSON.stringify already escapes C0 controls and lone surrogates) with the rest of the
 * same characters written as \u escapes too: the same JSON value, and `cat`, `less` or a terminal
 * showing the output sees no raw C1 control, bidi or invisible character.
 */
export function jsonTerminalSafe(json: string): string {
  return MAYBE_UNSAFE_LINES.test(json) ? json.replace(JSON_UNSAFE, (m) => Array.from({ length: m.length }, (_, i) => `\\u${hex(m.charCodeAt(i), 4)}`).join("")) : json;
}

/**
 * jsonTerminalSafe for JSON.stringify's text (or JSON Lines of it), faster: such text holds no raw
 * C0 control but its line feeds, so text that is all ASCII (as many UTF-8 bytes as characters)
 * with no DEL has nothing to escape. Buffer.byteLength and indexOf tell that ~4× faster than the
 * scan: writing the bench's dense Report (100 MB) took 0.08 s for the safety step, now 0.025 s.
 */
export function stringifiedTerminalSafe(json: string): string {
  return Buffer.byteLength(json, "utf8") === json.length && json.indexOf("\x7f") < 0 ? json : jsonTerminalSafe(json);
}

/**
 * Whether JSON text as UTF-8 bytes (JsonBytes', whole characters, C0 controls escaped) is what
 * jsonTerminalSafe leaves as it is: no DEL, and no character past ASCII of the ones it escapes.
 * The CLI writes such bytes as they are; text past ASCII went as a string, and the Unicode
 * classes' replace over all of it (the dense bench's findings, 2.2 MB with a few arrows and
 * dashes: ~60 ms) found nothing to escape.
 */
export function utf8JsonTerminalSafe(b: Uint8Array): boolean {
  let safe = -1; // the last character past Latin-1 found safe (the same few come again)
  for (let i = 0, n = b.length; i < n; i++) {
    const c = b[i];
    if (c < 0x7f) continue;
    if (c === 0x7f) return false;
    let cp: number;
    if (c < 0xe0) {
      cp = (c & 0x1f) << 6 | (b[++i] & 0x3f);
      // (of Latin-1, the C1 controls and the soft hyphen: MAYBE_UNSAFE)
      if (cp < 0x100) { if (cp < 0xa0 || cp === 0xad) return false; continue; }
    } else if (c < 0xf0) cp = (c & 0x0f) << 12 | (b[++i] & 0x3f) << 6 | (b[++i] & 0x3f);
    else cp = (c & 0x07) << 18 | (b[++i] & 0x3f) << 12 | (b[++i] & 0x3f) << 6 | (b[++i] & 0x3f);
    if (cp === safe) continue;
    if (UNSAFE_ONE.test(String.fromCodePoint(cp))) return false;
    safe = cp;
  }
  return true;
}
