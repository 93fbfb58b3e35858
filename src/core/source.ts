// Where capture bytes come from: a browser File/Blob or a Node file, read in slices straight
// into the decoder's input buffer. Never the whole file in memory.
import type { Decoder, PullRequest, RegionSink } from "./decoder/wasm";
import type { RawEvent, RecordSink, Sink } from "./decoder/records";
import { EV_ERROR, REC_HEADER_SIZE, REC_OFF_KIND, REC_OFF_LENGTH } from "../../assembly/events";

export interface CaptureSource {
  /** Base name, for messages and the report */
  name: string;
  /** Bytes, or -1 for a stream (pipe, FIFO, device) read until it ends: offsets then only grow. */
  size: number;
  /** Reads up to dst.length bytes at `offset` into dst; returns the count (0 at the end). */
  readInto(offset: number, dst: Uint8Array): Promise<number>;
  /** Makes a read in flight resolve at once, writing nothing (a stream waiting for more bytes). */
  cancel?(): void;
  /**
   * false for a stream that can only be read front to back (a pipe). Files and Blobs can be read
   * at any offset, which Network Monitor and ETL files need (their records are not in file order).
   */
  seekable?: boolean;
  /** true when a read may start before the one before it resolved (positional reads of a file). */
  concurrent?: boolean;
}

/** `total` is -1 when the source's size is not known (a stream). */
export interface Progress { bytes: number; total: number }

/**
 * Asked between slices: true when the analysis has used the memory it may use (the CLI reads
 * V8's heap figures). Decoding then stops there as if the capture ended, and what was decoded is
 * still diagnosed: a partial Report instead of a process killed for its heap. `at` receives the
 * bytes read when it stopped.
 */
export interface MemoryGuard { full(): boolean; at?: number }

/** Events per call of decodeSource's sink. */
const SINK_BATCH = 256;

/**
 * Runs the decoder over a whole source. `sink` receives each batch of events as soon as it is
 * decoded (so a consumer can fold them into a model and let them go); the array is reused after
 * the sink returns (keep the events, not the array). Reading stops at the decoder's first fatal
 * error: nothing after it is decoded, and an endless stream (/dev/zero) ends there. Resolves to
 * the number of bytes read.
 */
export async function decodeSource(
  decoder: Decoder,
  src: CaptureSource,
  sink: (batch: RawEvent[]) => void,
  onProgress?: (p: Progress) => void,
  signal?: { aborted: boolean },
  memory?: MemoryGuard,
): Promise<number> {
  const stop = { stopped: false };
  // Events go to the sink in small batches while a slice's records are being decoded: the
  // events of a whole slice, held until its end, lived long enough to be promoted to the old
  // generation. The batch array is reused once the sink returns.
  const batch: RawEvent[] = [];
  const flush = () => { if (batch.length) { sink(batch); batch.length = 0; } };
  const out = { push(ev: RawEvent) { if (ev.kind === EV_ERROR) stop.stopped = true; if (batch.push(ev) >= SINK_BATCH) flush(); } };
  return run(decoder, src, out, flush, stop, onProgress, signal, memory);
}

/**
 * The same, handing `sink` every record in place (RecordSink: one cursor into the decoder's
 * memory, no object per event), for the model.
 */
export async function decodeSourceRecords(
  decoder: Decoder,
  src: CaptureSource,
  sink: RecordSink,
  onProgress?: (p: Progress) => void,
  signal?: { aborted: boolean },
  memory?: MemoryGuard,
): Promise<number> {
  const stop = { stopped: false };
  const out: RecordSink = { record(r) { if (r.kind === EV_ERROR) stop.stopped = true; sink.record(r); } };
  return run(decoder, src, out, () => {}, stop, onProgress, signal, memory);
}

/**
 * The same, handing `region` the records' bytes as the decoder writes them (Decoder.setRegionSink),
 * for a consumer elsewhere: the decode thread sends them to the model's thread
 * (src/cli/decodeWorker.ts). `flush` is called after each slice's records, as decodeSource's.
 */
export async function decodeSourceRegions(
  decoder: Decoder,
  src: CaptureSource,
  region: RegionSink,
  flush: () => void,
  onProgress?: (p: Progress) => void,
  memory?: MemoryGuard,
): Promise<number> {
  const stop = { stopped: false };
  decoder.setRegionSink((mem, start, end) => { if (!stop.stopped && hasErrorRecord(mem, start, end)) stop.stopped = true; region(mem, start, end); });
  try {
    return await run(decoder, src, { push() {} }, flush, stop, onProgress, undefined, memory);
  } finally { decoder.setRegionSink(null); }
}

