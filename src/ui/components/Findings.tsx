// The findings as groups (core/findingGroups.ts): one entry per severity and finding id, its
// first occurrence shown whole, the count and the connections it touched; the other occurrences
// are asked of the worker when the group is opened, a page at a time. The first group is the
// verdict's cause.
import { createMemo, createSignal, For, on, createEffect, Show } from "solid-js";
import { progressive } from "../progressive";
import type { Finding } from "../../core/report";
import { timesText } from "../../core/groupListing";
import { splitCode, formatCount } from "../format";
import { findingFilters } from "../model";
import { Cmd } from "./Copy";
import type { AnalyzerClient, ReportRef } from "../analyzerClient";
import type { ConnectionBrief, GroupView, Occurrence, PrintRows, ReportDigest } from "../../worker/reportIndex";

const SEV_LABEL = { error: "Error", warning: "Warning", info: "Info" } as const;
/** groups drawn with the report, then added per task after it */
const FIRST_GROUPS = 4, MORE_GROUPS = 6;
/** occurrences drawn when a group is opened, and added by each "show more" */
const OCCURRENCES_PAGE = 50;

export function Remediation(props: { text: string }) {
  return (
    <For each={splitCode(props.text)}>
      {(p) => (p.runnable ? <Cmd text={p.text} /> : p.code ? <code>{p.text}</code> : <>{p.text}</>)}
    </For>
  );
}

export function Findings(props: {
  digest: ReportDigest; report: ReportRef; client: AnalyzerClient; print: PrintRows | null;
  onShowConnection: (id: string) => void; onError: (e: unknown) => void;
}) {
  const groups = () => props.digest.groups;
  // the first groups with the report, the others a few per task after it (see progressive.ts)
  const drawnGroups = progressive(groups, FIRST_GROUPS, MORE_GROUPS, groups);
  return (
    <section aria-labelledby="findings-h">
      <h2 id="findings-h">Findings ({groups().length}{props.digest.findings !== groups().length ? `; ${formatCount(props.digest.findings)} in all` : ""})</h2>
      <Show when={groups().length} fallback={<p class="notice" data-testid="no-findings">{props.digest.noFindingsText}</p>}>
        <div class="findings">
          <For each={drawnGroups()}>
            {(g) => <GroupCard g={g} report={props.report} client={props.client} printed={props.print?.occurrences[g.key] ?? null}
              onShowConnection={props.onShowConnection} onError={props.onError} />}
          </For>
        </div>
      </Show>
    </section>
  );
}

function GroupCard(props: {
  g: GroupView; report: ReportRef; client: AnalyzerClient; printed: Occurrence[] | null;
  onShowConnection: (id: string) => void; onError: (e: unknown) => void;
}) {
  const g = () => props.g;
  const f = () => g().first;
  const [open, setOpen] = createSignal(false);
  const [items, setItems] = createSignal<Occurrence[]>([]);
  const [total, setTotal] = createSignal(0);
  createEffect(on(() => props.report, () => { setOpen(false); setItems([]); }));
  const load = async () => {
    const rep = props.report;
    try {
      const res = await props.client.occurrences(rep, g().key, items().length, OCCURRENCES_PAGE);
      if (rep !== props.report) return;
      setItems((xs) => [...xs, ...res.rows]);
      setTotal(res.total);
    } catch (e) { props.onError(e); }
  };
  const toggle = () => {
    const v = !open();
    setOpen(v);
    if (v && !items().length) void load();
  };
  const listId = `occ-${g().key.replace(/[^a-z0-9]/gi, "-")}`;
  const shownItems = () => props.printed ?? (open() ? items() : []);
  const many = () => g().count > 1 || g().connections > 1;
  return (
    <article class={`finding sev-${g().severity}`} classList={{ cause: g().headlineCause }} data-finding-id={g().id} data-count={g().count} data-listed={g().listed}
      aria-label={`${SEV_LABEL[g().severity] ?? g().severity}: ${f().title}${g().count > 1 ? `, and ${g().count - 1} more like it` : ""}`}>
      <header>
        <span class={`badge ${g().severity}`}>{SEV_LABEL[g().severity] ?? g().severity}</span>
        <h3>{f().title}</h3>
        <code class="fid">{g().id}</code>
        <Show when={many()}>
          <span class="count" data-testid="finding-count">
            {timesText(g().count, g().connections)}
          </span>
        </Show>
      </header>
      <FindingBody f={f()} conn={g().firstConnection} onShowConnection={props.onShowConnection} />
      <Show when={g().count > 1}>
        <div class="occurrences">
          <Show when={!props.printed}>
            <button type="button" class="link" aria-expanded={open()} aria-controls={listId} onClick={toggle} data-testid="occurrences-toggle">
              {open() ? "Hide the occurrences" : g().listed >= g().count ? `Show all ${formatCount(g().count)} occurrences`
                : `Show the occurrences (the first ${formatCount(g().listed)} of ${formatCount(g().count)}; the JSON export has every connection's findings)`}
            </button>
          </Show>
          <Show when={shownItems().length}>
            <ol id={listId} class="occurrence-list" data-testid="occurrences">
              <For each={shownItems()}>
                {(o) => (
                  <li>
                    {/* (a connection a folded finding lists: the group's title and frames are not its own) */}
                    <span>{o.folded ? "The same finding, on this connection" : o.finding.title}</span>
                    <Occurrence f={o.folded ? { ...o.finding, frames: [], filter: undefined } : o.finding} conn={o.connection} onShowConnection={props.onShowConnection} />
                  </li>
                )}
              </For>
            </ol>
          </Show>
          <Show when={!props.printed && open() && items().length < total()}>
            <button type="button" class="small" onClick={() => void load()} data-testid="occurrences-more">
              Show {Math.min(OCCURRENCES_PAGE, total() - items().length)} more (of {formatCount(total() - items().length)} not shown)
            </button>
          </Show>
        </div>
      </Show>
    </article>
  );
}

