// Progress of one analysis: bytes read, percent, throughput and time left, throttled so the page
// gets an update at most every `intervalMs` (and always the first and the last).

export interface ProgressInfo {
  bytes: number;
  total: number;
  /** 0..100 */
  percent: number;
  /** MB/s (10^6 bytes per second) since the start */
  mbps: number;
  /** seconds left at the current rate, null until it can be estimated */
  etaSec: number | null;
  elapsedMs: number;
  done: boolean;
}

export class ProgressMeter {
  private readonly start: number;
  private last = -Infinity;

  constructor(
    private readonly total: number,
    private readonly emit: (p: ProgressInfo) => void,
    private readonly intervalMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.start = now();
  }

  /** Reports `bytes` read; emits when the interval has passed, or when `force`/done. */
  update(bytes: number, force = false): void {
    const t = this.now();
    const done = this.total >= 0 && bytes >= this.total;
    if (!force && !done && t - this.last < this.intervalMs) return;
    this.last = t;
    this.emit(progressAt(bytes, this.total, t - this.start, done));
  }
}

export function progressAt(bytes: number, total: number, elapsedMs: number, done = false): ProgressInfo {
  const percent = total > 0 ? Math.min(100, (bytes / total) * 100) : done ? 100 : 0;
  const sec = elapsedMs / 1000;
  const mbps = sec > 0 ? bytes / 1e6 / sec : 0;
  const rate = sec > 0 ? bytes / sec : 0;
  const etaSec = done ? 0 : rate > 0 && total > 0 && sec >= 0.2 ? Math.max(0, (total - bytes) / rate) : null;
  return { bytes, total, percent, mbps, etaSec, elapsedMs, done };
}
