import { describe, expect, it } from "vitest";
import { createLabProblem, isFidelityProblem, isMultiObjectiveProblem, labProblemNames } from "../problems/index.js";
import { PROBLEM_GROUPS, problemGroups, splitStratum } from "./groups.js";
import { NAMED_SUITES, SPLIT_STRATA, SUITE_OPTIMIZERS, SUITES } from "./index.js";
import { parseOptimizerSpec } from "./optimizers.js";

describe("the carps split", () => {
  it("is disjoint, names known problems, and puts every report group on both sides", () => {
    const known = new Set(labProblemNames());
    const dev = SUITES.dev!;
    const test = SUITES.test!;
    expect(dev.filter((p) => test.includes(p))).toEqual([]);
    for (const p of [...dev, ...test]) expect(known.has(p), p).toBe(true);
    for (const { name } of PROBLEM_GROUPS) {
      expect(dev.filter((p) => problemGroups(p).includes(name)).length, `dev: ${name}`).toBeGreaterThan(0);
      expect(test.filter((p) => problemGroups(p).includes(name)).length, `test: ${name}`).toBeGreaterThan(0);
    }
  });

  it("holds single-objective problems only, with the strata the split saw", () => {
    for (const p of [...SUITES.dev!, ...SUITES.test!]) {
      const problem = createLabProblem(p);
      expect(isFidelityProblem(problem) || isMultiObjectiveProblem(problem), p).toBe(false);
      expect(problem.tags).not.toContain("real-command");
      expect(SPLIT_STRATA[p]).toBe(splitStratum(p));
    }
  });
});

describe("named suites", () => {
  it("give problems of the right kind and default optimizers that parse", () => {
    for (const p of SUITES.pruning!) expect(isFidelityProblem(createLabProblem(p)), p).toBe(true);
    for (const p of SUITES.multiobjective!) expect(isMultiObjectiveProblem(createLabProblem(p)), p).toBe(true);
    for (const [suite, optimizers] of Object.entries(SUITE_OPTIMIZERS)) {
      expect(SUITES[suite], suite).toBeDefined();
      for (const o of optimizers) expect(() => parseOptimizerSpec(o), o).not.toThrow();
    }
    // Every named suite but smoke has default optimizers; an alias has those of its suite.
    for (const suite of Object.keys(NAMED_SUITES)) if (suite !== "smoke") expect(SUITE_OPTIMIZERS[suite], suite).toBeDefined();
    expect(SUITE_OPTIMIZERS.samplers7).toEqual(SUITE_OPTIMIZERS.samplers);
  });

  it("groups problems by their tags, a problem possibly in several", () => {
    expect(problemGroups("styblinski_tang-20d-noisy")).toEqual(["noisy", "20 or more dimensions"]);
    expect(problemGroups("hartmann6-6d-heavy-tailed")).toEqual(["heavy-tailed"]);
    expect(problemGroups("rosenbrock-50d")).toEqual(["noiseless synthetic", "20 or more dimensions"]);
    expect(problemGroups("yahpo-rbv2_xgboost-16")).toEqual(["YAHPO surrogate"]);
    expect(problemGroups("levy-5d-int")).toEqual(["mixed or conditional"]);
    expect(splitStratum("rosenbrock-50d")).toBe("noiseless synthetic, 20 or more dimensions");
  });
});
