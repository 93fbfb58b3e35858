// Kerberos errors belong to an SMB connection only when they served it (issue 14, item 5): a
// service ticket for cifs/ or host/ with a name the client used for that server, or the
// ticket-granting exchanges that led to it. The others are listed under Kerberos, as not
// SMB-related, without SMB remediation.
import { describe, it, expect } from "vitest";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { reportOf } from "./support/report";
import { rewrite } from "./support/rewrite";
import { readTsv } from "./support/tshark";
import { readPcap, writePcap, type PcapRecord } from "./support/pcap";

const FIX = join(__dirname, "../fixtures");
const CORPUS = join(__dirname, "../../shared/corpus");

describe("Kerberos errors attached only to the connection they served", () => {
  it("krb-unrelated-errors: a user-principal TGS and a refused TGT validation beside a good cifs/dc1 session", async () => {
    const r = await reportOf(join(FIX, "krb-unrelated-errors.pcap"));
    expect(r.connections).toHaveLength(1);
    const conn = r.connections[0];
    expect(conn.outcome).toBe("ok");
    expect(conn.findings).not.toContain("KERBEROS_SPN_UNKNOWN");
    expect(conn.findings).not.toContain("KERBEROS_ERROR");
    // the cifs/dc1 ticket served the connection; the two errors served nothing in the capture
    expect(r.kerberos.filter((k) => k.service === "cifs/dc1.corp.example.test").every((k) => k.connection === conn.id)).toBe(true);
    for (const k of r.kerberos.filter((x) => x.error && !x.expected)) expect(k.connection ?? null, `frame ${k.frame} ${k.error}`).toBeNull();
    const spn = r.findings.find((f) => f.id === "KERBEROS_SPN_UNKNOWN")!;
    const bad = r.findings.find((f) => f.id === "KERBEROS_ERROR")!;
    for (const f of [spn, bad]) {
      expect(f.severity).toBe("info");
      expect(f.connection).toBeNull();
      expect(f.title).toContain("not SMB-related");
    }
    // a user principal is no SPN: nothing to register, no alias advice
    expect(spn.remediation.join(" ")).not.toMatch(/setspn -S|netdom|samba-tool spn add|alias/);
    expect(bad.explanation).not.toContain("the client cannot get the ticket it needs");
    expect(r.verdict).toBe("The SMB connection set up fine.");
  });

  it("a cifs/ ticket for a name the connection did not use is not its ticket (krb-smb-ok's cifs/dc1 connection beside krb-spn-unknown's Kerberos for cifs/files)", async () => {
    // krb-spn-unknown's packets without its SMB connection (port 445): only its KDC traffic
    const ports = readTsv(join(FIX, "krb-spn-unknown.tcp.tsv"));
    const kdcOnly = rewrite(join(FIX, "krb-spn-unknown.pcap"), "kdc-only.pcap", (n) => !(ports.get(n)?.["tcp.srcport"]?.[0] === "445" || ports.get(n)?.["tcp.dstport"]?.[0] === "445"));
    const records: PcapRecord[] = [];
    for (const [i, f] of [kdcOnly, join(FIX, "krb-smb-ok.pcap")].entries()) {
      const p = readPcap(f);
      const t0 = p.records[0].tsUs;
      for (const rec of p.records) records.push({ ...rec, tsUs: 1_700_000_000_000_000n + BigInt(i) * 2_000_000n + (rec.tsUs - t0) });
    }
    records.sort((x, y) => (x.tsUs < y.tsUs ? -1 : x.tsUs > y.tsUs ? 1 : 0));
    const path = join(mkdtempSync(join(tmpdir(), "smbscope-krb-")), "other-name.pcap");
    writeFileSync(path, writePcap(1, records));
    const r = await reportOf(path);
    expect(r.connections).toHaveLength(1);
    const conn = r.connections[0];
    expect(conn.outcome).toBe("ok");
    expect(conn.findings).not.toContain("KERBEROS_SPN_UNKNOWN");
    const f = r.findings.find((x) => x.id === "KERBEROS_SPN_UNKNOWN")!;
    expect(f.connection).toBeNull();
    expect(f.severity).toBe("info");
    expect(r.kerberos.filter((k) => k.service === "cifs/files.corp.example.test").every((k) => !k.connection)).toBe(true);
    expect(r.verdict).toBe("The SMB connection set up fine.");
  });

  it.skipIf(!existsSync(join(CORPUS, "zeek/krb/kinit.pcap")))("corpus kinit.pcap: Kerberos alone (no SMB) keeps its errors, the BADOPTION of a TGT validation explained", async () => {
    const r = await reportOf(join(CORPUS, "zeek/krb/kinit.pcap"));
    const f = r.findings.find((x) => x.id === "KERBEROS_ERROR" && x.title.includes("KDC_ERR_BADOPTION"))!;
    expect(f.severity).toBe("error");
    expect(f.explanation).toMatch(/validating one that is not postdated/);
    // the account name fills the AD commands
    const exp = r.findings.find((x) => x.id === "KERBEROS_ERROR" && x.title.includes("KDC_ERR_CLIENT_REVOKED"))!;
    expect(exp.remediation[0]).toContain("Get-ADUser lockout_policy_client_principal");
  });
});
if (!existsSync(join(CORPUS, "zeek/krb/kinit.pcap"))) console.log(`kerberos attach: corpus test skipped, ${CORPUS}/zeek/krb/kinit.pcap is absent`);
