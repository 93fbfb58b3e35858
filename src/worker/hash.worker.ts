// SHA-256 of a capture, on its own worker so the page stays responsive while it runs (after the
// analysis: see analyzerClient.ts). Reads the file in slices; never the whole file at once. Each
// hash has an id so that stopping one (the user chose not to save it) leaves the others running.
import * as Comlink from "comlink";
import { Sha256 } from "./sha256";

const STEP = 4 << 20;
const cancelled = new Set<number>();

export interface HashOptions {
  /** test hook (?test-hash-delay=MS): wait this long before each slice, a slow disk */
  sliceDelayMs?: number;
}

const api = {
  /** `onProgress` gets the fraction done (0..1) after each slice. */
  async hash(id: number, file: Blob, onProgress?: (done: number) => void, opts: HashOptions = {}): Promise<string> {
    const h = new Sha256();
    try {
      for (let off = 0; off < file.size || off === 0; off += STEP) {
        if (opts.sliceDelayMs) await new Promise((r) => setTimeout(r, opts.sliceDelayMs));
        if (cancelled.has(id)) { const e = new Error("cancelled"); e.name = "AbortError"; throw e; }
        if (file.size === 0) break;
        let buf: ArrayBuffer;
        try { buf = await file.slice(off, Math.min(file.size, off + STEP)).arrayBuffer(); } catch (e) {
          const err = new Error(`the file could not be read at byte ${off} (${(e as Error).message}); was it moved, changed or deleted while it was being read?`);
          err.name = "ReadError";
          throw err;
        }
        h.update(new Uint8Array(buf));
        onProgress?.(Math.min(1, (off + buf.byteLength) / file.size));
      }
      return h.hex();
    } finally { cancelled.delete(id); }
  },
  /** Stops the hash with this id (it rejects with an AbortError). */
  cancel(id: number): void { cancelled.add(id); },
};

export type HashApi = typeof api;
Comlink.expose(api);
