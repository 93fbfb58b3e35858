// The analyzer on a Web Worker, exposed with Comlink: reads the File in slices (never whole),
// feeds the wasm decoder through analyzeCapture and reports progress; the page's thread never
// decodes anything. (The SHA-256 for history is computed beside it, on hash.worker.ts.)
import * as Comlink from "comlink";
import wasmUrl from "../../build/decoder.wasm?url";
import { Decoder, DecoderTrap } from "../core/decoder/wasm";
import { blobSource, directReader, type CaptureSource, type ChunkReader } from "../core/source";
import { relayReader } from "./readerRelay";
import { analyzeCapture } from "../core/analyze";
import type { Report } from "../core/report";
import { ProgressMeter, type ProgressInfo } from "./progress";
import type { Secrets } from "../core/decrypt/secrets";
import { keytabEntries, KEYTAB_MAX_BYTES, type KeytabEntry } from "../core/decrypt/keytab";
import { ReportIndex, type ReportDigest, type RowQuery } from "./reportIndex";
import { partsStream, reportJsonStream } from "./reportJson";
import { openStored, storedTable, writeStored, type Ahead, type Reopened } from "../history/storedForm";
import { markdownParts } from "../ui/markdown";
import { kerberosPrincipals } from "../ui/model";
import { replicateReport } from "./synthetic";
import { ConnectionColumns } from "./connectionColumns";

export type { ProgressInfo } from "./progress";

// The module is compiled once; every file gets a decoder instance of its own, in its initial
// state, so that nothing one capture did to the decoder's memory reaches the next.
let compiled: Promise<WebAssembly.Module> | null = null;
function compileDecoder(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compileStreaming(fetch(wasmUrl));
  compiled.catch(() => { compiled = null; });
  return compiled;
}
async function newDecoder(): Promise<Decoder> { return Decoder.create(await compileDecoder()); }

// File reads run on a reader worker of this worker's own (see reader.worker.ts); where a worker
// cannot start one, on this thread.
let reader: ReturnType<typeof relayReader> | null = null;
function chunkReader(): ChunkReader {
  if (reader && !reader.broken) return reader;
  try {
    reader = relayReader(new Worker(new URL("./reader.worker.ts", import.meta.url), { type: "module" }), directReader);
    return reader;
  } catch { return directReader; }
}

/** Test hooks (set only from URL parameters of the page, see ui/testHooks.ts). */
export interface AnalyzeOptions {
  /** read at most this many bytes per slice (tests use it to get many slices from a small file) */
  sliceBytes?: number;
  /** fail when this many slices have been read */
  failAfterSlices?: number;
  /** "trap": fail like a decoder trap; "crash": an uncaught error that takes the worker down */
  failMode?: "trap" | "crash";
  /** wait this many ms before each slice (a slow disk: tests use it to cancel mid-file) */
  sliceDelayMs?: number;
  /** the benchmark's synthetic report: the capture's connections replicated to this many (worker/synthetic.ts) */
  syntheticConnections?: number;
  /** keep the connection records in columns from this many on (connectionColumns.ts COLUMNS_FROM; tests use 0) */
  columnsFrom?: number;
}

export interface WorkerResult {
  /** the Report stays here, under this handle; the page gets its digest and asks for rows */
  handle: number;
  digest: ReportDigest;
  elapsedMs: number;
  /** the decoder's wasm memory (shown in the page for the browser benchmark) */
  wasmBytes: number;
  /** where the File was read: on the reader worker, or on the analyzer's thread (a fallback) */
  reads: "reader worker" | "analyzer thread";
  /** when the analysis ended, ms since the epoch (performance.timeOrigin + now(): the page's clock) */
  doneAt: number;
}

/** Error names the page tells apart (messages are plain text, without the file name). */
export type AnalyzeErrorName = "AbortError" | "DecoderTrap" | "ReadError" | "LoadError" | "Error";

