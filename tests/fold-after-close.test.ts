// When a connection may be folded (src/core/model/fold.ts): the decoder lets a flow's reassembly go
// at the packet that closes it (assembly/net/reasm.ts slotSegment: RST, or FIN both ways; the gaps
// it still holds are declared in that same packet, after its TCP event) and never takes the flow
// up again (assembly/net/tcp.ts FL_WAS_SLOTTED). So nothing of a stream comes after its closing
// frame: the model of a connection is final once the capture has gone past that frame, and a fold
// then changes nothing later events could have changed. Checked on every fixture and corpus capture.
import { describe, it, expect } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { nodeDecoder } from "../src/cli/wasmNode";
import { fieldFilter, type RawEvent } from "../src/core/decoder/records";
import { MODEL_FIELDS } from "../src/core/model/builder";
import * as C from "../assembly/events";

const FIX = join(__dirname, "../fixtures");
const CORPUS = join(__dirname, "../../shared/corpus");
const files = [
  ...readdirSync(FIX).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort().map((f) => join(FIX, f)),
  ...(existsSync(CORPUS) ? (readdirSync(CORPUS, { recursive: true }) as string[]).filter((f) => /\.(pcap|pcapng|cap)$/.test(f)).sort().map((f) => join(CORPUS, f)) : []),
];

describe("a stream after the packet that closes it", () => {
  it("has no event of its own in any capture (as the analysis decodes it)", async () => {
    const d = await nodeDecoder();
    let closedStreams = 0;
    for (const file of files) {
      const all: RawEvent[] = [];
      d.setSetupOnly(true); d.setFieldFilter(fieldFilter(MODEL_FIELDS));
      try { d.reset(); d.push(new Uint8Array(readFileSync(file)), all); d.finish(all); } finally { d.setSetupOnly(false); d.setFieldFilter(null); }
      const closedAt = new Map<number, number>();
      const fin = new Map<number, number>(); // per stream: 1 client FIN, 2 server FIN
      const late: string[] = [];
      for (const ev of all) {
        if (ev.stream < 0) continue;
        const at = closedAt.get(ev.stream);
        if (at !== undefined && ev.frame > at) late.push(`${file} stream ${ev.stream}: ${ev.kindName} at frame ${ev.frame} after its close at ${at}`);
        if (ev.kind !== C.EV_TCP || at !== undefined) continue;
        const flags = ev.f.tcpFlags as number;
        const f = (fin.get(ev.stream) ?? 0) | ((flags & 1) !== 0 ? (ev.fromClient ? 1 : 2) : 0);
        fin.set(ev.stream, f);
        if ((flags & 4) !== 0 || f === 3) { closedAt.set(ev.stream, ev.frame); closedStreams++; }
      }
      expect(late).toEqual([]);
    }
    expect(closedStreams).toBeGreaterThan(100);
  }, 120_000);
});
