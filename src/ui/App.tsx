import { createEffect, createSignal, For, on, onCleanup, onMount, Show } from "solid-js";
import { AnalysisFailure, type AnalyzerClient, type HashJob, type ProgressInfo, type ReportRef } from "./analyzerClient";
import { HistoryStore, HistoryError, storageInfo, requestPersistence, isStoredReport, type HistoryEntry, type HistoryEvent, type StorageInfo } from "../history/store";
import { DIGEST_VERSION } from "../worker/reportIndex";
import { ReportView, type ReportMeta } from "./components/ReportView";
import { ProgressPanel, SaveStatus, type Saving } from "./components/ProgressPanel";
import { HistoryView } from "./components/HistoryView";
import { Cmd } from "./components/Copy";
import { announcement, announce } from "./announce";
import { downloadBlob } from "./download";
import { formatDate } from "./format";
import { TONE_LABELS } from "./model";
import { CAPTURE_ACCEPT } from "./captureTypes";
import { DecryptPanel } from "./components/DecryptPanel";
import type { Secrets } from "../core/decrypt/secrets";

export const SAMPLE = { url: "./samples/tree-bad-share.pcap", name: "tree-bad-share.pcap" };

interface Job { id: number; blob: Blob; name: string }
/** A report on screen or in this window's tabs: its digest on the page, the Report in the worker (ReportRef);
 *  `blob`: the capture, while this window has it (the Decrypt panel analyses it again) */
interface Shown { key: string; report: ReportRef; meta: ReportMeta; name: string; tone: string; blob?: Blob }
interface Alert {
  id: number; tone: "error" | "warning" | "info"; text: string; action?: { label: string; run: () => void };
  /** about the page itself (history unusable until a reload), not about one analysis: kept when a new analysis starts */
  sticky?: boolean;
}

/** Alerts shown before "and N more" */
const ALERTS_SHOWN = 5;

let nextId = 1;

export interface AppProps {
  client: AnalyzerClient;
  /** registers the function that queues files given to the app from outside (launchQueue) */
  onReady?: (enqueue: (files: { blob: Blob; name: string }[]) => void) => void;
}

