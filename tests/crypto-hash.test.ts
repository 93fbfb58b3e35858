// MD4, MD5, SHA-1, SHA-256, SHA-512 against the vectors their standards publish: RFC 1320 A.5
// (MD4 test suite), RFC 1321 A.5 (MD5 test suite), and the FIPS 180 examples (NIST's "Examples
// with intermediate values": "abc", the two-block messages, one million 'a').
import { describe, it, expect } from "vitest";
import { md4, md5, sha1, sha256, sha512 } from "../src/core/crypto";
import { ascii, toHex } from "./support/hex";

const SUITE = [
  "", "a", "abc", "message digest", "abcdefghijklmnopqrstuvwxyz",
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
  "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
];

describe("MD4 (RFC 1320 A.5)", () => {
  const want = [
    "31d6cfe0d16ae931b73c59d7e0c089c0", "bde52cb31de33e46245e05fbdbd6fb24", "a448017aaf21d8525fc10ae87aa6729d",
    "d9130a8164549fe818874806e1c7014b", "d79e1c308aa5bbcdeea8ed63df412da9", "043f8582f241db351ce627e153e7f0e4",
    "e33b4ddc9c38f2199c3e7b164fcc0536",
  ];
  SUITE.forEach((m, i) => it(`MD4 ("${m}")`, () => expect(toHex(md4(ascii(m)))).toBe(want[i])));
});

describe("MD5 (RFC 1321 A.5)", () => {
  const want = [
    "d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661", "900150983cd24fb0d6963f7d28e17f72",
    "f96b697d7cb7938d525a2f31aaf161d0", "c3fcd3d76192e4007dfb496cca67e13b", "d174ab98d277d9f5a5611c2c9f419d9f",
    "57edf4a22be3c955ac49da2e2107b67a",
  ];
  SUITE.forEach((m, i) => it(`MD5 ("${m}")`, () => expect(toHex(md5(ascii(m)))).toBe(want[i])));
});

const ABC = ascii("abc");
const TWO_BLOCK_448 = ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
const TWO_BLOCK_896 = ascii("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu");
const MILLION_A = new Uint8Array(1_000_000).fill(0x61);

describe("SHA-1 (FIPS 180 examples)", () => {
  it("abc", () => expect(toHex(sha1(ABC))).toBe("a9993e364706816aba3e25717850c26c9cd0d89d"));
  it("448-bit message", () => expect(toHex(sha1(TWO_BLOCK_448))).toBe("84983e441c3bd26ebaae4aa1f95129e5e54670f1"));
  it("one million 'a'", () => expect(toHex(sha1(MILLION_A))).toBe("34aa973cd4c4daa4f61eeb2bdbad27316534016f"));
  it("empty", () => expect(toHex(sha1(new Uint8Array(0)))).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
});

describe("SHA-256 (FIPS 180 examples)", () => {
  it("abc", () => expect(toHex(sha256(ABC))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  it("448-bit message", () => expect(toHex(sha256(TWO_BLOCK_448))).toBe("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
  it("one million 'a'", () => expect(toHex(sha256(MILLION_A))).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
  it("empty", () => expect(toHex(sha256(new Uint8Array(0)))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
});

describe("SHA-512 (FIPS 180 examples)", () => {
  it("abc", () => expect(toHex(sha512(ABC))).toBe(
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"));
  it("896-bit message", () => expect(toHex(sha512(TWO_BLOCK_896))).toBe(
    "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"));
  it("one million 'a'", () => expect(toHex(sha512(MILLION_A))).toBe(
    "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"));
  it("empty", () => expect(toHex(sha512(new Uint8Array(0)))).toBe(
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"));
});
