// HMAC-MD5 and HMAC-SHA1 against RFC 2202 section 2 and 3 (test cases 1–7 each), HMAC-SHA256
// against RFC 4231 section 4 (test cases 1–7; case 5 compares the first 128 bits, as the RFC does).
import { describe, it, expect } from "vitest";
import { hmacMd5, hmacSha1, hmacSha256 } from "../src/core/crypto";
import { ascii, fill, seq, toHex } from "./support/hex";

const LARGER_KEY = "Test Using Larger Than Block-Size Key - Hash Key First";
const LARGER_BOTH = "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data";

describe("HMAC-MD5 (RFC 2202 section 2)", () => {
  const cases: [Uint8Array, Uint8Array, string][] = [
    [fill(16, 0x0b), ascii("Hi There"), "9294727a3638bb1c13f48ef8158bfc9d"],
    [ascii("Jefe"), ascii("what do ya want for nothing?"), "750c783e6ab0b503eaa86e310a5db738"],
    [fill(16, 0xaa), fill(50, 0xdd), "56be34521d144c88dbb8c733f0e8b3f6"],
    [seq(1, 25), fill(50, 0xcd), "697eaf0aca3a3aea3a75164746ffaa79"],
    [fill(16, 0x0c), ascii("Test With Truncation"), "56461ef2342edc00f9bab995690efd4c"],
    [fill(80, 0xaa), ascii(LARGER_KEY), "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"],
    [fill(80, 0xaa), ascii(LARGER_BOTH), "6f630fad67cda0ee1fb1f562db3aa53e"],
  ];
  cases.forEach(([k, d, want], i) => it(`test case ${i + 1}`, () => expect(toHex(hmacMd5(k, d))).toBe(want)));
});

describe("HMAC-SHA1 (RFC 2202 section 3)", () => {
  const cases: [Uint8Array, Uint8Array, string][] = [
    [fill(20, 0x0b), ascii("Hi There"), "b617318655057264e28bc0b6fb378c8ef146be00"],
    [ascii("Jefe"), ascii("what do ya want for nothing?"), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"],
    [fill(20, 0xaa), fill(50, 0xdd), "125d7342b9ac11cd91a39af48aa17b4f63f175d3"],
    [seq(1, 25), fill(50, 0xcd), "4c9007f4026250c6bc8414f9bf50c86c2d7235da"],
    [fill(20, 0x0c), ascii("Test With Truncation"), "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"],
    [fill(80, 0xaa), ascii(LARGER_KEY), "aa4ae5e15272d00e95705637ce8a3b55ed402112"],
    [fill(80, 0xaa), ascii(LARGER_BOTH), "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"],
  ];
  cases.forEach(([k, d, want], i) => it(`test case ${i + 1}`, () => expect(toHex(hmacSha1(k, d))).toBe(want)));
});

describe("HMAC-SHA256 (RFC 4231 section 4)", () => {
  const cases: [Uint8Array, Uint8Array, string][] = [
    [fill(20, 0x0b), ascii("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"],
    [ascii("Jefe"), ascii("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"],
    [fill(20, 0xaa), fill(50, 0xdd), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"],
    [seq(1, 25), fill(50, 0xcd), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"],
    [fill(20, 0x0c), ascii("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b"],
    [fill(131, 0xaa), ascii(LARGER_KEY), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"],
    [fill(131, 0xaa), ascii("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."),
      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"],
  ];
  cases.forEach(([k, d, want], i) => it(`test case ${i + 1}`, () =>
    expect(toHex(hmacSha256(k, d)).slice(0, want.length)).toBe(want)));
});
