// The connection rows of the CLI's readable report, kept out of memory while the capture is
// analysed (issue 15): the text view lists every connection, and held every record to do it (a
// 1 GiB capture of 139,177 SMB connections: 588 MiB peak RSS, its records, their rows and the
// whole text in memory at once). As --json's records do (connectionSpool.ts), each connection's
// row (render.ts TextRow: the few fields the text reads of its record) goes to the spool's
// temporary file as the analysis puts it, and the renderer reads the rows back in Report order,
// a window at a time, once for the columns' widths and the names its cards give, once for the
// table.
import type { ConnectionSink } from "../core/connectionSink";
import type { Connection } from "../core/report";
import { ConnectionSpool } from "./connectionSpool";
import { textRow, type TextKerberos, type TextRow, type TextRows } from "./render";
import type { KerberosRecords } from "../core/model/kerberos";

const COMMA = 0x2c;
/**
 * Bytes of rows parsed at a time. The renderer makes a few strings per row, so a scavenge comes
 * every few hundred rows: rows parsed a whole read window (512 KB, ~4,000 rows) at a time lived
 * through several and were promoted, garbage of the old generation that piled up to the next
 * full collection (smb1m-1g's text: the heap swung 20 → 51 MiB while writing, +25 MiB peak RSS
 * over --json's). A batch this size dies young.
 */
const ROWS_BYTES = 16 << 10;

export class TextRowSpool implements ConnectionSink, TextRows {
  private readonly spool: ConnectionSpool;

  /** `onFallback` is told why the rows stay in memory, if they do (connectionSpool.ts). */
  constructor(onFallback?: (why: string) => void) {
    this.spool = new ConnectionSpool(onFallback);
  }

  /** (the record is read during put only, and not its phases: a folded connection's may stay in its model, ConnectionSink.phasesFromModel) */
  readonly phasesFromModel = true;

  get count(): number { return this.spool.count; }

  put(order: number, record: Connection): void {
    // (a TextRow is written as the spool writes a record: its JSON)
    this.spool.put(order, textRow(record) as unknown as Connection);
  }

  /** The per-server summary: not in the text view, taken so that buildReport makes no Report.servers of it. */
  servers(): void {}

  /** The Kerberos records, made when read (the text shows the first few of them and their count), in place of Report.kerberos. */
  krb: TextKerberos | null = null;
  kerberos(list: KerberosRecords): void { this.krb = list; }

  /** The rows in Report order, parsed a piece of the file at a time (pieces past the first start with the comma between two records). */
  *rows(): Generator<TextRow> {
    for (const piece of this.spool.pieces(ROWS_BYTES)) yield* JSON.parse(`[${piece.charCodeAt(0) === COMMA ? piece.slice(1) : piece}]`) as TextRow[];
  }

  /** Removes the temporary file (safe to call more than once). */
  dispose(): void { this.spool.dispose(); }
}
