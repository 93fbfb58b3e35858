// The analyzer on a Web Worker, exposed with Comlink: reads the File in slices (never whole),
// feeds the wasm decoder and reports progress; the page's thread never decodes anything.
import * as Comlink from "comlink";
import wasmUrl from "../../build/decoder.wasm?url";
import { Decoder } from "../core/decoder/wasm";
import { blobSource, decodeSource } from "../core/source";
import { eventView } from "../core/eventsView";
import * as C from "../../assembly/events";

let decoder: Promise<Decoder> | null = null;
function getDecoder(): Promise<Decoder> {
  decoder ??= WebAssembly.compileStreaming(fetch(wasmUrl)).then((m) => Decoder.create(m));
  return decoder;
}

export interface QuickResult {
  file: string;
  packets: number;
  messages: Record<string, unknown>[];
  problems: string[];
}

const api = {
  async analyze(file: Blob, name: string, onProgress?: (bytes: number, total: number) => void): Promise<QuickResult> {
    const d = await getDecoder();
    const res: QuickResult = { file: name, packets: 0, messages: [], problems: [] };
    await decodeSource(d, blobSource(file, name), (batch) => {
      for (const ev of batch) {
        if (ev.kind === C.EV_SUMMARY) res.packets = Number(ev.f.packets as bigint);
        else if (ev.kind === C.EV_SMB1 || ev.kind === C.EV_SMB2) {
          const cmd = ev.f.cmd as number;
          const setup = ev.kind === C.EV_SMB2 ? cmd <= 3 : cmd >= 0x72 && cmd <= 0x75;
          if (setup) res.messages.push(eventView(ev, name)!);
        } else if (ev.kind === C.EV_ERROR || ev.kind === C.EV_WARNING) {
          res.problems.push(String(eventView(ev, name)!.message));
        }
      }
    }, (p) => onProgress?.(p.bytes, p.total));
    return res;
  },
};

export type AnalyzerApi = typeof api;
Comlink.expose(api);
