// Loads the decoder .wasm and drives it: each slice of the file is copied into the wasm's input
// buffer and fed; the event records are decoded after every feed. Runs in Node and in a Worker.
//
// One instance per file: the CLI and the worker instantiate the compiled module afresh for every
// capture (Decoder.create; the compile is cached, an instance costs a few milliseconds: see
// bench/instance.mjs), so nothing a hostile capture did to the decoder's memory can reach the
// next file. finish() also checks that the static data (OIDs, strings, tables) is still that of a
// fresh instance.
import { decodeRecords, drainRecords, RecordCursor, type EventSink, type FieldFilter, type RawEvent, type Sink } from "./records";
import { REC_FLAG_FROM_CLIENT, REC_FLAG_IPV6 } from "../../../assembly/events";
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
  setDecryptMode(on: number): void;
  plainPtr(): number;
  plainCap(): number;
  plainOutPtr(): number;
  decodePlain(len: number, msgLen: number, frame: number, tsLo: number, tsHi: number, digits: number, stream: number, flags: number): number;
  finish(): void;
  layoutCheck(): number;
  pullLength(): number;
  pullOffset(): number;
  pullPtr(): number;
  pullAheadLength(): number;
  pullAheadOffset(): number;
  pullAheadPtr(): number;
  pulled(n: number): number;
  pullProgress(): number;
  setFileSize(n: number): void;
  staticEnd(): number;
}

/** A read the container asked for (Network Monitor, ETL): `view.length` bytes at `offset`. */
export interface PullRequest { offset: number; view: Uint8Array }

export class DecoderTrap extends Error {}

/** Takes the records in mem[start, end) (assembly/events.ts layout) as bytes. */
export type RegionSink = (mem: Uint8Array, start: number, end: number) => void;

export class Decoder {
  private readonly x: Exports;
  private readonly cap: number;

  /** The static data region [0, staticEnd) right after init: it must never change. */
  private readonly pristine: Uint8Array;

