import { preview } from "vite";
import { chromium } from "playwright-core";
const server = await preview({ preview: { port: 0, host: "127.0.0.1" }, logLevel: "silent" });
const url = server.resolvedUrls.local[0];
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage();
page.on("console", (m) => console.log("console:", m.text()));
page.on("pageerror", (e) => console.log("pageerror:", e.message));
await page.goto(url);
await page.getByTestId("file-input").setInputFiles(process.argv[2]);
await page.getByTestId("report-body").waitFor({ timeout: 30_000 });
const t = Date.now();
console.log("h2", await page.locator("h2#findings-h").textContent(), await page.locator("h2#conn-h").textContent());
console.log("rows", await page.locator("[data-testid=connections] tbody tr").count());
const cdp = await page.context().newCDPSession(page);
await page.emulateMedia({ media: "print" });
for (let i = 0; i < 5; i++) { await page.waitForTimeout(1000); console.log("rows", await page.locator("[data-testid=connections] tbody tr").count(), "ladders", await page.locator("[data-testid=ladder]").count()); }
process.exit(0);
await cdp.send("Debugger.enable");
cdp.on("Debugger.paused", (e) => { console.log("PAUSED", e.reason, e.callFrames.slice(0, 15).map((f) => `${f.functionName} ${f.url.split("/").pop()}:${f.location.lineNumber}:${f.location.columnNumber}`).join("\n")); process.exit(0); });
page.emulateMedia({ media: "print" }).catch(()=>{});
await new Promise((r) => setTimeout(r, 4000));
console.log("pausing");
cdp.send("Debugger.pause").catch((e) => console.log("pause failed", e.message));
await new Promise((r) => setTimeout(r, 8000));
console.log("no pause");
process.exit(0);
for (let i = 0; i < 10; i++) {
  await page.waitForTimeout(1000);
  console.log(Date.now() - t, "rows", await page.locator("[data-testid=connections] tbody tr").count(), "ladders", await page.locator("[data-testid=ladder]").count(), "krb", await page.locator("[data-testid=kerberos] tbody tr").count());
}
console.log(await page.locator(".alerts").textContent());
await browser.close(); await server.close();
