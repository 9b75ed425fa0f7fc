#!/usr/bin/env node
// The CLI runs from a bundle (dist/cli-bundle, see scripts/bundle-cli.mjs), compiled with the code
// V8 cached from an earlier run (dist/cli/code-cache.js says where and when). Under --debug or
// SEXTANT_DEBUG, source maps are turned on before it loads, so a stack trace names the module of
// dist/ and its line rather than a line of a bundled chunk; Node maps only the code it compiled
// itself, so the cache is left out then.
import { fileURLToPath } from "node:url";
import { codeCacheDir, requireWithCodeCache } from "../dist/cli/code-cache.js";
import { debugFromEnv } from "../dist/cli/debug-env.js";

const ownArgs = process.argv.slice(2);
const end = ownArgs.indexOf("--");
const debug = (end < 0 ? ownArgs : ownArgs.slice(0, end)).includes("--debug") || debugFromEnv();
if (debug) process.setSourceMapsEnabled(true);
const { main } = requireWithCodeCache(fileURLToPath(new URL("../dist/cli-bundle/main.cjs", import.meta.url)), debug ? null : codeCacheDir());

main(process.argv).then(
  (code) => { process.exitCode = code ?? 0; },
  (error) => {
    console.error(`sextant: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
