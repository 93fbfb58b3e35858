import { createMemo, For, Show } from "solid-js";
import type { Connection, Finding, Report } from "../../core/report";
import { splitCode } from "../format";
import { findingFilters, noFindingsText, sortFindings } from "../model";
import { Cmd } from "./Copy";
import { paged, ShowMore } from "./Paged";

const SEV_LABEL = { error: "Error", warning: "Warning", info: "Info" } as const;

export function Remediation(props: { text: string }) {
  return (
    <For each={splitCode(props.text)}>
      {(p) => (p.runnable ? <Cmd text={p.text} /> : p.code ? <code>{p.text}</code> : <>{p.text}</>)}
    </For>
  );
}

export function Findings(props: { report: Report; onShowConnection: (id: string) => void }) {
  const conns = createMemo(() => new Map(props.report.connections.map((c) => [c.id, c] as const)));
  const pager = paged(() => sortFindings(props.report.findings), 50);
  return (
    <section aria-labelledby="findings-h">
      <h2 id="findings-h">Findings ({props.report.findings.length})</h2>
      <Show when={props.report.findings.length} fallback={<p class="notice" data-testid="no-findings">{noFindingsText(props.report)}</p>}>
        <div class="findings">
          <For each={pager.visible()}>
            {(f) => <FindingCard f={f} conn={f.connection ? conns().get(f.connection) : undefined} onShowConnection={props.onShowConnection} />}
          </For>
        </div>
        <ShowMore pager={pager} testId="findings-more" hint="errors and warnings come first" />
      </Show>
    </section>
  );
}

function FindingCard(props: { f: Finding; conn?: Connection; onShowConnection: (id: string) => void }) {
  const f = () => props.f;
  const filters = createMemo(() => findingFilters(f(), props.conn));
  const frames = () => filters().frames;
  const stream = () => filters().stream;
  const extra = () => filters().extra;
  return (
    <article class={`finding sev-${f().severity}`} data-finding-id={f().id} aria-label={`${SEV_LABEL[f().severity] ?? f().severity}: ${f().title}`}>
      <header>
        <span class={`badge ${f().severity}`}>{SEV_LABEL[f().severity] ?? f().severity}</span>
        <h3>{f().title}</h3>
        <code class="fid">{f().id}</code>
      </header>
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
    </article>
  );
}
