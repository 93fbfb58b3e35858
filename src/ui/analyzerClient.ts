// The page's side of the analyzer worker: one analysis at a time, cancellable; a worker that
// crashes (or whose decoder trapped) is replaced, so the next file starts on a fresh one. The
// file's SHA-256 (for history) is computed on a second worker once the report is out, in the
// background: the next file's analysis does not wait for it.
import * as Comlink from "comlink";
import type { AnalyzerApi, AnalyzeOptions, ProgressInfo, WorkerResult } from "../worker/analyzer.worker";
import type { Connection, Finding, Report } from "../core/report";
import type { ConnectionBrief, ConnectionRow, KerberosRow, ReportDigest, ReportPreview, RowQuery, RowsResult, ServerRow } from "../worker/reportIndex";
import type { Secrets } from "../core/decrypt/secrets";
import type { HashApi, HashOptions } from "../worker/hash.worker";
import AnalyzerWorker from "../worker/analyzer.worker?worker";
import HashWorker from "../worker/hash.worker?worker";

export type { ProgressInfo, AnalyzeOptions };
export type { ConnectionBrief, ConnectionRow, KerberosRow, ReportDigest, RowQuery, RowsResult, ServerRow };

/**
 * A report the page shows: its digest here, the Report itself in the analyzer worker under
 * `handle`. `stored` (the Blob history keeps) brings it back when the worker no longer has it.
 */
export interface ReportRef {
  digest: ReportDigest;
  handle: number;
  /** the worker generation the handle belongs to */
  gen: number;
  stored: Blob | null;
  /** an entry saved before the stored form existed: the Report itself, as read from history */
  legacy?: Report;
  /** a saved report's first rows: answered from here while the worker reads the stored form */
  preview?: ReportPreview;
}

export interface AnalyzeResult {
  ref: ReportRef;
  elapsedMs: number;
  wasmBytes: number;
  reads: WorkerResult["reads"];
  doneAt: number;
}

/** The report is gone from the worker and there is nothing to bring it back from. */
export class ReportLost extends Error { name = "ReportLost"; }

/** A SHA-256 under way (see AnalyzerClient.hash). */
export interface HashJob {
  /** lowercase hex; rejects with an Error named "AbortError" once stopped with cancel() */
  sha256: Promise<string>;
  cancel(): void;
}

export type FailureKind = "cancelled" | "crash" | "trap" | "read" | "load" | "error";

/** An analysis that did not produce a report; `message` is ready to show (names the file). */
export class AnalysisFailure extends Error {
  constructor(readonly kind: FailureKind, message: string, readonly file: string) { super(message); }
}

export function failureMessage(kind: FailureKind, file: string, detail: string): string {
  switch (kind) {
    case "cancelled": return `${file}: analysis cancelled.`;
    case "crash": return `${file}: the analyzer stopped unexpectedly while reading this file (${detail}). It has been restarted; other files can be analysed. If this file fails again, please report it.`;
    case "trap": return `${file}: the decoder hit an internal error on this file (${detail}). This is a bug in smbscope, not a problem with your network; the decoder has been restarted and other files can be analysed.`;
    case "read": return `${file}: ${detail}`;
    case "load": return `${file}: ${detail}. Reload the page; if you are offline, the app may not have finished installing.`;
    default: return `${file}: the analysis failed (${detail}).`;
  }
}

const KINDS: Record<string, FailureKind> = { AbortError: "cancelled", DecoderTrap: "trap", ReadError: "read", LoadError: "load" };

export class AnalyzerClient {
  private worker!: Worker;
  private api!: Comlink.Remote<AnalyzerApi>;
  private hasher!: Worker;
  private hashApi!: Comlink.Remote<HashApi>;
  private crash: ((reason: string) => void) | null = null;
  /** the hashes under way, each rejected if the hash worker dies */
  private hashing = new Set<(reason: string) => void>();
  private hashIds = 0;
  /** how many workers were started (1 + replacements); tests and diagnostics read it */
  generation = 0;

  constructor(private readonly opts: AnalyzeOptions = {}, private readonly hashOpts: HashOptions = {}) { this.start(); this.startHasher(); }

  private startHasher(): void {
    this.hasher = new HashWorker({ name: "smbscope hash" });
    this.hashApi = Comlink.wrap<HashApi>(this.hasher);
    const h = this.hasher;
    h.addEventListener("error", (e) => {
      e.preventDefault();
      if (this.hasher !== h) return;
      for (const fail of [...this.hashing]) fail(e.message || "hash worker error");
      this.hashApi[Comlink.releaseProxy]?.();
      h.terminate();
      this.startHasher();
    });
  }