function named(name: AnalyzeErrorName, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

/** The keytab files the page handed over, read and parsed here (a damaged one: a ReadError saying where). */
async function readKeytabFiles(files: { name: string; file: Blob }[]): Promise<KeytabEntry[]> {
  const read: { name: string; bytes: Uint8Array }[] = [];
  for (const { name, file } of files) {
    if (file.size > KEYTAB_MAX_BYTES) throw named("ReadError", `not decrypted: the keytab ${name} is ${file.size} bytes, larger than any keytab`);
    try { read.push({ name, bytes: new Uint8Array(await file.arrayBuffer()) }); } catch (e) {
      throw named("ReadError", `not decrypted: the keytab ${name} could not be read (${(e as Error).message})`);
    }
  }
  const entries = keytabEntries(read);
  if ("error" in entries) throw named("ReadError", `not decrypted: ${entries.error}`);
  return entries;
}

let current: { aborted: boolean } | null = null;
/** The secrets of the decrypt() call under way, taken by its analyze() (and by nothing else). */
let decryptSecrets: Secrets | null = null;

// ---- the Reports the page shows, held here ----
// The page keeps each report's stored form (a Blob, see history/storedForm.ts) and gives it back
// when a handle is gone (evicted here, or this worker was replaced): so only the last few are kept.
// A stored form reopened answers the table's rows at once; anything else waits for whole() (the
// Report decoded behind them, see history/storedForm.ts).
const HELD_MAX = 4;
/** How long after an analysis kept in columns the columns sorting reads are decoded (reportIndex.ts prepare). */
const PREPARE_AFTER_MS = 1000;
interface Held { index: ReportIndex; whole: Reopened["whole"]; busy: Reopened["busy"]; drop: Reopened["drop"]; stored: Promise<Blob> | null; ahead: Ahead | null; used: number }
const held = new Map<number, Held>();
let handles = 0, uses = 0;

/** `ahead`: the Report's connections in columns already (an analysis's), which its stored form is written around. */
function hold(index: ReportIndex, stored: Blob | null, reopened?: Reopened, ahead: Ahead | null = null): number {
  const handle = ++handles;
  held.set(handle, { index, whole: reopened?.whole ?? (() => Promise.resolve()), busy: reopened?.busy ?? (() => {}), drop: reopened?.drop ?? (() => {}), stored: stored ? Promise.resolve(stored) : null, ahead, used: ++uses });
  // forget the least recently used beyond HELD_MAX, never one the page has no stored form of yet
  while (held.size > HELD_MAX) {
    let victim: number | null = null, oldest = Infinity;
    for (const [h, x] of held) if (h !== handle && x.stored && x.used < oldest) { oldest = x.used; victim = h; }
    if (victim === null) break;
    held.get(victim)!.drop();
    held.delete(victim);
  }
  return handle;
}

/** An Error the page recognises: the handle is gone, give the stored form back (open()). */
function heldOne(handle: number): Held {
  const x = held.get(handle);
  if (!x) throw named("Error", `unknown report handle ${handle}`);
  x.used = ++uses;
  return x;
}
function heldIndex(handle: number): ReportIndex { return heldOne(handle).index; }
/** The index once its whole Report is there. */
async function whole(handle: number): Promise<ReportIndex> {
  const x = heldOne(handle);
  await x.whole();
  return x.index;
}

const api = {
  async analyze(file: Blob, name: string, onProgress?: (p: ProgressInfo) => void, opts: AnalyzeOptions = {}): Promise<WorkerResult> {
    const signal = { aborted: false };
    current = signal;
    const secrets = decryptSecrets ?? undefined; // (read before the first await: only decrypt()'s own call gets them)
    decryptSecrets = null;
    const t0 = performance.now();
    try {
      let d: Decoder;
      try { d = await newDecoder(); } catch (e) {
        throw named("LoadError", `the decoder could not be loaded (${(e as Error).message})`);
      }
      let slices = 0;
      const meter = new ProgressMeter(file.size, (p) => { void onProgress?.(p); }, 100);
      const chunks = chunkReader();
      const base = blobSource(file, name, undefined, chunks);
      const read = async (offset: number, dst: Uint8Array): Promise<number> => {
        try { return await base.readInto(offset, dst); } catch (e) {
          throw named("ReadError", `the file could not be read at byte ${offset} (${(e as Error).message}); was it moved, changed or deleted while it was being read?`);
        }
      };
      const src: CaptureSource = {
        name,
        size: file.size,
        async readInto(offset, dst) {
          if (opts.failAfterSlices !== undefined && slices >= opts.failAfterSlices) await testFailure(opts.failMode ?? "trap", slices);
          if (opts.sliceDelayMs) await new Promise((r) => setTimeout(r, opts.sliceDelayMs));
          // slices are the decoder's input buffer (2 MiB: several progress steps a second); tests ask for smaller ones
          const view = opts.sliceBytes ? dst.subarray(0, Math.min(dst.length, opts.sliceBytes)) : dst;
          const n = await read(offset, view);
          slices++;
          return n;
        },
      };
      meter.update(0, true);
      // the connection records go to a sink of this worker's (connectionColumns.ts: columns past
      // a number of them), not Report.connections
      const sink = new ConnectionColumns(opts.columnsFrom);
      let report: Report;
      if (opts.syntheticConnections) {
        const r = replicateReport(await analyzeCapture(d, src, { signal, onProgress: (p) => meter.update(p.bytes), secrets }), opts.syntheticConnections);
        r.connections.forEach((c, i) => sink.put(i, c));
        report = { ...r, connections: [] };
      } else report = await analyzeCapture(d, src, { signal, onProgress: (p) => meter.update(p.bytes), secrets, connections: sink });
      const kept = sink.finish();
      let index: ReportIndex, ahead: Ahead | null = null;
      if (kept.kind === "objects") index = new ReportIndex({ ...report, connections: kept.connections });
      else {
        const table = storedTable(kept.columns, kerberosPrincipals(report));
        if (!table) throw new Error("the connection records could not be kept in columns");
        index = new ReportIndex(report, table);
        ahead = { writer: sink.writer, lists: { connections: kept.field } };
      }
      meter.update(file.size, true);
      const reads = chunks === reader && !reader.broken ? "reader worker" : "analyzer thread";
      const elapsedMs = performance.now() - t0;
      const doneAt = performance.timeOrigin + performance.now();
      const handle = hold(index, null, undefined, ahead);
      // the columns a sort reads, decoded once the page has its first rows (the verdict and the
      // default order need few of them)
      if (ahead) setTimeout(() => { if (held.get(handle)?.index === index) void index.prepare(); }, PREPARE_AFTER_MS);
      return { handle, digest: heldIndex(handle).digest(), elapsedMs, wasmBytes: d.memoryBytes, reads, doneAt };
    } catch (e) {
      const err = e as Error;
      if (err?.name === "AbortError") throw named("AbortError", "cancelled");
      if (e instanceof DecoderTrap || err?.name === "DecoderTrap") throw named("DecoderTrap", err.message);
      if (err?.name === "ReadError" || err?.name === "LoadError") throw err;
      throw named("Error", err?.message ?? String(e));
    } finally {
      if (current === signal) current = null;
    }
  },

  /**
   * The same analysis with secrets (the page's Decrypt panel, issue 18): passwords, session keys
   * and keytab files (read and parsed here) to see through SMB3 encryption. They stay in this worker, are used by this one analysis (the
   * decrypt stage forgets them when it ends) and never come back in the result, which names only
   * the kind of secret that worked.
   */
  async decrypt(file: Blob, name: string, secrets: Secrets, onProgress?: (p: ProgressInfo) => void, opts: AnalyzeOptions = {}): Promise<WorkerResult> {
    const keytabs = await readKeytabFiles(secrets.keytabFiles ?? []);
    decryptSecrets = { passwords: secrets.passwords, sessionKeys: secrets.sessionKeys, keytabs: [...(secrets.keytabs ?? []), ...keytabs] };
    try { return await api.analyze(file, name, onProgress, opts); } finally { decryptSecrets = null; }
  },

  /** Stops the analysis under way at its next slice. */
  cancel(): void {
    if (current) current.aborted = true;
  },

  ping(): string { return "pong"; },

  /**
   * A saved analysis: its stored form (a Blob from stored(), or the gzip JSON of older entries)
   * or, from history written before that, the Report itself. Returns the handle to ask rows with,
   * and a digest made now unless `withDigest` is false (the page has the digest history stored:
   * then the rows are answered before the whole Report is decoded).
   */
  async open(saved: Blob | Report, withDigest = true): Promise<{ handle: number; digest: ReportDigest | null; stored: Blob | null }> {
    const reopened = saved instanceof Blob ? await openStored(saved) : undefined;
    const handle = hold(reopened?.index ?? new ReportIndex(saved as Report), saved instanceof Blob ? saved : null, reopened);
    return { handle, digest: withDigest ? (await whole(handle)).digest() : null, stored: saved instanceof Blob ? saved : null };
  },

  /** The stored form of a report (made once, in the background of the page: history saves it). */
  async stored(handle: number): Promise<Blob> {
    const x = held.get(handle);
    if (!x) throw named("Error", `unknown report handle ${handle}`);
    x.stored ??= x.whole().then(() => writeStored(x.index.report, undefined, x.ahead ?? undefined));
    try { return await x.stored; } catch (e) { x.stored = null; throw e; }
  },

  /** Forgets a report the page no longer shows. */
  release(handle: number): void { held.get(handle)?.drop(); held.delete(handle); },

  /** A window of the connection table, sorted and filtered here; `detail`: with phases and ladder. */
  async rows(handle: number, q: RowQuery, detail = false) {
    if (detail) return (await whole(handle)).rows(q, detail);
    const x = heldOne(handle);
    x.busy();
    return x.index.rows(q);
  },
  async connection(handle: number, id: string) { return (await whole(handle)).connection(id); },
  async occurrences(handle: number, key: string, offset: number, count: number) { return (await whole(handle)).occurrences(key, offset, count); },
  async kerberos(handle: number, offset: number, count: number) { return (await whole(handle)).kerberosRows(offset, count); },
  async servers(handle: number, offset: number, count: number) { return (await whole(handle)).serverRows(offset, count); },
  async printRows(handle: number, q: Omit<RowQuery, "offset" | "count">) { return (await whole(handle)).printRows(q); },
  async preview(handle: number) { return (await whole(handle)).preview(); },

  /** The Report as JSON (the export), written into a Blob a list element at a time (never one string). */
  async exportJson(handle: number): Promise<Blob> {
    const index = await whole(handle);
    const blob = await new Response(reportJsonStream(index.report, 2, { connections: index.connectionsInOrder() })).blob();
    return blob.slice(0, blob.size, "application/json");
  },
  /** The Report as Markdown, likewise a few lines at a time, its connections read from the index (never all as objects). */
  async exportMarkdown(handle: number): Promise<Blob> {
    const index = await whole(handle);
    const blob = await new Response(partsStream(markdownParts(index.markdownSource()))).blob();
    return blob.slice(0, blob.size, "text/markdown");
  },
};

async function testFailure(mode: "trap" | "crash", slices: number): Promise<never> {
  if (mode === "crash") {
    // An error nobody catches: the worker's "error" event fires on the page, as in a real crash,
    // and this analysis never answers.
    setTimeout(() => { throw new Error(`test hook: simulated worker crash after ${slices} slices`); }, 0);
    return new Promise<never>(() => {});
  }
  throw new DecoderTrap(`test hook: simulated decoder trap after ${slices} slices`);
}

export type AnalyzerApi = typeof api;
Comlink.expose(api);

// Ready before the first file: the decoder compiles and the reader starts while the user picks one
// (a failure here is reported by the analysis that needs them).
compileDecoder().catch(() => {});
chunkReader();
