// The Kerberos crypto a keytab decryption needs, on published vectors: n-fold (RFC 3961 A.1), AES
// CBC-CTS (RFC 3962 appendix B, "chicken teriyaki"), AES string-to-key (RFC 3962 appendix B: the
// final AES keys, which prove PBKDF2-HMAC-SHA1 and DK(·, "kerberos") together), and whole
// message parts for aes128/aes256-cts-hmac-sha1-96 and rc4-hmac against an independent
// implementation (impacket 0.10 `impacket.krb5.crypto`, Debian python3-impacket:
// `_enctype_table[e].encrypt(Key(e, key), usage, plaintext, confounder)`), plus a cross-check of
// CTS and PBKDF2 with node:crypto. A flipped bit or a wrong usage must fail the integrity check.
import { describe, it, expect } from "vitest";
import { createCipheriv, pbkdf2Sync, randomBytes } from "node:crypto";
import { nfold, aesStringToKey, deriveKeyAes } from "../src/core/crypto/krb5Keys";
import { aesCtsDecrypt, aesCtsEncrypt } from "../src/core/crypto/aesCts";
import { pbkdf2HmacSha1 } from "../src/core/crypto/pbkdf2";
import { krb5Decrypt, krb5Encrypt, KEY_USAGE } from "../src/core/crypto/krb5Crypto";
import { ascii, hex, seq, toHex } from "./support/hex";

describe("n-fold (RFC 3961 appendix A.1)", () => {
  const cases: [number, string, string][] = [
    [64, "012345", "be072631276b1955"],
    [56, "password", "78a07b6caf85fa"],
    [64, "Rough Consensus, and Running Code", "bb6ed30870b7f0e0"],
    [168, "password", "59e4a8ca7c0385c3c37b3f6d2000247cb6e6bd5b3e"],
    [192, "MASSACHVSETTS INSTITVTE OF TECHNOLOGY", "db3b0d8f0b061e603282b308a50841229ad798fab9540c1b"],
    [168, "Q", "518a54a215a8452a518a54a215a8452a518a54a215"],
    [168, "ba", "fb25d531ae8974499f52fd92ea9857c4ba24cf297e"],
    [64, "kerberos", "6b65726265726f73"],
    [128, "kerberos", "6b65726265726f737b9b5b2b93132b93"],
    [168, "kerberos", "8372c236344e5f1550cd0747e15d62ca7a5a3bcea4"],
    [256, "kerberos", "6b65726265726f737b9b5b2b93132b935c9bdcdad95c9899c4cae4dee6d6cae4"],
  ];
  for (const [bits, input, want] of cases) it(`${bits}-fold("${input}")`, () => expect(toHex(nfold(ascii(input), bits / 8))).toBe(want));
});

