import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MedianPruner, RandomSampler, TrialPruned, createStudy, loadStudy } from "../src/index.js";

describe("the library on a real SQLite file", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sextant-lib-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("runs the README example with concurrency, pruning and user attributes, then resumes", async () => {
    const storage = `sqlite:${join(dir, "sextant.db")}`;
    const objective = async (trial: import("../src/index.js").Trial) => {
      const lr = trial.suggestFloat("lr", 1e-5, 1e-1, { log: true });
      const layers = trial.suggestInt("layers", 1, 4);
      const optimizer = trial.suggestCategorical("optimizer", ["adam", "sgd"]);
      const momentum = optimizer === "sgd" ? trial.suggestFloat("momentum", 0, 0.99) : 0;
      let loss = 1;
      for (let step = 0; step < 10; step++) {
        loss = Math.abs(Math.log10(lr) + 3) / (step + 1) + layers * 0.01 + momentum * 0.1;
        trial.reportIntermediate(loss, step);
        if (trial.shouldPrune()) throw new TrialPruned();
        await new Promise((resolve) => setImmediate(resolve));
      }
      trial.setUserAttr("final_step", 9);
      return loss;
    };
    const study = await createStudy({
      name: "lr-search",
      storage,
      direction: "minimize",
      sampler: new RandomSampler({ seed: 1 }),
      pruner: new MedianPruner({ nStartupTrials: 5 }),
    });
    await study.optimize(objective, { nTrials: 40, concurrency: 4, timeoutSeconds: 600 });
    expect(study.trials).toHaveLength(40);
    expect(new Set(study.trials.map((t) => t.state))).toEqual(new Set(["complete", "pruned"]));
    expect(study.trials.some((t) => t.state === "pruned")).toBe(true);
    const best = study.bestTrial!;
    expect(best.userAttrs.final_step).toBe(9);
    // Conditional parameter: present exactly when the optimizer is sgd.
    for (const trial of study.trials) expect("momentum" in trial.params).toBe(trial.params.optimizer === "sgd");
    await study.close();

    const resumed = await createStudy({ name: "lr-search", storage, loadIfExists: true, sampler: new RandomSampler({ seed: 2 }) });
    await resumed.optimize(objective, { nTrials: 5 });
    expect(resumed.trials.map((t) => t.number)).toEqual([...Array(45).keys()]);
    await resumed.close();

    const loaded = await loadStudy({ name: "lr-search", storage });
    expect(loaded.trials).toHaveLength(45);
    expect(loaded.bestTrial!.number).toBeLessThan(45);
    await loaded.close();
  });

  it("keeps value vectors of a multi-objective study", async () => {
    const storage = `sqlite:${join(dir, "mo.db")}`;
    const study = await createStudy({ name: "mo", storage, directions: ["minimize", "maximize"], sampler: new RandomSampler({ seed: 3 }) });
    await study.optimize((t) => {
      const x = t.suggestFloat("x", 0, 1);
      return [x, x * x];
    }, { nTrials: 10 });
    await study.close();
    const loaded = await loadStudy({ name: "mo", storage });
    expect(loaded.trials.every((t) => t.values!.length === 2)).toBe(true);
    expect(loaded.bestTrials.length).toBeGreaterThan(0);
    await loaded.close();
  });

  it("refuses to resume a study under other directions, and to create one twice", async () => {
    const storage = `sqlite:${join(dir, "d.db")}`;
    const study = await createStudy({ name: "s", storage, direction: "minimize" });
    await study.close();
    await expect(createStudy({ name: "s", storage, direction: "maximize", loadIfExists: true })).rejects.toThrow(/directions/);
    await expect(createStudy({ name: "s", storage })).rejects.toThrow(/already exists/);
  });
});

describe("a study on a relative SQLite path", () => {
  it("beats into the file it opened after the process changes directory", async () => {
    const home = process.cwd();
    const a = mkdtempSync(join(tmpdir(), "sextant-chdir-a-"));
    const b = mkdtempSync(join(tmpdir(), "sextant-chdir-b-"));
    try {
      process.chdir(a);
      const study = await createStudy({ name: "moved", storage: "sqlite:./hb.db", sampler: new RandomSampler({ seed: 1 }) });
      process.chdir(b);
      try {
        await study.optimize(
          async (trial) => {
            await new Promise((resolve) => setTimeout(resolve, 600));
            return trial.suggestFloat("x", 0, 1);
          },
          { nTrials: 1, heartbeat: { intervalSeconds: 0.1, graceSeconds: 5 } },
        );
      } finally {
        await study.close();
      }
      // The heartbeat thread reopened "./hb.db" in the new directory: a second, empty database
      // took the beats, and another worker reaped the live trial.
      expect(existsSync(join(b, "hb.db"))).toBe(false);
      expect(study.trials.map((t) => t.state)).toEqual(["complete"]);
    } finally {
      process.chdir(home);
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  });
});
