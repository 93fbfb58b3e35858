import { render } from "solid-js/web";
import { App } from "./App";
import { AnalyzerClient } from "./analyzerClient";
import { hashHooksFrom, testHooksFrom } from "./testHooks";
import "./styles.css";

const client = new AnalyzerClient(testHooksFrom(location.search), hashHooksFrom(location.search));

interface LaunchParams { files: FileSystemFileHandle[] }
interface LaunchQueue { setConsumer(cb: (p: LaunchParams) => void): void }

render(() => (
  <App client={client} onReady={(enqueue) => {
    // Files opened with the installed app (manifest file_handlers) arrive through launchQueue.
    const lq = (window as unknown as { launchQueue?: LaunchQueue }).launchQueue;
    lq?.setConsumer(async (p) => {
      const files = await Promise.all((p.files ?? []).map((h) => h.getFile()));
      enqueue(files.map((f) => ({ blob: f, name: f.name })));
    });
  }} />
), document.getElementById("root")!);
