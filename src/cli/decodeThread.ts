// The CLI's analysis of one capture, with the file's reading and the wasm decoder in a second
// thread (decodeWorker.ts) when that can be done: on a 2-core machine the decoder's time (10–15 %
// of a busy capture's) and the reads then run beside the model's, which is most of it.
//
// The main thread reads the worker's records with the same RecordCursor, field filter and model
// as in one thread, in the same order; the memory guard is asked here (decodeProtocol.ts: one
// slice later than in one thread) and its stop, progress, the decoder's errors and traps come
// back from the worker. Decoding stays in this thread:
//   - with secrets: the decrypt stage calls the decoder (decodePlain) in the middle of its records;
//   - for a stream (standard input, a FIFO): read once, in order, by this thread's fs stream;
//   - for files under WORKER_MIN_BYTES, where starting a worker (~30 ms) costs more than it gains;
//   - when SMBSCOPE_DECODE_WORKER=0, or when a worker cannot be started (then silently).
import { Worker } from "node:worker_threads";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { analyzeCapture, analyzeRecordStream, MODEL_FILTER, type AnalyzeOptions } from "../core/analyze";
import { drainRecords, RecordCursor, type RecordSink } from "../core/decoder/records";
import { DecoderTrap } from "../core/decoder/wasm";
import { hasSecrets } from "../core/decrypt/session";
import type { MemoryGuard, Progress, RecordStream } from "../core/source";
import type { Report } from "../core/report";
import { nodeDecoder } from "./wasmNode";
import type { NodeSource } from "./nodeSource";
import { GATE_ABORT, GATE_READ, GATE_RING, GATE_VERDICT, GATE_WORDS, type DecodeJob, type FromWorker } from "./decodeProtocol";

/** Files smaller than this are decoded in this thread (see above): 8 of the decoder's 2 MiB slices. */
export const WORKER_MIN_BYTES = 16 << 20;

/**
 * dist/cli/decodeWorker.js, beside the CLI bundle (src/cli/ and dist/cli/ are both two levels
 * below the package root, so the tests, run from src/, use the built worker too).
 */
export function workerUrl(): URL { return new URL("../../dist/cli/decodeWorker.js", import.meta.url); }

/** "off" (SMBSCOPE_DECODE_WORKER=0), "always" (=1: any regular file, the tests) or "auto". */
export function workerMode(env: Record<string, string | undefined> = process.env): "off" | "always" | "auto" {
  const v = env.SMBSCOPE_DECODE_WORKER;
  return v === "0" ? "off" : v === "1" ? "always" : "auto";
}

/** analyzeCapture for a capture the CLI opened: decoded in the worker when it can be (see above). */
export async function analyzeNodeSource(src: NodeSource, opts: AnalyzeOptions, mode = workerMode()): Promise<Report> {
  const split = mode !== "off" && src.fd !== undefined && src.size > 0 && !hasSecrets(opts.secrets) && (mode === "always" || src.size >= WORKER_MIN_BYTES);
  const stream = split ? await startDecodeWorker(src, { progress: !!opts.onProgress }) : null;
  if (stream) return analyzeRecordStream(stream, src, opts);
  return analyzeCapture(await nodeDecoder(), src, opts);
}

/**
 * A worker decoding the file open at src.fd, or null when none could be started (its file is
 * missing, or the runtime gives no threads). Its records are read by the returned stream's run,
 * once; the worker ends with it, whatever the outcome.
 */
export async function startDecodeWorker(src: NodeSource, o: { progress?: boolean; readMax?: number } = {}): Promise<RecordStream | null> {
  if (src.fd === undefined || !existsSync(fileURLToPath(workerUrl()))) return null;
  const gateBuf = new SharedArrayBuffer(GATE_WORDS * 4);
  const job: DecodeJob = { fd: src.fd, name: src.name, size: src.size, progress: !!o.progress, gate: gateBuf, readMax: o.readMax };
  let worker: Worker;
  try { worker = new Worker(workerUrl(), { workerData: job }); } catch { return null; }
  // the first message says the worker runs; an error or an exit before it, that it cannot be used
  const first = await new Promise<FromWorker | null>((resolve) => {
    const no = () => resolve(null);
    worker.once("message", (m: FromWorker) => { worker.off("error", no); worker.off("exit", no); resolve(m); });
    worker.once("error", no);
    worker.once("exit", no);
  });
  if (first?.t !== "ready") { await worker.terminate(); return null; }
  return { run: (sink, onProgress, signal, memory) => readWorker(worker, new Int32Array(gateBuf), sink, onProgress, signal, memory) };
}

/** Reads the worker's messages into `sink` until it is done (see decodeProtocol.ts), then ends it. */
function readWorker(
  worker: Worker, gate: Int32Array, sink: RecordSink,
  onProgress?: (p: Progress) => void, signal?: { aborted: boolean }, memory?: MemoryGuard,
): Promise<number> {
  const cursor = new RecordCursor();
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    const end = (e: unknown, read = 0) => {
      if (settled) return;
      settled = true;
      // a worker waiting for a verdict wakes up to stop
      Atomics.store(gate, GATE_ABORT, 1);
      Atomics.notify(gate, GATE_READ);
      worker.removeAllListeners();
      worker.on("error", () => {}); // (whatever it says while it is stopped)
      void worker.terminate().then(() => (e ? reject(e) : resolve(read)), () => (e ? reject(e) : resolve(read)));
    };
    worker.on("message", (m: FromWorker) => {
      if (settled) return;
      try {
        switch (m.t) {
          case "records": {
            const mem = new Uint8Array(m.buf);
            let start = 0;
            for (const e of m.ends) { drainRecords(mem, start, e, sink, MODEL_FILTER, cursor); start = e; }
            // the verdict on this slice, for the worker's next question
            Atomics.store(gate, GATE_VERDICT + (m.seq % GATE_RING), memory?.full() ? 1 : 0);
            Atomics.store(gate, GATE_READ, m.seq + 1);
            Atomics.notify(gate, GATE_READ);
            if (m.buf.byteLength) worker.postMessage({ t: "buf", buf: m.buf }, [m.buf]);
            if (signal?.aborted) end(new DOMException("Analysis cancelled", "AbortError"));
            break;
          }
          case "progress": onProgress?.({ bytes: m.bytes, total: m.total }); break;
          case "stopped": if (memory) memory.at = m.at; break;
          case "done": end(null, m.read); break;
          case "error": end(errorOf(m.name, m.message)); break;
        }
      } catch (e) { end(e); }
    });
    worker.on("error", (e) => end(e));
    worker.on("exit", (code) => end(new Error(`the decode worker stopped (exit code ${code})`)));
  });
}

/** The worker's error as this thread's analysis would have thrown it. */
function errorOf(name: string, message: string): Error {
  if (name === "DecoderTrap") return new DecoderTrap(message);
  if (name === "AbortError") return new DOMException(message, "AbortError");
  const e = new Error(message);
  if (name !== "Error") e.name = name;
  return e;
}
