// Numbers and times as people read them. Pure functions (unit-tested in tests/ui-format.test.ts).
import { isRunnableCommand } from "../core/commands";
import { groupCount } from "../core/groupListing";

/** 12345 → "12,345": the page's counts as the verdict and the finding groups write them (one
 *  shared formatter, core/groupListing.ts) */
export const formatCount = groupCount;

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return "?";
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatRate(mbps: number): string {
  if (!Number.isFinite(mbps) || mbps <= 0) return "–";
  return `${mbps < 10 ? mbps.toFixed(1) : Math.round(mbps)} MB/s`;
}

/** "under 1 s", "3 s", "1 min 05 s", "2 h 03 min" (never "0 s" while work is left) */
export function formatEta(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return "estimating…";
  if (sec < 1) return "under 1 s";
  const s = Math.round(sec);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** A time offset in ms, with a precision that fits its size: "+0.015 ms", "+3.28 ms", "+1.500 s" */
export function formatOffset(ms: number): string {
  if (!Number.isFinite(ms)) return "";
  const sign = ms < 0 ? "−" : "+";
  const a = Math.abs(ms);
  if (a < 1) return `${sign}${a.toFixed(3)} ms`;
  if (a < 1000) return `${sign}${a.toFixed(a < 100 ? 2 : 1)} ms`;
  return `${sign}${(a / 1000).toFixed(3)} s`;
}

/** A duration in ms: "0.42 ms", "1.2 s", "20 s", "3 min 20 s" */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 1000) return `${ms.toFixed(ms < 100 ? 2 : 0)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** How long an analysis took: "under 10 ms", "420 ms", "1.25 s", "2 min 5 s" (timer resolution makes less than 10 ms meaningless). */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 10) return "under 10 ms";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return formatDuration(ms);
}

/** The label of a "show more" button: "Show the other 328", "Show 1,000 more (of 2,328 not shown)". */
export function showMoreText(step: number, hidden: number): string {
  const n = formatCount;
  return hidden <= step ? `Show the other ${n(hidden)}` : `Show ${n(step)} more (of ${n(hidden)} not shown)`;
}

/** The span between two RFC 3339 times, or null. */
export function spanMs(start: string | null, end: string | null): number | null {
  if (!start || !end) return null;
  const a = Date.parse(start), b = Date.parse(end);
  if (Number.isNaN(a) || Number.isNaN(b)) return null;
  return b - a;
}

/** Local date and time, e.g. "2026-01-02 03:04:05" (ISO-like, locale-independent, for tests). */
export function formatDate(d: Date | number | string): string {
  const x = new Date(d);
  if (Number.isNaN(x.getTime())) return String(d);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${x.getFullYear()}-${p(x.getMonth() + 1)}-${p(x.getDate())} ${p(x.getHours())}:${p(x.getMinutes())}:${p(x.getSeconds())}`;
}

export const PHASE_LABELS: Record<string, string> = {
  tcp: "TCP", negotiate: "NEGOTIATE", session_setup: "SESSION_SETUP", tree_connect: "TREE_CONNECT",
};

export const OUTCOME_LABELS: Record<string, string> = {
  ok: "OK", failed: "Failed", "no-response": "No response", incomplete: "Incomplete",
};

/** `runnable`: a code part that is a whole command line (core/commands.ts), the page's Copy goes on those only */
export interface TextPart { code: boolean; text: string; runnable?: boolean }

/** Splits remediation text on backticks: `code` parts are shown as code, the runnable ones copyable. */
export function splitCode(s: string): TextPart[] {
  const out: TextPart[] = [];
  const re = /`([^`]+)`/g;
  let last = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m.index > last) out.push({ code: false, text: s.slice(last, m.index) });
    out.push({ code: true, text: m[1], runnable: isRunnableCommand(m[1]) });
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push({ code: false, text: s.slice(last) });
  return out;
}
