#!/usr/bin/env node
// The CLI runs from a bundle (dist/cli-bundle, see scripts/bundle-cli.mjs). Under --debug or
// SEXTANT_DEBUG, source maps are turned on before it loads, so a stack trace names the module of
// dist/ and its line rather than a line of a bundled chunk.
import { debugFromEnv } from "../dist/cli/debug-env.js";

const ownArgs = process.argv.slice(2);
const end = ownArgs.indexOf("--");
const debugFlag = (end < 0 ? ownArgs : ownArgs.slice(0, end)).includes("--debug");
if (debugFlag || debugFromEnv()) process.setSourceMapsEnabled(true);
const { main } = await import("../dist/cli-bundle/main.js");

main(process.argv).then(
  (code) => { process.exitCode = code ?? 0; },
  (error) => {
    console.error(`sextant: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
