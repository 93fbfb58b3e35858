// One connection diagnosed by itself, as it closes (model/foldDiagnosed.ts): the same rules as the
// whole capture's diagnosis (diagnose/index.ts), over a context that holds this connection only.
// That is the connection's diagnosis in the whole capture only where no rule reads anything else
// of it or for it: foldDiagnosed.ts decides where (its header says why); this file only runs it.
// Findings are kept as heads (id, severity, connection, frames: context.ts add, headsOnly): the
// fold takes only connections none of whose findings the Report can show whole.
import type { CaptureModel, ConnModel } from "../model/types";
import type { Connection, Finding } from "../report";
import { summarize } from "../model/summarize";
import type { SharedValues } from "../connectionRecord";
import { makeContext, resetContext, type ConnView, type DiagnoseContext } from "./context";
import { diagnose } from ".";

export interface Alone {
  /** the summary, phases made unless asked not to (the record is made from it) */
  s: Omit<Connection, "findings">;
  /** its finding ids, in the order the whole diagnosis gives them */
  findings: string[];
  /** its findings' heads, in Report order */
  heads: Finding[];
}

/**
 * A model of the capture without connections, Kerberos messages, ICMP errors, probes, QUIC flows
 * or pktmon: what the context of one connection reads (one per analysis; no rule reads the
 * model's connections, only the context's).
 */
export function aloneModel(m: CaptureModel): CaptureModel {
  return { ...m, connections: [], kerberos: [], icmp: [], probes: [], quic: [], pktmon: null, preTcp: { netbeui: 0, ipx: 0 }, folded: undefined, error: null, warnings: [] };
}

/** `c` diagnosed alone, in `alone` (aloneModel). `c` is closed: the capture's end is not read (summarize). */
export function diagnoseAlone(alone: CaptureModel, c: ConnModel, same: SharedValues, withPhases = true): Alone {
  // (`withPhases` false: the phases are the caller's to set, no rule reads them: model/fold.ts)
  const s = summarize(c, null, same, withPhases);
  const view: ConnView = { m: c, s, findings: [], k: undefined, hangUp: undefined };
  // one context per analysis, made again for each connection (resetContext: as makeContext would
  // make it): tens of thousands of contexts, their Maps and the rules' lookups of each were garbage
  let ctx = contexts.get(alone);
  if (ctx) resetContext(ctx, alone, view, NO_EXCHANGES);
  else contexts.set(alone, (ctx = makeContext(alone, [view], NO_EXCHANGES)));
  ctx.headsOnly = true;
  diagnose(ctx);
  return { s, findings: view.findings, heads: ctx.findings };
}

/** Per alone model (one per analysis), its context (diagnoseAlone is not re-entrant: a rule never diagnoses). */
const contexts = new WeakMap<CaptureModel, DiagnoseContext>();
/** (no rule adds to a context's exchanges) */
const NO_EXCHANGES: never[] = [];
