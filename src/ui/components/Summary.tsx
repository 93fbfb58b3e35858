import { createEffect, createSignal, For, on, Show, type Accessor } from "solid-js";
import { formatBytes, formatDuration, spanMs, PHASE_LABELS, showMoreText, formatCount } from "../format";
import { principalOf } from "../model";
import type { AnalyzerClient, ReportRef } from "../analyzerClient";
import { progressive } from "../progressive";
import type { PrintRows, ReportDigest, RowsResult } from "../../worker/reportIndex";

export function CaptureSummary(props: { digest: ReportDigest }) {
  const c = () => props.digest.head.capture;
  return (
    <section aria-labelledby="cap-h">
      <h2 id="cap-h">Capture</h2>
      <dl class="summary" data-testid="capture-summary">
        <dt>File</dt><dd>{c().file} ({formatBytes(c().bytes)})</dd>
        <dt>Format</dt><dd>{c().format}{c().linkTypes.length ? `, link type${c().linkTypes.length > 1 ? "s" : ""} ${c().linkTypes.join(", ")}` : ""}</dd>
        <dt>Packets</dt><dd data-testid="packet-count">{formatCount(c().packets)}</dd>
        <Show when={c().start}>
          <dt>Time</dt>
          <dd>{c().start} → {c().end ?? "?"} ({formatDuration(spanMs(c().start, c().end))})</dd>
        </Show>
        <Show when={c().error}>
          <dt>Error</dt><dd class="outcome-failed">{c().error}</dd>
        </Show>
        <Show when={c().warnings.length}>
          <dt>Warnings</dt>
          <dd><ul><For each={c().warnings}>{(w) => <li>{w}</li>}</For></ul></dd>
        </Show>
        <Show when={props.digest.noSmb}>
          {(n) => (
            <>
              <dt>SMB</dt>
              <dd data-testid="no-smb">
                {n().text}
                <Show when={n().ports.length}>
                  <ul data-testid="top-ports"><For each={n().ports}>{(p) => <li>{p}</li>}</For></ul>
                  {n().hint}
                </Show>
              </dd>
            </>
          )}
        </Show>
      </dl>
    </section>
  );
}

/** rows of the Kerberos and servers tables drawn with the report, then added per task (progressive.ts) */
const ROWS_FIRST = 20, ROWS_MORE = 30;
/** A table of more rows than this is not laid out nor painted while off screen (styles.css .long-list); a shorter one is drawn as it is. */
const LONG_LIST = 100;

/**
 * A long list kept in the worker, drawn a page at a time: the first page, then ten more per
 * "show more"; on paper, the rows the print asked for.
 */
function remoteList<T>(report: Accessor<ReportRef>, total: Accessor<number>, fetch: (offset: number, count: number) => Promise<RowsResult<T>>, page: number) {
  const [rows, setRows] = createSignal<T[]>([]);
  let gen = 0;
  const load = (want: number) => {
    const g = ++gen, have = rows().length;
    if (want <= have) return;
    fetch(have, want - have).then((res) => { if (g === gen) setRows((xs) => [...xs, ...res.rows]); }, () => {});
  };
  createEffect(on(report, () => { gen++; setRows([]); if (total()) load(page); }));
  const hidden = () => Math.max(0, total() - rows().length);
  return { rows, hidden, more: () => load(rows().length + page * 10), step: page * 10 };
}

function More(props: { list: ReturnType<typeof remoteList<unknown>>; testId: string; print: boolean }) {
  return (
    <Show when={!props.print && props.list.hidden() > 0 && props.list.rows().length > 0}>
      <p class="show-more"><button type="button" onClick={props.list.more} data-testid={props.testId}>{showMoreText(props.list.step, props.list.hidden())}</button></p>
    </Show>
  );
}

