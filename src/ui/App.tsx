import { createSignal, For, Show } from "solid-js";
import * as Comlink from "comlink";
import type { AnalyzerApi, QuickResult } from "../worker/analyzer.worker";
import AnalyzerWorker from "../worker/analyzer.worker?worker";
import { SMB2_COMMANDS, SMB1_COMMANDS } from "../core/names";

const worker = Comlink.wrap<AnalyzerApi>(new AnalyzerWorker());

export function App() {
  const [result, setResult] = createSignal<QuickResult | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal("");

  async function analyze(file: File) {
    setBusy(true); setError(""); setResult(null);
    try {
      setResult(await worker.analyze(file, file.name));
    } catch (e) {
      setError(`${file.name}: ${(e as Error).message}`);
    } finally { setBusy(false); }
  }

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    const f = e.dataTransfer?.files?.[0];
    if (f) void analyze(f);
  };

  return (
    <main onDragOver={(e) => e.preventDefault()} onDrop={onDrop} style={{ "min-height": "100vh", padding: "1rem", "font-family": "system-ui, sans-serif" }}>
      <h1>smbscope</h1>
      <p>Drop a pcap or pcapng file anywhere on this page, or pick one. Nothing leaves this machine.</p>
      <input type="file" data-testid="file-input" accept=".pcap,.pcapng,.cap" onChange={(e) => { const f = e.currentTarget.files?.[0]; if (f) void analyze(f); }} />
      <Show when={busy()}><p data-testid="busy">Analysing…</p></Show>
      <Show when={error()}><p role="alert" data-testid="error">{error()}</p></Show>
      <Show when={result()}>
        {(r) => (
          <section>
            <h2 data-testid="packet-count">{r().file}: {r().packets} packets</h2>
            <For each={r().problems}>{(p) => <p data-testid="problem">{p}</p>}</For>
            <ol data-testid="messages">
              <For each={r().messages}>
                {(m) => (
                  <li>
                    frame {String(m.frame)}: {m.proto === "smb2" ? "SMB2" : "SMB1"}{" "}
                    {(m.proto === "smb2" ? SMB2_COMMANDS : SMB1_COMMANDS)[m.cmd as number] ?? String(m.cmd)}{" "}
                    {m.response ? "response" : "request"}
                    {m.statusName ? ` ${String(m.statusName)}` : ""}
                    {m.tree ? ` ${String(m.tree)}` : ""}
                    {m.dialect ? ` dialect ${String(m.dialect)}` : ""}
                  </li>
                )}
              </For>
            </ol>
          </section>
        )}
      </Show>
    </main>
  );
}
