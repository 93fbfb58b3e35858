// Randomised cross-check of every primitive against node:crypto (OpenSSL), over many lengths: 0,
// around the 16/55/56/64/112/128-byte block and padding edges, and random ones up to 3000 bytes.
// node:crypto is used here only; the code under test imports nothing from Node. The generator is
// seeded, so a failure prints a case that can be replayed.
import { describe, it, expect } from "vitest";
import * as nc from "node:crypto";
import {
  md4, md5, sha1, sha256, sha512, hmacMd5, hmacSha1, hmacSha256, rc4, Aes,
  aesCcmDecrypt, aesCcmEncrypt, aesCcmKeystreamXor, aesGcmDecrypt, aesGcmEncrypt, aesGcmKeystreamXor,
  hkdfSha256Expand, hkdfSha256Extract, HmacSha256, HkdfSha256,
} from "../src/core/crypto";
import { toHex } from "./support/hex";

const SEED = 0x5eed18;
function rng(seed: number) { // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(SEED);
const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
const EDGES = [0, 1, 3, 15, 16, 17, 31, 32, 33, 55, 56, 57, 63, 64, 65, 111, 112, 113, 127, 128, 129, 255, 256, 1000];
const LENGTHS = [...EDGES, ...Array.from({ length: 40 }, () => Math.floor(rand() * 3000))];
const nodeHash = (alg: string, d: Uint8Array) => toHex(nc.createHash(alg).update(d).digest());
const nodeHmac = (alg: string, k: Uint8Array, d: Uint8Array) => toHex(nc.createHmac(alg, k).update(d).digest());

function nodeHas(fn: () => unknown): boolean {
  try { fn(); return true; } catch { return false; }
}
const haveMd4 = nodeHas(() => nc.createHash("md4").update("x").digest());
const haveRc4 = nodeHas(() => nc.createCipheriv("rc4", Buffer.alloc(16), null));
if (!haveMd4) console.log("node:crypto cross-check of MD4 skipped: this OpenSSL has no md4 (OpenSSL 3 moved it to the legacy provider); RFC 1320's vectors still run");
if (!haveRc4) console.log("node:crypto cross-check of RC4 skipped: this OpenSSL has no rc4 (OpenSSL 3 moved it to the legacy provider); RFC 6229's vectors still run");

describe(`crypto vs node:crypto (seed ${SEED.toString(16)}, ${LENGTHS.length} lengths)`, () => {
  it("md5, sha1, sha256, sha512" + (haveMd4 ? ", md4" : ""), () => {
    for (const n of LENGTHS) {
      const d = bytes(n);
      expect(toHex(md5(d)), `md5 ${n}`).toBe(nodeHash("md5", d));
      expect(toHex(sha1(d)), `sha1 ${n}`).toBe(nodeHash("sha1", d));
      expect(toHex(sha256(d)), `sha256 ${n}`).toBe(nodeHash("sha256", d));
      expect(toHex(sha512(d)), `sha512 ${n}`).toBe(nodeHash("sha512", d));
      if (haveMd4) expect(toHex(md4(d)), `md4 ${n}`).toBe(nodeHash("md4", d));
    }
  });

  it("hmac-md5, hmac-sha1, hmac-sha256 (keys of 0 to 200 bytes)", () => {
    for (const n of LENGTHS) {
      const d = bytes(n), k = bytes(Math.floor(rand() * 200));
      expect(toHex(hmacMd5(k, d)), `hmac-md5 ${k.length}/${n}`).toBe(nodeHmac("md5", k, d));
      expect(toHex(hmacSha1(k, d)), `hmac-sha1 ${k.length}/${n}`).toBe(nodeHmac("sha1", k, d));
      expect(toHex(hmacSha256(k, d)), `hmac-sha256 ${k.length}/${n}`).toBe(nodeHmac("sha256", k, d));
    }
  });

  it.skipIf(!haveRc4)("rc4", () => {
    for (const n of LENGTHS) {
      const d = bytes(n), k = bytes(1 + Math.floor(rand() * 255));
      const c = nc.createCipheriv("rc4", k, null);
      expect(toHex(rc4(k, d))).toBe(toHex(Buffer.concat([c.update(d), c.final()])));
    }
  });

  it("hkdf-sha256", () => {
    for (const n of [0, 1, 32, 33, 64, 100, 255, 1000]) {
      const ikm = bytes(1 + Math.floor(rand() * 80)), salt = bytes(Math.floor(rand() * 80)), info = bytes(Math.floor(rand() * 80));
      expect(toHex(hkdfSha256Expand(hkdfSha256Extract(salt, ikm), info, n)), `hkdf ${n}`)
        .toBe(toHex(new Uint8Array(nc.hkdfSync("sha256", ikm, salt, info, n))));
    }
  });

  for (const bits of [128, 256] as const) {
    it(`aes-${bits} block (ecb, both directions)`, () => {
      for (let i = 0; i < 50; i++) {
        const key = bytes(bits / 8), block = bytes(16);
        const e = nc.createCipheriv(`aes-${bits}-ecb`, key, null).setAutoPadding(false);
        const want = e.update(block);
        const aes = new Aes(key), got = new Uint8Array(16), back = new Uint8Array(16);
        aes.encryptBlock(block, 0, got, 0);
        expect(toHex(got)).toBe(toHex(want));
        aes.decryptBlock(got, 0, back, 0);
        expect(toHex(back)).toBe(toHex(block));
      }
    });

    it(`aes-${bits}-gcm (12-byte nonce, 16-byte tag)`, () => {
      for (const n of LENGTHS) {
        const key = bytes(bits / 8), iv = bytes(12), aad = bytes(Math.floor(rand() * 100)), pt = bytes(n);
        const c = nc.createCipheriv(`aes-${bits}-gcm`, key, iv);
        c.setAAD(aad);
        const ct = Buffer.concat([c.update(pt), c.final()]), tag = c.getAuthTag();
        const mine = aesGcmEncrypt(key, iv, aad, pt);
        expect(toHex(mine.ciphertext), `gcm ct ${n}`).toBe(toHex(ct));
        expect(toHex(mine.tag), `gcm tag ${n}`).toBe(toHex(tag));
        expect(toHex(aesGcmDecrypt(key, iv, aad, ct, tag)!)).toBe(toHex(pt));
        expect(toHex(aesGcmKeystreamXor(key, iv, ct, 64))).toBe(toHex(pt.subarray(0, 64)));
        if (n > 0) { const bad = Uint8Array.from(ct); bad[n - 1] ^= 0x80; expect(aesGcmDecrypt(key, iv, aad, bad, tag)).toBeNull(); }
      }
    });

    it(`aes-${bits}-ccm (11-byte nonce as SMB uses it, authTagLength 16)`, () => {
      for (const n of LENGTHS) {
        const key = bytes(bits / 8), nonce = bytes(11), aad = bytes(Math.floor(rand() * 100)), pt = bytes(n);
        const c = nc.createCipheriv(`aes-${bits}-ccm`, key, nonce, { authTagLength: 16 });
        c.setAAD(aad, { plaintextLength: n });
        const ct = Buffer.concat([c.update(pt), c.final()]), tag = c.getAuthTag();
        const mine = aesCcmEncrypt(key, nonce, aad, pt, 16);
        expect(toHex(mine.ciphertext), `ccm ct ${n}`).toBe(toHex(ct));
        expect(toHex(mine.tag), `ccm tag ${n}`).toBe(toHex(tag));
        expect(toHex(aesCcmDecrypt(key, nonce, aad, ct, tag)!)).toBe(toHex(pt));
        expect(toHex(aesCcmKeystreamXor(key, nonce, ct, 64))).toBe(toHex(pt.subarray(0, 64)));
        const badTag = Uint8Array.from(tag); badTag[15] ^= 1;
        expect(aesCcmDecrypt(key, nonce, aad, ct, badTag)).toBeNull();
      }
    });
  }

  // The keyed forms keep state from one message to the next (HMAC's hashed pads, the HKDF input
  // buffer, an Aes's GHASH table and its encryptWords output): each message under a kept key must
  // give what node gives for it alone, whatever came before under that key or another.
  it("one key kept for many messages: HmacSha256, HkdfSha256, an Aes across GCM messages and keys", () => {
    const keys = [bytes(0), bytes(32), bytes(64), bytes(65), bytes(150)];
    const macs = keys.map((k) => new HmacSha256(k));
    for (const n of LENGTHS) {
      const d = bytes(n), i = Math.floor(rand() * keys.length);
      expect(toHex(macs[i].mac(d)), `hmac-sha256 kept ${keys[i].length}/${n}`).toBe(nodeHmac("sha256", keys[i], d));
    }
    const ikm = bytes(20), salt = bytes(20), prk = hkdfSha256Extract(salt, ikm), hkdf = new HkdfSha256(prk);
    for (const n of [1, 12, 16, 32, 33, 100, 12, 64]) {
      const info = bytes(Math.floor(rand() * 80)); // longer and shorter than the last
      expect(toHex(hkdf.expand(info, n)), `hkdf kept ${n}`).toBe(toHex(new Uint8Array(nc.hkdfSync("sha256", ikm, salt, info, n))));
    }
    for (const bits of [128, 256] as const) {
      const ks = [bytes(bits / 8), bytes(bits / 8)], aes = ks.map((k) => new Aes(k));
      for (const n of LENGTHS.slice(0, 30)) {
        // (some nonces of other lengths than 12: J0 is then their GHASH under the kept table)
        const j = Math.floor(rand() * 2), iv = bytes(n % 5 === 0 ? [1, 8, 60][n % 3] : 12), aad = bytes(Math.floor(rand() * 60)), pt = bytes(n);
        const c = nc.createCipheriv(`aes-${bits}-gcm`, ks[j], iv);
        c.setAAD(aad);
        const ct = Buffer.concat([c.update(pt), c.final()]), tag = c.getAuthTag();
        const mine = aesGcmEncrypt(aes[j], iv, aad, pt);
        expect(toHex(mine.ciphertext) + toHex(mine.tag), `gcm kept ${bits}/${n}`).toBe(toHex(ct) + toHex(tag));
        expect(toHex(aesGcmDecrypt(aes[j], iv, aad, ct, tag)!)).toBe(toHex(pt));
        expect(aesGcmDecrypt(aes[1 - j], iv, aad, ct, tag), "the other key does not open it").toBeNull();
      }
    }
  });
});