describe("AES CBC-CTS (RFC 3962 appendix B)", () => {
  const key = ascii("chicken teriyaki"), iv = new Uint8Array(16);
  const text = ascii("I would like the General Gau's Chicken, please, and wonton soup.");
  const cases: [number, string][] = [
    [17, "c6353568f2bf8cb4d8a580362da7ff7f97"],
    [31, "fc00783e0efdb2c1d445d4c8eff7ed2297687268d6ecccc0c07b25e25ecfe5"],
    [32, "39312523a78662d5be7fcbcc98ebf5a897687268d6ecccc0c07b25e25ecfe584"],
    [47, "97687268d6ecccc0c07b25e25ecfe584b3fffd940c16a18c1b5549d2f838029e39312523a78662d5be7fcbcc98ebf5"],
    [48, "97687268d6ecccc0c07b25e25ecfe5849dad8bbb96c4cdc03bc103e1a194bbd839312523a78662d5be7fcbcc98ebf5a8"],
    [64, "97687268d6ecccc0c07b25e25ecfe58439312523a78662d5be7fcbcc98ebf5a84807efe836ee89a526730dbc2f7bc8409dad8bbb96c4cdc03bc103e1a194bbd8"],
  ];
  for (const [n, want] of cases)
    it(`${n} bytes, both ways`, () => {
      expect(toHex(aesCtsEncrypt(key, iv, text.subarray(0, n)))).toBe(want);
      expect(toHex(aesCtsDecrypt(key, iv, hex(want))!)).toBe(toHex(text.subarray(0, n)));
    });
  it("one block is plain AES; less than one block is refused", () => {
    const c = aesCtsEncrypt(key, iv, text.subarray(0, 16));
    const e = createCipheriv("aes-128-ecb", key, null).setAutoPadding(false).update(text.subarray(0, 16));
    expect(toHex(c)).toBe(e.toString("hex"));
    expect(toHex(aesCtsDecrypt(key, iv, c)!)).toBe(toHex(text.subarray(0, 16)));
    expect(aesCtsDecrypt(key, iv, new Uint8Array(15))).toBeNull();
  });
  it("agrees with node:crypto's AES-CBC (last two blocks swapped, cut) for random keys and lengths", () => {
    for (const klen of [16, 32])
      for (let n = 16; n <= 80; n++) {
        const k = randomBytes(klen), p = randomBytes(n);
        const cbc = createCipheriv(`aes-${klen * 8}-cbc`, k, iv).setAutoPadding(false)
          .update(Buffer.concat([p, Buffer.alloc((16 - (n % 16)) % 16)]));
        const m = cbc.length / 16, last = n - (m - 1) * 16;
        const want = m === 1 ? cbc : Buffer.concat([cbc.subarray(0, (m - 2) * 16), cbc.subarray((m - 1) * 16), cbc.subarray((m - 2) * 16, (m - 2) * 16 + last)]);
        const got = aesCtsEncrypt(k, iv, p);
        expect(toHex(got)).toBe(want.toString("hex"));
        expect(toHex(aesCtsDecrypt(k, iv, got)!)).toBe(p.toString("hex"));
      }
  });
});

describe("AES string-to-key (RFC 3962 appendix B): PBKDF2-HMAC-SHA1 then DK(·, \"kerberos\")", () => {
  const cases: [string, Uint8Array, number, string, string][] = [
    ["password", ascii("ATHENA.MIT.EDUraeburn"), 1, "42263c6e89f4fc28b8df68ee09799f15", "fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161"],
    ["password", ascii("ATHENA.MIT.EDUraeburn"), 2, "c651bf29e2300ac27fa469d693bdda13", "a2e16d16b36069c135d5e9d2e25f896102685618b95914b467c67622225824ff"],
    ["password", ascii("ATHENA.MIT.EDUraeburn"), 1200, "4c01cd46d632d01e6dbe230a01ed642a", "55a6ac740ad17b4846941051e1e8b0a7548d93b0ab30a8bc3ff16280382b8c2a"],
    ["password", hex("1234567878563412"), 5, "e9b23d52273747dd5c35cb55be619d8e", "97a4e786be20d81a382d5ebc96d5909cabcdadc87ca48f574504159f16c36e31"],
    ["X".repeat(64), ascii("pass phrase equals block size"), 1200, "59d1bb789a828b1aa54ef9c2883f69ed", "89adee3608db8bc71f1bfbfe459486b05618b70cbae22092534e56c553ba4b34"],
    ["X".repeat(65), ascii("pass phrase exceeds block size"), 1200, "cb8005dc5f90179a7f02104c0018751d", "d78c5c9cb872a8c9dad4697f0bb5b2d21496c82beb2caeda2112fceea057401b"],
    ["\u{1D11E}", ascii("EXAMPLE.COMpianist"), 50, "f149c1f2e154a73452d43e7fe62a56e5", "4b6d9839f84406df1f09cc166db4b83c571848b784a3d6bdc346589a3e393f9e"],
  ];
  for (const [pw, salt, iter, k128, k256] of cases)
    it(`${iter} iterations, salt ${toHex(salt).slice(0, 16)}…`, () => {
      expect(toHex(aesStringToKey(ascii(pw), salt, 16, iter))).toBe(k128);
      expect(toHex(aesStringToKey(ascii(pw), salt, 32, iter))).toBe(k256);
    });
  it("PBKDF2 agrees with node:crypto", () => {
    for (const [len, iter] of [[16, 1], [32, 7], [45, 3]]) {
      const p = randomBytes(11), s = randomBytes(9);
      expect(toHex(pbkdf2HmacSha1(p, s, iter, len))).toBe(pbkdf2Sync(p, s, iter, len, "sha1").toString("hex"));
    }
  });
  it("DK makes as many bytes as asked, block after block", () => {
    const k = seq(1, 16);
    expect(toHex(deriveKeyAes(k, ascii("kerberos"), 32)).slice(0, 32)).toBe(toHex(deriveKeyAes(k, ascii("kerberos"), 16)));
  });
});

