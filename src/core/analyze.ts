// The whole job for one capture, shared by the CLI and the worker: decode → model → diagnose →
// Report. Events are folded into the model record by record, read in place, so memory follows
// the number of connections, not the size of the file.
import type { Decoder } from "./decoder/wasm";
import { decodeSource, decodeSourceRecords, type CaptureSource, type MemoryGuard, type Progress } from "./source";
import { ModelBuilder, MODEL_FIELDS } from "./model/builder";
import { fieldFilter, type FieldFilter, type RawEvent, type RecordSink } from "./decoder/records";
import { buildReport } from "./reportBuilder";
import { collectAndRelease } from "./collect";
import type { Report } from "./report";
import type { CaptureModel } from "./model/types";
import { DecryptStage, DECRYPT_FIELDS, hasSecrets, type Secrets } from "./decrypt/session";
import type { Sink } from "./decoder/records";
import type { ConnectionSink } from "./connectionSink";

export interface AnalyzeOptions {
  onProgress?: (p: Progress) => void;
  signal?: { aborted: boolean };
  /** passwords and session keys to decrypt SMB3 with (decrypt/session.ts); forgotten when the analysis ends */
  secrets?: Secrets;
  /** stops decoding when the analysis has used the memory it may use (source.ts MemoryGuard) */
  memory?: MemoryGuard;
  /** takes the connection records instead of Report.connections (connectionSink.ts) */
  connections?: ConnectionSink;
}

/**
 * A decoding run somewhere else than beside the model (the CLI's decode thread,
 * src/cli/decodeThread.ts): the decoder in diagnosis mode over the whole source, every record to
 * `sink` through a RecordCursor reading only the fields `keep` marks, `memory` asked between
 * slices as decodeSourceRecords asks it. Resolves to the bytes read. Not with secrets.
 */
export type RecordDecoding = (sink: RecordSink, keep: FieldFilter, opts: Pick<AnalyzeOptions, "onProgress" | "signal" | "memory">) => Promise<number>;

const modelFilter = fieldFilter(MODEL_FIELDS);
const decryptFilter = fieldFilter([...new Set([...MODEL_FIELDS, ...DECRYPT_FIELDS])]);

/**
 * Not an async function: the Report is built once decoding is over, in a callback that holds no
 * reference to the decoder, so that its wasm memory (~55 MB) can be collected while the Report
 * is made, where the analysis of a capture of many connections peaks (the decoder as an argument
 * of a running async function would be held until it returns). A caller that keeps the decoder
 * (the worker) keeps its memory.
 */
export function analyzeCapture(decoder: Decoder | RecordDecoding, src: CaptureSource, opts: AnalyzeOptions = {}): Promise<Report> {
  return decodedModel(decoder, src, opts).then(nextTurn).then(({ m, read }) => {
    // Where the runtime lets us (the CLI runs with --expose-gc, bin/smbscope.mjs), full
    // collections now: the decoder's memory and what decoding left (~55 MB each on a capture of
    // 50,000 connections) go before the Report's making. Else V8 sizes the heap on the live data
    // of its last collection, early in decoding, and lets it grow to ~4 times that first: the
    // dense bench peaked 50 MB higher, with no less CPU. (Two: collect.ts says why.)
    collectAndRelease();
    const report = buildReport(m, opts.connections);
    if (src.size < 0) report.capture.bytes = read; // a stream: its size is what it gave
    return report;
  });
}

/**
 * `v`, once the runtime has had a turn of its event loop. Decoding's last read completes in a
 * callback of the runtime, and what its promise starts runs as microtasks inside that callback,
 * under its handle scope: with Node's fs.read, that scope holds the read's completion closure,
 * which holds its destination, a view into the decoder's memory. The Report made there kept the
 * whole wasm memory alive (+17 MiB peak RSS on every bench capture) until it was written.
 * (tests/decoder-lets-go.test.ts)
 */
function nextTurn<T>(v: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(v), 0));
}