  private start(): void {
    this.worker = new AnalyzerWorker({ name: "smbscope analyzer" });
    this.api = Comlink.wrap<AnalyzerApi>(this.worker);
    this.generation++;
    const w = this.worker;
    const onCrash = (reason: string) => { if (this.worker === w) this.crash?.(reason); };
    w.addEventListener("error", (e) => { e.preventDefault(); onCrash(e.message || "worker error"); });
    w.addEventListener("messageerror", () => onCrash("a message from the worker could not be read"));
  }

  private replace(): void {
    this.api[Comlink.releaseProxy]?.();
    this.worker.terminate();
    this.start();
    // (the hasher is left alone: it only ever reads files whose analysis ended, and may be
    // hashing the previous one for history)
  }

  /**
   * Analyses one file. Rejects with an AnalysisFailure. `onProgress` is called only while this
   * analysis runs: progress comes on a port of its own (Comlink's proxy), so its last message can
   * arrive after the result, and would bring back the progress of a file that already ended.
   * `secrets`: analyse it decrypting SMB3 with them (the worker's decrypt()).
   */
  async analyze(file: Blob, name: string, onProgress: (p: ProgressInfo) => void, secrets?: Secrets): Promise<AnalyzeResult> {
    let live = true;
    const progress = Comlink.proxy((p: ProgressInfo) => { if (live) onProgress(p); });
    let crashed!: Promise<never>;
    crashed = new Promise<never>((_, reject) => {
      this.crash = (reason) => reject(new AnalysisFailure("crash", failureMessage("crash", name, reason), name));
    });
    crashed.catch(() => {});
    try {
      // with secrets (the Decrypt panel): they go to the worker for this analysis and nowhere else
      const call = secrets ? this.api.decrypt(file, name, secrets, progress, this.opts) : this.api.analyze(file, name, progress, this.opts);
      const res = await Promise.race([call, crashed]);
      const ref: ReportRef = { digest: res.digest, handle: res.handle, gen: this.generation, stored: null };
      return { ref, elapsedMs: res.elapsedMs, wasmBytes: res.wasmBytes, reads: res.reads, doneAt: res.doneAt };
    } catch (e) {
      if (e instanceof AnalysisFailure) { this.replace(); throw e; }
      const err = e as Error;
      const kind = KINDS[err?.name] ?? "error";
      if (kind === "trap" || kind === "load") this.replace();
      throw new AnalysisFailure(kind, failureMessage(kind, name, err?.message ?? String(e)), name);
    } finally {
      live = false;
      this.crash = null;
    }
  }

  // ---- the reports held in the worker ----

  /** Hands a saved analysis to the worker: its stored form, or (older entries) the Report itself. */
  async open(saved: Blob | Report): Promise<ReportRef> {
    const res = await this.api.open(saved);
    return { digest: res.digest!, handle: res.handle, gen: this.generation, stored: res.stored, legacy: saved instanceof Blob ? undefined : saved };
  }

