// Hostile QUIC datagrams: correctly protected Initials (tests/support/quic-build.ts, proven on RFC
// 9001 A.3) whose contents lie — CRYPTO offsets far out, lengths past the packet, packet numbers in
// every length, a Length field longer than the datagram, ClientHello extension lengths that lie,
// thousands of flows — put into a real capture's frames. No throw may escape, memory stays bounded
// (the wasm's flow table, the model's flow and chunk limits), and what can be said is still said.
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { readPcap, writePcap, type PcapRecord } from "./support/pcap";
import { protectInitial, initialHeader, varintBytes } from "./support/quic-build";
import { initialKeys, parseLongHeader, decryptInitial, parseFrames, QUIC_V1, QUIC_V2 } from "../src/core/quic/initial";
import { parseClientHello } from "../src/core/quic/tls";
import { analyzeBytes } from "../src/core/analyze";
import { nodeDecoder } from "../src/cli/wasmNode";

const real = readPcap(join(__dirname, "../fixtures/quic-smb-ok.pcap"));
const HDR = 42; // Ethernet + IPv4 (no options) + UDP in these frames

/** A frame of the real capture (client → server: frame 1's headers; server → client: frame 2's) carrying `payload`. */
function frame(payload: Uint8Array, fromClient: boolean, i: number, srcPort?: number): PcapRecord {
  const tmpl = real.records[fromClient ? 0 : 1].data;
  const d = new Uint8Array(HDR + payload.length);
  d.set(tmpl.subarray(0, HDR)); d.set(payload, HDR);
  const dv = new DataView(d.buffer);
  dv.setUint16(14 + 2, 20 + 8 + payload.length); dv.setUint16(14 + 20 + 4, 8 + payload.length);
  if (srcPort !== undefined) dv.setUint16(fromClient ? 34 : 36, srcPort);
  return { tsUs: 1_700_000_000_000_000n + BigInt(i) * 1000n, data: d, origLen: d.length };
}

const DCID = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);

function clientHello(sni: string, alpn: string[], lie = 0): number[] {
  const name = [...new TextEncoder().encode(sni)];
  const sniExt = [0, 0, ...u16(name.length + 5), ...u16(name.length + 3), 0, ...u16(name.length + lie), ...name];
  const al = alpn.flatMap((a) => [a.length, ...new TextEncoder().encode(a)]);
  const alpnExt = [0, 16, ...u16(al.length + 2), ...u16(al.length), ...al];
  const exts = [...sniExt, ...alpnExt];
  const body = [3, 3, ...new Array(32).fill(7), 0, 0, 2, 0x13, 0x01, 1, 0, ...u16(exts.length), ...exts];
  return [1, 0, body.length >> 8, body.length & 0xff, ...body];
}
function u16(n: number) { return [(n >> 8) & 0xff, n & 0xff]; }

/** A protected client Initial: CRYPTO frames (offset, bytes), padded to 1200 bytes. */
function initial(chunks: [number, number[]][], opts: { pnLen?: number; pn?: number; version?: number; extra?: number[] } = {}): Uint8Array {
  const pnLen = opts.pnLen ?? 2, pn = opts.pn ?? 0, version = opts.version ?? QUIC_V1;
  const frames = [...chunks.flatMap(([off, b]) => [0x06, ...varintBytes(off), ...varintBytes(b.length), ...b]), ...(opts.extra ?? [])];
  const overhead = 7 + DCID.length + 1 + 2 + pnLen + 16; // first byte, version, CID lengths; DCID; token length; Length; pn; tag
  const payload = Uint8Array.from([...frames, ...new Array(Math.max(0, 1200 - overhead - frames.length)).fill(0)]);
  const k = initialKeys(version, DCID)!.client;
  return protectInitial(initialHeader(version, version === QUIC_V2 ? 1 : 0, DCID, new Uint8Array(0), pn, pnLen, payload.length), pnLen, pn, payload, k);
}

async function analyze(recs: PcapRecord[]) {
  return analyzeBytes(await nodeDecoder(), writePcap(1, recs), "hostile.pcap");
}

