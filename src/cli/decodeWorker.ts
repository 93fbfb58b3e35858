// The CLI's decode worker (a worker_threads Worker, started by decodeThread.ts; built into
// dist/cli/decodeWorker.js): reads the capture file and runs the decoder on it, in diagnosis
// mode, while the main thread folds the records of the slice before into the model. The loop is
// core/source.ts's own (decodeSourceRaw): the same reads, pulls and stops as in one thread. How
// the records travel and how the memory guard is asked: decodeProtocol.ts.
import { parentPort, workerData } from "node:worker_threads";
import { decodeSourceRaw, type MemoryGuard } from "../core/source";
import { DecoderTrap } from "../core/decoder/wasm";
import { nodeDecoder } from "./wasmNode";
import { fdSource } from "./nodeSource";
import { GATE_ABORT, GATE_READ, GATE_RING, GATE_VERDICT, type DecodeJob, type FromWorker, type ToWorker } from "./decodeProtocol";

/** A records buffer's first size: the wasm's output buffer (assembly/out.ts OUT_CAP); grown by doubling when a slice makes more. */
const FIRST_BYTES = 1 << 20;

const job = workerData as DecodeJob;
const port = parentPort!;
const gate = new Int32Array(job.gate);
const send = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);

// buffers the main thread has read, for the next slices (a slice's records are copied into one)
const free: ArrayBuffer[] = [];
port.on("message", (m: ToWorker) => { if (m.t === "buf") free.push(m.buf); });

let buf: Uint8Array | null = null;
let used = 0;
const ends: number[] = [];
let seq = 0;
/** records messages sent since the guard was last asked */
let sentSinceAsked = 0;
/** the last message sent before the guard was last asked, whose verdict the next question waits for */
let lastBeforeAsked = -1;

function region(mem: Uint8Array, start: number, end: number): void {
  const n = end - start;
  if (!buf) buf = new Uint8Array(free.pop() ?? new ArrayBuffer(Math.max(FIRST_BYTES, n)));
  if (used + n > buf.length) {
    const b = new Uint8Array(Math.max(2 * buf.length, used + n));
    b.set(buf.subarray(0, used));
    buf = b;
  }
  buf.set(mem.subarray(start, end), used);
  used += n;
  ends.push(used);
}

function sendRecords(): void {
  const b = buf?.buffer as ArrayBuffer | undefined ?? new ArrayBuffer(0);
  send({ t: "records", seq: seq++, buf: b, ends: ends.slice() }, [b]);
  buf = null; used = 0; ends.length = 0;
  sentSinceAsked++;
}

/**
 * Asked after each slice (as the in-thread loop asks the main thread's guard): sends this slice's
 * records (one message per question, even empty, so that each question has its message), then
 * waits for the main thread's verdict on the records of the slice before, and answers it.
 */
let stoppedAt: number | undefined;
const guard: MemoryGuard = {
  full() {
    if (sentSinceAsked === 0) sendRecords();
    sentSinceAsked = 0;
    const target = lastBeforeAsked;
    lastBeforeAsked = seq - 1;
    if (target < 0) return false;
    for (;;) {
      const read = Atomics.load(gate, GATE_READ);
      if (read > target) break;
      if (Atomics.load(gate, GATE_ABORT)) throw new Error("the main thread stopped the analysis");
      Atomics.wait(gate, GATE_READ, read, 1000);
    }
    return Atomics.load(gate, GATE_VERDICT + (target % GATE_RING)) === 1;
  },
  // where decoding stopped for memory: the model must know before the records of finish() (model/builder.ts memoryStop)
  get at() { return stoppedAt; },
  set at(v: number | undefined) {
    stoppedAt = v;
    if (v === undefined) return;
    if (used > 0) sendRecords();
    send({ t: "stopped", at: v });
  },
};

async function decode(): Promise<void> {
  send({ t: "ready" });
  try {
    const decoder = await nodeDecoder();
    decoder.setSetupOnly(true); // diagnosis mode, as core/analyze.ts modelOn
    const src = fdSource(job.fd, job.name, job.size);
    const max = job.readMax;
    if (max) { const whole = src.readInto; src.readInto = (offset, dst) => whole(offset, dst.subarray(0, Math.min(dst.length, max))); }
    const onProgress = job.progress ? (p: { bytes: number; total: number }) => send({ t: "progress", bytes: p.bytes, total: p.total }) : undefined;
    const read = await decodeSourceRaw(decoder, src, { region, flush() { if (ends.length) sendRecords(); } }, onProgress, undefined, guard);
    send({ t: "done", read });
  } catch (e) {
    // the records drained before the error first, as the model in one thread would have read them
    if (ends.length) sendRecords();
    const err = e as Error;
    send({ t: "error", name: e instanceof DecoderTrap ? "DecoderTrap" : err?.name ?? "Error", message: err?.message ?? String(e) });
  }
}

void decode();
