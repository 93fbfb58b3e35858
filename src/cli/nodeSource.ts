// Node: where a capture comes from. A regular file is read with positioned reads straight into
// the decoder's input buffer; anything else that can be read (standard input, a FIFO, a
// character device, a /proc file whose size reads 0) is read as a stream, to its end, without
// knowing its size (size -1).
import { open, stat, type FileHandle } from "node:fs/promises";
import { createReadStream, read, readSync } from "node:fs";
import { basename } from "node:path";
import { isatty } from "node:tty";
import type { Readable } from "node:stream";
import type { CaptureSource } from "../core/source";

/** `fd`: a regular file's descriptor (positional reads: the decode thread may read it too). */
export type NodeSource = CaptureSource & { close(): Promise<void>; fd?: number };

/** The name `-` is standard input. `onWaiting` (FIFOs only) says the open waits for a writer. */
export async function fileSource(path: string, onWaiting?: (what: string) => void): Promise<NodeSource> {
  if (path === "-") {
    if (isatty(0)) throw new Error("standard input is a terminal, not a capture: pipe one in (tcpdump -w - … | smbscope -)");
    // fd 0 read as a file stream: a pipe, a FIFO or a redirected file alike (process.stdin
    // would switch a pipe to non-blocking mode for the whole process group)
    return streamSource(createReadStream("", { fd: 0, highWaterMark: STREAM_CHUNK, autoClose: false }), "stdin");
  }
  const st = await stat(path);
  if (st.isDirectory()) throw new Error(`${path} is a directory, not a capture file`);
  if (st.isFile() && st.size > 0) {
    const fh = await open(path, "r");
    return { ...fdSource(fh.fd, basename(path), st.size, fh), fd: fh.fd, close: () => fh.close() };
  }
  // open() of a FIFO waits for a writer (as cat does); say so rather than wait in silence
  const s = createReadStream(path, { highWaterMark: STREAM_CHUNK });
  if (st.isFIFO() && onWaiting) {
    const t = setTimeout(() => onWaiting(`${basename(path)} is a FIFO: waiting for a program to write to it…`), 1000);
    s.once("open", () => clearTimeout(t));
    s.once("close", () => clearTimeout(t));
  }
  return streamSource(s, basename(path));
}

/**
 * Positional reads of an open regular file of `size` bytes (its descriptor `fd` stays the
 * caller's to close): the CLI's reads, through the file's FileHandle `fh`, and the decode
 * thread's of the same descriptor (src/cli/decodeWorker.ts).
 */
export function fdSource(fd: number, name: string, size: number, fh?: FileHandle): CaptureSource {
  return {
    name,
    size,
    concurrent: true, // positional reads
    async readInto(offset, dst) {
      // A small read (an ETL buffer header: the index pass reads one per buffer) costs less
      // than the trip through the thread pool that an asynchronous read takes.
      if (dst.length <= SYNC_READ_MAX) return readSync(fd, dst, 0, dst.length, offset);
      // Through the FileHandle where there is one. fs.read's completion closure holds `dst`, a
      // view into the decoder's memory, and the analysis after the last read ran inside that
      // callback, whose handle scope keeps the closure: the whole wasm memory stayed alive to the
      // Report's write (+17 MiB peak RSS). analyze.ts nextTurn now leaves that callback first,
      // whatever the read; the FileHandle's read does not hold its buffer there anyway.
      if (fh) return (await fh.read(dst, 0, dst.length, offset)).bytesRead;
      return new Promise<number>((resolve, reject) => read(fd, dst, 0, dst.length, offset, (e, n) => e ? reject(e) : resolve(n)));
    },
  };
}

const STREAM_CHUNK = 1 << 20;
const SYNC_READ_MAX = 64 << 10;

/**
 * A readable stream as a CaptureSource: read in order only, each read taking what has arrived
 * (waiting only when nothing has). At most the stream's buffer (one chunk) is held ahead.
 */
export function streamSource(stream: Readable, name: string): NodeSource {
  let chunk: Buffer | null = null, at = 0; // the chunk being handed out and how far
  let position = 0, ended = false, closed = false, error: Error | null = null;
  let wake: (() => void) | null = null;
  const poke = () => { const w = wake; wake = null; w?.(); };
  stream.on("readable", poke);
  stream.on("end", () => { ended = true; poke(); });
  stream.on("error", (e) => { error = e; poke(); });
  return {
    name,
    size: -1,
    seekable: false, // Network Monitor and ETL files need reads at any offset: refused with a clear error
    async readInto(offset, dst) {
      if (offset !== position) throw new Error(`${name}: a stream is read in order (asked for offset ${offset} at ${position})`);
      let n = 0;
      for (;;) {
        if (closed) return 0; // cancelled: write nothing into dst
        if (error) throw new Error(`${name}: ${error.message}`);
        while (n < dst.length) {
          if (!chunk) { chunk = stream.read() as Buffer | null; at = 0; if (!chunk) break; }
          const k = Math.min(dst.length - n, chunk.length - at);
          dst.set(chunk.subarray(at, at + k), n);
          n += k; at += k;
          if (at === chunk.length) chunk = null;
        }
        if (n > 0 || ended) break;
        await new Promise<void>((r) => { wake = r; });
      }
      position += n;
      return n;
    },
    cancel() { closed = true; poke(); },
    async close() { closed = true; poke(); stream.destroy(); },
  };
}
