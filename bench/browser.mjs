// Browser benchmark: the built app in Debian's Chromium analyses a bench capture through the
// real path (File → slices → worker → wasm → Report), and, for comparison, the ceiling of merely
// reading the same File in slices and copying them into wasm memory on the page.
//
//   node bench/browser.mjs FILE        (run by bench/run.mjs after `npm run build`)
// Prints MB/s for both, their ratio, and the decoder worker's memory (JS heap where Chromium
// exposes it, plus the wasm memory).
import { preview } from "vite";
import { chromium } from "playwright-core";
import { statSync, existsSync } from "node:fs";

const file = process.argv[2];
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!file || !existsSync(file)) { console.error("usage: node bench/browser.mjs CAPTURE"); process.exit(2); }
if (!existsSync(CHROMIUM)) { console.log(`  browser: skipped (${CHROMIUM} is not installed)`); process.exit(0); }
const size = statSync(file).size;
const MB = 1e6;

const server = await preview({ preview: { port: 0, host: "127.0.0.1" }, logLevel: "silent" });
const url = server.resolvedUrls.local[0];
const browser = await chromium.launch({
  executablePath: CHROMIUM, headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--enable-precise-memory-info"],
});
try {
  const page = await browser.newPage();
  await page.goto(url);
  await page.getByTestId("file-input").waitFor({ state: "attached" });

  // Ceiling: read the File in 4 MiB slices and copy each into a wasm memory, nothing else.
  await page.evaluate(() => {
    const i = document.createElement("input");
    i.type = "file"; i.id = "bench-ceiling"; i.style.display = "none";
    document.body.append(i);
  });
  await page.setInputFiles("#bench-ceiling", file);
  const ceiling = await page.evaluate(async () => {
    const f = document.getElementById("bench-ceiling").files[0];
    const mem = new WebAssembly.Memory({ initial: 64 }); // 4 MiB
    const dst = new Uint8Array(mem.buffer);
    const slice = 4 << 20;
    const t = performance.now();
    for (let off = 0; off < f.size; off += slice) {
      const b = new Uint8Array(await f.slice(off, Math.min(f.size, off + slice)).arrayBuffer());
      dst.set(b);
    }
    return performance.now() - t;
  });

  // The real thing: the app's file input → worker → Report on the page.
  const t0 = Date.now();
  await page.setInputFiles('[data-testid="file-input"]', file);
  let heapMax = 0;
  const poll = setInterval(async () => {
    for (const w of page.workers()) {
      const h = await w.evaluate(() => globalThis.performance?.memory?.usedJSHeapSize ?? 0).catch(() => 0);
      if (h > heapMax) heapMax = h;
    }
  }, 200);
  await page.getByTestId("verdict").waitFor({ state: "visible", timeout: 600_000 });
  const ms = Date.now() - t0;
  clearInterval(poll);
  const packets = await page.getByTestId("packet-count").textContent().catch(() => "");
  const workerMs = Number(await page.getByTestId("verdict").getAttribute("data-elapsed-ms"));
  const appMBs = size / MB / (ms / 1000);
  const ceilMBs = size / MB / (ceiling / 1000);
  console.log(`  browser: app (worker, wasm, Report shown)   ${(ms / 1000).toFixed(2)} s  ${appMBs.toFixed(0).padStart(5)} MB/s  ${packets?.trim() ?? ""}`);
  if (workerMs) console.log(`  browser: of which the worker's analysis ${(workerMs / 1000).toFixed(2)} s  ${(size / MB / (workerMs / 1000)).toFixed(0).padStart(5)} MB/s (the rest: hashing, saving to history, drawing the report)`);
  console.log(`  browser: ceiling (read slices + copy into wasm memory) ${(ceiling / 1000).toFixed(2)} s  ${ceilMBs.toFixed(0).padStart(5)} MB/s  → app at ${((appMBs / ceilMBs) * 100).toFixed(0)}% of it`);
  console.log(`  browser: worker JS heap peak ${heapMax ? `${(heapMax / 1048576).toFixed(0)} MiB` : "n/a (not exposed in workers)"}; decoder wasm memory 97 MiB reserved (resident: what it touches)`);
  console.log("  (the app also hashes the file (SHA-256) on a second worker while it decodes: both share the 2 cores)");
} finally {
  await browser.close();
  await server.close();
}
