// The Windows release in the findings, only where the capture's NTLM VERSION says so (MS-NLMP
// 2.2.2.10; the connections' clientOs/serverOs). The real fixtures are Samba on both ends (VERSION
// 6.1 build 0: no Windows release named), so each case is a rewrite of a real fixture whose NTLM
// VERSION fields were set to a Windows build (labelled crafted), next to the real one unchanged:
// a Windows 7 client and encryption; a Windows 11 24H2 client and signing; a Windows Server 2008 R2
// server and the NEGOTIATE hang the SMB troubleshooting article names hotfixes for.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { writeFileSync, mkdtempSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { reportOf } from "./support/report";
import { rewrite, setNtlmVersion } from "./support/rewrite";
import { readPcap, writePcap } from "./support/pcap";
import type { Report } from "../src/core/report";

const fx = (n: string) => join(__dirname, "../fixtures", n);
const text = (r: Report, id: string) => r.findings.filter((f) => f.id === id).map((f) => [f.title, f.explanation, ...f.remediation].join("\n")).join("\n");

const NTLMSSP = [0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0];
/** The NTLM message type a frame carries (1, 2, 3), or 0. */
function ntlmType(d: Uint8Array): number {
  for (let i = 0; i + 12 <= d.length; i++) if (NTLMSSP.every((b, k) => d[i + k] === b)) return d[i + 8];
  return 0;
}
/** Every NTLM message of the given types gets VERSION major.minor.build. */
const withVersion = (types: number[], major: number, minor: number, build: number) =>
  (_n: number, d: Uint8Array) => (types.includes(ntlmType(d)) ? setNtlmVersion(d, major, minor, build) : d);

describe("a client older than Windows 8 cannot encrypt", () => {
  it("crafted: a Windows 7 SP1 client (6.1.7601) refused by an encrypted share: the finding says it cannot encrypt at all", async () => {
    const real = await reportOf(fx("encrypt-smb21.pcap"));
    expect(text(real, "TREE_ACCESS_DENIED_ENCRYPTION")).not.toContain("NTLM VERSION");
    const r = await reportOf(rewrite(fx("encrypt-smb21.pcap"), "win7-encrypt.pcap", () => true, withVersion([1, 3], 6, 1, 7601)));
    expect(r.connections[0].clientOs?.name).toBe("Windows 7 SP1 or Server 2008 R2 SP1 (6.1.7601)");
    expect(r.connections[0].findings).toEqual(["TREE_ACCESS_DENIED_ENCRYPTION"]);
    expect(text(r, "TREE_ACCESS_DENIED_ENCRYPTION")).toContain("the connection negotiated SMB 2.1; encryption needs SMB 3.0 or later; the client's NTLM VERSION names Windows 7 SP1 or Server 2008 R2 SP1 (6.1.7601), which has no SMB 3 and cannot encrypt at all");
  });

  it("crafted: without the NEGOTIATE in the capture, the Windows 7 VERSION alone decides 'encryption required' instead of 'undecided'", async () => {
    const neg = (n: number) => n === 6 || n === 8; // tshark: the NEGOTIATE request and response of encrypt-smb21
    const plain = await reportOf(rewrite(fx("encrypt-smb21.pcap"), "no-neg.pcap", (n) => !neg(n)));
    expect(plain.connections[0].findings).toContain("TREE_CONNECT_FAILED"); // encryption or permissions: undecided
    const r = await reportOf(rewrite(fx("encrypt-smb21.pcap"), "no-neg-win7.pcap", (n) => !neg(n), withVersion([1, 3], 6, 1, 7601)));
    expect(r.connections[0].findings).toContain("TREE_ACCESS_DENIED_ENCRYPTION");
    expect(r.connections[0].findings).not.toContain("TREE_CONNECT_FAILED");
    expect(text(r, "TREE_ACCESS_DENIED_ENCRYPTION")).toContain("Deciding evidence: the client's NTLM VERSION names Windows 7 SP1");
  });
});

