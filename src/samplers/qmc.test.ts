import { describe, expect, it } from "vitest";
import { haltonPoint } from "../math/halton.js";
import { sobolPoint } from "../math/sobol.js";
import {
  type Distribution,
  type SearchSpace,
  type StudySnapshot,
  SpaceEncoder,
  containsValue,
  makeSamplingTrial,
  makeSnapshot,
  makeTrial,
} from "../space/index.js";
import { type Trial, createStudy } from "../study/index.js";
import { HaltonSampler, QMC_SPACE_ATTR, SobolSampler, createHaltonSamplerFromOptions, createSobolSamplerFromOptions } from "./qmc.js";
import { RandomSampler } from "./random.js";

const x: Distribution = { type: "float", low: -5, high: 5 };
const y: Distribution = { type: "float", low: 1e-3, high: 10, log: true };

const kinds = [
  { name: "sobol", make: (o: { seed?: number; scramble?: boolean }) => new SobolSampler(o), point: sobolPoint },
  { name: "halton", make: (o: { seed?: number; scramble?: boolean }) => new HaltonSampler(o), point: haltonPoint },
] as const;

function objective(trial: Trial): number {
  return trial.suggest("x", x) as number + Math.log(trial.suggest("y", y) as number);
}

describe.each(kinds)("$name sampler", ({ name, make, point }) => {
  it("samples trial 0 at random and gives trial k point k of the sequence over the first trial's space", async () => {
    const study = await createStudy({ sampler: make({ seed: 3 }) });
    await study.optimize(objective, { nTrials: 12 });
    const random = new RandomSampler({ seed: 3 });
    expect(study.trials[0]!.params.x).toBe(random.sampleIndependent(makeSnapshot([]), makeSamplingTrial(0), "x", x));
    const encoder = new SpaceEncoder({ x, y });
    for (const trial of study.trials.slice(1)) {
      expect(trial.params).toEqual(encoder.decode(point(trial.number, 2, { seed: 3, scramble: true })));
    }
    expect(study.systemAttrs[QMC_SPACE_ATTR]).toEqual({ x, y });
  });

  it("spreads points evenly: each coordinate is stratified, unlike independent draws", async () => {
    const study = await createStudy({ sampler: make({ seed: 11 }) });
    const unit = { type: "float" as const, low: 0, high: 1 };
    await study.optimize((trial) => trial.suggest("a", unit) as number + (trial.suggest("b", unit) as number), { nTrials: 82 });
    // Points 1..81: for base 2 and base 3 sequences alike, any 4 equal bins get 20 or 21 points, off by at most a couple.
    for (const param of ["a", "b"]) {
      const bins = [0, 0, 0, 0];
      for (const trial of study.trials.slice(1)) bins[Math.min(3, Math.floor((trial.params[param] as number) * 4))]!++;
      expect(Math.max(...bins) - Math.min(...bins)).toBeLessThanOrEqual(2);
    }
  });

  it("stratifies categorical choices as well", async () => {
    const study = await createStudy({ sampler: make({ seed: 4 }) });
    const choices: Distribution = { type: "categorical", choices: ["a", "b", "c", "d"] };
    await study.optimize((trial) => (trial.suggest("x", x) as number) + (trial.suggest("c", choices) === "a" ? 1 : 0), { nTrials: 65 });
    const counts = new Map<unknown, number>();
    for (const trial of study.trials.slice(1)) counts.set(trial.params.c, (counts.get(trial.params.c) ?? 0) + 1);
    expect([...counts.values()].every((n) => n >= 15 && n <= 17)).toBe(true);
  });

  it("takes its space from the first trial even when that trial was pruned", () => {
    const snapshot = makeSnapshot([
      makeTrial({ number: 0, state: "pruned", params: { x: 1 }, distributions: { x } }),
      makeTrial({ number: 1, params: { x: 1, y: 1 }, distributions: { x, y }, values: [1] }),
    ]);
    expect(make({ seed: 1 }).inferRelativeSpace(snapshot, makeSamplingTrial(2))).toEqual({ x });
  });

  it("is deterministic under a seed and independent of which worker asks", () => {
    const history = [
      makeTrial({ number: 0, params: { x: 1, y: 1 }, distributions: { x, y }, values: [1] }),
      makeTrial({ number: 1, params: { x: 2, y: 2 }, distributions: { x, y }, values: [2] }),
    ];
    const snapshot = makeSnapshot(history);
    const suggest = (sampler: SobolSampler | HaltonSampler, number: number): Record<string, unknown> => {
      const trial = makeSamplingTrial(number);
      return sampler.sampleRelative(snapshot, trial, sampler.inferRelativeSpace(snapshot, trial));
    };
    const workerA = make({ seed: 5 });
    const workerB = make({ seed: 5 });
    expect(suggest(workerA, 2)).toEqual(suggest(workerB, 2));
    // Worker B jumps ahead: trial 7 is the same whichever worker samples it, and in whatever order.
    const seven = suggest(workerB, 7);
    suggest(workerA, 3);
    expect(suggest(workerA, 7)).toEqual(seven);
    expect(suggest(make({ seed: 6 }), 7)).not.toEqual(seven);
    // Unscrambled sequences ignore the seed.
    expect(suggest(make({ seed: 1, scramble: false }), 4)).toEqual(suggest(make({ seed: 2, scramble: false }), 4));
  });

  it("fixes the space at the first complete trial and samples other parameters independently", async () => {
    const sampler = make({ seed: 8 });
    const study = await createStudy({ sampler });
    const extra: Distribution = { type: "categorical", choices: ["a", "b", "c"] };
    const fixed: Distribution = { type: "int", low: 4, high: 4 };
    await study.optimize(
      (trial) => {
        const value = objective(trial);
        trial.suggest("constant", fixed);
        // A conditional parameter appears only from trial 3 on, so it is outside the space.
        if (trial.number >= 3) trial.suggest("late", extra);
        return value;
      },
      { nTrials: 10 },
    );
    expect(study.systemAttrs[QMC_SPACE_ATTR]).toEqual({ x, y });
    const random = new RandomSampler({ seed: 8 });
    for (const trial of study.trials.slice(3)) {
      expect(containsValue(extra, trial.params.late)).toBe(true);
      expect(trial.params.late).toBe(random.sampleIndependent(makeSnapshot([]), makeSamplingTrial(trial.number), "late", extra));
      expect(trial.params.constant).toBe(4);
    }
  });

  it("keeps the space recorded on the study, as a resumed run or another worker sees it", () => {
    const recorded: SearchSpace = { x };
    const snapshot: StudySnapshot = {
      ...makeSnapshot([makeTrial({ number: 0, params: { y: 1 }, distributions: { y }, values: [1] })]),
      systemAttrs: { [QMC_SPACE_ATTR]: recorded as never },
    };
    const sampler = make({ seed: 1 });
    const trial = makeSamplingTrial(1);
    expect(sampler.inferRelativeSpace(snapshot, trial)).toEqual(recorded);
    expect(trial.studyNotes[QMC_SPACE_ATTR]).toBeUndefined();
    // A malformed record is ignored in favour of the first trial's space, which is then recorded.
    const broken: StudySnapshot = { ...snapshot, studyId: 2, systemAttrs: { [QMC_SPACE_ATTR]: { x: { type: "float", low: 2, high: 1 } } } };
    const other = makeSamplingTrial(1);
    expect(sampler.inferRelativeSpace(broken, other)).toEqual({ y });
    expect(other.studyNotes[QMC_SPACE_ATTR]).toEqual({ y });
  });

  it("returns nothing jointly before any trial completes", () => {
    const sampler = make({ seed: 1 });
    const running = makeSnapshot([makeTrial({ number: 0, params: { x: 0 }, distributions: { x } })]);
    expect(sampler.inferRelativeSpace(running, makeSamplingTrial(1))).toEqual({});
    expect(sampler.name).toBe(name);
  });
});

