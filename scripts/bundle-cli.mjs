// Bundles the CLI (dist/cli/main.js and everything it imports, with the pure-JavaScript
// dependencies) into dist/cli-bundle/, which bin/sextant.js runs. Node 20 resolves, reads and
// compiles every ES module of a program one by one, and the CLI's few hundred of them took more of
// a command's start than its work did (`npm run bench:cli-start` measures both). The bundle is
// CommonJS, as Node 20 caches no compiled ES modules and bin/sextant.js compiles these chunks with
// V8's code cache (src/cli/code-cache.ts). The heartbeat thread is an entry of its own, so the
// thread a run starts loads bundled code too. Packages with native code (better-sqlite3), CommonJS
// internals (pg) or WebAssembly (onnxruntime-web) stay external and load from node_modules as
// before. Runs after tsc, from its output. Each chunk has a source map back to the modules of
// dist/, which bin/sextant.js turns on under --debug, so a stack trace names
// dist/study/study.js:1234 as it did before the bundle, not a line of a chunk.
// The licences of the packages copied into the bundle go beside it, in THIRD_PARTY_LICENSES.txt.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "rolldown";

const OUT = "dist/cli-bundle";
rmSync(OUT, { recursive: true, force: true });
const result = await build({
  input: { main: "dist/cli/main.js", "heartbeat-thread": "dist/study/heartbeat-thread.js" },
  platform: "node",
  external: [/^node:/, "better-sqlite3", "pg", /^onnxruntime-/],
  logLevel: "warn",
  // ".cjs": the package's "type" is "module".
  output: { dir: OUT, format: "cjs", entryFileNames: "[name].cjs", chunkFileNames: "[name]-[hash].cjs", sourcemap: true, sourcemapExcludeSources: true },
});

/** The folders under node_modules of the packages whose modules the bundle holds, by name. */
const bundled = new Map();
for (const chunk of result.output) {
  for (const id of chunk.moduleIds ?? []) {
    const match = /^(.*[\\/]node_modules[\\/])((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(id);
    if (match) bundled.set(match[2].replace(/\\/g, "/"), match[1] + match[2]);
  }
}
const notices = [...bundled].sort(([a], [b]) => a.localeCompare(b)).map(([name, folder]) => {
  const manifest = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
  const licenseFile = readdirSync(folder).find((file) => /^(licen[cs]e|copying)(\.|$)/i.test(file));
  const text = licenseFile && existsSync(join(folder, licenseFile)) ? readFileSync(join(folder, licenseFile), "utf8").trim() : `(no licence file; package.json says ${manifest.license})`;
  return `${name}@${manifest.version} (${manifest.license})\n\n${text}\n`;
});
writeFileSync(
  join(OUT, "THIRD_PARTY_LICENSES.txt"),
  `The files of this folder hold copies of these packages, bundled with Sextant's CLI:\n\n${notices.join(`\n${"-".repeat(72)}\n\n`)}`,
);