describe("a Windows 11 24H2 / Server 2025 client requires signing by default", () => {
  it("crafted: the signing-required guest session from a 10.0.26100 client says it is the default, not a policy", async () => {
    const real = await reportOf(fx("signing-required-guest.pcap"));
    expect(text(real, "SIGNING_MISMATCH")).not.toContain("required by default, so no one");
    const r = await reportOf(rewrite(fx("signing-required-guest.pcap"), "24h2-guest.pcap", () => true, withVersion([1, 3], 10, 0, 26100)));
    expect(r.connections[0].clientOs?.name).toBe("Windows 11 24H2 or Server 2025 (10.0.26100)");
    for (const id of ["SIGNING_MISMATCH", "GUEST_SESSION"]) {
      expect(text(r, id), id).toContain("The client's NTLM VERSION names Windows 11 24H2 or Server 2025 (10.0.26100): there signing is required by default");
    }
  });

  it("crafted: an older Windows 11 client (22H2, 10.0.22621) gets no such sentence", async () => {
    const r = await reportOf(rewrite(fx("signing-required-guest.pcap"), "22h2-guest.pcap", () => true, withVersion([1, 3], 10, 0, 22621)));
    expect(text(r, "SIGNING_MISMATCH")).not.toContain("required by default, so no one");
  });
});

describe("a Windows Server 2008 R2 server and the NEGOTIATE hang", () => {
  it("crafted: a NEGOTIATE never answered by a server whose CHALLENGE on another connection names 2008 R2 points to the article's hotfixes", async () => {
    const real = await reportOf(fx("negotiate-no-response-smbd.pcap"));
    expect(text(real, "NEGOTIATE_NO_RESPONSE")).not.toContain("2008 R2 the SMB troubleshooting article");
    // smb311-ok (the same server 10.99.1.1, its CHALLENGE set to 6.1.7601) followed by the real hang
    const ok = readPcap(rewrite(fx("smb311-ok.pcap"), "ok-2008r2.pcap", () => true, withVersion([2], 6, 1, 7601)));
    const hang = readPcap(fx("negotiate-no-response-smbd.pcap"));
    expect(ok.records[ok.records.length - 1].tsUs).toBeLessThan(hang.records[0].tsUs);
    const path = join(mkdtempSync(join(tmpdir(), "smbscope-2008r2-")), "2008r2-hang.pcap");
    writeFileSync(path, writePcap(ok.linkType, [...ok.records, ...hang.records]));
    const r = await reportOf(path);
    expect(r.connections.map((c) => c.serverOs?.version ?? null)).toEqual(["6.1.7601", null]);
    const t = text(r, "NEGOTIATE_NO_RESPONSE");
    expect(t).toMatch(/The server is Windows 7 SP1 or Server 2008 R2 SP1 \(6\.1\.7601\) \(its NTLM CHALLENGE on connection 10\.99\.1\.2:\d+-10\.99\.1\.1:445, tcp\.stream 0\): for this hang on Windows Server 2008 R2 the SMB troubleshooting article points to hotfixes/);
  });
});

describe("on the real corpus, a release is named only where its VERSION says so", () => {
  const CORPUS = join(__dirname, "../../shared/corpus");
  const present = existsSync(join(CORPUS, "index.json"));
  const files: string[] = present ? (JSON.parse(readFileSync(join(CORPUS, "index.json"), "utf8")) as { file: string }[]).map((e) => e.file).filter((f) => /\.(pcap|pcapng|cap)$/.test(f)) : [];
  it.skipIf(!present)(`${files.length} captures: the Windows 7, 24H2 and 2008 R2 sentences follow the connections' clientOs/serverOs`, async () => {
    let windows = 0;
    for (const f of files) {
      const r = await reportOf(join(CORPUS, f));
      for (const c of r.connections) {
        const mine = r.findings.filter((x) => x.connection === c.id).map((x) => x.explanation).join("\n");
        const [cmaj, cmin, cbuild] = (c.clientOs?.version ?? "0.0.0").split(".").map(Number);
        if (cbuild) windows++;
        if (mine.includes("which has no SMB 3 and cannot encrypt at all")) expect(cbuild > 0 && (cmaj < 6 || (cmaj === 6 && cmin <= 1)), `${f} ${c.id}`).toBe(true);
        if (mine.includes("there signing is required by default")) expect(cmaj === 10 && cbuild >= 26100, `${f} ${c.id}`).toBe(true);
        if (mine.includes("2008 R2 the SMB troubleshooting article")) expect(r.connections.some((o) => /^6\.1\.[1-9]/.test(o.serverOs?.version ?? "")), `${f} ${c.id}`).toBe(true);
      }
    }
    expect(windows).toBeGreaterThan(0); // the corpus has Windows clients (10.0.19041) to check against
  });
});
