#!/usr/bin/env node
// Warm-start benchmark: does a study that learns from an earlier, related study (warmStartFrom)
// reach a cold start's 100-trial result in fewer trials, and does an earlier *unrelated* study do
// no harm? Each split has two kinds of related pairs:
// - shifted functions: the source is a seeded random instance of a function (optimum moved), the
//   target the same instance shifted by 5% of each range, both posed on the unit cube; the
//   unrelated source is an instance of another function;
// - YAHPO pairs: the source is one LCBench data set, the target another (same model and space,
//   different data); the unrelated source is a seeded instance of a synthetic function posed on the
//   same space (through its unit-cube encoding).
// A source study is 100 trials of the same sampler as the target's, with its own seed (a user
// reruns last month's study with the same tool; `--source-sampler tpe` makes every source TPE, `--source-sampler gp` every source a cold GP, as
// a study run with the default sampler `auto` on these spaces);
// the unrelated source is 100 TPE trials.
//
// Protocol, per pair and sampler: over seeds, the cold target study (100 trials), the warm-started
// one and the one warm-started from the unrelated source. The goal is the cold start's median best
// after 100 trials over seeds; the figure is the trials each warm run needs to reach it, as median
// and quartiles over seeds (">100" when a run never does), printed beside the cold runs' own trials
// to reach it (well under 100 where the cold start stalls early).
//
// The unrelated check: is median(unrelated finals) − median(cold finals) larger than seeds alone
// make it? Verdict by a one-sided permutation test at 5%: the finals of both arms are pooled and
// relabelled at random 4000 times; "WORSE" when a relabelled difference is at least the observed one
// in under 5% of relabellings. Earlier sessions compared the difference with the median absolute
// deviation (MAD) of the cold finals, which is miscalibrated: the MAD measures how far one run falls
// from the median, while the statistic is a difference of two medians, each with its own sampling
// error. For normal finals and 5 seeds a median's standard deviation is about 0.54σ, the difference
// of two about 0.76σ, against a MAD of at most 0.67σ (less, as it is measured around the same 5
// finals): a difference of pure seed noise exceeds it about one time in five per check, and in one
// of six checks most of the time (the `--null-arm`, a second cold start, failed it on two of three
// test pairs). And the MAD does not shrink with more seeds while the difference's noise does, so at
// many seeds it would let real harm pass. The permutation test needs no distribution and is exact
// in its level at any number of seeds. Run it with ≥ 10 seeds: with 5 a one-sided 5% test has
// little power. The check can fail: `--harmful-arm` warm-starts from a study of the *negated*
// source objective (its best trials sit where the target is worst) and is judged the same way.
// Several checks are made per run (pairs × samplers), each at 5%, so about one in twenty checks
// of a harmless source is expected to read WORSE by chance.
//
// --split dev2 (session 22): five fresh pairs, fixed by a rule before any run (see SPLITS), on which
// the GP's warmStartDesign was judged a second time; --design-arm adds, for the gp arm, a warm start
// with the other design from the same sources, cold runs and seeds, with its own unrelated check.
//
// --samplers takes tpe, gp (GPSampler with warmStart, its default method: "stack" since session 25),
// gp-design (the design alone, the default before), gp-stack (named explicitly), gp-stack-sum and gp-stack-scaled (the stack
// with stackVariance "sum" or "scaled", session 26), gp-stack-study-anchors and
// gp-stack-all-anchors (the stack with stackAnchors "study", the default since session 27, or
// "all", the default before; session 26's gp-stack figures are gp-stack-all-anchors'),
// gp-stack-patience (stackPatience 10, session 27), gp-rgpe and auto (the default sampler: the
// GP cold, and for a warm-started study what AutoSampler picks for it). Session 15 chose auto's
// sampler for warm-started studies with `--split dev --samplers tpe,gp --seeds 10 --source-sampler
// gp` (rule and figures in the README, "Warm starts from earlier studies").
//
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { createStudy, MemoryStorage, TPESampler, GPSampler, AutoSampler } = await import(join(root, "dist/index.js"));
const { syntheticBoxFunction, randomInstance, yahpoProblem, YAHPO_PROBLEM_SETS } = await import(join(root, "dist/bench/problems/index.js"));
const { Rng } = await import(join(root, "dist/math/rng.js"));
const { loadYahpoScenario, describeYahpoScenario } = await import(join(root, "dist/bench/yahpo/index.js"));

