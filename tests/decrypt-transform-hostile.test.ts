// A TRANSFORM message is bytes from a capture: every lie in its header gives null (or an empty
// peek), never a throw or a read past the message. Crafted here (no real stack sends these): a
// real message from Microsoft's "SMB 3.1.1 Encryption in Windows 10" A.1 (AES-128-GCM) and an
// AES-128-CCM one made with our encryptor, then cut, extended and rewritten.
import { describe, it, expect } from "vitest";
import { aesCcmEncrypt, aesGcmEncrypt } from "../src/core/crypto";
import { CIPHER } from "../src/core/decrypt/smb3keys";
import { decryptTransform, peekTransform, TRANSFORM_HEADER_SIZE } from "../src/core/decrypt/transform";
import { hex, seq } from "./support/hex";

const GCM_KEY = hex("748C50868C90F302962A5C35F5F9A8BF");
const GCM_MSG = hex(`
  FD534D42ACBE1CB7ED343ADF1725EF144D90D4B0E06831DD2E8EB7B4000000000000000050000000
  00000100250000000010000026BBBF949983A6C1C796559D0F2C510CB651D1F7B6AC8DED32A2A0B8
  F2D793A815C6F6B848D69767A215841A42D400AE6DDB5F0B44173A014973321FDD7950DA6179159B
  82E03C9E18A050FF0EA1C967`);

/** A TRANSFORM message around `plain`, as an SMB 3.x sender builds it (MS-SMB2 3.1.4.3). */
function craft(plain: Uint8Array, key: Uint8Array, cipher: number): Uint8Array {
  const m = new Uint8Array(TRANSFORM_HEADER_SIZE + plain.length);
  const dv = new DataView(m.buffer);
  dv.setUint32(0, 0x424d53fd, true);
  m.set(seq(0x40, cipher === CIPHER.AES128GCM || cipher === CIPHER.AES256GCM ? 12 : 11), 20);
  dv.setUint32(36, plain.length, true);
  dv.setUint16(42, 1, true);
  dv.setBigUint64(44, 0x1122334455667788n, true);
  const gcm = cipher === CIPHER.AES128GCM || cipher === CIPHER.AES256GCM;
  const nonce = m.subarray(20, gcm ? 32 : 31), aad = m.subarray(20, 52);
  const { ciphertext, tag } = gcm ? aesGcmEncrypt(key, nonce, aad, plain) : aesCcmEncrypt(key, nonce, aad, plain, 16);
  m.set(tag, 4);
  m.set(ciphertext, 52);
  return m;
}

const CASES: [string, Uint8Array, Uint8Array, number][] = [
  ["AES-128-GCM (published)", GCM_MSG, GCM_KEY, CIPHER.AES128GCM],
  ["AES-128-CCM (crafted)", craft(seq(0, 200), seq(1, 16), CIPHER.AES128CCM), seq(1, 16), CIPHER.AES128CCM],
  ["AES-256-CCM (crafted)", craft(seq(3, 77), seq(2, 32), CIPHER.AES256CCM), seq(2, 32), CIPHER.AES256CCM],
  ["AES-256-GCM (crafted)", craft(seq(5, 64), seq(4, 32), CIPHER.AES256GCM), seq(4, 32), CIPHER.AES256GCM],
];

const setSize = (m: Uint8Array, size: number) => { const c = m.slice(); new DataView(c.buffer).setUint32(36, size >>> 0, true); return c; };

describe("decryptTransform / peekTransform on lies", () => {
  for (const [name, msg, key, cipher] of CASES) {
    describe(name, () => {
      const size = msg.length - TRANSFORM_HEADER_SIZE;
      it("the honest message decrypts", () => {
        expect(decryptTransform(msg, key, cipher)?.length).toBe(size);
      });
      it("OriginalMessageSize larger than the bytes, smaller, zero, 2^32-1: null, and the peek stays inside", () => {
        for (const lie of [size + 1, size + 1000, 0xffffffff, size - 1, 1, 0]) {
          const m = setSize(msg, lie);
          expect(decryptTransform(m, key, cipher), `size ${lie}`).toBeNull();
          expect(peekTransform(m, key, cipher, 1 << 20).length, `peek, size ${lie}`).toBe(Math.min(lie >>> 0, size));
        }
      });
      it("cut anywhere: null, never a throw", () => {
        for (let n = 0; n < msg.length; n += n < 60 ? 1 : 17) {
          const cut = msg.subarray(0, n);
          expect(decryptTransform(cut, key, cipher), `cut at ${n}`).toBeNull();
          expect(peekTransform(cut, key, cipher, 64).length).toBe(Math.min(64, Math.max(0, n - TRANSFORM_HEADER_SIZE)));
        }
      });
      it("a flipped byte in the header (signature, nonce, size, flags, session id) or the body: null", () => {
        for (let i = 0; i < msg.length; i++) {
          const m = msg.slice();
          m[i] ^= 0x04;
          expect(decryptTransform(m, key, cipher), `byte ${i}`).toBeNull();
        }
      });
      it("not a TRANSFORM message, an unknown cipher, a key of the wrong size: null and an empty peek", () => {
        const smb2 = msg.slice(); smb2[0] = 0xfe;
        const wrongKey = key.length === 16 ? new Uint8Array(32) : new Uint8Array(16);
        for (const [m, k, c] of [[smb2, key, cipher], [msg, key, 0], [msg, key, 5], [msg, wrongKey, cipher], [msg, new Uint8Array(0), cipher]] as const) {
          expect(decryptTransform(m, k, c)).toBeNull();
          expect(peekTransform(m, k, c, 64).length).toBe(0);
        }
        expect(peekTransform(msg, key, cipher, -5).length).toBe(0);
        expect(peekTransform(msg, key, cipher, Number.NaN).length).toBe(0);
      });
    });
  }
});
