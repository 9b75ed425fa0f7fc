// Real-command problems run through Python with scikit-learn (Debian's python3-sklearn); skipped
// with the reason where no such Python is found.
import { describe, expect, it } from "vitest";
import { createLabProblem, isAsyncProblem } from "../src/bench/problems/index.js";

describe("scikit-learn problems", () => {
  it("evaluate a configuration deterministically where Python with scikit-learn exists", async (context) => {
    const problem = createLabProblem("sklearn-knn-iris");
    if (!isAsyncProblem(problem)) throw new Error("sklearn-knn-iris is synchronous");
    const reason = await problem.unavailableReason();
    if (reason !== undefined) context.skip(reason);
    const params = { n_neighbors: 5, weights: "uniform", p: 2 };
    const value = await problem.evaluate(params);
    expect(value).toBeCloseTo(0.0466667, 6);
    expect(value).toBeGreaterThanOrEqual(problem.optimum);
  });

  it("run the conditional SVC problem with only the active parameters", async (context) => {
    const problem = createLabProblem("sklearn-svc-digits");
    if (!isAsyncProblem(problem)) throw new Error("sklearn-svc-digits is synchronous");
    const reason = await problem.unavailableReason();
    if (reason !== undefined) context.skip(reason);
    const value = await problem.evaluate({ kernel: "linear", C: 0.1 });
    expect(value).toBeGreaterThan(0);
    expect(value).toBeLessThan(0.1);
  });
});
