import { describe, expect, it } from "vitest";
import { Rng } from "../math/rng.js";
import { type Distribution, type FrozenTrial, type ParamValue, makeTrial } from "../space/index.js";
import { importance, spearman } from "./importance.js";

const unit: Distribution = { type: "float", low: 0, high: 1 };
const colour = { type: "categorical", choices: ["red", "green", "blue"] } as const satisfies Distribution;

/**
 * f = 4·x1 + 2·sin(2π·x2) + bonus(c) + 0·x3 with independent uniform inputs and bonus(red, green,
 * blue) = (0, 1, 2). Var(4·x1) = 16/12 = 4/3, Var(2·sin) = 2, Var(bonus) = 2/3: total 4, so the
 * true variance fractions are x1 1/3, x2 1/2, c 1/6, x3 0.
 */
function additiveTrials(n: number, seed: number): FrozenTrial[] {
  const rng = new Rng(seed);
  const trials: FrozenTrial[] = [];
  for (let i = 0; i < n; i++) {
    const x1 = rng.uniform();
    const x2 = rng.uniform();
    const x3 = rng.uniform();
    const c = rng.integer(0, 2);
    const value = 4 * x1 + 2 * Math.sin(2 * Math.PI * x2) + c;
    trials.push(
      makeTrial({
        number: i,
        params: { x1, x2, x3, c: colour.choices[c] as ParamValue },
        distributions: { x1: unit, x2: unit, x3: unit, c: colour },
        values: [value],
      }),
    );
  }
  return trials;
}

const byName = (result: ReturnType<typeof importance>) => Object.fromEntries(result.params.map((p) => [p.name, p]));

describe("fANOVA importance", () => {
  it("recovers the analytic variance fractions of an additive function", () => {
    const result = importance(additiveTrials(1500, 7), { method: "fanova", seed: 1, nTrees: 24 });
    const p = byName(result);
    expect(result.method).toBe("fanova");
    expect(result.nTrials).toBe(1500);
    expect(p.x1!.importance).toBeCloseTo(1 / 3, 1);
    expect(Math.abs(p.x1!.importance - 1 / 3)).toBeLessThan(0.05);
    expect(Math.abs(p.x2!.importance - 1 / 2)).toBeLessThan(0.05);
    expect(Math.abs(p.c!.importance - 1 / 6)).toBeLessThan(0.05);
    expect(p.x3!.importance).toBeLessThan(0.03);
    expect(result.params.map((q) => q.name)).toEqual(["x2", "x1", "c", "x3"]);
    expect(result.params.reduce((s, q) => s + q.importance, 0)).toBeCloseTo(1, 10);
  });

  it("gives the same fractions whatever the objective's scale", () => {
    // Values of 1e-10 stopped every tree at its root (an absolute cutoff), 1e160 overflowed the squares: all 0.
    const trials = additiveTrials(200, 5);
    const at = (scale: number, shift = 0) =>
      importance(trials.map((t) => ({ ...t, values: [shift + scale * t.values![0]!] })), { method: "fanova", seed: 1, nTrees: 8 }).params.map((q) => [q.name, q.importance]);
    const reference = at(1);
    // 1 + 1e-12·f keeps only about four digits of f.
    for (const [scale, shift] of [[1e-10, 0], [1e160, 0], [1e-12, 1]] as const) {
      const got = at(scale, shift);
      expect(got.map(([name]) => name)).toEqual(reference.map(([name]) => name));
      got.forEach(([, share], i) => expect(Math.abs((share as number) - (reference[i]![1] as number))).toBeLessThan(0.01));
    }
  });

  it("shares the variance among the parameters when penalties of ±Number.MAX_VALUE are among the values", () => {
    // Their differences from the mean overflowed: every importance came out 0, summing to 0, not 1.
    const trials = additiveTrials(200, 5).map((t) => {
      const x1 = t.params.x1 as number;
      return { ...t, values: [x1 > 0.9 ? Number.MAX_VALUE : x1 < 0.1 ? -Number.MAX_VALUE : t.values![0]!] };
    });
    const result = importance(trials, { method: "fanova", seed: 1, nTrees: 8 });
    expect(result.params.reduce((s, q) => s + q.importance, 0)).toBeCloseTo(1, 10);
    expect(result.params[0]!.name).toBe("x1");
  });

  it("gives the sign of each effect beside its size", () => {
    const p = byName(importance(additiveTrials(600, 3), { nTrees: 8 }));
    expect(p.x1!.correlation).toBeGreaterThan(0.3);
    expect(Math.abs(p.x3!.correlation)).toBeLessThan(0.15);
    expect(p.c!.correlation).toBe(0);
    // On maximize the same data is the same importance: fANOVA does not care which end is good.
  });

  it("is deterministic under a seed and depends on it", () => {
    const trials = additiveTrials(300, 5);
    const a = importance(trials, { seed: 3, nTrees: 8 });
    expect(importance(trials, { seed: 3, nTrees: 8 })).toEqual(a);
    expect(importance(trials, { seed: 4, nTrees: 8 })).not.toEqual(a);
  });

  it("uses only complete trials, and only the parameters asked for", () => {
    const outside = { ...additiveTrials(1, 9)[0]!, number: 201 };
    const trials = [
      ...additiveTrials(200, 2),
      makeTrial({ number: 200, state: "failed", params: { x1: 0.5 }, distributions: { x1: unit } }),
      { ...outside, params: { ...outside.params, x1: 5 } },
    ];
    const result = importance(trials, { params: ["x1", "x2"], nTrees: 8 });
    expect(result.nTrials).toBe(200);
    expect(result.params.map((p) => p.name).sort()).toEqual(["x1", "x2"]);
  });

  it("gives every parameter 0 for a constant objective", () => {
    const trials = additiveTrials(50, 1).map((t) => ({ ...t, values: [1] }));
    expect(importance(trials, { nTrees: 4 }).params.every((p) => p.importance === 0)).toBe(true);
  });
});

