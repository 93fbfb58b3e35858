// RC4 against RFC 6229 section 2: the keystream (RC4 of zero bytes) at the offsets the RFC lists,
// the whole table for the 40-bit key 0x0102030405 and rows for the 128- and 256-bit keys
// 0x0102…, and the 40-bit key 0x833222772a of section 3.
import { describe, it, expect } from "vitest";
import { rc4 } from "../src/core/crypto";
import { hex, seq, toHex } from "./support/hex";

const keystream = (key: Uint8Array, n: number) => rc4(key, new Uint8Array(n));

const TABLES: [string, Uint8Array, [number, string][]][] = [
  ["40 bits, 0x0102030405", seq(1, 5), [
    [0, "b2396305f03dc027ccc3524a0a1118a8"], [16, "6982944f18fc82d589c403a47a0d0919"],
    [240, "28cb1132c96ce286421dcaadb8b69eae"], [256, "1cfcf62b03eddb641d77dfcf7f8d8c93"],
    [496, "42b7d0cdd918a8a33dd51781c81f4041"], [512, "6459844432a7da923cfb3eb4980661f6"],
    [752, "ec10327bde2beefd18f9277680457e22"], [768, "eb62638d4f0ba1fe9fca20e05bf8ff2b"],
    [1008, "45129048e6a0ed0b56b490338f078da5"], [1024, "30abbcc7c20b01609f23ee2d5f6bb7df"],
    [1520, "3294f744d8f9790507e70f62e5bbceea"], [1536, "d8729db41882259bee4f825325f5a130"],
    [2032, "1eb14a0c13b3bf47fa2a0ba93ad45b8b"], [2048, "cc582f8ba9f265e2b1be9112e975d2d7"],
    [3056, "f2e30f9bd102ecbf75aaade9bc35c43c"], [3072, "ec0e11c479dc329dc8da7968fe965681"],
    [4080, "068326a2118416d21f9d04b2cd1ca050"], [4096, "ff25b58995996707e51fbdf08b34d875"],
  ]],
  ["128 bits, 0x0102…10", seq(1, 16), [
    [0, "9ac7cc9a609d1ef7b2932899cde41b97"], [16, "5248c4959014126a6e8a84f11d1a9e1c"],
    [1536, "ffa0b514647ec04f6306b892ae661181"], [4096, "a36a4c301ae8ac13610ccbc12256cacc"],
  ]],
  ["256 bits, 0x0102…20", seq(1, 32), [
    [0, "eaa6bd25880bf93d3f5d1e4ca2611d91"], [16, "cfa45c9f7e714b54bdfa80027cb14380"],
    [1536, "3e34135c79db010200767651cf263073"], [4096, "f3e4c0a2e02d1d01f7f0a74618af2b48"],
  ]],
  ["40 bits, 0x833222772a", hex("833222772a"), [
    [0, "80ad97bdc973df8a2e879e92a497efda"], [16, "20f060c2f2e5126501d3d4fea10d5fc0"],
    [240, "faa148e99046181fec6b2085f3b20ed9"], [256, "f0daf5bab3d596839857846f73fbfe5a"],
    [496, "1c7e2fc4639232fe297584b296996bc8"], [512, "3db9b249406cc8edffac55ccd322ba12"],
  ]],
];

describe("RC4 keystream (RFC 6229)", () => {
  for (const [name, key, rows] of TABLES) {
    it(`key length ${name}`, () => {
      const ks = keystream(key, 4112);
      for (const [off, want] of rows) expect(`${off}: ${toHex(ks.subarray(off, off + 16))}`).toBe(`${off}: ${want}`);
    });
  }
  it("decrypts what it encrypted, and refuses an empty key", () => {
    const p = seq(7, 100);
    expect(rc4(seq(1, 16), rc4(seq(1, 16), p))).toEqual(p);
    expect(() => rc4(new Uint8Array(0), p)).toThrow(/key of 0 bytes/);
  });
});
