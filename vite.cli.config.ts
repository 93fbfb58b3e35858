// Builds the Node CLI (src/cli/main.ts) into dist/cli/smbscope.js, and its decode worker
// (src/cli/decodeWorker.ts) into dist/cli/decodeWorker.js; what both use goes in a shared chunk.
import { defineConfig } from "vite";

export default defineConfig({
  publicDir: false, // the CLI bundle needs none of the app's static files
  build: {
    // the CLI, and the worker it decodes in (src/cli/decodeThread.ts finds it beside the CLI)
    ssr: true,
    outDir: "dist/cli",
    emptyOutDir: true,
    target: "node20",
    minify: false,
    rollupOptions: {
      input: { smbscope: "src/cli/main.ts", decodeWorker: "src/cli/decodeWorker.ts" },
      // chunks beside the entries: wasmNode.ts finds the wasm two levels up, as from src/cli/
      output: { entryFileNames: "[name].js", chunkFileNames: "[name].js", format: "es" },
    },
  },
});
