import { describe, expect, it } from "vitest";
import { BracketSchedule, type BracketJob, hyperbandBrackets } from "./bracket-schedule.js";

/** Runs jobs one at a time, each configuration's value at any step being `valueOf(config)`; returns the jobs in order. */
function runSequentially(schedule: BracketSchedule, jobs: number, valueOf: (config: number) => number): { done: BracketJob[]; stopped: number[] } {
  const done: BracketJob[] = [];
  const stopped: number[] = [];
  for (let i = 0; i < jobs; i++) {
    const job = schedule.next();
    done.push(job);
    stopped.push(...schedule.report(job.config, valueOf(job.config)).stopped);
  }
  return { done, stopped };
}

describe("Hyperband's brackets (Li et al. 2018, Algorithm 1)", () => {
  it("lays out the paper's Table 1 for R = 81, η = 3", () => {
    expect(hyperbandBrackets(1, 81, 3)).toEqual([
      { halvings: 4, sizes: [81, 27, 9, 3, 1], steps: [1, 3, 9, 27, 81] },
      { halvings: 3, sizes: [34, 11, 3, 1], steps: [3, 9, 27, 81] },
      { halvings: 2, sizes: [15, 5, 1], steps: [9, 27, 81] },
      { halvings: 1, sizes: [8, 2], steps: [27, 81] },
      { halvings: 0, sizes: [5], steps: [81] },
    ]);
  });

  it("rounds the rung steps of R·η^(i−s) when R is not a power of η, and ends every bracket at R", () => {
    expect(hyperbandBrackets(1, 52, 3).map((b) => b.steps)).toEqual([
      [2, 6, 17, 52],
      [6, 17, 52],
      [17, 52],
      [52],
    ]);
  });
});

