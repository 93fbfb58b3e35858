import { createEffect, createMemo, createSignal, For, on, onCleanup, Show, type JSX } from "solid-js";
import type { Connection, Finding } from "../../core/report";
import { TONE_LABELS } from "../model";
import { downloadBlob, exportBaseName } from "../download";
import { formatBytes, formatDate, formatElapsed, formatCount } from "../format";
import { Findings } from "./Findings";
import { Connections } from "./Connections";
import { Ladder } from "./Ladder";
import { CaptureSummary, KerberosTable, ServersTable } from "./Summary";
import { printing } from "../print";
import type { AnalyzerClient, ReportRef } from "../analyzerClient";
import type { PrintRows } from "../../worker/reportIndex";
import { DEFAULT_SORT, type OutcomeFilter, type SortState } from "../model";

export interface ReportMeta {
  savedAt?: number; fromHistory?: boolean; sha256?: string; elapsedMs?: number; wasmBytes?: number; reads?: string;
  /** while it is saved to history in the background, or when it was not (the user's choice) */
  saveState?: "saving" | "not-saved";
  /** when the worker finished the analysis (ms since the epoch; the benchmark reads it) */
  doneAt?: number;
}

/** Reports up to this many connections (and Kerberos messages) fetch their print rows ahead, so that Ctrl+P prints them whole. */
const PRINT_AHEAD = { connections: 2000, kerberos: 10_000 };

const drawnReports = new WeakSet<ReportRef>();

/** The table's sort and filter, kept here so that the print rows are the ones on screen. */
export interface TableQuery { sort: SortState; text: string; outcome: OutcomeFilter }

