import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Rng } from "../math/rng.js";
import { MemoryStorage } from "../storage/index.js";
import { type BanditConfig, type BanditState, chebyshevFeatures, exponentialWeights, inverseGapWeights, playDistribution, tsallisWeights, update } from "./bandit.js";
import { RandomSampler } from "../samplers/index.js";
import { createStudy, loadStudy } from "../study/index.js";
import { MINUS_INFINITE_COST, ONLINE_ATTR, OnlineTunerError, OnlineTunerNameTakenError, OnlineTunerSettingsError, createOnlineTuner, describeSettingsConflict, gridValues, loadOnlineTuner } from "./tuner.js";

/** Plays a stationary Bernoulli bandit whose arm i has mean cost means[i]; returns the plays per arm and the arm of each round. */
async function playStationary(
  algorithm: "tsallis-inf" | "exp3",
  means: number[],
  rounds: number,
  seed: number,
): Promise<{ plays: number[]; cost: number; played: number[] }> {
  const tuner = await createOnlineTuner({ parameter: { low: 0, high: means.length - 1, arms: means.length }, algorithm, seed });
  const rng = new Rng(seed + 1000);
  const plays = new Array<number>(means.length).fill(0);
  const played: number[] = [];
  let cost = 0;
  for (let t = 0; t < rounds; t++) {
    const arm = Math.round(await tuner.choose());
    plays[arm]!++;
    played.push(arm);
    const c = rng.uniform() < means[arm]! ? 1 : 0;
    cost += c;
    await tuner.observe(c);
  }
  return { plays, cost, played };
}

describe("bandit weights", () => {
  it("Tsallis-INF weights sum to one and favour the smallest loss", () => {
    const w = tsallisWeights([3, 1, 2, 10], 0.5);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(Math.max(...w)).toBe(w[1]);
    expect(w[3]!).toBeLessThan(w[2]!);
    // Equal losses: uniform.
    for (const v of tsallisWeights([0, 0, 0, 0], 1)) expect(v).toBeCloseTo(0.25, 12);
  });

  it("Tsallis-INF's reduced-variance estimate subtracts the baseline ½ only on arms whose probability is at least η²", () => {
    // Round t = 100 at the default c = 2: η = 4/√100 = 0.4, η² = 0.16. Arm 3's loss lead leaves it
    // well below 0.16, the other three above it.
    const config: BanditConfig = { algorithm: "tsallis-inf", arms: 4, seed: 1, contextDimensions: 0, degree: 0, exploration: 10, ridge: 1, learningRate: 2 };
    const losses = [0, 1, 2, 40];
    const w = tsallisWeights(losses, 0.4);
    expect(w[3]!).toBeLessThan(0.16);
    for (const i of [0, 1, 2]) expect(w[i]!).toBeGreaterThanOrEqual(0.16);
    const state: BanditState = { rounds: 99, losses, gram: null, moment: null, pending: null };
    expect(Array.from(playDistribution(config, state, null))).toEqual(Array.from(w));

    // A cost of 0 on arm 0: (0 − ½)/w₀ + ½ there, ½ on the other arms above η², nothing on arm 3.
    const afterBest = update(config, { ...state, pending: { arm: 0, probability: w[0]!, features: null } }, 0);
    expect(afterBest.losses[0]!).toBeCloseTo(0 - 0.5 / w[0]! + 0.5, 12);
    expect(afterBest.losses.slice(1)).toEqual([1.5, 2.5, 40]);
    // A cost of 0 on the rarely played arm 3 adds 0/w₃, where ½ on every round took 1/(2w₃) off
    // and put it in the lead after one lucky play.
    const afterRare = update(config, { ...state, pending: { arm: 3, probability: w[3]!, features: null } }, 0);
    expect(afterRare.losses).toEqual([0.5, 1.5, 2.5, 40]);
    // A cost of 1 there adds 1/w₃.
    expect(update(config, { ...state, pending: { arm: 3, probability: w[3]!, features: null } }, 1).losses[3]!).toBeCloseTo(40 + 1 / w[3]!, 9);
  });

  it("Exp3 weights are a softmax of −η·loss", () => {
    const w = exponentialWeights([0, Math.log(2)], 1);
    expect(w[0]!).toBeCloseTo(2 / 3, 12);
    expect(w[1]!).toBeCloseTo(1 / 3, 12);
  });

  it("inverse gap weighting puts the rest of the mass on the predicted best arm", () => {
    const w = inverseGapWeights(Float64Array.from([0.5, 0.1, 0.3]), 10);
    expect(w[0]!).toBeCloseTo(1 / (3 + 4), 12);
    expect(w[2]!).toBeCloseTo(1 / (3 + 2), 12);
    expect(w[1]!).toBeCloseTo(1 - 1 / 7 - 1 / 5, 12);
  });

  it("Chebyshev features follow T_{k+1} = 2zT_k − T_{k−1}", () => {
    const [one, t1, t2, t3] = chebyshevFeatures([0.5], 3);
    expect([one, t1]).toEqual([1, 0.5]);
    expect(t2).toBeCloseTo(2 * 0.25 - 1, 12);
    expect(t3).toBeCloseTo(4 * 0.125 - 3 * 0.5, 12);
  });
});

