// The browser's capture source (a File read ahead in large slices): every byte arrives once, in
// order, whatever slice sizes the decoder asks for; a seek restarts the read-ahead; a failed read
// is reported to the reader and never becomes an unhandled rejection.
import { it, expect, describe } from "vitest";
import { blobSource, directReader, type CaptureSource } from "../src/core/source";
import { relayReader, type ReaderPort, type ChunkRequest, type ChunkReply } from "../src/worker/readerRelay";

function bytes(n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; b[i] = x >>> 24; }
  return b;
}

/** Reads a source from 0 to its end in slices of `slice` bytes. */
async function readAll(src: CaptureSource, size: number, slice: number): Promise<Uint8Array> {
  const got = new Uint8Array(size);
  let off = 0;
  for (;;) {
    const dst = new Uint8Array(slice);
    const n = await src.readInto(off, dst);
    if (n === 0) break;
    got.set(dst.subarray(0, n), off);
    off += n;
  }
  return got.subarray(0, off);
}

it("gives back the whole Blob for any slice size", async () => {
  const data = bytes(1_000_003);
  for (const [chunk, depth, slice] of [[65536, 3, 4096], [65536, 2, 100_000], [1000, 1, 999], [300_000, 2, 1_000_003]] as const) {
    const got = await readAll(blobSource(new Blob([data]), "x.pcap", { chunkBytes: chunk, depth }), data.length, slice);
    expect(got.length, `chunk ${chunk} slice ${slice}`).toBe(data.length);
    expect(Buffer.compare(got, data)).toBe(0);
  }
});

it("serves a read at another offset (a seek) from there", async () => {
  const data = bytes(200_000);
  const src = blobSource(new Blob([data]), "x.pcap", { chunkBytes: 50_000, depth: 2 });
  const a = new Uint8Array(1000);
  await src.readInto(0, a);
  const b = new Uint8Array(1000);
  expect(await src.readInto(150_123, b)).toBe(1000);
  expect(Buffer.compare(b, data.subarray(150_123, 151_123))).toBe(0);
  expect(await src.readInto(10, a)).toBe(1000); // backwards
  expect(Buffer.compare(a, data.subarray(10, 1010))).toBe(0);
  expect(await src.readInto(200_000, a)).toBe(0);
});

it("reports a failed read to the reader", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on("unhandledRejection", onUnhandled);
  try {
    const data = new Blob([bytes(100_000)]);
    let reads = 0;
    const failing = {
      size: data.size,
      slice(a: number, b: number) {
        const n = reads++;
        return { arrayBuffer: () => (n >= 1 ? Promise.reject(new Error("NotReadableError: the file changed")) : data.slice(a, b).arrayBuffer()) };
      },
    } as unknown as Blob;
    const src = blobSource(failing, "x.pcap", { chunkBytes: 10_000, depth: 3 });
    const dst = new Uint8Array(10_000);
    expect(await src.readInto(0, dst)).toBe(10_000);
    await expect(src.readInto(10_000, dst)).rejects.toThrow(/file changed/);
    await new Promise((r) => setTimeout(r, 20));
    expect(unhandled).toEqual([]);
  } finally { process.off("unhandledRejection", onUnhandled); }
});

describe("reads relayed through a reader worker (src/worker/readerRelay.ts)", () => {
  /** A stand-in for reader.worker.ts: answers each request later, the later ones first. */
  function fakeReader(opts: { dieAfter?: number; failAt?: number } = {}) {
    let served = 0;
    const pending: (() => void)[] = [];
    const port: ReaderPort = {
      onmessage: null, onerror: null,
      postMessage(m: ChunkRequest) {
        pending.push(async () => {
          const n = served++;
          if (opts.dieAfter !== undefined && n >= opts.dieAfter) { port.onerror?.({ message: "killed" } as ErrorEvent); return; }
          const reply: ChunkReply = opts.failAt !== undefined && m.offset >= opts.failAt
            ? { id: m.id, error: "NotReadableError: the file changed" }
            : { id: m.id, buf: await m.blob.slice(m.offset, m.end).arrayBuffer() };
          port.onmessage?.({ data: reply } as MessageEvent<ChunkReply>);
        });
        // answer in reverse order of asking once two are waiting (replies are matched by id)
        setTimeout(() => { while (pending.length) pending.pop()!(); }, 1);
      },
    };
    return { port, served: () => served };
  }

  it("gives back the whole Blob, in order, with replies arriving out of order", async () => {
    const data = bytes(500_001);
    const fake = fakeReader();
    const src = blobSource(new Blob([data]), "x.pcap", { chunkBytes: 30_000, depth: 3 }, relayReader(fake.port, directReader));
    expect(Buffer.compare(await readAll(src, data.length, 7_777), data)).toBe(0);
    expect(fake.served()).toBe(Math.ceil(data.length / 30_000));
  });

  it("reads on when the reader worker dies, without losing a byte", async () => {
    const data = bytes(300_000);
    const fake = fakeReader({ dieAfter: 4 });
    const relay = relayReader(fake.port, directReader);
    const src = blobSource(new Blob([data]), "x.pcap", { chunkBytes: 20_000, depth: 2 }, relay);
    expect(Buffer.compare(await readAll(src, data.length, 50_000), data)).toBe(0);
    expect(relay.broken).toBe(true);
  });

  it("reports a read the reader worker could not do", async () => {
    const data = bytes(100_000);
    const src = blobSource(new Blob([data]), "x.pcap", { chunkBytes: 10_000, depth: 2 }, relayReader(fakeReader({ failAt: 30_000 }).port, directReader));
    await expect(readAll(src, data.length, 10_000)).rejects.toThrow(/file changed/);
  });
});
