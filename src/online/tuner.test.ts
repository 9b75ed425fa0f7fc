import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Rng } from "../math/rng.js";
import { MemoryStorage } from "../storage/index.js";
import { chebyshevFeatures, exponentialWeights, inverseGapWeights, tsallisWeights } from "./bandit.js";
import { RandomSampler } from "../samplers/index.js";
import { createStudy, loadStudy } from "../study/index.js";
import { createOnlineTuner, loadOnlineTuner } from "./tuner.js";

/** Plays a stationary Bernoulli bandit whose arm i has mean cost means[i]; returns the plays per arm. */
async function playStationary(algorithm: "tsallis-inf" | "exp3", means: number[], rounds: number, seed: number): Promise<{ plays: number[]; cost: number }> {
  const tuner = await createOnlineTuner({ parameter: { low: 0, high: means.length - 1, arms: means.length }, algorithm, seed });
  const rng = new Rng(seed + 1000);
  const plays = new Array<number>(means.length).fill(0);
  let cost = 0;
  for (let t = 0; t < rounds; t++) {
    const arm = Math.round(await tuner.choose());
    plays[arm]!++;
    const c = rng.uniform() < means[arm]! ? 1 : 0;
    cost += c;
    await tuner.observe(c);
  }
  return { plays, cost };
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
});

describe("online tuner grid", () => {
  it("spaces its values evenly without floating-point noise, since they are printed for programs to use", async () => {
    const linear = await createOnlineTuner({ parameter: { low: 1, high: 1.9, arms: 10 } });
    expect(linear.values).toEqual([1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9]);
    const log = await createOnlineTuner({ parameter: { low: 1e-4, high: 1e-1, log: true, arms: 4 } });
    expect(log.values).toEqual([1e-4, 1e-3, 1e-2, 1e-1]);
  });
});

describe("online tuner state in storage", () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
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

  it("a tuner restored from sqlite makes the choices an uninterrupted one makes", async () => {
    dir = mkdtempSync(join(tmpdir(), "sextant-online-"));
    const url = `sqlite:${join(dir, "online.db")}`;
    const options = { parameter: { low: 1, high: 1.9, arms: 10 }, algorithm: "chebcb", context: { low: [0], high: [1] }, seed: 11 } as const;
    const costOf = (v: number, c: number) => Math.min(1, Math.abs(v - 1 - c));
    const contexts = Array.from({ length: 60 }, (_, t) => (t * 0.37) % 1);

    const reference = await createOnlineTuner(options);
    const expected: number[] = [];
    for (const c of contexts) {
      const v = await reference.choose([c]);
      expected.push(v);
      await reference.observe(costOf(v, c));
    }

    const got: number[] = [];
    let tuner = await createOnlineTuner({ ...options, storage: url, name: "omega" });
    for (let t = 0; t < contexts.length; t++) {
      if (t === 25) {
        // A restart between choose and observe: the pending choice survives too.
        got.push(await tuner.choose([contexts[t]!]));
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
      const v = await tuner.choose([contexts[t]!]);
      got.push(v);
      await tuner.observe(costOf(v, contexts[t]!));
    }
    await tuner.close();
    expect(got).toEqual(expected);
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

  it("a tuner without storage is always a new one", async () => {
    expect((await createOnlineTuner({ parameter: { low: 0, high: 1 }, seed: 1 })).created).toBe(true);
  });
});
