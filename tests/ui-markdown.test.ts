// The Markdown export (src/ui/markdown.ts): it says what the page says (tone, SMB or not, no
// findings), in the Wireshark 4.0 filter syntax, and capture text renders as that text: rendered by
// cmark-gfm (GitHub's Markdown, with its table, autolink, strikethrough and tag filter extensions),
// hostile share, user and host names give no link, no HTML, no emphasis and no broken table.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reportToMarkdown, mdEscape, mdCode, MARKDOWN_LINES } from "../src/ui/markdown";
import { writeManyFailures } from "./support/manyFailures";
import { reportTone, TONE_LABELS } from "../src/ui/model";
import type { Report } from "../src/core/report";
import { sampleReport } from "./ui-sample-report";
import { reportOf } from "./support/report";
import { main } from "../src/cli/main";

const FIX = join(__dirname, "../fixtures");
const IN_CI = !!process.env.CI && process.env.CI !== "false" && process.env.CI !== "0";
const haveCmark = spawnSync("cmark-gfm", ["--version"], { stdio: "ignore" }).status === 0;
if (!haveCmark) console.log(`rendered Markdown tests ${IN_CI ? "FAIL" : "skipped"}: cmark-gfm is not installed (apt-get install cmark-gfm)`);

/** GitHub's renderer (cmark-gfm), as GitHub runs it: raw HTML is not passed through unless safe. */
function render(md: string): string {
  const r = spawnSync("cmark-gfm", ["-e", "table", "-e", "autolink", "-e", "strikethrough", "-e", "tagfilter"], { input: md });
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return r.stdout.toString();
}
/** The text a reader sees in rendered HTML. */
const text = (html: string) => html.replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");

/** An empty capture, as tcpdump writes it when it records nothing: the 24-byte pcap header. */
function emptyPcap(dir: string): string {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(0xa1b2c3d4, 0); b.writeUInt16LE(2, 4); b.writeUInt16LE(4, 6); b.writeUInt32LE(262144, 16); b.writeUInt32LE(1, 20);
  const p = join(dir, "empty.pcap");
  writeFileSync(p, b);
  return p;
}

