// CLI suite (spawns `node bin/sextant.js` against dist/, with a SQLite file per test): importance.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RandomSampler } from "../src/samplers/index.js";
import { openStorage } from "../src/storage/index.js";
import { createStudy } from "../src/study/index.js";
import { sextant, tempDir } from "./fixtures/cli-run.js";

let dir: string;
let cleanup: () => void;
let db: string;
beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  db = join(dir, "runs.db");
  const storage = await openStorage(`sqlite:${db}`);
  const study = await createStudy({ name: "demo", storage, direction: "maximize", sampler: new RandomSampler({ seed: 1 }) });
  // Only `lr` and `kind` matter; `lr` lowers the objective as it grows.
  await study.optimize(
    (trial) => {
      const lr = trial.suggestFloat("lr", 0, 1);
      const noise = trial.suggestFloat("noise", 0, 1);
      const kind = trial.suggestCategorical("kind", ["a", "b"]);
      return -3 * lr + (kind === "b" ? 1 : 0) + 0 * noise;
    },
    { nTrials: 120 },
  );
  await createStudy({ name: "empty", storage, direction: "minimize", sampler: new RandomSampler({ seed: 2 }) });
  const two = await createStudy({ name: "two", storage, directions: ["minimize", "maximize"], sampler: new RandomSampler({ seed: 3 }) });
  await two.optimize((trial) => [trial.suggestFloat("x", 0, 1), trial.suggestFloat("y", 0, 1)], { nTrials: 30 });
  // Resumed with two parameters changed in kind: `size` was an int and became a choice, `rate` the reverse.
  const changed = await createStudy({ name: "changed", storage, direction: "minimize", sampler: new RandomSampler({ seed: 4 }) });
  await changed.optimize(
    (trial) => {
      const size = trial.suggestInt("size", 1, 3);
      const rate = trial.suggestCategorical("rate", ["low", "high"]);
      return size + (rate === "high" ? 1 : 0);
    },
    { nTrials: 20 },
  );
  await changed.optimize(
    (trial) => {
      const size = trial.suggestCategorical("size", ["s", "m", "l"]);
      const rate = trial.suggestFloat("rate", 0, 1);
      return (size === "l" ? 2 : 0) + rate;
    },
    { nTrials: 20 },
  );
  await storage.close();
});
afterAll(() => cleanup());

const run = (args: string[]) => sextant([...args, "--storage", `sqlite:${db}`], { cwd: dir });

describe("sextant importance", () => {
  it("prints the table with a bar and the sign of each effect", async () => {
    const result = await run(["importance", "demo"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe('parameter importance of "demo" by fANOVA, from 120 complete trial(s)');
    expect(lines[1]).toMatch(/^param\s+importance\s+effect$/);
    // One sign per effect: "-0.87", never a sign column before a signed number ("- -0.87").
    expect(lines[3]).toMatch(/^lr\s+0\.\d{3}\s+\[#{15,}\.*\]\s+-0\.\d+$/);
    expect(result.stdout).not.toMatch(/[-+~] [-+]?\d/);
    expect(lines[4]).toMatch(/^kind\s+0\.\d{3}\s+\[#+\.*\]\s+\(categorical\)$/);
    expect(lines[5]).toMatch(/^noise\s+0\.0\d\d\s+\[\.*#?\.*\]\s+(-?0(\.\d+)?(e-\d+)? \(weak\)|[+-]0\.\d+)$/);
  });

  it("names the objective it ranked in a study with several", async () => {
    // --objective 0, 1 and none printed one header, though the tables differ.
    expect((await run(["importance", "two"])).stdout.split("\n")[0]).toBe('parameter importance of "two" for objective 0 (minimize) by fANOVA, from 30 complete trial(s)');
    expect((await run(["importance", "two", "--objective", "1"])).stdout.split("\n")[0]).toBe('parameter importance of "two" for objective 1 (maximize) by fANOVA, from 30 complete trial(s)');
  });

  it("gives the same as JSON, with either method", async () => {
    for (const method of ["fanova", "ped-anova"]) {
      const result = await run(["importance", "demo", "--method", method, "--json"]);
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout);
      expect(json).toMatchObject({ study: "demo", method, nTrials: 120, objective: 0, direction: "maximize" });
      expect(json.params.map((p: { name: string }) => p.name)).toEqual(["lr", "kind", "noise"]);
      expect(json.params.reduce((s: number, p: { importance: number }) => s + p.importance, 0)).toBeCloseTo(1, 9);
      expect(json.params[0].correlation).toBeLessThan(-0.5);
      // kind is categorical: no rank correlation, where 0 would read as a measured "no effect".
      expect(json.params.find((p: { name: string }) => p.name === "kind").correlation).toBeNull();
    }
    const only = JSON.parse((await run(["importance", "demo", "--params", "noise,kind", "--json"])).stdout);
    expect(only.params.map((p: { name: string }) => p.name).sort()).toEqual(["kind", "noise"]);
  });

  it("labels a parameter that changed kind by the kind it was analysed as, the latest trial's", async () => {
    // The first trial's kind decided: size read as a number with a measured correlation of 0, and
    // rate as categorical, its correlation hidden.
    const json = JSON.parse((await run(["importance", "changed", "--params", "size,rate", "--json"])).stdout);
    expect(json.nTrials).toBe(20);
    const size = json.params.find((p: { name: string }) => p.name === "size");
    const rate = json.params.find((p: { name: string }) => p.name === "rate");
    expect(size.correlation).toBeNull();
    expect(rate.correlation).toBeGreaterThan(0.1);
    const table = (await run(["importance", "changed", "--params", "size,rate"])).stdout;
    expect(table).toMatch(/^size\s+\d\.\d{3}\s+\[[#.]+\]\s+\(categorical\)$/m);
    expect(table).toMatch(/^rate\s+\d\.\d{3}\s+\[[#.]+\]\s+\+0\.\d+$/m);
  });

  it("explains what is wrong", async () => {
    const missing = await run(["importance", "nope"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no study named "nope".*studies: demo, empty/);
    const empty = await run(["importance", "empty"]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/importance needs at least 2 complete trials/);
    const method = await run(["importance", "demo", "--method", "shap"]);
    expect(method.code).toBe(2);
    expect(method.stderr).toMatch(/--method/);
    const objective = await run(["importance", "demo", "--objective", "1"]);
    expect(objective.code).toBe(2);
    expect(objective.stderr).toMatch(/--objective 1 is out of range: study "demo" has 1 objective/);
    // A bad option value, like --objective above (it exited 1).
    const param = await run(["importance", "demo", "--params", "depth"]);
    expect(param.code).toBe(2);
    expect(param.stderr).toMatch(/^sextant: --params: study "demo" has no parameter named "depth"/);
  });

  it("has help with examples", async () => {
    const help = await run(["importance", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/\$ sextant importance quickstart --method ped-anova --json/);
  });
});
