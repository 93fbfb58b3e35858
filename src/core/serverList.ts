// Report.servers as it is built: per server, its count of clients and the failed ones, in the order
// of each server's first connection, in columns. A capture where every connection has a server of
// its own (the smb1m bench: 1,000,000 of them, each folded) made ~95 MB of `{server, clients,
// failed}` objects and a Map to find them; here a server whose address is IPv4 is 10 bytes in typed
// arrays (its address, port and count) and its entry is made when it is read (slice). Only the
// servers of the connections kept to the end (their records may list failed clients) and those not
// at an IPv4 address are objects. Without a ConnectionSink the Report takes the objects
// (toArray); with one, the sink may take the list itself (the CLI's --json writes it, jsonStream.ts).
//
// A server's failed clients past LONG (a SYN scan's server: 200,000 of them) are a FailedList: a
// folded connection's entry as its row in FoldedRows and its phase and status (8 bytes), made an
// entry when read, not an object and a client text each held from the diagnosis to the writing
// (~100 bytes a failed connection in the heap, and the collector's slack above that).
import type { Connection, Report } from "./report";
import { NONE, appended } from "./model/lists";
import type { FoldedRows } from "./model/foldedRows";
import { ipv4Bits } from "./model/addressWords";
import { endpoint, ipText } from "./names";
import { u32Column, U16Column } from "./model/column";

export type ServerRow = NonNullable<Report["servers"]>[number];
type Failed = ServerRow["failed"][number];

/** Failed clients a server keeps as objects; more: a FailedList. */
const LONG = 64;
/** the table's size to start with (it doubles as servers come) */
const MIN_BITS = 10;
/** a FailedList entry that is an object (its index in `objects`), not a folded row */
const OBJECT = 0x80000000;

/**
 * A long list of failed clients, read as the array it stands for: `length`, `slice` (entries made
 * for the caller) and `toJSON` (JSON.stringify, cli/jsonStream.ts). ServerList.toArray makes it
 * an array (the Report without a ConnectionSink holds every record anyway).
 */
class FailedList {
  private readonly refs = u32Column();
  private readonly kinds = u32Column();
  private readonly objects: Failed[] = [];
  constructor(public rows: FoldedRows | null, private readonly kindList: readonly { phase: Failed["phase"]; status: Failed["status"] }[], from: readonly Failed[]) {
    for (const f of from) this.object(f);
  }
  get length(): number { return this.refs.length; }
  object(f: Failed): void { this.refs.push((OBJECT | this.objects.length) >>> 0); this.kinds.push(0); this.objects.push(f); }
  folded(j: number, kind: number): void { this.refs.push(j); this.kinds.push(kind); }
  slice(start = 0, end = this.length): Failed[] {
    end = Math.min(end, this.length);
    const out: Failed[] = [];
    for (let i = start; i < end; i++) {
      const r = this.refs.get(i);
      if (r >= OBJECT) { out.push(this.objects[r - OBJECT]); continue; }
      // (FoldedRows.client, as foldedHeads.ts LiteRecord makes its client: the same text)
      const k = this.kindList[this.kinds.get(i)];
      out.push({ client: this.rows!.client(r), phase: k.phase, status: k.status });
    }
    return out;
  }
  toJSON(): Failed[] { return this.slice(); }
}

export class ServerList {
  // (growable columns, not arrays of a bound: a capture's servers are as many as its connections
  // at most, and arrays of that bound, cut to size at the end, were 28 MB at once on smb1m)
  private readonly ip = u32Column();
  private readonly port = new U16Column();
  private readonly clients = u32Column();
  private n = 0;
  /** the servers kept as objects, by index (their `clients` set by done) */
  private readonly rows = new Map<number, ServerRow>();
  /** while built: open addressing over the IPv4 servers (index + 1, 0 free), at most half full, and the others by text */
  private table: Int32Array | null;
  private bits = MIN_BITS;
  private v4Count = 0;
  private byText: Map<string, number> | null = new Map();
  private readonly bytes = new Uint8Array(16);
  /** the hash's key (v4) */
  private readonly key = (Math.random() * 0x100000000) >>> 0;

