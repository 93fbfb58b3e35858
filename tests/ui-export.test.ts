// Markdown export, and the files the build writes for hosting (web.config, .htaccess, icons, size).
import { describe, it, expect } from "vitest";
import { inflateSync } from "node:zlib";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reportToMarkdown, mdEscape, mdCode } from "../src/ui/markdown";
import { webConfig, htaccess } from "../src/ui/build/hosting";
import { iconPng } from "../src/ui/build/icons";
import { measure, sizeReport } from "../src/ui/build/size";
import { CSP } from "../src/csp";
import { sampleReport } from "./ui-sample-report";

describe("Markdown export", () => {
  const md = reportToMarkdown(sampleReport());

  it("has the verdict, findings errors first, connections and evidence filters", () => {
    expect(md).toMatch(/^# smbscope report: tree-bad-share\.pcap/);
    expect(md).toContain("**Verdict:** 1 of 3 SMB connections failed at TREE\\_CONNECT");
    const iBad = md.indexOf("TREE_BAD_NETWORK_NAME`)"), iInfo = md.indexOf("ENCRYPTED_TRAFFIC`)");
    expect(iBad).toBeGreaterThan(0);
    expect(iInfo).toBeGreaterThan(iBad);
    expect(md).toContain("Wireshark filter `frame.number in {22,23}`");
    expect(md).toContain("(`tcp.stream eq 0`)");
    expect(md).toContain("1. List the shares with `smbclient -L //10.99.1.1 -U alice` or `net view \\\\10.99.1.1`.");
    expect(md).toContain("| 0 | 10.99.1.2:48168 | 10.99.1.1:445 | 3.1.1 | NTLM WORKGROUP\\\\alice |");
    expect(md).toContain("- NEGOTIATE: frame 64 → no response");
  });

  it("escapes what comes from the capture", () => {
    expect(md).toContain("Check the spelling \\| of &lt;the&gt; share \\*name\\*.");
    expect(mdEscape("<img src=x onerror=alert(1)>")).toBe("&lt;img src=x onerror=alert\\(1\\)&gt;");
    expect(mdEscape("a|b\nc")).toBe("a\\|b c");
    expect(mdCode("a`b")).toBe("``a`b``");
    expect(mdCode("`x")).toBe("`` `x ``");
    // a table row never gains cells from a share name with a pipe
    const r = sampleReport();
    r.connections[1].shares[0].path = "\\\\srv\\a|b";
    const row = reportToMarkdown(r).split("\n").find((l) => l.includes("a\\|b"))!;
    expect(row.split(/(?<!\\)\|/).length).toBe(10);
  });
});

describe("hosting files", () => {
  it("web.config carries the wasm MIME type and the CSP of src/csp.ts", () => {
    const x = webConfig(CSP);
    expect(x).toContain('<mimeMap fileExtension=".wasm" mimeType="application/wasm" />');
    expect(x).toContain(`<add name="Content-Security-Policy" value="${CSP}" />`);
    expect(x).toContain('<add name="X-Content-Type-Options" value="nosniff" />');
    expect(webConfig('a "b" <c> & d')).toContain('value="a &quot;b&quot; &lt;c&gt; &amp; d"');
  });

  it(".htaccess carries the same header", () => {
    const h = htaccess(CSP);
    expect(h).toContain("AddType application/wasm .wasm");
    expect(h).toContain(`Header always set Content-Security-Policy "${CSP}"`);
  });

  it("icons are valid PNGs of the right size", () => {
    for (const [size, maskable] of [[192, false], [512, true]] as const) {
      const png = iconPng(size, maskable);
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(png.readUInt32BE(16)).toBe(size);
      expect(png.readUInt32BE(20)).toBe(size);
      const idatLen = png.readUInt32BE(33);
      const raw = inflateSync(png.subarray(41, 41 + idatLen));
      expect(raw.length).toBe(size * (size * 4 + 1));
      const alpha = (x: number, y: number) => raw[y * (size * 4 + 1) + 1 + x * 4 + 3];
      expect(alpha(size >> 1, size >> 1)).toBe(255);
      expect(alpha(0, 0)).toBe(maskable ? 255 : 0); // rounded corner, or full bleed for maskable
    }
  });

  it("size report sums gzipped shell files, leaves out samples, flags the budget", () => {
    const d = mkdtempSync(join(tmpdir(), "smbscope-size-"));
    mkdirSync(join(d, "assets")); mkdirSync(join(d, "samples"));
    writeFileSync(join(d, "index.html"), "<!doctype html>".repeat(100));
    writeFileSync(join(d, "assets", "a.js"), "console.log(1);".repeat(1000));
    writeFileSync(join(d, "samples", "x.js"), "x".repeat(100000));
    writeFileSync(join(d, "icon-512.png"), Buffer.alloc(1000));
    const rows = measure(d);
    expect(rows.map((r) => r.file).sort()).toEqual(["assets/a.js", "index.html"]);
    const rep = sizeReport(rows, 10);
    expect(rep.over).toBe(true);
    expect(rep.text).toContain("app shell + decoder, gzipped");
    expect(sizeReport(rows).over).toBe(false);
  });
});
