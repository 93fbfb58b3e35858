// A ladder step's label names its command (builder.ts cmdLabel: one string per command, side and
// dialect, kept in an array for commands below 256 and in a Map past them), and the dialect a
// NEGOTIATE chose or the share a TREE_CONNECT asks for (dialectLabel, treeLabel: the last one
// asked first). Decoder events written
// by hand (crafted: an SMB2 command past the protocol's 0x12 answered STATUS_USER_SESSION_DELETED,
// which the decoder lets through whatever the command, is no real stack's).
import { it, expect, beforeEach } from "vitest";
import * as C from "../assembly/events";
import * as W from "../assembly/wire";
import { ModelBuilder } from "../src/core/model/builder";
import { buildReport } from "../src/core/reportBuilder";
import { craftedEvents, ip } from "./support/crafted-events";

const { ev, smb2, frames, reset } = craftedEvents();
beforeEach(reset);

it("ladder labels name each command and side, SMB1 and SMB2, a command past 255 too, asked again", () => {
  const m = new ModelBuilder("synthetic.pcap", 0);
  m.add(ev(C.EV_FLOW, true, { srcIp: ip([10, 0, 0, 2]), srcPort: 50000, dstIp: ip([10, 0, 0, 1]), dstPort: 445, flowProto: C.FLOWP_SMB, value: 0 }));
  m.add(ev(C.EV_TCP, true, { tcpFlags: 0x02 })); m.add(ev(C.EV_TCP, false, { tcpFlags: 0x12 }));
  // an SMB1 multi-protocol NEGOTIATE answered in SMB2
  m.add(ev(C.EV_SMB1, true, { cmd: 0x72, response: 0, msgId: 0n, smb1Pid: 1, dialects: new TextEncoder().encode("\x02NT LM 0.12\0\x02SMB 2.???\0") }));
  m.add(smb2(false, 0, 0, { status: 0, dialect: 0x02ff }));
  m.add(smb2(true, 0, 1, { dialects: Uint8Array.from([0x11, 0x03]) })); m.add(smb2(false, 0, 1, { status: 0, dialect: 0x0311 }));
  m.add(smb2(true, 1, 2, { mech: C.MECH_NTLM, ntlmType: 3, ntlmUser: "alice", ntlmDomain: "CORP", ntlmVersion: 2 })); m.add(smb2(false, 1, 2, { status: 0 }));
  m.add(smb2(true, 3, 3, { tree: "\\\\srv\\share" })); m.add(smb2(false, 3, 3, { status: 0, shareType: 1 }));
  m.add(smb2(true, 3, 8, { tree: "\\\\srv\\other" })); m.add(smb2(false, 3, 8, { status: 0, shareType: 1 }));
  m.add(smb2(true, 3, 9, { tree: "\\\\srv\\share" })); m.add(smb2(false, 3, 9, { status: 0, shareType: 1 }));
  // refusals after the setup, on the ladder: CREATE (5), a crafted command 0x1234, CREATE again
  m.add(smb2(false, 5, 4, { status: W.STATUS_USER_SESSION_DELETED }));
  m.add(smb2(false, 0x1234, 5, { status: W.STATUS_USER_SESSION_DELETED }));
  m.add(smb2(false, 0x1234, 6, { status: W.STATUS_USER_SESSION_DELETED }));
  m.add(smb2(false, 5, 7, { status: W.STATUS_USER_SESSION_DELETED }));
  m.add(ev(C.EV_SUMMARY, false, { packets: BigInt(frames()), bytes: 0n }));
  const ladder = buildReport(m.finish()).connections[0].ladder!;
  expect(ladder.filter((s) => s.kind === "smb").map((s) => s.label)).toEqual([
    "SMB1 NEGOTIATE request", "NEGOTIATE response (2.???)", "NEGOTIATE request", "NEGOTIATE response (3.1.1)",
    "SESSION_SETUP request", "SESSION_SETUP response", "TREE_CONNECT request \\\\srv\\share", "TREE_CONNECT response",
    "TREE_CONNECT request \\\\srv\\other", "TREE_CONNECT response", "TREE_CONNECT request \\\\srv\\share", "TREE_CONNECT response",
    "CREATE response", "command 0x1234 response", "command 0x1234 response", "CREATE response",
  ]);
});
