// The Kerberos messages' columns (src/core/model/krbStore.ts) give back every message as the
// builder read it: the rules and the Report's Kerberos records read these objects, so a field
// lost or swapped here would change a Kerberos finding or record.
import { describe, it, expect } from "vitest";
import { KrbStore, MAX_KRB_MESSAGES } from "../src/core/model/krbStore";
import type { KrbMsg } from "../src/core/model/types";

function message(i: number): KrbMsg {
  const udp = i % 3 === 0;
  const some = <T>(v: T): T | null => (i % 5 === 2 ? null : v);
  return {
    frame: 1 + i * 7, ts: 1_700_000_000_000 + i * 0.001, transport: udp ? "udp" : "tcp",
    src: `10.0.${i % 7}.1:${49152 + i}`, dst: "10.0.0.10:88", srcIp: `10.0.${i % 7}.1`, dstIp: "10.0.0.10",
    toKdc: i % 2 === 0, stream: udp ? 0 : i,
    msgType: i % 4 === 0 ? null : [10, 11, 12, 13, 30][i % 5],
    // a u32 from the decoder, its largest value included
    errorCode: i % 11 === 0 ? 0xffffffff : i % 6 === 0 ? null : i % 70,
    realm: some("EXAMPLE.TEST"), cname: some(`user${i % 13}`), sname: some(i % 2 ? "krbtgt/EXAMPLE.TEST" : `cifs/fs${i % 3}`),
    etext: i % 9 === 0 ? "\u001b[31mred\u0000" : null,
    etypes: i % 4 === 1 ? null : i % 4 === 2 ? [18, 17, 23] : [],
  };
}

/** Every field of a message as a plain object (the store's read their columns through getters). */
const plain = (k: KrbMsg): KrbMsg => ({
  frame: k.frame, ts: k.ts, transport: k.transport, src: k.src, dst: k.dst, srcIp: k.srcIp, dstIp: k.dstIp, toKdc: k.toKdc,
  stream: k.stream, msgType: k.msgType, errorCode: k.errorCode, realm: k.realm, cname: k.cname, sname: k.sname, etext: k.etext, etypes: k.etypes,
});

describe("Kerberos message columns", () => {
  it("give back each message as pushed, past every growth of the columns", () => {
    const s = new KrbStore();
    const lists = new Map<string, number[]>();
    const pushed: KrbMsg[] = [];
    for (let i = 0; i < 1500; i++) {
      const k = message(i);
      // the builder's etype lists are shared per content (builder.ts i32list)
      if (k.etypes) { const key = k.etypes.join(); k.etypes = lists.get(key) ?? (lists.set(key, k.etypes), k.etypes); }
      pushed.push(k);
      s.push(k.frame, k.ts, k.transport === "udp", k.toKdc, k.stream, k.msgType, k.errorCode, k.src, k.dst, k.srcIp, k.dstIp, k.realm, k.cname, k.sname, k.etext, k.etypes);
    }
    expect(s.length).toBe(1500);
    expect(s.messages().map(plain)).toEqual(pushed);
    expect(plain(s.message(1499))).toEqual(pushed[1499]);
    // the etype lists the builder shares stay shared
    expect(s.message(2).etypes).toBe(pushed[2].etypes);
    expect(s.message(0).errorCode).toBe(0xffffffff);
  });

  it("hold as many messages as the model keeps", () => {
    const s = new KrbStore();
    for (let i = 0; i < MAX_KRB_MESSAGES; i++) s.push(i + 1, i, false, true, 1, 10, null, "a:1", "b:88", "a", "b", null, null, null, null, null);
    expect(s.length).toBe(MAX_KRB_MESSAGES);
    expect(s.message(MAX_KRB_MESSAGES - 1).frame).toBe(MAX_KRB_MESSAGES);
  });
});
