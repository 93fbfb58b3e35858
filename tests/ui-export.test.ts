// The files the build writes for hosting (web.config, .htaccess, icons, size).
import { describe, it, expect } from "vitest";
import { inflateSync } from "node:zlib";
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { webConfig, htaccess } from "../src/ui/build/hosting";
import { iconPng } from "../src/ui/build/icons";
import { measure, sizeReport } from "../src/ui/build/size";
import { CSP } from "../src/csp";

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
    // Not wrapped in <IfModule>: without mod_headers Apache must refuse the file (500), not
    // serve the app without its CSP.
    expect(h).not.toMatch(/IfModule/);
  });

  it("the manifest has no id: each copy (site root or a sub-path) is its own installed app", () => {
    const m = JSON.parse(readFileSync(join(__dirname, "../dist/app/manifest.webmanifest"), "utf8"));
    expect(m.id).toBeUndefined();
    expect(m.start_url).toBe("./");
    expect(m.scope).toBe("./");
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
