import { createEffect, createMemo, createSignal, For, on, Show, type JSX } from "solid-js";
import type { Report } from "../../core/report";
import { reportToMarkdown } from "../markdown";
import { connectionsShown, defaultConnection, findingCounts, reportTone, TONE_LABELS } from "../model";
import { downloadText, exportBaseName } from "../download";
import { formatBytes, formatDate, formatElapsed } from "../format";
import { Findings } from "./Findings";
import { Connections } from "./Connections";
import { Ladder } from "./Ladder";
import { CaptureSummary, KerberosTable, ServersTable } from "./Summary";
import { printing } from "../print";

export interface ReportMeta {
  savedAt?: number; fromHistory?: boolean; sha256?: string; elapsedMs?: number; wasmBytes?: number; reads?: string;
  /** while it is saved to history in the background, or when it was not (the user's choice) */
  saveState?: "saving" | "not-saved";
}

const drawnReports = new WeakSet<Report>();

/** `panel`: shown between the toolbar and the findings (the Decrypt panel) */
export function ReportView(props: { report: Report; meta?: ReportMeta; panel?: JSX.Element }) {
  const r = () => props.report;
  const [selected, setSelected] = createSignal<string | null>(null);
  createEffect(on(() => props.report, (rep) => setSelected(defaultConnection(rep)?.id ?? null)));
  // A new report's verdict is drawn first, its findings and tables once the verdict is on screen:
  // with thousands of connections they take a few hundred ms to lay out, and the verdict is what
  // the user waits for. A report drawn before (the same tab once saved, a tab shown again) is
  // drawn whole at once, without a blank frame.
  const [drawn, setDrawn] = createSignal(drawnReports.has(props.report));
  createEffect(on(() => props.report, (rep) => {
    if (drawnReports.has(rep)) { setDrawn(true); return; }
    setDrawn(false);
    requestAnimationFrame(() => setTimeout(() => { drawnReports.add(rep); setDrawn(true); }, 0));
  }));
  const conn = createMemo(() => r().connections.find((c) => c.id === selected()) ?? null);
  // on screen the selected connection's ladder; on paper every failing connection's (or the selected one)
  const ladders = createMemo(() => {
    if (!printing()) return conn() ? [conn()!] : [];
    const failing = r().connections.filter((c) => c.outcome !== "ok");
    return failing.length ? failing : conn() ? [conn()!] : [];
  });
  const tone = () => reportTone(r());
  const counts = () => findingCounts(r());
  let ladderEl: HTMLDivElement | undefined;
  let verdictEl: HTMLHeadingElement | undefined;
  // A report that appears takes the focus on its verdict (a screen reader reads it; the keyboard
  // goes on from there). The same report kept on screen (once saved) does not take it again.
  let focused: Report | null = null;
  createEffect(on(() => props.report, (rep) => {
    if (rep === focused) return;
    focused = rep;
    queueMicrotask(() => verdictEl?.focus());
  }));

  const showConnection = (id: string) => {
    setSelected(id);
    queueMicrotask(() => {
      ladderEl?.scrollIntoView({ behavior: "smooth", block: "start" });
      ladderEl?.querySelector<HTMLElement>("h3")?.focus({ preventScroll: true });
    });
  };

  const base = () => exportBaseName(r().capture.file);
  return (
    <article class="report" data-testid="report" aria-labelledby="verdict-h">
      <div class={`verdict tone-${tone()}`} data-testid="verdict" data-tone={tone()} data-elapsed-ms={props.meta?.elapsedMs !== undefined ? Math.round(props.meta.elapsedMs) : undefined} data-wasm-bytes={props.meta?.wasmBytes} data-reads={props.meta?.reads}>
        <h2 id="verdict-h" tabIndex={-1} ref={verdictEl} data-testid="verdict-heading">
          <span class="label"><span class="tone-label">{TONE_LABELS[tone()]}</span> — <span class="file" data-testid="verdict-file">{r().capture.file}</span></span>
          <span class="text" data-testid="verdict-text">{r().verdict}</span>
        </h2>
        <div class="meta">
          {counts().error} error{counts().error === 1 ? "" : "s"}, {counts().warning} warning{counts().warning === 1 ? "" : "s"}, {counts().info} note{counts().info === 1 ? "" : "s"}
          {" · "}{r().connections.length} SMB connection{r().connections.length === 1 ? "" : "s"} · {r().capture.packets.toLocaleString("en-US")} packets · {formatBytes(r().capture.bytes)}
          <Show when={props.meta?.elapsedMs !== undefined && !props.meta?.fromHistory}>{" · "}analysed in {formatElapsed(props.meta!.elapsedMs!)}</Show>
          <Show when={props.meta?.saveState === "saving"}>{" · "}<span data-testid="saving">saving to history…</span></Show>
          <Show when={props.meta?.saveState === "not-saved"}>{" · "}<span data-testid="not-saved">not saved to history</span></Show>
          <Show when={!props.meta?.fromHistory && props.meta?.savedAt}>{" · "}<span data-testid="saved">saved to history</span></Show>
          <Show when={props.meta?.fromHistory && props.meta.savedAt}>{" · "}saved analysis from {formatDate(props.meta!.savedAt!)}</Show>
        </div>
      </div>
      <div class="toolbar">
        <button type="button" onClick={() => downloadText(`${base()}.json`, JSON.stringify(r(), null, 2), "application/json")} data-testid="export-json">Export JSON</button>
        <button type="button" onClick={() => downloadText(`${base()}.md`, reportToMarkdown(r()), "text/markdown")} data-testid="export-md">Export Markdown</button>
        <button type="button" onClick={() => window.print()}>Print</button>
      </div>
      {props.panel}
      <Show when={drawn()}>
        <div data-testid="report-body">
          <Findings report={r()} onShowConnection={showConnection} />
          <Show when={r().connections.length}>
            <Connections connections={connectionsShown(r())} selected={selected()} onSelect={showConnection} />
            <div ref={ladderEl} tabIndex={-1}>
              <For each={ladders()}>{(c) => <Ladder connection={c} findings={r().findings} />}</For>
            </div>
          </Show>
          <ServersTable report={r()} />
          <KerberosTable report={r()} />
          <CaptureSummary report={r()} />
        </div>
      </Show>
    </article>
  );
}
