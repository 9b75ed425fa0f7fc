// Bundles the CLI (dist/cli/main.js and everything it imports, with the pure-JavaScript
// dependencies) into dist/cli-bundle/, which bin/sextant.js runs. Node 20 resolves, reads and
// compiles every ES module of a program one by one, and the CLI's few hundred of them took more of
// a command's start than its work did (`npm run bench:cli-start` measures both). The heartbeat
// thread is an entry of its own, so the thread a run starts loads bundled code too. Packages with
// native code (better-sqlite3), CommonJS internals (pg) or WebAssembly (onnxruntime-web) stay
// external and load from node_modules as before. Runs after tsc, from its output. Each chunk has
// a source map back to the modules of dist/, which bin/sextant.js turns on under --debug, so a
// stack trace names dist/study/study.js:1234 as it did before the bundle, not a line of a chunk.
import { rmSync } from "node:fs";
import { build } from "rolldown";

const OUT = "dist/cli-bundle";
rmSync(OUT, { recursive: true, force: true });
await build({
  input: { main: "dist/cli/main.js", "heartbeat-thread": "dist/study/heartbeat-thread.js" },
  platform: "node",
  external: [/^node:/, "better-sqlite3", "pg", /^onnxruntime-/],
  logLevel: "warn",
  output: { dir: OUT, format: "esm", chunkFileNames: "[name]-[hash].js", sourcemap: true, sourcemapExcludeSources: true },
});
