// The TCP flow table under a flood of conversations: more than it holds at once (it prunes), no
// trap (a prune that freed nothing used to recurse until the stack overflowed), and stream numbers
// that still follow Wireshark's rule (one number per new conversation, in order of appearance).
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { readPcap, writePcap, type PcapRecord } from "./support/pcap";
import { decodeBytes } from "./support/decode";
import { describeProblem } from "../src/core/problems";
import type { RawEvent } from "../src/core/decoder/records";
import * as C from "../assembly/events";

const FX = join(__dirname, "../fixtures");
const FLOOD = 200_000; // more than the table's 262,144 × 60 % before a prune

describe("flow table", () => {
  it(`${FLOOD} short conversations around an SMB session: no trap, streams numbered as Wireshark does`, async () => {
    const other = readPcap(join(FX, "bench-other.pcap"));
    const syn = other.records.find((r) => r.data.length >= 54 && r.data[23] === 6 && (r.data[47] & 0x12) === 0x02)!; // a real SYN
    const smb = readPcap(join(FX, "smb311-ok.pcap"));
    const t0 = smb.records[0].tsUs;
    const recs: PcapRecord[] = [];
    const half = 20; // the SMB session's first packets, then the flood, then the rest
    recs.push(...smb.records.slice(0, half));
    for (let k = 0; k < FLOOD; k++) {
      const d = new Uint8Array(syn.data); // a copy (Buffer#slice would be a view)
      d[26] = 172; d[27] = 16 + (k >> 16); d[28] = (k >> 8) & 0xff; d[29] = k & 0xff; // source 172.x.y.z
      d[34] = 0x40 | ((k >> 8) & 0x3f); d[35] = k & 0xff; // source port
      recs.push({ tsUs: t0 + 1000n + BigInt(k), data: d, origLen: d.length });
    }
    const shift = BigInt(FLOOD) + 2000n;
    recs.push(...smb.records.slice(half).map((r) => ({ ...r, tsUs: r.tsUs + shift })));
    // a second SMB session after the flood: its stream number is the count of all before it
    recs.push(...smb.records.map((r) => ({ ...r, tsUs: r.tsUs + shift + 10_000_000n, data: withClientPort(r.data, 50001) })));

    const evs = await decodeBytes(writePcap(smb.linkType, recs), 4 << 20);
    const plain = await decodeBytes(writePcap(smb.linkType, smb.records));
    const smbEv = (l: RawEvent[]) => l.filter((e) => e.kind === C.EV_SMB2);
    const key = (e: RawEvent) => `${e.stream}:${e.f.cmd}:${e.f.response}:${e.f.status}:${String(e.f.msgId)}`;
    const first = smbEv(evs).filter((e) => e.frame <= recs.length - smb.records.length);
    const second = smbEv(evs).filter((e) => e.frame > recs.length - smb.records.length);
    expect(first.map(key)).toEqual(smbEv(plain).map(key)); // stream 0 kept across the prunes
    // tcp.stream: the first session is 0, the flood takes 1..FLOOD (the ARP frames are no TCP)
    expect(new Set(second.map((e) => e.stream))).toEqual(new Set([FLOOD + 1]));
    expect(second.map((e) => `${e.f.cmd}:${e.f.response}:${e.f.status}`)).toEqual(smbEv(plain).map((e) => `${e.f.cmd}:${e.f.response}:${e.f.status}`));
    const probs = evs.filter((e) => e.kind === C.EV_WARNING || e.kind === C.EV_ERROR).map((e) => describeProblem(e, "flood.pcap"));
    expect(probs.filter((p) => p.fatal)).toEqual([]);
    for (const p of probs) expect(p.code).toBe(C.W_FLOW_TABLE_FULL);
  });
});

/** The same Ethernet/IPv4/TCP frame with the client's port (not 445) replaced. */
function withClientPort(d: Uint8Array, port: number): Uint8Array {
  const x = new Uint8Array(d);
  if (x.length < 38 || x[12] !== 8 || x[13] !== 0 || x[23] !== 6) return x;
  const l4 = 14 + (x[14] & 15) * 4;
  const sp = (x[l4] << 8) | x[l4 + 1], dp = (x[l4 + 2] << 8) | x[l4 + 3];
  if (sp !== 445) { x[l4] = port >> 8; x[l4 + 1] = port & 0xff; }
  if (dp !== 445) { x[l4 + 2] = port >> 8; x[l4 + 3] = port & 0xff; }
  return x;
}
