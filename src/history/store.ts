// History of analyses in IndexedDB (idb): every analysis is saved with its Report; the capture
// itself only when the user opted in. Versioned schema; upgrades run in `upgrade()` step by step.
//
//   v1  entries   {id (auto), name, size, sha256, date, verdict, tone, errors, warnings,
//                  findingIds, packets, hasCapture}        indexes: sha256, date
//       reports   StoredReport {format, digest, preview, blob}, key = entry id (kept apart so the
//                 list never loads reports). blob: the Report in columns, gzip (COLUMNS_FORMAT,
//                 history/storedForm.ts); entries saved before hold it as gzip JSON (STORED_FORMAT),
//                 or the Report object itself: all still open (no schema change)
//       captures  Blob,   key = entry id          (only when "keep captures" is on)
//       settings  any,    key = setting name
//
// An analysis is stored the moment its report shows, with `hashPending` and sha256 "" (the file's
// SHA-256 of a 3 GiB capture takes half a minute): a reload or a closed tab then loses nothing.
// setSha fills the hash in when it is known; an entry a reload left pending is finished from its
// kept capture, or keeps sha256 "" (the file it came from is gone with the page: settlePending).
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from "idb";
import type { Report } from "../core/report";
import type { Tone } from "../ui/model";
import type { ReportDigest, ReportPreview } from "../worker/reportIndex";
import { STORED_FORMAT } from "../worker/reportJson";
import { COLUMNS_FORMAT } from "./columns";

/**
 * A saved Report: the digest the page draws at once (verdict, finding groups), and the whole
 * Report in its stored form (a Blob: IndexedDB reads it back as a handle, the page never reads
 * it; the analyzer worker does, for the rows). ~70× smaller than the Report's JSON.
 */
export interface StoredReport {
  format: typeof COLUMNS_FORMAT | typeof STORED_FORMAT; digest: ReportDigest; blob: Blob;
  /** the first rows of each list, shown while the worker reads the blob */
  preview?: ReportPreview;
}
export type SavedReport = StoredReport | Report;
export function isStoredReport(x: SavedReport | undefined): x is StoredReport {
  const f = (x as StoredReport | undefined)?.format;
  return !!x && (f === COLUMNS_FORMAT || f === STORED_FORMAT) && (x as StoredReport).blob instanceof Blob;
}

export const DB_NAME = "smbscope";
export const DB_VERSION = 1;

export interface HistoryEntry {
  id: number;
  name: string;
  size: number;
  sha256: string;
  /** ms since the epoch */
  date: number;
  verdict: string;
  tone: Tone;
  errors: number;
  warnings: number;
  findingIds: string[];
  packets: number;
  hasCapture: boolean;
  /** saved before the file's SHA-256 was known; sha256 is "" until setSha (absent: the hash is there, or was lost) */
  hashPending?: boolean;
}

export interface Settings {
  keepCaptures: boolean;
  /** the entry whose report was on screen last: shown again after a reload */
  lastOpened: number | null;
}
export const DEFAULT_SETTINGS: Settings = { keepCaptures: false, lastOpened: null };

/** One entry with everything it holds, as taken out by delete (so that it can be put back). */
export interface Removed { entry: HistoryEntry; report: SavedReport | undefined; capture: Blob | undefined }

interface Schema extends DBSchema {
  entries: { key: number; value: HistoryEntry; indexes: { sha256: string; date: number } };
  reports: { key: number; value: SavedReport };
  captures: { key: number; value: Blob };
  settings: { key: string; value: unknown };
}

type UpgradeTx = IDBPTransaction<Schema, StoreNames<Schema>[], "versionchange">;

/** Brings a database at `oldVersion` up to DB_VERSION, one version at a time. */
export function upgrade(db: IDBPDatabase<Schema>, oldVersion: number, _tx: UpgradeTx): void {
  if (oldVersion < 1) {
    const e = db.createObjectStore("entries", { keyPath: "id", autoIncrement: true });
    e.createIndex("sha256", "sha256");
    e.createIndex("date", "date");
    db.createObjectStore("reports");
    db.createObjectStore("captures");
    db.createObjectStore("settings");
  }
  // if (oldVersion < 2) { … next schema change goes here, reading/rewriting through _tx … }
}