describe("PED-ANOVA importance", () => {
  /**
   * f = max(x1, 4·x2) + 0·x3. Its best γ-fraction is the box x1 ≤ t, x2 ≤ t/4 with γ = t²/4, so
   * the top trials are uniform on [0, t] × [0, t/4] × [0, 1]. The Pearson divergence of uniform on
   * [0, w] from uniform on [0, 1] is (1 − w)/w; with γ = 0.1, t = √0.4, the importances are
   * proportional to (1 − t)/t and (1 − t/4)/(t/4), and 0 for x3.
   */
  it("matches the analytic importances of a function whose best region is a box", () => {
    const rng = new Rng(11);
    const trials: FrozenTrial[] = [];
    for (let i = 0; i < 20000; i++) {
      const [x1, x2, x3] = [rng.uniform(), rng.uniform(), rng.uniform()];
      trials.push(makeTrial({ number: i, params: { x1, x2, x3 }, distributions: { x1: unit, x2: unit, x3: unit }, values: [Math.max(x1, 4 * x2)] }));
    }
    const t = Math.sqrt(0.4);
    const v1 = (1 - t) / t;
    const v2 = (1 - t / 4) / (t / 4);
    const result = importance(trials, { method: "ped-anova" });
    const p = byName(result);
    expect(result.method).toBe("ped-anova");
    expect(Math.abs(p.x1!.importance - v1 / (v1 + v2))).toBeLessThan(0.03);
    expect(Math.abs(p.x2!.importance - v2 / (v1 + v2))).toBeLessThan(0.03);
    expect(p.x3!.importance).toBeLessThan(0.01);
    expect(p.x2!.correlation).toBeGreaterThan(0.5);
  });

  it("gives PED-ANOVA no importance for a constant objective, and sets tied values whole", () => {
    const unit = { type: "float", low: 0, high: 1 } as const;
    const rng = new Rng(5);
    const trials = Array.from({ length: 36 }, (_, i) => makeTrial({ number: i, params: { x: rng.uniform(), y: rng.uniform() }, distributions: { x: unit, y: unit }, values: [1] }));
    // The top set used to be whichever trials sorted first among equals: x 0.617, y 0.383.
    expect(importance(trials, { method: "ped-anova" }).params.map((p) => p.importance)).toEqual([0, 0]);
    // Two levels, x alone decides: the tied best half is one set, and x takes all the importance.
    const stepped = Array.from({ length: 40 }, (_, i) => {
      const [x, y] = [rng.uniform(), rng.uniform()];
      return makeTrial({ number: i, params: { x, y }, distributions: { x: unit, y: unit }, values: [x < 0.5 ? 0 : 1] });
    });
    const p = byName(importance(stepped, { method: "ped-anova" }));
    expect(p.x!.importance).toBeGreaterThan(0.9);
  });

  it("looks at the other end of the values when maximizing", () => {
    const rng = new Rng(2);
    const trials: FrozenTrial[] = [];
    // Only x1 decides who is worst; only x2 decides who is best.
    for (let i = 0; i < 4000; i++) {
      const [x1, x2] = [rng.uniform(), rng.uniform()];
      trials.push(makeTrial({ number: i, params: { x1, x2 }, distributions: { x1: unit, x2: unit }, values: [x2 < 0.1 ? -1 - x2 : x1] }));
    }
    expect(importance(trials, { method: "ped-anova", direction: "minimize" }).params[0]!.name).toBe("x2");
    expect(importance(trials, { method: "ped-anova", direction: "maximize" }).params[0]!.name).toBe("x1");
  });

  it("gives PED-ANOVA's discrete parameters no importance they do not have", () => {
    const rng = new Rng(3);
    const unit = { type: "float", low: 0, high: 1 } as const;
    const wide: Distribution = { type: "int", low: 1, high: 64 };
    const trials = Array.from({ length: 80 }, (_, i) => {
      const [x, k] = [rng.uniform(), rng.integer(1, 64)];
      return makeTrial({ number: i, params: { x, k, c: "red" }, distributions: { x: unit, k: wide, c: colour }, values: [(x - 0.5) ** 2] });
    });
    const p = byName(importance(trials, { method: "ped-anova" }));
    // k does nothing: its 64 values were counted raw for the 8 best trials, and it took 27-59 % of
    // the importance (more than x on some seeds). A constant c took 7 % from the smoothing alone.
    expect(p.x!.importance).toBeGreaterThan(0.9);
    expect(p.k!.importance).toBeLessThan(0.05);
    expect(p.c!.importance).toBeLessThan(1e-12);
  });

  it("handles categorical and small integer parameters as discrete", () => {
    const rng = new Rng(4);
    const trials: FrozenTrial[] = [];
    const small: Distribution = { type: "int", low: 1, high: 5 };
    for (let i = 0; i < 2000; i++) {
      const c = rng.integer(0, 2);
      const k = rng.integer(1, 5);
      trials.push(makeTrial({ number: i, params: { c: colour.choices[c] as ParamValue, k }, distributions: { c: colour, k: small }, values: [c === 1 ? 0 : 1 + rng.uniform()] }));
    }
    const p = byName(importance(trials, { method: "ped-anova", quantile: 0.2 }));
    expect(p.c!.importance).toBeGreaterThan(0.9);
  });
});

