// The folded connections' rows (model/fold.ts), in typed columns: what other connections' rules may
// read of a folded connection (FoldedConn), ~23 bytes a connection outside the JS heap. As one
// object each (addresses as strings, a bigint, ~225 bytes in the heap) the rows of a capture of
// 1,000,000 healthy connections were ~230 MB, and the garbage V8 lets pile up above what the heap
// holds grew with them (smb1m: ~1 GiB peak RSS). A FoldedConn is made only when a rule asks for
// one (at): the rules read few, of the hosts of the connections kept to the end.
//
// Per row: 5 words (order, stream, first frame, the client's and the server's address: an IPv4
// address as its 32 bits, else an IPv6 or text index: model/addressWords.ts, said by a flag), the
// ports, the server's facts (an index into `facts`: serverOs, serverName and the paths of the
// shares that connected, one entry per distinct triple, the few SharedValues gives) and the session
// id's two halves, each in a PackedColumn (column.ts: rows that fold one after the other are close
// in order, stream and frames, their hosts often numbered in a row, their ports and facts few: 1 or
// 2 bytes a value there, never more than 4 and a little); 16 bits each of the last frame and the
// successful SESSION_SETUP response's frame (both after the first frame); flags in `flags`. A
// 16-bit value that does not fit is kept aside (NarrowColumn): a connection longer than 65,535
// frames costs 12 bytes more, no more. smb1m's rows: 22.7 bytes each (39 in plain 32- and 16-bit
// columns). (No table of distinct servers: a capture may have as many servers as connections, and
// a Map entry each outweighs the 4 bytes.)
import type { Connection } from "../report";
import type { DfsReferral, FoldedConn, FoldedReferral, FoldedSmb1 } from "./types";
import { endpoint } from "../names";
import { AddressWords, TEXT, V4, V6, ipv4Bits } from "./addressWords";
import { sortedIndex } from "../sortedIndex";
import { NarrowColumn, PackedColumn, U32Column, U8Column } from "./column";

const W = 5;
const ORDER = 0, STREAM = 1, FIRST = 2, CLIENT = 3, SERVER = 4;
// flags: a session id; a negative one (kept as its 64 bits); each address not IPv4: IPv6, other text (addressWords.ts);
// a connection with findings (model/foldDiagnosed.ts) whose outcome was not "ok", and one without SESSION_SETUP legs
const HAS_SID = 1, NEG_SID = 2, CLIENT_V6 = 4, SERVER_V6 = 8, CLIENT_TEXT = 16, SERVER_TEXT = 32, NOT_OK = 64, NO_SESSIONS = 128;

/** The server's facts a folded connection keeps (distinct triples: the few SharedValues gives). */
interface Facts { serverOs: FoldedConn["serverOs"]; serverName: FoldedConn["serverName"]; shares: readonly string[] }

/** A key for a host's address, as FoldedRows.clientKey/serverKey give them: its IPv4 bits, else its text. */
export const hostKey = (ip: string): number | string => { const v = ipv4Bits(ip); return v >= 0 ? v : ip; };

export class FoldedRows {
  /** the W words of the rows, a column each (PackedColumn: ~2 bytes a word where a run of rows is close) */
  private readonly words = Array.from({ length: W }, () => new PackedColumn());
  /** the session ids' low and high 32 bits (0 for none) */
  private readonly sidLo = new PackedColumn();
  private readonly sidHi = new PackedColumn();
  private readonly flags = new U8Column();
  private readonly clientPorts = new PackedColumn();
  private readonly serverPorts = new PackedColumn();
  /** lastFrame − firstFrame; sessionFrame − firstFrame + 1 (0: sessionFrame 0, none; one before the first frame as −1 − sessionFrame) */
  private readonly lasts = new NarrowColumn();
  private readonly sessionFrames = new NarrowColumn();
  private readonly factsIds = new PackedColumn();
  /** the addresses not IPv4 (model/addressWords.ts) */
  private readonly addrs = new AddressWords();
  private readonly facts: Facts[] = [];
  private readonly factIds = new Map<number | string, number>();
  private readonly objectIds = new Map<object, number>();
  /** the SMB1 rows (smb1-in-use.ts reads them): 3 words each, the row, its NEGOTIATE response's frame and dialect */
  private readonly smb1Words = new U32Column();
  private readonly dialects: string[] = [];
  private readonly dialectIds = new Map<string, number>();
  /** the referral requests a PATH_NOT_COVERED may still read (model/fold.ts Folder: few), by client host address, in fold order */
  private readonly referrals = new Map<string, FoldedReferral[]>();
  /** the records, kept for buildReport when the analysis has no ConnectionSink (else null) */
  private readonly records: (Connection | null)[] | null;
  /** Report order → row, once sorted (sort) */
  private perm: Uint32Array | null = null;
  private smb1Perm: Uint32Array | null = null;

