// Layout of a connection's ladder diagram (client and server lanes, one row per message, long
// silences drawn as a marked break). Pure: Ladder.tsx draws what this computes.
import type { Connection, Finding, LadderStep } from "../core/report";
import { formatDuration } from "./format";

export const LADDER = { rowH: 40, breakH: 30, top: 44, bottom: 16 } as const;

/** Lane positions: client and server, plus a KDC lane on the right when Kerberos is in the ladder. */
export interface Lanes { width: number; clientX: number; serverX: number; kdcX: number | null }

export function lanesFor(steps: LadderStep[]): Lanes {
  return steps.some((s) => s.kind === "krb")
    ? { width: 940, clientX: 210, serverX: 560, kdcX: 870 }
    : { width: 760, clientX: 200, serverX: 640, kdcX: null };
}

/** x of the sender and of the receiver of a step. */
export function arrowEnds(s: LadderStep, l: Lanes): [number, number] {
  const other = s.kind === "krb" && l.kdcX !== null ? l.kdcX : l.serverX;
  return s.fromClient ? [l.clientX, other] : [other, l.clientX];
}

/** The KDC's address for the lane heading, from a Kerberos step's label ("… KDC 10.0.0.1 …"). */
export function kdcAddress(steps: LadderStep[]): string | null {
  for (const s of steps) {
    if (s.kind !== "krb") continue;
    const m = /\bKDC\s+(\[[0-9a-f:.]+\]|[0-9a-f:.]+[0-9a-f])/i.exec(s.label);
    if (m) return m[1];
  }
  return null;
}

/** A silence longer than this between two messages is drawn as a break. */
export const SILENCE_MS = 1000;

export type LadderRow =
  | { type: "msg"; y: number; step: LadderStep }
  | { type: "break"; y: number; label: string };

export interface LadderLayout { rows: LadderRow[]; height: number }

export function layoutLadder(steps: LadderStep[], silenceMs = SILENCE_MS): LadderLayout {
  const rows: LadderRow[] = [];
  let y = LADDER.top;
  let prev: LadderStep | null = null;
  let lastWasBreak = false;
  for (const s of steps) {
    if (s.kind === "gap") {
      rows.push({ type: "break", y, label: s.label || "silence" });
      y += LADDER.breakH;
      lastWasBreak = true;
      prev = s;
      continue;
    }
    if (prev && !lastWasBreak && s.offsetMs - prev.offsetMs > silenceMs) {
      rows.push({ type: "break", y, label: `${formatDuration(s.offsetMs - prev.offsetMs)} without traffic` });
      y += LADDER.breakH;
    }
    rows.push({ type: "msg", y, step: s });
    y += LADDER.rowH;
    lastWasBreak = false;
    prev = s;
  }
  return { rows, height: y + LADDER.bottom };
}

/** Statuses that are a normal part of a handshake or of browsing a share. */
const BENIGN = /^(KDC_ERR_PREAUTH_REQUIRED|KRB_ERR_RESPONSE_TOO_BIG|ERRDOS\/ERRnofiles|STATUS_(SUCCESS|MORE_PROCESSING_REQUIRED|PENDING|NO_MORE_FILES|BUFFER_OVERFLOW|NOT_FOUND|NETWORK_NAME_DELETED|FS_DRIVER_REQUIRED|NOTIFY_ENUM_DIR))$/;

/**
 * Whether a step shows an error: an error status that is not a normal part of a session (a DFS
 * referral's STATUS_NOT_FOUND, Kerberos pre-authentication). When the model flags steps
 * (`error`), only flagged ones can count.
 */
export function isErrorStep(s: LadderStep, modelFlags: boolean): boolean {
  if (modelFlags && s.error !== true) return false;
  const st = s.status ?? "";
  if (!st) return modelFlags && s.error === true;
  return /^(STATUS_|KDC_ERR|KRB_|0x|ERR(DOS|SRV|HRD|CMD)\/)/.test(st) && !BENIGN.test(st);
}

/** Whether the model flagged errors itself (any step carries the `error` field). */
export function hasModelFlags(steps: LadderStep[]): boolean {
  return steps.some((s) => typeof s.error === "boolean");
}

/** The frame where the connection failed: the answer in the failing phase, or its unanswered request. */
export function failingFrame(c: Connection): number | null {
  if (!c.failedPhase) return null;
  const ps = c.phases.filter((p) => p.phase === c.failedPhase);
  const p = ps.find((x) => c.status !== null && x.status === c.status) ?? ps[ps.length - 1];
  return p ? p.responseFrame ?? p.requestFrame : null;
}

/**
 * The frames to mark as the failure: the failing frame, or, when the model names no failing phase
 * (e.g. Kerberos failed before SMB authentication, or a NetBIOS session refused before any
 * NEGOTIATE), the error statuses, and the failed steps that carry no status, among the frames of
 * this connection's error findings.
 */
export function failureFrames(c: Connection, findings: Finding[]): Set<number> {
  const f = failingFrame(c);
  if (f !== null) return new Set([f]);
  const ev = new Set(findings.filter((x) => x.severity === "error" && x.connection === c.id).flatMap((x) => x.frames));
  return new Set((c.ladder ?? []).filter((s) => ev.has(s.frame) && !s.fromClient && (isErrorStep(s, false) || (s.error === true && !s.status))).map((s) => s.frame));
}

export type StepTone = "fail" | "warn" | "none";

/** "fail": the message the connection failed on; "warn": another error status (often normal). */
export function stepTone(s: LadderStep, fail: Set<number> | number | null, modelFlags: boolean): StepTone {
  if (s.kind === "gap") return "none";
  if (fail !== null && (typeof fail === "number" ? s.frame === fail : fail.has(s.frame))) return "fail";
  return isErrorStep(s, modelFlags) ? "warn" : "none";
}
