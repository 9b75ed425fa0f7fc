// CLI suite (spawns `node bin/sextant.js` against dist/, with a SQLite file per test): the pruners
// beyond median, driven through `sextant tune --pruner` and listed by `sextant pruners`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FIXTURES, sextant, sqliteTrials, tempDir } from "./fixtures/cli-run.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

// The ASHA runs draw at random: what they check is the pruner, and the default sampler's model fits
// cost seconds of CPU over 16 trials without changing what a rung decides.
describe("sextant tune --pruner asha", () => {
  it("stops commands that fall out of a rung, recording each rung's value on the trial", async () => {
    const marker = join(dir, "steps");
    const result = await sextant(
      [
        "tune", "--study", "asha", "--trials", "16", "--seed", "5", "--sampler", "random", "--json",
        "--pruner", "asha", "--pruner-opt", "min_resource=1", "--pruner-opt", "reduction_factor=2",
        "--param", "base=float:0:10", "--", "sh", join(FIXTURES, "cli-steps.sh"), "{base}",
      ],
      { cwd: dir, env: { MARKER: marker, DELAY: "60", STEPS: "8" } },
    );
    expect(result.code, result.stderr).toBe(0);
    const trials = (await sqliteTrials(join(dir, "sextant.db"), "asha")).sort((a, b) => a.number - b.number);
    expect(trials).toHaveLength(16);
    const pruned = trials.filter((t) => t.state === "pruned");
    expect(pruned.length).toBeGreaterThan(0);
    expect(trials.some((t) => t.state === "complete")).toBe(true);
    expect(JSON.parse(result.stdout).run.pruned).toBe(pruned.length);

    // Pruned commands were stopped: none reached its last step (7).
    const steps = readFileSync(marker, "utf8").trim().split("\n").map((l) => l.split(" ").map(Number));
    for (const t of pruned) expect(Math.max(...steps.filter(([n]) => n === t.number).map(([, s]) => s!))).toBeLessThan(7);

    // Rungs sit at steps 1, 2, 4 (η = 2). One trial runs at a time, so each trial competed with
    // the rung values of the trials numbered before it: check every recorded rung and decision.
    const rungSteps = [1, 2, 4];
    const recorded = (t: (typeof trials)[number]) => rungSteps.map((_, k) => t.systemAttrs[`completed_rung_${k}`]).filter((v) => v !== undefined) as number[];
    for (const t of trials) {
      const rungs = recorded(t);
      if (t.state === "complete") expect(rungs).toHaveLength(3);
      rungs.forEach((value, k) => expect(value).toBe(t.intermediate[rungSteps[k]!]));
      const verdicts = rungs.map((value, k) => {
        const competing = [value, ...trials.filter((u) => u.number < t.number).map((u) => recorded(u)[k]).filter((v) => v !== undefined)];
        const kept = Math.max(Math.floor(competing.length / 2), 1);
        return value <= competing.sort((a, b) => a - b)[kept - 1]!;
      });
      // Promoted at every rung but, for a pruned trial, the last one it reached.
      expect(verdicts).toEqual(rungs.map((_, k) => t.state === "complete" || k < rungs.length - 1));
    }
  });

  it("by default runs commands whole until 8 are complete, then stops them from the first step that ranks trials", async () => {
    const marker = join(dir, "steps");
    const result = await sextant(
      ["tune", "--study", "asha-default", "--trials", "16", "--seed", "5", "--sampler", "random", "--json", "--pruner", "asha", "--param", "base=float:0:10", "--", "sh", join(FIXTURES, "cli-steps.sh"), "{base}"],
      { cwd: dir, env: { MARKER: marker, DELAY: "20", STEPS: "8" } },
    );
    expect(result.code, result.stderr).toBe(0);
    const trials = (await sqliteTrials(join(dir, "sextant.db"), "asha-default")).sort((a, b) => a.number - b.number);
    expect(trials).toHaveLength(16);
    // The first 8 ran to the end and were never judged.
    for (const t of trials.slice(0, 8)) {
      expect(t.state).toBe("complete");
      expect(Object.keys(t.systemAttrs).filter((k) => k.startsWith("completed_rung_"))).toEqual([]);
    }
    // Every step of this curve ranks trials as they end, so the first rung is step 1 (step 0 is
    // never a rung): later trials were judged there, against the first 8's values at step 1 too.
    const later = trials.slice(8);
    for (const t of later) expect(t.systemAttrs.completed_rung_0).toBe(t.intermediate[1]);
    const pruned = later.filter((t) => t.state === "pruned");
    expect(pruned.length).toBeGreaterThan(0);
    const steps = readFileSync(marker, "utf8").trim().split("\n").map((l) => l.split(" ").map(Number));
    for (const t of pruned) expect(Math.max(...steps.filter(([n]) => n === t.number).map(([, s]) => s!))).toBeLessThan(7);
  });

  it("names a bad ASHA option before running anything", async () => {
    const result = await sextant(
      ["tune", "--study", "bad", "--trials", "2", "--pruner", "asha", "--pruner-opt", "reduction_factor=1", "--param", "x=float:0:1", "--", "node", "-e", "0"],
      { cwd: dir },
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/asha pruner: option "reductionFactor" must be an integer >= 2, got 1\b/);
  });
});

