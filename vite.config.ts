import { defineConfig, type Plugin } from "vite";
import solid from "vite-plugin-solid";
import { VitePWA } from "vite-plugin-pwa";
import { resolve } from "node:path";
import { readFileSync } from "node:fs";
import { CSP } from "./src/csp.ts";
import { securityHeaders, webConfig, htaccess } from "./src/ui/build/hosting.ts";
import { iconPng } from "./src/ui/build/icons.ts";
import { CAPTURE_TYPES } from "./src/ui/captureTypes.ts";
import { measure, sizeReport } from "./src/ui/build/size.ts";

const headers = securityHeaders(CSP);
const OUT = "dist/app";

/** The "Try a sample" capture: a real fixture (a tree connect to a misspelled share), taken from
 *  fixtures/ at build time so that the app always ships the fixture the tests check. */
const SAMPLE = "fixtures/tree-bad-share.pcap";

/** web.config (IIS) and .htaccess (Apache) with the CSP of src/csp.ts, the PNG icons, the sample. */
function hostingFiles(): Plugin {
  return {
    name: "smbscope-hosting-files",
    apply: "build",
    generateBundle() {
      this.emitFile({ type: "asset", fileName: "web.config", source: webConfig(CSP) });
      this.emitFile({ type: "asset", fileName: ".htaccess", source: htaccess(CSP) });
      this.emitFile({ type: "asset", fileName: "icon-192.png", source: iconPng(192) });
      this.emitFile({ type: "asset", fileName: "icon-512.png", source: iconPng(512) });
      this.emitFile({ type: "asset", fileName: "icon-maskable-512.png", source: iconPng(512, true) });
      this.emitFile({ type: "asset", fileName: "samples/tree-bad-share.pcap", source: readFileSync(resolve(SAMPLE)) });
    },
  };
}

/** Prints the gzipped size of everything a first visit downloads; fails the build over budget. */
function sizeBudget(): Plugin {
  return {
    name: "smbscope-size-budget",
    apply: "build",
    closeBundle: {
      order: "post",
      sequential: true,
      handler() {
        const r = sizeReport(measure(resolve(OUT)));
        console.log(`\n${r.text}\n`);
        if (r.over) throw new Error("smbscope: the app is over its size budget (see above)");
      },
    },
  };
}

export default defineConfig({
  plugins: [
    solid(),
    hostingFiles(),
    VitePWA({
      strategies: "generateSW",
      registerType: "autoUpdate",
      injectRegister: "script", // an external registerSW.js: no inline script, so the CSP holds
      manifestFilename: "manifest.webmanifest",
      manifest: {
        name: "smbscope — why did SMB setup fail?",
        short_name: "smbscope",
        description: "Explains why SMB connections fail to set up, from a packet capture, entirely in your browser.",
        // No "id": it then defaults to start_url, resolved against the manifest's own URL, so each copy
        // of the app (at the site root or under a sub-path) is its own installed app. ("./" would
        // resolve against the origin and make every copy on a host one app.)
        start_url: "./",
        scope: "./",
        display: "standalone",
        background_color: "#f6f7f9",
        theme_color: "#1d4ed8",
        icons: [
          { src: "icon.svg", sizes: "any", type: "image/svg+xml", purpose: "any" },
          { src: "icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
          { src: "icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
          { src: "icon-maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
        file_handlers: [
          {
            action: "./",
            accept: CAPTURE_TYPES,
          },
        ],
        launch_handler: { client_mode: "focus-existing" },
      },
      workbox: {
        globPatterns: ["**/*.{js,css,html,wasm,svg,png,pcap}"], // (the manifest is added by the plugin)
        skipWaiting: true, // autoUpdate: a new version takes over at once…
        clientsClaim: true, // …and controls the open pages, so they work offline from the first visit
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024, // the decoder is ~50 KB; room to grow
        navigateFallback: "index.html",
        cleanupOutdatedCaches: true,
      },
    }),
    sizeBudget(),
  ],
  base: "./",
  build: {
    outDir: OUT,
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0, // keep decoder.wasm a real file (never a data: URL)
  },
  worker: { format: "es" },
  server: { headers },
  preview: { headers, port: 4173, host: "127.0.0.1" },
});
