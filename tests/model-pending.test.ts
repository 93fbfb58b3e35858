// A response is paired with its request by message id (src/core/model/builder.ts addPending,
// takePending): the share list's request and response frames and each share's status come from
// that pairing. Requests outstanding at once are kept as a flat list while few and in a Map beyond
// PENDING_FLAT of them (a client whose tree connects go unanswered by the dozen); both must pair
// the same way, whatever order the answers come in, and an interim STATUS_PENDING answer must
// leave its request waiting for the final one. Decoder events written by hand, as in ending.test.ts.
import { describe, it, expect, beforeEach } from "vitest";
import * as C from "../assembly/events";
import { ModelBuilder } from "../src/core/model/builder";
import { buildReport } from "../src/core/reportBuilder";
import type { RawEvent } from "../src/core/decoder/records";
import { craftedEvents, ip } from "./support/crafted-events";

const STATUS_PENDING = 0x00000103, BAD_NETWORK_NAME = 0xc00000cc;
const { ev, smb2, frames, reset } = craftedEvents();

/** A session set up, then `n` TREE_CONNECTs sent at once and answered in `order`: the Report's shares. */
function trees(n: number, order: (ids: number[]) => number[], interim = false) {
  reset();
  const m = new ModelBuilder("synthetic.pcap", 0);
  const add = (e: RawEvent) => { m.add(e); return e.frame; };
  add(ev(C.EV_FLOW, true, { srcIp: ip([10, 0, 0, 2]), srcPort: 50000, dstIp: ip([10, 0, 0, 1]), dstPort: 445, flowProto: C.FLOWP_SMB, value: 0 }));
  add(ev(C.EV_TCP, true, { tcpFlags: 0x02 })); add(ev(C.EV_TCP, false, { tcpFlags: 0x12 }));
  add(smb2(true, 0, 0, { dialects: Uint8Array.from([0x11, 0x03]) })); add(smb2(false, 0, 0, { status: 0, dialect: 0x0311 }));
  add(smb2(true, 1, 1, { mech: C.MECH_NTLM, ntlmType: 3, ntlmUser: "alice", ntlmDomain: "CORP", ntlmVersion: 2 })); add(smb2(false, 1, 1, { status: 0 }));
  const ids = Array.from({ length: n }, (_, i) => 10 + i);
  const reqFrame = new Map<number, number>(), respFrame = new Map<number, number>();
  for (const id of ids) reqFrame.set(id, add(smb2(true, 3, id, { tree: `\\\\srv\\share${id}` })));
  for (const id of order(ids)) {
    if (interim) add(smb2(false, 3, id, { status: STATUS_PENDING }));
    // even ids refused: the status shows which answer the share got
    respFrame.set(id, add(smb2(false, 3, id, { status: id % 2 === 0 ? BAD_NETWORK_NAME : 0, shareType: 1 })));
  }
  m.add(ev(C.EV_SUMMARY, false, { packets: BigInt(frames()), bytes: 0n }));
  const c = buildReport(m.finish()).connections[0];
  const want = ids.map((id) => ({
    path: `\\\\srv\\share${id}`, requestFrame: reqFrame.get(id), responseFrame: respFrame.get(id),
    status: id % 2 === 0 ? "STATUS_BAD_NETWORK_NAME" : "STATUS_SUCCESS",
  }));
  const got = c.shares.map((s) => ({ path: s.path, requestFrame: s.requestFrame, responseFrame: s.responseFrame, status: s.status }));
  return { got, want };
}

beforeEach(reset);

describe("responses pair with their requests by message id", () => {
  it("a few outstanding, answered in reverse order", () => {
    const { got, want } = trees(3, (ids) => [...ids].reverse());
    expect(got).toEqual(want);
  });

  it("a few outstanding, each answered first STATUS_PENDING, then finally, out of order", () => {
    const { got, want } = trees(4, (ids) => [ids[2], ids[0], ids[3], ids[1]], true);
    expect(got).toEqual(want);
  });

  it("a hundred outstanding at once (beyond the flat list), answered in reverse and interleaved order", () => {
    const rev = trees(100, (ids) => [...ids].reverse());
    expect(rev.got).toEqual(rev.want);
    const mixed = trees(100, (ids) => [...ids.filter((_, i) => i % 2 === 1), ...ids.filter((_, i) => i % 2 === 0)], true);
    expect(mixed.got).toEqual(mixed.want);
  });
});
