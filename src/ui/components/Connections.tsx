// The connection table, virtualised: the rows live in the analyzer worker (sorted and filtered
// there, see worker/reportIndex.ts); the page draws the rows in view of its scroll box, between
// two spacer rows, and asks the worker for them in chunks. Every row has the same height (CSS
// --conn-row-h; a card's on a phone), so the scroll position says which rows are in view. A screen
// reader hears the whole table's size (aria-rowcount) and each row's place in it (aria-rowindex);
// the keyboard moves between rows with the arrow keys, Page Up/Down, Home and End.
import { batch, createEffect, createMemo, createSignal, For, on, onCleanup, onMount, Show } from "solid-js";
import type { ConnectionRow, PrintRows, RowsResult } from "../../worker/reportIndex";
import type { AnalyzerClient, ReportRef } from "../analyzerClient";
import { OUTCOME_LABELS, PHASE_LABELS, formatCount } from "../format";
import { nextSort, authText, type OutcomeFilter, type SortKey } from "../model";
import type { TableQuery } from "./ReportView";

const COLUMNS: { key: SortKey; label: string }[] = [
  { key: "client", label: "Client" },
  { key: "server", label: "Server" },
  { key: "dialect", label: "Dialect" },
  { key: "auth", label: "Auth / user" },
  { key: "shares", label: "Shares" },
  { key: "outcome", label: "Outcome" },
  { key: "failed", label: "Failed at" },
];

/** rows asked of the worker at a time */
const CHUNK = 60;
/** rows drawn beyond each edge of the scroll box */
const OVERSCAN = 4;
/** a row's height before one is measured (px; the CSS sets it, see .conn-row) */
const ROW_GUESS = 58;
/** the filter runs this long after the last keystroke */
const TYPE_PAUSE_MS = 150;

interface Slot { i: number; c: ConnectionRow | null }

