// The whole job for one capture, shared by the CLI and the worker: decode → model → diagnose →
// Report. Events are folded into the model batch by batch and then let go, so memory follows
// the number of connections, not the size of the file.
import type { Decoder } from "./decoder/wasm";
import { decodeSource, type CaptureSource, type Progress } from "./source";
import { ModelBuilder } from "./model/builder";
import { buildReport } from "./reportBuilder";
import type { Report } from "./report";

export interface AnalyzeOptions {
  onProgress?: (p: Progress) => void;
  signal?: { aborted: boolean };
}

export async function analyzeCapture(decoder: Decoder, src: CaptureSource, opts: AnalyzeOptions = {}): Promise<Report> {
  const model = new ModelBuilder(src.name, src.size);
  decoder.setSetupOnly(true);
  try {
    await decodeSource(decoder, src, (batch) => { for (const ev of batch) model.add(ev); }, opts.onProgress, opts.signal);
  } finally { decoder.setSetupOnly(false); }
  return buildReport(model.finish());
}
