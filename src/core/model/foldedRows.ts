// The folded connections' rows (model/fold.ts), in typed columns: what other connections' rules may
// read of a folded connection (FoldedConn), ~39 bytes a connection outside the JS heap. As one
// object each (addresses as strings, a bigint, ~225 bytes in the heap) the rows of a capture of
// 1,000,000 healthy connections were ~230 MB, and the garbage V8 lets pile up above what the heap
// holds grew with them (smb1m: ~1 GiB peak RSS). A FoldedConn is made only when a rule asks for
// one (at): the rules read few, of the hosts of the connections kept to the end.
//
// Per row: 5 words (order, stream, first frame, the client's and the server's address: an IPv4
// address as its 32 bits, else an index into `v6` or `texts`, said by a flag); 16 bits each of the
// ports, the last frame and the successful SESSION_SETUP response's frame (both after the first
// frame) and the server's facts (an index into `facts`: serverOs, serverName and the paths of the
// shares that connected, one entry per distinct triple, the few SharedValues gives); its session
// id in `sids`, flags in `flags`. A 16-bit value that does not fit is kept aside (NarrowColumn): a
// connection longer than 65,535 frames costs 12 bytes more, no more. (No table of distinct servers:
// a capture may have as many servers as connections, and a Map entry each outweighs the 4 bytes.)
import type { Connection } from "../report";
import type { DfsReferral, FoldedConn, FoldedReferral, FoldedSmb1 } from "./types";
import { endpoint, ipText, zeroRun } from "../names";
import { sortedIndex } from "../sortedIndex";
import { Column, NarrowColumn } from "./column";

