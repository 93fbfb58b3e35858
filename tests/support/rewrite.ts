// Rewritten captures for tests: real fixture packets with frames left out (a capture that starts
// later, or that missed a request) or an SMB2 status patched (labelled crafted where used).
import { writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { readPcap, writePcap, type PcapRecord } from "./pcap";

const dir = mkdtempSync(join(tmpdir(), "smbscope-rw-"));

/** Writes `name` made of the fixture's frames (1-based numbers) that `keep` accepts, each maybe changed by `patch`. */
export function rewrite(src: string, name: string, keep: (frame: number) => boolean, patch?: (frame: number, data: Uint8Array) => Uint8Array): string {
  const p = readPcap(src);
  const out: PcapRecord[] = [];
  p.records.forEach((r, i) => { if (keep(i + 1)) out.push({ ...r, data: patch ? patch(i + 1, r.data) : r.data }); });
  const path = join(dir, name);
  writeFileSync(path, writePcap(p.linkType, out));
  return path;
}

/** The frame with its SMB2 header's status set to `status` (the header found by its 0xFE 'SMB' magic). */
export function setSmb2Status(data: Uint8Array, status: number): Uint8Array {
  const d = new Uint8Array(data);
  for (let i = 0; i + 12 <= d.length; i++) {
    if (d[i] === 0xfe && d[i + 1] === 0x53 && d[i + 2] === 0x4d && d[i + 3] === 0x42) {
      new DataView(d.buffer, d.byteOffset).setUint32(i + 8, status >>> 0, true);
      return fixTcpChecksum(d);
    }
  }
  throw new Error("no SMB2 header in this frame");
}

/** The frame with the SessionFlags of its SMB2 SESSION_SETUP response set to `flags` (MS-SMB2 2.2.6: 2 bytes after the 64-byte header's StructureSize). */
export function setSmb2SessionFlags(data: Uint8Array, flags: number): Uint8Array {
  const d = new Uint8Array(data);
  for (let i = 0; i + 68 <= d.length; i++) {
    if (d[i] === 0xfe && d[i + 1] === 0x53 && d[i + 2] === 0x4d && d[i + 3] === 0x42) {
      new DataView(d.buffer, d.byteOffset).setUint16(i + 64 + 2, flags, true);
      return fixTcpChecksum(d);
    }
  }
  throw new Error("no SMB2 header in this frame");
}

/** The frame with its NTLM message's VERSION (MS-NLMP 2.2.2.10) set: offset 32 of a NEGOTIATE, 48 of a CHALLENGE, 64 of an AUTHENTICATE. */
export function setNtlmVersion(data: Uint8Array, major: number, minor: number, build: number): Uint8Array {
  const d = new Uint8Array(data);
  const sig = [0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0];
  for (let i = 0; i + 16 <= d.length; i++) {
    if (sig.every((b, k) => d[i + k] === b)) {
      const type = d[i + 8];
      const at = type === 2 ? 48 : type === 1 ? 32 : type === 3 ? 64 : -1;
      if (at < 0 || i + at + 4 > d.length) break;
      d[i + at] = major; d[i + at + 1] = minor;
      new DataView(d.buffer, d.byteOffset).setUint16(i + at + 2, build, true);
      return fixTcpChecksum(d);
    }
  }
  throw new Error("no NTLMSSP message in this frame");
}

/** Recomputes the TCP checksum of an Ethernet/IPv4 frame, so the patched packet stays valid. */
function fixTcpChecksum(d: Uint8Array): Uint8Array {
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const ip = 14, ihl = (d[ip] & 0x0f) * 4, total = dv.getUint16(ip + 2);
  const tcp = ip + ihl, len = total - ihl;
  dv.setUint16(tcp + 16, 0);
  let sum = 0;
  for (let i = 0; i < 8; i += 2) sum += dv.getUint16(ip + 12 + i); // source and destination addresses
  sum += 6 + len;
  for (let i = 0; i + 1 < len; i += 2) sum += dv.getUint16(tcp + i);
  if (len & 1) sum += d[tcp + len - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  dv.setUint16(tcp + 16, ~sum & 0xffff);
  return d;
}

/**
 * Replaces the TCP payload of frame `frame` (1-based; Ethernet/IPv4, one whole NBSS message or
 * more) with `payload`, and moves the sequence numbers of the connection's later segments in that
 * direction, and the acknowledgements of the other, by the difference: the stream stays coherent.
 */
export function replaceTcpPayload(records: PcapRecord[], frame: number, payload: Uint8Array): PcapRecord[] {
  const at = (d: Uint8Array) => {
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const ip = 14, ihl = (d[ip] & 15) * 4, tcp = ip + ihl;
    return { dv, ip, ihl, tcp, off: (d[tcp + 12] >> 4) * 4, ports: `${dv.getUint16(tcp)}:${dv.getUint16(tcp + 2)}` };
  };
  const t = at(records[frame - 1].data);
  const old = t.dv.getUint16(t.ip + 2) - t.ihl - t.off;
  const delta = payload.length - old;
  const [a, b] = t.ports.split(":");
  return records.map((r, i) => {
    const n = i + 1;
    if (n < frame) return r;
    const x = at(r.data);
    const same = x.ports === t.ports, reverse = x.ports === `${b}:${a}`;
    if (!same && !reverse) return r;
    let d: Uint8Array;
    if (n === frame) {
      d = new Uint8Array(x.tcp + x.off + payload.length);
      d.set(r.data.subarray(0, x.tcp + x.off)); d.set(payload, x.tcp + x.off);
      new DataView(d.buffer).setUint16(x.ip + 2, x.ihl + x.off + payload.length);
    } else {
      d = new Uint8Array(r.data);
      const dv = new DataView(d.buffer);
      if (same) dv.setUint32(x.tcp + 4, (dv.getUint32(x.tcp + 4) + delta) >>> 0);
      else if (d[x.tcp + 13] & 0x10) dv.setUint32(x.tcp + 8, (dv.getUint32(x.tcp + 8) + delta) >>> 0);
    }
    fixIpChecksum(d);
    return { ...r, data: fixTcpChecksum(d), origLen: d.length };
  });
}

function fixIpChecksum(d: Uint8Array): void {
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const ip = 14, ihl = (d[ip] & 15) * 4;
  dv.setUint16(ip + 10, 0);
  let sum = 0;
  for (let i = 0; i < ihl; i += 2) sum += dv.getUint16(ip + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  dv.setUint16(ip + 10, ~sum & 0xffff);
}

/** Writes records as a pcap of link type `linkType` named `name` in the temporary directory. */
export function writeRecords(linkType: number, records: PcapRecord[], name: string): string {
  const path = join(dir, name);
  writeFileSync(path, writePcap(linkType, records));
  return path;
}