describe("importance of a study whose space changed between runs", () => {
  /** Trials of f = 4·x1 + 2·sin(2π·x2) + bonus(c), each run with its own distributions for x1 and c. */
  function run(n: number, seed: number, first: number, x1: Distribution, c: Distribution): FrozenTrial[] {
    return additiveTrials(n, seed).map((t, i) => {
      const x = (x1 as { low: number }).low + (t.params.x1 as number) * ((x1 as { high: number }).high - (x1 as { low: number }).low);
      return { ...t, number: first + i, params: { ...t.params, x1: x }, distributions: { ...t.distributions, x1, c } };
    });
  }

  it("analyses a range widened on resume over the span of both, with every trial", () => {
    // `sextant tune -p x1=float:0:1`, then resumed with x1=float:0:1.2: the trials before the
    // change used to be left out, and with one trial after it the analysis refused to run.
    const trials = [...run(60, 3, 0, unit, colour), ...run(1, 4, 60, { type: "float", low: 0, high: 1.2 }, colour)];
    const all = importance(trials, { nTrees: 16 });
    expect(all.nTrials).toBe(61);
    expect(all.params.map((p) => p.name).sort()).toEqual(["c", "x1", "x2", "x3"]);
    const asked = importance(trials, { params: ["x1"], nTrees: 4 });
    expect(asked.nTrials).toBe(61);
  });

  it("joins categorical choices, and int ranges on one grid only", () => {
    const more = { type: "categorical", choices: ["red", "green", "blue", "black"] } as const satisfies Distribution;
    const trials = [...run(40, 5, 0, unit, colour), ...run(20, 6, 40, unit, more)];
    expect(importance(trials, { nTrees: 8 }).params.map((p) => p.name)).toContain("c");
    const steps = (low: number, high: number, step: number): FrozenTrial[] =>
      [0, 1, 2, 3].map((k) => makeTrial({ number: low * 10 + k, params: { n: low + k * step }, distributions: { n: { type: "int", low, high, step } }, values: [k] }));
    expect(importance([...steps(0, 6, 2), ...steps(2, 8, 2)], { nTrees: 4 }).nTrials).toBe(8);
    // Offset grids (0, 2, 4, … and 1, 3, 5, …) hold no common grid: only the latest run's trials count.
    expect(importance([...steps(0, 6, 2), ...steps(1, 7, 2)], { params: ["n"], nTrees: 4 }).nTrials).toBe(4);
  });

  it("leaves out the trials that sampled a parameter on another scale", () => {
    const logScale: Distribution = { type: "float", low: 0.01, high: 1, log: true };
    const trials = [...run(30, 7, 0, unit, colour), ...run(30, 8, 30, logScale, colour)];
    // Shared by every trial with one scale: x2, x3 and c, not x1.
    expect(importance(trials, { nTrees: 8 }).params.map((p) => p.name).sort()).toEqual(["c", "x2", "x3"]);
    // Asked for, x1 is analysed as the latest trials have it, on their 30 trials.
    expect(importance(trials, { params: ["x1"], nTrees: 4 }).nTrials).toBe(30);
  });
});

