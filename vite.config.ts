import { defineConfig } from "vite";
import solid from "vite-plugin-solid";
import { CSP } from "./src/csp";

const headers = { "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer" };

export default defineConfig({
  plugins: [solid()],
  base: "./",
  build: {
    outDir: "dist/app",
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0, // keep decoder.wasm a real file (never a data: URL)
  },
  worker: { format: "es" },
  server: { headers },
  preview: { headers, port: 4173, host: "127.0.0.1" },
});
