// AES (FIPS 197 appendix C), AES-CCM (NIST SP 800-38C appendix C examples 1–4, and 16-byte tags
// from NIST's CCM validation vectors), AES-GCM (McGrew & Viega, "The Galois/Counter Mode of
// Operation", test cases 1–4 for AES-128 and 13–16 for AES-256, as SP 800-38D's validation uses
// them). Each AEAD vector is also decrypted, and a flipped bit anywhere must give null.
import { describe, it, expect } from "vitest";
import { Aes, aesCcmDecrypt, aesCcmEncrypt, aesCcmKeystreamXor, aesGcmDecrypt, aesGcmEncrypt, aesGcmKeystreamXor } from "../src/core/crypto";
import { hex, seq, toHex } from "./support/hex";

describe("AES block cipher (FIPS 197 appendix C)", () => {
  const pt = hex("00112233445566778899aabbccddeeff");
  const cases: [string, Uint8Array, string][] = [
    ["C.1 AES-128", seq(0, 16), "69c4e0d86a7b0430d8cdb78070b4c55a"],
    ["C.2 AES-192", seq(0, 24), "dda97ca4864cdfe06eaf70a0ec0d7191"],
    ["C.3 AES-256", seq(0, 32), "8ea2b7ca516745bfeafc49904b496089"],
  ];
  for (const [name, key, want] of cases) {
    it(name, () => {
      const aes = new Aes(key);
      const ct = new Uint8Array(16), back = new Uint8Array(16);
      aes.encryptBlock(pt, 0, ct, 0);
      expect(toHex(ct)).toBe(want);
      aes.decryptBlock(ct, 0, back, 0);
      expect(toHex(back)).toBe(toHex(pt));
    });
  }
  it("works at offsets and in place, and refuses a key of the wrong size", () => {
    const aes = new Aes(seq(0, 16));
    const buf = new Uint8Array(40);
    buf.set(pt, 7);
    aes.encryptBlock(buf, 7, buf, 7);
    expect(toHex(buf.subarray(7, 23))).toBe("69c4e0d86a7b0430d8cdb78070b4c55a");
    aes.decryptBlock(buf, 7, buf, 20);
    expect(toHex(buf.subarray(20, 36))).toBe(toHex(pt));
    expect(() => new Aes(new Uint8Array(15))).toThrow(/key of 15 bytes/);
  });
});

/** Every single-bit flip of ciphertext, tag, nonce or AAD (sampled) makes decryption fail. */
function expectTamperRefused(dec: (n: Uint8Array, a: Uint8Array, c: Uint8Array, t: Uint8Array) => Uint8Array | null,
  nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array, tag: Uint8Array): void {
  const parts = [nonce, aad, ct, tag];
  parts.forEach((p, which) => {
    for (let i = 0; i < p.length; i += Math.max(1, Math.floor(p.length / 5))) {
      const copy = parts.map((x) => x.slice());
      copy[which][i] ^= 0x01;
      expect(dec(copy[0], copy[1], copy[2], copy[3]), `bit flipped in part ${which} byte ${i}`).toBeNull();
    }
  });
}

