// SHA-256 of a capture, on its own worker so the page stays responsive while it runs (after the
// analysis: see analyzerClient.ts). Reads the file in slices; never the whole file at once.
import * as Comlink from "comlink";
import { Sha256 } from "./sha256";

const STEP = 4 << 20;
let job = 0;
let cancelledUpTo = 0;

const api = {
  async hash(file: Blob): Promise<string> {
    const my = ++job;
    const h = new Sha256();
    for (let off = 0; off < file.size; off += STEP) {
      if (cancelledUpTo >= my) { const e = new Error("cancelled"); e.name = "AbortError"; throw e; }
      let buf: ArrayBuffer;
      try { buf = await file.slice(off, Math.min(file.size, off + STEP)).arrayBuffer(); } catch (e) {
        const err = new Error(`the file could not be read at byte ${off} (${(e as Error).message}); was it moved, changed or deleted while it was being read?`);
        err.name = "ReadError";
        throw err;
      }
      h.update(new Uint8Array(buf));
    }
    return h.hex();
  },
  /** Stops the hashing under way. */
  cancel(): void { cancelledUpTo = job; },
};

export type HashApi = typeof api;
Comlink.expose(api);
