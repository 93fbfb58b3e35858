// Loads the decoder .wasm and drives it: each slice of the file is copied into the wasm's input
// buffer and fed; the event records are decoded after every feed. Runs in Node and in a Worker.
import { decodeRecords, type EventSink, type FieldFilter } from "./records";
import { expectedLayoutCheck } from "./fields";

interface Exports {
  memory: WebAssembly.Memory;
  init(): void;
  setHashSeed(a: number, b: number, c: number, d: number): void;
  reset(): void;
  inputCap(): number;
  outputPtr(): number;
  outputLen(): number;
  outputReset(): void;
  inputPtrAt(k: number): number;
  feedAt(k: number, len: number): number;
  resume(): number;
  setSetupOnlyMode(on: number): void;
  finish(): void;
  layoutCheck(): number;
  pullLength(): number;
  pullOffset(): number;
  pullPtr(): number;
  pulled(n: number): number;
  pullProgress(): number;
  setFileSize(n: number): void;
}

/** A read the container asked for (Network Monitor, ETL): `view.length` bytes at `offset`. */
export interface PullRequest { offset: number; view: Uint8Array }

export class DecoderTrap extends Error {}

export class Decoder {
  private readonly x: Exports;
  private readonly cap: number;

  private constructor(x: Exports) {
    this.x = x;
    x.init();
    // The flow table's secret hash key, fresh for every instance: no capture can have been made
    // offline to collide in it (assembly/net/tcp.ts, "Hashing").
    const k = crypto.getRandomValues(new Uint32Array(4));
    x.setHashSeed(k[0], k[1], k[2], k[3]);
    this.cap = x.inputCap();
  }

  static async create(wasm: WebAssembly.Module | BufferSource): Promise<Decoder> {
    let trap = "";
    const imports = {
      env: {
        decoderError(line: number, col: number) { trap = `decoder trap at assembly line ${line}:${col}`; },
      },
    };
    const mod = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm);
    const inst = await WebAssembly.instantiate(mod, imports);
    const x = inst.exports as unknown as Exports;
    if ((x.layoutCheck() >>> 0) !== expectedLayoutCheck()) {
      throw new Error("decoder.wasm was built from another version of assembly/events.ts: rebuild it (npm run build:wasm)");
    }
    const d = new Decoder(x);
    d.trapText = () => trap;
    return d;
  }

  private trapText: () => string = () => "";

  /**
   * Diagnosis mode: only SMB setup commands become events (file traffic is framed and skipped in
   * the wasm without a record), which is all the Report needs and far less work on busy captures.
   */
  setSetupOnly(on: boolean): void { this.x.setSetupOnlyMode(on ? 1 : 0); }

  /** Only these fields become properties of the events (null: all). See FieldFilter. */
  setFieldFilter(keep: FieldFilter | null): void { this.keep = keep ?? undefined; }
  private keep: FieldFilter | undefined;

  /**
   * The decoder's wasm memory, in bytes: the initial memory (asconfig.json), which init()'s
   * buffers fill; it never grows after.
   */
  get memoryBytes(): number { return this.x.memory.buffer.byteLength; }

  /** Starts a new file (of `size` bytes when known: ETL files are read out of order and need it). */
  reset(size = -1): void { this.x.reset(); if (size >= 0) this.x.setFileSize(size); }

  /** The size of the slices the decoder takes (larger chunks are split). */
  get sliceSize(): number { return this.cap; }

  /** The first input buffer (= inputViewAt(0)), for callers that feed one slice at a time. */
  inputView(): Uint8Array { return this.inputViewAt(0); }

  /**
   * The decoder's two input buffers (k = 0, 1): read the next slice into one while the decoder
   * works on the other (feedInputAt), so that reading and decoding overlap.
   */
  inputViewAt(k: 0 | 1): Uint8Array {
    return new Uint8Array(this.x.memory.buffer, this.x.inputPtrAt(k), this.cap);
  }

  /** Decodes the first `len` bytes written into inputViewAt(k). */
  feedInputAt(k: 0 | 1, len: number, out: EventSink): void {
    let more = this.call(() => this.x.feedAt(k, len));
    this.drain(out);
    while (more) { more = this.call(() => this.x.resume()); this.drain(out); }
  }

  /**
   * Pull mode (assembly/capture/pull.ts): the read the container wants next, or null. Containers
   * whose records are not in file order ask for byte ranges instead of taking streamed slices.
   */
  pullRequest(): PullRequest | null {
    const len = this.x.pullLength() >>> 0;
    if (len === 0) return null;
    return { offset: this.x.pullOffset(), view: new Uint8Array(this.x.memory.buffer, this.x.pullPtr() >>> 0, len) };
  }

  /** Hands the container the `n` bytes read for its request (fewer at the end of the file). */
  pulled(n: number, out: EventSink): void {
    let more = this.call(() => this.x.pulled(n));
    this.drain(out);
    while (more) { more = this.call(() => this.x.resume()); this.drain(out); }
  }

  /** A pulling container's progress, 0–1. */
  get pullProgress(): number { return this.x.pullProgress(); }

  /** Feeds bytes of the file; decoded events are appended to `out`. */
  push(chunk: Uint8Array, out: EventSink): void {
    for (let off = 0; off < chunk.length; off += this.cap) {
      const part = chunk.subarray(off, Math.min(chunk.length, off + this.cap));
      this.inputView().set(part);
      this.feedInputAt(0, part.length, out);
    }
  }

  /**
   * Decodes a whole file held in memory, serving pull requests from it too (tests, fuzzing):
   * streamed in `step`-byte pieces, as decodeSource would with slices.
   */
  decodeBytes(bytes: Uint8Array, out: EventSink, step = this.cap): void {
    this.reset(bytes.length);
    for (let off = 0; off < bytes.length && !this.pullRequest(); off += step) this.push(bytes.subarray(off, Math.min(bytes.length, off + step)), out);
    for (let r = this.pullRequest(); r; r = this.pullRequest()) {
      const part = r.offset < bytes.length ? bytes.subarray(r.offset, Math.min(bytes.length, r.offset + r.view.length)) : bytes.subarray(0, 0);
      r.view.set(part);
      this.pulled(part.length, out);
    }
    this.finish(out);
  }

  /** End of file: flushes what the decoder holds and appends the summary event. */
  finish(out: EventSink): void {
    this.call(() => { this.x.finish(); return 0; });
    this.drain(out);
  }

  private call(f: () => number): number {
    try { return f(); } catch (e) {
      const t = this.trapText();
      throw new DecoderTrap(t ? `${t} (${(e as Error).message})` : `decoder failed: ${(e as Error).message}`);
    }
  }

  private drain(out: EventSink): void {
    const len = this.x.outputLen();
    if (len === 0) return;
    const base = this.x.outputPtr();
    decodeRecords(new Uint8Array(this.x.memory.buffer), base, base + len, out, this.keep);
    this.x.outputReset();
  }
}
