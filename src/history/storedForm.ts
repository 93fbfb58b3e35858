// The stored form of a Report in history, written and read in the analyzer worker: columns
// (history/columns.ts), gzip-compressed (CompressionStream: 26 → 4.6 MB for the bench's 100,000
// connections), a Blob that IndexedDB keeps out of the page's heap. Reopened, the connection
// table is answered from the columns at once (a few columns read, the records of the rows in view
// decoded alone) and stays so: the connections are never decoded into objects but for an export;
// the rest of the Report is decoded a slice at a time behind the table. A fresh analysis keeps its
// connections in the same columns (worker/connectionColumns.ts), and its stored form is written
// around them. Entries written before (gzip JSON, worker/reportJson.ts) are read as they are.
import type { Connection, Report } from "../core/report";
import { kerberosPrincipals } from "../ui/model";
import { ReportIndex, type ConnectionRow, type StoredTable } from "../worker/reportIndex";
import { checkedReport } from "../worker/reportJson";
import { COLUMNS_FORMAT, encodeColumns, isColumns, pause, StoredColumns, type Decoded, type ListField, type Writer } from "./columns";

export { COLUMNS_FORMAT };

/** Below this many connections a reopened Report is decoded whole at once (a few ms); from it on, its connections stay columns. */
const TABLE_FIRST = 5000;

/** What a table row leaves out (rowOf): its records are decoded without them. */
const WITHOUT = new Set(["phases", "ladder"]);

/** Lists of a Report encoded ahead (the worker's connection records: worker/connectionColumns.ts). */
export interface Ahead { writer: Writer; lists: Record<string, ListField> }

/**
 * The Report in its stored form (the worker keeps answering between slices); `ahead`: the lists
 * already in columns, stored as they are (their fields in `report` are not read).
 */
export async function writeStored(report: Report, between: () => Promise<void> = pause, ahead?: Ahead): Promise<Blob> {
  const raw = new Blob(await encodeColumns(report, between, ahead?.writer, ahead?.lists));
  const gz = await new Response(raw.stream().pipeThrough(new CompressionStream("gzip"))).blob();
  return gz.slice(0, gz.size, COLUMNS_FORMAT);
}

function damaged(blob: Blob, e: unknown): Error {
  return new Error(`the saved analysis is damaged (${blob.size} bytes of stored data could not be read: ${(e as Error)?.message ?? e})`);
}

