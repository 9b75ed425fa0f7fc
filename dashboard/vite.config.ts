import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// One script and one stylesheet, with relative URLs: the server hands them out from `/assets/`,
// and `sextant report` inlines both into a single HTML file.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../dist/dashboard", import.meta.url)),
    emptyOutDir: true,
    // The polyfill would be an inline script, which the Content-Security-Policy forbids.
    modulePreload: { polyfill: false },
    target: "es2022",
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2000,
  },
});
