// How many SMB/Kerberos flows the decoder reassembles at once (assembly/net/reasm.ts): far more
// than the 256 it used to, so that a connection-dense capture (a file server's or a domain
// controller's busy hour) gets every connection decoded whole; past the limit, the idlest flows are
// dropped and the capture's warnings say so.
import { describe, it, expect } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-ignore plain JS module shared with bench/run.mjs
import { loadSeeds, generate } from "../bench/gen.mjs";
import { reportOf } from "./support/report";
import { decodeBytes } from "./support/decode";
import { readPcap, writePcap, type PcapRecord } from "./support/pcap";
import * as C from "../assembly/events";
import type { Connection, Report } from "../src/core/report";

const FIX = join(__dirname, "../fixtures");
const SLOTS = 65536; // assembly/net/reasm.ts SLOTS
const SMALL_BUFFERS = 2048; // assembly/net/reasm.ts TIER0_N

// What a connection's decode shows, without frame numbers, times or addresses: its setup commands
// and their statuses (phases), the shares it asked for, its verdict. (Not its ladder: a Report keeps
// the ladders of only so many healthy connections.)
function shape(c: Connection): string {
  return JSON.stringify({
    outcome: c.outcome, failedPhase: c.failedPhase, status: c.status, findings: c.findings, dialect: c.dialect, auth: c.auth,
    ended: c.ended, phases: c.phases.map((p) => [p.phase, p.status]),
    shares: c.shares.map((s) => [s.path.replace(/^\\\\[^\\]+/, ""), s.status]), // (the server's address is the replica's)
  });
}
function tally(r: Report, times = 1, into = new Map<string, number>()): Map<string, number> {
  for (const c of r.connections) into.set(shape(c), (into.get(shape(c)) ?? 0) + times);
  return into;
}

// seeds whose connections end (FIN or RST) well before the capture does (as in many-connections.test.ts)
const SEEDS: Record<string, number> = {
  "smb311-ok.pcap": 4, "smb1-nt1-ok.pcap": 1, "tcp-rejected.pcap": 1, "tree-bad-share.pcap": 1,
  "wrong-password.pcap": 1, "krb-required-ip.pcap": 1, "signing-required-guest.pcap": 1, "nbss139.pcap": 1,
};

