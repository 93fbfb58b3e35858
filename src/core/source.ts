// Where capture bytes come from: a browser File/Blob or a Node file, read in slices straight
// into the decoder's input buffer. Never the whole file in memory.
import type { Decoder } from "./decoder/wasm";
import type { RawEvent } from "./decoder/records";

export interface CaptureSource {
  /** Base name, for messages and the report */
  name: string;
  size: number;
  /** Reads up to dst.length bytes at `offset` into dst; returns the count (0 at the end). */
  readInto(offset: number, dst: Uint8Array): Promise<number>;
}

export interface Progress { bytes: number; total: number }

/**
 * Runs the decoder over a whole source. `sink` receives each batch of events as soon as it is
 * decoded (so a consumer can fold them into a model and let them go).
 */
export async function decodeSource(
  decoder: Decoder,
  src: CaptureSource,
  sink: (batch: RawEvent[]) => void,
  onProgress?: (p: Progress) => void,
  signal?: { aborted: boolean },
): Promise<void> {
  decoder.reset();
  let offset = 0;
  const batch: RawEvent[] = [];
  // Two input buffers: the next slice is read (fs in Node's thread pool, Blob reads in the
  // browser) while the decoder works on this one, so reading and decoding overlap.
  let k: 0 | 1 = 0;
  const more = () => offset < src.size || src.size < 0;
  let next: Promise<number> | null = more() ? src.readInto(offset, decoder.inputViewAt(0)) : null;
  while (next) {
    if (signal?.aborted) { await next.catch(() => 0); throw new DOMException("Analysis cancelled", "AbortError"); }
    const n = await next;
    if (n <= 0) break;
    offset += n;
    next = more() ? src.readInto(offset, decoder.inputViewAt(k === 0 ? 1 : 0)) : null;
    try {
      decoder.feedInputAt(k, n, batch);
    } catch (e) {
      await next?.catch(() => 0); // never leave a read writing into the decoder's memory
      throw e;
    }
    if (batch.length) { sink(batch.splice(0)); }
    onProgress?.({ bytes: offset, total: src.size });
    k = k === 0 ? 1 : 0;
  }
  decoder.finish(batch);
  sink(batch.splice(0));
}

/** A CaptureSource over a Blob (a dropped File in the browser). */
export function blobSource(blob: Blob, name: string): CaptureSource {
  return {
    name,
    size: blob.size,
    async readInto(offset, dst) {
      const end = Math.min(blob.size, offset + dst.length);
      if (end <= offset) return 0;
      const buf = new Uint8Array(await blob.slice(offset, end).arrayBuffer());
      dst.set(buf);
      return buf.length;
    },
  };
}