const W = 5;
const ORDER = 0, STREAM = 1, FIRST = 2, CLIENT = 3, SERVER = 4;
// flags: a session id; a negative one (kept as its 64 bits); each address not IPv4: IPv6 (in `v6`), other text (in `texts`);
// a connection with findings (model/foldDiagnosed.ts) whose outcome was not "ok", and one without SESSION_SETUP legs
const HAS_SID = 1, NEG_SID = 2, CLIENT_V6 = 4, SERVER_V6 = 8, CLIENT_TEXT = 16, SERVER_TEXT = 32, NOT_OK = 64, NO_SESSIONS = 128;

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
export function ipv6Bytes(s: string, out: Uint8Array): boolean {
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

/** The server's facts a folded connection keeps (distinct triples: the few SharedValues gives). */
interface Facts { serverOs: FoldedConn["serverOs"]; serverName: FoldedConn["serverName"]; shares: readonly string[] }

/** A key for a host's address, as FoldedRows.clientKey/serverKey give them: its IPv4 bits, else its text. */
export const hostKey = (ip: string): number | string => { const v = ipv4Bits(ip); return v >= 0 ? v : ip; };

export class FoldedRows {
  private readonly words = new Column((n) => new Uint32Array(n));
  private readonly sids = new Column((n) => new BigUint64Array(n));
  private readonly flags = new Column((n) => new Uint8Array(n));
  private readonly clientPorts = new Column((n) => new Uint16Array(n));
  private readonly serverPorts = new Column((n) => new Uint16Array(n));
  /** lastFrame − firstFrame; sessionFrame − firstFrame + 1 (0: sessionFrame 0, none; one before the first frame as −1 − sessionFrame) */
  private readonly lasts = new NarrowColumn();
  private readonly sessionFrames = new NarrowColumn();
  private readonly factsIds = new NarrowColumn();
  /** IPv6 addresses, 4 words each (one per row that has one: no lookup, no string per host) */
  private readonly v6 = new Column((n) => new Uint32Array(n));
  /** addresses neither IPv4 nor IPv6 as ipText writes them ("?"), one each */
  private readonly texts: string[] = [];
  private readonly textIds = new Map<string, number>();
  private readonly facts: Facts[] = [];
  private readonly factIds = new Map<number | string, number>();
  private readonly objectIds = new Map<object, number>();
  /** the SMB1 rows (smb1-in-use.ts reads them): 3 words each, the row, its NEGOTIATE response's frame and dialect */
  private readonly smb1Words = new Column((n) => new Uint32Array(n));
  private readonly dialects: string[] = [];
  private readonly dialectIds = new Map<string, number>();
  /** the referral requests a PATH_NOT_COVERED may still read (model/fold.ts Folder: few), by client host address, in fold order */
  private readonly referrals = new Map<string, FoldedReferral[]>();
  /** the records, kept for buildReport when the analysis has no ConnectionSink (else null) */
  private readonly records: (Connection | null)[] | null;
  /** Report order → row, once sorted (sort) */
  private perm: Uint32Array | null = null;
  private smb1Perm: Uint32Array | null = null;
  private readonly bytes = new Uint8Array(16);

  constructor(keepRecords: boolean) { this.records = keepRecords ? [] : null; }

  get length(): number { return this.flags.length; }
  get smb1Length(): number { return this.smb1Words.length / 3; }

  /** A folded connection's row (model/fold.ts); `record` kept when there is no sink. */
  push(r: {
    order: number; stream: number; firstFrame: number; lastFrame: number; clientPort: number; serverPort: number;
    clientIp: string; serverIp: string; serverOs: Facts["serverOs"]; serverName: Facts["serverName"]; shares: readonly string[];
    sessionId: bigint | undefined; sessionFrame: number;
    /** its outcome was "ok"; it had SESSION_SETUP legs (always so for a healthy one: model/fold.ts foldable) */
    ok: boolean; sessions: boolean;
  }, record: Connection): void {
    const w = this.words;
    let f = 0;
    w.push(r.order); w.push(r.stream >>> 0); w.push(r.firstFrame);
    w.push(this.address(r.clientIp));
    f |= this.kind === 1 ? CLIENT_V6 : this.kind === 2 ? CLIENT_TEXT : 0;
    // (the server of the row before, most often: a scan's, a busy file server's; its IPv6 address kept once)
    if (r.serverIp !== this.lastServer) { this.lastServerWord = this.address(r.serverIp); this.lastServerKind = this.kind; this.lastServer = r.serverIp; }
    w.push(this.lastServerWord);
    f |= this.lastServerKind === 1 ? SERVER_V6 : this.lastServerKind === 2 ? SERVER_TEXT : 0;
    this.clientPorts.push(r.clientPort);
    this.serverPorts.push(r.serverPort);
    this.lasts.push(r.lastFrame - r.firstFrame);
    const d = r.sessionFrame - r.firstFrame + 1;
    this.sessionFrames.push(r.sessionFrame === 0 ? 0 : d > 0 ? d : -1 - r.sessionFrame);
    this.factsIds.push(this.factsId(r));
    if (r.sessionId !== undefined) f |= HAS_SID | (r.sessionId < 0n ? NEG_SID : 0);
    if (!r.ok) f |= NOT_OK;
    if (!r.sessions) f |= NO_SESSIONS;
    this.sids.push(r.sessionId === undefined ? 0n : BigInt.asUintN(64, r.sessionId));
    this.flags.push(f);
    this.records?.push(record);
    this.perm = this.smb1Perm = null;
  }

  /** The row just pushed is an SMB1 connection, with its NEGOTIATE response's frame and dialect. */
  pushSmb1(frame: number, dialect: string): void {
    // (a Map: the dialect is a text the client offered, as many as a crafted capture likes)
    let d = this.dialectIds.get(dialect);
    if (d === undefined) { d = this.dialects.push(dialect) - 1; this.dialectIds.set(dialect, d); }
    this.smb1Words.push(this.length - 1); this.smb1Words.push(frame); this.smb1Words.push(d);
    this.smb1Perm = null;
  }

  /** A referral request of the connection just folded (`order`, record id `id`) from `clientIp` that a PATH_NOT_COVERED may read (model/fold.ts Folder). */
  pushReferral(clientIp: string, order: number, id: string, r: DfsReferral): void {
    const l = this.referrals.get(clientIp);
    const f: FoldedReferral = { order, connId: id, r };
    if (l) l.push(f); else this.referrals.set(clientIp, [f]);
  }

  /** The folded referral requests of this client host (pushReferral), in fold order. */
  referralsFrom(clientIp: string): readonly FoldedReferral[] {
    return this.referrals.get(clientIp) ?? NO_REFERRALS;
  }

  /** Puts the rows in Report order (order ascending): the index of every reader below is in that order. */
  sort(): this {
    if (!this.perm) this.perm = sortedBy(this.length, (p) => this.words.get(p * W + ORDER));
    if (!this.smb1Perm) this.smb1Perm = sortedBy(this.smb1Length, (k) => this.words.get(this.smb1Words.get(3 * k) * W + ORDER));
    return this;
  }

  // ---- the rows, by index in Report order once sorted (before that, in fold order) ----
  order(i: number): number { return this.word(this.row(i), ORDER); }
  stream(i: number): number { return this.word(this.row(i), STREAM) | 0; }
  serverPort(i: number): number { return this.serverPorts.get(this.row(i)); }
  sessionFrame(i: number): number { return this.sessionFrameOf(this.row(i)); }
  serverIp(i: number): string { return this.host(this.row(i), SERVER, SERVER_V6, SERVER_TEXT); }
  /** the server's endpoint, as the record's `server` */
  server(i: number): string { return endpoint(this.serverIp(i), this.serverPort(i)); }
  /** hostKey of the client's / server's address (without its text for an IPv4 one) */
  clientKey(i: number): number | string { return this.key(this.row(i), CLIENT, CLIENT_V6, CLIENT_TEXT); }
  serverKey(i: number): number | string { return this.key(this.row(i), SERVER, SERVER_V6, SERVER_TEXT); }
  serverOs(i: number): Facts["serverOs"] { return this.facts[this.factsIds.get(this.row(i))].serverOs; }
  serverName(i: number): Facts["serverName"] { return this.facts[this.factsIds.get(this.row(i))].serverName; }
  shares(i: number): readonly string[] { return this.facts[this.factsIds.get(this.row(i))].shares; }
  sessionId(i: number): bigint | undefined { return this.sid(this.row(i)); }
  /** its outcome was "ok" (every healthy one; a connection with findings maybe: model/foldDiagnosed.ts) */
  ok(i: number): boolean { return (this.flags.get(this.row(i)) & NOT_OK) === 0; }
  /** it had SESSION_SETUP legs */
  hasSessions(i: number): boolean { return (this.flags.get(this.row(i)) & NO_SESSIONS) === 0; }
  /** The record (no sink), once: buildReport's, which lets it go from here. */
  takeRecord(i: number): Connection {
    const p = this.row(i), r = this.records![p]!;
    this.records![p] = null;
    return r;
  }
  /** The row as a FoldedConn (made for the rule that asks). */
  at(i: number): FoldedConn { return this.view(this.row(i)); }

  /** The k-th SMB1 row in Report order (once sorted): its row as a FoldedConn, its frame and dialect. */
  smb1(k: number): FoldedSmb1 {
    const q = 3 * (this.smb1Perm ? this.smb1Perm[k] : k);
    return { row: this.view(this.smb1Words.get(q)), frame: this.smb1Words.get(q + 1), dialect: this.dialects[this.smb1Words.get(q + 2)] };
  }
  /** The order of the k-th SMB1 row (Report order once sorted). */
  smb1Order(k: number): number {
    return this.word(this.smb1Words.get(3 * (this.smb1Perm ? this.smb1Perm[k] : k)), ORDER);
  }

  // ---- by row (where it was pushed) ----
  private row(i: number): number { return this.perm ? this.perm[i] : i; }
  private word(p: number, k: number): number { return this.words.get(p * W + k); }
  private sid(p: number): bigint | undefined {
    const f = this.flags.get(p);
    if (!(f & HAS_SID)) return undefined;
    const v = this.sids.get(p);
    return f & NEG_SID ? BigInt.asIntN(64, v) : v;
  }
  private view(p: number): FoldedConn {
    const facts = this.facts[this.factsIds.get(p)], first = this.word(p, FIRST);
    return new FoldedView(
      this.word(p, ORDER), this.word(p, STREAM) | 0, first, first + this.lasts.get(p),
      this.clientPorts.get(p), this.serverPorts.get(p),
      this.host(p, CLIENT, CLIENT_V6, CLIENT_TEXT), this.host(p, SERVER, SERVER_V6, SERVER_TEXT),
      facts.serverOs, facts.serverName, facts.shares, this.sid(p), this.sessionFrameOf(p));
  }
  private sessionFrameOf(p: number): number {
    const d = this.sessionFrames.get(p);
    return d === 0 ? 0 : d > 0 ? this.word(p, FIRST) + d - 1 : -1 - d;
  }
  private key(p: number, word: number, v6: number, text: number): number | string {
    return this.flags.get(p) & (v6 | text) ? this.host(p, word, v6, text) : this.word(p, word);
  }

  /** The row's word for an address; what kind of address it is in `kind` (no object per address). */
  private address(ip: string): number {
    const v4 = ipv4Bits(ip);
    if (v4 >= 0) { this.kind = 0; return v4; }
    const b = this.bytes;
    if (ipv6Bytes(ip, b)) {
      const at = this.v6.length;
      for (let k = 0; k < 16; k += 4) this.v6.push(((b[k] << 24) | (b[k + 1] << 16) | (b[k + 2] << 8) | b[k + 3]) >>> 0);
      this.kind = 1;
      return at;
    }
    let t = this.textIds.get(ip);
    if (t === undefined) { t = this.texts.push(ip) - 1; this.textIds.set(ip, t); }
    this.kind = 2;
    return t;
  }
  /** the last address's kind: 0 IPv4 (its bits), 1 IPv6 (an index into v6), 2 other text (an index into texts) */
  private kind: 0 | 1 | 2 = 0;
  /** the last row's server address, its word and kind */
  private lastServer = "";
  private lastServerWord = 0;
  private lastServerKind: 0 | 1 | 2 = 0;

  private host(p: number, word: number, v6: number, text: number): string {
    const f = this.flags.get(p), x = this.word(p, word), b = this.bytes;
    if (f & text) return this.texts[x];
    b.fill(0, 0, 12);
    if (f & v6) {
      for (let k = 0; k < 16; k += 4) { const v = this.v6.get(x + k / 4); b[k] = v >>> 24; b[k + 1] = (v >>> 16) & 255; b[k + 2] = (v >>> 8) & 255; b[k + 3] = v & 255; }
    } else {
      b[10] = b[11] = 0xff;
      b[12] = x >>> 24; b[13] = (x >>> 16) & 255; b[14] = (x >>> 8) & 255; b[15] = x & 255;
    }
    return ipText(b); // (names.ts keeps the recent ones: the same text as the model's)
  }

  private factsId(r: Facts): number {
    // the three objects' ids as one number while each fits 17 bits (a few hundred on a busy
    // capture), else as text: no key string made per row
    const a = this.objectId(r.serverOs), b = this.objectId(r.serverName), c = this.objectId(r.shares);
    const key = (a | b | c) < 1 << 17 ? (a * (1 << 17) + b) * (1 << 17) + c : `${a} ${b} ${c}`;
    let id = this.factIds.get(key);
    if (id === undefined) { id = this.facts.push({ serverOs: r.serverOs, serverName: r.serverName, shares: r.shares }) - 1; this.factIds.set(key, id); }
    return id;
  }
  private objectId(o: object | null): number {
    if (o === null) return 0;
    let id = this.objectIds.get(o);
    if (id === undefined) this.objectIds.set(o, (id = this.objectIds.size + 1));
    return id;
  }
}

const NO_REFERRALS: readonly FoldedReferral[] = [];

/** A folded connection as a rule reads it (FoldedConn, a Peer too), made from its row. */
class FoldedView implements FoldedConn {
  constructor(
    readonly order: number, readonly stream: number, readonly firstFrame: number, readonly lastFrame: number,
    readonly clientPort: number, readonly serverPort: number, readonly clientIp: string, readonly serverIp: string,
    readonly serverOs: Facts["serverOs"], readonly serverName: Facts["serverName"], readonly shares: readonly string[],
    readonly sessionId: bigint | undefined, readonly sessionFrame: number,
  ) {}
  get server(): string { return endpoint(this.serverIp, this.serverPort); }
  get id(): string { return `${endpoint(this.clientIp, this.clientPort)}-${this.server}`; }
}

/** Indices 0…n-1 sorted by key(i) (32-bit, distinct). */
function sortedBy(n: number, key: (i: number) => number): Uint32Array {
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) keys[i] = key(i);
  return sortedIndex(keys, n);
}