  /**
   * `expected`: about as many servers as there may be (the number of connections will do): the
   * table is made that large at once (each doubling left the one before as garbage: 8 MB more
   * at once on smb1m), and doubles past it.
   */
  constructor(expected = 0) {
    while (1 << this.bits < 2 * expected) this.bits++;
    this.table = new Int32Array(1 << this.bits);
  }

  get length(): number { return this.n; }

  /** The folded connection at index `j` of `folded` (never failed). */
  addFolded(folded: FoldedRows, j: number): void {
    // (an IPv4 server without its text: serverKey is the address's bits)
    const key = folded.serverKey(j);
    this.count(typeof key === "number" ? this.v4(key, folded.serverPort(j)) : this.text(folded.server(j)));
  }

  /** A connection kept to the end, by its record. */
  addRecord(c: Connection): void {
    const i = this.index(c.server);
    this.count(i);
    let s = this.rows.get(i);
    if (!s) this.rows.set(i, (s = { server: c.server, clients: 0, failed: NONE }));
    // most servers of a busy capture have no failed client, or one: the shared empty list, and
    // short lists of their length (model/lists.ts)
    if (c.outcome !== "failed" && c.outcome !== "no-response") return;
    const f: Failed = { client: c.client, phase: c.failedPhase, status: c.status };
    if (s.failed.length < LONG) s.failed = appended(s.failed, f);
    else this.long(s, null).object(f);
  }

  /** The folded connection at index `j` of `folded` (Report order), failed in `phase` with `status` (its record's): a failed client of its server. */
  addFoldedFailed(folded: FoldedRows, j: number, phase: Failed["phase"], status: Failed["status"]): void {
    const key = folded.serverKey(j);
    const i = typeof key === "number" ? this.v4(key, folded.serverPort(j)) : this.text(folded.server(j));
    this.count(i);
    let s = this.rows.get(i);
    if (!s) this.rows.set(i, (s = { server: typeof key === "number" ? this.v4Text(i) : folded.server(j), clients: 0, failed: NONE }));
    if (s.failed.length < LONG) {
      s.failed = appended(s.failed, { client: folded.client(j), phase, status });
      return;
    }
    this.long(s, folded).folded(j, this.kindOf(phase, status));
  }

  /** The FailedList of `s`, made of its objects the first time. */
  private long(s: ServerRow, folded: FoldedRows | null): FailedList {
    if (!(s.failed instanceof FailedList)) (s as { failed: unknown }).failed = new FailedList(folded, this.kinds, s.failed);
    const l = s.failed as unknown as FailedList;
    l.rows ??= folded;
    return l;
  }
  /** the phases and statuses of the FailedLists' folded entries, one each */
  private readonly kinds: { phase: Failed["phase"]; status: Failed["status"] }[] = [];
  private readonly kindIds = new Map<string, number>();
  /** the kind last asked for (failed connections of a kind come in runs: no key text made for those) */
  private lastKind = -1;

  /** The index in `kinds` of a failed client's phase and status (made if new). */
  private kindOf(phase: Failed["phase"], status: Failed["status"]): number {
    const last = this.lastKind;
    if (last >= 0 && this.kinds[last].phase === phase && this.kinds[last].status === status) return last;
    const key = `${phase}\u0000${status}`;
    let k = this.kindIds.get(key);
    if (k === undefined) { k = this.kinds.push({ phase, status }) - 1; this.kindIds.set(key, k); }
    return (this.lastKind = k);
  }

  /** Ends the building: the lookup goes, the columns keep what they hold. */
  done(): this {
    this.table = null;
    this.byText = null;
    for (const [i, s] of this.rows) {
      s.clients = this.clients.get(i);
      // (a longer list grew by push, which keeps room for 16)
      if (s.failed.length > 4 && !(s.failed instanceof FailedList)) s.failed = s.failed.slice();
    }
    return this;
  }