describe("Markdown export", () => {
  const md = reportToMarkdown(sampleReport());

  it("has the verdict with the page's tone, findings errors first, connections and evidence filters", () => {
    expect(md).toMatch(/^# smbscope report: tree-bad-share\.pcap/);
    expect(md).toContain("**Verdict:** Problem found — 1 of 3 SMB connections failed at TREE_CONNECT");
    const iBad = md.indexOf("TREE_BAD_NETWORK_NAME`)"), iInfo = md.indexOf("ENCRYPTED_TRAFFIC`)");
    expect(iBad).toBeGreaterThan(0);
    expect(iInfo).toBeGreaterThan(iBad);
    expect(md).toContain("Wireshark filter `frame.number in {22,23}`");
    expect(md).toContain("(`tcp.stream eq 0`)");
    expect(md).toContain("1. List the shares with `smbclient -L //10.99.1.1 -U alice` or `net view \\\\10.99.1.1`.");
    expect(md).toContain("| 0 | 10.99.1.2:48168 | 10.99.1.1:445 | 3.1.1 | NTLM WORKGROUP\\alice |");
    expect(md).toContain("- NEGOTIATE: frame 64 → no response");
  });

  it("agrees with the report: SMB or not, tone, for every fixture", async () => {
    const files = readdirSync(FIX).filter((f) => /\.pcap(ng)?$/.test(f) && f !== "bulk-rw.pcap").sort();
    for (const f of files) {
      const r = await reportOf(join(FIX, f));
      const m = reportToMarkdown(r);
      // the capture section's statement about SMB (it once said "No SMB seen" beside SMB connections)
      expect(/^- (SMB: )?No SMB/m.test(m), `${f}: ${r.connections.length} SMB connections`).toBe(r.connections.length === 0);
      expect(m, f).toContain(`**Verdict:** ${TONE_LABELS[reportTone(r)]} — `);
      if (r.connections.length === 0 && r.capture.topPorts?.length) expect(m, f).toContain(`Busiest ports: ${r.capture.topPorts[0]}`);
    }
  });

  it("an empty capture: nothing to diagnose, not a clean bill of health (Markdown and CLI)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smbscope-md-"));
    try {
      const r = await reportOf(emptyPcap(dir));
      expect(r.capture.packets).toBe(0);
      expect(reportTone(r)).toBe("none");
      expect(r.verdict).toMatch(/no packets: nothing to diagnose/);
      const m = reportToMarkdown(r);
      expect(m).toContain("**Verdict:** Nothing to diagnose — The capture holds no packets");
      expect(m).toContain("- SMB: No SMB connection: the capture holds no packets.");
      expect(m).not.toMatch(/No problems? found/);
      // the CLI's verdict line says the same
      const out: string[] = [];
      expect(await main([join(dir, "empty.pcap")], (x) => out.push(x), () => {})).toBe(0);
      expect(out.join("\n").split("\n")[2]).toMatch(/^The capture holds no packets: nothing to diagnose/);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it("leaves plain words alone", () => {
    for (const s of ["TREE_CONNECT STATUS_LOGON_FAILURE", "WORKGROUP\\alice", "fe80::1", "cifs/fs1.corp.example", "SERVER$", "C:\\Users\\bob", "alice@CORP", "AT&T", "3.1.1", "100%", "a - b", "x_y_z"]) {
      expect(mdEscape(s)).toBe(s);
    }
    expect(mdEscape("a|b\r\nc\rd")).toBe("a\\|b c d");
    expect(mdCode("a`b")).toBe("``a`b``");
    expect(mdCode("`x")).toBe("`` `x ``");
  });

  const HOSTILE = [
    "\\\\srv\\a|b|c", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[click](http://evil.example/)",
    "![x](http://evil.example/x.png)", "[ref]: http://evil.example/", "www.evil.example", "see https://evil.example/x",
    "alice@evil.example", "mailto:bob@evil.example", "<http://evil.example>", "`code` and ``more``", "*bold* _it_ ~~gone~~ __init__",
    "# heading", "> quote", "- item", "+ item", "1. one", "2) two", "===", "---", "    indented", "line\r\nbreak\rand\nmore",
    "&lt;b&gt; &amp; &#60;i&#62;", "trailing\\", "x \\* y", "title ##", "[^1] footnote", "a\u2028b",
  ];

  it.skipIf(!haveCmark && !IN_CI)("hostile capture names render as their text: no link, HTML, emphasis or table break", () => {
    expect(haveCmark, "cmark-gfm is installed (CI installs it: .ci/run)").toBe(true);
    for (const h of HOSTILE) {
      const html = render(`${mdEscape(h)}\n`);
      expect(html, JSON.stringify(h)).not.toMatch(/<(?!\/?(p|code)>)/); // a paragraph (an e-mail-like name as code)
      expect(text(html).trim(), JSON.stringify(h)).toBe(h.replace(/\r\n|[\r\n\u2028]/g, " ").trim());
    }
    // the same names inside a whole report: in the tables, findings, headings
    const r: Report = sampleReport();
    const bad = r.connections[1];
    HOSTILE.forEach((h, i) => {
      const c = { ...bad, id: `c${i}`, stream: 10 + i, client: `${h}:1`, user: h, dialect: h, shares: [{ path: h, status: "STATUS_BAD_NETWORK_NAME", requestFrame: 22, responseFrame: 23 }] };
      r.connections.push(c);
      r.findings.push({ id: "TREE_BAD_NETWORK_NAME", severity: "error", title: `The share ${h} does not exist`, explanation: h, remediation: [`Run \`net view ${h}\`, then ${h}`], connection: c.id, frames: [22, 23] });
      r.kerberos.push({ frame: 100 + i, transport: "udp", client: h, kdc: "10.0.0.1", message: "KRB-ERROR", error: h, service: h, realm: h, expected: false } as Report["kerberos"][number]);
    });
    r.capture.file = HOSTILE[1];
    const html = render(reportToMarkdown(r));
    expect(html.match(/<a\b/g) ?? []).toEqual([]);
    expect(html.match(/<(script|img|del|blockquote|pre|hr)\b/g) ?? []).toEqual([]);
    // emphasis: only ours (the verdict's label, the footer)
    expect([...html.matchAll(/<strong>([^]*?)<\/strong>/g)].map((m) => m[1])).toEqual(["Verdict:"]);
    expect([...html.matchAll(/<em>([^]*?)<\/em>/g)].map((m) => text(m[1]).slice(0, 13))).toEqual(["Generated by "]);
    // headings: only ours (title, sections, findings, failed connections)
    const headings = [...html.matchAll(/<h(\d)>([^]*?)<\/h\1>/g)].map((m) => text(m[2]));
    expect(headings.every((t) => /^(smbscope report: |Capture$|Findings|Connections|Kerberos|(ERROR|WARNING|INFO): |.* → )/.test(t)), headings.join("\n")).toBe(true);
    // every table row keeps its cells
    for (const table of html.split("<table>").slice(1)) {
      const rows = table.split("</table>")[0].match(/<tr>[^]*?<\/tr>/g)!;
      const cells = rows.map((row) => (row.match(/<t[hd]\b/g) ?? []).length);
      expect(new Set(cells).size, `cells per row: ${cells.join(",")}`).toBe(1);
    }
    expect(text(html)).toContain("The share \\\\srv\\a|b|c does not exist");
    expect(text(html)).toContain("<script>alert(1)</script>");
  });
});

// Findings at scale (issue 15): one entry per finding group (severity and id), the verdict's cause
// first, with its counts, its first finding whole and its other occurrences a list item each, up
// to MARKDOWN_LINES of them. The export once had FINDINGS_PER_ID sections of the same finding and
// an "…and N more" one, per id.
describe("Markdown export: findings grouped", () => {
  it("one section per severity and id, its counts, its other connections listed up to the cap (replicated fixtures)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smbscope-md-"));
    let r: Report;
    try {
      writeManyFailures(join(dir, "many-failures.pcap"));
      r = await reportOf(join(dir, "many-failures.pcap"));
    } finally { rmSync(dir, { recursive: true, force: true }); }
    const md = reportToMarkdown(r);
    // the groups, from the records (GUEST_SESSION: refused on the failed connections, taken on the others)
    const groups = new Map<string, Set<number>>();
    for (const c of r.connections) {
      for (const id of c.findings) {
        const key = `${id === "GUEST_SESSION" && c.outcome === "ok" ? "WARNING" : "ERROR"} ${id}`;
        if (!groups.has(key)) groups.set(key, new Set());
        groups.get(key)!.add(c.stream);
      }
    }
    const all = [...groups.values()].reduce((n, g) => n + g.size, 0);
    expect(md).toContain(`## Findings (${groups.size}; ${all.toLocaleString("en-US")} in all)\n`);
    const findings = md.slice(md.indexOf("## Findings"), md.indexOf("## Connections"));
    const sections = findings.split(/^(?=### )/m).slice(1);
    expect(sections.map((x) => { const m = /^### (\w+): .* \(`(\w+)`\)/.exec(x)!; return `${m[1]} ${m[2]}`; }).sort()).toEqual([...groups.keys()].sort());
    expect(sections[0]).toMatch(/^### ERROR: .*\(`TREE_BAD_NETWORK_NAME`\)/); // the verdict's cause, not the first in frame order
    expect(r.findings[0].id).toBe("LOGON_FAILURE");
    expect(findings).not.toMatch(/…and \d+ more: /);
    const byStream = new Map(r.connections.map((c) => [c.stream, c]));
    for (const x of sections) {
      const m = /^### (\w+): .* \(`(\w+)`\) — ([\d,]+) times, on ([\d,]+) connections\n/.exec(x)!;
      const streams = groups.get(`${m[1]} ${m[2]}`)!, n = streams.size.toLocaleString("en-US");
      expect([m[3], m[4]]).toEqual([n, n]);
      expect(x.match(/^What to do:$/gm), m[2]).toHaveLength(1);
      const items = x.slice(x.indexOf("\nAlso:\n")).split("\n").filter((l) => l.startsWith("- "));
      expect(items, m[2]).toHaveLength(MARKDOWN_LINES + 1);
      for (const l of items.slice(0, MARKDOWN_LINES)) {
        const s = /^- stream (\d+): (\S+) → (\S+)(, frames [\d, ]+)? \(`tcp\.stream eq (\d+)`\)/.exec(l)!;
        expect(s, l).not.toBeNull();
        const c = byStream.get(Number(s[1]))!;
        expect([s[2], s[3], Number(s[5])], l).toEqual([c.client, c.server, c.stream]);
        expect(streams.has(c.stream), l).toBe(true);
      }
      expect(items[MARKDOWN_LINES], m[2]).toBe(`- …and ${(streams.size - 1 - MARKDOWN_LINES).toLocaleString("en-US")} more connections`);
    }
    if (haveCmark) {
      // a list GitHub renders as one: the cap's items and the "more"
      const html = render(sections[0]).split("<p>Also:</p>")[1];
      expect(html.match(/<li>/g) ?? []).toHaveLength(MARKDOWN_LINES + 1);
    }
  }, 120_000);
});
