/**
 * The recommended trial (`Study.recommendation`) survives every storage: memory within one process,
 * and a SQLite file and a PostgreSQL database read back by a fresh `loadStudy` (PostgreSQL skips
 * without a server, as the other PostgreSQL suites do).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GPSampler, RandomSampler, Rng, createStudy, loadStudy, type Trial } from "../src/index.js";
import { type ScratchDatabase, createScratchDatabase, postgresUnavailable } from "./postgres-database.js";

/** A bowl at x = 0.3 seen through noise of sd 0.3: the luckiest observation is rarely the best configuration. */
function noisyObjective(seed: number): (trial: Trial) => number {
  const rng = new Rng(seed);
  return (trial) => {
    const x = trial.suggestFloat("x", 0, 1);
    return 4 * (x - 0.3) ** 2 + 0.3 * rng.normal();
  };
}

let dir: string;
let postgres: ScratchDatabase | null = null;
let postgresSkip: string | null = null;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sextant-recommended-"));
  postgresSkip = await postgresUnavailable();
  if (postgresSkip === null) postgres = await createScratchDatabase();
}, 60_000);
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await postgres?.drop();
});

describe.each(["memory", "sqlite", "postgres"] as const)("the recommended trial on %s storage", (backend) => {
  const url = (): string => (backend === "memory" ? "memory:" : backend === "sqlite" ? `sqlite:${join(dir, "study.db")}` : postgres!.url);

  it("is the GP's best posterior mean, and reads back the same from a fresh handle", async (context) => {
    if (backend === "postgres" && postgresSkip !== null) context.skip(postgresSkip);
    const study = await createStudy({ name: "noisy-bowl", storage: url(), sampler: new GPSampler({ seed: 5, noisePrior: "gamma", nStartupTrials: 5 }) });
    await study.optimize(noisyObjective(1), { nTrials: 16 });
    const recommendation = study.recommendation!;
    expect(recommendation.source).toBe("model");
    expect(recommendation.record!.sampler).toBe("gp");
    expect(recommendation.record!.units).toBe("objective");
    // The model's last fit saw the trials before the last one.
    expect(recommendation.record!.observations).toBe(15);
    expect(study.recommendedTrial!.number).toBe(recommendation.record!.trial);
    if (backend === "memory") {
      await study.close();
      return;
    }
    const storage = url();
    await study.close();
    const again = await loadStudy({ name: "noisy-bowl", storage });
    expect(again.recommendation).toEqual(recommendation);
    await again.close();
  }, 120_000);

  it("falls back to the best observed trial for a sampler without a model", async (context) => {
    if (backend === "postgres" && postgresSkip !== null) context.skip(postgresSkip);
    const study = await createStudy({ name: "random-bowl", storage: url(), sampler: new RandomSampler({ seed: 5 }) });
    await study.optimize(noisyObjective(2), { nTrials: 10 });
    expect(study.recommendation).toEqual({ trial: study.bestTrial, source: "best observed" });
    await study.close();
  }, 60_000);
});
