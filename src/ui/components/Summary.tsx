import { For, Show } from "solid-js";
import type { Report } from "../../core/report";
import { formatBytes, formatDuration, spanMs, PHASE_LABELS } from "../format";
import { paged, ShowMore } from "./Paged";
import { kerberosMark, noSmbText, principalOf } from "../model";

export function CaptureSummary(props: { report: Report }) {
  const c = () => props.report.capture;
  return (
    <section aria-labelledby="cap-h">
      <h2 id="cap-h">Capture</h2>
      <dl class="summary" data-testid="capture-summary">
        <dt>File</dt><dd>{c().file} ({formatBytes(c().bytes)})</dd>
        <dt>Format</dt><dd>{c().format}{c().linkTypes.length ? `, link type${c().linkTypes.length > 1 ? "s" : ""} ${c().linkTypes.join(", ")}` : ""}</dd>
        <dt>Packets</dt><dd data-testid="packet-count">{c().packets.toLocaleString("en-US")}</dd>
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
        <Show when={noSmbText(props.report)}>
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

export function KerberosTable(props: { report: Report }) {
  const pager = paged(() => props.report.kerberos, 100);
  return (
    <Show when={props.report.kerberos.length}>
      <section aria-labelledby="krb-h">
        <h2 id="krb-h">Kerberos ({props.report.kerberos.length})</h2>
        <div class="table-wrap">
          <table data-testid="kerberos">
            <thead><tr><th scope="col">Frame</th><th scope="col">Client</th><th scope="col">KDC</th><th scope="col">Message</th><th scope="col">Error</th><th scope="col">Client principal</th><th scope="col">Service</th><th scope="col">Realm</th></tr></thead>
            <tbody>
              <For each={pager.visible()}>
                {(k) => {
                  const mark = kerberosMark(k, props.report.findings);
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
        <ShowMore pager={pager} testId="krb-more" />
      </section>
    </Show>
  );
}

/** Per server: how many client connections, and which of them failed where (report.servers). */
export function ServersTable(props: { report: Report }) {
  const servers = () => props.report.servers ?? [];
  const pager = paged(servers, 50);
  return (
    <Show when={servers().length > 1 || servers().some((s) => s.failed.length)}>
      <section aria-labelledby="srv-h">
        <h2 id="srv-h">Servers ({servers().length})</h2>
        <div class="table-wrap">
          <table data-testid="servers">
            <thead><tr><th scope="col">Server</th><th scope="col">Connections</th><th scope="col">Failed</th></tr></thead>
            <tbody>
              <For each={pager.visible()}>
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
        <ShowMore pager={pager} testId="servers-more" />
      </section>
    </Show>
  );
}
