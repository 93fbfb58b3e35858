// The whole job for one capture, shared by the CLI and the worker: decode → model → diagnose →
// Report. Events are folded into the model batch by batch and then let go, so memory follows
// the number of connections, not the size of the file.
import type { Decoder } from "./decoder/wasm";
import { decodeSource, type CaptureSource, type Progress } from "./source";
import { ModelBuilder, MODEL_FIELDS } from "./model/builder";
import { fieldFilter, type RawEvent } from "./decoder/records";
import { buildReport } from "./reportBuilder";
import type { Report } from "./report";

export interface AnalyzeOptions {
  onProgress?: (p: Progress) => void;
  signal?: { aborted: boolean };
}

const modelFilter = fieldFilter(MODEL_FIELDS);

export async function analyzeCapture(decoder: Decoder, src: CaptureSource, opts: AnalyzeOptions = {}): Promise<Report> {
  const model = modelOn(decoder, src.name, src.size);
  let read: number;
  try {
    read = await decodeSource(decoder, src, (batch) => { for (const ev of batch) model.add(ev); }, opts.onProgress, opts.signal);
  } finally { modelOff(decoder); }
  const report = buildReport(model.finish());
  if (src.size < 0) report.capture.bytes = read; // a stream: its size is what it gave
  return report;
}

/** The same for a capture held in memory, synchronously (the fuzzer's reference capture, tests). */
export function analyzeBytes(decoder: Decoder, bytes: Uint8Array, name: string): Report {
  const model = modelOn(decoder, name, bytes.length);
  try {
    const sink = { push: (ev: RawEvent) => model.add(ev) };
    decoder.reset();
    decoder.push(bytes, sink);
    decoder.finish(sink);
  } finally { modelOff(decoder); }
  return buildReport(model.finish());
}

// The decoder in diagnosis mode, with only the fields the model reads, while a model is built.
function modelOn(decoder: Decoder, name: string, size: number): ModelBuilder {
  decoder.setSetupOnly(true);
  decoder.setFieldFilter(modelFilter);
  return new ModelBuilder(name, size);
}
function modelOff(decoder: Decoder): void { decoder.setSetupOnly(false); decoder.setFieldFilter(null); }
