import { preview } from "vite";
import { chromium } from "playwright-core";
const server = await preview({ preview: { port: 0, host: "127.0.0.1" }, logLevel: "silent" });
const url = server.resolvedUrls.local[0];
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] });
for (const w of [390, 1200]) {
  const page = await browser.newPage({ viewport: { width: w, height: 844 } });
  await page.goto(url);
  await page.getByTestId("file-input").setInputFiles(process.argv[2]);
  await page.locator("[data-testid=connections] tbody tr[data-connection-id]").nth(3).waitFor({ timeout: 60000 });
  await page.waitForTimeout(500);
  await page.getByTestId("conn-scroll").screenshot({ path: `.dbg/conn-${w}.png` });
  await page.locator("[data-finding-id]").first().screenshot({ path: `.dbg/finding-${w}.png` });
}
await browser.close(); await server.close();