export type HistoryEvent =
  | { type: "blocked" }      // an older version is open in another tab and does not let go
  | { type: "blocking" }     // another tab opened a newer version: we closed our connection
  | { type: "terminated" }   // the browser closed the database (e.g. storage cleared)
  | { type: "ready" };

export type HistoryErrorKind = "quota" | "unavailable" | "closed" | "error";

export class HistoryError extends Error {
  constructor(readonly kind: HistoryErrorKind, message: string) { super(message); }
}

function isQuota(e: unknown): boolean {
  const n = (e as { name?: string } | null)?.name ?? "";
  const m = String((e as { message?: string } | null)?.message ?? "");
  return n === "QuotaExceededError" || /quota/i.test(m);
}

export function wrapError(e: unknown, what: string): HistoryError {
  if (e instanceof HistoryError) return e;
  if (isQuota(e)) return new HistoryError("quota", `${what}: the browser's storage for this site is full. Nothing already in history was lost. Delete older analyses (or turn off keeping captures) and try again.`);
  const n = (e as { name?: string } | null)?.name;
  if (n === "InvalidStateError") return new HistoryError("closed", `${what}: the history database was closed (another tab may have upgraded smbscope); reload this page.`);
  return new HistoryError("error", `${what}: ${(e as Error)?.message ?? String(e)}`);
}

export interface SaveInput { name: string; size: number; sha256: string; digest: ReportDigest; stored: Blob; preview?: ReportPreview; capture?: Blob | null; date?: number }
export interface SaveResult {
  entry: HistoryEntry;
  /** the entry this capture (same SHA-256) had before: it was updated in place */
  previous: HistoryEntry | null;
  /** the capture was to be kept but did not fit: saved without it */
  captureDropped: boolean;
}

export function entryFor(input: SaveInput, hasCapture: boolean): Omit<HistoryEntry, "id"> {
  const d = input.digest;
  return {
    name: input.name, size: input.size, sha256: input.sha256, date: input.date ?? Date.now(),
    verdict: d.head.verdict, tone: d.tone, errors: d.counts.error, warnings: d.counts.warning, findingIds: d.findingIds,
    packets: d.head.capture.packets, hasCapture,
  };
}

export class HistoryStore {
  private db: IDBPDatabase<Schema> | null;

  private constructor(db: IDBPDatabase<Schema>) { this.db = db; }

  static async open(onEvent: (e: HistoryEvent) => void = () => {}): Promise<HistoryStore> {
    if (typeof indexedDB === "undefined") throw new HistoryError("unavailable", "History is not available: this browser has no IndexedDB (private window?).");
    let store: HistoryStore | null = null;
    try {
      const db = await openDB<Schema>(DB_NAME, DB_VERSION, {
        upgrade: (db, oldVersion, _newVersion, tx) => upgrade(db, oldVersion, tx),
        blocked: () => onEvent({ type: "blocked" }),
        blocking: () => { store?.close(); onEvent({ type: "blocking" }); },
        terminated: () => { if (store) store.db = null; onEvent({ type: "terminated" }); },
      });
      store = new HistoryStore(db);
      onEvent({ type: "ready" });
      return store;
    } catch (e) {
      throw new HistoryError("unavailable", `History is not available: ${(e as Error)?.message ?? e}`);
    }
  }

  close(): void { this.db?.close(); this.db = null; }

  private get d(): IDBPDatabase<Schema> {
    if (!this.db) throw new HistoryError("closed", "The history database was closed because smbscope was updated in another tab: reload this page.");
    return this.db;
  }

  /** Newest first. */
  async list(): Promise<HistoryEntry[]> {
    try { return (await this.d.getAllFromIndex("entries", "date")).reverse(); } catch (e) { throw wrapError(e, "Could not read history"); }
  }

  async findBySha(sha256: string): Promise<HistoryEntry[]> {
    try { return await this.d.getAllFromIndex("entries", "sha256", sha256); } catch (e) { throw wrapError(e, "Could not read history"); }
  }

  async get(id: number): Promise<HistoryEntry | undefined> { return this.d.get("entries", id); }

  async getReport(id: number): Promise<SavedReport | undefined> {
    try { return await this.d.get("reports", id); } catch (e) { throw wrapError(e, "Could not read the saved analysis"); }
  }

