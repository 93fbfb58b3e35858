// The verdict line counts every failed connection under its own cause (issue 14, item 4): real
// fixtures merged into one capture, as several clients failing at once would look. The CLI, the
// page and the Markdown all show this same line (report.verdict).
import { describe, it, expect } from "vitest";
import { writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { readPcap, writePcap, type PcapRecord } from "./support/pcap";
import { reportOf } from "./support/report";
import { renderText } from "../src/cli/render";
import { reportToMarkdown, mdEscape } from "../src/ui/markdown";

const FIX = join(__dirname, "../fixtures");
const dir = mkdtempSync(join(tmpdir(), "smbscope-verdict-"));

/** The fixtures' packets in one capture, each fixture shifted to start 5 s after the previous one. */
function merged(name: string, fixtures: string[]): string {
  const records: PcapRecord[] = [];
  fixtures.forEach((f, i) => {
    const p = readPcap(join(FIX, `${f}.pcap`));
    const t0 = p.records[0].tsUs;
    for (const r of p.records) records.push({ ...r, tsUs: 1_700_000_000_000_000n + BigInt(i) * 5_000_000n + (r.tsUs - t0) });
  });
  records.sort((a, b) => (a.tsUs < b.tsUs ? -1 : a.tsUs > b.tsUs ? 1 : 0));
  const path = join(dir, name);
  writeFileSync(path, writePcap(1, records));
  return path;
}

describe("the verdict counts per cause", () => {
  it("four connections that failed four ways, one that worked", async () => {
    const r = await reportOf(merged("four-ways.pcap", ["tree-access-denied", "encrypt-smb21", "wrong-password", "tree-bad-share", "smb311-ok"]));
    expect(r.connections).toHaveLength(5);
    expect(r.verdict).toBe("4 of 5 SMB connections failed: 2 access denied (1 encryption required, 1 permissions), 1 logon failure (wrong user or password), 1 bad share name.");
    expect(r.headline).toEqual({
      connections: 5, failed: 4, fallbacks: 0,
      causes: [
        { cause: "access denied", causes: "access denied", count: 2, findingId: null, phase: "tree_connect", parts: [
          { cause: "encryption required", causes: "encryption required", count: 1, findingId: "TREE_ACCESS_DENIED_ENCRYPTION" },
          { cause: "permissions", causes: "permissions", count: 1, findingId: "TREE_ACCESS_DENIED_PERMISSIONS" }] },
        { cause: "logon failure", causes: "logon failures", count: 1, findingId: null, phase: "session_setup", parts: [
          { cause: "wrong user or password", causes: "wrong user or password", count: 1, findingId: "LOGON_FAILURE" }] },
        { cause: "bad share name", causes: "bad share names", count: 1, findingId: "TREE_BAD_NETWORK_NAME", phase: "tree_connect" },
      ],
    });
    // one line for every front end
    expect(renderText(r, false).split("\n")[2]).toBe(r.verdict);
    expect(reportToMarkdown(r)).toContain(` — ${mdEscape(r.verdict)}\n`);
  });

  it("failures in different phases are not all put in the first one's phase", async () => {
    const r = await reportOf(merged("phases.pcap", ["tcp-no-answer", "negotiate-no-response", "wrong-password"]));
    expect(r.verdict).toBe("3 of 3 SMB connections failed: 1 TCP connect unanswered, 1 NEGOTIATE unanswered, 1 logon failure (wrong user or password).");
    expect(r.verdict).not.toMatch(/at (TCP connect|NEGOTIATE|session setup)/);
  });

  it("445 refused, then 139 fine between the same client and server: a fallback that worked, not the headline", async () => {
    const r = await reportOf(merged("fallback.pcap", ["tcp-rejected", "nbss139"]));
    expect(r.connections.map((c) => c.outcome).sort()).toEqual(["failed", "ok"]);
    expect(r.headline).toMatchObject({ connections: 2, failed: 0, fallbacks: 1, causes: [] });
    expect(r.verdict).toBe("The SMB connection set up fine; the connect to 10.99.1.1:445 was refused, and the same client reached the server on another port.");
    // the refused port is information, not an error: the page's tone and the CLI's exit status follow
    expect(r.findings.map((f) => [f.id, f.severity])).toEqual([["PORT_139_FALLBACK", "info"]]);
  });

  it("says the phase and the status once: not 'failed at NEGOTIATE: NEGOTIATE never answered', not '(STATUS_X): … STATUS_X'", async () => {
    const lines: Record<string, string> = {};
    for (const f of ["wrong-password", "ntlm-account-disabled", "negotiate-no-response", "session-setup-no-response", "tcp-no-answer", "smb1-dos-wrong-password", "tree-bad-share"]) {
      const r = await reportOf(join(FIX, `${f}.pcap`));
      lines[f] = r.verdict;
      for (const st of r.verdict.match(/\b(STATUS_\w+|ERR[A-Z]+\/\w+)/g) ?? []) expect(r.verdict.split(st).length - 1, `${st} in ${r.verdict}`).toBe(1);
      const m = /failed at ([^:(]+?)(?: \(|:)(.*)$/.exec(r.verdict);
      if (m) expect(m[2].toLowerCase().replace(/_/g, " "), r.verdict).not.toContain(m[1].toLowerCase());
    }
    expect(lines["wrong-password"]).toBe("The SMB connection failed at session setup: Logon failed for WORKGROUP\\alice: STATUS_LOGON_FAILURE.");
    expect(lines["negotiate-no-response"]).toMatch(/^The SMB connection failed: NEGOTIATE never answered by 10\.99\.1\.1:445/);
    // a status the title does not carry is still said
    expect(lines["tree-bad-share"]).toBe('The SMB connection failed at tree connect (STATUS_BAD_NETWORK_NAME): Share "nosuchshare" does not exist on 10.99.1.1.');
  });
  it("without an SMB connection, an error finding of any id is the verdict: never 'no error' beside it", async () => {
    // AS-REQs answered by ICMP port unreachable: KDC_UNREACHABLE, which is not a KERBEROS_* id
    const r = await reportOf(join(FIX, "vxlan-kdc-icmp.pcap"));
    expect(r.findings.filter((f) => f.severity === "error").map((f) => f.id)).toEqual(["KDC_UNREACHABLE"]);
    expect(r.verdict).toBe("No SMB connection in the capture; KDC 10.99.8.1 unreachable: nothing on port 88.");
    // a Kerberos error keeps its label
    expect((await reportOf(join(FIX, "krb-preauth-failed.pcap"))).verdict).toMatch(/^No SMB connection in the capture; Kerberos: /);
  });
});
