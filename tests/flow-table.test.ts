// The TCP flow table under a flood of conversations: more than it holds at once (it prunes), no
// trap (a prune that freed nothing used to recurse until the stack overflowed), and stream numbers
// that still follow Wireshark's rule (one number per new conversation, in order of appearance).
// Hash flooding (issue 12): conversations chosen offline to collide in the table's hash keep
// every lookup short (the key is secret), and even with the key known no lookup looks at more
// than the probe limit and the numbering stays Wireshark's.
import { describe, it, expect, afterAll } from "vitest";
import { join } from "node:path";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { readPcap, writePcap, type PcapRecord } from "./support/pcap";
import { decodeBytes } from "./support/decode";
import { describeProblem } from "../src/core/problems";
import { decodeRecords, type RawEvent } from "../src/core/decoder/records";
import * as C from "../assembly/events";
// @ts-ignore plain JS module shared with bench/run.mjs
import { floodFlows, floodPcap, oldHomePlace } from "../bench/gen.mjs";

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

describe("flow table under hash flooding", () => {
  const N = 50_000;
  it(`${N} conversations chosen to collide in the old unkeyed hash: short lookups, tshark's tcp.stream`, () => {
    interface Flow { client: Uint8Array; server: Uint8Array; cport: number; sport: number }
    const flows: Flow[] = [...floodFlows(N, { adversarial: true, port: 445 })];
    // the attack's premise: under the old hash every one of them has the same home place
    expect(new Set(flows.map((f) => oldHomePlace(f.server, f.client, f.sport, f.cport))).size).toBe(1);
    // their SYNs, then the server's RST/ACKs in a shuffled order (each a lookup), then an SMB session
    const scan = readPcap(writeTemp(floodPcap(flows, { replies: "later" })));
    const smb = readPcap(join(FX, "smb311-ok.pcap"));
    const after = scan.records[scan.records.length - 1].tsUs + 1000n;
    const recs = [...scan.records, ...smb.records.map((r) => ({ ...r, tsUs: r.tsUs - smb.records[0].tsUs + after }))];
    const file = writeTemp(writePcap(1, recs));

    const d = rawDecode(readFileSync(file), randomKey());
    console.log(`flow table, ${N} colliding flows: ${(d.probes / recs.length).toFixed(2)} places looked at per packet, at most ${d.probeMax}`);
    // lookups stay as short as in an ordinary capture (the table is at most 20 % full here)
    expect(d.probeMax).toBeLessThanOrEqual(64);
    expect(d.probes / recs.length).toBeLessThan(2);
    expect(d.rekeys).toBe(0);
    // every conversation numbered in order of first appearance, as tshark's tcp.stream
    const flowEv = d.events.filter((e) => e.kind === C.EV_FLOW && e.frame <= N);
    expect(flowEv.map((e) => e.stream)).toEqual(flows.map((_, k) => k));
    const ts = tsharkStreams(file);
    if (ts) {
      expect(flowEv.map((e) => ts.get(e.frame))).toEqual(flows.map((_, k) => k));
      // the session after the scan: every RST/ACK found its conversation, or it would be later
      const smbEv = d.events.filter((e) => e.kind === C.EV_SMB2);
      expect(smbEv.length).toBeGreaterThan(0);
      expect(smbEv.map((e) => e.stream)).toEqual(smbEv.map((e) => ts.get(e.frame)));
      expect(ts.get(smbEv[0].frame)).toBe(N);
    }
    expect(d.events.filter((e) => e.kind === C.EV_SMB2).every((e) => e.stream === N)).toBe(true);
  });

  it("with the key known (a leaked seed): no lookup looks past the probe limit, the index is rebuilt, numbering kept", () => {
    // 2,000 conversations whose home places lie within 1,024 places under this key: a run of full
    // places longer than the probe limit, which the decoder answers by rebuilding under a new key
    const key = Uint32Array.from([0x01234567, 0x89abcdef, 0xfedcba98, 0x76543210]);
    const M = 2000, WINDOW = 1024, HOME = 77_777;
    const other = readPcap(join(FX, "bench-other.pcap"));
    const syn = other.records.find((r) => r.data.length >= 54 && r.data[23] === 6 && (r.data[47] & 0x12) === 0x02)!.data;
    const server = [10, 200, 0, 1];
    const msg = new Uint8Array(36);
    msg[10] = msg[11] = msg[26] = msg[27] = 0xff; // ::ffff:a.b.c.d
    msg.set(server, 28); msg[34] = 445 & 0xff; msg[35] = 445 >> 8;
    const chosen: { client: number[]; cport: number }[] = [];
    for (let c = 0; chosen.length < M; c++) {
      const client = [10, 1, (c >> 8) & 0xff, c & 0xff], cport = 40000 + (c >> 16);
      msg.set(client, 12); msg[32] = cport & 0xff; msg[33] = cport >> 8; // the client is the lower endpoint
      const home = (sipHash(1, 3, key, msg)[0] >>> 1) & ((1 << 18) - 1);
      if (home >= HOME && home < HOME + WINDOW) chosen.push({ client, cport });
    }
    const frame = (src: number[], dst: number[], sport: number, dport: number, flags: number) => {
      const f = new Uint8Array(syn);
      f.set(src, 26); f.set(dst, 30);
      f[34] = sport >> 8; f[35] = sport & 0xff; f[36] = dport >> 8; f[37] = dport & 0xff; f[47] = flags;
      return f;
    };
    const t0 = 1_700_000_000_000_000n;
    const recs: PcapRecord[] = [];
    for (const c of chosen) recs.push({ tsUs: t0 + BigInt(recs.length), data: frame(c.client, server, c.cport, 445, 0x02), origLen: syn.length });
    for (const c of [...chosen].reverse()) recs.push({ tsUs: t0 + BigInt(recs.length), data: frame(server, c.client, 445, c.cport, 0x14), origLen: syn.length });
    const smb = readPcap(join(FX, "smb311-ok.pcap"));
    recs.push(...smb.records.map((r) => ({ ...r, tsUs: r.tsUs - smb.records[0].tsUs + t0 + 10_000_000n })));

    const d = rawDecode(writePcap(1, recs), key);
    expect(d.rekeys).toBeGreaterThanOrEqual(1); // the decoder's hash is SipHash-1-3 under this key
    expect(d.probeMax).toBeLessThanOrEqual(d.limit);
    expect(d.events.filter((e) => e.kind === C.EV_FLOW && e.frame <= M).map((e) => e.stream)).toEqual(chosen.map((_, k) => k));
    const smbEv = d.events.filter((e) => e.kind === C.EV_SMB2);
    expect(smbEv.length).toBeGreaterThan(0);
    expect(new Set(smbEv.map((e) => e.stream))).toEqual(new Set([M])); // every RST/ACK found its conversation after the rebuild
    expect(d.events.filter((e) => e.kind === C.EV_WARNING && e.f.code === C.W_FLOW_TABLE_FULL)).toEqual([]);
  });

  it("SipHash as the tests compute it is SipHash (the paper's test vector)", () => {
    const key = Uint32Array.from([0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c]);
    const [lo, hi] = sipHash(2, 4, key, Uint8Array.from({ length: 15 }, (_, i) => i));
    expect(hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0")).toBe("a129ca6149be45e5");
  });
});

interface Wasm {
  memory: WebAssembly.Memory;
  init(): void; reset(): void; setHashSeed(a: number, b: number, c: number, d: number): void;
  inputPtr(): number; inputCap(): number; feed(len: number): number; resume(): number; finish(): void;
  outputPtr(): number; outputLen(): number; outputReset(): void;
  flowProbes(): bigint; flowProbeMax(): number; flowRekeys(): number; flowProbeLimit(): number;
}

/** Decodes a capture with a decoder instance of its own under `key`; its events and probe statistics. */
function rawDecode(bytes: Uint8Array, key: Uint32Array) {
  const mod = new WebAssembly.Module(readFileSync(join(__dirname, "../build/decoder.wasm")));
  const x = new WebAssembly.Instance(mod, { env: { decoderError() {} } }).exports as unknown as Wasm;
  x.init();
  x.setHashSeed(key[0], key[1], key[2], key[3]);
  x.reset();
  const events: RawEvent[] = [];
  const drain = () => {
    decodeRecords(new Uint8Array(x.memory.buffer), x.outputPtr(), x.outputPtr() + x.outputLen(), events);
    x.outputReset();
  };
  for (let off = 0; off < bytes.length; off += x.inputCap()) {
    const part = bytes.subarray(off, off + x.inputCap());
    new Uint8Array(x.memory.buffer, x.inputPtr(), part.length).set(part);
    let more = x.feed(part.length);
    drain();
    while (more) { more = x.resume(); drain(); }
  }
  x.finish(); drain();
  return { events, probes: Number(x.flowProbes()), probeMax: x.flowProbeMax(), rekeys: x.flowRekeys(), limit: x.flowProbeLimit() };
}

const randomKey = () => crypto.getRandomValues(new Uint32Array(4));

let tmp: string | null = null;
function writeTemp(bytes: Uint8Array): string {
  tmp ??= mkdtempSync(join(tmpdir(), "smbscope-flood-"));
  const f = join(tmp, `${Math.random().toString(36).slice(2)}.pcap`);
  writeFileSync(f, bytes);
  return f;
}
afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

/** tshark's tcp.stream by frame number (null when tshark is not installed). */
function tsharkStreams(file: string): Map<number, number> | null {
  const r = spawnSync("tshark", ["-n", "-r", file, "-T", "fields", "-e", "frame.number", "-e", "tcp.stream"], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.error || r.status !== 0) { console.warn("tshark not run: the stream numbers are checked against the rule only"); return null; }
  const m = new Map<number, number>();
  for (const line of r.stdout.split("\n")) {
    const [f, st] = line.split("\t");
    if (st) m.set(Number(f), Number(st));
  }
  return m;
}

/**
 * SipHash-c-d (Aumasson & Bernstein) of `msg` under the 128-bit key k (four u32, k0 low first),
 * on 32-bit halves (BigInt is too slow to search for collisions): [low, high] u32 of the result.
 */
function sipHash(c: number, d: number, k: Uint32Array, msg: Uint8Array): [number, number] {
  // v0 v1 v2 v3 as (low, high) at 0, 2, 4, 6
  const v = Uint32Array.from([k[0] ^ 0x70736575, k[1] ^ 0x736f6d65, k[2] ^ 0x6e646f6d, k[3] ^ 0x646f7261,
    k[0] ^ 0x6e657261, k[1] ^ 0x6c796765, k[2] ^ 0x79746573, k[3] ^ 0x74656462]);
  const add = (a: number, b: number) => { const l = (v[a] + v[b]) >>> 0; v[a + 1] = v[a + 1] + v[b + 1] + (l < v[a] ? 1 : 0); v[a] = l; };
  const xor = (a: number, b: number) => { v[a] ^= v[b]; v[a + 1] ^= v[b + 1]; };
  const rotl = (a: number, r: number) => {
    const l = v[a], h = v[a + 1];
    if (r === 32) { v[a] = h; v[a + 1] = l; return; }
    v[a + 1] = (h << r) | (l >>> (32 - r)); v[a] = (l << r) | (h >>> (32 - r));
  };
  const round = () => {
    add(0, 2); rotl(2, 13); xor(2, 0); rotl(0, 32);
    add(4, 6); rotl(6, 16); xor(6, 4);
    add(0, 6); rotl(6, 21); xor(6, 0);
    add(4, 2); rotl(2, 17); xor(2, 4); rotl(4, 32);
  };
  const block = (lo: number, hi: number) => {
    v[6] ^= lo; v[7] ^= hi;
    for (let i = 0; i < c; i++) round();
    v[0] ^= lo; v[1] ^= hi;
  };
  const le = (o: number, n: number) => { let x = 0; for (let i = n - 1; i >= 0; i--) x = x * 256 + msg[o + i]; return x >>> 0; };
  const whole = msg.length & ~7;
  for (let o = 0; o < whole; o += 8) block(le(o, 4), le(o + 4, 4));
  const tail = new Uint8Array(8);
  tail.set(msg.subarray(whole));
  tail[7] = msg.length & 0xff;
  const tl = tail[0] | (tail[1] << 8) | (tail[2] << 16) | (tail[3] << 24), th = tail[4] | (tail[5] << 8) | (tail[6] << 16) | (tail[7] << 24);
  block(tl >>> 0, th >>> 0);
  v[4] ^= 0xff;
  for (let i = 0; i < d; i++) round();
  return [(v[0] ^ v[2] ^ v[4] ^ v[6]) >>> 0, (v[1] ^ v[3] ^ v[5] ^ v[7]) >>> 0];
}

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
