// The decode thread, from the model's side: a worker_thread (decodeWorker.ts) reads the capture
// and runs the wasm decoder; this thread runs the record cursor over the bytes it sends, into the
// model, exactly as in one thread (core/analyze.ts). The wasm's share of the time (a fifth to a
// third of a busy capture's analysis) then runs beside the model on the second core.
// Not with secrets (decryption needs the decoder beside the model: Decoder.decodePlain), nor for
// streams (read once, in order, by this thread), nor for small files (see THREAD_MIN_BYTES).
import { Worker } from "node:worker_threads";
import { RecordCursor, type FieldFilter, type RecordSink } from "../core/decoder/records";
import { DecoderTrap } from "../core/decoder/wasm";
import type { RecordDecoding } from "../core/analyze";
import type { NodeSource } from "./nodeSource";
import { CTRL_ABORT, CTRL_DONE, CTRL_STOP, CTRL_WORDS, SLOT_BYTES, SLOTS, type DecodeJob, type DecodeMessage } from "./decodeProtocol";

/**
 * Files smaller than this are decoded in this thread: the thread's start (a worker isolate and
 * its wasm compile, ~40 ms here) costs more than the decoder's time it would take off this one.
 */
export const THREAD_MIN_BYTES = 64 << 20;

/**
 * Off unless asked for, for now: measured on the bench captures (85b9f37, a loaded 2-core
 * machine), the CLI's thread spent 0.2-0.9 s less CPU (dense 5.8 -> 4.9 s, many 1.32 -> 1.10,
 * smb1m-1g 5.5 -> 5.3), but the peak RSS came 20-30 MiB higher (smb1m-1g 139-148 MiB against
 * 117-122, dense 230-238 against 197-206): it falls at the end of decoding, with the decode
 * thread's isolate alive beside the model, and the model's heap a little larger (V8 collects
 * less of it while no wasm runs on its thread). Issue 15 wants < 150 MiB.
 */
export const DECODE_THREAD_BY_DEFAULT = false;

/**
 * Whether to decode `src` in the decode thread: SMBSCOPE_DECODE_THREAD=1 for a regular file (the
 * tests), =0 never, else DECODE_THREAD_BY_DEFAULT for a regular file of THREAD_MIN_BYTES or more.
 */
export function useDecodeThread(src: NodeSource, env: Record<string, string | undefined> = process.env): boolean {
  if (src.fd === undefined || src.size <= 0 || env.SMBSCOPE_DECODE_THREAD === "0") return false;
  return env.SMBSCOPE_DECODE_THREAD === "1" || (DECODE_THREAD_BY_DEFAULT && src.size >= THREAD_MIN_BYTES);
}

/** The worker's entry, built beside the CLI's bundle (vite.cli.config.ts); from src/ (the tests), the built one. */
export function workerUrl(): URL {
  return import.meta.url.endsWith(".ts") ? new URL("../../dist/cli/decodeWorker.js", import.meta.url) : new URL("./decodeWorker.js", import.meta.url);
}

/** The decoding of `src` (an open regular file) in a decode thread, for analyzeCapture (`url`: the worker's entry). */
export function threadDecoding(src: NodeSource & { fd: number }, url = workerUrl()): RecordDecoding {
  return (sink, keep, opts) => decodeInThread(src, url, sink, keep, opts);
}

function decodeInThread(
  src: NodeSource & { fd: number }, url: URL, sink: RecordSink, keep: FieldFilter | undefined,
  { onProgress, signal, memory }: Parameters<RecordDecoding>[2],
): Promise<number> {
  const ctrlBuf = new SharedArrayBuffer(CTRL_WORDS * 4), slotBuf = new SharedArrayBuffer(SLOTS * SLOT_BYTES);
  const ctrl = new Int32Array(ctrlBuf), slots = new Uint8Array(slotBuf);
  const cursor = new RecordCursor();
  // The V8 flags of bin/smbscope.mjs (a small young generation, a slowly growing heap) are the
  // process's: the worker's heap is sized by them too (it holds little: the decoder's memory is
  // the wasm's, outside V8's heap).
  const worker = new Worker(url);
  const job: DecodeJob = { fd: src.fd, name: src.name, size: src.size, setupOnly: true, guarded: !!memory, ctrl: ctrlBuf, slots: slotBuf };
  return new Promise<number>((resolve, reject) => {
    let settled = false, stopAsked = false;
    const end = (e: Error | null, read = 0) => {
      if (settled) return;
      settled = true;
      // a decode thread waiting for a slot wakes to stop (and terminate() ends it in any case)
      Atomics.store(ctrl, CTRL_ABORT, 1);
      Atomics.notify(ctrl, CTRL_DONE);
      void worker.terminate();
      if (e) reject(e); else resolve(read);
    };
    worker.on("message", (m: DecodeMessage) => {
      if (settled) return;
      try {
        if (signal?.aborted) throw new DOMException("Analysis cancelled", "AbortError");
        switch (m.t) {
          case "rec":
            cursor.run(slots, m.at, m.at + m.len, sink, keep);
            Atomics.add(ctrl, CTRL_DONE, 1);
            Atomics.notify(ctrl, CTRL_DONE);
            break;
          case "big": cursor.run(m.bytes, 0, m.bytes.length, sink, keep); break;
          case "progress":
            // (asked once it trips: in one thread it is not asked again either)
            if (memory && !stopAsked && memory.full()) { stopAsked = true; Atomics.store(ctrl, CTRL_STOP, 1); }
            onProgress?.({ bytes: m.bytes, total: m.total });
            break;
          case "at": if (memory) memory.at = m.at; break;
          case "done": end(null, m.read); break;
          case "error": end(m.trap ? new DecoderTrap(m.message) : Object.assign(new Error(m.message), { name: m.name })); break;
        }
      } catch (e) { end(e as Error); }
    });
    worker.on("error", (e) => end(new Error(`the decode thread failed: ${e.message}`)));
    worker.on("exit", (code) => end(new Error(`the decode thread ended (exit code ${code}) before the capture's end`)));
    worker.postMessage(job);
  });
}
