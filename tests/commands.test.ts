// Copy buttons go on whole runnable commands only (issue 16): every code span of every finding of
// every fixture and corpus Report is classified by core/commands.ts, the page's source of truth.
// Settings (smb.conf lines, registry value names, cmdlet parameters, event ids, Wireshark fields)
// are not commands; the commands the texts give are.
import { describe, it, expect } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { reportOf } from "./support/report";
import { isRunnableCommand } from "../src/core/commands";
import { splitCode } from "../src/ui/format";

const FIX = join(__dirname, "../fixtures");
const CORPUS = join(__dirname, "../../shared/corpus");
const fixtures = readdirSync(FIX).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(FIX, f));
const corpus: string[] = existsSync(join(CORPUS, "index.json"))
  ? (JSON.parse(readFileSync(join(CORPUS, "index.json"), "utf8")) as { file: string }[]).map((e) => join(CORPUS, e.file)) : [];

describe("isRunnableCommand", () => {
  it("knows commands, pipelines and cmdlets", () => {
    for (const c of [
      "setspn -S cifs/files.corp.example.test DC1", "klist", "klist purge", "net use", "net view \\\\10.99.1.1",
      "Get-SmbShare", "Get-SmbServerConfiguration | select EncryptData, RejectUnencryptedAccess", "testparm -sv | grep -i 'smb encrypt'",
      "ss -ltnp 'sport = :445'", "reg add HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa /v LmCompatibilityLevel /t REG_DWORD /d 5 /f",
      "Resolve-DnsName -Type SRV _kerberos._tcp.corp.example.test", "pktmon start --capture", "netsh trace start capture=yes",
      "samba-tool spn add cifs/files.corp.example.test DC1$", "w32tm /resync", "nltest /dsgetdc:CORP.EXAMPLE.TEST",
      "Get-NetFirewallRule -DisplayGroup \"File and Printer Sharing\" | Get-NetFirewallPortFilter", "smbclient -L 10.99.1.1 -N",
      "dfsutil diag viewdfspath \"\\\\10.99.6.1\\dfs\\link\"",
      "NET USE \\\\server\\share /TRANSPORT:TCP", "Get-SmbServerConfiguration | Format-List EnableSMBQUIC",
      "Set-SmbShare -Name <share> -EncryptData $true", // a placeholder the admin fills is still a command
    ]) expect(isRunnableCommand(c), c).toBe(true);
  });
  it("is not fooled by settings, names, parameters, fragments or filters", () => {
    for (const c of [
      "server signing = mandatory", "server smb encrypt = required", "map to guest = bad user", "kdc =", "RequireSecuritySignature",
      "RestrictNullSessAccess", "LmCompatibilityLevel", "4769", "1006", "-RequireSecuritySignature $false", "--session-key SESSIONID:HEX",
      "netbios || ipx", "port 445 or port 139 or port 88", "kerberos.kdc_options", "sec=krb5", "WORKGROUP\\alice", "mandatory",
      "Set-SmbClientConfiguration -EncryptionCiphers ...", "setspn", "Set-ADUser", "Enable-ADAccount", "samba", "kinit", "icacls",
      "testparm -sv | ", "testparm 'open", "net \\\\server",
    ]) expect(isRunnableCommand(c), c).toBe(false);
  });
});

describe("every code span of every Report, classified", () => {
  it(`fixtures and corpus (${fixtures.length + corpus.length} captures)`, async () => {
    const spans = new Map<string, { runnable: boolean; where: string }>();
    for (const path of [...fixtures, ...corpus]) {
      const r = await reportOf(path);
      for (const f of r.findings) for (const t of f.remediation) for (const p of splitCode(t)) {
        if (p.code && !spans.has(p.text)) spans.set(p.text, { runnable: !!p.runnable, where: `${f.id} ${path.replace(/.*\/(fixtures|corpus)\//, "$1/")}` });
      }
    }
    const list = [...spans].map(([text, s]) => `${s.runnable ? "COPY" : "code"}  ${text}    (${s.where})`).sort();
    if (process.env.LIST_SPANS) console.log(list.join("\n"));
    expect(spans.size).toBeGreaterThan(150);
    for (const [text, s] of spans) {
      // an smb.conf or krb5.conf line, a bare registry value or event id, a parameter: never a Copy button
      if (/^[a-z][a-z0-9 ]*[a-z0-9] = /.test(text) || /^[A-Z][A-Za-z0-9]+$/.test(text) || /^\d+$/.test(text) || /^-/.test(text)) {
        expect(s.runnable, `${text} (${s.where})`).toBe(false);
      }
    }
    // the commands these Reports give are runnable, the settings they name are not
    const seen = (t: string) => { expect(spans.has(t), `${t} in some Report`).toBe(true); return spans.get(t)!.runnable; };
    for (const t of ["klist purge", "Get-SmbShare", "setspn -X", "testparm -s", "Get-SmbServerConfiguration | select RequireSecuritySignature",
      "setspn -S cifs/files.corp.example.test DC1", "reg add HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa /v LmCompatibilityLevel /t REG_DWORD /d 5 /f"]) expect(seen(t), t).toBe(true);
    for (const t of ["RequireSecuritySignature", "server smb encrypt = desired", "map to guest = bad user", "RestrictNullSessAccess",
      "-RequireSecuritySignature $false", "OptionalNames", "netbios name", "kerberos.kdc_options"]) expect(seen(t), t).toBe(false);
  }, 300_000);
});