/** The model of a whole capture (analyzeCapture), and how many bytes were read. */
async function decodedModel(decoder: Decoder | RecordDecoding, src: CaptureSource, opts: AnalyzeOptions): Promise<{ m: CaptureModel; read: number }> {
  if (typeof decoder === "function") {
    if (hasSecrets(opts.secrets)) throw new Error("decryption needs the decoder beside the model: not a RecordDecoding");
    return decodedModelBy((model, memory) => decoder(model, modelFilter, { onProgress: opts.onProgress, signal: opts.signal, memory }), src, opts);
  }
  const model = modelOn(decoder, src.name, src.size);
  // Without secrets the records go straight to the model, read in place (no object per event);
  // with them, as events through the decrypt stage (which the decoder feeds the few extra
  // records it needs, and which keeps some).
  const stage = hasSecrets(opts.secrets) ? decryptOn(decoder, opts.secrets, model) : null;
  let read: number;
  try {
    read = stage
      ? await decodeInto(model, false, opts, (memory) => decodeSource(decoder, src, (batch) => { for (const ev of batch) stage.push(ev); }, opts.onProgress, opts.signal, memory))
      : await decodeInto(model, true, opts, (memory) => decodeSourceRecords(decoder, src, model, opts.onProgress, opts.signal, memory));
  } finally { modelOff(decoder); stage?.drop(); }
  const m = finishModel(model, opts.memory, src.size);
  stage?.attach(m);
  return { m, read };
}

/** decodedModel's without secrets, for a RecordDecoding: the same steps around the decoding. */
async function decodedModelBy(decode: (model: ModelBuilder, memory: MemoryGuard | undefined) => Promise<number>, src: CaptureSource, opts: AnalyzeOptions): Promise<{ m: CaptureModel; read: number }> {
  const model = new ModelBuilder(src.name, src.size);
  const read = await decodeInto(model, true, opts, (memory) => decode(model, memory));
  return { m: finishModel(model, opts.memory, src.size), read };
}

/** The model made ready for a decoding, and the decoding run (`decode` is given the memory guard). */
function decodeInto(model: ModelBuilder, fold: boolean, opts: AnalyzeOptions, decode: (memory: MemoryGuard | undefined) => Promise<number>): Promise<number> {
  // connections fold into their records as they close (model/fold.ts, foldDiagnosed.ts); not with secrets:
  // decryption attaches to the models after the end
  if (fold) model.foldAtClose(opts.connections ?? null);
  // the model sees the stop (the guard's `at`) before the decoder's finish, which may find the last
  // slice ends inside a record
  model.memoryStop = opts.memory ?? null;
  return decode(opts.memory);
}

/** The model of what was decoded, with the memory stop's warning first when there was one. */
function finishModel(model: ModelBuilder, memory: MemoryGuard | undefined, size: number): CaptureModel {
  const m = model.finish();
  if (memory?.at !== undefined) m.warnings.unshift(memoryStopWarning(memory.at, size, m.packets, m.connections.length + (m.folded?.rows.length ?? 0) + (m.folded?.pending?.length ?? 0)));
  return m;
}

/** What the Report says when decoding stopped for memory (AnalyzeOptions.memory). */
function memoryStopWarning(at: number, size: number, packets: number, connections: number): string {
  const of = size > 0 ? ` of ${size.toLocaleString("en-US")}` : "";
  return `Analysis stopped after ${at.toLocaleString("en-US")}${of} bytes (${packets.toLocaleString("en-US")} packets): ` +
    `the ${connections.toLocaleString("en-US")} connections up to there used the memory this analysis may use. ` +
    "Everything after that point is left out, and connections still open there show as cut off by the end of the capture. " +
    "Split the capture (editcap -c) or give Node a larger heap (NODE_OPTIONS=--max-old-space-size=MiB).";
}

/** The same for a capture held in memory, synchronously (the fuzzer's reference capture, tests). */
export function analyzeBytes(decoder: Decoder, bytes: Uint8Array, name: string, secrets?: Secrets): Report {
  const model = modelOn(decoder, name, bytes.length);
  const stage = hasSecrets(secrets) ? decryptOn(decoder, secrets, model) : null;
  if (!stage) model.foldAtClose();
  try {
    const sink: Sink = stage ?? model;
    decoder.reset();
    decoder.push(bytes, sink);
    decoder.finish(sink);
  } finally { modelOff(decoder); stage?.drop(); }
  const m = model.finish();
  stage?.attach(m);
  return buildReport(m);
}

/** The decoder in decryption mode too, and the stage in front of the model. */
function decryptOn(decoder: Decoder, secrets: Secrets, model: ModelBuilder): DecryptStage {
  decoder.setDecrypt(true);
  decoder.setFieldFilter(decryptFilter);
  return new DecryptStage(decoder, secrets, { push: (ev: RawEvent) => model.add(ev) });
}

// The decoder in diagnosis mode, with only the fields the model reads, while a model is built.
function modelOn(decoder: Decoder, name: string, size: number): ModelBuilder {
  decoder.setSetupOnly(true);
  decoder.setFieldFilter(modelFilter);
  return new ModelBuilder(name, size);
}
function modelOff(decoder: Decoder): void { decoder.setSetupOnly(false); decoder.setFieldFilter(null); decoder.setDecrypt(false); }