describe("online tuner on a stationary sequence", () => {
  const means = [0.6, 0.5, 0.2, 0.55, 0.7];

  it.each(["tsallis-inf", "exp3"] as const)("%s finds the best arm and its regret grows sublinearly", async (algorithm) => {
    const rounds = 3000;
    const { plays, cost } = await playStationary(algorithm, means, rounds, 7);
    expect(plays.indexOf(Math.max(...plays))).toBe(2);
    expect(plays[2]! / rounds).toBeGreaterThan(0.7);
    // Pseudo-regret against always playing the best arm; a uniform player would pay 0.31 per round.
    const regret = cost - 0.2 * rounds;
    expect(regret / rounds).toBeLessThan(0.1);
  });

  it("Tsallis-INF settles on the best of 16 arms with 0/1 costs, where one lucky play of a rarely played arm used to lock it onto that arm", async () => {
    // Arm 0 has mean cost 0.3, the other 15 have 0.5. With the baseline ½ on every round, a cost
    // of 0 on an arm played with probability w took 1/(2w) off its loss: on these seeds the best
    // arm had about 0% of the last quarter's plays and the regret was 0.2 a round (always wrong).
    // Now, over seeds 1-12 the share is 0.60-0.90 and the regret 0.054-0.154 a round (mean 0.075);
    // the bounds below hold over six seeds together, each seed only has to find the best arm.
    const arms = [0.3, ...new Array<number>(15).fill(0.5)];
    const rounds = 2000;
    const seeds = [1, 2, 3, 4, 5, 6];
    let lateBest = 0;
    let pseudoRegret = 0;
    for (const seed of seeds) {
      const { played } = await playStationary("tsallis-inf", arms, rounds, seed);
      const late = played.slice((rounds * 3) / 4);
      const share = late.filter((arm) => arm === 0).length / late.length;
      expect(share, `seed ${seed}: best arm's share of the last ${late.length} plays`).toBeGreaterThan(0.4);
      lateBest += share / seeds.length;
      pseudoRegret += played.reduce((sum, arm) => sum + arms[arm]! - 0.3, 0);
    }
    expect(lateBest, "best arm's mean share of the last quarter's plays").toBeGreaterThan(0.7);
    expect(pseudoRegret / (rounds * seeds.length), "pseudo-regret a round over the seeds").toBeLessThan(0.12);
  });

  it("is deterministic under a seed", async () => {
    const a = await playStationary("tsallis-inf", means, 200, 3);
    const b = await playStationary("tsallis-inf", means, 200, 3);
    expect(a).toEqual(b);
  });
});

