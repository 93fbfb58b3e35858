// The connection records of a --json Report, kept out of memory while the capture is analysed
// (issue 15): a capture of 1,000,000 SMB connections makes ~1 GB of records' JSON. Each record's
// text goes to a temporary file as the analysis puts it; in memory stay only its order and length
// (the records are appended in the order they are put, so a record's offset is the sum of the
// lengths before it, kept for every MARK-th record), in packed columns (core/model/column.ts
// PackedColumn: records put one after the other are of close orders and lengths; ~3.5 bytes a
// record on smb1m, not 8 in 32-bit arrays that grew by doubling). writeJson (jsonStream.ts) writes them back in Report order. The
// Report's per-server summary is kept here too, as its compact list (core/serverList.ts), for the
// writer, and its Kerberos records as a list that makes them as they are written (core/model/kerberos.ts).
//
// The file holds user and host names: it is created 0600 in a directory of its own (mkdtemp makes
// it 0700), and its name is removed at once (SpoolFile): no other program finds it by its name,
// and it goes with the process however that ends. When the temporary directory cannot be used (not
// writable, no space), the texts are kept in memory instead: the Report comes out all the same.
import fs from "node:fs";
import { tmpdir } from "node:os";
import type { ConnectionSink } from "../core/connectionSink";
import type { Connection } from "../core/report";
import type { ServerList } from "../core/serverList";
import type { KerberosRecords } from "../core/model/kerberos";
import { sortedIndex } from "../core/sortedIndex";
import { JsonBytes } from "./jsonBytes";
import { PackedColumn, F64Column } from "../core/model/column";
import { namelessTempFile } from "./tempFile";

/** Bytes of records written to the file at a time (at least), and room past them for the record that crosses the mark. */
const WRITE_BUFFER = 256 << 10;
const SLACK = 64 << 10;
/**
 * Read back a window of WINDOW bytes of output at a time: its records are read in file order,
 * those less than GAP bytes apart in one read (of SCRATCH bytes at most). Records put in Report
 * order (today) make one read a window; records put as connections close, a few; records put in
 * no order at all, one small read each (never a large read for one record).
 */
const WINDOW = 512 << 10;
/** more than the records a window holds (2 bytes and a comma at least each): readWindow's sort keys */
const PLACES = WINDOW;
const GAP = 8 << 10;
const SCRATCH = 1 << 20;
/** What the writer hands on at a time (a piece ends at a record's end): a window, one write (8 of 64 KB were ~1,150 writes on dense). */
export const PIECE_BYTES = WINDOW;
const COMMA = 0x2c;
/** A record's offset in the file is kept for every MARK-th record (offset: the lengths after it add up the rest). */
const MARK_BITS = 6, MARK = 1 << MARK_BITS;
const WHY: Record<string, string> = {
  ENOSPC: "no space left", EDQUOT: "disk quota exceeded", EACCES: "not writable", EPERM: "not writable",
  EROFS: "read-only", ENOENT: "does not exist", ENOTDIR: "not a directory",
};

export class ConnectionSpool implements ConnectionSink {
  private readonly orders = new PackedColumn();
  private readonly lengths = new PackedColumn(); // bytes of UTF-8
  /** the offset in the file (past 4 GiB too) of every MARK-th record */
  private readonly marks = new F64Column();
  private n = 0;
  /** every record so far is ASCII (nearly always): its UTF-8 bytes are its Latin-1 ones, which
   *  Node writes into a buffer and reads back ~1.5× faster (measured on the dense bench's records) */
  private ascii = true;
  private file: SpoolFile | null = null;
  /** the records' texts when the file cannot be used */
  private texts: string[] | null = null;
  /** writes each record as it is put (the folded ones' phases from their models: ConnectionSink.phasesFromModel) */
  readonly phasesFromModel = true;
  /** readIndex()'s arrays, for the records put so far (n) from the file or from memory (spooled) */
  private index: { n: number; spooled: boolean; len: Uint32Array; idx: Uint32Array; from: Float64Array | null } | null = null;
  /** the Report's servers, in place of Report.servers (ConnectionSink.servers) */
  serverList: ServerList | null = null;
  /** the Report's Kerberos records, made as they are written, in place of Report.kerberos (ConnectionSink.kerberos) */
  kerberosList: KerberosRecords | null = null;

  /** `onFallback` is told why the records stay in memory, if they do. */
  constructor(private readonly onFallback: (why: string) => void = () => {}) {
    try { this.file = new SpoolFile(); } catch (e) { this.fallBack(e, null); }
  }