const { values: args } = parseArgs({
  options: {
    split: { type: "string", default: "test" },
    seeds: { type: "string", default: "10" },
    samplers: { type: "string", default: "tpe,gp" },
    dimension: { type: "string", default: "4" },
    trials: { type: "string", default: "100" },
    only: { type: "string" },
    "source-sampler": { type: "string", default: "same" },
    "tpe-weight": { type: "string" },
    "tpe-half-life": { type: "string" },
    "tpe-ranking": { type: "string" },
    "tpe-keeps-startup": { type: "string" },
    "null-arm": { type: "boolean", default: false },
    "harmful-arm": { type: "boolean", default: false },
    "tpe-method": { type: "string" },
    "tpe-ranking-excess": { type: "string" },
    "tpe-similarity": { type: "string" },
    "tpe-bandwidths": { type: "string" },
    "tpe-guided-weight": { type: "string" },
    trace: { type: "boolean", default: false },
    // The GP's warmStartDesign (interleaved, before-startup).
    "gp-design": { type: "string" },
    // GP only: also warm-start with the other warmStartDesign from the same sources, cold runs and
    // seeds (a "warm, other design" arm and its unrelated-source check).
    "design-arm": { type: "boolean", default: false },
  },
});
const SPLITS = {
  dev: [
    { kind: "shifted", name: "rosenbrock", unrelated: "ackley" },
    { kind: "shifted", name: "ackley", unrelated: "rosenbrock" },
    { kind: "yahpo", scenario: "lcbench", source: "3945", target: "7593", unrelated: "rastrigin" },
    // More LCBench pairs, taken from YAHPO's instance list in its order right after the lab's five
    // instances (3945, 7593, 34539, 126025, 126026), two at a time: a rule fixed before any result,
    // and none of them is in the test pair or the lab's suites.
    { kind: "yahpo", scenario: "lcbench", source: "126029", target: "146212", unrelated: "rastrigin" },
    { kind: "yahpo", scenario: "lcbench", source: "167104", target: "167149", unrelated: "rastrigin" },
    { kind: "yahpo", scenario: "lcbench", source: "167152", target: "167161", unrelated: "rastrigin" },
  ],
  // Fresh dev pairs for session 22's warmStartDesign rule, fixed before any run: the first two
  // functions of SYNTHETIC_FUNCTIONS unused by the other splits that are defined in 4-D (griewank,
  // schwefel; Michalewicz is not defined in 4-D here), and the next LCBench instances after the
  // lab's held-out surrogates, two at a time.
  dev2: [
    { kind: "shifted", name: "griewank", unrelated: "schwefel" },
    { kind: "shifted", name: "schwefel", unrelated: "griewank" },
    { kind: "yahpo", scenario: "lcbench", source: "167185", target: "167190", unrelated: "rastrigin" },
    { kind: "yahpo", scenario: "lcbench", source: "167200", target: "167201", unrelated: "rastrigin" },
    { kind: "yahpo", scenario: "lcbench", source: "168329", target: "168330", unrelated: "rastrigin" },
  ],
  // Fresh dev pairs for session 27's stackAnchors rule, fixed before any run by dev2's rule applied
  // once more: the next two functions of SYNTHETIC_FUNCTIONS unused by the other splits and defined
  // in 4-D, and the next LCBench instances in YAHPO's order after dev2's, two at a time.
  dev3: [
    { kind: "shifted", name: "powell", unrelated: "dixon_price" },
    { kind: "shifted", name: "dixon_price", unrelated: "powell" },
    { kind: "yahpo", scenario: "lcbench", source: "168331", target: "168335", unrelated: "rastrigin" },
    { kind: "yahpo", scenario: "lcbench", source: "168868", target: "168908", unrelated: "rastrigin" },
    { kind: "yahpo", scenario: "lcbench", source: "168910", target: "189354", unrelated: "rastrigin" },
  ],
  test: [
    { kind: "shifted", name: "levy", unrelated: "styblinski_tang" },
    { kind: "shifted", name: "styblinski_tang", unrelated: "levy" },
    { kind: "yahpo", scenario: "lcbench", source: "34539", target: "126025", unrelated: "levy" },
  ],
};
let pairs = SPLITS[args.split];
if (!pairs) throw new Error(`--split must be dev, dev2, dev3 or test, got ${args.split}`);
// --only: pairs whose name contains any of the comma-separated strings.
if (args.only) pairs = pairs.filter((p) => args.only.split(",").some((only) => (p.name ?? `${p.scenario}-${p.source}-${p.target}`).includes(only)));
const seeds = Number(args.seeds);
const dimension = Number(args.dimension);
const budget = Number(args.trials);
const samplers = args.samplers.split(",");