  constructor(keepRecords: boolean) { this.records = keepRecords ? [] : null; }

  get length(): number { return this.flags.length; }
  get smb1Length(): number { return this.smb1Words.length / 3; }
  /** the bytes the rows' columns hold (the per-row ones: not the few distinct texts and facts) */
  get bytes(): number {
    let n = this.sidLo.bytes + this.sidHi.bytes + this.flags.bytes + this.clientPorts.bytes + this.serverPorts.bytes;
    for (const w of this.words) n += w.bytes;
    return n + this.lasts.bytes + this.sessionFrames.bytes + this.factsIds.bytes;
  }

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
    w[ORDER].push(r.order); w[STREAM].push(r.stream >>> 0); w[FIRST].push(r.firstFrame);
    const a = this.addrs;
    w[CLIENT].push(a.word(r.clientIp, 0));
    f |= a.kind === V6 ? CLIENT_V6 : a.kind === TEXT ? CLIENT_TEXT : 0;
    w[SERVER].push(a.word(r.serverIp, 1));
    f |= a.kind === V6 ? SERVER_V6 : a.kind === TEXT ? SERVER_TEXT : 0;
    this.clientPorts.push(r.clientPort);
    this.serverPorts.push(r.serverPort);
    this.lasts.push(r.lastFrame - r.firstFrame);
    const d = r.sessionFrame - r.firstFrame + 1;
    this.sessionFrames.push(r.sessionFrame === 0 ? 0 : d > 0 ? d : -1 - r.sessionFrame);
    this.factsIds.push(this.factsId(r));
    if (r.sessionId !== undefined) f |= HAS_SID | (r.sessionId < 0n ? NEG_SID : 0);
    if (!r.ok) f |= NOT_OK;
    if (!r.sessions) f |= NO_SESSIONS;
    const sid = r.sessionId === undefined ? 0n : BigInt.asUintN(64, r.sessionId);
    this.sidLo.push(Number(sid & 0xffffffffn));
    this.sidHi.push(Number(sid >> 32n));
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
    if (!this.perm) this.perm = sortedBy(this.length, (p) => this.words[ORDER].get(p));
    if (!this.smb1Perm) this.smb1Perm = sortedBy(this.smb1Length, (k) => this.words[ORDER].get(this.smb1Words.get(3 * k)));
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
  /** the client's endpoint, as the record's `client`, and the record's id (FoldedConn.id): made
   *  without a FoldedConn (the verdict, the servers and the finding groups read them of tens of
   *  thousands of rows) */
  client(i: number): string { return this.clientOf(this.row(i)); }
  id(i: number): string { return this.idOf(this.row(i)); }
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
  /** The frame of the k-th SMB1 row's NEGOTIATE response (Report order once sorted), without its FoldedConn. */
  smb1Frame(k: number): number { return this.smb1Words.get(3 * (this.smb1Perm ? this.smb1Perm[k] : k) + 1); }
  /** The record id of the k-th SMB1 row (Report order once sorted), without its FoldedConn. */
  smb1Id(k: number): string { return this.idOf(this.smb1Words.get(3 * (this.smb1Perm ? this.smb1Perm[k] : k))); }
  /** The order of the k-th SMB1 row (Report order once sorted). */
  smb1Order(k: number): number {
    return this.word(this.smb1Words.get(3 * (this.smb1Perm ? this.smb1Perm[k] : k)), ORDER);
  }

  // ---- by row (where it was pushed) ----
  private row(i: number): number { return this.perm ? this.perm[i] : i; }
  private word(p: number, k: number): number { return this.words[k].get(p); }
  private sid(p: number): bigint | undefined {
    const f = this.flags.get(p);
    if (!(f & HAS_SID)) return undefined;
    const v = (BigInt(this.sidHi.get(p)) << 32n) | BigInt(this.sidLo.get(p));
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
  private clientOf(p: number): string { return endpoint(this.host(p, CLIENT, CLIENT_V6, CLIENT_TEXT), this.clientPorts.get(p)); }
  private idOf(p: number): string { return `${this.clientOf(p)}-${endpoint(this.host(p, SERVER, SERVER_V6, SERVER_TEXT), this.serverPorts.get(p))}`; }
  private sessionFrameOf(p: number): number {
    const d = this.sessionFrames.get(p);
    return d === 0 ? 0 : d > 0 ? this.word(p, FIRST) + d - 1 : -1 - d;
  }
  private key(p: number, word: number, v6: number, text: number): number | string {
    return this.flags.get(p) & (v6 | text) ? this.host(p, word, v6, text) : this.word(p, word);
  }

  private host(p: number, word: number, v6: number, text: number): string {
    const f = this.flags.get(p);
    return this.addrs.text(this.word(p, word), f & text ? TEXT : f & v6 ? V6 : V4);
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
