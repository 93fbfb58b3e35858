// Copy buttons in Chromium (issue 16): a remediation step's whole command has one, the setting
// names beside it are shown as code without one (core/commands.ts decides).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import type { PreviewServer } from "vite";
import { startApp, launch, haveChromium } from "./support";

const FIX = join(__dirname, "../fixtures");

describe.skipIf(!haveChromium)("Copy buttons in Chromium", () => {
  let server: PreviewServer;
  let url: string;
  let browser: Browser | null = null;
  beforeAll(async () => { ({ server, url } = await startApp()); browser = await launch(); });
  afterAll(async () => { await browser?.close(); await server?.close(); });

  it("a command has a Copy button, a setting name has none", async () => {
    const ctx = await browser!.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(url);
    await page.getByTestId("file-input").setInputFiles(join(FIX, "guest-ok.pcap"));
    const card = page.locator('[data-finding-id="GUEST_SESSION"]');
    await card.waitFor({ timeout: 15_000 });
    // GUEST_SESSION: "… `RequireSecuritySignature` … `Set-SmbClientConfiguration -EnableInsecureGuestLogons $true` …"
    const setting = card.locator("li code", { hasText: /^RequireSecuritySignature$/ }).first();
    await setting.waitFor();
    expect(await setting.evaluate((e) => e.closest(".cmd") === null && !e.nextElementSibling?.matches("button"))).toBe(true);
    const cmd = card.locator(".cmd", { has: page.locator("code", { hasText: /^Set-SmbClientConfiguration -EnableInsecureGuestLogons \$true$/ }) });
    expect(await cmd.getByRole("button", { name: /^Copy command/ }).getAttribute("data-copy")).toBe("Set-SmbClientConfiguration -EnableInsecureGuestLogons $true");
    // every Copy button of the card copies a whole command, none a setting
    const copies = await card.locator("li button.copy").evaluateAll((bs) => bs.map((b) => b.getAttribute("data-copy")));
    expect(copies.length).toBeGreaterThan(0);
    for (const c of copies) expect(c).not.toMatch(/ = |^[A-Z][A-Za-z]+$|^-/);
    await ctx.close();
  }, 60_000);
});
