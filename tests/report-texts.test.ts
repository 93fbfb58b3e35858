// No placeholder reaches a text of the Report (issue 14, item 7): every title, explanation,
// remediation step and the verdict of every fixture, every corpus capture and a few rewritten
// captures (a capture that starts after a request, a request the capture missed) is read for
// "frame 0", "frame ?", "undefined", "null", "NaN" and unfilled <...> placeholders; and the
// readable reports made of them (the CLI's text, the Markdown export), which list the findings
// grouped by severity and id (core/groupListing.ts): one card each, no placeholder.
import { describe, it, expect } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reportOf } from "./support/report";
import { rewrite, setSmb2Status } from "./support/rewrite";
import type { Report } from "../src/core/report";
import { renderText } from "../src/cli/render";
import { reportToMarkdown } from "../src/ui/markdown";
import { writeManyFailures } from "./support/manyFailures";

const FIX = join(__dirname, "../fixtures");
const CORPUS = join(__dirname, "../../shared/corpus");
const fixtures = readdirSync(FIX).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(FIX, f));
const corpusPresent = existsSync(join(CORPUS, "index.json"));
if (!corpusPresent) console.log(`report texts: corpus captures skipped, ${CORPUS} is absent`);
const corpus: string[] = corpusPresent ? (JSON.parse(readFileSync(join(CORPUS, "index.json"), "utf8")) as { file: string }[]).map((e) => join(CORPUS, e.file)) : [];

/**
 * Command placeholders allowed to stay: values no capture shows (the account a service runs as,
 * the server's computer name when only its address is seen, the capture interface, a date the
 * admin chooses, a limit he sets), and names a capture may not carry (the user of a Kerberos session, an NTLM
 * domain, the alias when the client sent no target name, the share of a server-wide refusal).
 * Where the capture has the value, the rules fill it in (tested below).
 */
const ALLOWED = new Set(["<account>", "<server computer account>", "<server computer name>", "<server name>", "<if>", "<date>", "<number>",
  "<user>", "<user or group>", "<domain>", "<alias>", "<share>",
  // SMB over QUIC: the certificates travel encrypted, and a server's other QUIC port is not in the capture
  "<thumbprint>", "<certificate hash>", "<port>"]);
/** NetBIOS names carry their suffix in angle brackets (SMBSRV<20>): capture data, not a placeholder. */
const NETBIOS_SUFFIX = /^<[0-9A-F]{2}>$/;

function problems(r: Report): string[] {
  const texts: [string, string][] = [["verdict", r.verdict]];
  for (const f of r.findings) {
    texts.push([`${f.id} title`, f.title], [`${f.id} explanation`, f.explanation]);
    f.remediation.forEach((x, i) => texts.push([`${f.id} remediation ${i + 1}`, x]));
  }
  const out: string[] = [];
  for (const [where, t] of texts) {
    for (const re of [/\bframes? 0\b/g, /\bframes? \?/g, /\bundefined\b/g, /\bNaN\b/g, /\bnull\b(?!\)? sessions?\b)/g]) {
      for (const m of t.matchAll(re)) out.push(`${where}: "${m[0]}" in "${t.slice(Math.max(0, m.index! - 40), m.index! + 40)}"`);
    }
    for (const m of t.matchAll(/<[^<>\n]{1,40}>/g)) {
      if (!ALLOWED.has(m[0]) && !NETBIOS_SUFFIX.test(m[0])) out.push(`${where}: placeholder ${m[0]}`);
    }
  }
  return out;
}

