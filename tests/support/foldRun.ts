// The Report of a capture file through the model with the fold at close (model/fold.ts) on or off,
// as the fold proofs compare them: `fold` folds connections with findings too (foldDiagnosed.ts);
// `sink`: the records go to a ConnectionSink, as the CLI's spool takes them.
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { nodeDecoder } from "../../src/cli/wasmNode";
import { ModelBuilder, MODEL_FIELDS } from "../../src/core/model/builder";
import { fieldFilter, type EventRecord } from "../../src/core/decoder/records";
import { buildReport } from "../../src/core/reportBuilder";
import type { Connection, Report } from "../../src/core/report";
import type { ConnectionSink } from "../../src/core/connectionSink";
import type { CaptureModel } from "../../src/core/model/types";
import type { Decoder } from "../../src/core/decoder/wasm";

export interface FoldRun {
  report: Report;
  /** the records, in Report order (the sink's when there is one) */
  connections: Connection[];
  /** the ids of the connections folded */
  folded: Set<string>;
  /** the ids of those kept to the end (an id twice if two kept have it) */
  kept: string[];
  /** the model, as buildReport left it */
  model: CaptureModel;
}

export async function foldRun(file: string, fold: boolean, sink = false): Promise<FoldRun> {
  const bytes = new Uint8Array(readFileSync(file));
  const d = await nodeDecoder();
  const b = new ModelBuilder(file.split("/").pop()!, bytes.length);
  const put: Connection[] = [];
  const to = sink ? { put: (_: number, c: Connection) => { put.push(c); } } : undefined;
  if (fold) b.foldAtClose(to ?? null, true);
  d.setSetupOnly(true);
  d.setFieldFilter(fieldFilter(MODEL_FIELDS));
  const events = { record: (ev: EventRecord) => b.record(ev) };
  try { d.reset(); d.push(bytes, events); d.finish(events); } finally { d.setSetupOnly(false); d.setFieldFilter(null); }
  const model = b.finish();
  const kept = model.connections.map((c) => `${c.client}-${c.server}`);
  const keptSet = new Set(kept);
  const report = buildReport(model, to);
  const connections = sink ? put : report.connections;
  return { report, connections, folded: new Set(connections.map((c) => c.id).filter((id) => !keptSet.has(id))), kept, model };
}

/** The Report of `file` without any fold, and with the fold of connections with findings (to a sink and not): the same findings, verdict, headline and servers, the same connections folded. */
export async function foldsAgree(file: string): Promise<{ none: FoldRun; all: FoldRun; sunk: FoldRun }> {
  const none = await foldRun(file, false);
  const all = await foldRun(file, true);
  const sunk = await foldRun(file, true, true);
  for (const r of [all, sunk]) {
    expect(r.report.findings).toEqual(none.report.findings);
    expect(r.report.verdict).toBe(none.report.verdict);
    expect(r.report.headline).toEqual(none.report.headline);
    expect(r.report.servers).toEqual(none.report.servers);
  }
  expect(sunk.folded).toEqual(all.folded);
  return { none, all, sunk };
}

/** A fold's switch, as the modules export one for these proofs (model/krbFinality.ts krbFinality, model/fold.ts limitFold). */
export interface FoldSwitch { on: boolean }

export interface SwitchRun { report: Report; json: string; kept: number }

/**
 * The Report of `file` with every fold on, one of them (`sw`) on or off (with `sink` the records
 * go there, then back in Report order); `kept`: the models kept to the end. The switch is on
 * again when it returns.
 */
export async function switchRun(file: string, sw: FoldSwitch, on: boolean, sink = false): Promise<SwitchRun> {
  const put: [number, Connection][] = [];
  const to = sink ? { put: (o: number, c: Connection) => { put.push([o, c]); } } : null;
  const model = await foldingModel(file, to, (v) => { sw.on = v; }, on);
  const kept = model.connections.length;
  const report = buildReport(model, to ?? undefined);
  if (sink) report.connections = put.sort((x, y) => x[0] - y[0]).map(([, c]) => c);
  return { report, json: JSON.stringify(report), kept };
}

/**
 * The model of `file` as the analysis builds it with every fold on (records to `sink`), a switch
 * (`set`) at `on` while it is decoded and on again after: the one decoding the proofs share
 * (`decoded`: given the builder once the capture is decoded, before its finish).
 */
export async function foldingModel(file: string, sink: ConnectionSink | null, set: (on: boolean) => void, on: boolean, decoded?: (b: ModelBuilder) => void): Promise<CaptureModel> {
  const d = await nodeDecoder();
  let b: ModelBuilder;
  set(on);
  try {
    b = decodedBuilder(d, file, sink, true);
    decoded?.(b);
  } finally { set(true); }
  return b.finish();
}

/**
 * `file` decoded by `d` into a ModelBuilder as the analysis does (the decoder in diagnosis mode,
 * the model's fields), folding into `sink` if `fold`; not finished (the caller reads it first).
 */
export function decodedBuilder(d: Decoder, file: string, sink: ConnectionSink | null, fold: boolean): ModelBuilder {
  const bytes = new Uint8Array(readFileSync(file));
  const b = new ModelBuilder(file.split("/").pop()!, bytes.length);
  if (fold) b.foldAtClose(sink, true);
  d.setSetupOnly(true);
  d.setFieldFilter(fieldFilter(MODEL_FIELDS));
  const events = { record: (ev: EventRecord) => b.record(ev) };
  try { d.reset(); d.push(bytes, events); d.finish(events); } finally { d.setSetupOnly(false); d.setFieldFilter(null); }
  return b;
}
