// The analyzer worker's ConnectionSink (issue 15): past COLUMNS_FROM records, the Report's
// connection records go, as the analysis puts them, into the columns of history's stored form
// (history/columns.ts), not objects. A record is held until SLICE of them are there, then the
// slice is encoded (typed arrays and one string table) and its records go. The connection table
// reads them (a few columns to sort and filter on, the records of the rows in view decoded alone,
// history/storedForm.ts storedTable), and history's stored form is written around them as they
// are (storedForm.ts writeStored).
//
// Why not from the first record: measured on the bench's dense capture (51,570 connections), the
// records as objects hold ~50 MiB of the worker's heap (they share most of their values,
// connectionRecord.ts SharedValues) and their columns ~40 MiB, while encoding them costs ~10-25
// µs a record on the analysis's path and the verdict waited longer for the columns it reads. The
// columns are for the captures whose records as objects would not fit (a million connections:
// ~700 MB of objects, ~2× that compact).
//
// Holding a record past put() relies on the core making every record afresh and never changing it
// once put (reportBuilder.ts buildReport, model/fold.ts: each is let go at once).
import type { ConnectionSink } from "../core/connectionSink";
import type { Connection } from "../core/report";
import { encodeSlice, SLICE, StoredColumns, Writer, type Col, type ListField } from "../history/columns";

/** Records kept as objects before the sink turns to columns. */
export const COLUMNS_FROM = 200_000;

/** What the sink holds once the analysis is over: the records as objects (in Report order), or in columns. */
export type Finished =
  | { kind: "objects"; connections: Connection[] }
  | { kind: "columns"; field: ListField; columns: StoredColumns };

/** The records put, as objects and past `columnsFrom` of them in columns; `finish` once the analysis is over. */
export class ConnectionColumns implements ConnectionSink {
  readonly writer = new Writer();
  /** the records not encoded yet: all of them before `columnsFrom`, then those of the slice being filled */
  private batch: Connection[] = [];
  private encoding = false;
  private slices: Col[] = [];
  private orders = new Float64Array(1024);
  private n = 0;
  private done: Finished | null = null;

  constructor(private readonly columnsFrom = COLUMNS_FROM) {}

  get count(): number { return this.n; }

  put(order: number, record: Connection): void {
    if (this.done) throw new Error("connection put after the sink was finished");
    if (this.n === this.orders.length) { const o = new Float64Array(this.n * 2); o.set(this.orders); this.orders = o; }
    this.orders[this.n++] = order;
    this.batch.push(record);
    if (!this.encoding && this.n >= this.columnsFrom) {
      // (the records kept so far, a slice at a time)
      this.encoding = true;
      const kept = this.batch;
      this.batch = [];
      const full = kept.length - (kept.length % SLICE);
      for (let i = 0; i < full; i += SLICE) this.slices.push(encodeSlice(kept.slice(i, i + SLICE), this.writer));
      this.batch = kept.slice(full);
    }
    if (this.encoding && this.batch.length === SLICE) this.flush();
  }

  private flush(): void {
    if (!this.batch.length) return;
    this.slices.push(encodeSlice(this.batch, this.writer));
    this.batch = [];
  }

  /**
   * The records in Report order (`order` ascending) as objects, or the list field of the columns
   * (in Report order through ListField.at when they were put in another order) and the columns
   * reading it. Idempotent.
   */
  finish(): Finished {
    if (this.done) return this.done;
    if (!this.encoding) {
      const at = reportPositions(this.orders.subarray(0, this.n));
      let connections = this.batch;
      if (at) { connections = new Array<Connection>(this.n); for (let k = 0; k < this.n; k++) connections[at[k]] = this.batch[k]; }
      this.batch = [];
      this.orders = new Float64Array(0);
      return (this.done = { kind: "objects", connections });
    }
    this.flush();
    const field: ListField = { n: this.n, size: SLICE, slices: this.slices };
    const at = reportPositions(this.orders.subarray(0, this.n));
    if (at) field.at = this.writer.add(at);
    this.orders = new Float64Array(0);
    // (nothing is encoded into this writer but the rest of the Report, once, for history: its
    // strings need no index to be found again)
    this.writer.forgetIndex();
    this.done = { kind: "columns", field, columns: new StoredColumns({ w: this.writer, lists: { connections: field } }) };
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
