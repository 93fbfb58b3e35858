// Authentication that ends without an SMB error (issue 13), on the real captures of
// scripts/fixtures/auth-ending.sh: NTLMv1 refused and accepted, an RC4-only client against an
// AES-only account, Kerberos required to an IP address, a KDC with nothing on port 88 (with and
// without NTLM fallback), a SYN answered by ICMP admin-prohibited. What an admin reads: the
// finding, its severity, the names and numbers it gives, and the connection's outcome.
// The decoder's new fields (ICMP errors and what they quote, the etypes a KDC-REQ offered) are
// checked against tshark, run on the same captures.
import { describe, it, expect } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as C from "../assembly/events";
import { reportOf } from "./support/report";
import { decodeFile } from "./support/decode";
import { ipText } from "../src/core/names";
import { kerberosTimeDiff } from "../src/core/diagnose/findings/kerberos-error";
import type { Report, Finding } from "../src/core/report";

const FX = join(__dirname, "../fixtures");
const cap = (n: string) => join(FX, `${n}.pcap`);
const have = (n: string) => existsSync(cap(n));
const IN_CI = !!process.env.CI && process.env.CI !== "false" && process.env.CI !== "0";
const haveTshark = spawnSync("tshark", ["-v"], { stdio: "ignore" }).status === 0;

const find = (r: Report, id: string): Finding => {
  const f = r.findings.find((x) => x.id === id);
  expect(f, `${id} in ${r.findings.map((x) => x.id).join(", ")}`).toBeDefined();
  return f!;
};
const text = (f: Finding) => `${f.title}\n${f.explanation}\n${f.remediation.join("\n")}`;

describe("NTLMv1", () => {
  it.skipIf(!have("ntlmv1-refused"))("refused: the protocol is blamed, not the password, and the response is never shown", async () => {
    const r = await reportOf(cap("ntlmv1-refused"));
    const f = find(r, "NTLMV1_REFUSED");
    expect(f.severity).toBe("error");
    expect(text(f)).toMatch(/24 bytes/);
    expect(text(f)).toMatch(/LmCompatibilityLevel/);
    expect(text(f)).toMatch(/ntlm auth = ntlmv2-only/);
    expect(text(f)).toMatch(/not the problem/);
    // a wrong-password reading would contradict it
    expect(r.findings.map((x) => x.id)).not.toContain("LOGON_FAILURE");
    expect(r.verdict).toMatch(/NTLMv1 refused/);
    // no NT response (24 bytes = 48 hex digits) anywhere in the Report
    expect(JSON.stringify(r)).not.toMatch(/[0-9a-f]{48}/i);
    expect(r.connections[0]).toMatchObject({ outcome: "failed", failedPhase: "session_setup", status: "STATUS_LOGON_FAILURE" });
  });
  it.skipIf(!have("ntlmv1-accepted"))("accepted: a warning on a connection that works", async () => {
    const r = await reportOf(cap("ntlmv1-accepted"));
    const f = find(r, "NTLMV1_IN_USE");
    expect(f.severity).toBe("warning");
    expect(r.connections[0].outcome).toBe("ok");
    expect(r.findings.some((x) => x.severity === "error")).toBe(false);
    // and an NTLMv2 logon is neither
    if (have("smb311-ok")) expect((await reportOf(cap("smb311-ok"))).findings.map((x) => x.id).filter((id) => id.startsWith("NTLMV1"))).toEqual([]);
  });
});