export function Connections(props: {
  report: ReportRef; client: AnalyzerClient; query: TableQuery; onQuery: (q: TableQuery) => void;
  selected: string | null; onSelect: (id: string) => void; print: PrintRows | null; onError: (e: unknown) => void;
}) {
  const d = () => props.report.digest;
  const [text, setText] = createSignal(props.query.text);
  const [total, setTotal] = createSignal<number | null>(null);
  const [scrollTop, setScrollTop] = createSignal(0);
  const [viewH, setViewH] = createSignal(600);
  const [rowH, setRowH] = createSignal(ROW_GUESS);
  const [cacheVersion, setCacheVersion] = createSignal(0);
  let box: HTMLDivElement | undefined;
  let body: HTMLTableSectionElement | undefined;
  // rows of the current query by index, and the chunks asked for
  let cache = new Map<number, Slot>();
  let asked = new Set<number>();
  let generation = 0;
  /** the rows drawn are the previous sort's or filter's until the first rows of this one arrive */
  let stale = false;

  // a new report, sort or filter: start again from the top (not when the table is first drawn: it
  // is at the top, and setting scrollTop there would lay out the whole page just drawn at once).
  // A new sort or filter keeps the rows on screen until the worker answers (no empty table for a
  // frame, and no table that shrinks to nothing and grows back); a new report does not.
  let shownReport = props.report;
  createEffect(on([() => props.report, () => props.query], () => {
    generation++;
    asked = new Set();
    if (props.report !== shownReport) {
      shownReport = props.report;
      cache = new Map();
      stale = false;
      setTotal(null);
    } else stale = true;
    setCacheVersion((v) => v + 1);
    if (box) box.scrollTop = 0;
    setScrollTop(0);
  }, { defer: true }));
  createEffect(on(() => props.report, () => setText("")));

  let typing: ReturnType<typeof setTimeout> | undefined;
  const onType = (v: string) => {
    setText(v);
    clearTimeout(typing);
    typing = setTimeout(() => props.onQuery({ ...props.query, text: v }), TYPE_PAUSE_MS);
  };
  onCleanup(() => clearTimeout(typing));

  const range = createMemo(() => {
    const h = rowH();
    const n = total() ?? CHUNK;
    const first = Math.max(0, Math.floor(scrollTop() / h) - OVERSCAN);
    const last = Math.min(n, Math.ceil((scrollTop() + viewH()) / h) + OVERSCAN);
    return { first, last: Math.max(first, last) };
  });

  const fetchChunk = (k: number) => {
    if (asked.has(k)) return;
    asked.add(k);
    const gen = generation, rep = props.report, q = props.query;
    props.client.rows(rep, { ...q, offset: k * CHUNK, count: CHUNK }).then((res: RowsResult<ConnectionRow>) => {
      if (gen !== generation) return;
      if (stale) { cache = new Map(); stale = false; }
      res.rows.forEach((c, j) => { const i = res.offset + j; cache.set(i, { i, c }); });
      batch(() => { setTotal(res.total); setCacheVersion((v) => v + 1); });
    }, (e) => { if (gen === generation) { asked.delete(k); props.onError(e); } });
  };

  createEffect(() => {
    const { first, last } = range();
    cacheVersion();
    if (total() === null) { fetchChunk(Math.floor(first / CHUNK)); return; }
    for (let k = Math.floor(first / CHUNK); k * CHUNK < last; k++) fetchChunk(k);
  });

  const slots = createMemo(() => {
    cacheVersion();
    const { first, last } = range();
    const n = total() ?? 0;
    const out: Slot[] = [];
    for (let i = first; i < Math.min(last, n); i++) {
      let s = cache.get(i);
      if (!s) cache.set(i, (s = { i, c: null }));
      out.push(s);
    }
    return out;
  });

  // the height of a row as drawn (a card on a phone is taller): the distance between two rows
  const measure = () => {
    if (!box || printed()) return;
    setViewH(box.clientHeight || 600);
    const trs = body?.querySelectorAll<HTMLElement>("tr.conn-row");
    if (trs && trs.length >= 2) {
      const h = trs[1].offsetTop - trs[0].offsetTop;
      if (h > 0 && Math.abs(h - rowH()) > 0.5) setRowH(h);
    }
  };
  onMount(() => {
    const ro = new ResizeObserver(() => measure());
    if (box) ro.observe(box);
    onCleanup(() => ro.disconnect());
  });
  // (after the frame is laid out, never in a microtask: a measurement that changes the rows drawn
  // must not loop without the page getting a frame in between)
  let measuring = 0;
  // (once rows are drawn; scrolling does not change a row's height, a resize does: the observer)
  let measured = false;
  createEffect(on(slots, (list) => {
    if (measured || list.filter((x) => x.c).length < 2 || measuring) return;
    measuring = requestAnimationFrame(() => { measuring = 0; measured = true; measure(); });
  }));
  createEffect(on(() => props.report, () => { measured = false; }));
  onCleanup(() => cancelAnimationFrame(measuring));

  let frame = 0;
  const onScroll = () => {
    if (frame) return;
    frame = requestAnimationFrame(() => { frame = 0; if (box) setScrollTop(box.scrollTop); });
  };
  onCleanup(() => cancelAnimationFrame(frame));

  // ---- keyboard: move between rows ----
  const [focusRow, setFocusRow] = createSignal<number | null>(null);
  const focusIfDrawn = () => {
    const i = focusRow();
    if (i === null || !body) return;
    const b = body.querySelector<HTMLButtonElement>(`tr[aria-rowindex="${i + 2}"] button`);
    if (b) { b.focus({ preventScroll: true }); setFocusRow(null); }
  };
  createEffect(on(slots, () => queueMicrotask(focusIfDrawn)));
  const onKey = (e: KeyboardEvent) => {
    const tr = (e.target as HTMLElement).closest<HTMLElement>("tr.conn-row");
    if (!tr || !box) return;
    const i = Number(tr.getAttribute("aria-rowindex")) - 2;
    const n = total() ?? 0;
    const page = Math.max(1, Math.floor(box.clientHeight / rowH()) - 1);
    const to = e.key === "ArrowDown" ? i + 1 : e.key === "ArrowUp" ? i - 1 : e.key === "PageDown" ? i + page : e.key === "PageUp" ? i - page
      : e.key === "Home" ? 0 : e.key === "End" ? n - 1 : null;
    if (to === null) return;
    e.preventDefault();
    const j = Math.max(0, Math.min(n - 1, to));
    const head = (box.querySelector("thead") as HTMLElement | null)?.offsetHeight ?? 0;
    const top = j * rowH(), bottom = top + rowH();
    if (top < box.scrollTop) box.scrollTop = top;
    else if (bottom + head > box.scrollTop + box.clientHeight) box.scrollTop = bottom + head - box.clientHeight;
    setScrollTop(box.scrollTop);
    setFocusRow(j);
    focusIfDrawn();
  };

  const printed = () => props.print?.connections ?? null;
  const shownTotal = () => total() ?? d().connections;
  const filtered = () => total() !== null && total() !== d().connections;
  const sort = () => props.query.sort;

  return (
    <section aria-labelledby="conn-h">
      <h2 id="conn-h">Connections ({d().connections}{d().problems ? `, ${d().problems} with problems` : ""})</h2>
      <div class="filters">
        <label>Filter <input type="search" value={text()} onInput={(e) => onType(e.currentTarget.value)} placeholder="address, user, share, status…" data-testid="conn-filter" /></label>
        <label>Show
          <select value={props.query.outcome} onChange={(e) => props.onQuery({ ...props.query, outcome: e.currentTarget.value as OutcomeFilter })} data-testid="conn-outcome">
            <option value="all">all connections</option>
            <option value="problems">only problems</option>
            <option value="ok">only successful</option>
          </select>
        </label>
        <span class="notice" aria-live="polite" data-testid="conn-shown">{filtered() ? `${formatCount(shownTotal())} of ${formatCount(d().connections)} shown` : ""}</span>
      </div>
      <div class="table-wrap cards vscroll" classList={{ printed: !!printed() }} ref={box} onScroll={onScroll} onKeyDown={onKey} data-testid="conn-scroll">
        <table data-testid="connections" class="cards" aria-rowcount={(printed()?.total ?? shownTotal()) + 1}>
          <caption class="sr-only">SMB connections, sortable: activate a column heading to sort by it; in the table, the arrow keys, Page Up, Page Down, Home and End move between rows</caption>
          <colgroup><col class="c-stream" /><col class="c-addr" /><col class="c-addr" /><col class="c-dialect" /><col /><col /><col class="c-outcome" /><col class="c-failed" /></colgroup>
          <thead>
            <tr aria-rowindex={1}>
              <th scope="col">Stream</th>
              <For each={COLUMNS}>
                {(c) => (
                  <th scope="col" aria-sort={sort().key === c.key ? (sort().dir === 1 ? "ascending" : "descending") : "none"}>
                    <button type="button" onClick={() => props.onQuery({ ...props.query, sort: nextSort(sort(), c.key) })}>{c.label}</button>
                  </th>
                )}
              </For>
            </tr>
          </thead>
          <Show when={printed()} fallback={
            <tbody ref={body}>
              <Show when={range().first > 0}><tr class="spacer" aria-hidden="true" style={{ height: `${range().first * rowH()}px` }}><td colSpan={8} /></tr></Show>
              <For each={slots()} fallback={<Show when={total() === 0}><tr><td colSpan={8} class="empty-state">No connection matches.</td></tr></Show>}>
                {(s) => <Row slot={s} selected={props.selected} onSelect={props.onSelect} />}
              </For>
              <Show when={(total() ?? 0) > range().last}><tr class="spacer" aria-hidden="true" style={{ height: `${((total() ?? 0) - range().last) * rowH()}px` }}><td colSpan={8} /></tr></Show>
            </tbody>
          }>
            {(p) => (
              <tbody>
                <For each={p().rows}>{(c, i) => <Row slot={{ i: i(), c }} selected={props.selected} onSelect={props.onSelect} />}</For>
              </tbody>
            )}
          </Show>
        </table>
      </div>
      <p class="print-only notice">{printed() ? "" : "Printed here: the rows in view. The Print button above prints every connection (or, in a long table, every one with a problem)."}</p>
      <Show when={props.print?.onlyProblems}>
        <p class="notice" data-testid="conn-print-note">Printed: the {formatCount(props.print!.connections.total)} connections with a problem; the other {formatCount(d().connections - props.print!.connections.total)} set up fine (Export JSON lists every one).</p>
      </Show>
    </section>
  );
}

