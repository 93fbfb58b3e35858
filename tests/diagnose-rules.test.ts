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

describe("many connections failing the same way", () => {
  it("shows the first 20 findings in frame order whole and folds the rest into the 21st", () => {
    frame = 0;
    const N = 30;
    const m = new ModelBuilder("synthetic.pcap", 0);
    const at = (stream: number, e: RawEvent) => { e.stream = stream; m.add(e); };
    // all connections open first; then they log on in reverse order, so that the order findings
    // are made in (by connection) is the opposite of the Report's (by frame)
    for (let s = 0; s < N; s++) {
      at(s, ev(C.EV_FLOW, true, { srcIp: ip([10, 0, 1, s + 1]), srcPort: 50000, dstIp: ip([10, 0, 0, 1]), dstPort: 445, flowProto: C.FLOWP_SMB, value: 0 }));
      at(s, ev(C.EV_TCP, true, { tcpFlags: 0x02 }));
      at(s, ev(C.EV_TCP, false, { tcpFlags: 0x12 }));
      at(s, smb2(true, 0, 0, { dialects: Uint8Array.from([0x11, 0x03]) }));
      at(s, smb2(false, 0, 0, { status: 0, dialect: 0x0311 }));
    }
    for (let s = N - 1; s >= 0; s--) {
      at(s, smb2(true, 1, 1, { mech: C.MECH_NTLM, ntlmType: 3, ntlmUser: `user${s}`, ntlmDomain: "CORP" }));
      at(s, smb2(false, 1, 1, { status: 0xc000006d })); // STATUS_LOGON_FAILURE
    }
    m.add(ev(C.EV_SUMMARY, false, { packets: BigInt(frame), bytes: 0n }));
    const r = buildReport(m.finish());
    const logon = r.findings.filter((f) => f.id === "LOGON_FAILURE");
    expect(logon.length).toBe(21);
    const whole = logon.slice(0, 20), folded = logon[20];
    // the 20 with the earliest frames: the last connections, whose logons came first
    expect(whole.map((f) => f.connection)).toEqual(Array.from({ length: 20 }, (_, i) => `10.0.1.${N - i}:50000-10.0.0.1:445`));
    for (const f of whole) {
      expect(f.explanation).toContain(`user "user${Number(f.connection!.split(".")[3].split(":")[0]) - 1}"`);
      expect(f.remediation.length).toBeGreaterThan(0);
    }
    expect(folded.title).toMatch(/^…and 10 more: Logon failed for CORP\\user9/);
    expect(folded.explanation).toContain('user "user9"');
    expect(folded.connections).toEqual(Array.from({ length: 10 }, (_, i) => `10.0.1.${10 - i}:50000-10.0.0.1:445`));
    expect(r.connections.every((c) => c.findings.includes("LOGON_FAILURE"))).toBe(true);
  });
});