/** Whether the records in mem[start, end) hold an EV_ERROR (the decoder's fatal error: reading stops). */
export function hasErrorRecord(mem: Uint8Array, start: number, end: number): boolean {
  for (let p = start; p + REC_HEADER_SIZE <= end;) {
    if ((mem[p + REC_OFF_KIND] | (mem[p + REC_OFF_KIND + 1] << 8)) === EV_ERROR) return true;
    const len = mem[p + REC_OFF_LENGTH] | (mem[p + REC_OFF_LENGTH + 1] << 8);
    if (len < REC_HEADER_SIZE) return false; // (a corrupt record: the reader of the records says so)
    p += len;
  }
  return false;
}

/** The loop of all three: slices read ahead and fed, pulls served, `flush` after each slice. */
async function run(
  decoder: Decoder, src: CaptureSource, out: Sink, flush: () => void, stop: { stopped: boolean },
  onProgress?: (p: Progress) => void, signal?: { aborted: boolean }, memory?: MemoryGuard,
): Promise<number> {
  decoder.reset(src.size);
  let offset = 0;
  // Two input buffers: the next slice is read (fs in Node's thread pool, Blob reads in the
  // browser) while the decoder works on this one, so reading and decoding overlap.
  let k: 0 | 1 = 0;
  const more = () => !stop.stopped && (offset < src.size || src.size < 0);
  let next: Promise<number> | null = more() ? src.readInto(offset, decoder.inputViewAt(0)) : null;
  while (next) {
    if (signal?.aborted) { await next.catch(() => 0); throw new DOMException("Analysis cancelled", "AbortError"); }
    const n = await next;
    if (n <= 0) break;
    offset += n;
    next = more() ? src.readInto(offset, decoder.inputViewAt(k === 0 ? 1 : 0)) : null;
    try {
      decoder.feedInputAt(k, n, out);
    } catch (e) {
      await next?.catch(() => 0); // never leave a read writing into the decoder's memory
      throw e;
    }
    if (!stop.stopped && memory?.full()) { stop.stopped = true; memory.at = offset; }
    if (stop.stopped && next) { src.cancel?.(); await next.catch(() => 0); next = null; } // the read issued before the error
    flush();
    onProgress?.({ bytes: offset, total: src.size });
    k = k === 0 ? 1 : 0;
    if (decoder.pullRequest()) {
      // The container reads for itself from here (see assembly/capture/pull.ts).
      if (next) { src.cancel?.(); await next.catch(() => 0); } // the read-ahead slice is not wanted
      next = null;
      await servePulls(decoder, src, out, flush, onProgress, signal, memory);
    }
  }
  decoder.finish(out);
  flush();
  return offset;
}

/** Reads exactly dst.length bytes at offset unless the source ends first; returns the count. */
async function readFully(src: CaptureSource, offset: number, dst: Uint8Array): Promise<number> {
  let got = 0;
  while (got < dst.length) {
    const n = await src.readInto(offset + got, dst.subarray(got));
    if (n <= 0) break;
    got += n;
  }
  return got;
}

/** Pull mode: answers the container's reads until it asks for no more. */
async function servePulls(
  decoder: Decoder, src: CaptureSource, out: Sink, flush: () => void,
  onProgress?: (p: Progress) => void, signal?: { aborted: boolean }, memory?: MemoryGuard,
): Promise<void> {
  if (src.seekable === false) {
    throw new Error(`${src.name} is a Network Monitor or ETL capture, whose records are read out of file order: open the file itself, not a pipe or stream.`);
  }
  // The read the container expects next (its read-ahead), in flight while it decodes: without
  // it every read waits for the one before to be decoded (ETL: ~0.2 s per GiB of reads alone,
  // more under load). Only sources whose reads may overlap get it.
  let ahead: { offset: number; view: Uint8Array; done: Promise<number> } | null = null;
  const same = (a: { offset: number; view: Uint8Array }, r: PullRequest) =>
    a.offset === r.offset && a.view.byteOffset === r.view.byteOffset && a.view.length === r.view.length;
  try {
    for (let r = decoder.pullRequest(); r; r = decoder.pullRequest()) {
      if (signal?.aborted) throw new DOMException("Analysis cancelled", "AbortError");
      const next = src.concurrent ? decoder.pullAhead() : null;
      let read: Promise<number>;
      if (ahead && same(ahead, r)) { read = ahead.done; ahead = null; }
      else {
        // an ahead read no longer named: its place in memory may be reused
        if (ahead && !(next && same(ahead, next))) { await ahead.done.catch(() => 0); ahead = null; }
        read = readFully(src, r.offset, r.view);
      }
      if (next && !ahead) {
        ahead = { offset: next.offset, view: next.view, done: readFully(src, next.offset, next.view) };
        ahead.done.catch(() => {}); // (awaited where it is used or dropped)
      }
      // The views point into wasm memory, which nothing grows (assembly/index.ts).
      const n = await read;
      decoder.pulled(n, out);
      flush();
      onProgress?.({ bytes: Math.round(decoder.pullProgress * src.size), total: src.size });
      if (memory?.full()) { memory.at = Math.round(decoder.pullProgress * src.size); break; }
    }
  } finally {
    if (ahead) await ahead.done.catch(() => 0); // never leave a read writing into the decoder's memory
  }
}