  async getCapture(id: number): Promise<Blob | undefined> {
    try { return await this.d.get("captures", id); } catch (e) { throw wrapError(e, "Could not read the saved capture"); }
  }

  /**
   * Saves one analysis in a single transaction (all or nothing). A capture with the same SHA-256
   * as an entry already there updates that entry rather than adding a second one. When the
   * capture does not fit, the analysis is saved without it.
   */
  async save(input: SaveInput): Promise<SaveResult> {
    const previous = (await this.findBySha(input.sha256)).sort((a, b) => b.date - a.date)[0] ?? null;
    const wantCapture = !!input.capture;
    try {
      return { entry: await this.put(input, previous, wantCapture), previous, captureDropped: false };
    } catch (e) {
      if (wantCapture && isQuota(e)) {
        try { return { entry: await this.put(input, previous, false), previous, captureDropped: true }; } catch (e2) { throw wrapError(e2, `${input.name} was analysed but not saved`); }
      }
      throw wrapError(e, `${input.name} was analysed but not saved`);
    }
  }

  private async put(input: SaveInput, previous: HistoryEntry | null, withCapture: boolean, hashPending = false): Promise<HistoryEntry> {
    const tx = this.d.transaction(["entries", "reports", "captures"], "readwrite");
    tx.done.catch(() => {});
    try {
      const keepOld = previous?.hasCapture && !withCapture;
      const base = entryFor(input, withCapture || !!keepOld);
      const value = (previous ? { ...base, id: previous.id } : hashPending ? { ...base, hashPending } : base) as HistoryEntry;
      const id = previous ? await tx.objectStore("entries").put(value) : await tx.objectStore("entries").add(value as Omit<HistoryEntry, "id"> as HistoryEntry);
      const format = input.stored.type === COLUMNS_FORMAT ? COLUMNS_FORMAT : STORED_FORMAT;
      const stored: StoredReport = { format, digest: input.digest, blob: input.stored, preview: input.preview };
      await tx.objectStore("reports").put(stored, id);
      if (withCapture && input.capture) await tx.objectStore("captures").put(input.capture, id);
      await tx.done;
      return { ...value, id };
    } catch (e) {
      try { tx.abort(); } catch { /* already finished */ }
      throw e;
    }
  }

  /**
   * Saves an analysis at once, before its SHA-256 is known (a reload then loses nothing); setSha
   * adds the hash. When the capture does not fit, the analysis is saved without it.
   */
  async savePending(input: Omit<SaveInput, "sha256">): Promise<SaveResult> {
    const full = { ...input, sha256: "" } as SaveInput;
    const wantCapture = !!input.capture;
    try {
      return { entry: await this.put(full, null, wantCapture, true), previous: null, captureDropped: false };
    } catch (e) {
      if (wantCapture && isQuota(e)) {
        try { return { entry: await this.put(full, null, false, true), previous: null, captureDropped: true }; } catch (e2) { throw wrapError(e2, `${input.name} was analysed but not saved`); }
      }
      throw wrapError(e, `${input.name} was analysed but not saved`);
    }
  }

  /**
   * The SHA-256 of a pending entry is known: it is written in, and an older entry of the same
   * capture gives way to this newer analysis (its kept capture moves over when this one has none),
   * so one capture keeps one entry. null: the entry was deleted meanwhile.
   */
  async setSha(id: number, sha256: string): Promise<{ entry: HistoryEntry; previous: HistoryEntry | null } | null> {
    try {
      const tx = this.d.transaction(["entries", "reports", "captures"], "readwrite");
      tx.done.catch(() => {});
      const entries = tx.objectStore("entries"), captures = tx.objectStore("captures");
      const entry = await entries.get(id);
      if (!entry) { await tx.done; return null; }
      const older = (await entries.index("sha256").getAll(sha256)).filter((e) => e.id !== id).sort((a, b) => b.date - a.date);
      for (const o of older) {
        if (o.hasCapture && !entry.hasCapture) {
          const blob = await captures.get(o.id);
          if (blob) { await captures.put(blob, id); entry.hasCapture = true; }
        }
        await Promise.all([entries.delete(o.id), tx.objectStore("reports").delete(o.id), captures.delete(o.id)]);
      }
      const value: HistoryEntry = { ...entry, sha256 };
      delete value.hashPending;
      await entries.put(value);
      await tx.done;
      return { entry: value, previous: older[0] ?? null };
    } catch (e) { throw wrapError(e, "Could not save the file's SHA-256 to history"); }
  }

