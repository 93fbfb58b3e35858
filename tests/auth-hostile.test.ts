// The auth decoders on crafted and hostile input, through the wasm's testBlob() entry:
//  - crafted messages decode to the right fields (NTLM v1/v2/anonymous/OEM, MIC, target SPN,
//    SPNEGO without token, raw GSS Kerberos, TGS-REQ with its PA-TGS-REQ AP-REQ, KRB-ERROR e-data
//    forms, KERB-EXT-ERROR), and no hash, response or key bytes ever reach the output;
//  - hostile blobs (truncation, lengths pointing outside, huge counts, 10,000 nested SEQUENCEs,
//    zero length, indefinite length, long length fields) give F_BLOB_ERROR, never a trap or hang;
//  - a seeded fuzz run mutates real blobs found in the corpus and fixture captures and checks that
//    the decoder neither traps nor reads outside the blob (same output whatever surrounds it) and
//    stays fast overall.
import { describe, it, expect, beforeAll } from "vitest";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { decodeRecords, type RawEvent } from "../src/core/decoder/records";
import { decodeBytes } from "./support/decode";
import { writePcap } from "./support/pcap";
import { eventView } from "../src/core/eventsView";
import * as A from "../assembly/proto/auth/errors";
import * as C from "../assembly/events";

interface Wasm {
  memory: WebAssembly.Memory;
  init(): void; inputPtr(): number; inputCap(): number;
  outputPtr(): number; outputLen(): number; outputReset(): void;
  testBlob(p: number, len: number, kind: number): void;
}
let x: Wasm;
let trap = "";

beforeAll(() => {
  const mod = new WebAssembly.Module(readFileSync(join(__dirname, "../build/decoder.wasm")));
  const inst = new WebAssembly.Instance(mod, { env: { decoderError(l: number, c: number) { trap = `assembly ${l}:${c}`; } } });
  x = inst.exports as unknown as Wasm;
  if (typeof x.testBlob !== "function") throw new Error("build/decoder.wasm lacks testBlob: add `export { testBlob } from \"./proto/gss\";` to assembly/index.ts and rebuild");
  x.init();
});

const BLOB = 0, KRB = 1;
const PAD = 64;

/** Decodes `blob` (kind BLOB: SMB security blob; KRB: Kerberos message on 88), `fill` around it. */
function raw(blob: Uint8Array | number[], kind: number, fill = 0): RawEvent[] {
  const b = blob instanceof Uint8Array ? blob : Uint8Array.from(blob);
  if (b.length + 2 * PAD > x.inputCap()) throw new Error("blob too large for the input buffer");
  const p = x.inputPtr();
  const mem = new Uint8Array(x.memory.buffer);
  mem.fill(fill, p, p + b.length + 2 * PAD);
  mem.set(b, p + PAD);
  x.outputReset();
  trap = "";
  try { x.testBlob(p + PAD, b.length, kind); } catch (e) { throw new Error(`wasm trapped (${trap}): ${(e as Error).message}`); }
  const out: RawEvent[] = [];
  const base = x.outputPtr();
  decodeRecords(new Uint8Array(x.memory.buffer), base, base + x.outputLen(), out);
  return out;
}
function view(blob: Uint8Array | number[], kind = BLOB): Record<string, unknown> {
  const evs = raw(blob, kind);
  expect(evs.length).toBe(1);
  return eventView(evs[0], "t")!;
}
/** The F_BLOB_ERROR value (layer << 8 | reason) of the record, if any. */
const error = (blob: Uint8Array | number[], kind = BLOB) => raw(blob, kind)[0]?.f.blobError as number | undefined;
const code = (layer: number, reason: number) => (layer << 8) | reason;

