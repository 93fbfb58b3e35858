// The whole job for one capture, shared by the CLI and the worker: decode → model → diagnose →
// Report. Events are folded into the model batch by batch and then let go, so memory follows
// the number of connections, not the size of the file.
import type { Decoder } from "./decoder/wasm";
import { decodeSource, type CaptureSource, type Progress } from "./source";
import { ModelBuilder, MODEL_FIELDS } from "./model/builder";
import { fieldFilter } from "./decoder/records";
import { buildReport } from "./reportBuilder";
import type { Report } from "./report";

export interface AnalyzeOptions {
  onProgress?: (p: Progress) => void;
  signal?: { aborted: boolean };
}

const modelFilter = fieldFilter(MODEL_FIELDS);

export async function analyzeCapture(decoder: Decoder, src: CaptureSource, opts: AnalyzeOptions = {}): Promise<Report> {
  const model = new ModelBuilder(src.name, src.size);
  decoder.setSetupOnly(true);
  decoder.setFieldFilter(modelFilter);
  let read: number;
  try {
    read = await decodeSource(decoder, src, (batch) => { for (const ev of batch) model.add(ev); }, opts.onProgress, opts.signal);
  } finally { decoder.setSetupOnly(false); decoder.setFieldFilter(null); }
  const report = buildReport(model.finish());
  if (src.size < 0) report.capture.bytes = read; // a stream: its size is what it gave
  return report;
}