function Row(props: { slot: Slot; selected: string | null; onSelect: (id: string) => void }) {
  const c = () => props.slot.c;
  return (
    <Show when={c()} fallback={<tr class="conn-row loading" aria-rowindex={props.slot.i + 2}><td colSpan={8}><span class="notice">…</span></td></tr>}>
      {(c) => (
        <tr class="conn-row" classList={{ selected: props.selected === c().id }} aria-rowindex={props.slot.i + 2} data-connection-id={c().id} data-outcome={c().outcome}>
          <td data-label="Stream">
            <button type="button" class="small" aria-pressed={props.selected === c().id} onClick={() => props.onSelect(c().id)}
              aria-label={`Show the handshake of stream ${c().stream}, ${c().client} to ${c().server}`}>
              {c().stream}
            </button>
          </td>
          <td class="addr" data-label="Client"><div class="cell">{c().client}<Show when={c().clientOs}><br /><small class="os">{c().clientOs!.name}</small></Show></div></td>
          <td class="addr" data-label="Server"><div class="cell">{c().server}{c().transport === "netbios" ? " (NetBIOS)" : ""}<Show when={c().serverOs}><br /><small class="os">{c().serverOs!.name}</small></Show></div></td>
          <td data-label="Dialect"><div class="cell">{c().dialect ?? "–"}</div></td>
          <td data-label="Auth / user"><div class="cell">{authText(c()) || "–"}</div></td>
          <td data-label="Shares">
            <div class="cell" title={c().shares.map((s) => `${s.path} (${s.status ?? "no answer"})`).join("\n")}>
              <For each={c().shares} fallback={<>–</>}>
                {(s) => <span class={`share${s.status && s.status !== "STATUS_SUCCESS" ? " bad" : ""}`} title={s.status ?? "no answer"}>{s.path}</span>}
              </For>
            </div>
          </td>
          <td class={`outcome-${c().outcome} lead`}>{OUTCOME_LABELS[c().outcome] ?? c().outcome}</td>
          <td class="lead failed-at">
            <div class="cell">
              <Show when={c().failedPhase || c().status} fallback={<>–</>}>
                {c().failedPhase ? PHASE_LABELS[c().failedPhase!] ?? c().failedPhase : ""}
                <Show when={c().status}>{" "}<br /><code>{c().status}</code></Show>
                <Show when={!c().status && c().outcome === "no-response"}>{" "}<br />no response</Show>
              </Show>
            </div>
          </td>
        </tr>
      )}
    </Show>
  );
}