  get count(): number { return this.n; }
  /** the bytes its index of the records holds (orders, lengths, offsets) */
  get indexBytes(): number { return this.orders.bytes + this.lengths.bytes + this.marks.bytes; }
  /** whether the records go to a temporary file (false: kept in memory) */
  get spooled(): boolean { return this.file !== null; }
  /** the temporary file's descriptor (for the tests) */
  get fd(): number | null { return this.file?.fd ?? null; }

  put(order: number, record: Connection): void {
    // orders count flows: 32 bits hold them, and the index sorts by them in two passes
    if (order >>> 0 !== order) throw new RangeError(`connection order ${order} is not a 32-bit count`);
    const i = this.n;
    let text: string | null = null, len = 0, ascii = true;
    if (this.file) {
      try {
        // the record's UTF-8 made in the write buffer (jsonBytes.ts), or its JSON.stringify when
        // it holds what the encoder leaves to it
        const f = this.file;
        let at = f.appendValue(record);
        if (at >= 0) { len = f.lastLength; ascii = f.lastAscii; }
        else { ({ text, len, ascii } = stringified(record)); at = f.append(text, len, ascii); }
        if ((i & (MARK - 1)) === 0) this.marks.push(at);
      } catch (e) { this.fallBack(e, this.file); }
    }
    if (this.texts) {
      if (text === null) ({ text, len, ascii } = stringified(record));
      this.texts.push(text);
    }
    if (!ascii) this.ascii = false;
    this.orders.push(order);
    this.lengths.push(len);
    this.n = i + 1;
  }

  servers(list: ServerList): void { this.serverList = list; }

  kerberos(list: KerberosRecords): void { this.kerberosList = list; }

  /**
   * The records' texts in Report order (order ascending), comma-separated, without the array's
   * brackets, in pieces of ~PIECE_BYTES that each end at a record's end. Strings, not the
   * buffers they are read into: those are used again for the next window (an output may hold
   * what it is given past the write, and buffers let go would pile up outside the heap until a
   * full collection: +8 MiB peak RSS on the mix bench).
   */
  *pieces(pieceBytes = PIECE_BYTES): Generator<string> {
    const encoding = this.ascii ? "latin1" : "utf8";
    for (const b of this.bytePieces(pieceBytes)) yield b.toString(encoding);
  }

  /** every record put so far is ASCII (its UTF-8 bytes are its characters) */
  get allAscii(): boolean { return this.ascii; }

  /**
   * pieces()' text as UTF-8 bytes, each piece a view of the buffer the records are read into:
   * valid until the next piece is asked for (the buffer is used again), so the caller hands it on
   * and waits until the output is done with it. The CLI writes these, not pieces(): a string of
   * each piece was a fifth of what smb1m-1g's run allocated (226 of 1,148 MiB, sampled), and
   * stdout encoded it back to these bytes.
   */
  *bytePieces(pieceBytes = PIECE_BYTES): Generator<Buffer> {
    const n = this.n;
    if (n === 0) return;
    const encoding = this.ascii ? "latin1" : "utf8";
    if (this.file) { try { this.file.flush(); } catch (e) { this.fallBack(e, this.file); } }
    const { len, idx, from } = this.readIndex();
    const scratch = this.file ? Buffer.allocUnsafe(SCRATCH) : null;
    let window = Buffer.allocUnsafe(0);
    for (let k = 0; k < n;) {
      // records k…e-1: about WINDOW bytes, at least one record
      let size = len[idx[k]] + (k > 0 ? 1 : 0), e = k + 1;
      while (e < n && size + len[idx[e]] + 1 <= WINDOW) size += len[idx[e++]] + 1;
      if (window.length < size) window = Buffer.allocUnsafe(Math.max(size, WINDOW));
      const out = window;
      const at = new Float64Array(e - k);
      for (let j = k, p = 0; j < e; j++) { if (j > 0) out[p++] = COMMA; at[j - k] = p; p += len[idx[j]]; }
      if (from) this.readWindow(idx, len, from, k, e, at, out, scratch!);
      else for (let j = k; j < e; j++) out.write(this.texts![idx[j]], at[j - k], len[idx[j]], encoding);
      for (let j = k, start = 0; j < e; j++) {
        const end = at[j - k] + len[idx[j]];
        if (end - start >= pieceBytes || j === e - 1) { yield out.subarray(start, end); start = end; }
      }
      k = e;
    }
  }