/** f on the unit cube: u ↦ fn(low + (u − shift)·(high − low)), minus the optimum so that 0 is best. */
function onUnitCube(fn, shift = null) {
  return (u) => {
    const x = u.map((v, i) => {
      const [low, high] = fn.bounds[i];
      return low + (v - (shift ? shift[i] : 0)) * (high - low);
    });
    return fn.evaluate(x) - fn.optimum;
  };
}

function makeSampler(kind, seed) {
  const weight = {
    ...(args["tpe-weight"] === undefined ? {} : { warmStartWeight: Number(args["tpe-weight"]) }),
    ...(args["tpe-half-life"] === undefined ? {} : { warmStartHalfLife: Number(args["tpe-half-life"]) }),
    ...(args["tpe-ranking"] === undefined ? {} : { warmStartRanking: args["tpe-ranking"] === "true" }),
    ...(args["tpe-method"] === undefined ? {} : { warmStartMethod: args["tpe-method"] }),
    ...(args["tpe-ranking-excess"] === undefined ? {} : { warmStartRankingExcess: args["tpe-ranking-excess"] === "true" }),
    ...(args["tpe-similarity"] === undefined ? {} : { warmStartSimilarity: args["tpe-similarity"] }),
    ...(args["tpe-bandwidths"] === undefined ? {} : { warmStartBandwidths: args["tpe-bandwidths"] }),
    ...(args["tpe-guided-weight"] === undefined ? {} : { warmStartGuidedWeight: args["tpe-guided-weight"] }),
    ...(args["tpe-keeps-startup"] === undefined ? {} : { warmStartKeepsStartup: args["tpe-keeps-startup"] === "true" }),
  };
  if (kind === "tpe") return new TPESampler({ seed, ...weight });
  if (kind === "gp") return new GPSampler({ seed, warmStart: true, ...(args["gp-design"] === undefined ? {} : { warmStartDesign: args["gp-design"] }) });
  // --design-arm: the GP warm-started with the design the gp arm does not use.
  if (kind === "gp-other-design") return new GPSampler({ seed, warmStart: true, warmStartDesign: otherDesign });
  // The default sampler: a cold study gets the GP, a warm-started one what auto picks for it.
  if (kind === "auto") return new AutoSampler({ seed });
  const method = WARM_GP_ARMS[kind];
  if (method) return new GPSampler({ seed, warmStart: true, ...method });
  throw new Error(`--samplers: unknown sampler ${kind}`);
}

/** The warm-started GP arms that differ only in their GPSampler options. */
const WARM_GP_ARMS = {
  "gp-rgpe": { warmStartMethod: "rgpe" },
  "gp-design": { warmStartMethod: "design" },
  "gp-stack": { warmStartMethod: "stack" },
  "gp-stack-scaled": { warmStartMethod: "stack", stackVariance: "scaled" },
  "gp-stack-sum": { warmStartMethod: "stack", stackVariance: "sum" },
  "gp-stack-all-anchors": { warmStartMethod: "stack", stackAnchors: "all" },
  "gp-stack-study-anchors": { warmStartMethod: "stack", stackAnchors: "study" },
  "gp-stack-patience": { warmStartMethod: "stack", stackPatience: 10 },
};

/** The warmStartDesign that --design-arm compares with the gp arm's (the default, interleaved, unless --gp-design names it). */
const otherDesign = (args["gp-design"] ?? "interleaved") === "interleaved" ? "before-startup" : "interleaved";
if (args["design-arm"] && !samplers.includes("gp")) throw new Error("--design-arm compares the GP's warm-start designs: give --samplers gp");

