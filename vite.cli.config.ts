// Builds the Node CLI (src/cli/main.ts) into dist/cli/smbscope.js.
import { defineConfig } from "vite";

export default defineConfig({
  publicDir: false, // the CLI bundle needs none of the app's static files
  build: {
    ssr: "src/cli/main.ts",
    outDir: "dist/cli",
    emptyOutDir: true,
    target: "node20",
    minify: false,
    rollupOptions: { output: { entryFileNames: "smbscope.js", format: "es" } },
  },
});