  /**
   * The lengths in plain arrays for the reading back (the model is gone by now), Report order
   * (`idx`: put indices by order), and each record's offset in the file (`from`: the lengths of
   * the records put before it, not from the marks: that summed ~32 lengths a record). Made once
   * for all the walks of the records put so far (the readable report walks them twice: two sets
   * left for the collector were ~20 MB outside V8's heap on smb1m).
   */
  private readIndex(): { n: number; spooled: boolean; len: Uint32Array; idx: Uint32Array; from: Float64Array | null } {
    const n = this.n;
    if (this.index?.n === n && this.index.spooled === (this.file !== null)) return this.index;
    this.index = null;
    const orders = new Uint32Array(n), len = new Uint32Array(n);
    for (let i = 0; i < n; i++) { orders[i] = this.orders.get(i); len[i] = this.lengths.get(i); }
    const idx = sortedIndex(orders, n);
    let from: Float64Array | null = null;
    if (this.file) {
      from = new Float64Array(n);
      for (let i = 1; i < n; i++) from[i] = from[i - 1] + len[i - 1];
    }
    return (this.index = { n, spooled: this.file !== null, len, idx, from });
  }

  /** Records idx[k…e-1] (of lengths `all`, at `offsets` in the file) into `out` at `at`, in file order, near ones in one read. */
  private readWindow(idx: Uint32Array, all: Uint32Array, offsets: Float64Array, k: number, e: number, at: Float64Array, out: Buffer, scratch: Buffer): void {
    const fd = this.file!.fd, m = e - k;
    // the window's records' offsets and lengths, by their place j in the window
    const off = new Float64Array(m), len = new Float64Array(m);
    for (let j = 0; j < m; j++) { off[j] = offsets[idx[k + j]]; len[j] = all[idx[k + j]]; }
    // the places in file order, which is put order: sorted as put index × PLACES + place (exact
    // doubles), by the typed array's own numeric sort, not a comparator called ~m log m times
    const byFile = new Float64Array(m);
    let sorted = true;
    for (let j = 0; j < m; j++) { byFile[j] = j; if (j > 0 && off[j] < off[j - 1]) sorted = false; }
    if (!sorted) {
      for (let j = 0; j < m; j++) byFile[j] = idx[k + j] * PLACES + j;
      byFile.sort();
      for (let j = 0; j < m; j++) byFile[j] %= PLACES;
    }
    for (let g = 0; g < m;) {
      const first = byFile[g], from = off[first];
      if (len[first] > SCRATCH) { readAll(fd, out, at[first], len[first], from); g++; continue; }
      // the group g…h-1: each within GAP of the one before, all within SCRATCH
      let h = g + 1, to = from + len[first];
      for (; h < m; h++) {
        const r = byFile[h];
        if (off[r] - to > GAP || off[r] + len[r] - from > SCRATCH) break;
        to = Math.max(to, off[r] + len[r]);
      }
      readAll(fd, scratch, 0, to - from, from);
      for (; g < h; g++) { const r = byFile[g]; scratch.copy(out, at[r], off[r] - from, off[r] - from + len[r]); }
    }
  }

  /** Record i's offset in the file: its mark's, and the lengths of the records between. */
  private offset(i: number): number {
    let o = this.marks.get(i >> MARK_BITS);
    for (let j = i & ~(MARK - 1); j < i; j++) o += this.lengths.get(j);
    return o;
  }

  /** Removes the temporary file (safe to call more than once). */
  dispose(): void {
    this.file?.remove();
    this.file = null;
    this.texts = null;
    this.index = null;
  }

  /** From here on in memory: the records spooled so far are read back from `file`, which is removed. */
  private fallBack(e: unknown, file: SpoolFile | null): void {
    const texts: string[] = [];
    if (file) {
      for (let i = 0; i < this.n; i++) texts.push(file.text(this.offset(i), this.lengths.get(i)));
      file.remove();
      this.file = null;
    }
    this.texts = texts;
    const err = e as NodeJS.ErrnoException;
    const why = (err.code && WHY[err.code]) ?? err.message;
    this.onFallback(`the temporary directory ${tmpdir()} cannot be used (${why}): the connection records are kept in memory`);
  }
}


