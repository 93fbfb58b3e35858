// Compressed SMB2 messages (MS-SMB2 2.2.42; assembly/proto/smb2compress.ts). No stack we can run
// compresses (Samba 4.17 does not), so these captures are CRAFTED: the real TREE_CONNECT request
// and BAD_NETWORK_NAME response of fixtures/tree-bad-share.pcap, compressed by the independent
// MS-XCA compressors of scripts/fixtures/etl-writer.mjs and wrapped in chained and unchained
// compression headers, the TCP stream's numbers moved to fit. The Report must say what the clear
// capture says; damaged ones give a capture warning and the rest of the file still decodes.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { writePcap } from "./support/pcap";
import { FIX, SRC, REQ, RESP, NONE, LZNT1, LZ77, HUFF, PATTERN, smbOf, unchained, chained, aroundRun, capture, type Part } from "./support/smb2-compress";
import { nodeDecoder } from "../src/cli/wasmNode";
import { analyzeBytes } from "../src/core/analyze";
import { decodeBytes } from "./support/decode";
import type { Report } from "../src/core/report";
import * as C from "../assembly/events";
import { nbssMessages } from "./support/nbss-stream";
import { CIPHER, PreauthHash, smb3DecryptionKeys } from "../src/core/decrypt/smb3keys";
import { aesCcmEncrypt, aesGcmEncrypt } from "../src/core/crypto";

const d = await nodeDecoder();
const clearBytes = writePcap(SRC.linkType, SRC.records);
const clear = analyzeBytes(d, clearBytes, "tree-bad-share.pcap");
/** What a user reads: per connection its outcome and shares, and the findings with their frames. */
const gist = (r: Report) => ({
  connections: r.connections.map((c) => ({ status: c.status, outcome: c.outcome, failedPhase: c.failedPhase, shares: c.shares, findings: c.findings })),
  findings: r.findings.map((f) => ({ id: f.id, frames: f.frames, title: f.title })),
});

