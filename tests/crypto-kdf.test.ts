// HKDF-SHA256 against RFC 5869 appendix A test cases 1–3, and the SP 800-108 counter-mode KDF
// against NIST's KBKDF validation vectors (CAVS 14.4 KDFCTR_gen.rsp, [PRF=HMAC_SHA256]
// [CTRLOCATION=BEFORE_FIXED] [RLEN=32_BITS], COUNT 0 and 10): the form MS-SMB2 3.1.4.2 uses.
import { describe, it, expect } from "vitest";
import { hkdfSha256Expand, hkdfSha256Extract, sp800108CounterHmacSha256, sp800108HmacSha256 } from "../src/core/crypto";
import { hex, seq, fill, toHex, ascii } from "./support/hex";

describe("HKDF-SHA256 (RFC 5869 appendix A)", () => {
  const cases: [string, Uint8Array, Uint8Array, Uint8Array, number, string, string][] = [
    ["A.1 basic", fill(22, 0x0b), seq(0, 13), seq(0xf0, 10), 42,
      "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
      "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"],
    ["A.2 longer inputs and outputs", seq(0, 80), seq(0x60, 80), seq(0xb0, 80), 82,
      "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
      "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"],
    ["A.3 zero-length salt and info", fill(22, 0x0b), new Uint8Array(0), new Uint8Array(0), 42,
      "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
      "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"],
  ];
  for (const [name, ikm, salt, info, l, prk, okm] of cases) {
    it(name, () => {
      const p = hkdfSha256Extract(salt, ikm);
      expect(toHex(p)).toBe(prk);
      expect(toHex(hkdfSha256Expand(p, info, l))).toBe(okm);
    });
  }
});

describe("SP 800-108 counter mode, HMAC-SHA256 (NIST KBKDF vectors)", () => {
  it("COUNT 0: L = 128", () => expect(toHex(sp800108CounterHmacSha256(
    hex("dd1d91b7d90b2bd3138533ce92b272fbf8a369316aefe242e659cc0ae238afe0"),
    hex("01322b96b30acd197979444e468e1c5c6859bf1b1cf951b7e725303e237e46b864a145fab25e517b08f8683d0315bb2911d80a0e8aba17f3b413faac"), 128)))
    .toBe("10621342bfb0fd40046c0e29f2cfdbf0"));
  it("COUNT 10: L = 256", () => expect(toHex(sp800108CounterHmacSha256(
    hex("e204d6d466aad507ffaf6d6dab0a5b26152c9e21e764370464e360c8fbc765c6"),
    hex("7b03b98d9f94b899e591f3ef264b71b193fba7043c7e953cde23bc5384bc1a6293580115fae3495fd845dadbd02bd6455cf48d0f62b33e62364a3a80"), 256)))
    .toBe("770dfab6a6a4a4bee0257ff335213f78d8287b4fd537d5c1fffa956910e7c779"));
  it("the SMB form puts Label ‖ 0x00 ‖ Context ‖ [L]4 after the counter (MS-SMB2 3.1.4.2)", () => {
    const key = seq(1, 16), label = ascii("SMB2AESCCM\0"), context = ascii("ServerIn \0");
    const fixed = new Uint8Array([...label, 0, ...context, 0, 0, 0, 128]);
    expect(toHex(sp800108HmacSha256(key, label, context, 128))).toBe(toHex(sp800108CounterHmacSha256(key, fixed, 128)));
  });
});