describe("contextual tuner (ChebCB)", () => {
  it("learns that the best value depends on the context", async () => {
    // Cost of value v at context c ∈ [0, 1]: smallest at v = c (arms 0, 0.25, …, 1).
    const tuner = await createOnlineTuner({ parameter: { low: 0, high: 1, arms: 5 }, algorithm: "chebcb", context: { low: [0], high: [1], degree: 2 }, seed: 2 });
    const rng = new Rng(5);
    let lateCost = 0;
    for (let t = 0; t < 1500; t++) {
      const c = rng.uniform();
      const v = await tuner.choose([c]);
      const cost = Math.min(1, (v - c) ** 2 * 4 + 0.05 * rng.uniform());
      if (t >= 1000) lateCost += cost;
      await tuner.observe(cost);
    }
    // Playing the best arm for each context costs ≈ 0.04 on average; any fixed arm at least ≈ 0.33.
    expect(lateCost / 500).toBeLessThan(0.15);
    expect(await tuner.choose([0.02])).toBe(0);
  });

  it("refuses a range or rate whose arithmetic overflows, which chose null or NaN probabilities", async () => {
    await expect(createOnlineTuner({ parameter: { low: -1e308, high: 1e308, arms: 3 } })).rejects.toThrow(/range \[-1e\+308, 1e\+308\] is too wide \(high − low overflows\)/);
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1 }, learningRate: 1e100 })).rejects.toThrow("learningRate must be a positive number of at most 1000000, got 1e+100");
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1 }, algorithm: "chebcb", context: { low: [0], high: [1] }, exploration: 1e308 })).rejects.toThrow(/exploration must be a positive number of at most 1000000/);
    await expect(createOnlineTuner({ parameter: { low: 1e-300, high: 1e300, log: true, arms: 3 } })).resolves.toBeDefined();
    // A context range as wide: its one observed cost left a tuner whose every choice failed ("matrix is not positive definite").
    const wide = { parameter: { low: 0, high: 1 }, algorithm: "chebcb", context: { low: [0, -Number.MAX_VALUE], high: [1, Number.MAX_VALUE] } } as const;
    await expect(createOnlineTuner(wide)).rejects.toThrow(/^context: the range \[-1\.7976931348623157e\+308, 1\.7976931348623157e\+308\] of feature 1 is too wide \(high − low overflows\)/);
    await expect(createOnlineTuner(wide)).rejects.toMatchObject({ field: "context.low.1" });
  });

  it("refuses a contextual tuner whose regressions would not fit in memory, which ended the process", async () => {
    // 1000 arms of a 101×101 regression (10 features at degree 10): 10,302,000 numbers. 10,000 arms
    // of 64 features at degree 16, which the HTTP schema allows, crashed the server.
    const big = { parameter: { low: 0, high: 1, arms: 1000 }, algorithm: "chebcb", context: { low: Array(10).fill(0), high: Array(10).fill(1), degree: 10 } } as const;
    await expect(createOnlineTuner(big)).rejects.toThrow(/^a chebcb tuner keeps a 101×101 regression per arm \(1 \+ 10 feature\(s\) × degree 10 terms\), 10302000 numbers over 1000 arms, more than the 10000000 a tuner keeps/);
    await expect(createOnlineTuner(big)).rejects.toMatchObject({ field: "context" });
  });

  it("names the missing or malformed context", async () => {
    const tuner = await createOnlineTuner({ parameter: { low: 0, high: 1 }, algorithm: "chebcb", context: { low: [0, 0], high: [1, 1] }, seed: 1 });
    await expect(tuner.choose()).rejects.toThrow(/context of 2 number/);
    await expect(tuner.choose([1])).rejects.toThrow(/context must be 2 finite/);
  });

  it("while a choice waits for its cost, gives it again for the same context and refuses another", async () => {
    const tuner = await createOnlineTuner({ parameter: { low: 0, high: 1 }, algorithm: "chebcb", context: { low: [-3], high: [1] }, seed: 1 });
    const first = await tuner.choose([-2]);
    expect(await tuner.choose([-2])).toBe(first);
    // These used to return the waiting choice, and the next cost was credited to context [-2].
    await expect(tuner.choose([0.4])).rejects.toThrow(/a choice made for another context is waiting for its cost: observe it first/);
    await expect(tuner.choose([1, 2, 3])).rejects.toThrow(/context must be 1 finite/);
    await expect(tuner.choose()).rejects.toThrow(/needs a context of 1 number/);
    await tuner.observe(5);
    await expect(tuner.choose([0.4])).resolves.toEqual(expect.any(Number));
    const plain = await createOnlineTuner({ parameter: { low: 0, high: 1 }, seed: 1 });
    await expect(plain.choose([0.4])).rejects.toThrow(/the tsallis-inf tuner takes no context/);
  });
});

