// Serves the built app (dist/app) with the production CSP header, and drives Debian's Chromium.
import { preview, type PreviewServer } from "vite";
import { chromium, type Browser } from "playwright-core";
import { existsSync } from "node:fs";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM);

export async function startApp(): Promise<{ server: PreviewServer; url: string }> {
  const server = await preview({ preview: { port: 0, host: "127.0.0.1", strictPort: false }, logLevel: "silent" });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error("preview server has no URL");
  return { server, url };
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ],
  });
}
