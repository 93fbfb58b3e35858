// NEGOTIATE_DIALECT_MISMATCH for SMB 2/3 dialect ranges, on the real captures of
// scripts/fixtures/refusals.sh: smbclient `client max protocol = SMB2_10` vs smbd `server min
// protocol = SMB3`, and `client min protocol = SMB3_00` vs `server max protocol = SMB2_10`; both
// answered STATUS_NOT_SUPPORTED (tshark: frame 8).
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { reportOf } from "./support/report";
import type { Report } from "../src/core/report";

const fx = (n: string) => join(__dirname, "../fixtures", n);
const text = (r: Report) => r.findings.filter((f) => f.id === "NEGOTIATE_DIALECT_MISMATCH").map((f) => [f.title, f.explanation, ...f.remediation].join("\n")).join("\n");

describe("NEGOTIATE_DIALECT_MISMATCH: which side's range", () => {
  it("a client capped at 2.1 against a server whose minimum is 3.0: the client's maximum and the server's minimum", async () => {
    const r = await reportOf(fx("dialect-client-max-below-server-min.pcap"));
    const c = r.connections[0];
    expect({ outcome: c.outcome, failedPhase: c.failedPhase, status: c.status, findings: c.findings })
      .toEqual({ outcome: "failed", failedPhase: "negotiate", status: "STATUS_NOT_SUPPORTED", findings: ["NEGOTIATE_DIALECT_MISMATCH"] });
    const f = r.findings[0];
    expect(f.frames).toEqual([6, 8]);
    expect(f.title).toBe("No SMB dialect in common: 10.99.6.2 offers at most 2.1, 10.99.6.1 requires a newer one");
    const t = text(r);
    expect(t).toContain("offered the dialects 2.0.2, 2.1");
    expect(t).toContain("The client's maximum is 2.1");
    expect(t).toContain("`Smb2DialectMax` SMB210");
    expect(t).toContain("client max protocol = SMB2_10");
    expect(t).toContain("its minimum is above that");
    expect(t).toContain("Set-SmbClientConfiguration -Smb2DialectMax None");
    expect(t).not.toContain("The client's minimum");
    expect(r.findings.map((x) => x.id)).not.toContain("NEGOTIATE_FAILED");
  });

  it("a client whose minimum is 3.0 against a server that stops at 2.1: the client's minimum and the server's maximum", async () => {
    const r = await reportOf(fx("dialect-client-min-above-server-max.pcap"));
    expect(r.connections[0].findings).toEqual(["NEGOTIATE_DIALECT_MISMATCH"]);
    const t = text(r);
    expect(r.findings[0].title).toBe("No SMB dialect in common: 10.99.6.2 requires at least 3.0, 10.99.6.1 speaks only older ones");
    expect(t).toContain("offered the dialects 3.0, 3.0.2, 3.1.1");
    expect(t).toContain("The client's minimum is 3.0: it leaves out 2.0.2 and 2.1");
    expect(t).toContain("client min protocol = SMB3_00");
    expect(t).toContain("its maximum is below that");
    expect(t).toContain("Set-SmbServerConfiguration -Smb2DialectMax None");
    expect(t).not.toContain("The client's maximum");
  });
});
