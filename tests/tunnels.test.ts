// Tunnels (assembly/net/tunnel.ts) beyond what the fixtures show: a flow inside a tunnel is not
// the same flow as the same 5-tuple outside it, and tunnels inside tunnels are decoded only to a
// bounded depth. Built from the real capture fixtures/vxlan-smb.pcap.
import { describe, it, expect, afterAll } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readPcap, writePcap, type PcapRecord } from "./support/pcap";
import { reportOf } from "./support/report";
import { decodeBytes } from "./support/decode";
import * as C from "../assembly/events";

const cap = readPcap(join(__dirname, "../fixtures/vxlan-smb.pcap"));
const OUTER = 14 + 20 + 8 + 8; // Ethernet, IPv4, UDP, VXLAN
const isVxlan = (d: Uint8Array) => d[12] === 0x08 && d[13] === 0x00 && d[23] === 17 && ((d[36] << 8) | d[37]) === 4789;
const tmp = mkdtempSync(join(tmpdir(), "smbscope-tunnels-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** One more VXLAN layer around a frame (outer headers of the capture's own first VXLAN frame). */
function wrap(d: Uint8Array): Uint8Array {
  const proto = cap.records.find((r) => isVxlan(r.data))!.data.subarray(0, OUTER);
  const out = new Uint8Array(OUTER + d.length);
  out.set(proto); out.set(d, OUTER);
  const dv = new DataView(out.buffer);
  dv.setUint16(16, 20 + 8 + 8 + d.length); dv.setUint16(38, 8 + 8 + d.length); dv.setUint16(40, 0); // IP total, UDP length, no UDP checksum
  return out;
}

describe("tunnels", () => {
  it("a connection inside a tunnel and the same 5-tuple outside it are two connections", async () => {
    // The session once as captured (in VXLAN) and, 10 s later, its inner frames bare: same
    // addresses and ports. (Wireshark 4.0 merges them into one tcp.stream.)
    const bare: PcapRecord[] = cap.records.filter((r) => isVxlan(r.data))
      .map((r) => ({ tsUs: r.tsUs + 10_000_000n, data: r.data.subarray(OUTER), origLen: r.origLen - OUTER }));
    const file = join(tmp, "in-and-out.pcap");
    writeFileSync(file, writePcap(1, [...cap.records, ...bare]));
    const r = await reportOf(file);
    const conns = r.connections.filter((c) => c.server === "10.99.8.1:445");
    expect(conns.map((c) => [c.stream, c.outcome, c.shares.length])).toEqual([[0, "ok", 2], [1, "ok", 2]]);
  });

  it("decodes tunnels nested three deep and counts, without decoding, deeper ones", async () => {
    const nested = (extra: number) => writePcap(1, cap.records.map((r) => {
      let d = r.data;
      if (isVxlan(d)) for (let i = 0; i < extra; i++) d = wrap(d);
      return { tsUs: r.tsUs, data: d, origLen: d.length };
    }));
    const smb2 = async (extra: number) => {
      const ev = await decodeBytes(nested(extra));
      const summary = ev.find((e) => e.kind === C.EV_SUMMARY)!;
      return { smb2: ev.filter((e) => e.kind === C.EV_SMB2).length, tunnelled: Number(summary.f.tunnelPackets) };
    };
    const tunnelled = cap.records.filter((r) => isVxlan(r.data)).length;
    expect(await smb2(2)).toEqual({ smb2: 30, tunnelled }); // VXLAN in VXLAN in VXLAN
    expect(await smb2(3)).toEqual({ smb2: 0, tunnelled }); // four deep: past MAX_DEPTH
  });
});
