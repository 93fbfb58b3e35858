// The builder keeps the ladder steps of open connections in columns (src/core/model/builder.ts
// OpenLadders), one linked list per connection, and makes them ladder steps only for a ladder
// that stays (at its close, within KEEP_LADDERS_*, or at the end); a dropped ladder's steps are
// reused by the connections that come later. Its bare-ACK labels come from a table by delay
// (ackLabel). Here hundreds of connections interleave (crafted events, as in model-pending.test.ts:
// no capture of real stacks gives this on demand): the first ones close and drop or keep their
// ladders, later ones stay open at the end on steps reused from them. Every ladder of the Report
// must be exactly its own connection's events, in order, each ACK labelled with its own delay.
import { describe, it, expect } from "vitest";
import * as C from "../assembly/events";
import { ModelBuilder } from "../src/core/model/builder";
import { buildReport } from "../src/core/reportBuilder";
import type { RawEvent } from "../src/core/decoder/records";
import { craftedEvents, ip } from "./support/crafted-events";

const CLOSING = 320, OPEN = 40, AT_ONCE = 24;

describe("ladders of interleaved connections, kept in columns while open", () => {
  it("each Report ladder is its own connection's steps, also on steps freed by earlier connections", () => {
    const { ev, smb2, frames } = craftedEvents();
    const m = new ModelBuilder("crafted.pcap", 0);
    // per connection: its events, made lazily in turn (the frames count up across connections)
    const expected = new Map<string, { n: number; frames: number[]; acks: Map<number, string> }>();
    const conn = (n: number, open: boolean): Iterator<RawEvent> => (function* () {
      const id = `10.0.${n >> 8}.${n & 255}:${40000 + n}-10.9.0.1:445`;
      const want = { n, frames: [] as number[], acks: new Map<number, string>() };
      expected.set(id, want);
      const on = (e: RawEvent, step = true) => { e.stream = n; if (step) want.frames.push(e.frame); return e; };
      yield on(ev(C.EV_FLOW, true, { srcIp: ip([10, 0, n >> 8, n & 255]), srcPort: 40000 + n, dstIp: ip([10, 9, 0, 1]), dstPort: 445, flowProto: C.FLOWP_SMB, value: 0 }), false);
      yield on(ev(C.EV_TCP, true, { tcpFlags: 0x02 }));
      yield on(ev(C.EV_TCP, false, { tcpFlags: 0x12 }));
      yield on(smb2(true, 0, 0, { dialects: Uint8Array.from([0x11, 0x03]) }));
      // a delay of its own (µs or ms, some sharing a slot of the labels' table)
      const delayNs = n % 3 === 0 ? 400_000 + n * 1_000 : 1_000_000 + n * 100_000 + (n % 7) * 1_000;
      const ack = on(ev(C.EV_TCP, false, { tcpFlags: 0x10, delayNs: BigInt(delayNs) }));
      const ms = delayNs / 1e6;
      want.acks.set(ack.frame, `ACK (no data) ${ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(1)} ms`} after the request`);
      yield ack;
      yield on(smb2(false, 0, 0, { status: 0, dialect: n % 2 ? 0x0302 : 0x0311 }));
      yield on(smb2(true, 1, 1, { mech: C.MECH_NTLM, ntlmType: 3, ntlmUser: "alice", ntlmDomain: "CORP", ntlmVersion: 2 }));
      if (open) return; // (its SESSION_SETUP unanswered at the end: a problem, whose ladder the Report keeps)
      yield on(smb2(false, 1, 1, { status: 0 }));
      yield on(smb2(true, 3, 2, { tree: `\\\\srv\\share${n}` }));
      yield on(smb2(false, 3, 2, { status: 0, shareType: 1 }));
      yield on(ev(C.EV_TCP, true, { tcpFlags: 0x11 }));
      yield on(ev(C.EV_TCP, false, { tcpFlags: 0x11 }));
    })();
    // AT_ONCE connections interleaved, the next one starting as one ends; the open ones last
    let next = 0;
    const start = () => (next < CLOSING + OPEN ? conn(next, next++ >= CLOSING) : null);
    let live = Array.from({ length: AT_ONCE }, start).filter((x) => x !== null);
    while (live.length) {
      const still: Iterator<RawEvent>[] = [];
      for (const g of live) {
        const r = g.next();
        if (!r.done) { m.add(r.value); still.push(g); continue; }
        const s = start();
        if (s) still.push(s);
      }
      live = still;
    }
    m.add(ev(C.EV_SUMMARY, false, { packets: BigInt(frames()), bytes: 0n }));
    const report = buildReport(m.finish());

    expect(report.connections).toHaveLength(CLOSING + OPEN);
    let withLadder = 0, openWithLadder = 0;
    for (const c of report.connections) {
      const want = expected.get(c.id)!;
      expect(want).toBeDefined();
      if (!c.ladder?.length) continue;
      withLadder++;
      if (c.outcome !== "ok") openWithLadder++;
      expect(c.ladder.map((s) => s.frame)).toEqual(want.frames);
      for (const s of c.ladder) if (want.acks.has(s.frame)) expect(s.label).toBe(want.acks.get(s.frame));
      expect(c.ladder.map((s) => s.kind)).toEqual(c.outcome === "ok"
        ? ["tcp", "tcp", "smb", "tcp", "smb", "smb", "smb", "smb", "smb", "tcp", "tcp"]
        : ["tcp", "tcp", "smb", "tcp", "smb", "smb"]);
      // a step's own values, not one of another connection's kept in the same place before
      expect(c.ladder[1]).toMatchObject({ label: "SYN,ACK", fromClient: false, status: null, error: false });
      // (labels with the dialect or the path after the command: made once each, builder.ts dialectLabel, treeLabel)
      expect(c.ladder[4]).toMatchObject({ label: `NEGOTIATE response (${want.n % 2 ? "3.0.2" : "3.1.1"})`, status: "STATUS_SUCCESS", error: false });
      if (c.outcome === "ok") expect(c.ladder[7].label).toBe(`TREE_CONNECT request \\\\srv\\share${want.n}`);
    }
    // the first KEEP_LADDERS_OK healthy ones to close, and every open one (made at the end, on
    // steps the dropped ladders had freed)
    expect(openWithLadder).toBe(OPEN);
    expect(withLadder).toBeGreaterThanOrEqual(200);
  });
});
