// XPRESS plain LZ77 (MS-XCA 2.4), the decompressor compressed ETL buffers need
// (assembly/capture/xpress.ts, driven here through the wasm export): the specification's own
// examples, round trips of the independent compressor in scripts/fixtures/etl-writer.mjs over
// real capture bytes, the real pktmon file's buffers, and hostile streams.
import { describe, it, expect } from "vitest";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
// @ts-ignore plain JS module
import { xpressCompress, lznt1Compress, xpressHuffCompress } from "../scripts/fixtures/etl-writer.mjs";

type Fn = (src: number, len: number, dst: number, cap: number) => number;
interface X { memory: WebAssembly.Memory; init(): void; inputPtrAt(k: number): number; xpressDecompress: Fn; lznt1Decompress: Fn; xpressHuffDecompress: Fn }
const wasm = readFileSync(join(__dirname, "../build/decoder.wasm"));
const x = new WebAssembly.Instance(new WebAssembly.Module(wasm), { env: { decoderError() {} } }).exports as unknown as X;
x.init();
const SRC = x.inputPtrAt(0), DST = x.inputPtrAt(1), ROOM = 2 << 20;

function run(f: Fn, z: Uint8Array, cap: number): Uint8Array | null {
  new Uint8Array(x.memory.buffer).set(z, SRC);
  const n = f(SRC, z.length, DST, cap);
  return n < 0 ? null : new Uint8Array(x.memory.buffer, DST, n).slice();
}
const decompress = (z: Uint8Array, cap: number) => run(x.xpressDecompress, z, cap);
const lznt1 = (z: Uint8Array, cap: number) => run(x.lznt1Decompress, z, cap);
const huff = (z: Uint8Array, cap: number) => run(x.xpressHuffDecompress, z, cap);
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

// The other two formats an ETL logger can name in buffer 0's State (2 LZNT1, 4 XPRESS Huffman;
// the real pktmon file uses 3): the specification's example, hand-made streams, round trips of
// the independent compressors in scripts/fixtures/etl-writer.mjs, and hostile streams.
describe("XPRESS Huffman (LZ77+Huffman) decompression", () => {
  // MS-XCA 3.2: "abc" × 100 — code lengths 'a' 3, 'b' 3, 'c' 2, EOF (256) 2, symbol 287 (a match
  // with 1 distance bit and an escaped length) 2; the bits a, b, c, match, distance bit 1 (→ 3),
  // EOF; the length in the byte stream: 255, then the u16 294 (= 297 − 3)
  const table = new Uint8Array(256);
  table[48] = 0x30; table[49] = 0x23; table[128] = 0x02; table[143] = 0x20;
  const example = new Uint8Array([...table, ...hex("a8 dc 00 00 ff 26 01")]);
  it("MS-XCA 3.2 example: abc + a match of 297 at distance 3", () => {
    expect(huff(example, 300)).toEqual(text("abc".repeat(100)));
    expect(huff(example, 100)).toBeNull(); // the match runs past the room announced: an error, not an overrun
  });
  it("round trips of an independent compressor: several 64 KiB blocks, matches across blocks, long and u32 lengths", () => {
    const pcap = readFileSync(join(__dirname, "../fixtures/krb-smb-ok.pcap"));
    const runs = new Uint8Array(200_000); runs.fill(7, 0, 100_000); runs.fill(9, 100_005);
    const mixed = new Uint8Array(150_000).map((_, i) => (i * 2654435761) >>> 27);
    for (const data of [pcap, runs, mixed, pcap.subarray(0, 1)]) {
      const z = xpressHuffCompress(data) as Uint8Array;
      expect(huff(z, data.length)).toEqual(new Uint8Array(data));
    }
  });
  it("hostile streams: lengths that are no prefix code, distances before the start, bombs, cuts", () => {
    expect(huff(new Uint8Array(260), 10)).toBeNull(); // no code at all
    expect(huff(new Uint8Array([...new Uint8Array(256).fill(0x11), 0, 0, 0, 0]), 10)).toBeNull(); // 512 one-bit codes: over-subscribed
    // 9-bit codes: symbol 256 + (15 << 4) + 0 first: a match 32768+ back before any output
    const far = new Uint8Array([...new Uint8Array(256).fill(0x99), 0xf8, 0x7f, 0xff, 0xff, 0xff, 0xff]);
    expect(huff(far, 100)).toBeNull();
    const bomb = xpressHuffCompress(new Uint8Array(1 << 20)) as Uint8Array; // 1 MiB of zeros in a few hundred bytes
    expect(huff(bomb, 4096)).toBeNull(); // more than the room announced
    expect(huff(example.subarray(0, 200), 300)).toBeNull(); // cut inside the table
  });
});

describe("LZNT1 decompression", () => {
  it("MS-XCA 2.5 chunks by hand: a stored chunk, a compressed one (literals and a 12-long match at distance 6), the end mark", () => {
    // header 0x3004: stored, 5 bytes; header 0xB008: compressed, 9 bytes: flags 0x40, 6 literals, token 0x5009
    const z = hex("04 30 68 65 6c 6c 6f 08 b0 40 61 62 63 64 65 66 09 50 00 00");
    expect(lznt1(z, 100)).toEqual(text("hello" + "abcdef".repeat(3)));
  });
  it("round trips of an independent compressor over real capture bytes and runs", () => {
    const pcap = readFileSync(join(__dirname, "../fixtures/krb-smb-ok.pcap"));
    const runs = new Uint8Array(20_000); runs.fill(7, 0, 10_000);
    for (const data of [pcap, runs, pcap.subarray(0, 3)]) {
      const z = lznt1Compress(data) as Uint8Array;
      expect(lznt1(z, data.length)).toEqual(new Uint8Array(data));
    }
  });
  it("hostile streams: a bad signature, a displacement before the chunk, a chunk longer than the input, more output than announced", () => {
    expect(lznt1(hex("04 20 68 65 6c 6c 6f"), 100)).toBeNull(); // signature 2, not 3
    expect(lznt1(hex("02 b0 01 00 50"), 100)).toBeNull(); // a match first
    expect(lznt1(hex("ff bf 00 61"), 100)).toBeNull(); // 4096 bytes announced, 2 there
    const z = lznt1Compress(new Uint8Array(40_000)) as Uint8Array;
    expect(lznt1(z, 5000)).toBeNull(); // a chunk that does not fit what the buffer announces
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