  /**
   * After a reload: the entries whose hash the page was computing when it went away. Those with a
   * kept capture are returned, with it, to be hashed again; the others can never be hashed (the
   * file went with the page): they stay, with sha256 "" and no longer pending.
   */
  async settlePending(): Promise<{ entry: HistoryEntry; capture: Blob }[]> {
    try {
      const pending = (await this.d.getAll("entries")).filter((e) => e.hashPending);
      const out: { entry: HistoryEntry; capture: Blob }[] = [];
      for (const e of pending) {
        const capture = e.hasCapture ? await this.d.get("captures", e.id) : undefined;
        if (capture) { out.push({ entry: e, capture }); continue; }
        const value: HistoryEntry = { ...e };
        delete value.hashPending;
        await this.d.put("entries", value);
      }
      return out;
    } catch (e) { throw wrapError(e, "Could not read history"); }
  }

  /** Deletes one entry; returns what it held (for restore), or null when it was not there. */
  async delete(id: number): Promise<Removed | null> {
    try {
      const tx = this.d.transaction(["entries", "reports", "captures"], "readwrite");
      const [entry, report, capture] = await Promise.all([tx.objectStore("entries").get(id), tx.objectStore("reports").get(id), tx.objectStore("captures").get(id)]);
      await Promise.all([tx.objectStore("entries").delete(id), tx.objectStore("reports").delete(id), tx.objectStore("captures").delete(id), tx.done]);
      return entry ? { entry, report, capture } : null;
    } catch (e) { throw wrapError(e, "Could not delete"); }
  }

  /** Puts back what delete took out, under the same id (undo). */
  async restore(r: Removed): Promise<void> {
    try {
      const tx = this.d.transaction(["entries", "reports", "captures"], "readwrite");
      const id = r.entry.id;
      await Promise.all([
        tx.objectStore("entries").put(r.entry),
        r.report ? tx.objectStore("reports").put(r.report, id) : undefined,
        r.capture ? tx.objectStore("captures").put(r.capture, id) : undefined,
        tx.done,
      ]);
    } catch (e) { throw wrapError(e, `${r.entry.name} could not be put back`); }
  }

  async clear(): Promise<void> {
    try {
      const tx = this.d.transaction(["entries", "reports", "captures"], "readwrite");
      await Promise.all([tx.objectStore("entries").clear(), tx.objectStore("reports").clear(), tx.objectStore("captures").clear(), tx.done]);
    } catch (e) { throw wrapError(e, "Could not clear history"); }
  }

  async settings(): Promise<Settings> {
    try {
      const [keep, last] = await Promise.all([this.d.get("settings", "keepCaptures"), this.d.get("settings", "lastOpened")]);
      return { keepCaptures: keep === true, lastOpened: typeof last === "number" ? last : null };
    } catch { return { ...DEFAULT_SETTINGS }; }
  }

  async setSetting<K extends keyof Settings>(key: K, value: Settings[K]): Promise<void> {
    try { await this.d.put("settings", value, key); } catch (e) { throw wrapError(e, "Could not save the setting"); }
  }
}

export interface StorageInfo { usage: number | null; quota: number | null; persisted: boolean | null }

export async function storageInfo(): Promise<StorageInfo> {
  const s = typeof navigator !== "undefined" ? navigator.storage : undefined;
  let usage: number | null = null, quota: number | null = null, persisted: boolean | null = null;
  try { const e = await s?.estimate?.(); usage = e?.usage ?? null; quota = e?.quota ?? null; } catch { /* unsupported */ }
  try { persisted = (await s?.persisted?.()) ?? null; } catch { /* unsupported */ }
  return { usage, quota, persisted };
}

/** Asks the browser to keep this site's storage (history) even when space runs low. */
export async function requestPersistence(): Promise<boolean> {
  try { return (await navigator.storage?.persist?.()) ?? false; } catch { return false; }
}
