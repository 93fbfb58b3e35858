// SMB1 read as Windows speaks it (issue 14): the multi-protocol NEGOTIATE answered in SMB2 is one
// NEGOTIATE, the NetBIOS session is transport, SMB1 dialects by name, requests paired by PID, MID,
// UID, TID and command, and access denied blamed on encryption only where encryption can apply.
// Real fixtures (fixtures/INDEX.md) where Samba makes the case; synthetic events (labelled) where not.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import * as C from "../assembly/events";
import { ModelBuilder } from "../src/core/model/builder";
import { buildReport } from "../src/core/reportBuilder";
import type { RawEvent, FieldValue } from "../src/core/decoder/records";
import type { Report } from "../src/core/report";
import { reportOf } from "./support/report";

const fx = (n: string) => join(__dirname, "../fixtures", n);

describe("phases as Windows negotiates (real captures)", () => {
  it("an SMB1 NEGOTIATE answered by an SMB2 NEGOTIATE response is one NEGOTIATE phase", async () => {
    const c = (await reportOf(fx("smb1-multiprotocol-negotiate.pcap"))).connections[0];
    const neg = c.phases.filter((p) => p.phase === "negotiate");
    // frames as tshark shows them: 6 SMB1 NEGOTIATE, 8 SMB2 NEGOTIATE response (2.???), 10/11 SMB2 NEGOTIATE 3.1.1
    expect(neg.map((p) => [p.requestFrame, p.responseFrame, p.status])).toEqual([[6, 8, "STATUS_SUCCESS"], [10, 11, "STATUS_SUCCESS"]]);
    expect(c.phases.every((p) => p.requestFrame !== null)).toBe(true);
    expect(c.ladder!.find((s) => s.frame === 8)!.label).toBe("NEGOTIATE response (2.???)");
  });

  it("the NetBIOS session request and response are transport, not a NEGOTIATE", async () => {
    const c = (await reportOf(fx("nbss139.pcap"))).connections[0];
    const nb = c.phases.find((p) => p.note === "NetBIOS session accepted");
    expect(nb?.phase).toBe("tcp");
    const neg = c.phases.filter((p) => p.phase === "negotiate");
    expect(neg).toHaveLength(1);
    expect(c.ladder!.find((s) => s.frame === neg[0].requestFrame)!.label).toMatch(/^NEGOTIATE request/);
  });

  it("an SMB1 dialect is named from the request, never by its index", async () => {
    const c = (await reportOf(fx("smb1-nt1-ok.pcap"))).connections[0];
    expect(c.dialect).toBe("NT LANMAN 1.0");
    const labels = c.ladder!.map((s) => s.label).join("\n");
    expect(labels).toContain("SMB1 NEGOTIATE response (dialect NT LANMAN 1.0)");
    expect(labels).not.toMatch(/index/);
  });
});

describe("SMB1 pairing and DOS errors (real captures)", () => {
  it("two TREE_CONNECT_ANDX in flight with MID 0 pair by PID: both answered, each with its own status", async () => {
    const c = (await reportOf(fx("smb1-inflight.pcap"))).connections[0];
    expect(c.phases.filter((p) => p.phase === "tree_connect").map((p) => [p.requestFrame, p.responseFrame, p.status]))
      .toEqual([[12, 13, "STATUS_SUCCESS"], [12, 14, "STATUS_BAD_NETWORK_NAME"]]);
    expect(c.outcome).toBe("failed");
  });

  it("a DOS error is a failure, named, and explained by the NT status it stands for", async () => {
    const r = await reportOf(fx("smb1-dos-tree-denied.pcap"));
    const c = r.connections[0];
    expect([c.outcome, c.failedPhase, c.status]).toEqual(["failed", "tree_connect", "ERRDOS/ERRnoaccess"]);
    const f = r.findings.find((x) => x.id === "TREE_ACCESS_DENIED_PERMISSIONS")!;
    expect(f.explanation).toContain("ERRDOS/ERRnoaccess (the SMB1 DOS error for STATUS_ACCESS_DENIED, MS-CIFS 2.2.2.4)");
    expect(f.explanation).toContain("SMB1, which has no encryption");
    expect(c.ladder!.find((s) => s.frame === 19)).toMatchObject({ status: "ERRDOS/ERRnoaccess", error: true });
  });
});