describe("importance input checks", () => {
  const trials = additiveTrials(20, 1);
  it("names the field that is wrong", () => {
    expect(() => importance(trials, { method: "shap" as never })).toThrow(/method must be one of fanova, ped-anova/);
    expect(() => importance(trials, { params: ["nope"] })).toThrow(/params: no complete trial has a parameter named "nope"/);
    expect(() => importance(trials, { objectiveIndex: 2 })).toThrow(/objectiveIndex 2 is out of range/);
    expect(() => importance(trials, { method: "ped-anova", quantile: 1.5 })).toThrow(/quantile must be in \(0, 1\)/);
    expect(() => importance(trials.slice(0, 1))).toThrow(/at least 2 complete trials/);
  });

  it("says that no trial has all the parameters asked for, rather than that no trial has a value", () => {
    // Conditional parameters: `a` only in the even trials, `b` only in the odd ones, each trial with a value.
    const conditional = Array.from({ length: 10 }, (_, i) =>
      makeTrial({ number: i, params: i % 2 === 0 ? { a: i / 10 } : { b: i / 10 }, distributions: i % 2 === 0 ? { a: unit } : { b: unit }, values: [i] }),
    );
    expect(() => importance(conditional, { params: ["a", "b"] })).toThrow(
      "importance needs at least 2 complete trials with a finite value and every parameter of params (a, b), got 0 (of 10 complete trials with a finite value)",
    );
  });
});

describe("spearman", () => {
  it("matches hand-worked values, with ties", () => {
    expect(spearman([1, 2, 3], [10, 20, 15])).toBeCloseTo(0.5, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBe(0);
    // Ranks with ties: a = (0.5, 0.5, 2), b = (0, 1, 2) → r = √3/2.
    expect(spearman([5, 5, 7], [1, 2, 3])).toBeCloseTo(Math.sqrt(3) / 2, 12);
  });
});
