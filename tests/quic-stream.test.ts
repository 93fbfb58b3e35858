// The model reads each QUIC datagram as it comes (src/core/quic/flow.ts: readDatagram) and keeps
// none: a flow's Initial keys are let go when the decoder's entry for it ends (its EV_QUIC_FLOW)
// and derived again when the flow comes back. Here the real handshake of quic-smb-ok.pcap is
// interrupted, after the client's first Initial, by enough other flows to push it out of the
// decoder's table (QUIC_FLOWS): what the server's Initial says must still be read, as if the
// flow had stayed (tests/quic-fixtures.test.ts checks the uninterrupted fixtures against tshark).
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readPcap, writePcap, type PcapRecord } from "./support/pcap";
import { analyzeBytes } from "../src/core/analyze";
import { nodeDecoder } from "../src/cli/wasmNode";
import { QUIC_FLOWS } from "../assembly/wire";

const CAP = join(__dirname, "../fixtures/quic-smb-ok.pcap");
const SPORT = 14 + 20; // Ethernet + IPv4 (no options): the UDP source port, in these frames

describe("a QUIC flow read as its datagrams come", () => {
  it.skipIf(!existsSync(CAP))("pushed out of the decoder's table after its ClientHello and back: the server's Initial is still read with the flow's keys", async () => {
    const p = readPcap(CAP);
    const [hello, ...rest] = p.records;
    const at = (r: PcapRecord, i: number): PcapRecord => ({ ...r, tsUs: hello.tsUs + BigInt(i) });
    // other clients' ClientHellos (the same datagram from other ports), more than the table holds
    const others = Array.from({ length: QUIC_FLOWS + 8 }, (_, i) => {
      const d = new Uint8Array(hello.data); // (a copy: readPcap's records are views of a Buffer, whose slice() is not)
      new DataView(d.buffer).setUint16(SPORT, 20000 + i);
      return at({ ...hello, data: d }, 1 + i);
    });
    const n = others.length;
    // the client sends its Initial again (a retransmission): the decoder follows the flow anew
    const recs = [hello, ...others, at(hello, n + 1), ...rest.map((r, i) => at(r, n + 2 + i))];
    const r = analyzeBytes(await nodeDecoder(), writePcap(p.linkType, recs), "interrupted.pcap");
    const whole = analyzeBytes(await nodeDecoder(), writePcap(p.linkType, p.records), "whole.pcap").quic![0];
    const q = r.quic!.find((x) => x.client === whole.client)!;
    expect(r.quic!.length).toBe(n + 1);
    // read as in the whole capture: the ServerHello (in the server's Initial, after the flow came back), the handshake
    expect({ sni: q.sni, alpn: q.alpn, serverHello: q.serverHello, handshake: q.handshake, lastFrame: q.lastFrame })
      .toEqual({ sni: whole.sni, alpn: whole.alpn, serverHello: true, handshake: "completed", lastFrame: recs.length });
    expect(q.helloFrames).toEqual([1, n + 2]);
    // its two entries in the decoder, counted together: the retransmitted ClientHello once more
    expect(q.datagrams).toEqual({ client: whole.datagrams.client + 1, server: whole.datagrams.server });
    // the other flows were never answered
    expect(r.quic!.filter((x) => x !== q).every((x) => x.handshake === "no-answer" && !x.serverHello)).toBe(true);
  });
});