export function App(props: AppProps) {
  const [view, setView] = createSignal<"analyse" | "history">("analyse");
  const [queue, setQueue] = createSignal<Job[]>([]);
  const [running, setRunning] = createSignal<{ job: Job; progress: ProgressInfo | null } | null>(null);
  const [shown, setShown] = createSignal<Shown | null>(null);
  const [session, setSession] = createSignal<Shown[]>([]);
  const [alerts, setAlerts] = createSignal<Alert[]>([]);
  const [store, setStore] = createSignal<HistoryStore | null>(null);
  const [historyAvailable, setHistoryAvailable] = createSignal(true);
  const [entries, setEntries] = createSignal<HistoryEntry[]>([]);
  const [storage, setStorage] = createSignal<StorageInfo | null>(null);
  const [keepCaptures, setKeepCapturesSig] = createSignal(false);
  const [dragging, setDragging] = createSignal(false);
  const [offlineReady, setOfflineReady] = createSignal(false);
  const [workerGen, setWorkerGen] = createSignal(props.client.generation);
  const [saving, setSaving] = createSignal<Saving[]>([]);
  let fileInput: HTMLInputElement | undefined;

  // One list, newest first; none is dropped (the ones beyond ALERTS_SHOWN are behind "and N more")
  const [allAlerts, setAllAlerts] = createSignal(false);
  const alert = (tone: Alert["tone"], text: string, action?: Alert["action"], sticky = false) => {
    const a: Alert = { id: nextId++, tone, text, action, sticky };
    setAlerts((xs) => [a, ...xs]);
    return a.id;
  };
  const dismiss = (id: number) => setAlerts((xs) => xs.filter((a) => a.id !== id));
  /** A new analysis starts: what was said about the earlier ones goes. */
  const clearAlerts = () => { setAlerts((xs) => xs.filter((a) => a.sticky)); setAllAlerts(false); };

  // ---- history ----
  const refreshHistory = async () => {
    const s = store();
    if (!s) return;
    try { setEntries(await s.list()); } catch (e) { alert("error", (e as Error).message); }
    setStorage(await storageInfo());
  };

  const onHistoryEvent = (e: HistoryEvent) => {
    if (e.type === "blocked") alert("warning", "Another smbscope tab still uses an older version of the saved history. Close or reload the other tabs so the history can be upgraded.", undefined, true);
    else if (e.type === "blocking" || e.type === "terminated") {
      setStore(null);
      alert("warning", e.type === "blocking"
        ? "smbscope was updated in another tab. Reload this page to keep saving analyses to history (what is saved is safe)."
        : "The browser closed the history database (storage may have been cleared). Reload this page.",
      { label: "Reload", run: () => location.reload() }, true);
    }
  };

  onMount(async () => {
    try {
      const s = await HistoryStore.open(onHistoryEvent);
      setStore(s);
      const settings = await s.settings();
      setKeepCapturesSig(settings.keepCaptures);
      await finishPending(s);
      // the report that was on screen before the reload, unless something was opened meanwhile
      if (settings.lastOpened !== null && !shown() && !running() && !queue().length) await historyActions.open(settings.lastOpened, true);
    } catch (e) {
      setHistoryAvailable(false);
      alert("warning", (e as Error).message, undefined, true);
    }
  });

  const historyActions = {
    /** `quiet`: the report shown again after a reload; if it is gone, nothing to say */
    open: async (id: number, quiet = false) => {
      const s = store();
      if (!s) return;
      // already in a tab of this window: that tab (its report is in the worker already, or being
      // read there: reading a 100,000-connection stored form a second time costs seconds)
      const tab = session().find((x) => x.key === `h${id}`);
      if (tab) { show(tab); return; }
      try {
        const [entry, saved] = await Promise.all([s.get(id), s.getReport(id)]);
        if (!entry || !saved) { if (!quiet) alert("error", "That analysis is no longer in history."); await refreshHistory(); return; }
        // the stored form: its digest is drawn at once, the worker reads the Report when rows are
        // asked for; an entry saved before it (the Report itself) is handed to the worker first
        const report: ReportRef = isStoredReport(saved) && saved.digest.digestVersion === DIGEST_VERSION
          ? { digest: saved.digest, handle: -1, gen: -1, stored: saved.blob, preview: saved.preview }
          : await props.client.open(isStoredReport(saved) ? saved.blob : saved);
        show({ key: `h${id}`, report, name: entry.name, tone: report.digest.tone, meta: { fromHistory: true, savedAt: entry.date, sha256: entry.sha256 } });
        props.client.load(report);
      } catch (e) { alert("error", (e as Error).message); }
    },
    remove: async (id: number) => {
      const s = store();
      if (!s) return;
      const name = entries().find((e) => e.id === id)?.name ?? "analysis";
      try {
        const removed = await s.delete(id);
        announce(`Deleted ${name}`);
        if (removed) {
          alert("info", `Deleted the analysis of ${name} from history.`, {
            label: "Undo",
            run: async () => {
              try { await s.restore(removed); announce(`${name} is back in history`); } catch (e) { alert("error", (e as Error).message); }
              await refreshHistory();
            },
          });
        }
      } catch (e) { alert("error", (e as Error).message); }
      await refreshHistory();
    },
    clear: async () => {
      const s = store();
      if (!s) return;
      try { await s.clear(); announce("History cleared"); } catch (e) { alert("error", (e as Error).message); }
      await refreshHistory();
    },
    reanalyse: async (id: number) => {
      const s = store();
      const e = entries().find((x) => x.id === id);
      if (!s || !e) return;
      const blob = await s.getCapture(id).catch(() => undefined);
      if (!blob) { alert("error", `${e.name}: the capture itself was not kept.`); return; }
      enqueue([{ blob, name: e.name }]);
      setView("analyse");
    },
    downloadCapture: async (id: number) => {
      const s = store();
      const e = entries().find((x) => x.id === id);
      if (!s || !e) return;
      const blob = await s.getCapture(id).catch(() => undefined);
      if (blob) downloadBlob(e.name, blob); else alert("error", `${e.name}: the capture itself was not kept.`);
    },
    setKeepCaptures: async (v: boolean) => {
      setKeepCapturesSig(v);
      try { await store()?.setSetting("keepCaptures", v); } catch (e) { alert("error", (e as Error).message); }
    },
    persist: async () => {
      const ok = await requestPersistence();
      setStorage(await storageInfo());
      if (!ok) alert("info", "The browser did not grant persistent storage (browsers decide by how the site is used, e.g. when it is installed or bookmarked). History is still saved.");
      else announce("History storage is now persistent");
    },
  };

  // the tab's title names the file on screen (several tabs, the window list, a screen reader)
  createEffect(() => {
    const s = shown();
    document.title = view() === "history" ? "History · smbscope"
      : s ? `${s.name} — ${TONE_LABELS[s.report.digest.tone]} · smbscope` : "smbscope — why did SMB setup fail?";
  });

  // the saved report on screen is the one shown again after a reload
  createEffect(on(shown, (s) => {
    const id = s && /^h(\d+)$/.exec(s.key)?.[1];
    if (id) void store()?.setSetting("lastOpened", Number(id)).catch(() => {});
  }));

  // ---- analysis ----
  /** Changes a tab's meta wherever it is (this window's tabs, the report on screen). */
  const patchTab = (key: string, f: (t: Shown) => Shown) => {
    setSession((xs) => xs.map((x) => (x.key === key ? f(x) : x)));
    const cur = shown();
    if (cur?.key === key) setShown(f(cur));
  };

  const show = (s: Shown) => {
    const prev = shown();
    setShown(s);
    const before = session();
    const after = [...before.filter((x) => x.key !== s.key)].concat(s).slice(-8);
    setSession(after);
    // the reports no longer in a tab nor on screen: the worker can forget them
    for (const x of [...before, ...(prev ? [prev] : [])]) if (x.report !== s.report && !after.some((y) => y.report === x.report)) props.client.release(x.report);
    setView("analyse");
  };

  const enqueue = (files: { blob: Blob; name: string }[]) => {
    if (!files.length) return;
    clearAlerts();
    setQueue((q) => [...q, ...files.map((f) => ({ id: nextId++, blob: f.blob, name: f.name }))]);
    setView("analyse");
    void pump();
  };

  let pumping = false;
  const pump = async () => {
    if (pumping) return;
    pumping = true;
    try {
      for (;;) {
        const [job, ...rest] = queue();
        if (!job) break;
        setQueue(rest);
        await run(job);
      }
    } finally { pumping = false; }
  };

  const run = async (job: Job) => {
    setRunning({ job, progress: null });
    const seen = entries().find((e) => e.name === job.name && e.size === job.blob.size);
    let hint: number | undefined;
    if (seen) {
      hint = alert("info", `${job.name} may already be in history (a file with this name and size was analysed on ${formatDate(seen.date)}).`,
        { label: "Open saved analysis", run: () => historyActions.open(seen.id) });
    }
    try {
      // progress of this job only (never of one that ended: the client drops late messages)
      const res = await props.client.analyze(job.blob, job.name, (p) => { if (running()?.job === job) setRunning({ job, progress: p }); });
      if (hint) dismiss(hint);
      const report = res.ref;
      if (report.digest.unusable) {
        props.client.release(report);
        alert("error", report.digest.head.capture.error ?? `${job.name}: nothing could be read.`);
        return;
      }
      // The analysis is done: the report shows now; its stored form is made in the worker and it is
      // saved to history in the background (the file's SHA-256 first) while the next file is analysed.
      const meta: ReportMeta = { elapsedMs: res.elapsedMs, wasmBytes: res.wasmBytes, reads: res.reads, doneAt: res.doneAt };
      const tab = { key: `s${job.id}`, report, meta: { ...meta, saveState: store() ? "saving" as const : undefined }, name: job.name, tone: report.digest.tone, blob: job.blob };
      show(tab);
      const stored = props.client.stored(report);
      stored.catch(() => {});
      if (store()) saveLater(job, tab, stored);
      announce(`Analysis of ${job.name} done: ${report.digest.head.verdict}`);
    } catch (e) {
      if (hint) dismiss(hint);
      if (e instanceof AnalysisFailure) {
        alert(e.kind === "cancelled" ? "info" : "error", e.message);
      } else {
        alert("error", `${job.name}: ${(e as Error)?.message ?? e}`);
      }
      setWorkerGen(props.client.generation);
    } finally {
      setRunning(null);
    }
  };

  const cancel = () => props.client.cancel();

  // ---- the Decrypt panel: the same capture again, with the user's secrets (issue 18) ----
  /** The capture of a shown report: the file opened in this window, or the copy history kept. */
  const captureOf = async (s: Shown): Promise<Blob | undefined> => {
    if (s.blob) return s.blob;
    const id = /^h(\d+)$/.exec(s.key)?.[1];
    return id ? await store()?.getCapture(Number(id)).catch(() => undefined) : undefined;
  };
  const [haveCapture, setHaveCapture] = createSignal(false);
  createEffect(on(shown, (s) => { setHaveCapture(!!s?.blob); if (s && !s.blob) void captureOf(s).then((b) => { if (shown() === s) setHaveCapture(!!b); }); }));
  /** Not saved to history: the report holds no secret, but it is the user's to keep (export) or not. */
  const decrypt = async (s: Shown, secrets: Secrets) => {
    const blob = await captureOf(s);
    if (!blob || running()) return;
    const job: Job = { id: nextId++, blob, name: s.name };
    clearAlerts();
    setRunning({ job, progress: null });
    try {
      const res = await props.client.analyze(blob, s.name, (p) => { if (running()?.job === job) setRunning({ job, progress: p }); }, secrets);
      const report = res.ref;
      show({ key: `d${job.id}`, report, name: s.name, tone: report.digest.tone, blob, meta: { elapsedMs: res.elapsedMs, wasmBytes: res.wasmBytes, reads: res.reads, doneAt: res.doneAt, saveState: "not-saved" } });
      announce(`Analysis of ${s.name} with the secret given done: ${report.digest.head.verdict}`);
    } catch (e) {
      alert(e instanceof AnalysisFailure && e.kind === "cancelled" ? "info" : "error", e instanceof AnalysisFailure ? e.message : `${s.name}: ${(e as Error)?.message ?? e}`);
      setWorkerGen(props.client.generation);
    } finally {
      setRunning(null);
    }
  };

  // ---- saving to history: stored at once, hashed one file after the other beside the analyses ----
  // The Report goes into history the moment it shows (savePending), so a reload or a closed tab
  // during the SHA-256 (34 s for 3.3 GiB) loses nothing; the hash is filled in when it is known.
  let saveChain: Promise<void> = Promise.resolve();
  const notSaved = () => Object.assign(new Error("not saved"), { name: "AbortError" });
  const saveLater = (job: Job, tab: Shown, storedForm: Promise<Blob>) => {
    let stopped = false;
    let hashJob: HashJob | null = null;
    const key = tab.key;
    const stop = () => { stopped = true; hashJob?.cancel(); };
    setSaving((xs) => [...xs, { id: job.id, name: job.name, done: null, stop }]);
    const s = store()!;
    const before = s.settings().then((x) => x.lastOpened, () => null);
    // the stored form (gzip JSON, made in the worker) and the first rows: then into history at once
    const capture = keepCaptures() ? job.blob : null;
    const pending = Promise.all([storedForm, props.client.preview(tab.report)]).then(([stored, preview]) =>
      s.savePending({ name: job.name, size: job.blob.size, digest: tab.report.digest, stored, preview, capture })).then((saved) => {
      // the tab takes the entry's key once the save is complete (as a saved report); until then,
      // a reload shows this report again from the entry just stored
      if (shown()?.key === key) void s.setSetting("lastOpened", saved.entry.id).catch(() => {});
      if (saved.captureDropped) alert("warning", `${job.name}: the analysis was saved, but the capture itself was not kept: the browser's storage for this site is full.`);
      void refreshHistory();
      return saved.entry;
    });
    pending.catch(() => {});
    const step = async () => {
      let entry: HistoryEntry | null = null;
      try {
        entry = await pending;
        if (stopped) throw notSaved();
        // (returns nothing: Comlink sends a callback's return value back to the worker)
        hashJob = props.client.hash(job.blob, (done) => { setSaving((xs) => xs.map((x) => (x.id === job.id ? { ...x, done } : x))); });
        const sha256 = await hashJob.sha256;
        if (stopped) throw notSaved();
        const done = await s.setSha(entry.id, sha256);
        await refreshHistory();
        if (!done) { patchTab(key, (t) => ({ ...t, meta: { ...t.meta, saveState: "not-saved" } })); return; } // deleted meanwhile
        const savedKey = `h${done.entry.id}`;
        setSession((xs) => xs.filter((x) => x.key !== savedKey));
        patchTab(key, (t) => ({ ...t, key: savedKey, meta: { ...t.meta, saveState: undefined, sha256, savedAt: done.entry.date } }));
        if (done.previous) {
          alert("info", `${job.name} is already in history: the same capture (SHA-256 ${sha256.slice(0, 12)}…) was analysed on ${formatDate(done.previous.date)}${done.previous.name !== job.name ? ` as ${done.previous.name}` : ""}. This new analysis takes that entry's place.`);
        }
      } catch (e) {
        if ((e as Error)?.name === "AbortError") {
          // not saving is the user's choice: the entry stored at once goes again, quietly
          if (entry) {
            await s.delete(entry.id).catch(() => {});
            const last = await before;
            await s.setSetting("lastOpened", last).catch(() => {});
            await refreshHistory();
          }
          patchTab(key, (t) => ({ ...t, meta: { ...t.meta, saveState: "not-saved" } }));
          announce(`${job.name} was not saved to history`);
        } else if (entry) {
          // the analysis is in history; only its SHA-256 is missing (the hash worker failed)
          const savedKey = `h${entry.id}`;
          setSession((xs) => xs.filter((x) => x.key !== savedKey));
          patchTab(key, (t) => ({ ...t, key: savedKey, meta: { ...t.meta, saveState: undefined, savedAt: entry!.date } }));
          alert("warning", `${job.name} was saved to history, but its SHA-256 could not be computed (${(e as Error)?.message ?? e}): the same file analysed again will not be recognised.`);
        } else {
          patchTab(key, (t) => ({ ...t, meta: { ...t.meta, saveState: "not-saved" } }));
          alert(e instanceof HistoryError && e.kind === "quota" ? "warning" : "error", e instanceof HistoryError ? e.message : `${job.name}: the analysis could not be saved to history (${(e as Error)?.message ?? e}).`);
        }
      } finally {
        setSaving((xs) => xs.filter((x) => x.id !== job.id));
        await refreshHistory();
      }
    };
    saveChain = saveChain.then(step, step);
  };

  /**
   * After a reload: entries whose SHA-256 the page was computing when it went away. With a kept
   * capture the hash is computed again from it; without one it cannot be (the file went with the
   * page), and the entry stays without it (store.settlePending).
   */
  const finishPending = async (s: HistoryStore) => {
    const left = await s.settlePending().catch(() => []);
    for (const { entry, capture } of left) {
      const step = async () => {
        try {
          const sha256 = await props.client.hash(capture).sha256;
          await s.setSha(entry.id, sha256);
        } catch { /* stays pending: tried again on the next load */ }
        await refreshHistory();
      };
      saveChain = saveChain.then(step, step);
    }
    await refreshHistory();
  };

  const trySample = async () => {
    try {
      const r = await fetch(SAMPLE.url);
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      enqueue([{ blob: await r.blob(), name: SAMPLE.name }]);
    } catch (e) {
      alert("error", `The sample capture could not be loaded (${(e as Error).message}).`);
    }
  };

  const pick = (list: FileList | null | undefined) => {
    const files = [...(list ?? [])];
    enqueue(files.map((f) => ({ blob: f, name: f.name })));
  };

  // ---- drop anywhere in the window ----
  onMount(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes("Files");
    const enter = (e: DragEvent) => { if (!hasFiles(e)) return; e.preventDefault(); depth++; setDragging(true); };
    const over = (e: DragEvent) => { if (!hasFiles(e)) return; e.preventDefault(); if (e.dataTransfer) e.dataTransfer.dropEffect = "copy"; };
    const leave = (e: DragEvent) => { if (!hasFiles(e)) return; depth = Math.max(0, depth - 1); if (!depth) setDragging(false); };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      pick(e.dataTransfer?.files);
    };
    document.addEventListener("dragenter", enter);
    document.addEventListener("dragover", over);
    document.addEventListener("dragleave", leave);
    document.addEventListener("drop", drop);
    onCleanup(() => {
      document.removeEventListener("dragenter", enter);
      document.removeEventListener("dragover", over);
      document.removeEventListener("dragleave", leave);
      document.removeEventListener("drop", drop);
    });
    props.onReady?.(enqueue);
    if ("serviceWorker" in navigator) void navigator.serviceWorker.ready.then(() => setOfflineReady(true));
  });

  const queuedNames = () => queue().map((j) => j.name);
  /** the empty page: its own "Choose capture files…" is then the one primary action */
  const introShown = () => view() === "analyse" && !shown() && !running();

  return (
    <div class="app" data-worker-generation={workerGen()}>
      <header class="top">
        <h1 class="brand"><img src="./icon.svg" alt="" width="28" height="28" />smbscope</h1>
        <span class="notice">Why did the SMB connection fail?</span>
        <nav aria-label="Views">
          <button type="button" aria-current={view() === "analyse" ? "page" : undefined} onClick={() => setView("analyse")} data-testid="nav-analyse">Analyse</button>
          <button type="button" aria-current={view() === "history" ? "page" : undefined} onClick={() => { setView("history"); void refreshHistory(); }} data-testid="nav-history">
            History ({entries().length})
          </button>
          <Show when={!introShown()}>
            <button type="button" class="primary" onClick={() => fileInput?.click()} data-testid="open-capture">Open capture…</button>
          </Show>
        </nav>
        {/* reached only through the buttons that open it: hidden from assistive technology too */}
        <input ref={fileInput} type="file" multiple class="sr-only" tabIndex={-1} aria-hidden="true" data-testid="file-input"
          accept={CAPTURE_ACCEPT}
          onChange={(e) => { pick(e.currentTarget.files); e.currentTarget.value = ""; }} />
      </header>

      <Show when={dragging()}>
        <div class="drop-overlay" aria-hidden="true"><div>Drop capture files to analyse them</div></div>
      </Show>

      <main>
        <div class="alerts" data-testid="alerts">
          <For each={allAlerts() ? alerts() : alerts().slice(0, ALERTS_SHOWN)}>
            {(a) => (
              <div class={`alert ${a.tone}`} role={a.tone === "error" ? "alert" : "status"} data-testid={`alert-${a.tone}`}>
                <p>{a.text}</p>
                <Show when={a.action}>
                  <button type="button" class="small" onClick={() => { a.action!.run(); dismiss(a.id); }}>{a.action!.label}</button>
                </Show>
                <button type="button" class="small" onClick={() => dismiss(a.id)} aria-label="Dismiss this message">✕</button>
              </div>
            )}
          </For>
          <Show when={!allAlerts() && alerts().length > ALERTS_SHOWN}>
            <p class="alerts-more"><button type="button" class="link" onClick={() => setAllAlerts(true)} data-testid="alerts-more">
              and {alerts().length - ALERTS_SHOWN} more message{alerts().length - ALERTS_SHOWN > 1 ? "s" : ""}
            </button></p>
          </Show>
        </div>

        <SaveStatus saving={saving()} />

        <Show when={running()}>
          {(r) => <ProgressPanel name={r().job.name} progress={r().progress} queued={queuedNames()} onCancel={cancel} onClearQueue={() => setQueue([])} />}
        </Show>

        <Show when={view() === "history"}>
          <HistoryView entries={entries()} available={historyAvailable()} storage={storage()} keepCaptures={keepCaptures()} actions={historyActions} />
        </Show>

        <Show when={view() === "analyse"}>
          <Show when={session().length > 1}>
            <nav class="session-tabs" aria-label="Analyses opened in this window">
              <For each={session()}>
                {(s) => (
                  <button type="button" class="small" aria-pressed={shown()?.key === s.key} onClick={() => setShown(s)}>
                    <span class={`badge ${s.tone}`}>{s.tone === "none" ? "nothing" : s.tone}</span> {s.name}
                  </button>
                )}
              </For>
            </nav>
          </Show>
          <Show when={shown()} fallback={
            <Show when={introShown()}>
              <Intro onPick={() => fileInput?.click()} onSample={trySample} />
            </Show>
          }>
            {(s) => <ReportView report={s().report} meta={s().meta} client={props.client} onError={(m) => alert("error", m)}
              panel={<DecryptPanel summary={s().report.digest.decrypt} canRun={haveCapture()} busy={!!running()} onDecrypt={(secrets) => void decrypt(s(), secrets)} />} />}
          </Show>
        </Show>
      </main>
      <footer class="foot">
        smbscope runs entirely in this browser: captures are decoded locally and never leave this computer.
        <Show when={offlineReady()}> <span data-testid="offline-ready">Works offline.</span></Show>
      </footer>
      <div class="sr-only" aria-live="polite" role="status">{announcement()}</div>
    </div>
  );
}

