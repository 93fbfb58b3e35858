// Which closed connections keep their ladder (builder.ts closed, KEEP_LADDERS_*): the first 200
// set up fine, and the first 1,000 with a problem (a failure, a guest session among them) however
// many healthy ones closed before. Decoder events written by hand (crafted: hundreds of connections
// of one client in turn, each its own stream).
import { it, expect, beforeEach } from "vitest";
import * as C from "../assembly/events";
import * as W from "../assembly/wire";
import { ModelBuilder } from "../src/core/model/builder";
import type { RawEvent } from "../src/core/decoder/records";
import { craftedEvents, ip } from "./support/crafted-events";

const { ev, frames, reset } = craftedEvents();
beforeEach(reset);

type Kind = "ok" | "guest" | "refused";

/** One connection on `stream`, set up fine, as a guest, or its session refused, then closed both ways. */
function connection(m: ModelBuilder, stream: number, kind: Kind): void {
  const add = (e: RawEvent) => { e.stream = stream; m.add(e); };
  const smb2 = (fromClient: boolean, cmd: number, msgId: number, f: Record<string, number | bigint | string | Uint8Array> = {}) =>
    add(ev(C.EV_SMB2, fromClient, { cmd, response: fromClient ? 0 : 1, msgId: BigInt(msgId), sessionId: 0n, ...f }));
  add(ev(C.EV_FLOW, true, { srcIp: ip([10, 0, 0, 2]), srcPort: 1024 + stream, dstIp: ip([10, 0, 0, 1]), dstPort: 445, flowProto: C.FLOWP_SMB, value: 0 }));
  add(ev(C.EV_TCP, true, { tcpFlags: 0x02 })); add(ev(C.EV_TCP, false, { tcpFlags: 0x12 }));
  smb2(true, 0, 0, { dialects: Uint8Array.from([0x11, 0x03]) }); smb2(false, 0, 0, { status: 0, dialect: 0x0311 });
  smb2(true, 1, 1, { mech: C.MECH_NTLM, ntlmType: 3, ntlmUser: "alice", ntlmDomain: "CORP", ntlmVersion: 2 });
  smb2(false, 1, 1, kind === "refused" ? { status: 0xc000006d } : { status: 0, sessionFlags: kind === "guest" ? W.SMB2_SESSION_FLAG_IS_GUEST : 0 });
  if (kind !== "refused") { smb2(true, 3, 2, { tree: "\\\\srv\\share" }); smb2(false, 3, 2, { status: 0, shareType: 1 }); }
  add(ev(C.EV_TCP, true, { tcpFlags: 0x11 })); add(ev(C.EV_TCP, false, { tcpFlags: 0x11 }));
}

it("keeps the ladders of the first 200 healthy connections to close and of the problems after them (guest sessions, refusals)", () => {
  const m = new ModelBuilder("synthetic.pcap", 0);
  const kinds: Kind[] = [];
  for (let i = 0; i < 300; i++) kinds.push("ok");
  for (let i = 0; i < 40; i++) kinds.push(i % 2 ? "guest" : "refused", "ok");
  kinds.forEach((k, stream) => connection(m, stream, k));
  m.add(ev(C.EV_SUMMARY, false, { packets: BigInt(frames()), bytes: 0n }));
  const model = m.finish();
  const kept = (k: Kind) => model.connections.filter((c, i) => kinds[i] === k && c.ladder.length > 0).length;
  expect(model.connections.length).toBe(kinds.length);
  expect(kept("ok")).toBe(200);
  expect(kept("guest")).toBe(20);
  expect(kept("refused")).toBe(20);
  // the first 200 healthy ones
  expect(model.connections.slice(0, 200).every((c) => c.ladder.length > 0)).toBe(true);
});