export function KerberosTable(props: { report: ReportRef; client: AnalyzerClient; print: PrintRows | null }) {
  const total = () => props.report.digest.kerberos;
  const list = remoteList(() => props.report, total, (o, n) => props.client.kerberos(props.report, o, n), 100);
  const rows = progressive(() => props.print?.kerberos.rows ?? list.rows(), ROWS_FIRST, ROWS_MORE, () => props.report);
  return (
    <Show when={total()}>
      <section aria-labelledby="krb-h" classList={{ "long-list": total() > LONG_LIST }}>
        <h2 id="krb-h">Kerberos ({total()})</h2>
        <div class="table-wrap">
          <table data-testid="kerberos">
            <thead><tr><th scope="col">Frame</th><th scope="col">Client</th><th scope="col">KDC</th><th scope="col">Message</th><th scope="col">Error</th><th scope="col">Client principal</th><th scope="col">Service</th><th scope="col">Realm</th></tr></thead>
            <tbody>
              <For each={rows()}>
                {(k) => {
                  const mark = k.mark;
                  return (
                    <tr data-frame={k.frame} data-mark={mark?.text} classList={{ cause: mark?.text === "cause" }}>
                      <td>{k.frame}</td><td class="addr">{k.client}</td><td class="addr">{k.kdc}</td><td style={{ "white-space": "nowrap" }}>{k.message} <span class="notice">({k.transport.toUpperCase()})</span></td>
                      <td>
                        <Show when={k.error} fallback={<>–</>}>
                          <code>{k.error}</code>{" "}
                          <Show when={mark}>{(m) => <span class={`badge ${m().tone}`} title={m().title}>{m().text}</span>}</Show>
                        </Show>
                      </td>
                      <td class="mono">{principalOf(k) ?? "–"}</td>
                      <td class="mono">{k.service ?? "–"}</td><td>{k.realm ?? "–"}</td>
                    </tr>
                  );
                }}
              </For>
            </tbody>
          </table>
        </div>
        <More list={list} testId="krb-more" print={!!props.print} />
        <Show when={props.print && props.print.kerberos.total < total()}>
          <p class="notice">Printed: the {props.print!.kerberos.total} Kerberos errors that are not part of pre-authentication, of {total()} messages.</p>
        </Show>
      </section>
    </Show>
  );
}

/** Per server: how many client connections, and which of them failed where (report.servers). */
export function ServersTable(props: { report: ReportRef; client: AnalyzerClient; print: PrintRows | null }) {
  const total = () => props.report.digest.servers;
  const list = remoteList(() => props.report, total, (o, n) => props.client.servers(props.report, o, n), 50);
  const rows = progressive(() => props.print?.servers.rows ?? list.rows(), ROWS_FIRST, ROWS_MORE, () => props.report);
  return (
    <Show when={props.report.digest.serversTable}>
      <section aria-labelledby="srv-h" classList={{ "long-list": total() > LONG_LIST }}>
        <h2 id="srv-h">Servers ({total()})</h2>
        <div class="table-wrap">
          <table data-testid="servers">
            <thead><tr><th scope="col">Server</th><th scope="col">Connections</th><th scope="col">Failed</th></tr></thead>
            <tbody>
              <For each={rows()}>
                {(s) => (
                  <tr>
                    <td class="addr">{s.server}</td>
                    <td>{s.clients}</td>
                    <td>
                      <Show when={s.failed.length} fallback={<>none</>}>
                        {s.failed.length} — <For each={s.failed.slice(0, 5)}>
                          {(f, i) => <>{i() ? "; " : ""}<span class="addr">{f.client}</span> at {f.phase ? PHASE_LABELS[f.phase] : "setup"}{f.status ? <> (<code>{f.status}</code>)</> : null}</>}
                        </For>{s.failed.length > 5 ? "; …" : ""}
                      </Show>
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
        <More list={list} testId="servers-more" print={!!props.print} />
        <Show when={props.print && props.print.servers.total < total()}>
          <p class="notice">Printed: the {props.print!.servers.total} servers with failed connections, of {total()}.</p>
        </Show>
      </section>
    </Show>
  );
}
