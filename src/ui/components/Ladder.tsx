import { createMemo, For, Show } from "solid-js";
import type { Connection, Finding, LadderStep } from "../../core/report";
import { formatOffset } from "../format";
import { arrowEnds, failureFrames, hasModelFlags, kdcAddress, lanesFor, layoutLadder, stepTone, LADDER } from "../ladder";

let uid = 0;

/** Keeps a label inside the space between its two lanes (about 6.6 px per character at 12.5 px). */
function clip(s: string, px: number): string {
  const max = Math.max(12, Math.floor(px / 6.6));
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The handshake of one connection as a ladder: client lane, server lane (and KDC lane). */
export function Ladder(props: { connection: Connection; findings?: Finding[] }) {
  const id = `lad${++uid}`;
  const c = () => props.connection;
  const steps = () => c().ladder ?? [];
  const layout = createMemo(() => layoutLadder(steps()));
  const lanes = createMemo(() => lanesFor(steps()));
  const flagged = createMemo(() => hasModelFlags(steps()));
  const fail = createMemo(() => failureFrames(c(), props.findings ?? []));

  const stepTitle = (s: LadderStep) =>
    `${fail().has(s.frame) ? "Failure: " : ""}Frame ${s.frame}, ${formatOffset(s.offsetMs)}, ${s.fromClient ? "from the client" : "to the client"}: ${s.label}${s.status ? ` — ${s.status}` : ""}`;

  const laneHead = (x: number, title: string, sub: string) => (
    <>
      <text class="lane-label" x={x} y={16} text-anchor="middle">{title}</text>
      <text class="lane-sub" x={x} y={31} text-anchor="middle">{sub}</text>
      <line class="lane" x1={x} y1={LADDER.top - 6} x2={x} y2={layout().height - 6} />
    </>
  );

  return (
    <section class="ladder" aria-labelledby={`${id}-h`} data-testid="ladder" data-connection-id={c().id}>
      <h3 id={`${id}-h`} tabIndex={-1}>Handshake of stream {c().stream}: {c().client} → {c().server}</h3>
      <Show when={steps().length} fallback={<p class="empty">No handshake recorded for this connection. (In captures with thousands of connections, ladders are kept for the first ones only; this connection's phases are in the table.)</p>}>
        <div class="ladder-scroll">
          <svg viewBox={`0 0 ${lanes().width} ${layout().height}`} width={lanes().width} style={{ "min-width": `${lanes().width}px` }} role="img" aria-labelledby={`${id}-t`} data-testid="ladder-svg">
            <title id={`${id}-t`}>{`Ladder diagram of ${c().client} to ${c().server}: ${steps().filter((s) => s.kind !== "gap").length} messages${fail().size ? `; failure at frame ${[...fail()].join(", ")}` : ""} (the same messages are listed in the table below the diagram)`}</title>
            <defs>
              <For each={["msg", "err", "tcp"]}>
                {(k) => (
                  <marker id={`${id}-${k}`} viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse">
                    <path class={`arrow arrow-${k}`} d="M0,0 L10,5 L0,10 z" />
                  </marker>
                )}
              </For>
            </defs>
            <text class="frame" x={8} y={31}>frame</text>
            <text class="frame" x={70} y={31}>time</text>
            {laneHead(lanes().clientX, "Client", c().client)}
            {laneHead(lanes().serverX, "Server", c().server)}
            <Show when={lanes().kdcX !== null}>{laneHead(lanes().kdcX!, "KDC", kdcAddress(steps()) ?? "Kerberos")}</Show>
            <For each={layout().rows}>
              {(row) => {
                if (row.type === "break") {
                  const l = lanes();
                  const xs = [l.clientX, l.serverX, ...(l.kdcX !== null ? [l.kdcX] : [])];
                  return (
                    <g class="break" data-break="true">
                      <rect x={l.clientX - 30} y={row.y + 4} width={Math.max(...xs) - l.clientX + 60} height={LADDER.breakH - 8} />
                      <path d={xs.map((x) => `M${x - 8},${row.y + 10} l16,-4 M${x - 8},${row.y + 20} l16,-4`).join(" ")} />
                      <text x={(l.clientX + l.serverX) / 2} y={row.y + 19} text-anchor="middle">{`⋯ ${row.label} ⋯`}</text>
                    </g>
                  );
                }
                const s = row.step;
                const tone = stepTone(s, fail(), flagged());
                const err = tone === "fail";
                const unanswered = err && s.fromClient && !s.status;
                const y = row.y + 22;
                const [from, to] = arrowEnds(s, lanes());
                const x2 = to > from ? to - 4 : to + 4;
                const mid = (from + to) / 2;
                const ok = s.status === "STATUS_SUCCESS";
                const marker = err ? "err" : s.kind === "tcp" ? "tcp" : "msg";
                return (
                  <g class={`msg ${s.kind}${err ? " err" : ""}${tone === "warn" ? " warn" : ""}${ok ? " ok" : ""}`} data-frame={s.frame} data-fail={err ? "true" : undefined}>
                    <title>{stepTitle(s)}</title>
                    <text class="frame" x={8} y={y + 4}>{`#${s.frame}`}</text>
                    <text class="frame" x={70} y={y + 4}>{formatOffset(s.offsetMs)}</text>
                    <line x1={from} y1={y} x2={x2} y2={y} marker-end={`url(#${id}-${marker})`} />
                    <text class="lbl" x={mid} y={y - 6} text-anchor="middle">{clip(s.label, Math.abs(to - from) + 40)}</text>
                    <Show when={s.status || unanswered}>
                      <text class="st" x={mid} y={y + 13} text-anchor="middle">{s.status ?? "no response: the connection failed here"}</text>
                    </Show>
                  </g>
                );
              }}
            </For>
          </svg>
        </div>
        <details class="ladder-table">
          <summary>The messages as a table</summary>
          <div class="table-wrap">
            <table data-testid="ladder-table">
              <caption class="sr-only">Messages of stream {c().stream}, {c().client} to {c().server}, in capture order</caption>
              <thead><tr><th scope="col">Frame</th><th scope="col">Time</th><th scope="col">From → to</th><th scope="col">Message</th><th scope="col">Status</th></tr></thead>
              <tbody>
                <For each={layout().rows}>
                  {(row) => {
                    if (row.type === "break") return <tr class="gap"><td colSpan={5}>⋯ {row.label} ⋯</td></tr>;
                    const s = row.step;
                    const err = stepTone(s, fail(), flagged()) === "fail";
                    const other = s.kind === "krb" && lanes().kdcX !== null ? "KDC" : "Server";
                    return (
                      <tr data-frame={s.frame} data-fail={err ? "true" : undefined} classList={{ fail: err }}>
                        <td>{s.frame}</td>
                        <td class="mono">{formatOffset(s.offsetMs)}</td>
                        <td>{s.fromClient ? `Client → ${other}` : `${other} → Client`}</td>
                        <td>{err ? <strong>Failure: </strong> : null}{s.label}</td>
                        <td>{s.status ? <code>{s.status}</code> : err && s.fromClient ? "no response: the connection failed here" : "–"}</td>
                      </tr>
                    );
                  }}
                </For>
              </tbody>
            </table>
          </div>
        </details>
      </Show>
    </section>
  );
}
