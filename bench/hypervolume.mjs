#!/usr/bin/env node
// Hypervolume benchmark: time per call of Sextant's exact hypervolume (2-D sweep, 3-D sweep, WFG
// with a flat 3-D sweep per limited set at 4 objectives and filtered limited sets beyond) on 1,000
// points in 2, 3 and 5 objectives, and, on small sets where it is feasible, next to the brute-force
// reference (inclusion-exclusion and a grid count) measured in the same run, as
// a ratio. Each small-set row also checks that the fast and brute-force values agree.
//
// Usage: npm run bench:hypervolume -- [--points 1000] [--small 12] [--repeats 5]
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { hypervolume, hypervolumeContributions } = await import(join(root, "dist/analysis/index.js"));
const { hypervolumeByGrid, hypervolumeByInclusionExclusion } = await import(join(root, "dist/analysis/brute-force.js"));
const { Rng } = await import(join(root, "dist/math/rng.js"));

const { values: args } = parseArgs({
  options: {
    points: { type: "string", default: "1000" },
    small: { type: "string", default: "12" },
    repeats: { type: "string", default: "5" },
  },
});
const nPoints = Number(args.points);
const nSmall = Number(args.small);
const repeats = Number(args.repeats);

/** Points on the positive unit sphere: every one non-dominated, the hard case for exact hypervolume. */
function sphereFront(rng, n, m) {
  return Array.from({ length: n }, () => {
    const raw = Array.from({ length: m }, () => Math.abs(rng.normal()));
    const norm = Math.hypot(...raw);
    return raw.map((v) => v / norm);
  });
}
/** Uniform points in the unit cube: most are dominated, the common case for a study's history. */
function uniformCloud(rng, n, m) {
  return Array.from({ length: n }, () => Array.from({ length: m }, () => rng.uniform()));
}

/**
 * Median CPU time (user + system) in ms of `repeats` calls, after one warm-up call. CPU time, not
 * wall time: on a shared machine the wall clock mostly measures the other processes.
 */
function timeMs(fn) {
  fn();
  const times = [];
  for (let r = 0; r < repeats; r++) {
    const started = process.cpuUsage();
    fn();
    const used = process.cpuUsage(started);
    times.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}
const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3));

console.log(`hypervolume, ${nPoints} points (median CPU time of ${repeats} calls)`);
console.log("objectives  set       ms/call   contributions ms/call");
for (const m of [2, 3, 5]) {
  for (const [label, make] of [["sphere", sphereFront], ["uniform", uniformCloud]]) {
    const points = make(new Rng(m), nPoints, m);
    const reference = Array(m).fill(1.1);
    const ms = timeMs(() => hypervolume(points, reference));
    // Contributions cost one limited hypervolume per point; timed on a tenth of the points.
    const tenth = points.slice(0, Math.max(2, nPoints / 10));
    const contributionMs = timeMs(() => hypervolumeContributions(tenth, reference));
    console.log(`${String(m).padEnd(12)}${label.padEnd(10)}${fmt(ms).padStart(8)}   ${fmt(contributionMs).padStart(8)} (${tenth.length} points)`);
  }
}

console.log(`\nagainst brute force on ${nSmall} points (sphere front, the reference measured in this run)`);
console.log("objectives  sextant ms  incl-excl ms  ratio    grid ms   ratio    |difference|");
for (const m of [2, 3, 5]) {
  const points = sphereFront(new Rng(100 + m), nSmall, m);
  const reference = Array(m).fill(1.1);
  const fast = timeMs(() => hypervolume(points, reference));
  const inclusion = timeMs(() => hypervolumeByInclusionExclusion(points, reference));
  const grid = timeMs(() => hypervolumeByGrid(points, reference));
  const difference = Math.abs(hypervolume(points, reference) - hypervolumeByInclusionExclusion(points, reference));
  console.log(
    `${String(m).padEnd(12)}${fmt(fast).padStart(10)}  ${fmt(inclusion).padStart(12)}  ${(inclusion / fast).toFixed(0).padStart(5)}x ${fmt(grid).padStart(9)}  ${(grid / fast).toFixed(0).padStart(6)}x   ${difference.toExponential(1)}`,
  );
}