async function bytesOf(blob: Blob): Promise<ArrayBuffer> {
  try {
    const head = new Uint8Array(await blob.slice(0, 2).arrayBuffer());
    if (head[0] !== 0x1f || head[1] !== 0x8b) return await blob.arrayBuffer();
    return await new Response(blob.stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
  } catch (e) { throw damaged(blob, e); }
}

/** Rows asked for at once beyond this many are decoded a slice at a time (the printed table), not one by one. */
const BULK = 256;

/** The client principal of each connection's Kerberos exchanges (kerberosPrincipals) from a stored form's columns. */
export function storedPrincipals(sc: StoredColumns): Map<string, string> {
  const [cname, realm, conn] = ["cname", "realm", "connection"].map((k) => sc.column("kerberos", k));
  return kerberosPrincipals({ kerberos: cname.map((c, i) => ({ cname: c, realm: realm[i], connection: conn[i] })) } as unknown as Report);
}

/**
 * The connection table of connections in columns (see StoredTable), or null when they are not
 * columns of records. `principal`: the Kerberos client principal of each connection (shown as
 * the user of a Kerberos connection without one, as connectionsShown does).
 */
export function storedTable(sc: StoredColumns, principal: Map<string, string>): StoredTable | null {
  if (!sc.records("connections")) return null;
  const col = <T>(key: string) => sc.column("connections", key) as T[];
  const shownUser = (c: { id: string; auth: Connection["auth"]; user: string | null }) => (c.auth === "kerberos" && !c.user && principal.has(c.id) ? principal.get(c.id)! : c.user);
  return {
    length: sc.length("connections"),
    rows(at: ArrayLike<number>, detail: boolean): ConnectionRow[] {
      const without = detail ? null : WITHOUT;
      const list = (at.length > BULK ? sc.recordsAt("connections", at, without) : Array.from(at, (i) => sc.record("connections", i, without)!)) as Connection[];
      return list.map((c) => {
        const user = shownUser(c);
        const shown = user === c.user ? c : { ...c, user };
        if (detail) return shown;
        const { ladder: _l, phases: _p, ...row } = shown;
        return row;
      });
    },
    inOrder: () => sc.inOrder("connections") as Iterable<Connection>,
    column: (key) => {
      if (key !== "user") return sc.column("connections", key);
      const [id, auth, user] = [col<string>("id"), col<Connection["auth"]>("auth"), col<string | null>("user")];
      return user.map((u, i) => shownUser({ id: id[i], auth: auth[i], user: u }));
    },
  };
}

/** A saved Report reopened (see openStored). */
export interface Reopened {
  index: ReportIndex;
  /** resolves once the whole Report is in the index (decoding it now if it was not yet under way) */
  whole(): Promise<void>;
  /** the table was just asked for rows: the whole Report is decoded once it has been idle IDLE_MS */
  busy(): void;
  /** the page let go of it: not decoded any further */
  drop(): void;
}

/**
 * How long a reopened large Report's table stays unasked before the whole Report is decoded
 * behind it: a slice at a time, but it makes 1.5 million objects, and the collector's pauses
 * would delay the sorts and filters of a user who is looking at the table.
 */
export const IDLE_MS = 1500;

/**
 * A saved Report reopened: its index, and whole() (until it resolves only the connection table's
 * rows may be asked of the index, without detail). Throws (or whole() rejects) with a clear
 * message on a damaged stored form, never a half Report.
 */
export async function openStored(blob: Blob): Promise<Reopened> {
  const done = (index: ReportIndex): Reopened => ({ index, whole: () => Promise.resolve(), busy: () => {}, drop: () => {} });
  const buf = await bytesOf(blob);
  if (!isColumns(new Uint8Array(buf, 0, Math.min(12, buf.byteLength)))) {
    // written before the columns: gzip JSON (read once: its bytes are here already)
    let r: Report;
    try { r = JSON.parse(new TextDecoder().decode(buf)) as Report; } catch (e) { throw damaged(blob, e); }
    return done(new ReportIndex(checkedReport(r)));
  }
  let sc: StoredColumns;
  try { sc = new StoredColumns(buf); } catch (e) { throw damaged(blob, e); }
  let table: StoredTable | null;
  let decoded: Decoded | null;
  // a large one: its connections stay columns (the table reads them); every other list is decoded
  // a slice at a time, behind the table (the head at once)
  try {
    table = sc.length("connections") >= TABLE_FIRST ? storedTable(sc, storedPrincipals(sc)) : null;
    decoded = sc.decode(table ? { fields: sc.lists().filter((k) => k !== "connections"), skip: ["connections"] } : {});
  } catch (e) { throw damaged(blob, e); }
  const report = decoded.value as unknown as Report;
  if (!table) {
    try { await decoded.rest(async () => {}); } catch (e) { throw damaged(blob, e); }
    return done(new ReportIndex(checkedReport(report)));
  }
  const index = new ReportIndex(report, table, true);
  let started: Promise<void> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const whole = () => {
    clearTimeout(timer);
    if (!decoded) return started ?? Promise.reject(new Error("this report was let go"));
    // (the stored form's bytes stay: the connection table reads its columns there)
    started ??= decoded.rest().then(() => { decoded = null; index.complete(checkedReport(report)); }, (e) => { decoded = null; throw damaged(blob, e); });
    return started;
  };
  const busy = () => { if (started || !decoded) return; clearTimeout(timer); timer = setTimeout(() => { void whole().catch(() => {}); }, IDLE_MS); };
  const drop = () => { clearTimeout(timer); if (!started) decoded = null; };
  // the table's columns first (the page's first sort then waits for nothing else)
  setTimeout(() => { if (decoded) { void index.prepare(); busy(); } }, 0);
  return { index, whole, busy, drop };
}