describe("AES-CCM (NIST SP 800-38C appendix C)", () => {
  const K = hex("404142434445464748494a4b4c4d4e4f");
  // [name, key, nonce, aad, plaintext, ciphertext ‖ tag, tag length]
  const cases: [string, Uint8Array, Uint8Array, Uint8Array, Uint8Array, string, number][] = [
    ["C.1 (7-byte nonce, 4-byte tag)", K, seq(0x10, 7), seq(0, 8), seq(0x20, 4), "7162015b4dac255d", 4],
    ["C.2 (8-byte nonce, 6-byte tag)", K, seq(0x10, 8), seq(0, 16), seq(0x20, 16), "d2a1f0e051ea5f62081a7792073d593d1fc64fbfaccd", 6],
    ["C.3 (12-byte nonce, 8-byte tag)", K, seq(0x10, 12), seq(0, 20), seq(0x20, 24), "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5484392fbc1b09951", 8],
    // C.4: 2^16 bytes of associated data (the 256 bytes 00..ff repeated), so the 0xFFFE length form.
    ["C.4 (13-byte nonce, 14-byte tag, 65536-byte AAD)", K, seq(0x10, 13), seq(0, 65536), seq(0x20, 32),
      "69915dad1e84c6376a68c2967e4dab615ae0fd1faec44cc484828529463ccf72b4ac6bec93e8598e7f0dadbcea5b", 14],
    // NIST CAVS 11.0 CCM validation vectors (ccmtestvectors.zip, DVPT256: AES-256, Tlen = 16).
    ["DVPT256 (7-byte nonce, 16-byte tag)", hex("f7079dfa3b5c7b056347d7e437bcded683abd6e2c9e069d333284082cbb5d453"), hex("a544218dadd3c1"), new Uint8Array(0),
      hex("d3d5424e20fbec43ae495353ed830271515ab104f8860c98"), "bc51c3925a960e7732533e4ef3a4f69ee6826de952bcb0fd374f3bb6db8377ebfc79674858c4f305", 16],
    ["DVPT256 (13-byte nonce, 16-byte tag)", hex("1b0e8df63c57f05d9ac457575ea764524b8610ae5164e6215f426f5a7ae6ede4"), hex("a544218dadd3c10583db49cf39"), new Uint8Array(0),
      hex("3c0e2815d37d844f7ac240ba9d6e3a0b2a86f706e885959e"), "f0050ad16392021a3f40207bed3521fb1e9f808f49830c423a578d179902f912f9ea1afbce1120b3", 16],
    ["DVPT256 (AAD only, 16-byte tag)", hex("a4bc10b1a62c96d459fbaf3a5aa3face7313bb9e1253e696f96a7a8e36801088"), hex("a544218dadd3c1"),
      hex("d3d5424e20fbec43ae495353ed830271515ab104f8860c988d15b6d36c038eab"), new Uint8Array(0), "93af11a08379eb37a16aa2837f09d69d", 16],
  ];
  for (const [name, key, nonce, aad, pt, want, t] of cases) {
    it(name, () => {
      const { ciphertext, tag } = aesCcmEncrypt(key, nonce, aad, pt, t);
      expect(toHex(ciphertext) + toHex(tag)).toBe(want);
      const w = hex(want), ct = w.subarray(0, w.length - t), tg = w.subarray(w.length - t);
      expect(toHex(aesCcmDecrypt(key, nonce, aad, ct, tg)!)).toBe(toHex(pt));
      expect(toHex(aesCcmKeystreamXor(key, nonce, ct, 5))).toBe(toHex(pt.subarray(0, 5)));
      if (aad.length < 1000) expectTamperRefused((n, a, c, g) => aesCcmDecrypt(key, n, a, c, g), nonce, aad, ct, tg);
    });
  }
  it("refuses nonce and tag sizes SP 800-38C does not allow", () => {
    expect(() => aesCcmEncrypt(K, seq(0, 6), new Uint8Array(0), seq(0, 4))).toThrow(/nonce of 6 bytes/);
    expect(() => aesCcmDecrypt(K, seq(0, 11), new Uint8Array(0), seq(0, 4), seq(0, 5))).toThrow(/tag of 5 bytes/);
  });
});

describe("AES-GCM (McGrew–Viega test cases 1–4, 13–16)", () => {
  const P = hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
  const K3 = hex("feffe9928665731c6d6a8f9467308308");
  const IV = hex("cafebabefacedbaddecaf888");
  const A = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const none = new Uint8Array(0);
  const cases: [string, Uint8Array, Uint8Array, Uint8Array, Uint8Array, string, string][] = [
    ["1", new Uint8Array(16), new Uint8Array(12), none, none, "", "58e2fccefa7e3061367f1d57a4e7455a"],
    ["2", new Uint8Array(16), new Uint8Array(12), none, new Uint8Array(16), "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf"],
    ["3", K3, IV, none, P,
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985", "4d5c2af327cd64a62cf35abd2ba6fab4"],
    ["4", K3, IV, A, P.subarray(0, 60),
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091", "5bc94fbc3221a5db94fae95ae7121a47"],
    ["13", new Uint8Array(32), new Uint8Array(12), none, none, "", "530f8afbc74536b9a963b4f1c4cb738b"],
    ["14", new Uint8Array(32), new Uint8Array(12), none, new Uint8Array(16), "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"],
    ["15", new Uint8Array([...K3, ...K3]), IV, none, P,
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad", "b094dac5d93471bdec1a502270e3cc6c"],
    ["16", new Uint8Array([...K3, ...K3]), IV, A, P.subarray(0, 60),
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662", "76fc6ece0f4e1768cddf8853bb2d551b"],
  ];
  for (const [name, key, iv, aad, pt, wantC, wantT] of cases) {
    it(`test case ${name}`, () => {
      const { ciphertext, tag } = aesGcmEncrypt(key, iv, aad, pt);
      expect(toHex(ciphertext)).toBe(wantC);
      expect(toHex(tag)).toBe(wantT);
      expect(toHex(aesGcmDecrypt(key, iv, aad, hex(wantC), hex(wantT))!)).toBe(toHex(pt));
      expect(toHex(aesGcmKeystreamXor(key, iv, hex(wantC), 20))).toBe(toHex(pt.subarray(0, 20)));
      expectTamperRefused((n, a, c, g) => aesGcmDecrypt(key, n, a, c, g), iv, aad, hex(wantC), hex(wantT));
    });
  }
});