describe("SMB/Kerberos flows reassembled at once", () => {
  it("1,200 SMB connections open at the same time: each decoded whole, as its fixture alone", async () => {
    const seeds = loadSeeds().short.filter((s: { name: string }) => s.name in SEEDS);
    expect(seeds.map((s: { name: string }) => s.name).sort()).toEqual(Object.keys(SEEDS).sort());
    const dir = mkdtempSync(join(tmpdir(), "smbscope-reasm-"));
    try {
      const file = join(dir, "dense.pcap");
      // every replica starts at once (as many lanes as replicas) and they go packet by packet in turn
      const meta = generate(file, { mix: seeds.map((s: { name: string }) => ({ seed: s, weight: SEEDS[s.name] })), replicas: 1200, lanes: 1200, seed: 5 });
      const r = await reportOf(file);
      expect(r.capture.packets).toBe(meta.packets);
      // more than the old limit of 256 were open (first to last frame) at the same time
      const edges = r.connections.flatMap((c) => [[c.firstFrame, 1], [c.lastFrame + 0.5, -1]]).sort((a, b) => a[0] - b[0]);
      let open = 0, most = 0;
      for (const [, d] of edges) { open += d; most = Math.max(most, open); }
      expect(most).toBeGreaterThan(1000);
      const want = new Map<string, number>();
      for (const [name, n] of Object.entries(meta.perSeed as Record<string, number>)) tally(await reportOf(join(FIX, name)), n, want);
      expect(Object.fromEntries([...tally(r)].sort())).toEqual(Object.fromEntries([...want].sort()));
      expect(r.capture.warnings).toEqual([]);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  }, 120_000);
});

// Frames made from a real SYN (bench-other.pcap: Ethernet, IPv4 without options), to port 445.
const other = readPcap(join(FIX, "bench-other.pcap"));
const SYN = other.records.find((r) => r.data.length >= 54 && r.data[23] === 6 && (r.data[47] & 0x12) === 0x02)!.data;
const L4 = 34, DOFF = (SYN[L4 + 12] >> 4) * 4;
const SERVER = [10, 200, 0, 1];
function frame(k: number, toServer: boolean, flags: number, seq: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const f = new Uint8Array(L4 + DOFF + payload.length);
  f.set(SYN.subarray(0, L4 + DOFF));
  const client = [10, 1 + (k >> 16), (k >> 8) & 0xff, k & 0xff], cport = 40000;
  const dv = new DataView(f.buffer);
  dv.setUint16(16, 20 + DOFF + payload.length);
  f.set(toServer ? client : SERVER, 26); f.set(toServer ? SERVER : client, 30);
  dv.setUint16(L4, toServer ? cport : 445); dv.setUint16(L4 + 2, toServer ? 445 : cport);
  dv.setUint32(L4 + 4, seq >>> 0); f[L4 + 13] = flags;
  f.set(payload, L4 + DOFF);
  return f;
}
// The first `n` bytes of an NBSS message carrying an SMB2 NEGOTIATE request of `len` bytes.
function negotiateStart(len: number, n: number): Uint8Array {
  const m = new Uint8Array(4 + len);
  new DataView(m.buffer).setUint32(0, len);
  m.set([0xfe, 0x53, 0x4d, 0x42, 64, 0], 4); // ProtocolId, StructureSize; Command 0 = NEGOTIATE
  return m.subarray(0, n);
}
const ISN = 1000;
const t0 = 1_700_000_000_000_000n;
const rec = (recs: PcapRecord[], data: Uint8Array) => recs.push({ tsUs: t0 + BigInt(recs.length) * 10n, data, origLen: data.length });

describe("past the limit", () => {
  it(`more than ${SLOTS} SMB flows open at once: the idlest are dropped, and the warning says so`, async () => {
    const N = SLOTS + 100;
    const recs: PcapRecord[] = [];
    for (let k = 0; k < N; k++) rec(recs, frame(k, true, 0x02, ISN));
    // answers to the first flow (dropped: idlest) and to the last one (still reassembled)
    rec(recs, frame(0, false, 0x12, 5000)); rec(recs, frame(N - 1, false, 0x12, 5000));
    const ev = await decodeBytes(writePcap(1, recs));
    const warn = ev.filter((e) => e.kind === C.EV_WARNING && e.f.code === C.W_REASM_SLOTS_FULL);
    expect(warn.map((e) => Number(e.f.value))).toEqual([SLOTS]);
    expect(warn[0].frame).toBe(SLOTS + 1); // the frame of the first flow that found no slot free
    expect(ev.filter((e) => e.kind === C.EV_FLOW).length).toBe(N);
    const synAck = ev.filter((e) => e.kind === C.EV_TCP && e.frame > N).map((e) => e.stream);
    expect(synAck).toEqual([N - 1]);
  }, 120_000);

  it(`more than ${SMALL_BUFFERS} SMB flows each in the middle of a message: the one that waited longest is dropped, with the warning`, async () => {
    const N = SMALL_BUFFERS + 1, LEN = 200, HALF = 100;
    const recs: PcapRecord[] = [];
    for (let k = 0; k < N; k++) {
      rec(recs, frame(k, true, 0x02, ISN));
      rec(recs, frame(k, true, 0x18, ISN + 1, negotiateStart(LEN, HALF))); // the message's first half
    }
    const whole = negotiateStart(LEN, 4 + LEN);
    for (const k of [0, 1, N - 1]) rec(recs, frame(k, true, 0x18, ISN + 1 + HALF, whole.subarray(HALF))); // the rest
    const ev = await decodeBytes(writePcap(1, recs));
    const warn = ev.filter((e) => e.kind === C.EV_WARNING && e.f.code === C.W_REASM_SLOTS_FULL);
    expect(warn.map((e) => [Number(e.f.value), Number(e.f.value2)])).toEqual([[SMALL_BUFFERS, 1]]);
    const negotiates = ev.filter((e) => e.kind === C.EV_SMB2).map((e) => e.stream);
    expect(negotiates).toEqual([1, N - 1]); // flow 0 was dropped; the others' messages came out whole
  }, 60_000);
});