describe("the reader on lying contents (no throw, what can be read is read)", () => {
  it("every packet number length 1-4, and version 2", () => {
    for (const version of [QUIC_V1, QUIC_V2]) for (const pnLen of [1, 2, 3, 4]) {
      const p = initial([[0, clientHello("fs1.example", ["smb"])]], { pnLen, pn: 0x01020304 & ((1 << (8 * pnLen)) - 1 || 0x7fffffff), version });
      const h = parseLongHeader(p, 0)!;
      const plain = decryptInitial(p, 0, h, initialKeys(version, DCID)!.client)!;
      expect(plain, `v${version} pnLen ${pnLen}`).not.toBeNull();
      expect(parseClientHello(parseFrames(plain).crypto[0].data)?.alpn).toEqual(["smb"]);
    }
  });
  it("lying lengths inside the frames and the ClientHello stop parsing without throwing", () => {
    const lies: number[][] = [
      [0x06, 0x00, 0x44, 0xff, 1, 2, 3], // CRYPTO length past the packet
      [0x06, ...varintBytes(2 ** 61, 8), 0x01, 0x00], // offset near 2^62
      [0x02, 0x05, 0x00, 0x7f, 0xff, 0x00], // ACK with a huge range count
      [0x1c, 0x41], // CONNECTION_CLOSE cut
      [0x1c, 0x41, 0x2e, 0x00, 0x7f, 0xff, 0x41], // reason longer than the packet
      [0x1e, 0, 0], // a frame an Initial must not carry
    ];
    for (const l of lies) expect(() => parseFrames(Uint8Array.from(l))).not.toThrow();
    expect(parseFrames(Uint8Array.from(lies[4])).close?.errorCode).toBe(0x12e);
    for (let lie = -20; lie <= 300; lie += 7) expect(() => parseClientHello(Uint8Array.from(clientHello("x.example", ["smb"], lie)))).not.toThrow();
    for (let cut = 0; cut < 80; cut++) expect(() => parseClientHello(Uint8Array.from(clientHello("fs1.example", ["smb"]).slice(0, cut)))).not.toThrow();
  });
  it("a header whose Length runs past the datagram, or CIDs longer than 20, is not a packet", () => {
    const p = initial([[0, clientHello("fs1.example", ["smb"])]]);
    expect(parseLongHeader(p.slice(0, 600), 0)).toBeNull();
    const bad = p.slice(); bad[5] = 21;
    expect(parseLongHeader(bad, 0)).toBeNull();
  });
});

describe("whole captures of hostile QUIC", () => {
  it("a ClientHello split over two datagrams out of order is reassembled; a chunk far out is ignored", async () => {
    const ch = clientHello("fs1.corp.example", ["smb"]);
    const r = await analyze([
      frame(initial([[40, ch.slice(40)], [2 ** 40, [1, 2, 3]]], { pn: 1 }), true, 0),
      frame(initial([[0, ch.slice(0, 40)]], { pn: 0 }), true, 1),
    ]);
    expect(r.quic?.[0]).toMatchObject({ sni: "fs1.corp.example", alpn: ["smb"], handshake: "no-answer" });
    expect(r.verdict).toMatch(/^SMB over QUIC/);
  });
  it("a QUIC flow without ALPN smb is not SMB over QUIC (no quic[], the verdict says no SMB)", async () => {
    const r = await analyze([frame(initial([[0, clientHello("www.example", ["h3"])]]), true, 0)]);
    expect(r.quic).toBeUndefined();
    expect(r.verdict).toMatch(/No SMB traffic/);
  });
  it("datagrams that look like QUIC but lie (every byte flipped in turn in the header, cut at every length) never throw", async () => {
    const good = initial([[0, clientHello("fs1.example", ["smb"])]]);
    const recs: PcapRecord[] = [];
    for (let i = 0; i < 40; i++) { const b = good.slice(); b[i] ^= 0xff; recs.push(frame(b, i % 2 === 0, i, 40000 + i)); }
    for (let cut = 1; cut < 64; cut += 3) recs.push(frame(good.slice(0, cut), true, 100 + cut, 41000 + cut));
    const r = await analyze(recs);
    expect(r.capture.packets).toBe(recs.length);
  });
  it("3000 QUIC flows: the wasm follows 128 at once (the idlest gives way), the model keeps the first 1000", async () => {
    const p = initial([[0, clientHello("fs1.example", ["smb"])]]);
    const recs = Array.from({ length: 3000 }, (_, i) => frame(p, true, i, 1024 + i));
    const r = await analyze(recs);
    expect(r.quic!.length).toBe(1000);
    expect(r.quic!.every((q) => q.handshake === "no-answer" && q.sni === "fs1.example")).toBe(true);
  });
});
