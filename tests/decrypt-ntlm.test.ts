// NTLMv2 password check and session key against MS-NLMP 4.2.4 "NTLMv2 Authentication" (the
// protocol examples of [MS-NLMP]):
//   4.2.1 Common Values: User "User", UserDom "Domain", Password "Password", Server Name "Server",
//     Workstation Name "COMPUTER", RandomSessionKey 55 55 … 55 (16 bytes), Time 0,
//     ClientChallenge aa aa aa aa aa aa aa aa, ServerChallenge 01 23 45 67 89 ab cd ef
//   4.2.4.1.1 NTOWFv2() and LMOWFv2(): 0c 86 8a 40 3b fd 7a 93 a3 00 1e f2 2e f0 2e 3f
//   4.2.4.1.2 Session Base Key: 8d e4 0c ca db c1 4a 82 f1 5c b0 ad 0d e9 5c a3
//   4.2.4.2.2 NTLMv2 Response (NTProofStr): 68 cd 0a b8 51 e5 1c 96 aa bc 92 7b eb ef 6a 1c
//   4.2.4.2.3 Encrypted Session Key: c5 da d2 54 4f c9 79 90 94 ce 1c e9 0b c9 d0 3e
//   4.2.4.3 AUTHENTICATE_MESSAGE: the bytes below (flags 0xe2888235, NEGOTIATE_KEY_EXCH set).
import { describe, it, expect } from "vitest";
import { checkNtlmPassword, ntowfv2, NTLMSSP_NEGOTIATE_KEY_EXCH, type NtlmCaptured } from "../src/core/decrypt/ntlm";
import { hex, toHex } from "./support/hex";

const AUTHENTICATE_4_2_4_3 = hex(`
  4e 54 4c 4d 53 53 50 00 03 00 00 00 18 00 18 00 6c 00 00 00 54 00 54 00 84 00 00 00 0c 00 0c 00
  48 00 00 00 08 00 08 00 54 00 00 00 10 00 10 00 5c 00 00 00 10 00 10 00 d8 00 00 00 35 82 88 e2
  05 01 28 0a 00 00 00 0f 44 00 6f 00 6d 00 61 00 69 00 6e 00 55 00 73 00 65 00 72 00 43 00 4f 00
  4d 00 50 00 55 00 54 00 45 00 52 00 86 c3 50 97 ac 9c ec 10 25 54 76 4a 57 cc cc 19 aa aa aa aa
  aa aa aa aa 68 cd 0a b8 51 e5 1c 96 aa bc 92 7b eb ef 6a 1c 01 01 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 aa aa aa aa aa aa aa aa 00 00 00 00 02 00 0c 00 44 00 6f 00 6d 00 61 00 69 00 6e 00
  01 00 0c 00 53 00 65 00 72 00 76 00 65 00 72 00 00 00 00 00 00 00 00 00 c5 da d2 54 4f c9 79 90
  94 ce 1c e9 0b c9 d0 3e`);

/** The fields of an AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3): security buffers are len(2) maxlen(2) offset(4). */
function captured(msg: Uint8Array): NtlmCaptured {
  const dv = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const field = (at: number) => msg.subarray(dv.getUint32(at + 4, true), dv.getUint32(at + 4, true) + dv.getUint16(at, true));
  const text = (b: Uint8Array) => String.fromCharCode(...new Uint16Array(b.slice().buffer));
  return {
    ntChallengeResponse: field(20), domain: text(field(28)), user: text(field(36)),
    encryptedRandomSessionKey: field(52), negotiateFlags: dv.getUint32(60, true),
    serverChallenge: hex("0123456789abcdef"),
  };
}

describe("NTLMv2 (MS-NLMP 4.2.4)", () => {
  const cap = captured(AUTHENTICATE_4_2_4_3);

  it("reads the spec's AUTHENTICATE message as the pipeline will hand it", () => {
    expect([cap.user, cap.domain, cap.ntChallengeResponse.length, cap.negotiateFlags.toString(16)]).toEqual(["User", "Domain", 0x54, "e2888235"]);
    expect(toHex(cap.ntChallengeResponse.subarray(0, 16))).toBe("68cd0ab851e51c96aabc927bebef6a1c"); // 4.2.4.2.2
    expect(toHex(cap.encryptedRandomSessionKey!)).toBe("c5dad2544fc9799094ce1ce90bc9d03e"); // 4.2.4.2.3
  });

  it("4.2.4.1.1 NTOWFv2", () => {
    expect(toHex(ntowfv2("Password", "User", "Domain"))).toBe("0c868a403bfd7a93a3001ef22ef02e3f");
    expect(toHex(ntowfv2("Password", "user", "Domain")), "the user name is upper-cased").toBe("0c868a403bfd7a93a3001ef22ef02e3f");
  });

  it("the right password matches; the session key is the RandomSessionKey (RC4 of 4.2.4.2.3 under the 4.2.4.1.2 key)", () => {
    const r = checkNtlmPassword("Password", cap);
    expect(r.kind).toBe("match");
    if (r.kind === "match") expect(toHex(r.exportedSessionKey)).toBe("55".repeat(16));
  });

  it("without NEGOTIATE_KEY_EXCH the session key is the Session Base Key (4.2.4.1.2)", () => {
    const r = checkNtlmPassword("Password", { ...cap, negotiateFlags: cap.negotiateFlags & ~NTLMSSP_NEGOTIATE_KEY_EXCH, encryptedRandomSessionKey: null });
    expect(r.kind === "match" && toHex(r.exportedSessionKey)).toBe("8de40ccadbc14a82f15cb0ad0de95ca3");
  });

  it("a wrong password, a wrong user or domain, or another challenge is a mismatch", () => {
    expect(checkNtlmPassword("password", cap).kind).toBe("mismatch");
    expect(checkNtlmPassword("Password", { ...cap, user: "Other" }).kind).toBe("mismatch");
    expect(checkNtlmPassword("Password", { ...cap, domain: "DOMAIN" }).kind, "UserDom is not upper-cased").toBe("mismatch");
    expect(checkNtlmPassword("Password", { ...cap, serverChallenge: hex("0123456789abcdee") }).kind).toBe("mismatch");
  });

  it("anonymous, NTLMv1 and malformed responses are unsupported, with the reason", () => {
    const r0 = checkNtlmPassword("Password", { ...cap, user: "", ntChallengeResponse: new Uint8Array(0) });
    expect(r0.kind === "unsupported" && r0.why).toMatch(/anonymous/);
    const r1 = checkNtlmPassword("Password", { ...cap, ntChallengeResponse: new Uint8Array(24) });
    expect(r1.kind === "unsupported" && r1.why).toMatch(/NTLMv1/);
    const r2 = checkNtlmPassword("Password", { ...cap, ntChallengeResponse: new Uint8Array(30) });
    expect(r2.kind === "unsupported" && r2.why).toMatch(/30 bytes/);
    const r3 = checkNtlmPassword("Password", { ...cap, encryptedRandomSessionKey: null });
    expect(r3.kind === "unsupported" && r3.why).toMatch(/KEY_EXCH without/);
  });
});
