// SMB over IPX comes in four Ethernet framings (Ethernet II 0x8137, Novell "raw" 802.3, 802.2
// LLC SAP 0xE0, SNAP): all are recognised as SMB over a pre-TCP transport, so such a capture is
// not reported as "no SMB". Built from the crafted fixtures/smb-ipx.pcap (Ethernet II).
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { readPcap, writePcap } from "./support/pcap";
import { decodeBytes } from "./support/decode";
import * as C from "../assembly/events";

const ipx = readPcap(join(__dirname, "../fixtures/smb-ipx.pcap"));

function reframe(kind: "raw" | "llc" | "snap"): Uint8Array {
  return writePcap(1, ipx.records.map((r) => {
    const macs = r.data.subarray(0, 12), body = r.data.subarray(14);
    const llc = kind === "raw" ? [] : kind === "llc" ? [0xe0, 0xe0, 0x03] : [0xaa, 0xaa, 0x03, 0, 0, 0, 0x81, 0x37];
    const d = new Uint8Array(14 + llc.length + body.length);
    d.set(macs); d.set(llc, 14); d.set(body, 14 + llc.length);
    new DataView(d.buffer).setUint16(12, llc.length + body.length); // 802.3: a length, not an EtherType
    return { tsUs: r.tsUs, data: d, origLen: d.length };
  }));
}

describe("SMB over IPX framings", () => {
  for (const kind of ["raw", "llc", "snap"] as const) {
    it(kind, async () => {
      const s = (await decodeBytes(reframe(kind))).find((e) => e.kind === C.EV_SUMMARY)!;
      expect(Number(s.f.ipxSmbFrames)).toBe(ipx.records.length);
    });
  }
});