function Intro(props: { onPick: () => void; onSample: () => void }) {
  return (
    <section class="intro" aria-labelledby="intro-h" data-testid="intro">
      <h2 id="intro-h">Why did the SMB connection fail?</h2>
      <p>Drop a packet capture (.pcap, .pcapng, Network Monitor .cap, or a Windows .etl from pktmon or netsh trace) anywhere on
        this page, or choose one or more files. smbscope follows every SMB
        connection through TCP, NEGOTIATE, SESSION_SETUP (NTLM or Kerberos) and TREE_CONNECT, shows where it failed and why, and
        what to do about it.</p>
      <div class="actions">
        <button type="button" class="primary" onClick={props.onPick} data-testid="pick">Choose capture files…</button>
        <button type="button" onClick={props.onSample} data-testid="sample">Try a sample</button>
      </div>
      <p class="privacy">The capture is decoded in this browser tab and never sent anywhere. Analyses are kept in this browser's history.</p>
      <section class="howto" aria-labelledby="howto-h" data-testid="howto">
        <h3 id="howto-h">How to take a capture</h3>
        <p>Start the capture, reproduce the failure (map the drive, open the share), then stop it. Capture on the client, on the
          file server, or both. Keep only SMB (TCP 445, and 139 for NetBIOS) and Kerberos (88): the file stays small and holds
          nothing else.</p>
        <dl>
          <dt>Windows 10 2004 or later, Windows Server 2022 (built in: pktmon)</dt>
          <dd>
            <Cmd text="pktmon filter add -p 445" /> <Cmd text="pktmon filter add -p 139" /> <Cmd text="pktmon filter add -p 88" />, then{" "}
            <Cmd text="pktmon start --capture --pkt-size 0 -f C:\smb.etl" />, reproduce, <Cmd text="pktmon stop" />, and open smb.etl
            here as it is (no conversion needed). Afterwards <Cmd text="pktmon filter remove" /> clears the filters.
          </dd>
          <dt>Older Windows (built in: netsh trace; it cannot filter by port)</dt>
          <dd>
            <Cmd text="netsh trace start capture=yes IPv4.Address=<server> report=disabled tracefile=C:\smb.etl maxsize=1024" /> (the
            file server's address for <code>&lt;server&gt;</code>), reproduce, <Cmd text="netsh trace stop" />; open smb.etl here.
          </dd>
          <dt>Windows with Wireshark installed</dt>
          <dd><Cmd text='dumpcap -i Ethernet -f "port 445 or port 139 or port 88" -w smb.pcapng' /></dd>
          <dt>Linux, Samba, macOS</dt>
          <dd><Cmd text="tcpdump -i any -w smb.pcap port 445 or port 139 or port 88" /> (on macOS use <code>-i en0</code>)</dd>
        </dl>
      </section>
    </section>
  );
}