describe("Kerberos that never led to a SESSION_SETUP", () => {
  it.skipIf(!have("krb-etype-rc4-only"))("etype mismatch names the etypes offered and the AES remedy", async () => {
    const r = await reportOf(cap("krb-etype-rc4-only"));
    const f = find(r, "KERBEROS_ETYPE_MISMATCH");
    expect(f.severity).toBe("error");
    expect(f.title).toMatch(/cifs\/aesfiles\.corp\.example\.test/);
    expect(text(f)).toMatch(/only rc4-hmac \(23\)/);
    expect(text(f)).toMatch(/msDS-SupportedEncryptionTypes/);
    expect(text(f)).toMatch(/reset its password/);
    expect(r.connections[0]).toMatchObject({ outcome: "failed", failedPhase: "session_setup", status: null });
    expect(r.verdict).toMatch(/etype mismatch/);
    // one finding for the error, not a generic KERBEROS_ERROR beside it
    expect(r.findings.map((x) => x.id)).not.toContain("KERBEROS_ERROR");
  });
  it.skipIf(!have("krb-spn-unknown"))("a missing SPN that stopped the client marks its connection failed at session setup", async () => {
    const r = await reportOf(cap("krb-spn-unknown"));
    expect(r.connections[0]).toMatchObject({ outcome: "failed", failedPhase: "session_setup" });
  });
  it.skipIf(!have("krb-required-ip"))("Kerberos required to an IP address: no authentication attempted, the name said", async () => {
    const r = await reportOf(cap("krb-required-ip"));
    const f = find(r, "AUTH_NOT_ATTEMPTED");
    expect(f.severity).toBe("error");
    expect(f.explanation).toMatch(/"10\.99\.2\.1" \(the NETNAME context/);
    expect(f.explanation).toMatch(/no Kerberos service principal/);
    expect(r.verdict).toMatch(/No authentication attempted/);
    // a client that authenticated is not one that did not try
    if (have("krb-smb-ok")) expect((await reportOf(cap("krb-smb-ok"))).findings.map((x) => x.id)).not.toContain("AUTH_NOT_ATTEMPTED");
  });
});

describe("KDC unreachable", () => {
  it.skipIf(!have("kdc-unreachable"))("ICMP port unreachable, no fallback: an error, the connection failed", async () => {
    const r = await reportOf(cap("kdc-unreachable"));
    const f = find(r, "KDC_UNREACHABLE");
    expect(f.severity).toBe("error");
    expect(f.title).toMatch(/10\.99\.2\.3.*nothing on port 88/);
    expect(f.explanation).toMatch(/type 3, code 3: port unreachable/);
    expect(r.connections[0]).toMatchObject({ outcome: "failed", failedPhase: "session_setup" });
    // the AS-REQ quoted inside each ICMP error is not another Kerberos message
    const icmpFrames = (await decodeFile(cap("kdc-unreachable"))).filter((e) => e.kind === C.EV_ICMP).map((e) => e.frame);
    expect(icmpFrames.length).toBeGreaterThan(0);
    expect(r.kerberos.filter((k) => icmpFrames.includes(k.frame))).toEqual([]);
  });
  it.skipIf(!have("kdc-unreachable-ntlm-fallback"))("rescued by NTLM: a warning, the connection ok", async () => {
    const r = await reportOf(cap("kdc-unreachable-ntlm-fallback"));
    const f = find(r, "KDC_UNREACHABLE");
    expect(f.severity).toBe("warning");
    expect(f.explanation).toMatch(/fell back to NTLM/);
    expect(r.connections[0].outcome).toBe("ok");
  });
});

describe("SYN answered by ICMP", () => {
  it.skipIf(!have("syn-icmp-prohibited"))("TCP_REJECTED with the ICMP type, code and sender; failed, not unanswered", async () => {
    const r = await reportOf(cap("syn-icmp-prohibited"));
    const f = find(r, "TCP_REJECTED");
    expect(f.explanation).toMatch(/10\.99\.2\.5 itself answered with ICMP destination unreachable \(type 3, code 13: communication administratively prohibited\)/);
    expect(r.findings.map((x) => x.id)).not.toContain("TCP_NO_ANSWER");
    expect(r.connections[0]).toMatchObject({ outcome: "failed", failedPhase: "tcp" });
  });
});

describe("KRB_AP_ERR_SKEW inside the SESSION_SETUP blob", () => {
  it.skipIf(!have("krb-ap-skew"))("diagnosed as the file server's refusal; the connection failed, not 'set up fine'", async () => {
    const r = await reportOf(cap("krb-ap-skew"));
    const f = r.findings.find((x) => x.id === "KERBEROS_ERROR" && /SESSION_SETUP/.test(x.title));
    expect(f, r.findings.map((x) => x.title).join("; ")).toBeDefined();
    expect(f!.severity).toBe("error");
    expect(f!.title).toMatch(/KRB_AP_ERR_SKEW/);
    expect(f!.explanation).toMatch(/client and the file server differ/);
    expect(f!.remediation.join(" ")).toMatch(/w32tm/);
    expect(r.connections[0]).toMatchObject({ outcome: "failed", failedPhase: "session_setup" });
    expect(r.verdict).not.toMatch(/set up fine/);
  });
});

describe("KRB_AP_ERR_SKEW: the time difference", () => {
  it("is read from the error's stime and ctime", () => {
    expect(kerberosTimeDiff("20261202053000Z", "20261202051500Z")).toBe(900);
    expect(kerberosTimeDiff("20261202053000Z", undefined)).toBeNull();
  });
});

describe.skipIf(!haveTshark && !IN_CI)("new decoded fields agree with tshark", () => {
  const tshark = (f: string, filter: string, fields: string[]) =>
    execFileSync("tshark", ["-r", f, "-2", "-Y", filter, "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", ...fields.flatMap((x) => ["-e", x])], { encoding: "utf8" })
      .split("\n").filter(Boolean).map((l) => l.split("|"));
  it("tshark is installed (CI installs it: .ci/run)", () => { expect(haveTshark).toBe(true); });
  for (const n of ["kdc-unreachable", "kdc-unreachable-ntlm-fallback", "syn-icmp-prohibited"]) {
    it.skipIf(!haveTshark || !have(n))(`ICMP errors and their quoted headers: ${n}`, async () => {
      const ours = (await decodeFile(cap(n))).filter((e) => e.kind === C.EV_ICMP).map((e) => [
        e.frame, ipText(e.f.srcIp as Uint8Array), e.f.icmpType, e.f.icmpCode, ipText(e.f.quotedSrcIp as Uint8Array), ipText(e.f.quotedDstIp as Uint8Array),
        e.f.quotedProto === C.PROTO_UDP ? "udp" : "tcp", e.f.quotedSrcPort, e.f.quotedDstPort,
      ]);
      const theirs = tshark(cap(n), "icmp.type == 3", ["frame.number", "ip.src", "icmp.type", "icmp.code", "udp.srcport", "udp.dstport", "tcp.srcport", "tcp.dstport"]).map((c) => {
        const ips = c[1].split(",");
        const udp = c[4] !== "";
        return [Number(c[0]), ips[0], Number(c[2]), Number(c[3]), ips[1], "?", udp ? "udp" : "tcp", Number(udp ? c[4] : c[6]), Number(udp ? c[5] : c[7])];
      });
      const dst = new Map(tshark(cap(n), "icmp.type == 3", ["frame.number", "ip.dst"]).map((c) => [Number(c[0]), c[1].split(",")[1]]));
      for (const t of theirs) t[5] = dst.get(t[0] as number)!;
      expect(ours.length).toBeGreaterThan(0);
      expect(ours).toEqual(theirs);
    });
  }
  for (const n of ["krb-etype-rc4-only", "krb-smb-ok"]) {
    it.skipIf(!haveTshark || !have(n))(`etypes a TGS-REQ offered: ${n}`, async () => {
      const r = (await decodeFile(cap(n))).filter((e) => e.kind === C.EV_KRB && e.f.krbMsgType === 12 && e.f.krbPath === undefined);
      const ours = r.map((e) => { const b = e.f.krbEtypes as Uint8Array; const dv = new DataView(b.buffer, b.byteOffset, b.byteLength); return [e.frame, Array.from({ length: b.length / 4 }, (_, i) => dv.getInt32(i * 4, true))]; });
      const theirs = tshark(cap(n), "kerberos.msg_type == 12 && !icmp", ["frame.number", "kerberos.ENCTYPE"]).map((c) => [Number(c[0]), c[1].split(",").map(Number)]);
      expect(ours).toEqual(theirs);
    });
  }
});
