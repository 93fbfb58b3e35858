// A reload (or a closed tab) while an analysis is being saved to history loses nothing (issue 16,
// "History never blocks"): the Report is stored the moment it shows, the file's SHA-256 is added
// when it is known, and an entry whose hash a reload cut short stays in the list.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import type { Browser } from "playwright-core";
import type { PreviewServer } from "vite";
import { startApp, launch, haveChromium } from "./support";

const FIX = join(__dirname, "../fixtures");

describe.skipIf(!haveChromium)("history survives a reload mid-save", () => {
  let server: PreviewServer;
  let url: string;
  let browser: Browser | null = null;
  beforeAll(async () => { ({ server, url } = await startApp()); browser = await launch(); });
  afterAll(async () => { await browser?.close(); await server?.close(); });

  it("reload while the SHA-256 of a 20 MB capture runs: the analysis is in history after the reload, and opens", async () => {
    // 20 MB: wrong-password.pcap's packets repeated; hashing is slowed (a slow disk, 200 ms a slice)
    // so that the reload surely falls inside the save
    const src = readFileSync(join(FIX, "wrong-password.pcap"));
    const body = src.subarray(24);
    const big = Buffer.concat([src.subarray(0, 24), ...Array(Math.ceil(20e6 / body.length)).fill(body)]);
    const ctx = await browser!.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await ctx.newPage();
    const count = async () => Number((await page.getByTestId("nav-history").textContent())!.match(/\((\d+)\)/)![1]);
    await page.goto(url + "?test-hash-delay=200");
    await page.getByTestId("nav-history").waitFor();
    expect(await count()).toBe(0);
    await page.getByTestId("file-input").setInputFiles({ name: "big-logon.pcap", mimeType: "application/octet-stream", buffer: big });
    await page.locator('[data-finding-id="LOGON_FAILURE"]').first().waitFor({ timeout: 60_000 });
    // the save is under way: its status shows, the hash is not done
    await page.getByTestId("save-status").waitFor({ timeout: 5_000 });
    expect(await page.getByTestId("save-status").textContent()).toContain("big-logon.pcap");
    await page.reload();
    await page.getByTestId("nav-history").waitFor();
    await expect.poll(count, { timeout: 10_000 }).toBe(1);
    await page.getByTestId("nav-history").click();
    const row = page.locator("[data-testid=history-table] tbody tr", { hasText: "big-logon.pcap" });
    await row.waitFor({ timeout: 5_000 });
    // the file went with the page: its hash can never be known, and the row says so
    expect(await row.getByTestId("sha-missing").textContent()).toContain("SHA-256 not known");
    await row.getByRole("button", { name: /^Open/ }).click();
    await page.locator('[data-finding-id="LOGON_FAILURE"]').first().waitFor({ timeout: 10_000 });
    // a second reload: the entry is still there once, never duplicated nor left "saving"
    await page.reload();
    await page.getByTestId("nav-history").waitFor();
    await expect.poll(count, { timeout: 10_000 }).toBe(1);
    await ctx.close();
  }, 120_000);

  it("with the capture kept, the hash a reload cut short is finished on the next load", async () => {
    const src = readFileSync(join(FIX, "tree-bad-share.pcap"));
    const body = src.subarray(24);
    const big = Buffer.concat([src.subarray(0, 24), ...Array(Math.ceil(8e6 / body.length)).fill(body)]);
    const ctx = await browser!.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(url + "?test-hash-delay=200");
    await page.getByTestId("nav-history").click();
    await page.getByTestId("keep-captures").check();
    await page.getByTestId("file-input").setInputFiles({ name: "big-share.pcap", mimeType: "application/octet-stream", buffer: big });
    await page.locator('[data-finding-id="TREE_BAD_NETWORK_NAME"]').first().waitFor({ timeout: 60_000 });
    await page.getByTestId("save-status").waitFor({ timeout: 5_000 });
    await page.reload();
    await page.getByTestId("nav-history").click();
    const row = page.locator("[data-testid=history-table] tbody tr", { hasText: "big-share.pcap" });
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain("capture kept");
    const want = createHash("sha256").update(big).digest("hex");
    await expect.poll(() => row.getAttribute("data-sha256"), { timeout: 60_000 }).toBe(want);
    expect(await page.locator("[data-testid=history-table] tbody tr").count()).toBe(1);
    await ctx.close();
  }, 120_000);
});