describe("encryption is blamed only where it can apply", () => {
  const expectAnonymous = (r: Report) => {
    const ids = r.findings.map((f) => f.id);
    expect(ids).toContain("TREE_ACCESS_DENIED_ANONYMOUS");
    expect(ids).not.toContain("TREE_ACCESS_DENIED_ENCRYPTION");
    const f = r.findings.find((x) => x.id === "TREE_ACCESS_DENIED_ANONYMOUS")!;
    expect(f.remediation.join(" ")).toMatch(/RestrictNullSessAccess.*NullSessionShares|NullSessionShares.*RestrictNullSessAccess/);
    expect(f.remediation.join(" ")).toContain("restrict anonymous");
  };
  it("a null session refused a share over SMB 3.1.1 (real, restrict anonymous = 2)", async () => expectAnonymous(await reportOf(fx("anon-smb3-tree-denied.pcap"))));
  it("a null session refused a share over SMB1 (real, restrict anonymous = 2)", async () => expectAnonymous(await reportOf(fx("anon-smb1-tree-denied.pcap"))));

  // synthetic events, as tests/diagnose-rules.test.ts writes them
  const ip = (a: number[]) => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...a]);
  function report(smb: [boolean, number, Record<string, FieldValue>][], kind = C.EV_SMB1): Report {
    let frame = 0;
    const ev = (k: number, fromClient: boolean, f: Record<string, FieldValue>): RawEvent =>
      ({ kind: k, kindName: "", frame: ++frame, tsNs: 1_700_000_000_000_000_000n + BigInt(frame) * 1_000_000n, tsDigits: 6, stream: 0, fromClient, ipv6: false, f });
    const m = new ModelBuilder("synthetic.pcap", 0);
    m.add(ev(C.EV_FLOW, true, { srcIp: ip([10, 0, 0, 2]), srcPort: 50000, dstIp: ip([10, 0, 0, 1]), dstPort: 445, flowProto: C.FLOWP_SMB, value: 0 }));
    m.add(ev(C.EV_TCP, true, { tcpFlags: 0x02 }));
    m.add(ev(C.EV_TCP, false, { tcpFlags: 0x12 }));
    for (const [fromClient, cmd, f] of smb) m.add(ev(kind, fromClient, { cmd, response: fromClient ? 0 : 1, msgId: 1n, sessionId: 0n, ...f }));
    m.add(ev(C.EV_SUMMARY, false, { packets: BigInt(frame), bytes: 0n }));
    return buildReport(m.finish());
  }
  const nt12 = new TextEncoder().encode("\x02NT LM 0.12\0");

  it("ACCESS_DENIED at an SMB1 TREE_CONNECT_ANDX is permissions, never encryption (synthetic)", () => {
    const r = report([
      [true, 0x72, { dialects: nt12, smb1Pid: 7 }], [false, 0x72, { status: 0, dialect: 0, smb1Pid: 7 }],
      [true, 0x73, { account: "alice", primaryDomain: "CORP", smb1Pid: 7 }], [false, 0x73, { status: 0, sessionId: 100n, smb1Pid: 7 }],
      [true, 0x75, { tree: "\\\\srv\\data", sessionId: 100n, treeId: 0xffff, smb1Pid: 7 }], [false, 0x75, { status: 0xc0000022, sessionId: 100n, treeId: 0xffff, smb1Pid: 7 }],
    ]);
    const ids = r.findings.map((f) => f.id);
    expect(ids).toContain("TREE_ACCESS_DENIED_PERMISSIONS");
    expect(ids).not.toContain("TREE_ACCESS_DENIED_ENCRYPTION");
  });

  it("a server offered SMB 3.x that chose SMB 2.1 cannot require encryption (synthetic)", () => {
    const dialects = Uint8Array.from([0x02, 0x02, 0x10, 0x02, 0x00, 0x03, 0x02, 0x03]);
    const r = report([
      [true, 0, { dialects, caps: 0x40 }], [false, 0, { status: 0, dialect: 0x0210 }],
      [true, 1, { mech: C.MECH_NTLM, ntlmType: 3, ntlmUser: "alice", ntlmDomain: "CORP", msgId: 2n }], [false, 1, { status: 0, msgId: 2n }],
      [true, 3, { tree: "\\\\srv\\data", msgId: 3n }], [false, 3, { status: 0xc0000022, msgId: 3n }],
    ], C.EV_SMB2);
    const f = r.findings.find((x) => x.id === "TREE_ACCESS_DENIED_PERMISSIONS");
    expect(f?.explanation).toContain("it does not speak SMB 3, so it cannot require encryption");
    expect(r.findings.map((x) => x.id)).not.toContain("TREE_ACCESS_DENIED_ENCRYPTION");
  });

  it("an SMB1 NEGOTIATE response whose request is not in the capture has an unknown dialect, not an index (synthetic)", () => {
    const r = report([[false, 0x72, { status: 0, dialect: 0 }]]);
    const c = r.connections[0];
    expect(c.dialect).toBe("unknown");
    expect(c.ladder!.map((s) => s.label).join("\n")).not.toMatch(/index/);
  });
});

describe("a refused NetBIOS session, now a transport phase", () => {
  it("is still the failure marked on the ladder (real nbss139-reject)", async () => {
    const { failureFrames } = await import("../src/ui/ladder");
    const r = await reportOf(fx("nbss139-reject.pcap"));
    const c = r.connections[0];
    const refused = c.phases.find((p) => p.note === "NetBIOS session refused")!;
    expect(refused.phase).toBe("tcp");
    expect([...failureFrames(c, r.findings)]).toEqual([refused.responseFrame]);
  });
});
