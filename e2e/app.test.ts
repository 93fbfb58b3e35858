// The built app in real Chromium: a capture given to the page is decoded on the worker and the
// page shows its packet count and SMB setup messages.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import type { PreviewServer } from "vite";
import { startApp, launch, haveChromium, CHROMIUM } from "./support";

const FIX = join(__dirname, "../fixtures");
if (!haveChromium) console.log(`browser tests skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);

describe.skipIf(!haveChromium)("app in Chromium", () => {
  let server: PreviewServer;
  let url: string;
  let browser: Browser;
  beforeAll(async () => {
    ({ server, url } = await startApp());
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("decodes a dropped capture on the worker and lists the SMB setup messages", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.goto(url);
    await page.getByTestId("file-input").setInputFiles(join(FIX, "tree-bad-share.pcap"));
    await expect.poll(() => page.getByTestId("packet-count").textContent(), { timeout: 20_000 }).toContain("28 packets");
    const list = await page.getByTestId("messages").textContent();
    expect(list).toContain("TREE_CONNECT request \\\\10.99.1.1\\nosuchshare");
    expect(list).toContain("TREE_CONNECT response STATUS_BAD_NETWORK_NAME");
    expect(list).toContain("NEGOTIATE response STATUS_SUCCESS dialect 3.1.1");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("says clearly when the file is not a capture", async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.getByTestId("file-input").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello, this is not a pcap file at all\n") });
    await expect.poll(() => page.locator("body").textContent(), { timeout: 20_000 }).toContain("notes.txt is not a packet capture");
    await page.close();
  });
});
