/**
 * `storedBest` (what `sextant best` shows of a single-objective study, read with a few selective
 * queries) against what the study named from all of its trials before: `bestFeasibleTrial`,
 * `recommendedTrial` and `leastViolatingTrial` over every trial, as `Study.bestTrial`,
 * `Study.recommendation` and `Study.leastViolatingTrial` compute them. Random studies with ties,
 * infinite and NaN values, failed, pruned, running and waiting trials, constrained and infeasible
 * trials and model records, on every backend (PostgreSQL needs a server; see postgres-database.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Rng } from "../src/math/rng.js";
import { CONSTRAINTS_ATTR, type Direction, type FrozenTrial, type JsonValue } from "../src/space/index.js";
import { type FinishedTrialInit, MemoryStorage, type Storage } from "../src/storage/index.js";
import { PostgresStorage } from "../src/storage/postgres.js";
import { SqliteStorage } from "../src/storage/sqlite.js";
import { bestFeasibleTrial, leastViolatingTrial, recommendedTrial, storedBest } from "../src/study/index.js";
import { createScratchDatabase, postgresUnavailable } from "./postgres-database.js";

const scratch = mkdtempSync(join(tmpdir(), "sextant-stored-best-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const postgresSkip = await postgresUnavailable();
const postgresDatabase = postgresSkip === null ? await createScratchDatabase() : null;
afterAll(() => postgresDatabase?.drop());

const backends: { name: string; open: () => Promise<Storage>; skip?: string }[] = [
  { name: "memory", open: async () => new MemoryStorage() },
  { name: "sqlite", open: async () => SqliteStorage.open(join(scratch, "best.db")) },
  {
    name: "postgres",
    open: () => PostgresStorage.open(`${postgresDatabase!.url}?schema=stored_best`),
    ...(postgresSkip === null ? {} : { skip: postgresSkip }),
  },
];

/** How a random study treats constraints. */
type ConstraintMode = "none" | "all" | "some missing" | "all infeasible";

/** Writes a random study of `n` trials; values come from a small pool, so ties are common. */
async function randomStudy(storage: Storage, name: string, direction: Direction, seed: number, mode: ConstraintMode, n: number) {
  const rng = new Rng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rng.uniform() * items.length)]!;
  const study = await storage.createStudy(name, [direction]);
  const pool = [1, 2, 2, 3, -1.5, 0, Infinity, -Infinity, NaN];
  // A NaN (or missing) value first stays the best; in most studies it comes later, where it never is.
  const nanFirst = rng.uniform() < 0.3;
  for (let i = 0; i < n; i++) {
    const unorderedFirst = i === 0 && nanFirst;
    const state = unorderedFirst ? "complete" : pick(["complete", "complete", "complete", "complete", "pruned", "failed"] as const);
    const value = unorderedFirst ? NaN : pick(pool);
    const systemAttrs: Record<string, JsonValue> = {};
    if (state === "complete" && mode !== "none" && !(mode === "some missing" && !unorderedFirst && rng.uniform() < 0.3)) {
      const violation = mode === "all infeasible" ? 0.1 + pick([0, 1, 1, 2]) : unorderedFirst ? -1 : pick([-1, -1, 0, 0.5]);
      systemAttrs[CONSTRAINTS_ATTR] = [violation, pick([-2, -0.5])];
    }
    if (rng.uniform() < 0.25) {
      systemAttrs.recommended = { trial: Math.floor(rng.uniform() * (n + 3)), mean: 0.5, sd: 0.1, units: "objective", observations: i, sampler: "gp", noiseShare: pick([0.5, 1e-4]) };
    }
    const init: FinishedTrialInit = {
      state,
      params: { x: i },
      distributions: { x: { type: "int", low: 0, high: 1000 } },
      values: state === "failed" ? null : unorderedFirst && rng.uniform() < 0.5 ? [] : [value],
      intermediate: {},
      userAttrs: {},
      systemAttrs,
      startedAt: 1_600_000_000_000,
      finishedAt: 1_600_000_001_000,
    };
    await storage.insertFinishedTrial!(study.id, init);
  }
  await storage.createTrial(study.id, { state: "running" });
  await storage.createTrial(study.id, { state: "waiting" });
  return study;
}

describe.each(backends)("storedBest on $name names the trials the study named from all of its trials", (backend) => {
  it("on random studies", async (context) => {
    if (backend.skip) context.skip(backend.skip);
    const storage = await backend.open();
    try {
      let seed = 0;
      for (const mode of ["none", "all", "some missing", "all infeasible"] as const) {
        for (const direction of ["minimize", "maximize"] as const) {
          for (const n of [0, 1, 5, 40, 300]) {
            const name = `s${seed}`;
            const study = await randomStudy(storage, name, direction, ++seed, mode, n);
            const all = [...(await storage.trialsSince(study.id, 0)).trials].sort((a, b) => a.number - b.number);
            const numberOf = (trial: FrozenTrial | undefined) => trial?.number;
            const stored = await storedBest(storage, study.id, direction);
            const before = recommendedTrial(all, direction);
            const label = `${name}: ${mode}, ${direction}, ${n} trials`;
            expect(numberOf(stored.best), label).toBe(numberOf(bestFeasibleTrial(all, direction)));
            expect(stored.best, label).toEqual(bestFeasibleTrial(all, direction));
            expect(stored.recommendation && { ...stored.recommendation, trial: stored.recommendation.trial.number }, label).toEqual(before && { ...before, trial: before.trial.number });
            expect(numberOf(stored.leastViolating), label).toBe(numberOf(leastViolatingTrial(all)));
            await storage.deleteStudy(name);
          }
        }
      }
    } finally {
      await storage.close();
    }
  }, 120_000);
});
