// The findings of connections that end without an error status, on the real captures of
// scripts/fixtures/ending.sh (and one crafted rewrite of them, labelled): what a user reads must
// name the side that requires what, the fix on both sides, and the wire evidence.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { reportOf } from "./support/report";
import { rewrite, setSmb2SessionFlags } from "./support/rewrite";
import type { Report } from "../src/core/report";

const FX = (n: string) => join(__dirname, "../fixtures", n);
const find = (r: Report, id: string) => r.findings.find((f) => f.id === id);
const all = (f: { title: string; explanation: string; remediation: string[]; references?: string[] } | undefined) =>
  f ? [f.title, f.explanation, ...f.remediation, ...(f.references ?? [])].join("\n") : "";
let tshark = true;
try { execFileSync("tshark", ["--version"], { stdio: "ignore" }); } catch { tshark = false; }

describe("SIGNING_MISMATCH", () => {
  it("client signing required vs a guest session: the client's requirement, the guest flag, both fixes, 24H2 defaults", async () => {
    const r = await reportOf(FX("signing-required-guest.pcap"));
    const c = r.connections[0];
    expect({ outcome: c.outcome, failedPhase: c.failedPhase, ending: c.ending }).toEqual({ outcome: "failed", failedPhase: "session_setup", ending: { how: "fin", by: "client", frame: 14 } });
    const t = all(find(r, "SIGNING_MISMATCH"));
    expect(t).toContain("SMB2_NEGOTIATE_SIGNING_REQUIRED");
    expect(t).toContain("SMB2_SESSION_FLAG_IS_GUEST");
    expect(t).toContain("frame 13");
    expect(t).toContain("Windows 11 24H2");
    expect(t).toContain("Set-SmbClientConfiguration -RequireSecuritySignature $false");
    expect(t).toContain("-EnableInsecureGuestLogons $true");
    expect(t).toContain("map to guest = bad user");
    expect(t).toContain("MS-SMB2 2.2.6");
    expect(r.verdict).toContain("signing");
  });

  it("GUEST_SESSION says the client refused the guest logon (error, event 31017) when it hung up, and stays a warning when the guest session was used", async () => {
    const refused = find(await reportOf(FX("signing-required-guest.pcap")), "GUEST_SESSION");
    expect(refused?.severity).toBe("error");
    expect(refused?.title).toContain("The client refused the guest logon");
    expect(refused?.explanation).toContain("31017");
    const used = await reportOf(FX("guest-ok.pcap"));
    expect(used.connections[0].outcome).toBe("ok");
    expect(find(used, "GUEST_SESSION")?.severity).toBe("warning");
    expect(used.findings.map((f) => f.id)).not.toContain("SIGNING_MISMATCH");
  });

  it("SMB1: the server's SecurityMode requires signatures, the client leaves after NEGOTIATE", async () => {
    const r = await reportOf(FX("smb1-signing-mismatch.pcap"));
    expect({ outcome: r.connections[0].outcome, failedPhase: r.connections[0].failedPhase }).toEqual({ outcome: "failed", failedPhase: "negotiate" });
    const f = find(r, "SIGNING_MISMATCH");
    expect(f?.title).toContain("10.99.5.1 requires SMB1 signing");
    const t = all(f);
    expect(t).toContain("NEGOTIATE_SECURITY_SIGNATURES_REQUIRED");
    expect(t).toContain("0x0f");
    expect(t).toContain("server signing = default");
    expect(t).toContain("client signing = auto");
    expect(t).toContain("MS-CIFS 2.2.4.52.2");
  });

  // Crafted (no stack here sends it): signing-required-guest with the guest flag cleared, i.e. a
  // 3.1.1 server that gives a real session and does not sign the final SESSION_SETUP response.
  it.skipIf(!tshark)("crafted: an unsigned final SESSION_SETUP from a 3.1.1 server (MS-SMB2 3.2.5.3.1)", async () => {
    const path = rewrite(FX("signing-required-guest.pcap"), "unsigned-final-session-setup.pcap", () => true, (n, d) => (n === 13 ? setSmb2SessionFlags(d, 0) : d));
    const ts = execFileSync("tshark", ["-r", path, "-T", "fields", "-e", "smb2.ses_flags.guest", "-e", "smb2.flags.signature", "-Y", "frame.number == 13"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    expect(ts.split("\t")).toEqual(["0", "0"]);
    const r = await reportOf(path);
    expect(r.connections[0].auth).not.toBe("guest");
    const f = find(r, "SIGNING_MISMATCH");
    expect(f?.title).toBe("The client requires signing, and 10.99.5.1 did not sign the session setup");
    expect(all(f)).toContain("MS-SMB2 3.2.5.3.1");
    expect(all(f)).toContain("STATUS_INVALID_SIGNATURE");
    expect(all(f)).toContain("server signing = default");
  });
});

describe("encryption mandates that do not meet", () => {
  it("ENCRYPTION_REQUIRED_BY_CLIENT: the server's 3.1.1 answer has no encryption context, the client hangs up after SESSION_SETUP", async () => {
    const r = await reportOf(FX("encryption-required-by-client.pcap"));
    expect(r.connections[0].failedPhase).toBe("session_setup");
    const f = find(r, "ENCRYPTION_REQUIRED_BY_CLIENT");
    const t = all(f);
    expect(t).toContain("AES-128-GCM, AES-128-CCM, AES-256-GCM, AES-256-CCM");
    expect(t).toContain("no SMB2_ENCRYPTION_CAPABILITIES context");
    expect(t).toContain("RequireEncryption");
    expect(t).toContain("server smb encrypt = desired");
    expect(t).toContain("Set-SmbClientConfiguration -RequireEncryption $false");
    expect(t).toContain("MS-SMB2 2.2.3.1.2");
    expect(r.findings.map((x) => x.id)).not.toContain("SESSION_SETUP_FAILED");
  });

  it("NO_COMMON_CIPHER both ways: names the client's list and cipher 0, then the server's refusal or the client's leaving", async () => {
    const srv = await reportOf(FX("no-common-cipher-server.pcap"));
    const fs = find(srv, "NO_COMMON_CIPHER");
    expect(fs?.severity).toBe("error");
    expect(fs?.explanation).toContain("The client offered AES-128-CCM");
    expect(fs?.explanation).toContain("cipher 0");
    expect(fs?.explanation).toContain("STATUS_ACCESS_DENIED");
    expect(all(fs)).toContain("server smb3 encryption algorithms");
    const cli = await reportOf(FX("no-common-cipher-client.pcap"));
    const fc = find(cli, "NO_COMMON_CIPHER");
    expect(fc?.explanation).toContain("The client offered AES-256-GCM");
    expect(fc?.explanation).toContain("the client gave up");
    expect(all(fc)).toContain("client smb3 encryption algorithms");
    expect(cli.findings.map((x) => x.id)).not.toContain("ENCRYPTION_REQUIRED_BY_CLIENT");
  });
});
