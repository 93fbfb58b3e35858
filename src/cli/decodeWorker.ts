// The CLI's decode thread (a worker_thread; decodeThread.ts starts it): reads the capture and
// runs the wasm decoder over it, with the same loop as in one thread (core/source.ts run), and
// sends the records' bytes to the model's thread (the protocol: decodeProtocol.ts). The decoder
// then works beside the JavaScript model on the machine's second core.
import { parentPort } from "node:worker_threads";
import { nodeDecoder } from "./wasmNode";
import { fdSource } from "./nodeSource";
import { decodeSourceRegions, type MemoryGuard } from "../core/source";
import { DecoderTrap } from "../core/decoder/wasm";
import { CTRL_ABORT, CTRL_DONE, CTRL_STOP, SLOT_BYTES, SLOTS, type DecodeJob, type DecodeMessage } from "./decodeProtocol";

const port = parentPort!;
const post = (m: DecodeMessage) => port.postMessage(m);

port.once("message", (job: DecodeJob) => {
  decode(job).then(
    (read) => post({ t: "done", read }),
    (e: Error) => post({ t: "error", name: e.name, message: e.message, trap: e instanceof DecoderTrap }),
  ).finally(() => port.close());
});

async function decode(job: DecodeJob): Promise<number> {
  const ctrl = new Int32Array(job.ctrl), slots = new Uint8Array(job.slots);
  let sent = 0; // slots named to the model's thread so far
  let fill = 0; // bytes in slot sent % SLOTS
  const send = () => {
    if (fill === 0) return;
    post({ t: "rec", at: (sent % SLOTS) * SLOT_BYTES, len: fill });
    sent++; fill = 0;
  };
  // the next slot, once the model's thread has read what was in it
  const claim = () => {
    for (;;) {
      if (Atomics.load(ctrl, CTRL_ABORT)) throw new Error("decoding abandoned");
      const done = Atomics.load(ctrl, CTRL_DONE);
      if (sent - done < SLOTS) return;
      Atomics.wait(ctrl, CTRL_DONE, done);
    }
  };
  const region = (mem: Uint8Array, start: number, end: number) => {
    const n = end - start;
    if (fill + n > SLOT_BYTES) send();
    if (n > SLOT_BYTES) { post({ t: "big", bytes: mem.slice(start, end) }); return; }
    if (fill === 0) claim();
    slots.set(mem.subarray(start, end), (sent % SLOTS) * SLOT_BYTES + fill);
    fill += n;
  };
  // The guard is the model's thread's (its heap): asked there after each slice, its answer read
  // here between slices. Where decoding stopped goes to the model before the decoder's finish
  // records, as in one thread (core/analyze.ts).
  const memory: MemoryGuard | undefined = job.guarded ? {
    full: () => Atomics.load(ctrl, CTRL_STOP) !== 0,
    set at(at: number) { send(); post({ t: "at", at }); },
    get at(): number | undefined { return undefined; },
  } : undefined;
  const decoder = await nodeDecoder();
  decoder.setSetupOnly(job.setupOnly);
  const read = await decodeSourceRegions(decoder, fdSource(job.fd, job.name, job.size), region, send,
    (p) => { if (Atomics.load(ctrl, CTRL_ABORT)) throw new Error("decoding abandoned"); post({ t: "progress", bytes: p.bytes, total: p.total }); }, memory);
  send();
  return read;
}
