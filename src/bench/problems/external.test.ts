import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createSamplerByName, createStudy, Rng } from "../../index.js";
import { commandProblem, CommandProblemError, findSklearnPython, reportedValue } from "./command.js";
import { isAsyncProblem, ProblemInputError, randomProblemParams, suggestProblemParams, type AsyncProblem } from "./problem.js";
import { PROBLEM_REFERENCES } from "./references.js";
import { createLabProblem, createProblem, labProblemNames, problemNames } from "./registry.js";
import { SKLEARN_PROBLEMS } from "./sklearn.js";
import { NAMED_SUITES } from "../lab/named-suites.js";
import { describeYahpoScenario } from "../yahpo/index.js";
import { YAHPO_PROBLEM_SETS, yahpoHeldOutProblemNames } from "./yahpo.js";

// Opening a surrogate (WebAssembly compile) or starting Python takes seconds; on a loaded machine, more.
vi.setConfig({ testTimeout: 240_000 });

function asyncProblem(name: string): AsyncProblem {
  const problem = createLabProblem(name);
  if (!isAsyncProblem(problem)) throw new Error(`${name} is synchronous`);
  return problem;
}

describe("surrogate and command problems in the registry", () => {
  it("lists 24 YAHPO problems (14 and 10 held out) and 3 scikit-learn problems beside the synchronous ones, each with a stored reference", () => {
    // The surrogates evaluated per trial; "…-fidelity" runs LCBench over its epochs (budgeted.test.ts).
    const surrogate = labProblemNames(["surrogate"]).filter((n) => !n.endsWith("-fidelity"));
    expect(labProblemNames(["surrogate"]).filter((n) => n.endsWith("-fidelity"))).toEqual(["yahpo-lcbench-3945-fidelity"]);
    expect(surrogate).toHaveLength(24);
    expect(surrogate).toHaveLength(YAHPO_PROBLEM_SETS.reduce((n, s) => n + s.instanceCount + s.heldOutInstances.length, 0));
    expect(surrogate.filter((n) => n.startsWith("yahpo-lcbench-"))).toEqual([
      ...["yahpo-lcbench-3945", "yahpo-lcbench-7593", "yahpo-lcbench-34539", "yahpo-lcbench-126025", "yahpo-lcbench-126026"],
      ...["yahpo-lcbench-167168", "yahpo-lcbench-167181", "yahpo-lcbench-167184"],
    ]);
    // The held-out suite is exactly the held-out instances, none of them among the first ones.
    expect(NAMED_SUITES["surrogates-heldout"]).toEqual(yahpoHeldOutProblemNames());
    for (const set of YAHPO_PROBLEM_SETS) {
      const first = describeYahpoScenario(set.scenario).instances.slice(0, set.instanceCount);
      for (const instance of set.heldOutInstances) {
        expect(first).not.toContain(instance);
        expect(describeYahpoScenario(set.scenario).instances).toContain(instance);
      }
    }
    expect(labProblemNames(["real-command"])).toEqual(SKLEARN_PROBLEMS.map((p) => p.name));
    expect(labProblemNames(["surrogate", "conditional"])).toEqual(
      ["16", "40923", "41143", "470", "1487", "40499"].map((instance) => `yahpo-rbv2_xgboost-${instance}`),
    );
    expect(problemNames()).not.toContain("yahpo-lcbench-3945");
    const budgeted = [...labProblemNames(["multi-fidelity"]).filter((n) => n.endsWith("-fidelity")), ...labProblemNames(["multi-objective"])];
    expect(labProblemNames()).toEqual([...problemNames(), ...surrogate, ...labProblemNames(["real-command"]), ...budgeted]);
    for (const name of [...surrogate, ...labProblemNames(["real-command"])]) {
      const problem = asyncProblem(name);
      expect(problem.optimum).toBe(PROBLEM_REFERENCES[name]!.best);
      expect(problem.optimumKind).toMatch(/^best of \d+ random configurations \(seed \d+\)$/);
      expect(problem.dimension).toBe(Object.keys(problem.space).length);
      expect(PROBLEM_REFERENCES[name]!.median).toBeGreaterThan(problem.optimum);
    }
    expect(() => createProblem("yahpo-lcbench-3945")).toThrow(/evaluates asynchronously; create it with createLabProblem/);
    expect(() => createLabProblem("yahpo-lcbench-1")).toThrow(/problem "yahpo-lcbench-1" is unknown/);
    expect(() => createLabProblem("yahpo-lcbench-3945", { seed: -2 })).toThrow(/seed/);
    expect(isAsyncProblem(createLabProblem("branin-2d"))).toBe(false);
  });

  it("minimizes the negated main target at the full budget, exposes the fidelity, and evaluates curves in one go", async () => {
    const lcbench = asyncProblem("yahpo-lcbench-3945");
    expect(lcbench.fidelity).toEqual({ name: "epoch", min: 1, max: 52, integer: true });
    expect(lcbench.description).toBe("-val_accuracy of YAHPO lcbench on instance 3945 at epoch 52");
    const params = { batch_size: 91, learning_rate: 0.0031622777, momentum: 0.545, weight_decay: 0.050005, num_layers: 3, max_units: 256, max_dropout: 0.5 };
    const full = await lcbench.evaluate(params);
    expect(full).toBeCloseTo(-93.3988, 3);
    expect(await lcbench.evaluate(params, 52)).toBe(full);
    const curve = await lcbench.evaluateCurve(params, [1, 10, 52]);
    expect(curve[2]).toBe(full);
    expect(curve[0]!).toBeGreaterThan(curve[2]!); // one epoch is worse than 52
    await expect(lcbench.evaluate({ ...params, num_layers: 9 })).rejects.toThrow(ProblemInputError);
    await expect(lcbench.evaluate({ ...params, num_layers: 9 })).rejects.toThrow(/yahpo-lcbench-3945: parameter "num_layers" = 9 is outside \[1, 5\]/);
    await expect(lcbench.evaluate(params, 60)).rejects.toThrow(/fidelity "epoch" = 60 is outside/);
    expect(await lcbench.unavailableReason()).toBeUndefined();

    const glmnet = asyncProblem("yahpo-iaml_glmnet-40981");
    expect(glmnet.description).toBe("mmce of YAHPO iaml_glmnet on instance 40981 at trainsize 1");
    expect(await glmnet.evaluate({ alpha: 0.5, s: 0.316 })).toBeGreaterThan(0);
  });

  it("has references that random configurations rarely beat (seeded draws, none of 200 does)", async () => {
    for (const name of ["yahpo-rbv2_xgboost-41143", "yahpo-rbv2_rpart-4135"]) {
      const problem = asyncProblem(name);
      const rng = new Rng(`beat/${name}`);
      const values = await Promise.all(Array.from({ length: 200 }, () => problem.evaluate(randomProblemParams(problem, rng))));
      expect(Math.min(...values), name).toBeGreaterThanOrEqual(problem.optimum);
      expect(values.some((v) => v < PROBLEM_REFERENCES[name]!.median)).toBe(true);
    }
  });
});