  /** The entries start…end-1 (made for the caller but for the ones kept as objects). */
  slice(start: number, end: number): ServerRow[] {
    end = Math.min(end, this.n);
    const out: ServerRow[] = [];
    for (let i = start; i < end; i++) out.push(this.rows.get(i) ?? { server: this.v4Text(i), clients: this.clients.get(i), failed: NONE });
    return out;
  }

  /** Every entry, a FailedList made an array. */
  toArray(): ServerRow[] {
    const out = this.slice(0, this.n);
    for (const s of out) if (s.failed instanceof FailedList) s.failed = s.failed.slice();
    return out;
  }

  /** The index of the server of endpoint text `server` (made if new). */
  private index(server: string): number {
    // an IPv4 endpoint as endpoint() writes it goes by its bits, as its folded connections do
    const colon = server.lastIndexOf(":");
    if (colon > 0) {
      const ip = ipv4Bits(server.slice(0, colon)), port = Number(server.slice(colon + 1));
      if (ip >= 0 && port >= 0 && port <= 0xffff && `${port}` === server.slice(colon + 1)) return this.v4(ip, port);
    }
    return this.text(server);
  }

  private v4(ip: number, port: number): number {
    let t = this.table!, h = this.slot(ip, port);
    for (;; h = (h + 1) & (t.length - 1)) {
      const e = t[h];
      if (e === 0) break;
      if (this.ip.get(e - 1) === ip && this.port.get(e - 1) === port) return e - 1;
    }
    const i = this.add();
    this.ip.set(i, ip); this.port.set(i, port);
    if (2 * ++this.v4Count > t.length) { this.grow(); t = this.table!; h = this.slot(ip, port); while (t[h] !== 0) h = (h + 1) & (t.length - 1); }
    t[h] = i + 1;
    return i;
  }

  /** Where the probe for an IPv4 server starts in the table. */
  private slot(ip: number, port: number): number {
    // keyed per list and mixed whole (murmur3's finaliser): the addresses come from the capture, and
    // a capture made to collide in a fixed hash would make every probe long (the flow table's
    // hash-flooding bench, flood-adv); the key changes only the table's layout, never the order
    let x = ip ^ this.key ^ Math.imul(port + 1, 0x9e3779b1);
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    return (x ^ (x >>> 16)) >>> (32 - this.bits);
  }

  /** The table twice as large, its servers put in again (it stays at most half full). */
  private grow(): void {
    const old = this.table!;
    this.bits++;
    const t = (this.table = new Int32Array(1 << this.bits)), mask = t.length - 1;
    for (const e of old) {
      if (e === 0) continue;
      let h = this.slot(this.ip.get(e - 1), this.port.get(e - 1));
      while (t[h] !== 0) h = (h + 1) & mask;
      t[h] = e;
    }
  }

  private text(server: string): number {
    let i = this.byText!.get(server);
    if (i === undefined) {
      this.byText!.set(server, (i = this.add()));
      this.rows.set(i, { server, clients: 0, failed: NONE });
    }
    return i;
  }

  /** A new server (no client yet, no IPv4 address until v4 sets it). */
  private add(): number {
    this.ip.push(0); this.port.push(0); this.clients.push(0);
    return this.n++;
  }

  private count(i: number): void { this.clients.set(i, this.clients.get(i) + 1); }

  /** The endpoint text of an IPv4 server, made as FoldedRows makes it (ipText, endpoint): the same text. */
  private v4Text(i: number): string {
    const b = this.bytes, x = this.ip.get(i);
    b.fill(0, 0, 10);
    b[10] = b[11] = 0xff;
    b[12] = x >>> 24; b[13] = (x >>> 16) & 255; b[14] = (x >>> 8) & 255; b[15] = x & 255;
    return endpoint(ipText(b), this.port.get(i));
  }
}
