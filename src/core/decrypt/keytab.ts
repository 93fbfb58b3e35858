// MIT keytab files (the format of MIT krb5's keytab.txt, also written by Heimdal, Samba's
// `samba-tool domain exportkeytab`, Windows' `ktpass`): 0x05 then the version, 0x02 (integers
// big-endian) or 0x01 (integers in the writer's byte order; tried little-endian, then big).
// Then entries: a signed 32-bit size (negative: a hole left by a deleted entry, skipped) and the
// entry: component count (16), realm, components (each a 16-bit length and bytes), name type
// (32, not in version 1), timestamp (32), kvno (8), key type (16), key (16-bit length, bytes),
// and, if the entry has room, a 32-bit kvno that supersedes the 8-bit one when non-zero (then
// 32 bits of flags, ignored). Bounded: every length is checked against the entry and the file;
// a damaged file gives an error naming the offset, never a throw.

export interface KeytabEntry {
  /** "cifs/dc1.corp.example.test@CORP.EXAMPLE.TEST" */
  principal: string;
  components: string[];
  realm: string;
  nameType: number;
  /** seconds since 1970 */
  timestamp: number;
  kvno: number;
  etype: number;
  key: Uint8Array;
}

export type KeytabParse =
  | { kind: "keytab"; version: 1 | 2; entries: KeytabEntry[] }
  | { kind: "error"; why: string };

const KEYTAB_MAGIC = 0x05;
/** Bigger than any real keytab; a limit so a hostile file cannot make us read for long. */
export const KEYTAB_MAX_BYTES = 16 << 20;

class KeytabError extends Error {
  constructor(what: string, readonly offset: number) { super(`${what} (offset ${offset})`); }
}

const text = new TextDecoder("utf-8", { fatal: false });

class Reader {
  constructor(private readonly b: Uint8Array, public o: number, private readonly end: number, private readonly le: boolean) {}
  need(n: number, what: string): void {
    if (this.o + n > this.end) throw new KeytabError(`${what}: ${n} bytes needed, ${Math.max(0, this.end - this.o)} left in the entry`, this.o);
  }
  u8(what: string): number { this.need(1, what); return this.b[this.o++]; }
  u16(what: string): number {
    this.need(2, what);
    const b = this.b, o = this.o; this.o += 2;
    return this.le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
  }
  u32(what: string): number {
    this.need(4, what);
    const b = this.b, o = this.o; this.o += 4;
    return (this.le ? b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24) : (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }
  bytes(what: string): Uint8Array {
    const at = this.o;
    const n = this.u16(`${what} length`);
    if (this.o + n > this.end) throw new KeytabError(`${what} says ${n} bytes, ${this.end - this.o} left in the entry`, at);
    const v = this.b.slice(this.o, this.o + n);
    this.o += n;
    return v;
  }
  left(): number { return this.end - this.o; }
}

function parseWith(b: Uint8Array, version: 1 | 2, le: boolean): KeytabEntry[] {
  const entries: KeytabEntry[] = [];
  const file = new Reader(b, 2, b.length, le);
  while (file.o < b.length) {
    const at = file.o;
    if (b.length - at < 4) throw new KeytabError(`${b.length - at} stray bytes where an entry size was expected`, at);
    const size = file.u32("entry size") | 0;
    if (size === 0) break; // MIT's end marker: zeros after the last entry
    const len = Math.abs(size);
    if (len > b.length - file.o) throw new KeytabError(`entry says ${len} bytes, ${b.length - file.o} left in the file`, at);
    const body = file.o;
    file.o += len;
    if (size < 0) continue; // a hole
    const r = new Reader(b, body, body + len, le);
    let count = r.u16("component count");
    if (version === 1) count--; // version 1 counts the realm too
    if (count < 0 || count > 64) throw new KeytabError(`entry has ${count} name components`, body);
    const realm = text.decode(r.bytes("realm"));
    const components: string[] = [];
    for (let i = 0; i < count; i++) components.push(text.decode(r.bytes(`name component ${i + 1}`)));
    const nameType = version === 1 ? 0 : r.u32("name type");
    const timestamp = r.u32("timestamp");
    let kvno = r.u8("kvno");
    const etype = r.u16("key type");
    const key = r.bytes("key");
    if (r.left() >= 4) { const k32 = r.u32("32-bit kvno"); if (k32 !== 0) kvno = k32; }
    entries.push({ principal: `${components.join("/")}@${realm}`, components, realm, nameType, timestamp, kvno, etype, key });
  }
  return entries;
}

/** Parses a keytab file; `name` only for the error text. */
export function parseKeytab(b: Uint8Array, name = "keytab"): KeytabParse {
  if (b.length < 2) return { kind: "error", why: `${name}: ${b.length} bytes, not a keytab (a keytab starts with 05 01 or 05 02)` };
  if (b.length > KEYTAB_MAX_BYTES) return { kind: "error", why: `${name}: ${b.length} bytes, larger than any keytab (${KEYTAB_MAX_BYTES} bytes at most)` };
  if (b[0] !== KEYTAB_MAGIC || (b[1] !== 1 && b[1] !== 2))
    return { kind: "error", why: `${name}: starts with ${hex2(b[0])} ${hex2(b[1])}, not a keytab (05 01 or 05 02 expected at offset 0)` };
  const version = b[1] as 1 | 2;
  try {
    return { kind: "keytab", version, entries: parseWith(b, version, version === 1) };
  } catch (e) {
    if (!(e instanceof KeytabError)) throw e;
    if (version === 1) {
      try { return { kind: "keytab", version, entries: parseWith(b, version, false) }; } catch { /* report the first reading's error */ }
    }
    return { kind: "error", why: `${name}: ${e.message}` };
  }
}

const hex2 = (n: number | undefined) => (n ?? 0).toString(16).padStart(2, "0");

/**
 * The keys of several keytab files (`--keytab` may be given more than once; the page takes
 * several files): all their entries, or the first file's error. A file without any key is an
 * error too: nothing could be decrypted with it.
 */
export function keytabEntries(files: { name: string; bytes: Uint8Array }[]): KeytabEntry[] | { error: string } {
  const out: KeytabEntry[] = [];
  for (const f of files) {
    const k = parseKeytab(f.bytes, f.name);
    if (k.kind === "error") return { error: k.why };
    if (k.entries.length === 0) return { error: `${f.name}: a keytab without any key` };
    for (const e of k.entries) out.push(e);
  }
  return out;
}
