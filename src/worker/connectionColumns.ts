// The analyzer worker's ConnectionSink (issue 15): the Report's connection records, as the
// analysis puts them, in the columns of history's stored form (history/columns.ts), not as
// objects. A record is held until SLICE of them are there, then the slice is encoded (typed arrays
// and one string table) and its records go: a Report of 100,000 connections is ~200 MB of objects,
// its columns a few tens of MB. The connection table reads them (a few columns to sort and filter
// on, a slice of records decoded for the rows in view, history/storedForm.ts storedTable), and
// history's stored form is written around them as they are (storedForm.ts writeStored).
//
// Holding a record past put() relies on the core making every record afresh and never changing it
// once put (reportBuilder.ts buildReport, model/fold.ts: each is let go at once).
import type { ConnectionSink } from "../core/connectionSink";
import type { Connection } from "../core/report";
import { encodeSlice, SLICE, StoredColumns, Writer, type Col, type ListField } from "../history/columns";

/** The records put, encoded; `finish` once the analysis is over. */
export class ConnectionColumns implements ConnectionSink {
  readonly writer = new Writer();
  private batch: Connection[] = [];
  private slices: Col[] = [];
  private orders = new Float64Array(1024);
  private n = 0;
  private done: { field: ListField; columns: StoredColumns } | null = null;

  get count(): number { return this.n; }

  put(order: number, record: Connection): void {
    if (this.done) throw new Error("connection put after the columns were finished");
    if (this.n === this.orders.length) { const o = new Float64Array(this.n * 2); o.set(this.orders); this.orders = o; }
    this.orders[this.n++] = order;
    this.batch.push(record);
    if (this.batch.length === SLICE) this.flush();
  }

  private flush(): void {
    if (!this.batch.length) return;
    this.slices.push(encodeSlice(this.batch, this.writer));
    this.batch = [];
  }

  /**
   * The list field of the records (in Report order: `order` ascending, through ListField.at when
   * they were put in another order) and the columns reading it. Idempotent.
   */
  finish(): { field: ListField; columns: StoredColumns } {
    if (this.done) return this.done;
    this.flush();
    const field: ListField = { n: this.n, size: SLICE, slices: this.slices };
    const at = reportPositions(this.orders.subarray(0, this.n));
    if (at) field.at = this.writer.add(at);
    this.orders = new Float64Array(0);
    // (nothing is encoded into this writer but the rest of the Report, once, for history: its
    // strings need no index to be found again)
    this.writer.forgetIndex();
    this.done = { field, columns: new StoredColumns({ w: this.writer, lists: { connections: field } }) };
    return this.done;
  }
}

/** Each record's position in Report order (its order's rank), or null when they came in that order. */
export function reportPositions(orders: Float64Array): Uint32Array | null {
  const n = orders.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (!(orders[i - 1] < orders[i])) sorted = false;
  if (sorted) return null;
  const at = new Uint32Array(n);
  const SHIFT = 2 ** 21;
  if (n < SHIFT && orders.every((o) => Number.isInteger(o) && o >= 0 && o < 2 ** 32)) {
    // order × 2^21 + index, a sort of numbers (no comparator): 100,000 in a few ms
    const k = new Float64Array(n);
    for (let i = 0; i < n; i++) k[i] = orders[i] * SHIFT + i;
    k.sort();
    for (let r = 0; r < n; r++) at[k[r] % SHIFT] = r;
  } else {
    const ix = Array.from(orders.keys()).sort((a, b) => orders[a] - orders[b] || a - b);
    for (let r = 0; r < n; r++) at[ix[r]] = r;
  }
  return at;
}
