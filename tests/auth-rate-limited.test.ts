// AUTH_RATE_LIMITED: the real wrong-password capture (smbd answers the failed logon in ~4 ms) and
// its crafted twin made by scripts/fixtures/crafted.sh (retime-logon-failure.py: the answer moved
// 2 s later and the server's NTLM VERSION set to Windows Server 2025), and rewrites of that twin
// (labelled crafted) for a server whose VERSION rules the limiter out.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { reportOf } from "./support/report";
import { rewrite, setNtlmVersion } from "./support/rewrite";
import type { Report } from "../src/core/report";

const fx = (n: string) => join(__dirname, "../fixtures", n);
const ids = (r: Report) => r.findings.map((f) => f.id);

describe("AUTH_RATE_LIMITED", () => {
  it("the real wrong password, answered in milliseconds, is a logon failure and nothing about a rate limiter", async () => {
    const r = await reportOf(fx("wrong-password.pcap"));
    expect(ids(r)).toContain("LOGON_FAILURE");
    expect(ids(r)).not.toContain("AUTH_RATE_LIMITED");
  });

  it("crafted: the same failure answered 2.0 s later by Windows Server 2025 is the rate limiter, not a slow DC, beside the logon failure", async () => {
    const r = await reportOf(fx("logon-failure-rate-limited.pcap"));
    expect(r.connections[0].findings).toEqual(["LOGON_FAILURE", "AUTH_RATE_LIMITED"]);
    const f = r.findings.find((x) => x.id === "AUTH_RATE_LIMITED")!;
    expect(f.severity).toBe("info");
    expect(f.frames).toEqual([12, 13]); // tshark: the AUTHENTICATE and the STATUS_LOGON_FAILURE
    expect(f.title).toBe("10.99.1.1 held the failed logon for 2.0 s: the SMB authentication rate limiter, not a slow domain controller");
    expect(f.explanation).toContain("answered STATUS_LOGON_FAILURE in frame 13, 2.0 s later");
    expect(f.explanation).toContain("Windows 11 24H2 or Server 2025 (10.0.26100)");
    expect(f.remediation.join("\n")).toContain("Set-SmbServerConfiguration -InvalidAuthenticationDelayTimeInMs 0");
    // the verdict still blames the credentials
    expect(r.verdict).toContain("Logon failed for WORKGROUP\\alice");
    expect(r.findings.find((x) => x.id === "LOGON_FAILURE")!.severity).toBe("error");
  });

  it("crafted: a 2 s delay from a Windows release without the limiter (Server 2022) or from Samba (build 0) is not blamed on it", async () => {
    for (const [build, minor] of [[20348, 0], [0, 1]] as const) {
      const path = rewrite(fx("logon-failure-rate-limited.pcap"), `rate-${build}.pcap`, () => true, (n, d) => (n === 11 ? setNtlmVersion(d, build ? 10 : 6, minor, build) : d));
      const r = await reportOf(path);
      expect(r.connections[0].serverOs?.version).toBe(build ? "10.0.20348" : "6.1.0");
      expect(ids(r)).toContain("LOGON_FAILURE");
      expect(ids(r), String(build)).not.toContain("AUTH_RATE_LIMITED");
    }
  });
});
