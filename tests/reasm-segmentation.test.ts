// The reassembler frames NBSS (SMB) and record-marking (Kerberos over TCP) messages whatever the
// segments they arrive in: the real captures below, with every data segment re-cut into pieces of
// 1 to 7 bytes (so that message headers fall across segments at every offset), decode to the same
// SMB, NBSS and Kerberos records as the captures as they are.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { readPcap, writePcap, type PcapRecord } from "./support/pcap";
import { decodeBytes } from "./support/decode";
import { EV_KRB, EV_NBSS, EV_SMB1, EV_SMB2 } from "../assembly/events";
import type { RawEvent } from "../src/core/decoder/records";

const FIX = join(__dirname, "../fixtures");
const SIZES = [1, 5, 2, 7, 3, 4, 6];

/** Every IPv4 TCP segment with a payload and no SYN, FIN or RST, cut into pieces of SIZES bytes in turn. */
function recut(records: PcapRecord[]): PcapRecord[] {
  const out: PcapRecord[] = [];
  let k = 0;
  for (const r of records) {
    const d = r.data, dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const ip = 14;
    if (d.length < ip + 20 || dv.getUint16(12) !== 0x0800 || d[ip + 9] !== 6 || r.origLen !== d.length) { out.push(r); continue; }
    const ihl = (d[ip] & 15) * 4, tcp = ip + ihl, ipLen = dv.getUint16(ip + 2);
    const doff = (d[tcp + 12] >> 4) * 4, flags = d[tcp + 13];
    const payload = d.subarray(tcp + doff, ip + ipLen);
    if (payload.length < 2 || (flags & 7) !== 0) { out.push(r); continue; }
    const seq = dv.getUint32(tcp + 4);
    for (let off = 0; off < payload.length; ) {
      const n = Math.min(SIZES[k++ % SIZES.length], payload.length - off);
      const p = new Uint8Array(tcp + doff + n);
      p.set(d.subarray(0, tcp + doff));
      p.set(payload.subarray(off, off + n), tcp + doff);
      const pv = new DataView(p.buffer);
      pv.setUint16(ip + 2, ihl + doff + n);
      pv.setUint32(tcp + 4, (seq + off) >>> 0);
      out.push({ tsUs: r.tsUs, data: p, origLen: p.length });
      off += n;
    }
  }
  return out;
}

const KINDS = new Set([EV_SMB1, EV_SMB2, EV_NBSS, EV_KRB]);
const messages = (evs: RawEvent[]) => evs.filter((e) => KINDS.has(e.kind)).map((e) => ({ kind: e.kind, stream: e.stream, f: e.f }));

describe("TCP reassembly", () => {
  for (const name of ["guest-ok.pcap", "krb-kdc-tcp.pcap", "anon-smb1-tree-denied.pcap", "krb-smb-ok.pcap"]) {
    it(`${name}: data segments cut into 1-7 byte pieces give the same SMB, NBSS and Kerberos records`, async () => {
      const pcap = readPcap(join(FIX, name));
      const cut = recut(pcap.records);
      expect(cut.length).toBeGreaterThan(pcap.records.length * 2); // (the capture was cut up)
      const whole = messages(await decodeBytes(writePcap(pcap.linkType, pcap.records)));
      expect(whole.length).toBeGreaterThan(4);
      expect(messages(await decodeBytes(writePcap(pcap.linkType, cut)))).toEqual(whole);
    });
  }
});