export interface BlobReadAhead {
  /** bytes per Blob read */
  chunkBytes: number;
  /** Blob reads in flight ahead of the decoder */
  depth: number;
}

/**
 * Chromium answers each Blob read with one round trip through the browser process, so one 4 MiB
 * slice at a time leaves the worker waiting: measured here (npm run bench, in a worker, reading
 * a 1.2 GB File and copying it into wasm memory) 470 MB/s that way, 850 MB/s with three 8 MiB
 * reads in flight and 1.05 GB/s with two of 16 MiB (the worker's whole analysis: 461 MB/s with
 * three 8 MiB reads, 510 MB/s with two 16 MiB ones).
 * The source keeps `depth` reads in flight and hands the decoder its slices out of them (a copy
 * into wasm memory is needed anyway). Cost: up to (depth + 1) × chunkBytes of ArrayBuffers.
 * In the app the reads themselves run on a reader worker (src/worker/reader.worker.ts), so that
 * they go on while the decoder keeps the analyzer's thread busy: 581–621 MB/s for the whole
 * analysis in three runs, against 461–631 MB/s with the reads on the analyzer's thread.
 */
export const BLOB_READ_AHEAD: BlobReadAhead = { chunkBytes: 16 << 20, depth: 2 };

/** Reads blob[offset, end) (see relayReader in src/worker/readerRelay.ts for the browser's). */
export type ChunkReader = (blob: Blob, offset: number, end: number) => Promise<Uint8Array>;

export const directReader: ChunkReader = (blob, offset, end) => blob.slice(offset, end).arrayBuffer().then((b) => new Uint8Array(b));

/** A CaptureSource over a Blob (a dropped File in the browser), reading ahead (see above). */
export function blobSource(blob: Blob, name: string, ahead: BlobReadAhead = BLOB_READ_AHEAD, read: ChunkReader = directReader): CaptureSource {
  const { chunkBytes, depth } = ahead;
  const queue: { offset: number; end: number; data: Promise<Uint8Array> }[] = [];
  let requested = 0; // where the next read-ahead starts
  let cur: { offset: number; bytes: Uint8Array } | null = null;
  const fill = () => {
    while (queue.length < depth && requested < blob.size) {
      const offset = requested, end = Math.min(blob.size, offset + chunkBytes);
      const data = read(blob, offset, end);
      data.catch(() => {}); // a read dropped unawaited must not become an unhandled rejection
      queue.push({ offset, end, data });
      requested = end;
    }
  };
  return {
    name,
    size: blob.size,
    async readInto(offset, dst) {
      if (offset >= blob.size || dst.length === 0) return 0;
      if (!cur || offset < cur.offset || offset >= cur.offset + cur.bytes.length) {
        cur = null;
        while (queue.length && !(offset >= queue[0].offset && offset < queue[0].end)) queue.shift();
        if (!queue.length) requested = offset; // not where the read-ahead was going: start there
        fill();
        const head = queue.shift()!;
        cur = { offset: head.offset, bytes: await head.data };
        fill();
      }
      const start = offset - cur.offset;
      const n = Math.min(dst.length, cur.bytes.length - start);
      dst.set(cur.bytes.subarray(start, start + n));
      if (start + n === cur.bytes.length) cur = null; // let the chunk go as soon as it is used up
      return n;
    },
  };
}