describe("a study on a surrogate problem", () => {
  it("runs with only the active parameters of a conditional space suggested, concurrently too, deterministically per seed", async () => {
    const problem = asyncProblem("yahpo-rbv2_xgboost-41143");
    const run = async (nTrials: number, concurrency: number) => {
      const study = await createStudy({ direction: "minimize", sampler: createSamplerByName("tpe", { seed: 5 }) });
      await study.optimize(async (trial) => problem.evaluate(suggestProblemParams(problem, trial)), { nTrials, concurrency });
      return study.trials.map((t) => t.values?.[0]);
    };
    const concurrent = await run(16, 4);
    expect(concurrent.every((v) => typeof v === "number" && v >= problem.optimum)).toBe(true);
    const first = await run(8, 1);
    expect(await run(8, 1)).toEqual(first);
  });
});

describe("command problems", () => {
  const dir = mkdtempSync(join(tmpdir(), "sextant-command-problem-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, "objective.mjs");
  writeFileSync(
    script,
    [
      "const p = JSON.parse(process.argv[2]);",
      "if (p.x > 3) { console.error('x too large for this program'); process.exit(3); }",
      "if (p.x < -3) { console.log('no value here'); process.exit(0); }",
      "console.log('training…');",
      "console.log('sextant: ' + JSON.stringify({ value: (p.x - 1) ** 2 + (p.kind === 'b' ? 0.5 : 0) + (p.y ?? 0) }));",
    ].join("\n"),
  );
  const problem = commandProblem({
    name: "toy",
    description: "a toy command",
    space: { kind: { type: "categorical", choices: ["a", "b"] }, x: { type: "float", low: -5, high: 5 }, y: { type: "int", low: 0, high: 3 } },
    conditions: { y: { parent: "kind", values: ["b"] } },
    reference: { value: 0, kind: "known minimum" },
    tags: ["real-command"],
    program: async () => ({ argv: [process.execPath, script, "{params}"] }),
  });

  it("runs the program with the active parameters as JSON and reads its sextant line", async () => {
    expect(await problem.evaluate({ kind: "a", x: 1 })).toBe(0);
    expect(await problem.evaluate({ kind: "b", x: 2, y: 2 })).toBe(3.5);
    expect(await problem.evaluateNoiseless({ kind: "a", x: 0 })).toBe(1);
    expect(await problem.unavailableReason()).toBeUndefined();
  });

  it("names bad parameters, and reports a failing or silent program", async () => {
    await expect(problem.evaluate({ kind: "a", x: 1, y: 1 })).rejects.toThrow(/toy: parameter "y" is inactive here/);
    await expect(problem.evaluate({ kind: "b", x: 1 })).rejects.toThrow(/toy: parameter "y" is missing/);
    await expect(problem.evaluate({ kind: "c", x: 1 })).rejects.toThrow(/parameter "kind" must be one of/);
    await expect(problem.evaluate({ kind: "a", x: 1, z: 0 })).rejects.toThrow(/parameter "z" is unknown/);
    await expect(problem.evaluate({ kind: "a", x: 1 }, 3)).rejects.toThrow(/fidelity: this problem has none/);
    await expect(problem.evaluate({ kind: "a", x: 4 })).rejects.toThrow(CommandProblemError);
    await expect(problem.evaluate({ kind: "a", x: 4 })).rejects.toThrow(/exit code 3.*x too large/s);
    await expect(problem.evaluate({ kind: "a", x: -4 })).rejects.toThrow(/reported no finite value/);
  });

  it("says why a problem cannot run, and fails its evaluations with that reason", async () => {
    const missing = commandProblem({
      name: "needs-r",
      description: "",
      space: { x: { type: "float", low: 0, high: 1 } },
      reference: { value: 0, kind: "" },
      tags: ["real-command"],
      program: async () => ({ unavailable: "no R found" }),
    });
    expect(await missing.unavailableReason()).toBe("no R found");
    await expect(missing.evaluate({ x: 0.5 })).rejects.toThrow(/needs-r cannot run here: no R found/);
  });

  it("reads the last sextant line, or a bare number on the last line", () => {
    expect(reportedValue('sextant: {"value": 1}\nsextant: {"value": 2}\n')).toBe(2);
    expect(reportedValue("epoch 1\n0.25\n")).toBe(0.25);
    expect(reportedValue("nan\n")).toBeUndefined();
    expect(reportedValue('sextant: {"step": 1, "value": 3}\n')).toBeUndefined();
  });
});

describe("scikit-learn problems", () => {
  it("report a missing Python clearly", async () => {
    const saved = process.env.SEXTANT_PYTHON;
    process.env.SEXTANT_PYTHON = "/nonexistent/python3";
    try {
      const found = await findSklearnPython();
      expect("unavailable" in found && found.unavailable).toMatch(/no Python with scikit-learn \(tried \/nonexistent\/python3; set SEXTANT_PYTHON, or install python3-sklearn\)/);
    } finally {
      if (saved === undefined) delete process.env.SEXTANT_PYTHON;
      else process.env.SEXTANT_PYTHON = saved;
    }
  });
});