/** `panel`: shown between the toolbar and the findings (the Decrypt panel) */
export function ReportView(props: { report: ReportRef; client: AnalyzerClient; meta?: ReportMeta; onError?: (message: string) => void; panel?: JSX.Element }) {
  // The report by identity: the tab it comes from is replaced whenever its meta changes (saved to
  // history, its key; App patchTab), and `props.report` notifies then too, with the same report.
  // Every "new report" effect here and below (the table's sort and filter back to the default, the
  // rows fetched again) must run for another report only, never for a save finished in the background.
  const report = createMemo(() => props.report);
  const d = () => report().digest;
  const r = () => d().head;
  const [selected, setSelected] = createSignal<string | null>(null);
  const [detail, setDetail] = createSignal<{ connection: Connection; findings: Finding[] } | null>(null);
  const [query, setQuery] = createSignal<TableQuery>({ sort: DEFAULT_SORT, text: "", outcome: "all" });
  const [printRows, setPrintRows] = createSignal<PrintRows | null>(null);
  createEffect(on(report, (rep) => {
    const first = rep.digest.firstConnection;
    setSelected(first?.id ?? null);
    setDetail(first ? { connection: first, findings: rep.digest.firstFindings } : null);
    setQuery({ sort: DEFAULT_SORT, text: "", outcome: "all" });
    setPrintRows(null);
  }));
  // A new report's verdict is drawn first, its findings and tables once the verdict is on screen
  // (the verdict is what the user waits for). A report drawn before (a tab shown again, one opened
  // again from history) starts with its findings, without a blank frame.
  // (in three steps, each a task of its own: the findings, the connection table and its ladder, the
  // other tables; so that no step keeps the page from answering for long. Drawn whole at once, a
  // 100,000-connection report shown again took one task of 53–74 ms CPU, bench/browser.mjs)
  const [stage, setStage] = createSignal(drawnReports.has(report()) ? 1 : 0);
  const drawn = () => stage() >= 1;
  createEffect(on(report, (rep) => {
    const from = drawnReports.has(rep) ? 1 : 0;
    setStage(from);
    const next = (k: number) => requestAnimationFrame(() => setTimeout(() => {
      if (rep !== report()) return;
      setStage(k);
      if (k < 3) next(k + 1); else drawnReports.add(rep);
    }, 0));
    next(from + 1);
  }));

  const fail = (e: unknown) => props.onError?.(`${r().capture.file}: ${(e as Error)?.message ?? e}`);

  // what goes on paper comes from the worker: fetched ahead for a small report (Ctrl+P prints it
  // whole), by the Print button for a large one
  const fetchPrintRows = async (): Promise<PrintRows | null> => {
    const rep = report(), q = query();
    try {
      const rows = await props.client.printRows(rep, q);
      if (rep !== report() || q !== query()) return null;
      setPrintRows(rows);
      return rows;
    } catch (e) { fail(e); return null; }
  };
  createEffect(on([report, query, drawn], ([rep, , isDrawn]) => {
    setPrintRows(null);
    if (!isDrawn || rep.digest.connections > PRINT_AHEAD.connections || rep.digest.kerberos > PRINT_AHEAD.kerberos) return;
    const t = setTimeout(() => void fetchPrintRows(), 300);
    onCleanup(() => clearTimeout(t));
  }));
  const print = async () => {
    if (!printRows()) await fetchPrintRows();
    window.print();
  };

  // on screen the selected connection's ladder; on paper every failing connection's (or the selected one)
  const ladders = createMemo(() => {
    const p = printing() ? printRows() : null;
    const one = detail() ? [detail()!] : [];
    if (!p) return one;
    const failing = p.connections.rows.filter((c) => c.outcome !== "ok") as Connection[];
    return failing.length ? failing.map((c) => ({ connection: c, findings: p.errorsOf[c.id] ?? [] })) : one;
  });
  const tone = () => d().tone;
  const counts = () => d().counts;
  let ladderEl: HTMLDivElement | undefined;
  let verdictEl: HTMLHeadingElement | undefined;
  // A report that appears takes the focus on its verdict (a screen reader reads it; the keyboard
  // goes on from there). The same report kept on screen (once saved) does not take it again.
  let focused: ReportRef | null = null;
  createEffect(on(report, (rep) => {
    if (rep === focused) return;
    focused = rep;
    // once the verdict is painted: focusing lays the page out, which would otherwise be done in
    // the task that draws the verdict, on top of it
    requestAnimationFrame(() => { if (report() === rep) verdictEl?.focus(); });
  }));

  const showConnection = async (id: string) => {
    setSelected(id);
    const rep = report();
    try {
      const x = await props.client.connection(rep, id);
      if (rep !== report() || selected() !== id) return;
      setDetail(x);
    } catch (e) { fail(e); }
    queueMicrotask(() => {
      ladderEl?.scrollIntoView({ behavior: "smooth", block: "start" });
      ladderEl?.querySelector<HTMLElement>("h3")?.focus({ preventScroll: true });
    });
  };

  const exportAs = async (kind: "json" | "md") => {
    try {
      const blob = kind === "json" ? await props.client.exportJson(report()) : await props.client.exportMarkdown(report());
      downloadBlob(`${exportBaseName(r().capture.file)}.${kind}`, blob);
    } catch (e) { fail(e); }
  };

  return (
    <article class="report" data-testid="report" aria-labelledby="verdict-h">
      <div class={`verdict tone-${tone()}`} data-testid="verdict" data-tone={tone()} data-elapsed-ms={props.meta?.elapsedMs !== undefined ? Math.round(props.meta.elapsedMs) : undefined}
        data-done-at={props.meta?.doneAt} data-wasm-bytes={props.meta?.wasmBytes} data-reads={props.meta?.reads}>
        <h2 id="verdict-h" tabIndex={-1} ref={verdictEl} data-testid="verdict-heading">
          <span class="label"><span class="tone-label">{TONE_LABELS[tone()]}</span> — <span class="file" data-testid="verdict-file">{r().capture.file}</span></span>
          <span class="text" data-testid="verdict-text">{r().verdict}</span>
        </h2>
        <div class="meta">
          {counts().error} error{counts().error === 1 ? "" : "s"}, {counts().warning} warning{counts().warning === 1 ? "" : "s"}, {counts().info} note{counts().info === 1 ? "" : "s"}
          {" · "}{formatCount(d().connections)} SMB connection{d().connections === 1 ? "" : "s"} · {formatCount(r().capture.packets)} packets · {formatBytes(r().capture.bytes)}
          <Show when={props.meta?.elapsedMs !== undefined && !props.meta?.fromHistory}>{" · "}analysed in {formatElapsed(props.meta!.elapsedMs!)}</Show>
          <Show when={props.meta?.saveState === "saving"}>{" · "}<span data-testid="saving">saving to history…</span></Show>
          <Show when={props.meta?.saveState === "not-saved"}>{" · "}<span data-testid="not-saved">not saved to history</span></Show>
          <Show when={!props.meta?.fromHistory && props.meta?.savedAt}>{" · "}<span data-testid="saved">saved to history</span></Show>
          <Show when={props.meta?.fromHistory && props.meta.savedAt}>{" · "}saved analysis from {formatDate(props.meta!.savedAt!)}</Show>
        </div>
      </div>
      <div class="toolbar">
        <button type="button" onClick={() => void exportAs("json")} data-testid="export-json">Export JSON</button>
        <button type="button" onClick={() => void exportAs("md")} data-testid="export-md">Export Markdown</button>
        <button type="button" onClick={() => void print()} data-testid="print">Print</button>
      </div>
      {props.panel}
      <Show when={drawn()}>
        <div data-testid="report-body">
          <Findings digest={d()} report={report()} client={props.client} print={printing() ? printRows() : null} onShowConnection={showConnection} onError={fail} />
          <Show when={d().connections && stage() >= 2}>
            <Connections report={report()} client={props.client} query={query()} onQuery={setQuery} selected={selected()} onSelect={showConnection}
              print={printing() ? printRows() : null} onError={fail} />
            <div ref={ladderEl} tabIndex={-1}>
              <For each={ladders()}>{(x) => <Ladder connection={x.connection} findings={x.findings} />}</For>
            </div>
          </Show>
          <Show when={stage() >= 3}>
            <ServersTable report={report()} client={props.client} print={printing() ? printRows() : null} />
            <KerberosTable report={report()} client={props.client} print={printing() ? printRows() : null} />
            <CaptureSummary digest={d()} />
          </Show>
        </div>
      </Show>
    </article>
  );
}
