import { createMemo, createSignal, For, Show } from "solid-js";
import type { Connection } from "../../core/report";
import { OUTCOME_LABELS, PHASE_LABELS } from "../format";
import { paged, ShowMore } from "./Paged";
import { DEFAULT_SORT, filterConnections, nextSort, sortConnections, authText, type OutcomeFilter, type SortKey, type SortState } from "../model";

const PAGE = 100;

const COLUMNS: { key: SortKey; label: string }[] = [
  { key: "client", label: "Client" },
  { key: "server", label: "Server" },
  { key: "dialect", label: "Dialect" },
  { key: "auth", label: "Auth / user" },
  { key: "shares", label: "Shares" },
  { key: "outcome", label: "Outcome" },
  { key: "failed", label: "Failed at" },
];

export function Connections(props: { connections: Connection[]; selected: string | null; onSelect: (id: string) => void }) {
  const [sort, setSort] = createSignal<SortState>(DEFAULT_SORT);
  const [text, setText] = createSignal("");
  const [outcome, setOutcome] = createSignal<OutcomeFilter>("all");
  const rows = createMemo(() => sortConnections(filterConnections(props.connections, text(), outcome()), sort()));
  const pager = paged(rows, PAGE);
  const failed = () => props.connections.filter((c) => c.outcome !== "ok").length;

  return (
    <section aria-labelledby="conn-h">
      <h2 id="conn-h">Connections ({props.connections.length}{failed() ? `, ${failed()} with problems` : ""})</h2>
      <div class="filters">
        <label>Filter <input type="search" value={text()} onInput={(e) => setText(e.currentTarget.value)} placeholder="address, user, share, status…" data-testid="conn-filter" /></label>
        <label>Show
          <select value={outcome()} onChange={(e) => setOutcome(e.currentTarget.value as OutcomeFilter)} data-testid="conn-outcome">
            <option value="all">all connections</option>
            <option value="problems">only problems</option>
            <option value="ok">only successful</option>
          </select>
        </label>
        <span class="notice" aria-live="polite">{rows().length === props.connections.length ? "" : `${rows().length} of ${props.connections.length} shown`}</span>
      </div>
      <div class="table-wrap cards">
        <table data-testid="connections" class="cards">
          <caption class="sr-only">SMB connections, sortable: activate a column heading to sort by it</caption>
          <thead>
            <tr>
              <th scope="col">Stream</th>
              <For each={COLUMNS}>
                {(c) => (
                  <th scope="col" aria-sort={sort().key === c.key ? (sort().dir === 1 ? "ascending" : "descending") : "none"}>
                    <button type="button" onClick={() => setSort(nextSort(sort(), c.key))}>{c.label}</button>
                  </th>
                )}
              </For>
            </tr>
          </thead>
          <tbody>
            <For each={pager.visible()} fallback={<tr><td colSpan={8} class="empty-state">No connection matches.</td></tr>}>
              {(c) => (
                <tr classList={{ selected: props.selected === c.id }} data-connection-id={c.id} data-outcome={c.outcome}>
                  <td data-label="Stream">
                    <button type="button" class="small" aria-pressed={props.selected === c.id} onClick={() => props.onSelect(c.id)}
                      aria-label={`Show the handshake of stream ${c.stream}, ${c.client} to ${c.server}`}>
                      {c.stream}
                    </button>
                  </td>
                  <td class="addr" data-label="Client">{c.client}<Show when={c.clientOs}><br /><small class="os">{c.clientOs!.name}</small></Show></td>
                  <td class="addr" data-label="Server">{c.server}{c.transport === "netbios" ? " (NetBIOS)" : ""}<Show when={c.serverOs}><br /><small class="os">{c.serverOs!.name}</small></Show></td>
                  <td data-label="Dialect">{c.dialect ?? "–"}</td>
                  <td data-label="Auth / user">{authText(c) || "–"}</td>
                  <td data-label="Shares">
                    <For each={c.shares} fallback={<>–</>}>
                      {(s) => <span class={`share${s.status && s.status !== "STATUS_SUCCESS" ? " bad" : ""}`} title={s.status ?? "no answer"}>{s.path}</span>}
                    </For>
                  </td>
                  <td class={`outcome-${c.outcome} lead`}>{OUTCOME_LABELS[c.outcome] ?? c.outcome}</td>
                  <td class="lead failed-at">
                    <Show when={c.failedPhase || c.status} fallback={<>–</>}>
                      {c.failedPhase ? PHASE_LABELS[c.failedPhase] ?? c.failedPhase : ""}
                      <Show when={c.status}>{" "}<br /><code>{c.status}</code></Show>
                      <Show when={!c.status && c.outcome === "no-response"}>{" "}<br />no response</Show>
                    </Show>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
      <ShowMore pager={pager} testId="conn-more" hint="filter to narrow the list" />
    </section>
  );
}