/** A parameter's position in [0, 1] (log scale for log distributions). */
function unitOf(distribution, value) {
  const { low, high, log } = distribution;
  return log ? (Math.log(value) - Math.log(low)) / (Math.log(high) - Math.log(low)) : (value - low) / (high - low);
}

/** A task: its space and objective (trial → loss, async allowed). */
function shiftedTask(fn, shift) {
  const objective = onUnitCube(fn, shift);
  return { suggest: (trial) => objective(Array.from({ length: dimension }, (_, i) => trial.suggestFloat(`u${i}`, 0, 1))) };
}
function spaceTask(space, evaluate) {
  const names = Object.keys(space).sort();
  return {
    suggest: (trial) => {
      const params = {};
      for (const name of names) {
        const d = space[name];
        params[name] = d.type === "int" ? trial.suggestInt(name, d.low, d.high, { log: d.log ?? false }) : trial.suggestFloat(name, d.low, d.high, { log: d.log ?? false });
      }
      return evaluate(params, names);
    },
  };
}

async function runStudy(storage, name, sampler, task, warmStartFrom) {
  const study = await createStudy({ name, storage, sampler, ...(warmStartFrom ? { warmStartFrom, onWarning: () => undefined } : {}) });
  await study.optimize((trial) => task.suggest(trial), { nTrials: budget });
  let best = Infinity;
  const curve = study.trials.map((t) => (best = Math.min(best, t.values?.[0] ?? Infinity)));
  // Trials that a source informed: TPE and the GP record each source's weight on the trial.
  const informed = (t) => t.systemAttrs["tpe:warmStartDesign"] !== undefined || Object.entries(t.systemAttrs["tpe:transferWeights"] ?? t.systemAttrs["gp:transferWeights"] ?? {}).some(([name, w]) => name !== "(this study)" && w > 0);
  curve.informed = study.trials.filter(informed).length;
  // For --trace: each trial's point on the unit cube and the sources' total recorded weight.
  curve.points = study.trials.map((t) => Object.keys(t.params).sort().map((name) => unitOf(t.distributions[name], t.params[name])));
  curve.weights = study.trials.map((t) => Object.entries(t.systemAttrs["tpe:transferWeights"] ?? {}).reduce((sum, [name, w]) => (name === "(this study)" ? sum : sum + w), 0));
  curve.values = study.trials.map((t) => t.values?.[0] ?? Infinity);
  return curve;
}

/** The task with its objective negated: a study of it finds where the original is worst. */
function negatedTask(task) {
  return { suggest: async (trial) => -(await task.suggest(trial)) };
}

/**
 * A YAHPO instance as { space, evaluate }: the lab's problem where the lab has a reference value for
 * it, else the scenario's surrogate directly (the extra dev pairs' instances are not lab problems).
 */
const surrogates = {};
function yahpoInstance(set, instance) {
  try {
    return yahpoProblem(set, instance);
  } catch (error) {
    if (!/no reference value/.test(error.message)) throw error;
    const sign = set.direction === "maximize" ? -1 : 1;
    surrogates[set.scenario] ??= loadYahpoScenario(set.scenario);
    const scenario = surrogates[set.scenario];
    return { space: describeYahpoScenario(set.scenario).space, evaluate: async (params) => sign * (await (await scenario).evaluate(params, instance))[set.target] };
  }
}

/** Source, unrelated source and target tasks of one pair and seed. */
function tasksOf(pair, seed) {
  if (pair.kind === "shifted") {
    const fn = syntheticBoxFunction(pair.name, dimension);
    const base = randomInstance(fn, { seed, rotate: false, permute: false });
    const rng = new Rng(seed * 7919);
    const shift = Array.from({ length: dimension }, () => (rng.uniform() < 0.5 ? -0.05 : 0.05));
    const unrelated = randomInstance(syntheticBoxFunction(pair.unrelated, dimension), { seed: seed + 1000, rotate: false, permute: false });
    return { source: shiftedTask(base), unrelated: shiftedTask(unrelated), target: shiftedTask(base, shift) };
  }
  const set = YAHPO_PROBLEM_SETS.find((s) => s.scenario === pair.scenario);
  const source = yahpoInstance(set, pair.source);
  const target = yahpoInstance(set, pair.target);
  const space = target.space;
  const fn = randomInstance(syntheticBoxFunction(pair.unrelated, Object.keys(space).length), { seed: seed + 1000, rotate: false, permute: false });
  const cube = onUnitCube(fn);
  return {
    source: spaceTask(space, (params) => source.evaluate(params)),
    target: spaceTask(space, (params) => target.evaluate(params)),
    unrelated: spaceTask(space, (params, names) => cube(names.map((n) => unitOf(space[n], params[n])))),
  };
}

