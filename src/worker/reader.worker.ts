// Reads slices of a File for the analyzer worker and hands them over (transferred, not copied).
//
// Why a thread of its own: Chromium delivers a Blob read to the thread that asked for it, in
// pieces through a small pipe. Asked from the analyzer's thread, the read-ahead stalled whenever
// the decoder was busy, so reading and decoding took turns. Here the pipe is drained while the
// analyzer decodes. Started by the analyzer (src/worker/readerRelay.ts) and ended with it.
import type { ChunkRequest, ChunkReply } from "./readerRelay";

self.onmessage = async (e: MessageEvent<ChunkRequest>) => {
  const { id, blob, offset, end } = e.data;
  const me = self as unknown as Worker;
  try {
    const buf = await blob.slice(offset, end).arrayBuffer();
    me.postMessage({ id, buf } satisfies ChunkReply, [buf]);
  } catch (err) {
    me.postMessage({ id, error: (err as Error)?.message ?? String(err) } satisfies ChunkReply);
  }
};
