// Crafted (labelled so): AP-REQ / AP-REP messages built here with keys we choose, for what the
// real capture (an aes256 ticket, both subkeys, SPNEGO) does not exercise: rc4-hmac and aes128
// tickets and session keys, no subkey at all, a client subkey only, a bare GSS token and the
// Microsoft KRB5 OID, a KRB-ERROR answer, enctypes we do not decrypt, user-to-user, and the
// choice between several keytab entries. The structures follow RFC 4120 5.3, 5.5.1, 5.5.2, 5.9.1,
// RFC 4121 4.1 and RFC 4178 4.2; the encryption is krb5Encrypt, itself proven on published and
// impacket-made vectors (tests/crypto-krb5.test.ts).
import { describe, it, expect } from "vitest";
import { kerberosSessionKey, type KeytabEntry } from "../src/core/decrypt/kerberos";
import { OID } from "../src/core/decrypt/krb5Messages";
import { krb5Encrypt, KEY_USAGE } from "../src/core/crypto/krb5Crypto";
import { app, bits, cat, ctx, gstr, gtime, int, octets, oid, seq } from "./support/der-writer";
import { seq as bytes, toHex } from "./support/hex";

const REALM = "EXAMPLE.TEST", SPN = ["cifs", "files.example.test"];
const principal = `${SPN.join("/")}@${REALM}`;
const name = (type: number, parts: string[]) => seq(ctx(0, int(type)), ctx(1, seq(...parts.map(gstr))));
const encKey = (type: number, key: Uint8Array) => seq(ctx(0, int(type)), ctx(1, octets(key)));
const encData = (etype: number, kvno: number | null, cipher: Uint8Array) => seq(ctx(0, int(etype)), ...(kvno === null ? [] : [ctx(1, int(kvno))]), ctx(2, octets(cipher)));
const conf = (n: number) => bytes(0x40, n);

interface Craft {
  serviceEtype: number; serviceKey: Uint8Array; kvno: number | null;
  sessionEtype: number; sessionKey: Uint8Array;
  clientSubkey?: [number, Uint8Array]; acceptorSubkey?: [number, Uint8Array];
  wrap?: "spnego" | "gss" | "gss-ms" | "raw";
}

function craft(c: Craft): { request: Uint8Array; response: Uint8Array } {
  const encTicketPart = app(3, seq(ctx(0, bits(new Uint8Array(4))), ctx(1, encKey(c.sessionEtype, c.sessionKey)), ctx(2, gstr(REALM)),
    ctx(3, name(1, ["alice"])), ctx(4, seq(ctx(0, int(0)), ctx(1, octets(new Uint8Array(0))))), ctx(5, gtime("20261202120000Z")), ctx(7, gtime("20261202220000Z"))));
  const ticket = app(1, seq(ctx(0, int(5)), ctx(1, gstr(REALM)), ctx(2, name(2, SPN)),
    ctx(3, encData(c.serviceEtype, c.kvno, krb5Encrypt(c.serviceEtype, c.serviceKey, KEY_USAGE.TICKET, encTicketPart, conf(16))))));
  const authenticator = app(2, seq(ctx(0, int(5)), ctx(1, gstr(REALM)), ctx(2, name(1, ["alice"])), ctx(4, int(1234)), ctx(5, gtime("20261202120001Z")),
    ...(c.clientSubkey ? [ctx(6, encKey(...c.clientSubkey))] : []), ctx(7, int(99))));
  const apReq = app(14, seq(ctx(0, int(5)), ctx(1, int(14)), ctx(2, bits(new Uint8Array([0x20, 0, 0, 0]))), ctx(3, ticket),
    ctx(4, encData(c.sessionEtype, null, krb5Encrypt(c.sessionEtype, c.sessionKey, KEY_USAGE.AP_REQ_AUTHENTICATOR, authenticator, conf(16))))));
  const encApRep = app(27, seq(ctx(0, gtime("20261202120001Z")), ctx(1, int(1234)), ...(c.acceptorSubkey ? [ctx(2, encKey(...c.acceptorSubkey))] : []), ctx(3, int(7))));
  const apRep = app(15, seq(ctx(0, int(5)), ctx(1, int(15)), ctx(2, encData(c.sessionEtype, null, krb5Encrypt(c.sessionEtype, c.sessionKey, KEY_USAGE.AP_REP_ENC_PART, encApRep, conf(16))))));
  const wrap = c.wrap ?? "spnego";
  const gss = (m: Uint8Array, tok: number, mech: string = OID.KRB5) => app(0, cat(oid(mech), new Uint8Array([tok, 0]), m));
  if (wrap === "raw") return { request: apReq, response: apRep };
  if (wrap === "gss" || wrap === "gss-ms") { const mech = wrap === "gss" ? OID.KRB5 : OID.MS_KRB5; return { request: gss(apReq, 1, mech), response: gss(apRep, 2, mech) }; }
  return {
    request: app(0, cat(oid(OID.SPNEGO), ctx(0, seq(ctx(0, seq(oid(OID.MS_KRB5), oid(OID.KRB5))), ctx(2, octets(gss(apReq, 1))))))),
    response: ctx(1, seq(ctx(0, tlv10(0)), ctx(1, oid(OID.KRB5)), ctx(2, octets(gss(apRep, 2))))),
  };
}
const tlv10 = (v: number) => new Uint8Array([0x0a, 1, v]); // ENUMERATED negState