/** The readable reports: a card (CLI) and a section (Markdown) per severity and id, none for a finding the Report folded, and no placeholder. */
function readableProblems(r: Report): string[] {
  const out: string[] = [];
  const groups = new Set(r.findings.map((f) => `${f.severity} ${f.id}`)).size;
  const text = renderText(r, false), md = reportToMarkdown(r);
  const cards = text.split("\n").filter((l) => /^(ERROR|WARN |INFO ) .*  \[[A-Z0-9_]+\]/.test(l));
  const sections = md.split("\n").filter((l) => /^### (ERROR|WARNING|INFO): /.test(l));
  if (cards.length !== groups) out.push(`text: ${cards.length} cards for ${groups} groups`);
  if (sections.length !== groups) out.push(`markdown: ${sections.length} sections for ${groups} groups`);
  for (const [where, t] of [["text", text], ["markdown", md]]) {
    for (const m of t.matchAll(/\bundefined\b|\bNaN\b|\[object \w+\]|…and \d+ more: /g)) out.push(`${where}: "${m[0]}" in "${t.slice(Math.max(0, m.index! - 40), m.index! + 40)}"`);
  }
  return out;
}

const STATUS_NETWORK_SESSION_EXPIRED = 0xc000035c;

describe("no placeholder in the Report's texts", () => {
  for (const path of [...fixtures, ...corpus]) {
    it(path.replace(/.*\/(fixtures|corpus)\//, "$1/"), async () => {
      const r = await reportOf(path);
      expect(problems(r)).toEqual([]);
      expect(readableProblems(r)).toEqual([]);
    });
  }

  it("a capture of 1,500 connections, most of them failing, whose Report folds its findings past FINDINGS_PER_ID (replicated fixtures)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smbscope-texts-"));
    try {
      writeManyFailures(join(dir, "many-failures.pcap"));
      const r = await reportOf(join(dir, "many-failures.pcap"));
      expect(r.findings.filter((f) => f.connection === null && f.connections).length).toBe(5);
      expect(problems(r)).toEqual([]);
      expect(readableProblems(r)).toEqual([]);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  }, 120_000);

  it("a capture that starts after the SESSION_SETUP requests (rewritten from wrong-password.pcap)", async () => {
    // frame 13 is the STATUS_LOGON_FAILURE response; its requests (10, 12) are left out
    const r = await reportOf(rewrite(join(FIX, "wrong-password.pcap"), "late-start.pcap", (n) => n >= 13));
    expect(r.findings.map((f) => f.id)).toContain("LOGON_FAILURE");
    expect(problems(r)).toEqual([]);
  });

  it("a NetBIOS refusal whose session request is not in the capture (rewritten from nbss139-reject.pcap)", async () => {
    const r = await reportOf(rewrite(join(FIX, "nbss139-reject.pcap"), "no-nbss-request.pcap", (n) => n !== 6));
    expect(r.findings.map((f) => f.id)).toContain("NETBIOS_SESSION_REJECTED");
    expect(problems(r)).toEqual([]);
  });

  it("KRB-ERRORs whose TGS-REQs are not in the capture (rewritten from krb-spn-unknown.pcap)", async () => {
    const r = await reportOf(rewrite(join(FIX, "krb-spn-unknown.pcap"), "no-tgs-req.pcap", (n) => n !== 28 && n !== 40));
    expect(r.findings.map((f) => f.id)).toContain("KERBEROS_SPN_UNKNOWN");
    expect(problems(r)).toEqual([]);
  });

  it("fills the names the capture shows into the commands", async () => {
    const wrong = await reportOf(join(FIX, "wrong-password.pcap"));
    expect(wrong.findings.find((f) => f.id === "LOGON_FAILURE")!.remediation.join(" ")).toContain("cmdkey /delete:10.99.1.1");
    const bad = await reportOf(join(FIX, "tree-bad-share.pcap"));
    expect(bad.findings.find((f) => f.id === "TREE_BAD_NETWORK_NAME")!.remediation[0]).toContain("-U 'WORKGROUP\\alice'");
    const enc = await reportOf(join(FIX, "encrypt-smb21.pcap"));
    expect(enc.findings.find((f) => f.id === "TREE_ACCESS_DENIED_ENCRYPTION")!.remediation.join(" ")).toContain("Set-SmbShare -Name secret ");
    const alias = await reportOf(join(FIX, "krb-spn-unknown.pcap"));
    expect(alias.findings.find((f) => f.id === "KERBEROS_SPN_UNKNOWN")!.remediation.join(" ")).toContain("setspn -S cifs/files.corp.example.test ");
  });
});

/**
 * The placeholders of a Report whose value that Report itself knows (issue 16): `<share>` while
 * the finding's connection has a share path, `<user>` while it has a user, the server's computer
 * name or domain while an NTLM CHALLENGE from that server's address named them, `<alias>` while
 * the client's target name, NETNAME or a tree path names the server.
 */