describe("compressed SMB2 messages (crafted from tree-bad-share.pcap)", () => {
  const req = smbOf(REQ), resp = smbOf(RESP);

  it("the clear capture's reference: BAD_NETWORK_NAME at frame 23", () => {
    expect(clear.findings.find((f) => f.id === "TREE_BAD_NETWORK_NAME")?.frames).toContain(RESP);
  });

  const variants: [string, () => [Uint8Array, Uint8Array]][] = [
    ["unchained LZ77, whole message", () => [unchained(req, LZ77, 0), unchained(resp, LZ77, 0)]],
    ["unchained LZNT1 and LZ77+Huffman after a clear SMB2 header (Offset 64)", () => [unchained(req, LZNT1, 64), unchained(resp, HUFF, 64)]],
    ["chained NONE, LZ77, Pattern_V1, LZ77+Huffman and LZNT1", () => {
      const chain = (m: Uint8Array, tailAlg: number) => {
        const [before, run, after] = aroundRun(m);
        const parts: Part[] = [{ alg: NONE, bytes: before.subarray(0, 4) }, { alg: LZ77, bytes: before.subarray(4) }, { alg: PATTERN, bytes: run }];
        if (after.length > 0) parts.push({ alg: tailAlg, bytes: after });
        return chained(parts, m.length);
      };
      return [chain(req, HUFF), chain(resp, LZNT1)];
    }],
  ];
  for (const [name, make] of variants) {
    it(`${name}: the same tree connect and finding as the clear capture`, async () => {
      const [zq, zr] = make();
      expect(zq.length).not.toBe(req.length); // (really rewritten)
      const bytes = capture(zq, zr);
      const r = analyzeBytes(d, bytes, "compressed.pcap");
      expect(r.capture.warnings).toEqual(clear.capture.warnings);
      expect(gist(r)).toEqual(gist(clear));
      const share = r.connections[0].shares.find((s) => s.requestFrame === REQ)!;
      expect(share).toMatchObject({ path: "\\\\10.99.1.1\\nosuchshare", status: "STATUS_BAD_NETWORK_NAME", responseFrame: RESP });
      // --events: the compression record says how many bytes it gave, the SMB2 records follow
      const evs = await decodeBytes(bytes);
      const z = evs.filter((e) => e.kind === C.EV_SMB_COMPRESSED);
      expect(z.map((e) => [e.frame, e.f.decompressed])).toEqual([[REQ, req.length], [RESP, resp.length]]);
      const smb = evs.filter((e) => e.kind === C.EV_SMB2 && (e.frame === REQ || e.frame === RESP));
      expect(smb.map((e) => [e.frame, e.f.cmd, e.f.status ?? null])).toEqual([[REQ, 3, null], [RESP, 3, 0xc00000cc]]);
    });
  }

  // damaged: the bad message is skipped with a warning naming its frame; everything else stays
  const hostile: [string, () => Uint8Array, RegExp][] = [
    ["a lying OriginalCompressedSegmentSize (10 bytes more)", () => unchained(resp, LZ77, 0, resp.length + 10), /fewer bytes than the 83 its header states/],
    ["a lying OriginalCompressedSegmentSize (10 bytes fewer)", () => unchained(resp, LZ77, 0, resp.length - 10), /more bytes than its header states/],
    ["a bomb: 60,000 zeros from a payload stated as 100 bytes", () => chained([{ alg: NONE, bytes: resp.subarray(0, 4) }, { alg: LZ77, bytes: new Uint8Array(60000), stated: 100 }], 104), /more bytes than its header states \(100, byte 20\)/],
    ["a Pattern_V1 of 4 GiB", () => chained([{ alg: PATTERN, bytes: Uint8Array.of(0), stated: 0xffffffff }], resp.length), /more bytes than its header states/],
    ["an LZNT1 bomb: 60,000 zeros stated as 100 bytes", () => chained([{ alg: NONE, bytes: resp.subarray(0, 4) }, { alg: LZNT1, bytes: new Uint8Array(60000), stated: 100 }], 104), /is invalid|more bytes than/],
    ["a truncated payload (Length beyond the message)", () => chained([{ alg: NONE, bytes: resp.subarray(0, 40) }, { alg: LZ77, bytes: resp.subarray(40), cut: 50 }], resp.length), /runs past its end/],
    ["an unknown algorithm", () => chained([{ alg: NONE, bytes: resp.subarray(0, 40) }, { alg: 9, bytes: resp.subarray(40) }], resp.length), /compression algorithm 9/],
  ];
  for (const [name, make, text] of hostile) {
    it(`${name}: a capture warning, the rest decodes`, () => {
      const bytes = capture(unchained(req, LZ77, 0), make());
      const r = analyzeBytes(d, bytes, "hostile.pcap");
      const w = r.capture.warnings.filter((s) => s.includes("compressed SMB2 message"));
      expect(w).toHaveLength(1);
      expect(w[0]).toContain(`frame ${RESP}`);
      expect(w[0]).toMatch(text);
      // the request was still read, and the tree connects before it
      const shares = r.connections[0].shares;
      expect(shares.map((s) => s.path)).toEqual(clear.connections[0].shares.map((s) => s.path));
      expect(shares.find((s) => s.requestFrame === REQ)?.responseFrame ?? null).toBeNull();
      expect(r.findings.some((f) => f.id === "TREE_BAD_NETWORK_NAME")).toBe(false);
    });
  }

  it("a message stating more than 64 KiB is bulk: a header record, not decompressed, no warning", async () => {
    const bytes = capture(unchained(req, LZ77, 0), unchained(resp, LZ77, 0, 1 << 20));
    const evs = await decodeBytes(bytes);
    const z = evs.find((e) => e.kind === C.EV_SMB_COMPRESSED && e.frame === RESP)!;
    expect(z.f.len).toBe(1 << 20);
    expect(z.f.decompressed).toBeUndefined();
    expect(evs.filter((e) => e.kind === C.EV_WARNING && e.f.code === C.W_SMB_DECOMPRESS)).toEqual([]);
  });
});

