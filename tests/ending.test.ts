// How a connection ended decides its outcome (src/core/model/summarize.ts outcomeOf): a side that
// ends it after a response without the next step failed there; a capture that stops while the
// connection is open is incomplete; normal endings (after a tree connect) stay ok. Decoder events
// written by hand (synthetic), the same path as real captures from the model on; the real
// captures of fixtures/ (scripts/fixtures/ending.sh) are checked in tests/report-fixtures.test.ts.
import { describe, it, expect, beforeEach } from "vitest";
import * as C from "../assembly/events";
import { ModelBuilder } from "../src/core/model/builder";
import { buildReport } from "../src/core/reportBuilder";
import type { RawEvent, FieldValue } from "../src/core/decoder/records";

const ip = (a: number[]) => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...a]);
const FIN = 0x11, RST = 0x04;
let frame = 0;
let ms = 0;
function ev(kind: number, fromClient: boolean, f: Record<string, FieldValue>, gapMs = 1): RawEvent {
  frame++;
  ms += gapMs;
  return { kind, kindName: "", frame, tsNs: 1_700_000_000_000_000_000n + BigInt(ms) * 1_000_000n, tsDigits: 6, stream: 0, fromClient, ipv6: false, f };
}
const smb2 = (fromClient: boolean, cmd: number, msgId: number, f: Record<string, FieldValue> = {}, gapMs = 1) =>
  ev(C.EV_SMB2, fromClient, { cmd, response: fromClient ? 0 : 1, msgId: BigInt(msgId), sessionId: 0n, ...f }, gapMs);
const tcp = (fromClient: boolean, tcpFlags: number, gapMs = 1) => ev(C.EV_TCP, fromClient, { tcpFlags }, gapMs);

const start = () => [
  ev(C.EV_FLOW, true, { srcIp: ip([10, 0, 0, 2]), srcPort: 50000, dstIp: ip([10, 0, 0, 1]), dstPort: 445, flowProto: C.FLOWP_SMB, value: 0 }),
  tcp(true, 0x02), tcp(false, 0x12),
];
const negotiate = () => [smb2(true, 0, 0, { dialects: Uint8Array.from([0x11, 0x03]), secMode: 1 }), smb2(false, 0, 0, { status: 0, dialect: 0x0311, secMode: 1 })];
const ntlm = (final = 0) => [
  smb2(true, 1, 1, { mech: C.MECH_NTLM, ntlmType: 1 }), smb2(false, 1, 1, { status: 0xc0000016, ntlmType: 2 }),
  ...(final === -1 ? [] : [smb2(true, 1, 2, { mech: C.MECH_NTLM, ntlmType: 3, ntlmUser: "alice", ntlmDomain: "CORP", ntlmVersion: 2 }), smb2(false, 1, 2, { status: final })]),
];
const tree = (path: string) => [smb2(true, 3, 3, { tree: path }), smb2(false, 3, 3, { status: 0, shareType: 2 })];
const logoff = () => [smb2(true, 2, 4), smb2(false, 2, 4, { status: 0 })];
const close = (byClient = true) => [tcp(byClient, FIN), tcp(!byClient, FIN)];

function conn(events: RawEvent[]) {
  const m = new ModelBuilder("synthetic.pcap", 0);
  for (const e of events) m.add(e);
  m.add(ev(C.EV_SUMMARY, false, { packets: BigInt(frame), bytes: 0n }));
  const c = buildReport(m.finish()).connections[0];
  return { outcome: c.outcome, failedPhase: c.failedPhase, ending: c.ending };
}
const build = (...parts: RawEvent[][]) => parts.flat();
// every test numbers its frames from 1 (the flow record is frame 1, as in the decoder's output)
beforeEach(() => { frame = 0; ms = 0; });