  /** Calls the worker about a report; gives the report back to it first when it no longer holds it. */
  private async on<T>(ref: ReportRef, f: (api: Comlink.Remote<AnalyzerApi>, handle: number) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (ref.gen !== this.generation) await this.reopen(ref);
      try { return await f(this.api, ref.handle); } catch (e) {
        if (attempt || !/unknown report handle/.test((e as Error)?.message ?? "")) throw e;
        ref.gen = -1;
      }
    }
  }

  /** (once for all the questions asked meanwhile: the table, the lists and the findings ask together) */
  private reopening = new WeakMap<ReportRef, Promise<void>>();
  private reopen(ref: ReportRef): Promise<void> {
    let p = this.reopening.get(ref);
    if (p) return p;
    const gen = this.generation;
    p = (async () => {
      const from = ref.stored ?? ref.legacy;
      if (!from) throw new ReportLost("This report is no longer in memory (the analyzer was restarted before it could be kept): analyse the file again.");
      const res = await this.api.open(from, false);
      ref.handle = res.handle;
      ref.gen = gen;
    })().finally(() => this.reopening.delete(ref));
    this.reopening.set(ref, p);
    return p;
  }

  /**
   * A saved report just shown from its digest: the worker starts reading its stored form now,
   * while the page draws (the first sort then waits the least).
   */
  load(ref: ReportRef): void {
    if (ref.gen !== this.generation && (ref.stored || ref.legacy)) void this.reopen(ref).catch(() => {});
  }

  /**
   * The rows a saved report's preview holds (the worker, when it does not hold that report yet, is
   * asked to read it meanwhile; when it does, it need not sort for them).
   */
  private fromPreview<T>(ref: ReportRef, list: RowsResult<T> | undefined, offset: number, count: number): RowsResult<T> | null {
    if (!list || offset + count > list.rows.length && list.rows.length < list.total) return null;
    if (ref.gen !== this.generation) void this.reopen(ref).catch(() => {});
    return { rows: list.rows.slice(offset, offset + count), total: list.total, offset: Math.min(offset, list.total) };
  }

  rows(ref: ReportRef, q: RowQuery, detail = false): Promise<RowsResult<ConnectionRow>> {
    const p = ref.preview;
    const same = p && !detail && q.text === p.query.text && q.outcome === p.query.outcome && q.sort.key === p.query.sort.key && q.sort.dir === p.query.sort.dir;
    const early = same ? this.fromPreview(ref, p!.connections, q.offset, q.count) : null;
    return early ? Promise.resolve(early) : this.on(ref, (a, h) => a.rows(h, q, detail));
  }
  preview(ref: ReportRef): Promise<ReportPreview> { return this.on(ref, (a, h) => a.preview(h)); }
  connection(ref: ReportRef, id: string): Promise<{ connection: Connection; findings: Finding[] } | null> { return this.on(ref, (a, h) => a.connection(h, id)); }
  occurrences(ref: ReportRef, key: string, offset: number, count: number): Promise<RowsResult<{ finding: Finding; connection: ConnectionBrief | null }>> {
    return this.on(ref, (a, h) => a.occurrences(h, key, offset, count));
  }
  kerberos(ref: ReportRef, offset: number, count: number): Promise<RowsResult<KerberosRow>> {
    const early = this.fromPreview(ref, ref.preview?.kerberos, offset, count);
    return early ? Promise.resolve(early) : this.on(ref, (a, h) => a.kerberos(h, offset, count));
  }
  servers(ref: ReportRef, offset: number, count: number): Promise<RowsResult<ServerRow>> {
    const early = this.fromPreview(ref, ref.preview?.servers, offset, count);
    return early ? Promise.resolve(early) : this.on(ref, (a, h) => a.servers(h, offset, count));
  }
  printRows(ref: ReportRef, q: Omit<RowQuery, "offset" | "count">) { return this.on(ref, (a, h) => a.printRows(h, q)); }
  exportJson(ref: ReportRef): Promise<Blob> { return this.on(ref, (a, h) => a.exportJson(h)); }
  exportMarkdown(ref: ReportRef): Promise<Blob> { return this.on(ref, (a, h) => a.exportMarkdown(h)); }

  /** The stored form (a Blob, history/storedForm.ts) of a report, made once in the worker; kept on the ref. */
  async stored(ref: ReportRef): Promise<Blob> {
    if (ref.stored) return ref.stored;
    const blob = await this.on(ref, (a, h) => a.stored(h));
    ref.stored = blob;
    return blob;
  }

  /** The page no longer shows this report. */
  release(ref: ReportRef): void { if (ref.gen === this.generation) void this.api.release(ref.handle).catch(() => {}); }

  /** Cancels the analysis under way (a hash for history is stopped with its own HashJob.cancel). */
  cancel(): void { void this.api.cancel(); }

  /**
   * The SHA-256 of a file for history, on the hash worker. The page asks for it once the report
   * is out, one file at a time, and starts the next analysis beside it: on two cores that
   * decoder runs slower while both do (bench: 429 → 345 MB/s on 1.2 GB), but no file waits for
   * another's hash (34 s for 3.3 GiB) before it starts.
   */
  hash(file: Blob, onProgress?: (done: number) => void): HashJob {
    const id = ++this.hashIds;
    let fail!: (reason: string) => void;
    const died = new Promise<never>((_, reject) => { fail = (reason) => reject(new Error(`the SHA-256 worker stopped (${reason})`)); });
    this.hashing.add(fail);
    const api = this.hashApi;
    const sha256 = Promise.race([api.hash(id, file, onProgress ? Comlink.proxy(onProgress) : undefined, this.hashOpts), died])
      .finally(() => this.hashing.delete(fail));
    sha256.catch(() => {});
    return { sha256, cancel: () => { void api.cancel(id); } };
  }
}
