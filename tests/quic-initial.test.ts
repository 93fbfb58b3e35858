// The QUIC Initial reader (src/core/quic) on the published vectors: RFC 9001 A.1 keys, A.2's
// client Initial and A.3's server Initial as protected on the wire, RFC 9369 A.1's version 2 keys;
// and the test packet builder (tests/support/quic-build.ts) rebuilding A.3 byte for byte.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { hex, toHex } from "./support/hex";
import { initialKeys, parseLongHeader, decryptInitial, parseFrames, assembleCrypto, varint, QUIC_V1, QUIC_V2 } from "../src/core/quic/initial";
import { parseClientHello, parseServerHello, closeName } from "../src/core/quic/tls";
import { protectInitial } from "./support/quic-build";

const V = JSON.parse(readFileSync(new URL("./vectors/rfc9001-initial.json", import.meta.url), "utf8"));
const dcid = hex(V.dcid);

describe("RFC 9001 5.2 / RFC 9369 3.3.1 initial keys", () => {
  for (const [name, version] of [["v1", QUIC_V1], ["v2", QUIC_V2]] as const) {
    it(`${name}: client and server key, iv, hp from DCID ${V.dcid}`, () => {
      const k = initialKeys(version, dcid)!;
      for (const side of ["client", "server"] as const) {
        expect(toHex(k[side].key)).toBe(V[name][side].key);
        expect(toHex(k[side].iv)).toBe(V[name][side].iv);
        expect(toHex(k[side].hpKey)).toBe(V[name][side].hp);
      }
    });
  }
  it("an unknown version has no keys", () => expect(initialKeys(0xff00001d, dcid)).toBeNull());
});

describe("RFC 9001 A.2: the client Initial as published", () => {
  const pkt = hex(V.a2ClientInitial);
  it("header, decryption, CRYPTO frame, ClientHello SNI and ALPN", () => {
    const h = parseLongHeader(pkt, 0)!;
    expect(h.type).toBe("initial");
    expect(toHex(h.dcid)).toBe(V.dcid);
    expect(h.scid.length).toBe(0);
    expect(h.end).toBe(1200);
    const plain = decryptInitial(pkt, 0, h, initialKeys(QUIC_V1, dcid)!.client)!;
    expect(plain).not.toBeNull();
    expect(plain.length).toBe(1162);
    const f = parseFrames(plain);
    expect(f.crypto).toHaveLength(1);
    expect(f.crypto[0].offset).toBe(0);
    expect(f.crypto[0].data.length).toBe(241);
    const ch = parseClientHello(assembleCrypto(f.crypto))!;
    expect(ch.sni).toBe("example.com");
    expect(ch.alpn).toEqual(["alpn"]);
  });
  it("one flipped byte anywhere in the payload fails authentication (null, no throw)", () => {
    const h = parseLongHeader(pkt, 0)!;
    for (const at of [30, 600, 1199]) {
      const bad = pkt.slice(); bad[at] ^= 1;
      expect(decryptInitial(bad, 0, h, initialKeys(QUIC_V1, dcid)!.client)).toBeNull();
    }
  });
  it("the server's keys do not open the client's packet", () => {
    expect(decryptInitial(pkt, 0, parseLongHeader(pkt, 0)!, initialKeys(QUIC_V1, dcid)!.server)).toBeNull();
  });
});

describe("RFC 9001 A.3: the server Initial as published", () => {
  const pkt = hex(V.a3ServerInitial);
  it("decrypts to ACK + CRYPTO(ServerHello, TLS_AES_128_GCM_SHA256)", () => {
    const h = parseLongHeader(pkt, 0)!;
    expect(h.type).toBe("initial");
    expect(toHex(h.scid)).toBe("f067a5502a4262b5");
    const plain = decryptInitial(pkt, 0, h, initialKeys(QUIC_V1, dcid)!.server)!;
    expect(toHex(plain)).toBe(V.a3ServerPlainPayload);
    const f = parseFrames(plain);
    expect(f.ack).toBe(true);
    expect(parseServerHello(assembleCrypto(f.crypto))).toEqual({ cipherSuite: 0x1301 });
  });
  it("the test builder rebuilds it byte for byte (pn 1 in 2 bytes)", () => {
    const header = hex("c1000000010008f067a5502a4262b50040750001");
    const built = protectInitial(header, 2, 1, hex(V.a3ServerPlainPayload), initialKeys(QUIC_V1, dcid)!.server);
    expect(toHex(built)).toBe(V.a3ServerInitial);
  });
});

describe("frames and names", () => {
  it("CONNECTION_CLOSE 0x1c with a TLS alert and a reason", () => {
    const f = parseFrames(Uint8Array.from([0x1c, 0x41, 0x78, 0x06, 0x04, ...new TextEncoder().encode("nope"), 0, 0]));
    expect(f.close).toEqual({ frameType: 0x1c, errorCode: 0x178, reason: "nope" });
    expect(closeName(0x1c, 0x178)).toBe("crypto error: no_application_protocol (TLS alert 120)");
    expect(closeName(0x1c, 0x12e)).toBe("crypto error: certificate_unknown (TLS alert 46)");
    expect(closeName(0x1c, 0x2)).toBe("CONNECTION_REFUSED (0x2)");
  });
  it("varints of RFC 9000 A.1", () => {
    expect(varint(hex("c2197c5eff14e88c"), 0)!.v).toBe(151288809941952652);
    expect(varint(hex("9d7f3e7d"), 0)!.v).toBe(494878333);
    expect(varint(hex("7bbd"), 0)!.v).toBe(15293);
    expect(varint(hex("25"), 0)!.v).toBe(37);
    expect(varint(hex("7b"), 0)).toBeNull(); // cut
  });
  it("CRYPTO chunks out of order are joined; a hole stops the stream; a far offset is ignored", () => {
    const a = { offset: 3, data: hex("040506") }, b = { offset: 0, data: hex("010203") }, far = { offset: 2 ** 40, data: hex("ff") };
    expect(toHex(assembleCrypto([a, far, b]))).toBe("010203040506");
    expect(toHex(assembleCrypto([{ offset: 4, data: hex("05") }, b]))).toBe("010203");
  });
});