describe("a connection a side ended without the next step has failed there", () => {
  it("NEGOTIATE answered, then the client closes without SESSION_SETUP: failed at negotiate", () => {
    const r = conn(build(start(), negotiate(), close(true)));
    expect(r.outcome).toBe("failed");
    expect(r.failedPhase).toBe("negotiate");
    expect(r.ending).toEqual({ how: "fin", by: "client", frame: 6 });
  });

  it("NTLM CHALLENGE (MORE_PROCESSING_REQUIRED), then LOGOFF and FIN: failed at session setup, not ok", () => {
    const r = conn(build(start(), negotiate(), ntlm(-1), [smb2(true, 2, 2)], close(true)));
    expect({ outcome: r.outcome, failedPhase: r.failedPhase }).toEqual({ outcome: "failed", failedPhase: "session_setup" });
    expect(r.ending).toMatchObject({ how: "logoff", by: "client" });
  });

  it("SESSION_SETUP succeeded, then the client resets without TREE_CONNECT: failed at session setup", () => {
    const r = conn(build(start(), negotiate(), ntlm(0), [tcp(true, RST)]));
    expect({ outcome: r.outcome, failedPhase: r.failedPhase }).toEqual({ outcome: "failed", failedPhase: "session_setup" });
    expect(r.ending).toMatchObject({ how: "rst", by: "client" });
  });

  it("the server closing after the NEGOTIATE response counts too (either side)", () => {
    const r = conn(build(start(), negotiate(), close(false)));
    expect({ outcome: r.outcome, failedPhase: r.failedPhase, by: r.ending?.by }).toEqual({ outcome: "failed", failedPhase: "negotiate", by: "server" });
  });

  it("a server reset right after a request is the server's refusal (failed), a reset after a minute is not", () => {
    const quick = conn(build(start(), [smb2(true, 0, 0, { dialects: Uint8Array.from([0x11, 0x03]) })], [tcp(false, RST, 2)]));
    expect({ outcome: quick.outcome, failedPhase: quick.failedPhase }).toEqual({ outcome: "failed", failedPhase: "negotiate" });
    const late = conn(build(start(), [smb2(true, 0, 0, { dialects: Uint8Array.from([0x11, 0x03]) })], [tcp(false, RST, 60_000)]));
    expect({ outcome: late.outcome, failedPhase: late.failedPhase }).toEqual({ outcome: "no-response", failedPhase: "negotiate" });
  });
});

describe("normal endings and open connections", () => {
  it("TREE_CONNECT IPC$ (smbclient -L), LOGOFF, FIN: ok", () => {
    expect(conn(build(start(), negotiate(), ntlm(0), tree("\\\\srv\\IPC$"), logoff(), close(true))).outcome).toBe("ok");
  });

  it("a successful tree connect, then the server closes: ok", () => {
    expect(conn(build(start(), negotiate(), ntlm(0), tree("\\\\srv\\public"), close(false))).outcome).toBe("ok");
  });

  it("the capture ends with the connection open after a response: incomplete, with no failed phase", () => {
    for (const parts of [[negotiate()], [negotiate(), ntlm(-1)], [negotiate(), ntlm(0)]]) {
      const r = conn(build(start(), ...parts));
      expect({ outcome: r.outcome, failedPhase: r.failedPhase, ending: r.ending }).toEqual({ outcome: "incomplete", failedPhase: null, ending: null });
    }
  });
});

describe("the server's refusal is said so", () => {
  it("a NEGOTIATE the server resets at once is reported as reset instead of answered", () => {
    const m = new ModelBuilder("synthetic.pcap", 0);
    for (const e of build(start(), [smb2(true, 0, 0, { dialects: Uint8Array.from([0x11, 0x03]) })], [tcp(false, RST, 2)])) m.add(e);
    m.add(ev(C.EV_SUMMARY, false, { packets: BigInt(frame), bytes: 0n }));
    const f = buildReport(m.finish()).findings.find((x) => x.id === "NEGOTIATE_NO_RESPONSE");
    expect(f?.title).toContain("reset the connection instead of answering NEGOTIATE");
    expect(f?.explanation).toContain("the server's refusal");
  });
});

