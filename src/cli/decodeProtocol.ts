// What the CLI's thread that builds the model (decodeThread.ts) and its decode worker
// (decodeWorker.ts) say to each other: the layout of the shared verdict words and the messages.
//
// The worker reads the file and runs the decoder (core/source.ts decodeSourceRaw); each slice's
// event records, as the wasm wrote them, go to the model's thread in a transferred ArrayBuffer
// (returned to the worker to be reused once read). After each slice the in-thread loop asks the
// memory guard whether to stop; the guard reads this thread's heap, so the worker asks the
// model's thread instead, one slice late: after feeding slice N+1 it waits for the verdict on the
// records of slice N (written into `gate` below). That wait is also the backpressure: the worker
// is never more than one slice ahead of the model, so at most two slices of records are in flight.

/** The job, as workerData. `readMax` (tests) reads at most that many bytes a read, as a slow source would. */
export interface DecodeJob { fd: number; name: string; size: number; progress: boolean; gate: SharedArrayBuffer; readMax?: number }

// gate: Int32Array words
/** how many record messages the model's thread has read */
export const GATE_READ = 0;
/** 1 once the model's thread has given up (an error there): the worker stops waiting */
export const GATE_ABORT = 1;
/** verdicts, by message number modulo GATE_RING: 1 when the guard said full after reading it */
export const GATE_VERDICT = 2;
export const GATE_RING = 16;
export const GATE_WORDS = GATE_VERDICT + GATE_RING;

/**
 * worker → model's thread. `records`: the regions the decoder drained, back to back in `buf`
 * (region i ends at ends[i]), numbered from 0; `stopped`: decoding stops for memory after the
 * records before it, at byte `at`; `done`: finished, `read` bytes read.
 */
export type FromWorker =
  | { t: "ready" }
  | { t: "records"; seq: number; buf: ArrayBuffer; ends: number[] }
  | { t: "progress"; bytes: number; total: number }
  | { t: "stopped"; at: number }
  | { t: "done"; read: number }
  | { t: "error"; name: string; message: string };

/** model's thread → worker: a records buffer read, to be reused. */
export type ToWorker = { t: "buf"; buf: ArrayBuffer };