describe("SobolSampler beyond the direction-number table", () => {
  it("fills coordinates past the last shipped dimension with uniform draws", () => {
    const space: Record<string, Distribution> = {};
    for (let i = 0; i < 1115; i++) space[`p${String(i).padStart(4, "0")}`] = { type: "float", low: 0, high: 1 };
    const sampler = new SobolSampler({ seed: 2 });
    const values = sampler.sampleRelative(makeSnapshot([]), makeSamplingTrial(3), space);
    expect(Object.keys(values)).toHaveLength(1115);
    for (const value of Object.values(values)) expect(containsValue({ type: "float", low: 0, high: 1 }, value)).toBe(true);
  });
});

describe("QMC samplers from CLI options", () => {
  it("parse seed and scramble and name unknown keys", () => {
    const sobol = createSobolSamplerFromOptions({ seed: "12", scramble: "false" });
    expect([sobol.name, sobol.seed, sobol.scramble]).toEqual(["sobol", 12, false]);
    const halton = createHaltonSamplerFromOptions({ seed: 4 });
    expect([halton.name, halton.seed, halton.scramble]).toEqual(["halton", 4, true]);
    expect(() => createSobolSamplerFromOptions({ skip: "1" })).toThrow(/sobol sampler: unknown option "skip"/);
    expect(() => createHaltonSamplerFromOptions({ scramble: "perhaps" })).toThrow(/option "scramble" must be true or false/);
  });

  it("refuses a boolean option given as anything but true or false from JavaScript, as the CLI does", async () => {
    // scramble: 0 turned scrambling off and "false" kept it on, without a word; TPE's and the GP's
    // flags read "false" as on the same way.
    const { TPESampler, GPSampler } = await import("./index.js");
    expect(() => new SobolSampler({ scramble: 0 as unknown as boolean })).toThrow('qmc sampler: scramble must be true or false, got 0');
    expect(() => new HaltonSampler({ scramble: "yes" as unknown as boolean })).toThrow(/scramble must be true or false, got "yes"/);
    expect(() => new TPESampler({ constantLiar: "false" as unknown as boolean })).toThrow(/constantLiar must be true or false, got "false"/);
    expect(() => new GPSampler({ inputWarping: "yes" as unknown as boolean })).toThrow(/inputWarping must be true or false/);
    expect(new SobolSampler({ seed: 1, scramble: false }).spec()).toEqual({ name: "sobol", options: { seed: 1, scramble: false } });
  });
});