describe("online tuner settings", () => {
  it("rejects bad settings with the field's name", async () => {
    await expect(createOnlineTuner({ parameter: { low: 2, high: 1 } })).rejects.toThrow(/parameter.low and parameter.high/);
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1, arms: 1 } })).rejects.toThrow(/parameter.arms/);
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1 }, algorithm: "ucb" as never })).rejects.toThrow(/algorithm must be one of/);
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1 }, algorithm: "chebcb" })).rejects.toThrow(/needs context/);
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1 }, costScale: 0 })).rejects.toThrow(/costScale/);
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1 }, seed: Number.NaN })).rejects.toThrow(/seed must be an integer, got NaN/);
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1 }, seed: 0.5 })).rejects.toThrow(/seed must be an integer/);
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1 }, storage: "memory:" })).rejects.toThrow(/needs a name/);
  });

  it("refuses a name that no study could have, which made a tuner no HTTP route could reach", async () => {
    const storage = new MemoryStorage();
    for (const [name, message] of [
      ["..", /^name must not be "\.\."/],
      ["  ", /^name must not be blank/],
      ["a\tb", /^name must not contain control characters \(a tab at 2\)/],
      ["x".repeat(201), /^name must be at most 200 characters/],
    ] as const) {
      const refused = await createOnlineTuner({ name, storage, parameter: { low: 0, high: 1 } }).then(() => null, (error: unknown) => error);
      expect(refused).toBeInstanceOf(OnlineTunerError);
      expect([(refused as OnlineTunerError).message, (refused as OnlineTunerError).field]).toEqual([expect.stringMatching(message), "name"]);
    }
    expect(await storage.listStudies()).toEqual([]);
  });

  it("observe without choose is an error; choose twice gives the pending value", async () => {
    const tuner = await createOnlineTuner({ parameter: { low: 1, high: 2, log: true, arms: 3 }, seed: 1 });
    await expect(tuner.observe(0.5)).rejects.toThrow(/call choose\(\) first/);
    const first = await tuner.choose();
    expect(await tuner.choose()).toBe(first);
    expect(tuner.values[1]).toBeCloseTo(Math.SQRT2, 12);
    await expect(tuner.observe(Number.NaN)).rejects.toThrow("cost must be a number, got NaN");
    await expect(tuner.observe("3" as never)).rejects.toThrow('cost must be a number, got the string "3"');
    // A misspelt option was dropped: costscale left costScale at 1, so every real cost clipped to 1.
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1 }, costscale: 100 } as never)).rejects.toThrow(/^unknown option "costscale" \(did you mean "costScale"\?\)/);
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1, arm: 4 } as never })).rejects.toThrow(/^unknown option "parameter.arm" \(did you mean "arms"\?\); valid options of parameter: name, low, high, log, arms/);
  });

  it("refuses a round observed already without blaming another caller, since one caller observing twice meets it too", async () => {
    const tuner = await createOnlineTuner({ parameter: { low: 1, high: 2, arms: 4 }, seed: 1 });
    await tuner.choose();
    const round = tuner.rounds;
    await tuner.observe(0.5, { round });
    // The message said "another caller sharing the tuner observed it" to the one caller that had.
    await expect(tuner.observe(0.5, { round })).rejects.toThrow(
      "the choice of round 0 was observed already (the tuner has 1 cost(s) observed), by this caller or another sharing the tuner, " +
        "so this cost is not counted, since the choice waiting now (if any) may be of another value",
    );
    expect(tuner.rounds).toBe(1);
  });
});

describe("online tuner costs outside [0, costScale]", () => {
  it("says a negative cost was clipped to the best, as it says of one above the scale that it was clipped to the worst", async () => {
    const tuner = await createOnlineTuner({ parameter: { low: 1, high: 2, arms: 3 }, costScale: 10, seed: 1 });
    const observed = [];
    for (const cost of [0, 10, -3, Infinity, 25]) {
      await tuner.choose();
      observed.push(await tuner.observe(cost));
    }
    expect(observed).toEqual([
      { loss: 0, clipped: false },
      { loss: 1, clipped: false },
      { loss: 0, clipped: true },
      { loss: 1, clipped: true },
      { loss: 1, clipped: true },
    ]);
  });

  it("refuses a cost of -Infinity, naming it, and keeps its choice waiting", async () => {
    // It counted as the best cost: costs are counts or times, and minus infinity is a slip, not a solve.
    const tuner = await createOnlineTuner({ parameter: { low: 1, high: 2, arms: 3 }, costScale: 10, seed: 1 });
    const chosen = await tuner.choose();
    const refused = await tuner.observe(-Infinity).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OnlineTunerError);
    expect(refused).toMatchObject({ field: "cost", message: `cost -Infinity is refused: ${MINUS_INFINITE_COST}` });
    expect([tuner.rounds, tuner.pendingValue]).toEqual([0, chosen]);
  });
});

