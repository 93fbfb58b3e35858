// XPRESS plain LZ77 (MS-XCA 2.4), the decompressor compressed ETL buffers need
// (assembly/capture/xpress.ts, driven here through the wasm export): the specification's own
// examples, round trips of the independent compressor in scripts/fixtures/etl-writer.mjs over
// real capture bytes, the real pktmon file's buffers, and hostile streams.
import { describe, it, expect } from "vitest";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
// @ts-ignore plain JS module
import { xpressCompress } from "../scripts/fixtures/etl-writer.mjs";

interface X { memory: WebAssembly.Memory; init(): void; inputPtrAt(k: number): number; xpressDecompress(src: number, len: number, dst: number, cap: number): number }
const wasm = readFileSync(join(__dirname, "../build/decoder.wasm"));
const x = new WebAssembly.Instance(new WebAssembly.Module(wasm), { env: { decoderError() {} } }).exports as unknown as X;
x.init();
const SRC = x.inputPtrAt(0), DST = x.inputPtrAt(1), ROOM = 2 << 20;

function decompress(z: Uint8Array, cap: number): Uint8Array | null {
  new Uint8Array(x.memory.buffer).set(z, SRC);
  const n = x.xpressDecompress(SRC, z.length, DST, cap);
  return n < 0 ? null : new Uint8Array(x.memory.buffer, DST, n).slice();
}
const hex = (s: string) => Uint8Array.from(s.trim().split(/\s+/).map((h) => parseInt(h, 16)));
const text = (s: string) => new TextEncoder().encode(s);

describe("XPRESS plain LZ77 decompression", () => {
  it("MS-XCA 3.1 example 1: literals only", () => {
    const z = hex("3f 00 00 00 61 62 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f 70 71 72 73 74 75 76 77 78 79 7a");
    expect(decompress(z, 26)).toEqual(text("abcdefghijklmnopqrstuvwxyz"));
  });
  it("MS-XCA 3.1 example 2: abc + a match of length 297 at distance 3 (nibble, byte and u16 escapes)", () => {
    const z = hex("ff ff ff 1f 61 62 63 17 00 0f ff 26 01");
    expect(decompress(z, 300)).toEqual(text("abc".repeat(100)));
    expect(decompress(z, 1000)).toEqual(text("abc".repeat(100))); // the stream's own end
    expect(decompress(z, 100)).toBeNull(); // a match longer than the room announced is an error, not an overrun
  });
  it("round trips of an independent compressor over real capture bytes, runs and u32 lengths", () => {
    const pcap = readFileSync(join(__dirname, "../fixtures/krb-smb-ok.pcap"));
    const runs = new Uint8Array(200_000); runs.fill(7, 0, 100_000); runs.fill(9, 100_005); // a 100 kB run: the u32 length form
    const mixed = new Uint8Array(70_000).map((_, i) => (i * 2654435761) >>> 27);
    for (const data of [pcap, runs, mixed, pcap.subarray(0, 1), new Uint8Array(0)]) {
      const z = xpressCompress(data) as Uint8Array;
      expect(decompress(z, data.length)).toEqual(new Uint8Array(data));
    }
  });
  it("hostile streams: distances before the start, cut tokens, bombs; never past the room given", () => {
    expect(decompress(hex("ff ff ff ff 08 00"), 100)).toBeNull(); // a match before any output
    expect(decompress(hex("7f ff ff ff 61 17"), 100)).toBeNull(); // a token cut in half
    const bomb = new Uint8Array([0xff, 0xff, 0xff, 0x7f, 0x61, ...Array(31).fill([0x07, 0x00, 0x0f, 0xff, 0x00, 0x00, 0xff, 0xff, 0xff, 0x7f]).flat()]);
    expect(decompress(bomb, ROOM)).toBeNull(); // claims ~2^32 bytes per match
  });
});

const CORPUS = join(__dirname, "../../shared/corpus/etl/demikernel-PktMon.etl");
describe("the real pktmon file's compressed buffers", () => {
  it.skipIf(!existsSync(CORPUS))("decompress to exactly SavedOffset − 72 bytes, using all their input", () => {
    const f = readFileSync(CORPUS);
    const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
    let n = 0;
    for (let off = 0; off + 72 <= f.length; off += dv.getUint32(off, true)) {
      if ((dv.getUint16(off + 0x34, true) & 0x40) === 0) continue;
      const saved = dv.getUint32(off + 4, true);
      const out = decompress(f.subarray(off + 72, off + dv.getUint32(off, true)), saved - 72);
      expect(out?.length).toBe(saved - 72);
      expect(new DataView(out!.buffer).getUint8(2)).toBeGreaterThan(0); // starts with a record header
      n++;
    }
    expect(n).toBe(2);
  });
  if (!existsSync(CORPUS)) console.log(`skipped: ${CORPUS} is absent (the third-party corpus lives in ../shared/corpus)`);
});