describe("BracketSchedule: synchronous successive halving", () => {
  it("trains a whole rung before resuming anyone, then keeps exactly the best ⌊n/η⌋ whatever their order", () => {
    const schedule = new BracketSchedule({ maxResource: 27, brackets: "successive-halving" });
    // Later configurations are better, as a sampler's concentrated proposals would be.
    const { done, stopped } = runSequentially(schedule, 27, (c) => -c);
    expect(done.every((j) => j.isNew && j.rung === 0 && j.from === 0 && j.until === 1)).toBe(true);
    expect(stopped.sort((a, b) => a - b)).toEqual(Array.from({ length: 18 }, (_, i) => i));
    const resumed = runSequentially(schedule, 9, (c) => -c).done;
    expect(resumed.map((j) => j.config)).toEqual([26, 25, 24, 23, 22, 21, 20, 19, 18]);
    expect(resumed.every((j) => !j.isNew && j.rung === 1 && j.from === 1 && j.until === 3 && !j.final)).toBe(true);
  });

  it("runs a bracket to R and completes exactly its last rung, then starts the next bracket", () => {
    const schedule = new BracketSchedule({ maxResource: 27, brackets: "successive-halving" });
    const { done, stopped } = runSequentially(schedule, 27 + 9 + 3 + 1, (c) => (c * 7) % 27);
    const final = done.filter((j) => j.final);
    // (c·7) mod 27 is 0 at c = 0: the best configuration goes all the way.
    expect(final).toEqual([{ config: 0, bracket: 0, rung: 3, from: 9, until: 27, isNew: false, final: true }]);
    expect(stopped).toHaveLength(26);
    expect(done.reduce((steps, j) => steps + j.until - j.from, 0)).toBe(27 + 9 * 2 + 3 * 6 + 18);
    expect(schedule.next()).toMatchObject({ config: 27, bracket: 1, rung: 0, isNew: true });
  });

  it("cycles through Hyperband's brackets, most aggressive first", () => {
    const schedule = new BracketSchedule({ maxResource: 9, reductionFactor: 3 });
    const firsts: BracketJob[] = [];
    for (let i = 0; i < 200 && firsts.length < 4; i++) {
      const job = schedule.next();
      if (job.isNew && (firsts.length === 0 || firsts[firsts.length - 1]!.bracket !== job.bracket)) firsts.push(job);
      schedule.report(job.config, job.config % 5);
    }
    expect(firsts.map((j) => j.until)).toEqual([1, 3, 9, 1]);
  });

  it("ranks for maximisation, puts NaN last and breaks ties by the earlier configuration", () => {
    const schedule = new BracketSchedule({ maxResource: 3, reductionFactor: 3, brackets: "successive-halving", direction: "maximize" });
    const values = [Number.NaN, 2, 2];
    const { stopped } = runSequentially(schedule, 3, (c) => values[c]!);
    expect(stopped.sort()).toEqual([0, 2]);
    expect(schedule.next()).toMatchObject({ config: 1, from: 1, until: 3, final: true });
  });

  it("hands out a waiting rung's jobs to other workers by opening the next bracket", () => {
    const schedule = new BracketSchedule({ maxResource: 3, reductionFactor: 3, brackets: "successive-halving" });
    const jobs = [schedule.next(), schedule.next(), schedule.next()];
    expect(jobs.map((j) => [j.config, j.bracket])).toEqual([[0, 0], [1, 0], [2, 0]]);
    // Bracket 0's rung 0 is all out and not reported: a fourth worker starts bracket 1.
    expect(schedule.next()).toMatchObject({ config: 3, bracket: 1, rung: 0 });
    for (const j of jobs) schedule.report(j.config, j.config);
    // Bracket 0 is older, so its promotion comes first.
    expect(schedule.next()).toMatchObject({ config: 0, bracket: 0, rung: 1, final: true });
    expect(() => schedule.report(2, 0)).toThrow(/no job running/);
  });

  it("with weights, starts each layout its weight's share of the brackets, furthest behind first", () => {
    /** The first rung step of each new bracket, over the first `count` brackets, under `weights`. */
    const firstSteps = (weights: readonly number[] | undefined, count: number) => {
      const schedule = new BracketSchedule({ maxResource: 9, reductionFactor: 3 });
      const steps: number[] = [];
      let lastBracket = -1;
      for (let i = 0; i < 2000 && steps.length < count; i++) {
        const job = schedule.next(weights);
        if (job.bracket !== lastBracket && job.isNew && job.rung === 0) steps.push(job.until);
        lastBracket = job.bracket;
        schedule.report(job.config, job.config % 5);
      }
      return steps;
    };
    // Equal weights are Algorithm 1's cycle, most aggressive first.
    expect(firstSteps([1, 1, 1], 6)).toEqual(firstSteps(undefined, 6));
    expect(firstSteps([1, 1, 1], 6)).toEqual([1, 3, 9, 1, 3, 9]);
    // A first rung that ranks no better than chance gets no bracket; weight 2 : 0 : 1 → two of three at step 1.
    expect(firstSteps([0, 0, 1], 3)).toEqual([9, 9, 9]);
    expect(firstSteps([2, 0, 1], 6)).toEqual([1, 9, 1, 1, 9, 1]);
    const schedule = new BracketSchedule({ maxResource: 9, reductionFactor: 3 });
    expect(() => schedule.next([1, 1])).toThrow(/3 numbers/);
    expect(() => schedule.next([0, 0, 0])).toThrow(/at least one positive/);
    expect(() => schedule.next([1, Number.NaN, 1])).toThrow(/weights/);
  });

  it("validates its options", () => {
    expect(() => new BracketSchedule({ maxResource: 0 })).toThrow(/maxResource/);
    expect(() => new BracketSchedule({ maxResource: 9, minResource: 10 })).toThrow(/exceeds/);
    expect(() => new BracketSchedule({ maxResource: 9, brackets: "bogus" as "hyperband" })).toThrow(/brackets/);
  });
});