describe("online tuner grid", () => {
  it("spaces its values evenly without floating-point noise, since they are printed for programs to use", async () => {
    const linear = await createOnlineTuner({ parameter: { low: 1, high: 1.9, arms: 10 } });
    expect(linear.values).toEqual([1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9]);
    const log = await createOnlineTuner({ parameter: { low: 1e-4, high: 1e-1, log: true, arms: 4 } });
    expect(log.values).toEqual([1e-4, 1e-3, 1e-2, 1e-1]);
  });

  it("spaces a log grid over several decades or powers of two without noise, and keeps its ends as given", () => {
    const grid = (low: number, high: number, arms: number) => gridValues({ name: "v", low, high, log: true, arms });
    // Through exp and ln, 10 came out as 9.99999999999999, 10000 as 9999.99999999999.
    expect(grid(0.001, 1000, 7)).toEqual([0.001, 0.01, 0.1, 1, 10, 100, 1000]);
    expect(grid(1, 1e6, 7)).toEqual([1, 10, 100, 1000, 10000, 100000, 1e6]);
    expect(grid(1e-5, 0.1, 5)).toEqual([1e-5, 1e-4, 1e-3, 0.01, 0.1]);
    expect(grid(1e-8, 0.1, 8)).toEqual([1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1]);
    expect(grid(3, 300, 3)).toEqual([3, 30, 300]);
    expect(grid(1, 64, 7)).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(grid(0.123456789012345, 0.987654321098765, 3)).toEqual([0.123456789012345, expect.closeTo(Math.sqrt(0.123456789012345 * 0.987654321098765), 13), 0.987654321098765]);
  });

  it("keeps a linear grid's ends as given, where rounding put an end outside the range", () => {
    const grid = (low: number, high: number, arms: number) => gridValues({ name: "v", low, high, log: false, arms });
    // Rounded to 15 digits, 0.1 + 0.2 came out as 0.3: a value below the range's low end.
    expect(grid(0.1 + 0.2, 1, 3)).toEqual([0.30000000000000004, 0.65, 1]);
    expect(grid(0, 0.1 + 0.2, 4)).toEqual([0, 0.1, 0.2, 0.30000000000000004]);
  });

  it("refuses a range too narrow for its arms, which made arms of one value that split its plays", async () => {
    // All 16 arms were 1: the tuner learnt 16 times over about one value and chose among copies.
    await expect(createOnlineTuner({ parameter: { low: 1, high: 1 + 1e-15 } })).rejects.toThrow(
      "parameter: the range [1, 1.000000000000001] is too narrow for 16 arms: values are kept to 15 significant digits, and only 2 of them differ; use fewer arms or a wider range",
    );
    await expect(createOnlineTuner({ parameter: { low: 5e-324, high: 1e-323, log: true, arms: 3 } })).rejects.toThrow(/too narrow for 3 arms: .* only 2 of them differ/);
    await expect(createOnlineTuner({ parameter: { low: 1, high: 1 + 1e-15, arms: 2 } })).resolves.toMatchObject({ values: [1, 1.000000000000001] });
  });
});