// Compressed, then encrypted (MS-SMB2 3.1.4.4, 3.1.4.3): the same two messages compressed and put
// in TRANSFORM messages encrypted with keys from a chosen session key (CRAFTED: the clear
// fixture's own NEGOTIATE and SESSION_SETUP give the dialect, the cipher and the pre-auth hash),
// then opened with that session key as the secret.
describe("compressed messages inside decrypted TRANSFORM messages (crafted)", () => {
  const req = smbOf(REQ), resp = smbOf(RESP);
  const SESSION = 0xc006a71bn;
  const sessionKey = Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i);
  const msgs = nbssMessages(join(FIX, "tree-bad-share.pcap"));
  const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
  const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
  const conn = new PreauthHash();
  let session: PreauthHash | null = null, dialect = 0, cipher = 0;
  for (const { bytes: m } of msgs) {
    if (u32(m, 0) !== 0x424d53fe) continue;
    const cmd = u16(m, 12), response = (u32(m, 16) & 1) === 1;
    if (cmd === 0) {
      conn.update(m);
      if (response) {
        dialect = u16(m, 64 + 4);
        let o = u32(m, 64 + 60);
        for (let n = u16(m, 64 + 6); n > 0 && o + 8 <= m.length; n--) {
          const type = u16(m, o), len = u16(m, o + 2);
          if (type === 2) cipher = u16(m, o + 8 + 2); // SMB2_ENCRYPTION_CAPABILITIES: the chosen cipher
          o += (8 + len + 7) & ~7;
        }
      }
    } else if (cmd === 1) {
      session ??= conn.clone();
      if (!(response && u32(m, 8) === 0)) session.update(m);
    }
  }
  const keys = smb3DecryptionKeys(dialect, cipher, sessionKey, session!.digest());
  const gcm = cipher === CIPHER.AES128GCM || cipher === CIPHER.AES256GCM;
  let nonceSeq = 1;
  function transform(plain: Uint8Array, key: Uint8Array): Uint8Array {
    const m = new Uint8Array(52 + plain.length);
    const dv = new DataView(m.buffer);
    dv.setUint32(0, 0x424d53fd, true);
    dv.setUint32(20, nonceSeq++, true);
    dv.setUint32(36, plain.length, true);
    dv.setUint16(42, 1, true);
    dv.setBigUint64(44, SESSION, true);
    const nonce = m.subarray(20, gcm ? 32 : 31), aad = m.subarray(20, 52);
    const { ciphertext, tag } = gcm ? aesGcmEncrypt(key, nonce, aad, plain) : aesCcmEncrypt(key, nonce, aad, plain, 16);
    m.set(tag, 4); m.set(ciphertext, 52);
    return m;
  }

  it("the fixture negotiated SMB 3.1.1 with a cipher", () => {
    expect(dialect).toBe(0x0311);
    expect(cipher).toBeGreaterThanOrEqual(CIPHER.AES128CCM);
  });

  it("chained LZ77 inside AES: the tree connect and BAD_NETWORK_NAME, as in the clear", () => {
    const zq = chained([{ alg: NONE, bytes: req.subarray(0, 64) }, { alg: LZ77, bytes: req.subarray(64) }], req.length);
    const zr = unchained(resp, LZ77, 0);
    const bytes = capture(transform(zq, keys.clientToServer), transform(zr, keys.serverToClient));
    const secrets = { passwords: [], sessionKeys: [{ sessionId: SESSION, key: sessionKey }] };
    const r = analyzeBytes(d, bytes, "compressed-encrypted.pcap", secrets);
    const c = r.connections[0];
    expect(c.shares.map(({ decrypted: _, ...s }) => s)).toEqual(clear.connections[0].shares);
    expect(c.shares.find((s) => s.requestFrame === REQ)).toMatchObject({ path: "\\\\10.99.1.1\\nosuchshare", status: "STATUS_BAD_NETWORK_NAME", decrypted: true });
    expect(r.findings.find((f) => f.id === "TREE_BAD_NETWORK_NAME")?.frames).toContain(RESP);
    expect(c.decryption?.sessions.map((s) => [s.result, s.decrypted, s.failed])).toEqual([["decrypted", 2, 0]]);
    // without the secret, the tree connect stays hidden
    const hidden = analyzeBytes(d, bytes, "compressed-encrypted.pcap");
    expect(hidden.connections[0].shares.find((s) => s.requestFrame === REQ)).toBeUndefined();
  });
});
