import { createSignal, For, Show } from "solid-js";
import type { HistoryEntry, StorageInfo } from "../../history/store";
import { formatBytes, formatDate, formatCount } from "../format";

export interface HistoryActions {
  open(id: number): void;
  remove(id: number): void;
  clear(): void;
  reanalyse(id: number): void;
  downloadCapture(id: number): void;
  setKeepCaptures(v: boolean): void;
  persist(): void;
}

export function HistoryView(props: {
  entries: HistoryEntry[];
  available: boolean;
  storage: StorageInfo | null;
  keepCaptures: boolean;
  actions: HistoryActions;
}) {
  const [confirmClear, setConfirmClear] = createSignal(false);
  const s = () => props.storage;
  return (
    <section class="history" aria-labelledby="hist-h" data-testid="history">
      <h2 id="hist-h">History ({props.entries.length})</h2>
      <Show when={props.available} fallback={<p class="notice">History is not available in this browser window (private browsing, or storage is blocked); analyses are not saved.</p>}>
        <div class="settings">
          <label>
            <input type="checkbox" checked={props.keepCaptures} onChange={(e) => props.actions.setKeepCaptures(e.currentTarget.checked)} data-testid="keep-captures" />
            {" "}Also keep a copy of each capture in this browser (to download or re-analyse it later). Off: only the analysis is kept.
          </label>
          <div class="bar">
            <span data-testid="storage-used">
              Storage used by this site: {s()?.usage !== null && s()?.usage !== undefined ? formatBytes(s()!.usage!) : "unknown"}
              {s()?.quota ? ` of about ${formatBytes(s()!.quota!)} available` : ""}
              {s()?.persisted ? " · persistent" : s()?.persisted === false ? " · may be cleared by the browser when space runs low" : ""}
            </span>
            <Show when={s()?.persisted === false}>
              <button type="button" class="small" onClick={() => props.actions.persist()} data-testid="persist">Keep history persistent</button>
            </Show>
          </div>
        </div>
        <Show when={props.entries.length} fallback={<p class="empty-state">No saved analyses yet. Every capture you analyse is saved here automatically.</p>}>
          <div class="bar">
            <Show when={confirmClear()} fallback={<button type="button" class="danger" onClick={() => setConfirmClear(true)} data-testid="clear-all">Clear all…</button>}>
              <span role="alert">Delete all {props.entries.length} saved analyses?</span>
              <button type="button" class="danger" onClick={() => { setConfirmClear(false); props.actions.clear(); }} data-testid="clear-confirm">Delete all</button>
              <button type="button" onClick={() => setConfirmClear(false)}>Keep them</button>
            </Show>
          </div>
          <div class="table-wrap cards">
            <table data-testid="history-table" class="cards">
              <thead><tr><th scope="col">Analysed</th><th scope="col">File</th><th scope="col">Verdict</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>
                <For each={props.entries}>
                  {(e) => (
                    <tr data-history-id={e.id} data-sha256={e.sha256}>
                      <td class="date">{formatDate(e.date)}</td>
                      <td>
                        <span class="mono">{e.name}</span><br />
                        <span class="notice">{formatBytes(e.size)} · {formatCount(e.packets)} packets{e.hasCapture ? " · capture kept" : ""}</span><br />
                        {e.sha256 ? <span class="notice mono" title={`SHA-256 ${e.sha256}`}>SHA-256 {e.sha256.slice(0, 16)}…</span>
                          : <span class="notice" data-testid="sha-missing">{e.hashPending ? "SHA-256 being computed…" : "SHA-256 not known (the page was closed while it was computed)"}</span>}
                      </td>
                      <td class="verdict-cell">
                        <span class={`badge ${e.tone}`}>{e.errors ? `${e.errors} error${e.errors > 1 ? "s" : ""}` : e.warnings ? `${e.warnings} warning${e.warnings > 1 ? "s" : ""}` : e.tone === "ok" ? "ok" : e.tone === "none" ? "nothing" : "note"}</span>{" "}
                        {e.verdict}
                      </td>
                      <td class="actions">
                        <button type="button" class="small primary" onClick={() => props.actions.open(e.id)} aria-label={`Open the analysis of ${e.name}`}>Open</button>{" "}
                        <Show when={e.hasCapture}>
                          <button type="button" class="small" onClick={() => props.actions.reanalyse(e.id)} aria-label={`Analyse ${e.name} again`}>Re-analyse</button>{" "}
                          <button type="button" class="small" onClick={() => props.actions.downloadCapture(e.id)} aria-label={`Download the capture ${e.name}`}>Download</button>{" "}
                        </Show>
                        <button type="button" class="small danger" onClick={() => props.actions.remove(e.id)} aria-label={`Delete the analysis of ${e.name}`} data-testid="delete">Delete</button>
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
        </Show>
      </Show>
    </section>
  );
}