function knownPlaceholders(r: Report): string[] {
  const ip = (endpoint: string) => endpoint.replace(/:\d+$/, "");
  const out: string[] = [];
  for (const f of r.findings) {
    const c = r.connections.find((x) => x.id === f.connection);
    if (!c) continue;
    const same = r.connections.filter((x) => ip(x.server) === ip(c.server));
    const known: Record<string, boolean> = {
      "<share>": c.shares.length > 0,
      "<user>": !!c.user, "<user or group>": !!c.user,
      "<server computer name>": same.some((x) => x.serverName?.netbios), "<server computer account>": same.some((x) => x.serverName?.netbios),
      "<domain>": same.some((x) => x.serverName?.domain),
      "<server name>": same.some((x) => x.serverName),
      "<alias>": !!(c.spn || c.serverName?.netname || c.shares.some((s) => s.path.startsWith("\\\\"))),
    };
    for (const t of [f.title, f.explanation, ...f.remediation]) {
      for (const m of t.matchAll(/<[^<>\n]{1,40}>/g)) if (known[m[0]]) out.push(`${f.id} on ${c.id}: ${m[0]} in "${t.slice(Math.max(0, m.index! - 60), m.index! + 40)}"`);
    }
  }
  return out;
}

describe("no placeholder for a value the Report knows", () => {
  for (const path of [...fixtures, ...corpus]) {
    it(path.replace(/.*\/(fixtures|corpus)\//, "$1/"), async () => {
      expect(knownPlaceholders(await reportOf(path))).toEqual([]);
    });
  }

  it("the server's computer name from its NTLM CHALLENGE goes into the SPN commands (krb-spn-unknown-ntlm-fallback.pcap: DC1, dc1.corp.example.test)", async () => {
    const r = await reportOf(join(FIX, "krb-spn-unknown-ntlm-fallback.pcap"));
    expect(r.connections[0].serverName).toEqual({ netbios: "DC1", dns: "dc1.corp.example.test", domain: "CORP", netname: "files.corp.example.test" });
    const text = r.findings.find((f) => f.id === "KERBEROS_SPN_UNKNOWN")!.remediation.join(" ");
    expect(text).toContain("`setspn -S cifs/files.corp.example.test DC1`");
    expect(text).toContain("`netdom computername dc1.corp.example.test /add:files.corp.example.test`");
    expect(text).toContain("`samba-tool spn add cifs/files.corp.example.test DC1$`");
    expect(text).not.toMatch(/<server computer/);
  });
});

describe("STATUS_NETWORK_SESSION_EXPIRED is a re-authentication, not a logon failure", () => {
  it("expired, then re-authenticated on the same session: no finding, the connection is fine (crafted: smb311-ok.pcap, first SESSION_SETUP response's status set to STATUS_NETWORK_SESSION_EXPIRED)", async () => {
    const path = rewrite(join(FIX, "smb311-ok.pcap"), "expired-reauth.pcap", () => true, (n, d) => (n === 11 ? setSmb2Status(d, STATUS_NETWORK_SESSION_EXPIRED) : d));
    const r = await reportOf(path);
    expect(r.connections[0].outcome).toBe("ok");
    expect(r.findings.map((f) => f.id)).not.toContain("LOGON_FAILURE");
    expect(r.findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(r.verdict).toBe("The SMB connection set up fine.");
  });

  it("expired on a session older than the capture, no re-authentication seen: a warning in words, never LOGON_FAILURE (crafted: wrong-password.pcap from its last response, status set to STATUS_NETWORK_SESSION_EXPIRED)", async () => {
    const path = rewrite(join(FIX, "wrong-password.pcap"), "expired-late.pcap", (n) => n >= 13, (n, d) => (n === 13 ? setSmb2Status(d, STATUS_NETWORK_SESSION_EXPIRED) : d));
    const r = await reportOf(path);
    const ids = r.findings.map((f) => f.id);
    expect(ids).not.toContain("LOGON_FAILURE");
    expect(ids).toContain("SESSION_EXPIRED");
    expect(r.findings.find((f) => f.id === "SESSION_EXPIRED")!.severity).toBe("warning");
    expect(r.connections[0].outcome).not.toBe("failed");
    expect(problems(r)).toEqual([]);
  });
});