describe("sextant tune: a pruned command", () => {
  it("ends at the step the pruner judged, not at the steps it printed before the stop reached it", async () => {
    const result = await sextant(
      [
        "tune", "--study", "burst", "--trials", "1", "--pruner", "threshold", "--pruner-opt", "upper=2.5",
        "--param", "x=float:0:1", "--", "node", join(FIXTURES, "cli-burst.mjs"), "{x}",
      ],
      { cwd: dir, env: { STEPS: "10" } },
    );
    expect(result.code, result.stderr).toBe(0);
    const [trial] = await sqliteTrials(join(dir, "sextant.db"), "burst");
    expect(trial!.state).toBe("pruned");
    // Values 0, 1, 2, 3: step 3 is the first above 2.5; steps 4–9 arrived in the same burst.
    expect(Object.keys(trial!.intermediate).map(Number).sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
    expect(result.stderr).toMatch(/trial 0 pruned at step 3 value=3\b/);
  });
});

describe("sextant pruners", () => {
  it("lists every pruner with its options", async () => {
    const result = await sextant(["pruners", "--json"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const listed = JSON.parse(result.stdout) as { name: string; options: { name: string; default?: unknown }[] }[];
    expect(listed.map((p) => p.name)).toEqual(["none", "median", "percentile", "threshold", "patient", "asha", "hyperband", "wilcoxon", "curve"]);
    const asha = listed.find((p) => p.name === "asha")!;
    expect(asha.options.map((o) => o.name)).toEqual(["minResource", "reductionFactor", "minEarlyStoppingRate", "bootstrapCount"]);
    // The first rung is placed where steps start to rank trials, unless the user asks for Optuna's "auto".
    expect(asha.options[0]!.default).toBe("rank-agreement");
  });
});

describe("sextant tune --pruner curve", () => {
  it("stops commands whose predicted final value has little chance to beat the best", async () => {
    const marker = join(dir, "steps");
    const result = await sextant(
      [
        "tune", "--study", "curve", "--trials", "14", "--seed", "3", "--sampler", "random", "--json",
        "--pruner", "curve", "--pruner-opt", "min_trials=4", "--pruner-opt", "seed=1",
        "--param", "base=float:0:10", "--", "sh", join(FIXTURES, "cli-steps.sh"), "{base}",
      ],
      { cwd: dir, env: { MARKER: marker, DELAY: "20", STEPS: "8" } },
    );
    expect(result.code, result.stderr).toBe(0);
    const trials = await sqliteTrials(join(dir, "sextant.db"), "curve");
    const pruned = trials.filter((t) => t.state === "pruned");
    const complete = trials.filter((t) => t.state === "complete");
    expect(pruned.length).toBeGreaterThan(0);
    expect(complete.length).toBeGreaterThanOrEqual(4);
    const steps = readFileSync(marker, "utf8").trim().split("\n").map((l) => l.split(" ").map(Number));
    for (const t of pruned) expect(Math.max(...steps.filter(([n]) => n === t.number).map(([, s]) => s!))).toBeLessThan(7);
    // Every curve has the same shape, so only trials worse than the best complete one deserve pruning.
    const bestBase = Math.min(...complete.map((t) => t.params.base as number));
    for (const t of pruned) expect(t.params.base as number).toBeGreaterThan(bestBase);
  });
});