// --- a small DER / NTLMSSP writer ------------------------------------------------------------
type Bytes = number[];
const lenBytes = (n: number): Bytes => {
  if (n < 0x80) return [n];
  const b: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) b.unshift(v & 0xff);
  return [0x80 | b.length, ...b];
};
const tlv = (tag: number, ...parts: Bytes[]): Bytes => { const c = parts.flat(); return [tag, ...lenBytes(c.length), ...c]; };
const intB = (v: number): Bytes => {
  const b: number[] = [];
  let n = v;
  do { b.unshift(n & 0xff); n >>= 8; } while (!(n === 0 && (b[0] & 0x80) === 0) && !(n === -1 && (b[0] & 0x80) !== 0));
  return b;
};
const int = (v: number) => tlv(0x02, intB(v));
const gstr = (s: string) => tlv(0x1b, [...Buffer.from(s)]);
const ctx = (n: number, ...p: Bytes[]) => tlv(0xa0 + n, ...p);
const seq = (...p: Bytes[]) => tlv(0x30, ...p);
const app = (n: number, ...p: Bytes[]) => tlv(0x60 + n, ...p);
const oct = (b: Bytes) => tlv(0x04, b);
const name = (type: number, ...c: string[]) => seq(ctx(0, int(type)), ctx(1, seq(...c.map(gstr))));
const encData = (etype: number, kvno?: number) => seq(ctx(0, int(etype)), ...(kvno === undefined ? [] : [ctx(1, int(kvno))]), ctx(2, oct([0xee, 0xee, 0xee, 0xee])));
const ticket = (realm: string, ...sname: string[]) => app(1, seq(ctx(0, int(5)), ctx(1, gstr(realm)), ctx(2, name(2, ...sname)), ctx(3, encData(18, 7))));
const apReq = (realm: string, ...sname: string[]) => app(14, seq(ctx(0, int(5)), ctx(1, int(14)), ctx(2, tlv(0x03, [0, 0x20, 0, 0, 0])), ctx(3, ticket(realm, ...sname)), ctx(4, encData(18))));
const OID_KRB5 = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02];
const OID_SPNEGO = [0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
const OID_NTLM = [0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a];
const OID_NEGOEX = [0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x1e];
const gssKrb = (tokId: number, msg: Bytes) => tlv(0x60, OID_KRB5, [tokId, 0], msg);
const negInit = (mechs: Bytes[], token?: Bytes) =>
  tlv(0x60, OID_SPNEGO, ctx(0, seq(ctx(0, seq(...mechs)), ...(token ? [ctx(2, oct(token))] : []))));
const negResp = (state: number, token?: Bytes, mech?: Bytes) =>
  ctx(1, seq(ctx(0, tlv(0x0a, [state])), ...(mech ? [ctx(1, mech)] : []), ...(token ? [ctx(2, oct(token))] : [])));

const u16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const utf16 = (s: string) => [...Buffer.from(s, "utf16le")];
const SIG = [...Buffer.from("NTLMSSP\0", "latin1")];
const avPair = (id: number, v: Bytes) => [...u16(id), ...u16(v.length), ...v];

/** AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3) with Version and MIC, payload after byte 88. */
function ntlmAuth(o: { user: string; domain: string; host: string; lm: Bytes; nt: Bytes; unicode?: boolean }): Bytes {
  const uni = o.unicode ?? true;
  const enc = (s: string) => (uni ? utf16(s) : [...Buffer.from(s, "latin1")]);
  const fields = [o.lm, o.nt, enc(o.domain), enc(o.user), enc(o.host), [0x5e, 0x5e, 0x5e, 0x5e]];
  let off = 88;
  const triples: number[] = [];
  for (const f of fields) { triples.push(...u16(f.length), ...u16(f.length), ...u32(off)); off += f.length; }
  const flags = 0x62088215 & ~(uni ? 0 : 1);
  const head = [...SIG, ...u32(3), ...triples, ...u32(flags), 10, 0, ...u16(19041), 0, 0, 0, 15, ...Array(16).fill(0x4d)];
  return [...head, ...fields.flat()];
}
/** NTLMv2 response (MS-NLMP 2.2.2.8): NTProofStr then NTLMv2_CLIENT_CHALLENGE with AV pairs. */
const ntlmv2 = (pairs: Bytes) => [...Array(16).fill(0xab), 1, 1, 0, 0, 0, 0, 0, 0, ...Array(8).fill(0x11), ...Array(8).fill(0xcc), 0, 0, 0, 0, ...pairs, ...avPair(0, [])];

/** Nested `levels` deep SEQUENCEs around `inner`, built outside-in without quadratic copying. */
function deepNest(levels: number, inner: Bytes, tag = 0x30): Uint8Array {
  const heads: Bytes[] = [];
  let l = inner.length;
  for (let i = 0; i < levels; i++) { const h = [tag, ...lenBytes(l)]; heads.push(h); l += h.length; }
  const out = new Uint8Array(l);
  let o = 0;
  for (let i = heads.length - 1; i >= 0; i--) { out.set(heads[i], o); o += heads[i].length; }
  out.set(inner, o);
  return out;
}

describe("crafted NTLMSSP", () => {
  it("NTLMv2 AUTHENTICATE: names, version 2, MsvAvFlags MIC, target SPN, timestamp; no response bytes", () => {
    const pairs = [...avPair(1, utf16("SRV")), ...avPair(6, u32(2)), ...avPair(7, [0, 0x80, 0x3e, 0xd5, 0xde, 0xb1, 0x9d, 0x01]), ...avPair(9, utf16("cifs/srv.example"))];
    const blob = ntlmAuth({ user: "alice", domain: "CORP", host: "WS1", lm: Array(24).fill(0), nt: ntlmv2(pairs) });
    const evs = raw(negResp(1, blob), BLOB);
    const v = eventView(evs[0], "t")!;
    expect(v).toMatchObject({ mech: "ntlm", ntlm: "AUTHENTICATE", user: "alice", domain: "CORP", host: "WS1", ntlmVersion: 2, mic: true, spn: "cifs/srv.example", nbComputer: "SRV", avFlags: "0x00000002", osVersion: "10.0.19041", negState: "accept-incomplete" });
    expect(v.ntlmTime).toBe("1970-01-01T00:00:00.0000000Z"); // FILETIME 116444736000000000
    expect(v.blobError).toBeUndefined();
    // NTProofStr (0xab…), client challenge (0xcc…), MIC (0x4d…) and session key (0x5e…) stay out
    const rec = new Uint8Array(x.memory.buffer, x.outputPtr(), x.outputLen());
    const hex = Buffer.from(rec).toString("hex");
    for (const b of ["abababab", "cccccccc", "4d4d4d4d", "5e5e5e5e"]) expect(hex).not.toContain(b);
  });
  it("NTLMv1 (24-byte NT response) and OEM strings", () => {
    const v = view(ntlmAuth({ user: "bob", domain: "DOM", host: "PC", lm: Array(24).fill(1), nt: Array(24).fill(2), unicode: false }));
    expect(v).toMatchObject({ ntlm: "AUTHENTICATE", user: "bob", domain: "DOM", host: "PC", ntlmVersion: 1 });
    expect(v.mic).toBeUndefined();
  });
  it("anonymous: empty user, LM Z(1), empty NT → version 0", () => {
    const v = view(ntlmAuth({ user: "", domain: "", host: "PC", lm: [0], nt: [] }));
    expect(v).toMatchObject({ user: "", domain: "", ntlmVersion: 0 });
  });
  it("CHALLENGE: target name and AV pairs", () => {
    const info = [...avPair(2, utf16("CORP")), ...avPair(1, utf16("DC1")), ...avPair(4, utf16("corp.test")), ...avPair(3, utf16("dc1.corp.test")), ...avPair(5, utf16("corp.test")), ...avPair(0, [])];
    const target = utf16("CORP");
    const blob = [...SIG, ...u32(2), ...u16(target.length), ...u16(target.length), ...u32(56), ...u32(0x62898215), ...Array(8).fill(0x99), ...Array(8).fill(0),
      ...u16(info.length), ...u16(info.length), ...u32(56 + target.length), 6, 1, 0, 0, 0, 0, 0, 15, ...target, ...info];
    const v = view(blob);
    expect(v).toMatchObject({ ntlm: "CHALLENGE", target: "CORP", nbDomain: "CORP", nbComputer: "DC1", dnsDomain: "corp.test", dnsComputer: "dc1.corp.test", dnsTree: "corp.test", ntlmFlags: "0x62898215" });
  });
  it("fields pointing outside the message, unknown type, short messages", () => {
    const blob = ntlmAuth({ user: "alice", domain: "D", host: "H", lm: [], nt: Array(24).fill(0) });
    blob.splice(40, 4, ...u32(0xfffffff0)); // UserNameFields.BufferOffset
    expect(error(blob)).toBe(code(A.AL_NTLM, A.AE_BOUNDS));
    expect(error([...SIG, ...u32(7)])).toBe(code(A.AL_NTLM, A.AE_NTLM_TYPE));
    expect(error([...SIG, ...u32(3), 0, 0])).toBe(code(A.AL_NTLM, A.AE_TRUNCATED));
    // 10,000 AV pairs: the walk stops after its bound
    const pairs: Bytes = [];
    for (let i = 0; i < 10000; i++) pairs.push(...avPair(8, []));
    const chal = [...SIG, ...u32(2), 0, 0, 0, 0, ...u32(48), ...u32(0x62898215), ...Array(16).fill(0), ...u16(pairs.length & 0xffff), ...u16(0), ...u32(48), ...pairs];
    expect(() => view(chal)).not.toThrow();
  });
});

describe("crafted SPNEGO and Kerberos", () => {
  it("NegTokenInit without a token (NEGOTIATE response hint) → mech spnego, mechTypes", () => {
    const v = view(negInit([OID_NEGOEX, OID_KRB5, OID_NTLM]));
    expect(v).toMatchObject({ mech: "spnego", mechTypes: ["negoex", "kerberos", "ntlm"] });
  });
  it("NegTokenInit carrying a NegoEx message (MS-NEGOEX 2.2.6.2 signature NEGOEXTS)", () => {
    const negoex = [...Buffer.from("NEGOEXTS", "latin1"), ...u32(0), ...u32(0), ...Array(32).fill(0)];
    expect(view(negInit([OID_NEGOEX, OID_KRB5], negoex))).toMatchObject({ mech: "negoex", mechTypes: ["negoex", "kerberos"] });
  });
  it("NegTokenInit carrying a Kerberos AP-REQ; raw GSS Kerberos token without SPNEGO", () => {
    const ap = apReq("CORP.TEST", "cifs", "srv.corp.test");
    for (const blob of [negInit([OID_KRB5], gssKrb(1, ap)), gssKrb(1, ap)]) {
      const v = view(blob);
      expect(v).toMatchObject({ mech: "kerberos", msgType: 14, realm: "CORP.TEST", sname: "cifs/srv.corp.test", ticketEtype: 18, kvno: 7 });
      expect(v.blobError).toBeUndefined();
    }
  });
  it("KRB-ERROR inside a GSS token (TOK_ID 03 00), e.g. clock skew", () => {
    const err = app(30, seq(ctx(0, int(5)), ctx(1, int(30)), ctx(4, tlv(0x18, [...Buffer.from("20260101000000Z")])), ctx(5, int(1)), ctx(6, int(37)), ctx(9, gstr("R")), ctx(10, name(2, "cifs", "h"))));
    expect(view(negResp(2, gssKrb(3, err)))).toMatchObject({ mech: "kerberos", negState: "reject", msgType: 30, errorCode: 37, stime: "20260101000000Z", sname: "cifs/h" });
  });
  it("TGS-REQ: PA-TGS-REQ AP-REQ listed like tshark (12,14), facts from req-body", () => {
    const body = seq(ctx(0, tlv(0x03, [0, 0x40, 0x81, 0, 0x10])), ctx(2, gstr("CORP.TEST")), ctx(3, name(2, "cifs", "srv.corp.test")), ctx(5, tlv(0x18, [...Buffer.from("20370913024805Z")])), ctx(7, int(12345)), ctx(8, seq(int(18), int(17), int(23), int(-135))));
    const tgsReq = app(12, seq(ctx(1, int(5)), ctx(2, int(12)), ctx(3, seq(seq(ctx(1, int(1)), ctx(2, oct(apReq("CORP.TEST", "krbtgt", "CORP.TEST")))), seq(ctx(1, int(128)), ctx(2, oct([0x30, 0x05, 0xa0, 0x03, 0x01, 0x01, 0xff]))))), ctx(4, body)));
    const v = view(tgsReq, KRB);
    expect(v).toMatchObject({ msgType: 12, msgTypes: [12, 14], realm: "CORP.TEST", sname: "cifs/srv.corp.test", realms: ["CORP.TEST", "CORP.TEST"], snames: ["krbtgt/CORP.TEST", "cifs/srv.corp.test"], etypes: [18, 17, 23, -135], padata: [1, 128], kdcOptions: "0x40810010" });
    expect(v.ticketEtype).toBeUndefined(); // the TGT's etype is not the request's
  });
  it("KRB-ERROR e-data: METHOD-DATA, KERB-ERROR-DATA / KERB-EXT-ERROR, PA-PW-SALT NTSTATUS, missing OCTET STRING wrapper", () => {
    const err = (edata: Bytes) => app(30, seq(ctx(0, int(5)), ctx(1, int(30)), ctx(6, int(18)), ctx(7, gstr("CORP")), ctx(8, name(1, "bob")), ctx(9, gstr("CORP")), ctx(10, name(2, "krbtgt", "CORP")), ctx(11, gstr("CLIENT_REVOKED")), ctx(12, edata)));
    const ext = [...u32(0xc0000072), ...u32(0), ...u32(1)]; // STATUS_ACCOUNT_DISABLED
    const methodData = seq(seq(ctx(1, int(19)), ctx(2, oct([0x30, 0x00]))), seq(ctx(1, int(2)), ctx(2, oct([]))));
    expect(view(err(oct(methodData)), KRB)).toMatchObject({ errorCode: 18, crealm: "CORP", cname: "bob", etext: "CLIENT_REVOKED", errorPadata: [19, 2] });
    expect(view(err(oct(seq(ctx(1, int(3)), ctx(2, oct(ext))))), KRB)).toMatchObject({ extStatus: 0xc0000072, extStatusName: "STATUS_ACCOUNT_DISABLED" });
    expect(view(err(oct(seq(seq(ctx(1, int(3)), ctx(2, oct(ext)))))), KRB)).toMatchObject({ errorPadata: [3], extStatus: 0xc0000072 });
    expect(view(err(methodData), KRB)).toMatchObject({ errorPadata: [19, 2] });
  });
  it("AS-REP: crealm, cname, ticket realm/sname/etype, reply etype", () => {
    const rep = app(11, seq(ctx(0, int(5)), ctx(1, int(11)), ctx(3, gstr("CORP")), ctx(4, name(1, "alice")), ctx(5, ticket("CORP", "krbtgt", "CORP")), ctx(6, encData(23, 2))));
    expect(view(rep, KRB)).toMatchObject({ msgType: 11, crealm: "CORP", cname: "alice", realm: "CORP", sname: "krbtgt/CORP", ticketEtype: 18, kvno: 7, etypes: [23], cnames: ["alice"], realms: ["CORP"] });
  });
  it("nesting is bounded by the schema: a TGS-REQ inside PA-TGS-REQ is refused, SPNEGO inside SPNEGO too", () => {
    const inner = app(12, seq(ctx(4, seq(ctx(2, gstr("X"))))));
    const outer = app(12, seq(ctx(3, seq(seq(ctx(1, int(1)), ctx(2, oct(inner))))), ctx(4, seq(ctx(2, gstr("Y"))))));
    const v = view(outer, KRB);
    expect(v).toMatchObject({ msgType: 12, realm: "Y" });
    expect(raw(outer, KRB)[0].f.blobError).toBe(code(A.AL_KRB, A.AE_TAG));
    expect(raw(negInit([OID_KRB5], negInit([OID_KRB5])), BLOB)[0].f.blobError).toBe(code(A.AL_GSS, A.AE_UNKNOWN));
  });
});

describe("hostile blobs give an error field, never a trap", () => {
  const ap = gssKrb(1, apReq("CORP.TEST", "cifs", "srv"));
  it("every truncation of a DER token is reported", () => {
    for (const blob of [negInit([OID_KRB5], ap), app(30, seq(ctx(6, int(25)), ctx(9, gstr("R"))))]) {
      const kind = blob[0] === 0x7e ? KRB : BLOB;
      for (let n = 1; n < blob.length; n++) expect(raw(blob.slice(0, n), kind)[0].f.blobError, `cut at ${n}`).toBeDefined();
    }
  });
  it("lengths pointing outside the blob (4-byte lengths, 2^32-1)", () => {
    expect(error([0x6a, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x00], KRB)).toBe(code(A.AL_KRB, A.AE_TRUNCATED));
    expect(error([0x6a, 0x06, 0x30, 0x84, 0x7f, 0xff, 0xff, 0xf0], KRB)).toBe(code(A.AL_KRB, A.AE_TRUNCATED));
    expect(error([0xa1, 0x84, 0xff, 0xff, 0xff, 0xfb, 0x30, 0x00])).toBe(code(A.AL_SPNEGO, A.AE_TRUNCATED));
    expect(error([0x60, 0x84, 0x00, 0x00, 0x10, 0x00, 0x06, 0x00])).toBe(code(A.AL_GSS, A.AE_TRUNCATED));
  });
  it("length fields of more than 4 octets; indefinite length; high tag numbers", () => {
    expect(error([0x6a, 0x85, 0, 0, 0, 0, 2, 0x30, 0], KRB)).toBe(code(A.AL_KRB, A.AE_LENGTH));
    expect(error([0x6a, 0x80, 0x30, 0x80, 0, 0, 0, 0], KRB)).toBe(code(A.AL_KRB, A.AE_INDEFINITE));
    expect(error([0xa1, 0x06, 0x30, 0x80, 0xa0, 0x01, 0x00, 0x00])).toBe(code(A.AL_SPNEGO, A.AE_INDEFINITE));
    // an inner indefinite length (0x80) where 128 bytes would fit its parent: not read as a length
    // of 128 (whose content, an OCTET STRING running past it, would be the error reported instead)
    expect(error([0x6a, 0x81, 0x83, 0x30, 0x80, 0x04, 0x7f, ...Array(127).fill(0)], KRB)).toBe(code(A.AL_KRB, A.AE_INDEFINITE));
    expect(error([0x6a, 0x08, 0x3f, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x00], KRB)).toBe(code(A.AL_KRB, A.AE_TAG));
  });
  it("zero-length Kerberos message, empty GSS token and empty mechToken", () => {
    expect(error([], KRB)).toBe(code(A.AL_KRB, A.AE_EMPTY));
    expect(error([0x60, 0x00])).toBe(code(A.AL_GSS, A.AE_EMPTY));
    expect(error(negInit([OID_NTLM], []))).toBe(code(A.AL_GSS, A.AE_EMPTY));
    expect(raw([], BLOB)[0].f).toEqual({}); // an empty SMB blob is legitimate: nothing to say
  });
  it("10,000 nested SEQUENCEs (Kerberos and SPNEGO) stop at the depth bound", () => {
    const t0 = performance.now();
    const deep = deepNest(10000, [0x05, 0x00]);
    const krb = new Uint8Array([0x6a, ...lenBytes(deep.length), ...deep]);
    expect(error(krb, KRB)).toBe(code(A.AL_KRB, A.AE_DEPTH));
    const spnego = new Uint8Array([0xa1, ...lenBytes(deep.length), ...deep]);
    expect(error(spnego)).toBe(code(A.AL_SPNEGO, A.AE_DEPTH));
    expect(error(deepNest(10000, [0x05, 0x00], 0xa3).map((b, i) => (i === 0 ? 0x6c : b)), KRB)).toBe(code(A.AL_KRB, A.AE_DEPTH));
    expect(performance.now() - t0).toBeLessThan(2000);
  });
  it("huge counts: 20,000 etypes, 20,000 mechTypes", () => {
    const many = Array.from({ length: 20000 }, () => int(17));
    const req = app(10, seq(ctx(4, seq(ctx(2, gstr("R")), ctx(8, seq(...many))))));
    const v = view(req, KRB);
    expect((v.etypes as number[]).length).toBe(32);
    const mechs = view(negInit(Array.from({ length: 20000 }, () => OID_NTLM)));
    expect((mechs.mechTypes as string[]).length).toBe(16);
  });
});

describe("Kerberos over TCP 88 (RFC 4120 7.2.2 record marking)", () => {
  // Ethernet + IPv4 + TCP around a payload; checksums left 0 (the decoder does not verify them).
  function seg(fromClient: boolean, flags: number, sq: number, ack: number, payload: Bytes): Uint8Array {
    const [sip, dip] = fromClient ? [[10, 0, 0, 2], [10, 0, 0, 1]] : [[10, 0, 0, 1], [10, 0, 0, 2]];
    const [sp, dp] = fromClient ? [50000, 88] : [88, 50000];
    const be16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
    const be32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
    const tcp = [...be16(sp), ...be16(dp), ...be32(sq), ...be32(ack), 0x50, flags, ...be16(65535), 0, 0, 0, 0];
    const ip = [0x45, 0, ...be16(20 + tcp.length + payload.length), 0, 1, 0x40, 0, 64, 6, 0, 0, ...sip, ...dip];
    return Uint8Array.from([...Array(6).fill(2), ...Array(6).fill(4), 0x08, 0x00, ...ip, ...tcp, ...payload]);
  }
  const asReq = (user: string, pad: number) => app(10, seq(ctx(1, int(5)), ctx(2, int(10)),
    ctx(3, seq(seq(ctx(1, int(128)), ctx(2, oct(Array(pad).fill(0x33)))))),
    ctx(4, seq(ctx(1, name(1, user)), ctx(2, gstr("CORP.TEST")), ctx(3, name(2, "krbtgt", "CORP.TEST")), ctx(8, seq(int(18)))))));
  const record = (m: Bytes) => [...[24, 16, 8, 0].map((sh) => (m.length >>> sh) & 0xff), ...m];

  it("two records in one segment, then one record over three segments", async () => {
    const a = record(asReq("alice", 10)), b = record(asReq("bob", 10)), c = record(asReq("carol", 3000));
    const cs = 1000, ss = 5000;
    const frames: Uint8Array[] = [
      seg(true, 0x02, cs, 0, []), seg(false, 0x12, ss, cs + 1, []), seg(true, 0x10, cs + 1, ss + 1, []),
      seg(true, 0x18, cs + 1, ss + 1, [...a, ...b]), // frame 4: two messages
    ];
    let off = cs + 1 + a.length + b.length;
    for (const part of [c.slice(0, 2), c.slice(2, 1400), c.slice(1400)]) { frames.push(seg(true, 0x18, off, ss + 1, part)); off += part.length; } // frames 5-7
    const pcap = writePcap(1, frames.map((d, i) => ({ tsUs: 1_700_000_000_000_000n + BigInt(i) * 1000n, data: d, origLen: d.length })));
    const krb = (await decodeBytes(pcap)).filter((e) => e.kind === C.EV_KRB).map((e) => ({ frame: e.frame, v: eventView(e, "t")! }));
    expect(krb.map((k) => [k.frame, k.v.msgType, k.v.cname, k.v.sname, k.v.blobError])).toEqual([
      [4, 10, "alice", "krbtgt/CORP.TEST", undefined], [4, 10, "bob", "krbtgt/CORP.TEST", undefined], [7, 10, "carol", "krbtgt/CORP.TEST", undefined],
    ]);
  });
});

// --- fuzz -----------------------------------------------------------------------------------

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const APP_TAGS = new Set([0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x7e]);

/** Security blobs and Kerberos messages found in the bytes of real captures (DER candidates and NTLMSSP). */
function seedsFrom(files: string[], max: number): { blob: Uint8Array; kind: number }[] {
  const seen = new Set<string>();
  const out: { blob: Uint8Array; kind: number }[] = [];
  for (const f of files) {
    const b = readFileSync(f);
    let n = 0;
    for (let i = 0; i + 16 < b.length && n < 24; i++) {
      const t = b[i];
      let blob: Uint8Array | null = null;
      if (t === 0x4e && b.toString("latin1", i, i + 8) === "NTLMSSP\0") blob = b.subarray(i, Math.min(b.length, i + 600));
      else if (t === 0x60 || t === 0xa1 || APP_TAGS.has(t)) {
        let l = b[i + 1], h = 2;
        if (l === 0x81) { l = b[i + 2]; h = 3; } else if (l === 0x82) { l = (b[i + 2] << 8) | b[i + 3]; h = 4; } else if (l >= 0x80) continue;
        const next = b[i + h];
        if (l < 12 || i + h + l > b.length || (t === 0x60 ? next !== 0x06 : next !== 0x30)) continue;
        blob = b.subarray(i, i + h + l);
      }
      if (!blob) continue;
      const key = Buffer.from(blob.subarray(0, 48)).toString("hex") + blob.length;
      if (seen.has(key)) continue;
      seen.add(key); n++;
      out.push({ blob: Uint8Array.from(blob), kind: APP_TAGS.has(t) ? KRB : BLOB });
      if (out.length >= max) return out;
    }
  }
  return out;
}

function captureFiles(): string[] {
  const files: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.pcap(ng)?$/.test(e) && statSync(p).size < 4 << 20) files.push(p);
    }
  };
  walk(join(__dirname, "../../shared/corpus/zeek"));
  walk(join(__dirname, "../fixtures"));
  return files;
}

