#!/usr/bin/env node
// YAHPO surrogate benchmark: evaluations per second of the four shipped surrogates with
// onnxruntime-web (WebAssembly, what Sextant uses) next to onnxruntime-node (native, the
// reference), measured in the same run with the calls interleaved, at batch sizes 1, 64 and 1000;
// session start-up time; whether both runtimes give the same outputs; and the install behaviour
// that decided the choice (install scripts, unpacked size).
//
// onnxruntime-node is not a dependency of Sextant (its install script downloads CUDA files from
// outside the npm registry unless ONNXRUNTIME_NODE_INSTALL=skip is set). Install it in a scratch
// folder to get the reference column:
//   mkdir /tmp/ortnode && cd /tmp/ortnode && npm init -y && ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@1.30.0
//   ORT_NODE_DIR=/tmp/ortnode/node_modules/onnxruntime-node npm run bench:yahpo
//
// Usage: npm run bench:yahpo -- [--rounds 5] [--seconds 0.3]
import { readFileSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { Rng } = await import(join(root, "dist/index.js"));
const { randomProblemParams } = await import(join(root, "dist/bench/problems/problem.js"));
const { YAHPO_SCENARIO_NAMES, yahpoEncoder, encodeConfiguration } = await import(join(root, "dist/bench/yahpo/index.js"));

const { values: args } = parseArgs({ options: { rounds: { type: "string", default: "5" }, seconds: { type: "string", default: "0.3" } } });
const rounds = Number(args.rounds);
const seconds = Number(args.seconds);

const require = createRequire(import.meta.url);
const web = await import("onnxruntime-web");
web.env.wasm.numThreads = 1;
web.env.logLevel = "error";
let native;
let nativeDir = process.env.ORT_NODE_DIR;
try {
  native = nativeDir ? require(nativeDir) : require("onnxruntime-node");
  nativeDir ??= join(root, "node_modules/onnxruntime-node");
} catch {
  native = undefined;
}

function folderBytes(path) {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    total += entry.isDirectory() ? folderBytes(full) : statSync(full).size;
  }
  return total;
}
function installFacts(name, dir) {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const script = pkg.scripts?.postinstall ?? pkg.scripts?.install ?? pkg.scripts?.preinstall;
  return `${name}@${pkg.version}: install script ${script ? `"${script}"` : "none"}, ${(folderBytes(dir) / 1e6).toFixed(0)} MB unpacked`;
}
console.log("install behaviour");
console.log(`  ${installFacts("onnxruntime-web", join(root, "node_modules/onnxruntime-web"))}`);
console.log(native ? `  ${installFacts("onnxruntime-node", nativeDir)}` : "  onnxruntime-node: not installed (see the header of this script for the reference column)");

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Calls per second of `run` over about `seconds`. */
async function rate(run) {
  const start = performance.now();
  let calls = 0;
  while (performance.now() - start < seconds * 1000) {
    await run();
    calls++;
  }
  return calls / ((performance.now() - start) / 1000);
}

console.log(`\nevaluations per second, median of ${rounds} interleaved rounds (single-threaded runtimes)`);
console.log("scenario       batch   start web ms  start node ms   web evals/s   node evals/s   web/node   max |diff|");
for (const name of YAHPO_SCENARIO_NAMES) {
  const encoder = yahpoEncoder(name);
  const model = readFileSync(join(root, "data/yahpo", name, "model.onnx"));
  let t = performance.now();
  const webSession = await web.InferenceSession.create(model, { executionProviders: ["wasm"] });
  const webStart = performance.now() - t;
  t = performance.now();
  const nativeSession = native ? await native.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 }) : undefined;
  const nativeStart = performance.now() - t;
  const rng = new Rng(`bench/${name}`);
  const instance = encoder.instances[0];
  for (const batch of [1, 64, 1000]) {
    const rows = Array.from({ length: batch }, () => encodeConfiguration(encoder, randomProblemParams(encoder, rng), instance));
    const feeds = (ort) => ({
      x_cont: new ort.Tensor("float32", Float32Array.from(rows.flatMap((r) => r.xCont)), [batch, encoder.spec.contNames.length]),
      x_cat: new ort.Tensor("int32", Int32Array.from(rows.flatMap((r) => r.xCat)), [batch, encoder.spec.catNames.length]),
    });
    const runWeb = () => webSession.run(feeds(web));
    const runNative = nativeSession ? () => nativeSession.run(feeds(native)) : undefined;
    const webOut = (await runWeb())[webSession.outputNames[0]].data;
    let diff = "-";
    if (runNative) {
      const nativeOut = (await runNative())[nativeSession.outputNames[0]].data;
      diff = Math.max(...Array.from(webOut, (v, i) => Math.abs(v - nativeOut[i]) / Math.max(1, Math.abs(nativeOut[i])))).toExponential(1);
    }
    const webRates = [];
    const nativeRates = [];
    for (let r = 0; r < rounds; r++) {
      webRates.push((await rate(runWeb)) * batch);
      if (runNative) nativeRates.push((await rate(runNative)) * batch);
    }
    const w = median(webRates);
    const n = runNative ? median(nativeRates) : undefined;
    console.log(
      `${name.padEnd(14)} ${String(batch).padStart(5)} ${webStart.toFixed(0).padStart(14)} ${native ? nativeStart.toFixed(0).padStart(14) : "-".padStart(14)} ${w.toFixed(0).padStart(13)} ${n === undefined ? "-".padStart(14) : n.toFixed(0).padStart(14)} ${n === undefined ? "-".padStart(10) : (w / n).toFixed(3).padStart(10)} ${diff.padStart(12)}`,
    );
  }
  await webSession.release();
  await nativeSession?.release();
}
console.log("\nmax |diff|: largest difference between the runtimes' outputs, relative to max(1, |value|)");