const entry = (etype: number, key: Uint8Array, kvno = 3, p = principal): KeytabEntry => ({ principal: p, components: p.split("@")[0].split("/"), realm: REALM, nameType: 2, timestamp: 0, kvno, etype, key });
const rc4Key = bytes(0x10, 16), aes128Key = bytes(0x20, 16), aes256Key = bytes(0x30, 32);

describe("crafted AP exchanges", () => {
  it("rc4-hmac ticket and session key, no subkeys: the ticket's session key (16 bytes)", () => {
    const sk = bytes(0x77, 16);
    const m = craft({ serviceEtype: 23, serviceKey: rc4Key, kvno: 3, sessionEtype: 23, sessionKey: sk });
    const r = kerberosSessionKey([entry(23, rc4Key)], m.request, m.response);
    expect(r).toMatchObject({ kind: "key", from: "ticket-session-key", etype: 23, principal, client: `alice@${REALM}` });
    if (r.kind === "key") expect(toHex(r.sessionKey)).toBe(toHex(sk));
  });
  it("aes128 ticket, aes256 session key, a client subkey and an AP-REP without one: the client's subkey", () => {
    const sub = bytes(0x99, 32);
    const m = craft({ serviceEtype: 17, serviceKey: aes128Key, kvno: 3, sessionEtype: 18, sessionKey: bytes(0x55, 32), clientSubkey: [18, sub] });
    const r = kerberosSessionKey([entry(23, rc4Key), entry(18, aes256Key), entry(17, aes128Key)], m.request, m.response);
    expect(r).toMatchObject({ kind: "key", from: "authenticator-subkey", etype: 18 });
    if (r.kind === "key") expect(toHex(r.sessionKey)).toBe(toHex(sub));
  });
  for (const wrap of ["gss", "gss-ms", "raw"] as const)
    it(`a ${wrap === "raw" ? "bare Kerberos message" : wrap === "gss" ? "GSS token without SPNEGO" : "GSS token with Microsoft's KRB5 OID"}: the acceptor's subkey`, () => {
      const acc = bytes(0xa5, 16);
      const m = craft({ serviceEtype: 23, serviceKey: rc4Key, kvno: 3, sessionEtype: 23, sessionKey: bytes(1, 16), clientSubkey: [23, bytes(2, 16)], acceptorSubkey: [23, acc], wrap });
      const r = kerberosSessionKey([entry(23, rc4Key)], m.request, m.response);
      expect(r).toMatchObject({ kind: "key", from: "ap-rep-subkey" });
      if (r.kind === "key") expect(toHex(r.sessionKey)).toBe(toHex(acc));
    });
  it("a ticket without kvno matches any key version of the name", () => {
    const m = craft({ serviceEtype: 17, serviceKey: aes128Key, kvno: null, sessionEtype: 17, sessionKey: bytes(3, 16) });
    expect(kerberosSessionKey([entry(17, aes128Key, 9)], m.request, m.response)).toMatchObject({ kind: "key", kvno: null });
  });
  it("several keys of the name and enctype (kvno 2 and 3): the one that opens the ticket", () => {
    const m = craft({ serviceEtype: 18, serviceKey: aes256Key, kvno: 3, sessionEtype: 18, sessionKey: bytes(4, 32) });
    const r = kerberosSessionKey([entry(18, bytes(0x31, 32), 2), entry(18, bytes(0x32, 32), 3), entry(18, aes256Key, 3)], m.request, m.response);
    expect(r).toMatchObject({ kind: "key", from: "ticket-session-key" });
  });
  it("a KRB-ERROR answer: unsupported, with its code", () => {
    const m = craft({ serviceEtype: 23, serviceKey: rc4Key, kvno: 3, sessionEtype: 23, sessionKey: bytes(5, 16) });
    const err = ctx(1, seq(ctx(0, tlv10(2)), ctx(2, octets(app(0, cat(oid(OID.KRB5), new Uint8Array([3, 0]),
      app(30, seq(ctx(0, int(5)), ctx(1, int(30)), ctx(4, gtime("20261202120000Z")), ctx(5, int(0)), ctx(6, int(37)), ctx(9, gstr(REALM)), ctx(10, name(2, SPN))))))))));
    expect(kerberosSessionKey([entry(23, rc4Key)], m.request, err)).toMatchObject({ kind: "unsupported", why: expect.stringContaining("KRB-ERROR (code 37)") });
  });
  it("a DES or RFC 8009 ticket: unsupported, naming the enctype", () => {
    const m = craft({ serviceEtype: 23, serviceKey: rc4Key, kvno: 3, sessionEtype: 23, sessionKey: bytes(6, 16), wrap: "raw" });
    const des = m.request.slice();
    // the ticket's enc-part etype: the first INTEGER 23 (02 01 17) after the sname is it
    const at = toHex(des).indexOf("a003020117") / 2;
    expect(at).toBeGreaterThan(0);
    des[at + 4] = 3;
    expect(kerberosSessionKey([entry(23, rc4Key)], des, null)).toMatchObject({ kind: "unsupported", why: expect.stringContaining("des-cbc-md5, which is not supported") });
  });
  it("user-to-user and NTLM tokens: unsupported, said plainly", () => {
    const u2u = app(0, cat(oid(OID.KRB5_U2U), new Uint8Array([4, 0, 0x30, 0])));
    expect(kerberosSessionKey([], u2u, null)).toMatchObject({ kind: "unsupported", why: expect.stringContaining("user-to-user") });
    const ntlm = app(0, cat(oid(OID.SPNEGO), ctx(0, seq(ctx(0, seq(oid(OID.NTLMSSP))), ctx(2, octets(new TextEncoder().encode("NTLMSSP\0\x01\0\0\0")))))));
    expect(kerberosSessionKey([], ntlm, null)).toMatchObject({ kind: "unsupported", why: expect.stringContaining("NTLM, not Kerberos") });
  });
  it("an AP-REP under another session key (it answers another AP-REQ): bad-key", () => {
    const a = craft({ serviceEtype: 23, serviceKey: rc4Key, kvno: 3, sessionEtype: 23, sessionKey: bytes(7, 16) });
    const b = craft({ serviceEtype: 23, serviceKey: rc4Key, kvno: 3, sessionEtype: 23, sessionKey: bytes(8, 16) });
    expect(kerberosSessionKey([entry(23, rc4Key)], a.request, b.response)).toMatchObject({ kind: "bad-key", why: expect.stringContaining("AP-REP") });
  });
  it("a lying length inside the ticket names the offset", () => {
    const m = craft({ serviceEtype: 23, serviceKey: rc4Key, kvno: 3, sessionEtype: 23, sessionKey: bytes(9, 16), wrap: "raw" });
    const bad = m.request.slice();
    const h = toHex(bad); // the Ticket: [APPLICATION 1] with a one-byte long-form length, inside [3]
    const at = h.search(/a381..6181/) / 2 + 3;
    expect(at).toBeGreaterThan(3);
    expect([bad[at], bad[at + 1]]).toEqual([0x61, 0x81]);
    bad[at + 2] = 0xff;
    const r = kerberosSessionKey([entry(23, rc4Key)], bad, null);
    expect(r).toMatchObject({ kind: "unsupported", why: expect.stringMatching(/could not be read: .* at offset \d+/) });
  });
});

describe("hostile nesting", () => {
  it("SPNEGO wrapped in SPNEGO a thousand times: a clear error, not a stack overflow", () => {
    let blob: Uint8Array = octets(new Uint8Array(0));
    for (let i = 0; i < 1000; i++) blob = app(0, cat(oid(OID.SPNEGO), ctx(0, seq(ctx(2, octets(blob))))));
    expect(kerberosSessionKey([], blob, null)).toMatchObject({ kind: "unsupported", why: expect.stringContaining("SPNEGO wrapped in itself more than 3 times") });
  });
});