describe("online tuner state in storage", () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it("refuses a tuner a newer Sextant saved, rather than lose the fields it does not know at its next save", async () => {
    const storage = new MemoryStorage();
    await createOnlineTuner({ parameter: { low: 1, high: 1.9, arms: 8 }, storage, name: "sor", seed: 1 });
    const saved = (await storage.getStudy("sor"))!.systemAttrs[ONLINE_ATTR] as Record<string, any>;
    const newer = { ...saved, warmup: 5, state: { ...saved.state, baseline: [0.5] } };
    await storage.createStudy("newer", ["minimize"], { systemAttrs: { [ONLINE_ATTR]: newer } });
    await expect(loadOnlineTuner({ name: "newer", storage })).rejects.toThrow(
      'online tuner "newer" was saved by a newer Sextant: it holds warmup, state.baseline, which this version does not know and would lose at its next save; upgrade Sextant to use it',
    );
    await storage.createStudy("other", ["minimize"], { systemAttrs: { [ONLINE_ATTR]: { ...saved, algorithm: "ucb-v" } } });
    await expect(loadOnlineTuner({ name: "other", storage })).rejects.toThrow(/holds algorithm "ucb-v", which this version does not know/);
    expect((await storage.getStudy("newer"))!.systemAttrs[ONLINE_ATTR]).toEqual(newer);
    // What this version saved itself goes on.
    const tuner = await loadOnlineTuner({ name: "sor", storage });
    await tuner.choose();
    await tuner.observe(50);
    expect(tuner.rounds).toBe(1);
  });

  it("loads from a SQLite file that is not there without creating it, and says the file is missing", async () => {
    dir = mkdtempSync(join(tmpdir(), "sextant-online-"));
    const path = join(dir, "sextnat.db");
    // Opened to look, a mistyped path was left behind as an empty database, said to hold no such tuner.
    await expect(loadOnlineTuner({ name: "sor", storage: `sqlite:${path}` })).rejects.toThrow(`no online tuner named "sor" in sqlite:${path}: the file ${path} does not exist`);
    expect(existsSync(path)).toBe(false);
  });

  it("takes overlapping calls one at a time, as a tuner without storage does", async () => {
    const tuner = await createOnlineTuner({ parameter: { low: 0, high: 1, arms: 4 }, storage: new MemoryStorage(), name: "busy", seed: 1 });
    await tuner.choose();
    const [first, second] = await Promise.allSettled([tuner.observe(3), tuner.observe(7)]);
    // Both were fulfilled, one cost silently dropped.
    expect(first.status).toBe("fulfilled");
    expect(second.status).toBe("rejected");
    expect(tuner.rounds).toBe(1);
    const pairs = await Promise.all(Array.from({ length: 10 }, async () => tuner.choose().then(() => tuner.observe(0.5).catch(() => null))));
    // Ten overlapping choose-observe pairs all resolved, and rounds grew by 1.
    expect(tuner.rounds).toBe(1 + pairs.filter((p) => p !== null).length);
    const contextual = await createOnlineTuner({ parameter: { low: 0, high: 1, arms: 4 }, algorithm: "chebcb", context: { low: [0], high: [1] }, storage: new MemoryStorage(), name: "ctx", seed: 1 });
    const chosen = await Promise.allSettled([contextual.choose([0.1]), contextual.choose([0.9])]);
    expect(chosen.map((c) => c.status)).toEqual(["fulfilled", "rejected"]);
  });

  it.each([
    { algorithm: "chebcb", context: { low: [0], high: [1] } },
    // Tsallis-INF's update recomputes the weights the pending choice was drawn from.
    { algorithm: "tsallis-inf" },
  ] as const)("a $algorithm tuner restored from sqlite makes the choices an uninterrupted one makes", async (settings) => {
    dir = mkdtempSync(join(tmpdir(), "sextant-online-"));
    const url = `sqlite:${join(dir, "online.db")}`;
    const options = { parameter: { low: 1, high: 1.9, arms: 10 }, seed: 11, ...settings };
    const costOf = (v: number, c: number) => Math.min(1, Math.abs(v - 1 - c));
    const contexts = Array.from({ length: 60 }, (_, t) => (t * 0.37) % 1);
    const contextOf = (c: number) => ("context" in settings ? [c] : undefined);

    const reference = await createOnlineTuner(options);
    const expected: number[] = [];
    for (const c of contexts) {
      const v = await reference.choose(contextOf(c));
      expected.push(v);
      await reference.observe(costOf(v, c));
    }

    const got: number[] = [];
    let tuner = await createOnlineTuner({ ...options, storage: url, name: "omega" });
    for (let t = 0; t < contexts.length; t++) {
      if (t === 25) {
        // A restart between choose and observe: the pending choice survives too.
        got.push(await tuner.choose(contextOf(contexts[t]!)));
        await tuner.close();
        tuner = await loadOnlineTuner({ name: "omega", storage: url });
        expect(tuner.pendingValue).toBe(got[t]);
        await tuner.observe(costOf(got[t]!, contexts[t]!));
        continue;
      }
      if (t === 40) {
        await tuner.close();
        tuner = await createOnlineTuner({ ...options, storage: url, name: "omega" });
        expect(tuner.rounds).toBe(40);
      }
      const v = await tuner.choose(contextOf(contexts[t]!));
      got.push(v);
      await tuner.observe(costOf(v, contexts[t]!));
    }
    await tuner.close();
    expect(got).toEqual(expected);
    expect(new Set(got).size).toBeGreaterThan(1);
  });

  it("resumes a Tsallis-INF tuner saved before the baseline was made conditional, pending choice and all", async () => {
    // Saved by the code of session 31 (½ subtracted from every played cost, nothing added to the
    // other arms) after six rounds, with a choice waiting for its cost.
    const saved = {
      parameter: { name: "value", low: 1, high: 1.9, log: false, arms: 4 },
      algorithm: "tsallis-inf",
      seed: 3,
      costScale: 100,
      context: null,
      exploration: 10,
      learningRate: 2,
      state: {
        rounds: 6,
        losses: [-0.3999999999999999, 2.0705727665792466, -0.22716327329096664, 0.9490947433137654],
        gram: null,
        moment: null,
        pending: { arm: 2, probability: 0.35130010614502793, features: null },
      },
    };
    const storage = new MemoryStorage();
    await storage.createStudy("old", ["minimize"], { systemAttrs: { [ONLINE_ATTR]: saved } });
    const tuner = await loadOnlineTuner({ name: "old", storage });
    expect(tuner.rounds).toBe(6);
    expect(tuner.pendingValue).toBe(1.6);
    // Its weights are those it drew with: the ½ a round the old estimator's losses left out on
    // every arm is a common shift, which leaves the weights as they are.
    const eta = 4 / Math.sqrt(7);
    const weights = tsallisWeights(saved.state.losses, eta);
    expect(tuner.stats().probabilities).toEqual(Array.from(weights));
    expect(weights[2]).toBe(saved.state.pending.probability);
    const shifted = tsallisWeights(saved.state.losses.map((l) => l + 3), eta);
    for (let i = 0; i < 4; i++) expect(shifted[i]!).toBeCloseTo(weights[i]!, 12);
    // The pending choice takes its cost and the tuner plays on. At round 7, η² = 16/7 is above
    // every probability, so no arm has the baseline yet: the played arm gets 0.3/w, the rest 0.
    expect(await tuner.observe(30)).toEqual({ loss: 0.3, clipped: false });
    expect(tuner.rounds).toBe(7);
    const after = tuner.toJSON().state.losses;
    expect(after[2]!).toBeCloseTo(saved.state.losses[2]! + 0.3 / weights[2]!, 12);
    expect([after[0], after[1], after[3]]).toEqual([saved.state.losses[0], saved.state.losses[1], saved.state.losses[3]]);
    expect(tuner.values).toContain(await tuner.choose());
  });

  it("refuses to resume a tuner under other settings", async () => {
    const storage = new MemoryStorage();
    await createOnlineTuner({ parameter: { low: 0, high: 1 }, storage, name: "t", seed: 1 });
    await expect(createOnlineTuner({ parameter: { low: 0, high: 2 }, storage, name: "t" })).rejects.toThrow(/exists with other settings/);
    // A seed, learning rate or exploration constant given again used to be dropped without a word.
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1 }, storage, name: "t", seed: 2 })).rejects.toThrow(/exists with other settings \(seed 1, not 2\)/);
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1 }, storage, name: "t", learningRate: 4 })).rejects.toThrow(/\(learningRate 2, not 4\)/);
    await createOnlineTuner({ parameter: { low: 0, high: 1 }, algorithm: "chebcb", context: { low: [0], high: [1] }, storage, name: "c", exploration: 5 });
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1 }, algorithm: "chebcb", context: { low: [0], high: [1] }, storage, name: "c" })).rejects.toThrow(/\(exploration 5, not 10\)/);
    // The same settings, with or without the seed, resume it.
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1 }, storage, name: "t", seed: 1 })).resolves.toBeDefined();
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1 }, storage, name: "t" })).resolves.toBeDefined();
    await storage.createStudy("plain", ["minimize"]);
    await expect(loadOnlineTuner({ name: "plain", storage })).rejects.toThrow(/not an online tuner/);
  });

  it("tells a name a study holds by its own error class, which front ends branch on", async () => {
    // The HTTP service told it by matching the message with a regex.
    const storage = new MemoryStorage();
    await storage.createStudy("plain", ["minimize"]);
    for (const opening of [loadOnlineTuner({ name: "plain", storage }), createOnlineTuner({ parameter: { low: 0, high: 1 }, storage, name: "plain" })]) {
      const refused = await opening.catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OnlineTunerNameTakenError);
      expect(refused).toMatchObject({ studyName: "plain", message: 'study "plain" is not an online tuner' });
    }
  });

  it("names each setting that differs by its option's path, and carries them for front ends to name their own way", async () => {
    // The message said "high 1, not 2" (a parameter's field without its path), which the CLI then showed as it was.
    const storage = new MemoryStorage();
    await createOnlineTuner({ parameter: { low: 0, high: 1 }, storage, name: "t", seed: 1, costScale: 100 });
    const refused = await createOnlineTuner({ parameter: { low: 0, high: 2, arms: 8 }, storage, name: "t", costScale: 200 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OnlineTunerSettingsError);
    expect(refused).toBeInstanceOf(OnlineTunerError);
    const error = refused as OnlineTunerSettingsError;
    expect(error.message).toBe('online tuner "t" exists with other settings (parameter.high 1, not 2; parameter.arms 16, not 8; costScale 100, not 200); use loadOnlineTuner to resume it as it is');
    expect(error.tunerName).toBe("t");
    expect(error.differences).toEqual([
      { field: "parameter.high", stored: 1, wanted: 2 },
      { field: "parameter.arms", stored: 16, wanted: 8 },
      { field: "costScale", stored: 100, wanted: 200 },
    ]);
    expect(describeSettingsConflict("t", error.differences, (field) => `<${field}>`, "do this")).toBe(
      'online tuner "t" exists with other settings (<parameter.high> 1, not 2; <parameter.arms> 16, not 8; <costScale> 100, not 200); do this',
    );
    await createOnlineTuner({ parameter: { low: 0, high: 1 }, algorithm: "chebcb", context: { low: [0], high: [1] }, storage, name: "c" });
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1 }, algorithm: "chebcb", context: { low: [0], high: [2], degree: 3 }, storage, name: "c" })).rejects.toThrow(
      "(context.high [1], not [2]; context.degree 4, not 3)",
    );
    // Another algorithm: the context as a whole, not one difference per field of it.
    await expect(createOnlineTuner({ parameter: { low: 0, high: 1 }, storage, name: "c" })).rejects.toThrow(
      '(algorithm chebcb, not tsallis-inf; context {"low":[0],"high":[1],"degree":4}, not none); use loadOnlineTuner',
    );
  });

  it("a study is neither created, loaded nor warm-started from under a tuner's name", async () => {
    // The tuner's record shares the studies' names: `sextant tune --study sor` once resumed it as
    // an empty study and added trials to it.
    const storage = new MemoryStorage();
    await createOnlineTuner({ parameter: { low: 1, high: 1.9 }, storage, name: "sor", seed: 1 });
    const refusal = /"sor" is an online tuner, not a study \(its state: sextant online show sor\)/;
    const sampler = new RandomSampler({ seed: 1 });
    await expect(createStudy({ name: "sor", storage, sampler, loadIfExists: true })).rejects.toThrow(refusal);
    await expect(createStudy({ name: "sor", storage, sampler })).rejects.toThrow(refusal);
    await expect(loadStudy({ name: "sor", storage, sampler })).rejects.toThrow(refusal);
    await expect(createStudy({ name: "other", storage, sampler, warmStartFrom: ["sor"] })).rejects.toThrow(/warmStartFrom: "sor" is an online tuner/);
    expect((await storage.listStudies()).map((s) => s.name)).toEqual(["sor"]);
    expect((await loadOnlineTuner({ name: "sor", storage })).rounds).toBe(0);
  });

  it("reports its settings by the options' names, so that they resume it", async () => {
    // stats() gave only the name, algorithm and play distribution: what the tuner was created with was nowhere.
    const storage = new MemoryStorage();
    const settings = { parameter: { low: 0.1, high: 10, log: true, arms: 5 }, algorithm: "exp3" as const, costScale: 50, learningRate: 3 };
    const { rounds, values, probabilities, pending, name, ...shown } = (await createOnlineTuner({ ...settings, storage, name: "t" })).stats();
    expect(shown).toEqual({ ...settings, parameter: { name: "value", ...settings.parameter }, seed: expect.any(Number) });
    const resumed = await createOnlineTuner({ ...shown, storage, name: "t" });
    expect(resumed.created).toBe(false);
    const contextual = { parameter: { name: "omega", low: 1, high: 2, log: false, arms: 4 }, algorithm: "chebcb" as const, context: { low: [0, 1], high: [1, 3], degree: 2 }, seed: 7, costScale: 1, exploration: 5 };
    const chebcb = (await createOnlineTuner({ ...contextual, storage, name: "c" })).stats();
    expect(chebcb).toEqual({ ...contextual, name: "c", rounds: 0, values: [1, 4 / 3, 5 / 3, 2].map((v) => Number(v.toPrecision(15))), probabilities: expect.any(Array), pending: null });
  });

  it("a tuner without storage is always a new one", async () => {
    expect((await createOnlineTuner({ parameter: { low: 0, high: 1 }, seed: 1 })).created).toBe(true);
  });
});
