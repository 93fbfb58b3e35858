import { describe, it, expect } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { Sha256, sha256Hex } from "../src/worker/sha256";

const ref = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("incremental SHA-256", () => {
  it("matches the FIPS test vectors", () => {
    expect(sha256Hex(new Uint8Array())).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex(new TextEncoder().encode("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256Hex(new TextEncoder().encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))
      .toBe("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  });

  it("matches node:crypto for every length around the block and padding edges", () => {
    const data = randomBytes(300);
    for (let n = 0; n <= 300; n++) expect(sha256Hex(data.subarray(0, n))).toBe(ref(data.subarray(0, n)));
  });

  it("gives the same digest whatever the slicing", () => {
    const data = randomBytes(100_003);
    const want = ref(data);
    for (const step of [1, 7, 63, 64, 65, 4096, 99_999]) {
      const h = new Sha256();
      for (let p = 0; p < data.length; p += step) h.update(data.subarray(p, p + step));
      expect(h.hex()).toBe(want);
    }
  });
});