function mutate(src: Uint8Array, r: () => number): Uint8Array {
  const b = Uint8Array.from(src);
  const pick = (n: number) => Math.floor(r() * n);
  switch (pick(6)) {
    case 0: for (let k = 1 + pick(4); k > 0; k--) b[pick(b.length)] ^= 1 << pick(8); return b; // bit flips
    case 1: return b.subarray(0, pick(b.length)); // truncation
    case 2: { // a length octet changed: right after a plausible tag byte
      const tags = [...b.keys()].filter((i) => i + 1 < b.length && (b[i] & 0x1f) !== 0x1f && (b[i] === 0x30 || (b[i] & 0xc0) !== 0));
      const i = tags.length ? tags[pick(tags.length)] + 1 : pick(b.length);
      b[i] = [0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x85, 0xff][pick(9)];
      if (b[i] > 0x80 && i + 1 < b.length && r() < 0.5) b[i + 1] = 0xff;
      return b;
    }
    case 3: { const i = pick(b.length); for (let k = 0; k < 4 && i + k < b.length; k++) b[i + k] = 0xff; return b; } // offsets/lengths → huge
    case 4: { const i = pick(b.length + 1); return Uint8Array.from([...b.subarray(0, i), pick(256), ...b.subarray(i)]); } // insertion
    default: { const i = pick(b.length); return Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + 1)]); } // deletion
  }
}