describe("message parts, aes128/aes256-cts-hmac-sha1-96 and rc4-hmac (vs impacket's implementation)", () => {
  const pt = ascii("smbscope krb5 decryption vector, etype ");
  const vectors: [number, number, string][] = [
    [17, 2, "4b4d265849209b8552bac0db4c5eff34b6ad1b9d66b7595fb11c9dca3af19a11938df339f2b0818ee903f59b5f9f3a62b03e131f7d7ecc7a40cde3bd17ac54576af8f31c36"],
    [17, 11, "92cc6b17366795bc132ab01c737adc67db34bd7dd671f52e993fc11c75953f2bb265c31143e14f43b1fb45fba3245dbf51bbfb29475ba01b143e03b0a93f8ee67cb97ba858"],
    [18, 2, "abf52c054119be634438017196d35c1c3ac3daa8235c7879bca3aa393f18b5fd743135ec11c0021f985e5595787934c5cc5eb4dc5808b934b1a2589621371630151ea5b2d8"],
    [18, 11, "34115b28188e03de8b7ead1c7a38338aa205cfe9a0dbdb2156f3dc1143fb26f18d1fd4754440cac82c6424df7b84b3cff41f86d39e5a84f4969ddfcb306ba167c528d8958b"],
    [23, 2, "5d74aeb67acab3a8e72133d643a0c0ec02ee4297ccfd71d00848a502b95c1d5b31eccc559233e37c35b71d18e6fc7d253abe5ddd6f07011b26f5054600358292d2"],
    [23, 11, "96196bd35aa0c11b64e39f1462f00ffb5318138b91f2fcf895fe8e6ff3942af1b96821094dbc97eb23ea9082404cac40600cfbb1fd696fc755640a543f2b4bcdcd"],
  ];
  for (const [etype, usage, ct] of vectors) {
    const key = seq(1, etype === 18 ? 32 : 16), conf = seq(0xa0, etype === 23 ? 8 : 16);
    const plain = new Uint8Array([...pt, ...ascii(String(etype))]);
    it(`etype ${etype}, usage ${usage}`, () => {
      expect(toHex(krb5Encrypt(etype, key, usage, plain, conf))).toBe(ct);
      const r = krb5Decrypt(etype, key, usage, hex(ct));
      expect(r.kind).toBe("ok");
      if (r.kind === "ok") expect(toHex(r.plain)).toBe(toHex(plain));
      // another usage's keys, a flipped bit anywhere, a cut message, another key: integrity fails
      expect(krb5Decrypt(etype, key, usage === 2 ? 11 : 2, hex(ct)).kind).toBe("integrity");
      for (const at of [0, 17, hex(ct).length - 1]) {
        const bad = hex(ct); bad[at] ^= 0x04;
        expect(krb5Decrypt(etype, key, usage, bad).kind).toBe("integrity");
      }
      expect(krb5Decrypt(etype, key, usage, hex(ct).subarray(0, 20)).kind).toBe("integrity");
      const other = key.slice(); other[0] ^= 1;
      expect(krb5Decrypt(etype, other, usage, hex(ct)).kind).toBe("integrity");
    });
  }
  it("unknown enctypes and keys of the wrong length are unsupported, never thrown", () => {
    expect(krb5Decrypt(20, seq(0, 32), KEY_USAGE.TICKET, new Uint8Array(64))).toMatchObject({ kind: "unsupported", why: expect.stringContaining("enctype 20") });
    expect(krb5Decrypt(18, seq(0, 16), KEY_USAGE.TICKET, new Uint8Array(64))).toMatchObject({ kind: "unsupported", why: expect.stringContaining("16 bytes") });
    expect(krb5Decrypt(18, seq(0, 32), KEY_USAGE.TICKET, new Uint8Array(0)).kind).toBe("integrity");
  });
});
