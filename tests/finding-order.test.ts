// The order findings are emitted in is what the Report shows for findings of one severity on one
// frame, and each connection's list of ids: the walk (findings/walk.ts) calls the modules in the
// order of findings/index.ts. Checked on decoder events written by hand (labelled synthetic).
import { describe, it, expect } from "vitest";
import * as C from "../assembly/events";
import { ModelBuilder } from "../src/core/model/builder";
import { buildReport } from "../src/core/reportBuilder";
import { sortFindings } from "../src/core/diagnose/order";
import type { DiagnoseContext } from "../src/core/diagnose/context";
import type { Finding } from "../src/core/report";
import { craftedEvents, ip } from "./support/crafted-events";

const { ev, smb2, frames, reset } = craftedEvents();

/** An SMB 2.1 connection (no encryption possible) whose one AUTHENTICATE is answered `status`. */
function smb21(status: number) {
  reset();
  const m = new ModelBuilder("synthetic.pcap", 0);
  for (const e of [
    ev(C.EV_FLOW, true, { srcIp: ip([10, 0, 0, 2]), srcPort: 50000, dstIp: ip([10, 0, 0, 1]), dstPort: 445, flowProto: C.FLOWP_SMB, value: 0 }),
    ev(C.EV_TCP, true, { tcpFlags: 0x02 }),
    ev(C.EV_TCP, false, { tcpFlags: 0x12 }),
    smb2(true, 0, 0, { dialects: Uint8Array.from([0x02, 0x02, 0x10, 0x02]), secMode: 1 }),
    smb2(false, 0, 0, { status: 0, dialect: 0x0210, secMode: 1 }),
    smb2(true, 1, 1, { mech: C.MECH_NTLM, ntlmType: 3, ntlmUser: "alice", ntlmDomain: "CORP" }),
    smb2(false, 1, 1, { status }),
  ]) m.add(e);
  m.add(ev(C.EV_SUMMARY, false, { packets: BigInt(frames()), bytes: 0n }));
  return buildReport(m.finish());
}

describe("order of emission", () => {
  it("tells SESSION_ACCESS_DENIED first, then the encryption requirement it points to (same frames)", () => {
    const r = smb21(0xc0000022); // STATUS_ACCESS_DENIED
    const ids = r.findings.map((f) => f.id);
    expect(ids.slice(0, 2)).toEqual(["SESSION_ACCESS_DENIED", "TREE_ACCESS_DENIED_ENCRYPTION"]);
    expect(r.findings[0].frames).toEqual(r.findings[1].frames);
    expect(r.findings[1].explanation).toContain("negotiated SMB 2.1");
    expect(r.connections[0].findings.slice(0, 2)).toEqual(["SESSION_ACCESS_DENIED", "TREE_ACCESS_DENIED_ENCRYPTION"]);
  });

  it("gives a refused SESSION_SETUP one finding by its status", () => {
    expect(smb21(0xc000006d).findings.map((f) => f.id)).toContain("LOGON_FAILURE");
    expect(smb21(0xc000a000).findings.map((f) => f.id)).toContain("SESSION_SIGNING_FAILED");
    const other = smb21(0xc00000bb).findings.map((f) => f.id); // STATUS_NOT_SUPPORTED
    expect(other).toContain("SESSION_SETUP_FAILED");
    expect(other).not.toContain("LOGON_FAILURE");
    expect(other).not.toContain("SESSION_ACCESS_DENIED");
  });
});

describe("Report order of findings (diagnose/order.ts)", () => {
  // findings as add() leaves them: only id, severity and frames decide the order (labelled synthetic)
  const finding = (id: string, severity: Finding["severity"], frames: number[]): Finding =>
    ({ id, severity, title: id, explanation: "", remediation: [], connection: null, frames });
  const sorted = (all: Finding[]) => {
    const ctx = { findings: all.slice() } as unknown as DiagnoseContext;
    sortFindings(ctx);
    return ctx.findings.map((f) => f.id);
  };

  it("puts errors first, then warnings, then information; by first frame within each; as added among equals", () => {
    const all = [
      finding("i-5", "info", [5]), finding("w-9", "warning", [9]), finding("e-7", "error", [7, 2]),
      finding("e-none", "error", []), finding("w-3", "warning", [3]), finding("e-7-later", "error", [7]),
      finding("i-1", "info", [1]), finding("e-2", "error", [2]),
    ];
    expect(sorted(all)).toEqual(["e-none", "e-2", "e-7", "e-7-later", "w-3", "w-9", "i-1", "i-5"]);
  });

  it("keeps the same order for frame numbers too large for one sort key, and for many equal findings", () => {
    const big = [finding("w-late", "warning", [2 ** 52]), finding("e-late", "error", [2 ** 52]), finding("e-1", "error", [1]), finding("w-0", "warning", [0])];
    expect(sorted(big)).toEqual(["e-1", "e-late", "w-0", "w-late"]);
    // 5,000 findings on the same frame: the order added, as a stable sort keeps it
    const same = Array.from({ length: 5000 }, (_, i) => finding(`f${i}`, i % 2 ? "warning" : "error", [42]));
    const ids = sorted(same);
    expect(ids.slice(0, 3)).toEqual(["f0", "f2", "f4"]);
    expect(ids.slice(2500, 2503)).toEqual(["f1", "f3", "f5"]);
  });
});
