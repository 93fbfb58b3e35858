// A connection's phases (Connection.phases: TCP and NetBIOS, then each NEGOTIATE, SESSION_SETUP
// leg and TREE_CONNECT), read one at a time from its model into one reused PhaseFacts: the one
// definition of what each phase says. phasesOf makes the Report's PhaseRecord
// objects of it; the CLI's --json spool writes the folded connections' phases as bytes straight
// from it (ModelPhases, src/cli/jsonBytes.ts), no object made: the PhaseRecords were the largest
// of the fold's allocations (smb1m-1g: 128 of 913 MiB sampled, ~1 KB a connection, their
// latencies and offsets each a heap number), made only to be written once and let go.
// PHASE_KEYS is the record's key order, the object form's literal's and the writer's (the test
// tests/phase-table.test.ts holds them to it and to each other).
import type { PhaseRecord, Phase } from "../report";
import type { ConnModel } from "./types";
import { responseStatus } from "./summarize";

/** A phase record's keys, in its JSON's order (a key whose value is undefined is left out). */
export const PHASE_KEYS = ["phase", "requestFrame", "responseFrame", "status", "latencyMs", "offsetMs", "note"] as const;

/**
 * One phase's facts (PhaseRecord's, without an object per phase). `latency`, `offset`: in
 * thousandths of a millisecond (the record's milliseconds to 3 places, as integers: a double in a
 * field is read out as a heap number), set only where `hasLatency` (else null) and `hasOffset`
 * (else no key).
 */
export class PhaseFacts {
  phase: Phase = "tcp";
  requestFrame: number | null = null;
  responseFrame: number | null = null;
  status: string | null = null;
  hasLatency = false;
  latency = 0;
  hasOffset = false;
  offset = 0;
  note: string | undefined = undefined;
}

/** b - a (ms) in thousandths of a millisecond: the records' times to 3 places (summarize.ts ms is this / 1000) */
export const thousandthsBetween = (a: number, b: number) => Math.round((b - a) * 1000);
const k = thousandthsBetween;
const tcpPhase = (c: ConnModel) => c.syns.length > 0 || c.synAck !== undefined;

/** The number of phases of `c`. */
export function phaseCount(c: ConnModel): number {
  return (tcpPhase(c) ? 1 : 0) + (c.nbssRequest ? 1 : 0) + c.negotiates.length + c.sessions.length + c.trees.length;
}

/** Phase `i` (0 ≤ i < phaseCount(c)) of `c`, into `f` (returned). */
export function phaseAt(c: ConnModel, i: number, f: PhaseFacts): PhaseFacts {
  const t0 = c.firstTs;
  f.note = undefined;
  // TCP
  if (tcpPhase(c) && i-- === 0) {
    const syn = c.syns.length ? c.syns[0] : undefined;
    const answer = c.synAck ?? (c.rst && !c.rst.fromClient ? c.rst : undefined) ?? c.icmp;
    f.phase = "tcp"; f.requestFrame = syn?.frame ?? null; f.responseFrame = answer?.frame ?? null; f.status = null;
    f.hasLatency = !!(syn && answer); if (f.hasLatency) f.latency = k(syn!.ts, answer!.ts);
    f.hasOffset = !!syn; if (syn) f.offset = k(t0, syn.ts);
    f.note = !answer && syn ? `${c.syns.length} SYN(s), no answer` : answer && answer === c.rst ? "refused with RST" : answer && answer === c.icmp ? "refused with ICMP destination unreachable" : undefined;
    return f;
  }
  // NetBIOS session (port 139): transport, like TCP (RFC 1002 4.3.2); the NEGOTIATE comes after it
  if (c.nbssRequest && i-- === 0) {
    const q = c.nbssRequest, r = c.nbssResponse;
    f.phase = "tcp"; f.requestFrame = q.frame; f.responseFrame = r?.frame ?? null; f.status = null;
    f.hasLatency = !!r; if (r) f.latency = k(q.ts, r.ts);
    f.hasOffset = true; f.offset = k(t0, q.ts);
    f.note = r ? (r.positive ? "NetBIOS session accepted" : "NetBIOS session refused") : "NetBIOS session request unanswered";
    return f;
  }
  if (i < c.negotiates.length) {
    const n = c.negotiates[i];
    f.phase = "negotiate"; f.requestFrame = n.req?.frame ?? null; f.responseFrame = n.resp?.frame ?? null;
    f.status = n.resp ? responseStatus(n.resp) : null;
    f.hasLatency = !!(n.req && n.resp); if (f.hasLatency) f.latency = k(n.req!.ts, n.resp!.ts);
    f.hasOffset = !!n.req; if (n.req) f.offset = k(t0, n.req.ts);
    f.note = n.resp?.smb1 && n.resp.dialect === null ? "server chose no dialect (index 0xFFFF)" : undefined;
    return f;
  }
  i -= c.negotiates.length;
  // a SESSION_SETUP leg or a TREE_CONNECT: the same facts (a request of frame 0 is one not seen)
  const s = i < c.sessions.length ? c.sessions[i] : c.trees[i - c.sessions.length];
  f.phase = i < c.sessions.length ? "session_setup" : "tree_connect";
  f.requestFrame = s.req.frame || null; f.responseFrame = s.resp?.frame ?? null;
  f.status = s.resp ? responseStatus(s.resp) : null;
  f.hasLatency = !!(s.req.frame && s.resp); if (f.hasLatency) f.latency = k(s.req.ts, s.resp!.ts);
  f.hasOffset = !!s.req.frame; if (f.hasOffset) f.offset = k(t0, s.req.ts);
  return f;
}

/** The PhaseRecord of `f` (its keys in PHASE_KEYS' order). */
export function phaseRecord(f: PhaseFacts): PhaseRecord {
  return {
    phase: f.phase, requestFrame: f.requestFrame, responseFrame: f.responseFrame, status: f.status,
    latencyMs: f.hasLatency ? f.latency / 1000 : null, offsetMs: f.hasOffset ? f.offset / 1000 : undefined, note: f.note,
  };
}

const scratch = new PhaseFacts();

/** The record's phases (Connection.phases) as objects. */
export function phasesOf(c: ConnModel): PhaseRecord[] {
  const n = phaseCount(c);
  const out = new Array<PhaseRecord>(n);
  for (let i = 0; i < n; i++) out[i] = phaseRecord(phaseAt(c, i, scratch));
  return out;
}

/**
 * A connection's phases to be written from its model (src/cli/jsonBytes.ts writes them as bytes,
 * JSON.stringify through toJSON: the same text), in place of the record's PhaseRecord list for
 * a sink that writes the record during its put (ConnectionSink.phasesFromModel). One is reused:
 * read it during the put only.
 */
export class ModelPhases {
  c: ConnModel | null = null;
  toJSON(): PhaseRecord[] { return phasesOf(this.c!); }
}