/**
 * The temporary file: records appended through a write buffer. Its name is removed as soon as it
 * is open (the data stays, through the descriptor, until it is closed), and then its directory:
 * however the process ends, killed, out of memory or interrupted, the system frees the file with
 * the process and nothing is left behind. Signal handlers could not do that: they run between
 * event-loop turns only, not during the analysis's synchronous stretches (seconds in buildReport),
 * so Ctrl+C would wait for them, and one that came just before the spool let its handler go was
 * lost (measured: a SIGINT while the dense bench's records were spooled, the run went on to the
 * end). A system that keeps the name while the file is open (Windows without POSIX delete
 * semantics) deletes it when the handle closes; what the removal could not take is retried on
 * dispose and at exit.
 */
class SpoolFile {
  readonly fd: number;
  /** what is left to remove on dispose: the file (if its name could not be removed) and the directory */
  private left: string[] = [];
  /** the write buffer: bytes 0…out.at-1 not written yet */
  private out = new JsonBytes(WRITE_BUFFER + SLACK);
  /** bytes in the file, all written */
  private written = 0;
  private removed = false;
  /** the last appendValue's record: its bytes, and whether all are ASCII */
  lastLength = 0;
  lastAscii = true;

  constructor() {
    ({ fd: this.fd, left: this.left } = namelessTempFile("connections.json"));
    if (this.left.length) {
      if (live.size === 0) process.on("exit", removeLive);
      live.add(this);
    }
  }

  /**
   * Appends JSON.stringify(value)'s UTF-8 (lastLength, lastAscii say what it was); returns its
   * offset, or -1 (nothing appended) when the value is one the encoder leaves to JSON.stringify.
   * Throws when the file cannot take what was put before (nothing of this value is kept then).
   */
  appendValue(value: object): number {
    if (this.out.at >= WRITE_BUFFER) this.flush();
    const o = this.out, start = o.at;
    o.nonAscii = false;
    if (!o.value(value)) return -1;
    this.lastLength = o.at - start;
    this.lastAscii = !o.nonAscii;
    return this.written + start;
  }

  /** Appends the text (`len` bytes of UTF-8; `ascii`: as many as characters); returns its offset. Throws when the file cannot take it. */
  append(text: string, len: number, ascii: boolean): number {
    if (this.out.at >= WRITE_BUFFER) this.flush();
    const o = this.out, at = this.written + o.at;
    o.room(o.at, len);
    o.buf.write(text, o.at, len, ascii ? "latin1" : "utf8");
    o.at += len;
    return at;
  }

  flush(): void {
    const o = this.out;
    if (o.at === 0) return;
    this.writeAll(o.buf, o.at);
    o.at = 0;
    // a record larger than the buffer grew it: back to its size
    if (o.buf.length > 2 * (WRITE_BUFFER + SLACK)) this.out = new JsonBytes(WRITE_BUFFER + SLACK);
  }

  /** A record's text, from the file or the write buffer (when the file failed). */
  text(offset: number, len: number): string {
    if (offset >= this.written) return this.out.buf.toString("utf8", offset - this.written, offset - this.written + len);
    const b = Buffer.allocUnsafe(len);
    readAll(this.fd, b, 0, len, offset);
    return b.toString("utf8");
  }

  /** Closes the file (which the system then frees) and removes what is left of it; never throws (the Report is out). */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    try { fs.closeSync(this.fd); } catch { /* closed already */ }
    for (const p of this.left) { try { fs.rmSync(p, { recursive: true, force: true }); } catch { /* as much as can be */ } }
    if (live.delete(this) && live.size === 0) process.off("exit", removeLive);
  }

  private writeAll(b: Buffer, len: number): void {
    for (let done = 0; done < len;) done += fs.writeSync(this.fd, b, done, len - done, this.written + done);
    this.written += len;
  }
}

/** JSON.stringify's text of a record, its bytes of UTF-8, and whether it is ASCII (a function, not a closure made for every record put). */
function stringified(record: Connection): { text: string; len: number; ascii: boolean } {
  const text = JSON.stringify(record), len = Buffer.byteLength(text, "utf8");
  return { text, len, ascii: len === text.length };
}

function readAll(fd: number, dst: Buffer, at: number, len: number, position: number): void {
  for (let done = 0; done < len;) {
    const got = fs.readSync(fd, dst, at + done, len - done, position + done);
    if (got === 0) throw new Error("the temporary file of connection records ended early");
    done += got;
  }
}

// The spools whose file or directory could not be removed at once, removed at exit if not disposed before.
const live = new Set<SpoolFile>();
const removeLive = () => { for (const f of [...live]) f.remove(); };
