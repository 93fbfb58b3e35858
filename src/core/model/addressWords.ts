// Addresses as one 32-bit word each, for the typed columns of the rows kept per connection
// (foldedRows.ts, pendingTcp.ts): an IPv4 address as its bits; an IPv6 one as an index into
// 4-word groups; any other text ("?") as an index into a list of distinct texts. The word's kind
// is the caller's to keep (a flag bit of its row): no object and no string per address. Each
// address is written back as names.ts ipText wrote it, so the text is the model's.
import { ipText, zeroRun } from "../names";
import { U32Column } from "./column";

/** What a word stands for: an IPv4 address's bits, an index into the IPv6 groups, an index into the texts. */
export const V4 = 0, V6 = 1, TEXT = 2;
export type AddressKind = typeof V4 | typeof V6 | typeof TEXT;

/** The 32 bits of an IPv4 address as names.ts ipText writes it ("10.0.0.1"), or -1 (any other text). */
export function ipv4Bits(s: string): number {
  let v = 0, part = -1, parts = 0, digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const ch = i < s.length ? s.charCodeAt(i) : 46; // (the end as a ".")
    if (ch === 46) {
      if (part < 0 || parts === 4) return -1;
      v = v * 256 + part; parts++; part = -1; digits = 0;
    } else if (ch >= 48 && ch <= 57) {
      if (part === 0 && digits > 0) return -1; // (a leading zero: not ipText's)
      part = part < 0 ? ch - 48 : part * 10 + ch - 48;
      digits++;
      if (part > 255) return -1;
    } else return -1;
  }
  return parts === 4 ? v : -1;
}

/** An IPv6 address as ipText writes it, as 16 bytes into `out`; false if it is not one ipText would write so. */
function ipv6Bytes(s: string, out: Uint8Array): boolean {
  // (by hand, not split and a regex per group: a scan's 200,000 client addresses each come here once)
  const gap = s.indexOf("::"), g = v6Groups;
  let n: number, left: number;
  if (gap < 0) {
    if ((n = hexGroups(s, 0, s.length, 0)) !== 8) return false;
    left = 8;
  } else {
    if ((left = hexGroups(s, 0, gap, 0)) < 0 || (n = hexGroups(s, gap + 2, s.length, left)) < 0 || n > 7) return false;
  }
  const zeros = 8 - n;
  for (let k = 0; k < 8; k++) {
    const x = k < left ? g[k] : k < left + zeros ? 0 : g[k - zeros];
    out[2 * k] = x >> 8; out[2 * k + 1] = x & 255;
  }
  // ipText's own form only, so that the text made again from the bytes is this one: no leading
  // zero (hexGroups), "::" where RFC 5952 puts it, not an IPv4-mapped address (ipText writes it as IPv4)
  let mapped = out[10] === 0xff && out[11] === 0xff;
  for (let k = 0; mapped && k < 10; k++) mapped = out[k] === 0;
  if (mapped) return false;
  const run = zeroRun(out);
  return gap < 0 ? run === 0 : run === left * 16 + zeros;
}
const v6Groups = new Uint16Array(8);

/** The ":"-separated groups of 1–4 hex digits in s[from, to) into v6Groups from `n`: the count after them, or -1. */
function hexGroups(s: string, from: number, to: number, n: number): number {
  if (from === to) return n;
  let v = 0, digits = 0;
  for (let i = from; i <= to; i++) {
    const ch = i < to ? s.charCodeAt(i) : 58; // (the end as a ":")
    if (ch === 58) {
      if (digits === 0 || n === 8) return -1;
      v6Groups[n++] = v; v = 0; digits = 0;
      continue;
    }
    const d = ch >= 48 && ch <= 57 ? ch - 48 : ch >= 97 && ch <= 102 ? ch - 87 : -1;
    if (d < 0 || ++digits > 4 || (digits === 2 && v === 0)) return -1; // (a leading zero: not ipText's)
    v = v * 16 + d;
  }
  return n;
}

/**
 * The words of a row kind's addresses. A row has two (client, server): each side remembers its
 * last address, so that a scan's or a busy server's rows, which share their server, keep its
 * IPv6 address once, not once a row.
 */
export class AddressWords {
  /** IPv6 addresses, 4 words each */
  private readonly v6 = new U32Column();
  /** addresses neither IPv4 nor IPv6, one each */
  private readonly texts: string[] = [];
  private readonly textIds = new Map<string, number>();
  private readonly bytes = new Uint8Array(16);
  /** by side (0 client, 1 server): the last address, its word and kind */
  private readonly lastIp = ["", ""];
  private readonly lastWord = [0, 0];
  private readonly lastKind: AddressKind[] = [V4, V4];
  /** the kind of the word `word` gave last */
  kind: AddressKind = V4;

  /** The word of `ip` on side `side` (0 client, 1 server); its kind in `kind`. */
  word(ip: string, side: 0 | 1): number {
    if (ip === this.lastIp[side]) { this.kind = this.lastKind[side]; return this.lastWord[side]; }
    let w = ipv4Bits(ip), kind: AddressKind = V4;
    if (w < 0) {
      const b = this.bytes;
      if (ipv6Bytes(ip, b)) {
        w = this.v6.length; kind = V6;
        for (let k = 0; k < 16; k += 4) this.v6.push(((b[k] << 24) | (b[k + 1] << 16) | (b[k + 2] << 8) | b[k + 3]) >>> 0);
      } else {
        kind = TEXT;
        const t = this.textIds.get(ip);
        if (t === undefined) { w = this.texts.push(ip) - 1; this.textIds.set(ip, w); } else w = t;
      }
    }
    this.lastIp[side] = ip; this.lastWord[side] = w; this.lastKind[side] = kind;
    this.kind = kind;
    return w;
  }

  /** The text of word `w` of kind `kind`, as ipText wrote it (names.ts keeps the recent ones). */
  text(w: number, kind: AddressKind): string {
    if (kind === TEXT) return this.texts[w];
    const b = this.bytes;
    b.fill(0, 0, 12);
    if (kind === V6) {
      for (let k = 0; k < 16; k += 4) { const v = this.v6.get(w + k / 4); b[k] = v >>> 24; b[k + 1] = (v >>> 16) & 255; b[k + 2] = (v >>> 8) & 255; b[k + 3] = v & 255; }
    } else {
      b[10] = b[11] = 0xff;
      b[12] = w >>> 24; b[13] = (w >>> 16) & 255; b[14] = (w >>> 8) & 255; b[15] = w & 255;
    }
    return ipText(b);
  }
}
