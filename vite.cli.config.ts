// Builds the Node CLI (src/cli/main.ts) into dist/cli/smbscope.js, and its decode thread's entry
// (src/cli/decodeWorker.ts, started by src/cli/decodeThread.ts) into dist/cli/decodeWorker.js.
import { defineConfig } from "vite";

export default defineConfig({
  publicDir: false, // the CLI bundle needs none of the app's static files
  build: {
    ssr: true,
    outDir: "dist/cli",
    emptyOutDir: true,
    target: "node20",
    minify: false,
    rollupOptions: {
      input: { smbscope: "src/cli/main.ts", decodeWorker: "src/cli/decodeWorker.ts" },
      output: { entryFileNames: "[name].js", chunkFileNames: "shared-[hash].js" /* (the modules both entries import: the decoder, the sources) */, format: "es" },
    },
  },
});