const sorted = (xs) => [...xs].sort((a, b) => a - b);
/** The q-quantile with linear interpolation (Infinity stays Infinity). */
const quantile = (xs, q) => {
  const s = sorted(xs);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return lo === hi || s[hi] === s[lo] ? s[lo] : s[lo] + (h - lo) * (s[hi] - s[lo]);
};
const median = (xs) => quantile(xs, 0.5);
const fmt = (x) => (x === Infinity ? ">" + budget : Number.isInteger(x) ? String(x) : x.toPrecision(3));
const spread = (xs) => `${fmt(median(xs))} [${fmt(quantile(xs, 0.25))}–${fmt(quantile(xs, 0.75))}]`;
/**
 * How often relabelling the pooled finals of two arms gives a median difference (b − a) at least
 * the observed one: the one-sided permutation p-value, and the 95th percentile of the relabelled
 * differences (the difference that seeds alone produce 1 time in 20 when the source has no effect).
 */
function permutationTest(a, b, draws = 4000) {
  const observed = median(b) - median(a);
  const pooled = [...a, ...b];
  const rng = new Rng(12345);
  const differences = [];
  let atLeast = 0;
  for (let k = 0; k < draws; k++) {
    const shuffled = [...pooled];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    const difference = median(shuffled.slice(a.length)) - median(shuffled.slice(0, a.length));
    differences.push(difference);
    if (difference >= observed) atLeast++;
  }
  return { p: atLeast / draws, band: quantile(differences, 0.95) };
}
const reachOf = (curve, goal) => {
  const index = curve.findIndex((v) => v <= goal);
  return index < 0 ? Infinity : index + 1;
};

/**
 * --trace: per window of trials, medians over seeds of what tells where a warm start stalls: the
 * sources' recorded weight (observations of l(x)), the L∞ distance of each trial to the source's
 * best configuration and to the study's best so far (how local the search is), and the share of
 * trials that improved the study's best.
 */
function trace(runs) {
  const windows = [[1, 10], [11, 25], [26, 50], [51, 75], [76, 100]].filter(([a]) => a <= budget);
  const linf = (a, b) => Math.max(...a.map((v, k) => Math.abs(v - b[k])));
  const argmin = (xs) => xs.reduce((best, v, i) => (v < xs[best] ? i : best), 0);
  for (const arm of ["cold", "warm"]) {
    const rows = windows.map(([a, b]) => {
      const per = runs.map((r) => {
        const curve = r[arm];
        const sourceBest = r.source.points[argmin(r.source.values)];
        let weight = 0, toSource = [], toBest = [], improved = 0;
        for (let i = a - 1; i < Math.min(b, curve.points.length); i++) {
          weight += curve.weights[i] / (b - a + 1);
          toSource.push(linf(curve.points[i], sourceBest));
          if (i > 0) {
            const bestSoFar = argmin(curve.values.slice(0, i));
            toBest.push(linf(curve.points[i], curve.points[bestSoFar]));
            if (curve.values[i] < curve.values[bestSoFar]) improved++;
          }
        }
        return { weight, toSource: median(toSource), toBest: toBest.length ? median(toBest) : NaN, improved: improved / (b - a + 1) };
      });
      const m = (key) => fmt(median(per.map((p) => p[key]).filter((x) => !Number.isNaN(x))));
      return `${a}–${b}: weight ${m("weight")}, L∞ to source best ${m("toSource")}, to own best ${m("toBest")}, improving ${m("improved")}`;
    });
    console.log(`  trace ${arm}: ${rows.join(" | ")}`);
  }
}

