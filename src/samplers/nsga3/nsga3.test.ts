import { describe, expect, it } from "vitest";
import { hypervolume } from "../../analysis/index.js";
import { MULTIOBJECTIVE_PROBLEMS } from "../../bench/multiobjective.js";
import { Rng } from "../../math/rng.js";
import { type JsonValue, makeSamplingTrial, makeSnapshot, makeTrial } from "../../space/index.js";
import { createStudy } from "../../study/index.js";
import { RandomSampler } from "../random.js";
import { createSamplerByName } from "../registry.js";
import { NSGAIIISampler, countReferenceDirections, dasDennisDirections, defaultDivisions, referenceDirectionSurvival } from "./index.js";

describe("Das–Dennis reference directions", () => {
  it("lists the simplex lattice", () => {
    expect(dasDennisDirections(3, 2).map((d) => Array.from(d))).toEqual([
      [0, 0, 1],
      [0, 0.5, 0.5],
      [0, 1, 0],
      [0.5, 0, 0.5],
      [0.5, 0.5, 0],
      [1, 0, 0],
    ]);
  });

  it("has C(H + M − 1, M − 1) directions, each summing to 1", () => {
    for (const [m, h, count] of [[3, 12, 91], [5, 6, 210], [2, 4, 5], [1, 3, 1]] as const) {
      const directions = dasDennisDirections(m, h);
      expect(directions).toHaveLength(count);
      expect(countReferenceDirections(m, h)).toBe(count);
      for (const d of directions) expect(d.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });

  it("sizes the default divisions to the population", () => {
    expect(defaultDivisions(3, 91)).toBe(12);
    expect(defaultDivisions(3, 92)).toBe(13);
    expect(defaultDivisions(1, 50)).toBe(1);
  });

  it("names a bad division count", () => {
    expect(() => dasDennisDirections(3, 0)).toThrow(/referenceDivisions must be an integer >= 1/);
  });
});

describe("referenceDirectionSurvival", () => {
  it("fills empty reference lines first, with the point nearest each", () => {
    const losses = [
      [0.5, 0.45, 0.05],
      [1, 0, 0],
      [0.48, 0.5, 0.02],
      [0, 1, 0],
      [0.52, 0.48, 0],
      [0, 0, 1],
    ].map((p) => Float64Array.from(p));
    const survive = referenceDirectionSurvival(dasDennisDirections(3, 2));
    for (const seed of [1, 2, 3]) {
      const survivors = survive({ losses, violations: losses.map(() => 0) }, 4, new Rng(seed));
      // The three extremes and, of the cluster around (½, ½, 0), the point nearest that line:
      // (0.48, 0.5, 0.02) is 0.024 from it, (0.52, 0.48, 0) 0.028, (0.5, 0.45, 0.05) 0.061.
      expect([...survivors.chosen].sort()).toEqual([1, 2, 3, 5]);
      expect(survivors.rank).toEqual([0, 0, 0, 0]);
    }
  });

  it("keeps feasible points ahead of infeasible ones", () => {
    const losses = [[0, 0, 0], [1, 1, 1], [2, 2, 0]].map((p) => Float64Array.from(p));
    const survivors = referenceDirectionSurvival(dasDennisDirections(3, 2))({ losses, violations: [1, 0, 0] }, 2, new Rng(1));
    expect([...survivors.chosen].sort()).toEqual([1, 2]);
  });
});

/**
 * How often each of a finished generation 0 (`values`, optional `constraints`) is chosen as a parent
 * of generation 1, as a share of the 2 · `asks` parent slots of as many new trials.
 */
function parentShares(values: number[][], constraints: (number[] | null)[] = values.map(() => null), asks = 3000): number[] {
  const trials = values.map((v, number) =>
    makeTrial({
      number,
      values: v,
      params: { x: (number + 0.5) / values.length },
      distributions: { x: { type: "float", low: 0, high: 1 } },
      systemAttrs: { "nsga3:generation": 0, ...(constraints[number] ? { constraints: constraints[number] as JsonValue } : {}) },
    }),
  );
  const snapshot = makeSnapshot(trials, { directions: ["minimize", "minimize"] });
  const sampler = new NSGAIIISampler({ seed: 1, populationSize: values.length });
  const counts = values.map(() => 0);
  for (let k = 0; k < asks; k++) {
    const trial = makeSamplingTrial(values.length + k);
    sampler.sampleRelative(snapshot, trial, sampler.inferRelativeSpace(snapshot, trial));
    for (const parent of trial.notes["nsga3:parents"] as number[]) counts[parent]!++;
  }
  return counts.map((c) => c / (2 * asks));
}

describe("NSGAIIISampler", () => {
  it("draws parents at random among the survivors, whatever their front (Deb and Jain 2014, part I)", () => {
    // A and B on front 0, C on front 1, D on front 2. NSGA-II's rank tournament would give about
    // 0.42, 0.42, 0.17 and 0 (D loses every pairing); here each is a quarter.
    const shares = parentShares([[0, 1], [1, 0], [1, 1.5], [2, 2]]);
    for (const share of shares) expect(share).toBeCloseTo(0.25, 1);
    expect(Math.max(...shares) - Math.min(...shares)).toBeLessThan(0.04);
    // The draws come from the seed, the generation and the trial number: a second sampler repeats them.
    expect(parentShares([[0, 1], [1, 0], [1, 1.5], [2, 2]])).toEqual(shares);
  });

  it("with constraints, prefers the feasible parent, then the smaller violation (Jain and Deb 2014, part II)", () => {
    // B and D feasible (D dominated by B), A infeasible by 0.5, C by 2. Of the six pairs each is
    // drawn with chance 1/6: B and D win 2.5 of them each, A one (against C), C none. NSGA-II's
    // rank tournament would give B, which dominates D, a half and D a third.
    const shares = parentShares([[0, 1], [1, 0], [1, 1.5], [2, 2]], [[0.5], [-1], [2], [-1]]);
    const expected = [1 / 6, 5 / 12, 0, 5 / 12];
    shares.forEach((share, i) => expect(Math.abs(share - expected[i]!)).toBeLessThan(0.03));
  });

  it("refuses referenceDivisions that would make millions of directions, naming the option, instead of hanging", () => {
    // C(65, 5) = 8,259,888 directions for 6 objectives and 60 divisions: the study hung building them.
    expect(() => dasDennisDirections(6, 60)).toThrow(/option "referenceDivisions" 60 makes 8259888 reference directions for 6 objectives; at most 1000000: give referenceDivisions 38 or fewer/);
    expect(dasDennisDirections(3, 100)).toHaveLength(countReferenceDirections(3, 100));
  });

  it("is registered and checks its options", () => {
    expect(createSamplerByName("nsga3", { seed: 1, "reference-divisions": "4" })).toMatchObject({ name: "nsga3", referenceDivisions: 4 });
    expect(() => createSamplerByName("nsga3", { referenceDivisions: "0" })).toThrow(/referenceDivisions/);
    expect(() => new NSGAIIISampler({ referenceDivisions: 1.5 })).toThrow(/referenceDivisions must be an integer >= 1/);
  });

  it("beats random search's hypervolume on DTLZ2 (6-D, 3 objectives) over three seeds", async () => {
    const reached = async (sampler: NSGAIIISampler | RandomSampler) => {
      const study = await createStudy({ directions: ["minimize", "minimize", "minimize"], sampler });
      await study.optimize((t) => MULTIOBJECTIVE_PROBLEMS.dtlz2!.evaluate(Array.from({ length: 6 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1))), { nTrials: 400 });
      return hypervolume(study.trials.filter((t) => t.values !== null).map((t) => t.values!), [1.1, 1.1, 1.1]);
    };
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[1]!;
    const nsga: number[] = [];
    const random: number[] = [];
    for (const seed of [0, 1, 2]) {
      nsga.push(await reached(new NSGAIIISampler({ seed, populationSize: 16 })));
      random.push(await reached(new RandomSampler({ seed })));
    }
    // The maximum is 1.1³ − π/6 (the unit sphere's octant removed from the reference box).
    const best = 1.1 ** 3 - Math.PI / 6;
    expect(best - median(nsga)).toBeLessThan(0.75 * (best - median(random)));
  }, 120_000);

  it("works with two objectives and with one", async () => {
    for (const directions of [["minimize", "minimize"], ["maximize"]] as const) {
      const study = await createStudy({ directions: [...directions], sampler: new NSGAIIISampler({ seed: 3, populationSize: 8 }) });
      await study.optimize((t) => {
        const x = t.suggestFloat("x", 0, 1);
        return directions.length === 2 ? [x, 1 - x * x] : [x];
      }, { nTrials: 40 });
      expect(study.trials.filter((t) => t.systemAttrs["nsga3:parents"] !== undefined).length).toBeGreaterThan(20);
    }
  });
});
