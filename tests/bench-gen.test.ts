// bench/gen.mjs replicates real fixtures with addresses and client ports of their own per replica.
// An ICMP error quotes the packet it refuses (RFC 792): a replica whose ICMP still quoted the
// seed's addresses would name no connection of the replica, and a SYN refused by ICMP would read
// as never answered. Each replica of the real syn-icmp-prohibited.pcap (SYN to 445 answered by
// ICMP admin-prohibited, quoting TCP) and kdc-unreachable.pcap (AS-REQ to 88 answered by ICMP port
// unreachable, quoting UDP) must get the verdict and findings the seed gets, with its own addresses.
import { describe, it, expect } from "vitest";
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-ignore plain JS module shared with bench/run.mjs
import { loadSeed, generate } from "../bench/gen.mjs";
import { reportOf } from "./support/report";
import type { Connection, Report } from "../src/core/report";

const FIX = join(__dirname, "../fixtures");
const REPLICAS = 3;
const host = (e: string) => e.slice(0, e.lastIndexOf(":"));
const verdict = (c: Connection) => ({ outcome: c.outcome, failedPhase: c.failedPhase, status: c.status, findings: c.findings });

/** One's complement sum of b[from, to) as 16-bit words. */
function sum(b: Buffer, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i += 2) s += (b[i] << 8) | (i + 1 < to ? b[i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** The ICMP packets of a µs Ethernet pcap: { outer source and destination, quoted ones and ports, checksums sound }. */
function icmpOf(file: string) {
  const b = readFileSync(file);
  const out = [];
  for (let o = 24; o + 16 <= b.length;) {
    const n = b.readUInt32LE(o + 8), d = b.subarray(o + 16, o + 16 + n);
    o += 16 + n;
    if (d.readUInt16BE(12) !== 0x0800 || d[23] !== 1) continue;
    const icmp = 14 + (d[14] & 15) * 4, q = icmp + 8, qihl = (d[q] & 15) * 4;
    const ipv4 = (x: number) => [...d.subarray(x, x + 4)].join(".");
    const icmpEnd = 14 + d.readUInt16BE(16);
    out.push({
      sender: ipv4(26), to: ipv4(30), quotedSrc: ipv4(q + 12), quotedDst: ipv4(q + 16),
      quotedPorts: [d.readUInt16BE(q + qihl), d.readUInt16BE(q + qihl + 2)],
      icmpChecksumOk: sum(d, icmp, icmpEnd) === 0xffff, quotedIpChecksumOk: sum(d, q, q + qihl) === 0xffff,
    });
  }
  return out;
}

async function replicate(name: string, dir: string) {
  const seed = loadSeed(join(FIX, name));
  const file = join(dir, name);
  generate(file, { mix: [{ seed, weight: 1 }], replicas: REPLICAS, lanes: REPLICAS, seed: 5 });
  return { file, replica: await reportOf(file), alone: await reportOf(join(FIX, name)) };
}

function expectLikeSeed(replica: Report, alone: Report) {
  expect(alone.connections).toHaveLength(1);
  expect(replica.connections).toHaveLength(REPLICAS);
  for (const c of replica.connections) expect(verdict(c)).toEqual(verdict(alone.connections[0]));
  // every replica on addresses of its own, none on the seed's
  expect(new Set(replica.connections.map((c) => host(c.client))).size).toBe(REPLICAS);
  for (const c of replica.connections) expect(host(c.client)).not.toBe(host(alone.connections[0].client));
}

describe("bench replicas of captures with ICMP errors", () => {
  it("a SYN refused by ICMP (quoting TCP) is refused in every replica, as in the seed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smbscope-gen-"));
    try {
      const { file, replica, alone } = await replicate("syn-icmp-prohibited.pcap", dir);
      expect(verdict(alone.connections[0])).toMatchObject({ outcome: "failed", failedPhase: "tcp", findings: ["TCP_REJECTED"] });
      expectLikeSeed(replica, alone);
      // each ICMP quotes its own replica's SYN, from that replica's client port, checksums sound
      const icmp = icmpOf(file);
      expect(icmp).toHaveLength(REPLICAS);
      for (const c of replica.connections) {
        const port = Number(c.client.slice(c.client.lastIndexOf(":") + 1));
        expect(icmp).toContainEqual({ sender: host(c.server), to: host(c.client), quotedSrc: host(c.client), quotedDst: host(c.server), quotedPorts: [port, 445], icmpChecksumOk: true, quotedIpChecksumOk: true });
      }
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it("an AS-REQ refused by ICMP port unreachable (quoting UDP) gives each replica its KDC_UNREACHABLE, as in the seed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smbscope-gen-"));
    try {
      const { file, replica, alone } = await replicate("kdc-unreachable.pcap", dir);
      expect(alone.connections[0].findings).toContain("KDC_UNREACHABLE");
      expectLikeSeed(replica, alone);
      const unreachable = replica.findings.filter((f) => f.id === "KDC_UNREACHABLE");
      expect(unreachable).toHaveLength(REPLICAS);
      expect(new Set(unreachable.map((f) => f.connection))).toEqual(new Set(replica.connections.map((c) => c.id)));
      // each ICMP quotes the AS-REQ its own replica's client sent (to the KDC that sends the ICMP)
      const icmp = icmpOf(file);
      expect(icmp).toHaveLength(REPLICAS);
      expect(new Set(icmp.map((x) => x.to))).toEqual(new Set(replica.connections.map((c) => host(c.client))));
      for (const x of icmp) expect(x).toMatchObject({ quotedSrc: x.to, quotedDst: x.sender, quotedPorts: [expect.any(Number), 88], icmpChecksumOk: true, quotedIpChecksumOk: true });
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