const labelOf = (pair) => (pair.kind === "shifted" ? `${pair.name}-${dimension}d shifted by 5%` : `${pair.scenario} ${pair.source} → ${pair.target}`);
const started = Date.now();
console.log(`warm starts on ${args.split} pairs, ${budget} trials, ${seeds} seeds; median [quartiles] over seeds`);
const verdicts = [];
for (const pair of pairs) {
  const label = labelOf(pair);
  for (const kind of samplers) {
    const runs = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const storage = new MemoryStorage();
      const tasks = tasksOf(pair, seed);
      const sourceSampler =
        args["source-sampler"] === "same" ? makeSampler(kind, seed + 100) : args["source-sampler"] === "gp" ? new GPSampler({ seed: seed + 100 }) : new TPESampler({ seed: seed + 100 });
      const source = await runStudy(storage, "source", sourceSampler, tasks.source, null);
      await runStudy(storage, "unrelated", new TPESampler({ seed: seed + 200 }), tasks.unrelated, null);
      const cold = await runStudy(storage, "cold", makeSampler(kind, seed), tasks.target, null);
      const warm = await runStudy(storage, "warm", makeSampler(kind, seed), tasks.target, ["source"]);
      const unrelated = await runStudy(storage, "warm-unrelated", makeSampler(kind, seed), tasks.target, ["unrelated"]);
      const other = args["null-arm"] ? await runStudy(storage, "cold-other-seed", makeSampler(kind, seed + 300), tasks.target, null) : null;
      const designArm = args["design-arm"] && kind === "gp";
      const otherDesignWarm = designArm ? await runStudy(storage, "warm-other-design", makeSampler("gp-other-design", seed), tasks.target, ["source"]) : null;
      const otherDesignUnrelated = designArm ? await runStudy(storage, "warm-unrelated-other-design", makeSampler("gp-other-design", seed), tasks.target, ["unrelated"]) : null;
      let harmful = null;
      if (args["harmful-arm"]) {
        await runStudy(storage, "negated-source", new TPESampler({ seed: seed + 400 }), negatedTask(tasks.source), null);
        harmful = await runStudy(storage, "warm-harmful", makeSampler(kind, seed), tasks.target, ["negated-source"]);
      }
      runs.push({ source, cold, warm, unrelated, other, harmful, otherDesignWarm, otherDesignUnrelated });
    }
    const coldFinal = runs.map((r) => r.cold[budget - 1]);
    const goal = median(coldFinal);
    const reach = runs.map((r) => reachOf(r.warm, goal));
    const coldReach = runs.map((r) => reachOf(r.cold, goal));
    const unrelatedReach = runs.map((r) => reachOf(r.unrelated, goal));
    const unrelatedFinal = runs.map((r) => r.unrelated[budget - 1]);
    const noise = median(coldFinal.map((c) => Math.abs(c - goal)));
    const harm = median(unrelatedFinal) - goal;
    console.log(`\n${label}, ${kind}: cold median best after ${budget} = ${fmt(goal)}`);
    console.log(`  trials to reach it: warm ${spread(reach)} | cold ${spread(coldReach)} | warm from unrelated ${spread(unrelatedReach)}`);
    console.log(`  best after ${budget}: cold ${spread(coldFinal)} | warm ${spread(runs.map((r) => r.warm[budget - 1]))} | warm from unrelated (${pair.unrelated}) ${spread(unrelatedFinal)}`);
    const bestSeed = (arm) => fmt(Math.min(...runs.map((r) => r[arm][budget - 1])));
    console.log(`  best seed after ${budget}: cold ${bestSeed("cold")} | warm ${bestSeed("warm")} | warm from unrelated ${bestSeed("unrelated")}`);
    const permutation = permutationTest(coldFinal, unrelatedFinal);
    const verdict = (test) => (test.p < 0.05 ? "WORSE than cold beyond seed noise" : "within seed noise");
    console.log(`  unrelated − cold (medians) ${fmt(harm)}; seeds alone give ≥ ${fmt(permutation.band)} 1 time in 20; one-sided permutation p = ${permutation.p.toFixed(3)}: ${verdict(permutation)} (old yardstick, MAD of cold finals: ${fmt(noise)}, ${harm <= noise ? "within" : "outside"})`);
    for (const [arm, label] of [["other", "null arm, cold with other seeds"], ["harmful", "harmful arm, warm from the negated source"]]) {
      if (runs[0][arm] === null) continue;
      const finals = runs.map((r) => r[arm][budget - 1]);
      const test = permutationTest(coldFinal, finals);
      const difference = median(finals) - goal;
      console.log(`  ${label} − cold (medians) ${fmt(difference)}; permutation p = ${test.p.toFixed(3)}: ${verdict(test)} (MAD yardstick ${difference <= noise ? "within" : "outside"}); trials to reach cold's median: ${spread(runs.map((r) => reachOf(r[arm], goal)))}`);
      verdicts.push(`${labelOf(pair)} ${kind}: ${label} ${verdict(test)} (${fmt(difference)}, p = ${test.p.toFixed(3)})`);
    }
    // Per seed (same seed, same source and cold run in every variant), for paired comparisons.
    const perSeed = (xs) => xs.map((x) => (x === Infinity ? budget + 1 : x)).join(" ");
    console.log(`  per seed, trials to reach it (${budget + 1}: never): warm ${perSeed(reach)} | cold ${perSeed(coldReach)}`);
    console.log(`  per seed, best after ${budget}: warm ${runs.map((r) => fmt(r.warm[budget - 1])).join(" ")} | cold ${coldFinal.map(fmt).join(" ")}`);
    const checkpoints = [5, 10, 25, 50, budget].filter((c, i, all) => c <= budget && all.indexOf(c) === i);
    console.log(`  trials a source informed: warm ${spread(runs.map((r) => r.warm.informed))} | warm from unrelated ${spread(runs.map((r) => r.unrelated.informed))}`);
    const at = (curves) => checkpoints.map((c) => fmt(median(curves.map((curve) => curve[c - 1])))).join(" / ");
    console.log(`  median best after ${checkpoints.join(" / ")} trials: cold ${at(runs.map((r) => r.cold))} | warm ${at(runs.map((r) => r.warm))} | unrelated ${at(runs.map((r) => r.unrelated))}`);
    if (runs[0].otherDesignWarm !== null) {
      // The same sources, cold runs and seeds, warm-started with the other design.
      const otherReach = runs.map((r) => reachOf(r.otherDesignWarm, goal));
      const otherUnrelated = runs.map((r) => r.otherDesignUnrelated[budget - 1]);
      const test = permutationTest(coldFinal, otherUnrelated);
      const seedsReaching = (xs) => xs.filter(Number.isFinite).length;
      console.log(`  ${otherDesign} design: trials to reach it ${spread(otherReach)}, ${seedsReaching(otherReach)}/${seeds} seeds (${args["gp-design"] ?? "interleaved"}: ${seedsReaching(reach)}/${seeds})`);
      console.log(`  ${otherDesign} design: median best after ${checkpoints.join(" / ")} trials ${at(runs.map((r) => r.otherDesignWarm))}; from unrelated ${at(runs.map((r) => r.otherDesignUnrelated))}`);
      console.log(`  ${otherDesign} design, unrelated − cold (medians) ${fmt(median(otherUnrelated) - goal)}; permutation p = ${test.p.toFixed(3)}: ${verdict(test)}`);
      console.log(`  per seed, ${otherDesign} design, trials to reach it: ${perSeed(otherReach)}`);
      verdicts.push(`${label} gp, ${otherDesign} design: reaches cold@${budget} in ${spread(otherReach)} trials, ${seedsReaching(otherReach)}/${seeds} seeds; after 25: ${fmt(median(runs.map((r) => r.otherDesignWarm[Math.min(25, budget) - 1])))} (default design ${fmt(median(runs.map((r) => r.warm[Math.min(25, budget) - 1])))}, cold ${fmt(median(runs.map((r) => r.cold[Math.min(25, budget) - 1])))}); unrelated ${verdict(test)} (p = ${test.p.toFixed(3)})`);
    }
    if (args.trace) trace(runs);
    const reached = (xs) => `${xs.filter(Number.isFinite).length}/${xs.length} seeds`;
    verdicts.push(`${label} ${kind}: warm reaches cold@${budget} in ${spread(reach)} trials, ${reached(reach)} (cold ${spread(coldReach)}, ${reached(coldReach)}); unrelated ${verdict(permutation)} (${fmt(harm)}, p = ${permutation.p.toFixed(3)})`);
  }
}
console.log(`\n${verdicts.join("\n")}\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