describe("CONNECTION_ABANDONED and the endings that are not failures", () => {
  const report = (events: RawEvent[]) => {
    const m = new ModelBuilder("synthetic.pcap", 0);
    for (const e of events) m.add(e);
    m.add(ev(C.EV_SUMMARY, false, { packets: BigInt(frame), bytes: 0n }));
    return buildReport(m.finish());
  };

  it("a hang-up nothing explains is CONNECTION_ABANDONED: after which response, who, and the SMBClient event logs", () => {
    const user = [
      smb2(true, 1, 1, { mech: C.MECH_NTLM, ntlmType: 1 }), smb2(false, 1, 1, { status: 0xc0000016, ntlmType: 2 }),
      smb2(true, 1, 2, { mech: C.MECH_NTLM, ntlmType: 3, ntlmUser: "alice", ntlmDomain: "CORP", ntlmVersion: 2 }), smb2(false, 1, 2, { status: 0 }),
    ];
    const r = report(build(start(), negotiate(), user, close(true)));
    const f = r.findings.find((x) => x.id === "CONNECTION_ABANDONED");
    expect(f?.severity).toBe("error");
    expect(f?.explanation).toMatch(/after the SESSION_SETUP response in frame \d+, the client closed the connection \(FIN, frame 10\) without sending TREE_CONNECT/);
    expect(f?.remediation.join(" ")).toContain("Microsoft-Windows-SMBClient/Security");
    expect(f?.frames.at(-1)).toBe(10);
    expect(r.headline?.causes[0]?.cause).toBe("connection abandoned");
    expect(r.verdict).toContain("The client ended the connection after the SESSION_SETUP response");
  });

  it("a hang-up right after NEGOTIATE, with no KDC asked, is the more specific AUTH_NOT_ATTEMPTED (not also abandoned)", () => {
    const r = report(build(start(), negotiate(), close(true)));
    expect(r.findings.map((x) => x.id)).toEqual(["AUTH_NOT_ATTEMPTED"]);
    expect(r.connections[0].outcome).toBe("failed");
    expect(r.connections[0].failedPhase).toBe("negotiate");
  });

  it("an anonymous session the client logs off from (a probe for server information) stays ok", () => {
    const anon = [
      smb2(true, 1, 1, { mech: C.MECH_NTLM, ntlmType: 1 }), smb2(false, 1, 1, { status: 0xc0000016, ntlmType: 2 }),
      smb2(true, 1, 2, { mech: C.MECH_NTLM, ntlmType: 3, ntlmUser: "", ntlmDomain: "", ntlmVersion: 0 }), smb2(false, 1, 2, { status: 0, sessionFlags: 2 }),
    ];
    const r = report([...start(), ...negotiate(), ...anon, ...logoff(), ...close(true)]);
    expect(r.connections[0].outcome).toBe("ok");
    expect(r.findings.map((x) => x.id)).not.toContain("CONNECTION_ABANDONED");
  });

  it("a multichannel bind (SMB2_SESSION_FLAG_BINDING) needs no TREE_CONNECT of its own", () => {
    const bind = [
      smb2(true, 1, 1, { mech: C.MECH_NTLM, ntlmType: 1, sessionFlags: 1 }), smb2(false, 1, 1, { status: 0xc0000016, ntlmType: 2 }),
      smb2(true, 1, 2, { mech: C.MECH_NTLM, ntlmType: 3, ntlmUser: "alice", ntlmDomain: "CORP", ntlmVersion: 2, sessionFlags: 1 }), smb2(false, 1, 2, { status: 0 }),
    ];
    const r = report([...start(), ...negotiate(), ...bind, tcp(false, RST, 5000)]);
    expect(r.connections[0].outcome).toBe("ok");
  });
});