/** One occurrence in a group's list: its evidence and connection, on one line. */
function Occurrence(props: { f: Finding; conn: ConnectionBrief | null; onShowConnection: (id: string) => void }) {
  const filters = createMemo(() => findingFilters(props.f, props.conn));
  return (
    <span class="evidence inline">
      <Show when={props.f.frames.length}><span>frame{props.f.frames.length > 1 ? "s" : ""} {props.f.frames.join(", ")}</span></Show>
      <Show when={props.conn}>
        {(c) => (
          <>
            <span class="mono">{c().client} → {c().server}</span>
            <button type="button" class="link" onClick={() => props.onShowConnection(c().id)}>Show handshake</button>
          </>
        )}
      </Show>
      <Show when={!props.conn && props.f.connections?.length}>
        <span>{formatCount(props.f.connections!.length)} connections</span>
      </Show>
      <Show when={filters().stream}><Cmd text={filters().stream} what="Wireshark stream filter" /></Show>
    </span>
  );
}

function FindingBody(props: { f: Finding; conn: ConnectionBrief | null; onShowConnection: (id: string) => void }) {
  const f = () => props.f;
  const filters = createMemo(() => findingFilters(f(), props.conn));
  const frames = () => filters().frames;
  const stream = () => filters().stream;
  const extra = () => filters().extra;
  return (
    <>
      <p>{f().explanation}</p>
      <Show when={f().remediation.length}>
        <div>
          <strong>What to do</strong>
          <ol>
            <For each={f().remediation}>{(r) => <li><Remediation text={r} /></li>}</For>
          </ol>
        </div>
      </Show>
      <div class="evidence">
        <Show when={f().frames.length}>
          <span>Evidence: frame{f().frames.length > 1 ? "s" : ""} {f().frames.join(", ")}</span>
          <span>Wireshark filter <Cmd text={frames()} what="Wireshark filter" /></span>
        </Show>
        <Show when={extra()}>
          <span>Filter <Cmd text={extra()} what="Wireshark filter" /></span>
        </Show>
        <Show when={props.conn}>
          {(c) => (
            <>
              <span>Connection <span class="mono">{c().client} → {c().server}</span></span>
              <Show when={stream()}><Cmd text={stream()} what="Wireshark stream filter" /></Show>
              <button type="button" class="link" onClick={() => props.onShowConnection(c().id)}>Show handshake</button>
            </>
          )}
        </Show>
      </div>
      <Show when={f().references?.length}>
        <div class="refs">References: {f().references!.join("; ")}</div>
      </Show>
    </>
  );
}
