// Diagnosis rules that no real stack here could be made to trigger (a signing failure, an
// authentication that loops), checked on decoder events written by hand (labelled synthetic):
// the same path as real captures from the model on.
import { describe, it, expect } from "vitest";
import * as C from "../assembly/events";
import { ModelBuilder } from "../src/core/model/builder";
import { buildReport } from "../src/core/reportBuilder";
import type { RawEvent, FieldValue } from "../src/core/decoder/records";

const ip = (a: number[]) => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...a]);
let frame = 0;
function ev(kind: number, fromClient: boolean, f: Record<string, FieldValue>): RawEvent {
  frame++;
  return { kind, kindName: "", frame, tsNs: 1_700_000_000_000_000_000n + BigInt(frame) * 1_000_000n, tsDigits: 6, stream: 0, fromClient, ipv6: false, f };
}
function smb2(fromClient: boolean, cmd: number, msgId: number, f: Record<string, FieldValue> = {}): RawEvent {
  return ev(C.EV_SMB2, fromClient, { cmd, response: fromClient ? 0 : 1, msgId: BigInt(msgId), sessionId: 0n, ...f });
}

function connection(legs: { status: number }[]) {
  frame = 0;
  const m = new ModelBuilder("synthetic.pcap", 0);
  const events = [
    ev(C.EV_FLOW, true, { srcIp: ip([10, 0, 0, 2]), srcPort: 50000, dstIp: ip([10, 0, 0, 1]), dstPort: 445, flowProto: C.FLOWP_SMB, value: 0 }),
    ev(C.EV_TCP, true, { tcpFlags: 0x02 }),
    ev(C.EV_TCP, false, { tcpFlags: 0x12 }),
    smb2(true, 0, 0, { dialects: Uint8Array.from([0x11, 0x03]), secMode: 1 }),
    smb2(false, 0, 0, { status: 0, dialect: 0x0311, secMode: 3 }),
  ];
  legs.forEach((l, i) => {
    events.push(smb2(true, 1, i + 1, { mech: C.MECH_NTLM, ntlmType: i === 0 ? 1 : 3, ntlmUser: "alice", ntlmDomain: "CORP" }));
    events.push(smb2(false, 1, i + 1, { status: l.status }));
  });
  for (const e of events) m.add(e);
  m.add(ev(C.EV_SUMMARY, false, { packets: BigInt(frame), bytes: 0n }));
  return buildReport(m.finish());
}

describe("diagnosis rules on synthetic events", () => {
  it("a SESSION_SETUP answered STATUS_INVALID_SIGNATURE is a signing failure", () => {
    const r = connection([{ status: 0xc0000016 }, { status: 0xc000a000 }]);
    const c = r.connections[0];
    expect({ outcome: c.outcome, failedPhase: c.failedPhase, status: c.status }).toEqual({ outcome: "failed", failedPhase: "session_setup", status: "STATUS_INVALID_SIGNATURE" });
    const f = r.findings.find((x) => x.id === "SESSION_SIGNING_FAILED");
    expect(f?.explanation).toContain("server requires it");
    expect(f?.remediation.join(" ")).toContain("RequireSecuritySignature");
  });

  it("five MORE_PROCESSING_REQUIRED rounds in a row are reported as a loop", () => {
    const r = connection(Array.from({ length: 5 }, () => ({ status: 0xc0000016 })));
    expect(r.findings.map((x) => x.id)).toContain("SESSION_SETUP_LOOP");
    // two rounds (NTLM's normal exchange) are not a loop
    expect(connection([{ status: 0xc0000016 }, { status: 0 }]).findings.map((x) => x.id)).not.toContain("SESSION_SETUP_LOOP");
  });
});
