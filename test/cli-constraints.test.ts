// CLI suite (spawns `node bin/sextant.js` against dist/, with a SQLite file per test): a command
// reporting constraints through `sextant tune`, and `sextant best` showing feasible trials only.
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RandomSampler, createStudy } from "../src/index.js";
import { FIXTURES, sextant, sqliteTrials, tempDir } from "./fixtures/cli-run.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const command = (extra: string[] = []) => [
  "--param", "x=float:-5:5", "--param", "y=float:-5:5", "--", "node", join(FIXTURES, "cli-constrained.mjs"), "--x", "{x}", "--y", "{y}", ...extra,
];

describe("constraints reported by a command", () => {
  it("are stored on each trial, and the best trial is the best feasible one", async () => {
    const run = await sextant(["tune", "--study", "c", "--trials", "12", "--seed", "3", "--sampler", "random", "--json", ...command()], {
      cwd: dir,
      env: { CONSTRAINT_LIMIT: "3" },
    });
    expect(run.code, run.stderr).toBe(0);
    const trials = await sqliteTrials(join(dir, "sextant.db"), "c");
    expect(trials).toHaveLength(12);
    for (const t of trials) {
      expect(t.state).toBe("complete");
      const { x, y } = t.params as { x: number; y: number };
      expect(t.systemAttrs.constraints).toEqual([3 - x - y]);
    }
    const feasible = trials.filter((t) => (t.systemAttrs.constraints as number[])[0]! <= 0);
    const infeasible = trials.filter((t) => (t.systemAttrs.constraints as number[])[0]! > 0);
    expect(feasible.length).toBeGreaterThan(0);
    expect(infeasible.length).toBeGreaterThan(0);
    const bestFeasible = Math.min(...feasible.map((t) => t.values![0]!));
    // The unconstrained optimum (2, -1) is infeasible here, and so are points near it.
    expect(Math.min(...trials.map((t) => t.values![0]!))).toBeLessThan(bestFeasible);

    const best = JSON.parse((await sextant(["best", "c", "--json"], { cwd: dir })).stdout);
    expect(best.best.value).toBe(bestFeasible);
    expect(best.best.systemAttrs.constraints[0]).toBeLessThanOrEqual(0);
  });

  it("sextant trials notes a trial of unknown feasibility, which best leaves out", async () => {
    const study = await createStudy({ name: "late", storage: `sqlite:${join(dir, "sextant.db")}`, sampler: new RandomSampler({ seed: 1 }) });
    // Told before the study had constraints: of unknown feasibility, and no note said why best skipped it.
    for (const constraints of [undefined, [1], [-1]]) {
      const trial = await study.ask();
      trial.suggestFloat("x", 0, 1);
      await study.tell(trial, trial.number, constraints ? { constraints } : {});
    }
    await study.close();
    const listed = await sextant(["trials", "late"], { cwd: dir });
    expect(listed.code, listed.stderr).toBe(0);
    const rows = listed.stdout.split("\n").slice(2);
    expect(rows[0]).toMatch(/feasibility unknown \(no constraints reported\)$/);
    expect(rows[1]).toMatch(/infeasible \(violation 1\)$/);
    expect(rows[2]).not.toMatch(/feasib/);
  });

  it("with no feasible trial, sextant best says so and shows the least-violating one", async () => {
    const run = await sextant(["tune", "--study", "none", "--trials", "6", "--seed", "1", "--sampler", "random", "--quiet", ...command()], {
      cwd: dir,
      env: { CONSTRAINT_LIMIT: "100" },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("no feasible trial yet");
    const trials = await sqliteTrials(join(dir, "sextant.db"), "none");
    const violations = trials.map((t) => (t.systemAttrs.constraints as number[])[0]!);
    const least = trials[violations.indexOf(Math.min(...violations))]!;

    const [text, jsonRun] = await Promise.all([sextant(["best", "none"], { cwd: dir }), sextant(["best", "none", "--json"], { cwd: dir })]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('no feasible trial yet in "none"');
    expect(text.stdout).toContain(`least-violating: trial ${least.number}`);
    const json = JSON.parse(jsonRun.stdout);
    expect(json).toMatchObject({ feasible: false, best: null, leastViolating: { number: least.number } });
    expect(json.leastViolating.violation).toBeCloseTo(Math.min(...violations), 12);
  });

  it("with several objectives, sextant best --json prints the feasible Pareto front as an array, [] when none is feasible", async () => {
    const tune = (study: string, limit: string) =>
      sextant(["tune", "--study", study, "--trials", "10", "--seed", "2", "--sampler", "random", "--direction", "minimize,minimize", "--quiet", ...command(["--two"])], {
        cwd: dir,
        env: { CONSTRAINT_LIMIT: limit },
      });
    // Two studies of their own, tuned side by side.
    const [two, none2] = await Promise.all([tune("two", "0"), tune("none2", "100")]);
    expect(two.code, two.stderr).toBe(0);
    const [trials, frontRun, empty] = await Promise.all([
      sqliteTrials(join(dir, "sextant.db"), "two"),
      sextant(["best", "two", "--json"], { cwd: dir }),
      sextant(["best", "none2", "--json"], { cwd: dir }),
    ]);
    const feasible = trials.filter((t) => (t.systemAttrs.constraints as number[])[0]! <= 0);
    expect(feasible.length).toBeGreaterThan(0);
    const front = JSON.parse(frontRun.stdout) as { number: number; values: number[] }[];
    expect(Array.isArray(front)).toBe(true);
    expect(front.length).toBeGreaterThan(0);
    const feasibleNumbers = new Set(feasible.map((t) => t.number));
    for (const t of front) {
      expect(feasibleNumbers.has(t.number)).toBe(true);
      // No feasible trial dominates a member of the front.
      const dominated = feasible.some((o) => o.values![0]! <= t.values[0]! && o.values![1]! <= t.values[1]! && (o.values![0]! < t.values[0]! || o.values![1]! < t.values[1]!));
      expect(dominated).toBe(false);
    }

    expect(none2.code, none2.stderr).toBe(0);
    // The summary says the front is empty and names the nearest miss, without an empty table under it.
    expect(none2.stdout).toMatch(/Pareto front \(minimize, minimize\): 0 trial\(s\)\nno feasible trial yet \(least-violating: trial \d+; see sextant best\)\n$/);
    expect(empty.code, empty.stderr).toBe(0);
    expect(JSON.parse(empty.stdout)).toEqual([]);
    expect(empty.stderr).toContain('no feasible trial yet in "none2"');
  });

  it("sextant export writes each trial's constraint values as CSV columns, so feasible rows can be told apart", async () => {
    const study = await createStudy({ name: "limits", storage: `sqlite:${join(dir, "sextant.db")}`, directions: ["minimize", "maximize"], sampler: new RandomSampler({ seed: 1 }) });
    for (const constraints of [undefined, [0.25, -1], [-0.5, 0]]) {
      const trial = await study.ask();
      trial.suggestFloat("x", 0, 1);
      await study.tell(trial, [trial.number, 2 * trial.number], constraints ? { constraints } : {});
    }
    await study.close();
    const exported = await sextant(["export", "limits", "--format", "csv"], { cwd: dir });
    expect(exported.code, exported.stderr).toBe(0);
    const [header, ...rows] = exported.stdout.trimEnd().split("\r\n").map((line) => line.split(","));
    expect(header!.slice(0, 8)).toEqual(["number", "state", "value_0", "value_1", "constraint_0", "constraint_1", "feasible", "params_x"]);
    // Trial 0 reported no constraints in a constrained study: of unknown feasibility, as sextant trials notes it.
    expect(rows.map((row) => row.slice(4, 7))).toEqual([["", "", ""], ["0.25", "-1", "false"], ["-0.5", "0", "true"]]);

    // A study without constraints keeps the columns it always had.
    const plain = await createStudy({ name: "plain", storage: `sqlite:${join(dir, "sextant.db")}`, sampler: new RandomSampler({ seed: 1 }) });
    const trial = await plain.ask();
    trial.suggestFloat("x", 0, 1);
    await plain.tell(trial, 1);
    await plain.close();
    const unconstrained = await sextant(["export", "plain"], { cwd: dir });
    expect(unconstrained.stdout.split("\r\n")[0]).toBe("number,state,value,params_x,datetime_start,datetime_complete,duration_seconds,fail_reason");
  });

  it("a constraint that is not a number fails the trial with a reason naming it", async () => {
    const run = await sextant(["tune", "--study", "bad", "--trials", "1", "--quiet", ...command(["--bad"])], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('reported constraint 0 is "high", not a finite number');
    const [trial] = await sqliteTrials(join(dir, "sextant.db"), "bad");
    expect(trial!.state).toBe("failed");
    expect(trial!.systemAttrs.failReason).toBe('reported constraint 0 is "high", not a finite number');
  });
});