describe("fuzz", () => {
  it("3,000 mutations of real blobs: no trap, no read outside the blob, bounded time", () => {
    const seeds = seedsFrom(captureFiles(), 400);
    if (seeds.length === 0) { console.log("fuzz skipped: no captures found"); return; }
    const r = prng(0x5eed1234);
    const t0 = performance.now();
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      const s = seeds[i % seeds.length];
      const m = mutate(s.blob, r);
      // Two runs, different bytes around the blob: any read outside it would change the output.
      const a = raw(m, s.kind, 0x00), b = raw(m, s.kind, 0xa1);
      expect(JSON.stringify(b.map((e) => e.f), (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
        `seed ${i % seeds.length} iteration ${i}`).toBe(JSON.stringify(a.map((e) => e.f), (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
      if (a[0]?.f.blobError !== undefined) errors++;
    }
    const ms = performance.now() - t0;
    console.log(`fuzz: ${seeds.length} seeds, 3000 mutations × 2 runs in ${ms.toFixed(0)} ms, ${errors} reported a blob error`);
    expect(ms).toBeLessThan(10000);
  });
  it("the unmutated seeds decode, with the surrounding bytes making no difference", () => {
    for (const s of seedsFrom(captureFiles(), 400)) {
      const a = raw(s.blob, s.kind, 0x00), b = raw(s.blob, s.kind, 0xff);
      expect(b.map((e) => eventView(e, "t"))).toEqual(a.map((e) => eventView(e, "t")));
    }
  });
});