  private constructor(x: Exports) {
    this.x = x;
    x.init();
    // The flow table's secret hash key, fresh for every instance: no capture can have been made
    // offline to collide in it (assembly/net/tcp.ts, "Hashing").
    const k = crypto.getRandomValues(new Uint32Array(4));
    x.setHashSeed(k[0], k[1], k[2], k[3]);
    this.cap = x.inputCap();
    this.pristine = this.staticData();
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

  /**
   * Decryption mode (issue 18): the decoder also hands out the bytes of NEGOTIATE, SESSION_SETUP
   * and TRANSFORM messages and the NTLM challenge and response (EV_SMB_RAW and the F_NTLM_CHALLENGE…
   * fields of assembly/events.ts), for the decrypt stage (src/core/decrypt/session.ts). Only
   * while the user gave a secret: otherwise the decoder writes none of it.
   */
  setDecrypt(on: boolean): void { this.x.setDecryptMode(on ? 1 : 0); }

  /** The largest decrypted message decodePlain takes. */
  get plainCap(): number { return this.x.plainCap(); }

  /**
   * Decodes one decrypted SMB2 message (the first `plain.length` bytes of a message of `msgLen`)
   * as if it had come in the clear in the packet and flow of `at` (the TRANSFORM message's
   * record): its EV_SMB2 records, marked `decrypted`, go to `out`. Safe to call while the
   * decoder's main output is being drained (its records go to a buffer of their own).
   */
  decodePlain(plain: Uint8Array, msgLen: number, at: RawEvent, out: EventSink): void {
    const n = Math.min(plain.length, this.x.plainCap());
    new Uint8Array(this.x.memory.buffer, this.x.plainPtr(), n).set(plain.subarray(0, n));
    const ts = BigInt.asUintN(64, at.tsNs);
    const flags = (at.fromClient ? REC_FLAG_FROM_CLIENT : 0) | (at.ipv6 ? REC_FLAG_IPV6 : 0);
    const len = this.call(() => this.x.decodePlain(n, msgLen, at.frame, Number(ts & 0xffffffffn), Number(ts >> 32n), at.tsDigits, at.stream, flags));
    const base = this.x.plainOutPtr();
    decodeRecords(new Uint8Array(this.x.memory.buffer), base, base + len, { push(ev) { ev.decrypted = true; out.push(ev); } }, this.keep);
  }

  /** Only these fields become properties of the events (null: all). See FieldFilter. */
  setFieldFilter(keep: FieldFilter | null): void { this.keep = keep ?? undefined; }
  private keep: FieldFilter | undefined;

  /**
   * The decoder's wasm memory, in bytes: the initial memory (asconfig.json), which init()'s
   * buffers fill; it never grows after.
   */
  get memoryBytes(): number { return this.x.memory.buffer.byteLength; }

  /**
   * Starts a new file on this same instance (of `size` bytes when known: ETL files are read out of
   * order and need it). Only tests and the fuzzer reuse an instance (to prove that even then
   * nothing of one file reaches the next): the CLI and the worker take a new Decoder for every file.
   */
  reset(size = -1): void { this.x.reset(); if (size >= 0) this.x.setFileSize(size); }

  /** A copy of the wasm's static data region (constants only; see assembly/index.ts staticEnd). */
  staticData(): Uint8Array { return new Uint8Array(this.x.memory.buffer, 0, this.x.staticEnd()).slice(); }

  /** Offset of the first byte of the static data that differs from a fresh instance's, or -1. */
  staticDataChangedAt(): number {
    const now = new Uint8Array(this.x.memory.buffer, 0, this.pristine.length);
    for (let i = 0; i < now.length; i++) if (now[i] !== this.pristine[i]) return i;
    return -1;
  }

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
  feedInputAt(k: 0 | 1, len: number, out: Sink): void {
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

  /**
   * The read the container expects to ask for next, which the caller may start now (the rules
   * are in assembly/capture/pull.ts), or null. Its `view` is left alone by the decoder until then.
   */
  pullAhead(): PullRequest | null {
    const len = this.x.pullAheadLength() >>> 0;
    if (len === 0) return null;
    return { offset: this.x.pullAheadOffset(), view: new Uint8Array(this.x.memory.buffer, this.x.pullAheadPtr() >>> 0, len) };
  }

  /** Hands the container the `n` bytes read for its request (fewer at the end of the file). */
  pulled(n: number, out: Sink): void {
    let more = this.call(() => this.x.pulled(n));
    this.drain(out);
    while (more) { more = this.call(() => this.x.resume()); this.drain(out); }
  }

  /** A pulling container's progress, 0–1. */
  get pullProgress(): number { return this.x.pullProgress(); }

  /** Feeds bytes of the file; decoded events are appended to `out`. */
  push(chunk: Uint8Array, out: Sink): void {
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
  decodeBytes(bytes: Uint8Array, out: Sink, step = this.cap): void {
    this.reset(bytes.length);
    for (let off = 0; off < bytes.length && !this.pullRequest(); off += step) this.push(bytes.subarray(off, Math.min(bytes.length, off + step)), out);
    for (let r = this.pullRequest(); r; r = this.pullRequest()) {
      const part = r.offset < bytes.length ? bytes.subarray(r.offset, Math.min(bytes.length, r.offset + r.view.length)) : bytes.subarray(0, 0);
      r.view.set(part);
      this.pulled(part.length, out);
    }
    this.finish(out);
  }

  /**
   * Decodes a whole capture held in memory (from reset() to finish()) and returns its event
   * records as the wasm wrote them, for comparing two decodings byte for byte (the fuzzer). In
   * diagnosis mode (setSetupOnly), these records are all a Report is computed from.
   */
  recordBytes(bytes: Uint8Array): Uint8Array {
    const parts: Uint8Array[] = [];
    this.regions = (mem, start, end) => { parts.push(mem.slice(start, end)); };
    try {
      this.decodeBytes(bytes, { push() {} });
    } finally { this.regions = null; }
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { all.set(p, at); at += p.length; }
    return all;
  }

  /**
   * Hands each region of records the decoder writes, as its bytes (valid only during the call),
   * to `f` instead of the Sink given to the feeding methods, which then take no record (null:
   * records to the Sink again). The decode thread (src/cli/decodeWorker.ts) sends them on this way.
   */
  setRegionSink(f: RegionSink | null): void { this.regions = f; }
  private regions: RegionSink | null = null;
  /** reads the records for a RecordSink (one for the instance: no object per record) */
  private readonly cursor = new RecordCursor();

  /** End of file: flushes what the decoder holds and appends the summary event. */
  finish(out: Sink): void {
    this.call(() => { this.x.finish(); return 0; });
    this.drain(out);
    // A write outside the buffers the decoder owns (a bug, which input must never reach) would
    // have changed this file's decoding already: say so rather than give a wrong verdict.
    const at = this.staticDataChangedAt();
    if (at >= 0) throw new DecoderTrap(`decoder memory corrupted (static data changed at byte ${at})`);
  }

  private call(f: () => number): number {
    try { return f(); } catch (e) {
      const t = this.trapText();
      throw new DecoderTrap(t ? `${t} (${(e as Error).message})` : `decoder failed: ${(e as Error).message}`);
    }
  }

  private drain(out: Sink): void {
    const len = this.x.outputLen();
    if (len === 0) return;
    const base = this.x.outputPtr();
    if (this.regions) this.regions(new Uint8Array(this.x.memory.buffer), base, base + len);
    else drainRecords(new Uint8Array(this.x.memory.buffer), base, base + len, out, this.keep, this.cursor);
    this.x.outputReset();
  }
}
