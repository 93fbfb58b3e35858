import { For, Show } from "solid-js";
import type { ProgressInfo } from "../analyzerClient";
import { formatBytes, formatEta, formatRate } from "../format";

export function ProgressPanel(props: { name: string; progress: ProgressInfo | null; queued: string[]; onCancel: () => void; onClearQueue: () => void }) {
  const p = () => props.progress;
  const pct = () => Math.floor(p()?.percent ?? 0);
  return (
    <section class="progress" aria-labelledby="prog-h" data-testid="progress">
      <div class="row">
        <h2 id="prog-h" class="sr-only">Analysis in progress</h2>
        <span class="name">Analysing {props.name}</span>
        <span class="stats" data-testid="progress-stats">
          {pct()}% · {formatBytes(p()?.bytes ?? 0)} of {formatBytes(p()?.total ?? 0)} · {formatRate(p()?.mbps ?? 0)} · {p()?.done ? "finishing…" : `${formatEta(p()?.etaSec ?? null)} left`}
        </span>
        <button type="button" onClick={props.onCancel} data-testid="cancel">Cancel</button>
      </div>
      <progress max={100} value={p()?.percent ?? 0} aria-label={`Progress of ${props.name}`} aria-valuetext={`${pct()} percent`} />
      <Show when={props.queued.length}>
        <div class="row">
          <span class="notice">Waiting: {props.queued.length} file{props.queued.length > 1 ? "s" : ""}</span>
          <button type="button" class="small" onClick={props.onClearQueue}>Remove waiting files</button>
        </div>
        <ol class="queue" data-testid="queue"><For each={props.queued}>{(n) => <li>{n}</li>}</For></ol>
      </Show>
    </section>
  );
}

/** A file being saved to history in the background (its SHA-256 first). */
export interface Saving { id: number; name: string; /** fraction of the SHA-256 done, null before it starts */ done: number | null; stop: () => void }

/** The small status of saves under way: the analysis is done, this only keeps it. */
export function SaveStatus(props: { saving: Saving[] }) {
  return (
    <Show when={props.saving.length}>
      <ul class="save-status" data-testid="save-status" aria-label="Saving to history">
        <For each={props.saving}>
          {(x) => (
            <li>
              <span>Saving {x.name} to history{x.done === null ? " (waiting)" : ` · SHA-256 ${Math.floor(x.done * 100)}%`}</span>
              <button type="button" class="small" onClick={x.stop} aria-label={`Do not save ${x.name} to history`} data-testid="dont-save">Don't save</button>
            </li>
          )}
        </For>
      </ul>
    </Show>
  );
}
