// CLI suite (spawns `node bin/sextant.js` against dist/): `sextant copy` between SQLite files and
// `sextant import` of what `sextant export --format json` wrote.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { shellWord } from "../src/cli/format.js";
import { RandomSampler } from "../src/samplers/index.js";
import { openStorage } from "../src/storage/index.js";
import { createOnlineTuner } from "../src/online/index.js";
import { TrialPruned, createStudy, loadStudy } from "../src/study/index.js";
import { FIXTURES, sextant, start, tempDir } from "./fixtures/cli-run.js";
import { type ScratchDatabase, adminQuery, createScratchDatabase, postgresUnavailable } from "./postgres-database.js";

const skipPostgres = await postgresUnavailable();
let database: ScratchDatabase | undefined;
beforeAll(async () => {
  if (skipPostgres === null) database = await createScratchDatabase();
});
afterAll(async () => {
  await database?.drop();
});

let dir: string;
let cleanup: () => void;
let source: string;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  source = `sqlite:${join(dir, "laptop.db")}`;
  const storage = await openStorage(source);
  const study = await createStudy({
    name: "demo",
    storage,
    direction: "minimize",
    sampler: new RandomSampler({ seed: 1 }),
    constraints: (trial) => [(trial.params.x as number) - 3],
  });
  await study.optimize(
    (trial) => {
      const x = trial.suggestFloat("x", -5, 5, { step: 0.25 });
      const label = trial.suggestCategorical("label", ["plain", 'say "hi"', null]);
      const depth = trial.suggestInt("depth", 1, 32, { log: true });
      if (trial.number === 3) throw new Error("diverged");
      if (trial.number === 4) {
        trial.reportIntermediate(NaN, 0);
        throw new TrialPruned();
      }
      trial.reportIntermediate((x - 1) ** 2 + 1, 0);
      trial.setUserAttr("loss", trial.number === 5 ? Infinity : 0.5);
      return (x - 1) ** 2 + String(label).length / 10 + depth / 100;
    },
    { nTrials: 10, maxRetries: 0 },
  );
  const pareto = await createStudy({ name: "pareto", storage, directions: ["minimize", "maximize"], sampler: new RandomSampler({ seed: 2 }) });
  await pareto.optimize((trial) => {
    const a = trial.suggestFloat("a", 0, 1);
    return [a, 1 - a * a];
  }, { nTrials: 8 });
  await storage.close();
});
afterEach(() => cleanup());

const run = (args: string[]) => sextant(args, { cwd: dir });

describe("sextant import", () => {
  it("imports what export --format json wrote: best, the Pareto front and every trial come back", async () => {
    const target = `sqlite:${join(dir, "team.db")}`;
    for (const name of ["demo", "pareto"]) {
      expect((await run(["export", name, "--format", "json", "--output", `${name}.json`, "--storage", source])).code).toBe(0);
      const imported = await run(["import", `${name}.json`, "--storage", target, "--json"]);
      expect(imported.stderr).toBe("");
      expect(imported.code).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({ name, trials: name === "demo" ? 10 : 8, failedBecauseRunning: 0, waiting: 0 });
      const [before, after] = [await run(["best", name, "--storage", source]), await run(["best", name, "--storage", target])];
      expect(after.stdout).toBe(before.stdout);
      const [beforeJson, afterJson] = [await run(["best", name, "--json", "--storage", source]), await run(["best", name, "--json", "--storage", target])];
      expect(afterJson.stdout).toBe(beforeJson.stdout);
    }
    const [from, to] = [await openStorage(source, { readOnly: true }), await openStorage(target, { readOnly: true })];
    const [a, b] = [await loadStudy({ name: "demo", storage: from, sampler: new RandomSampler() }), await loadStudy({ name: "demo", storage: to, sampler: new RandomSampler() })];
    const content = ({ id: _i, seq: _s, ...rest }: (typeof a.trials)[number]) => rest;
    expect(b.trials.map(content)).toEqual(a.trials.map(content));
    expect(Number.isNaN(b.trials[4]!.intermediate[0])).toBe(true);
    expect(b.trials[5]!.userAttrs.loss).toBe(Infinity);
    // Set to null once the import wrote its last trial: the study is no longer half-made.
    expect(b.systemAttrs).toEqual({ ...a.systemAttrs, "copy:writing": null });
    // When the study was made comes back too, as copy keeps it (it was listed as made at the import).
    expect((await to.getStudy("demo"))!.createdAt).toBe((await from.getStudy("demo"))!.createdAt);
    await from.close();
    await to.close();
    const exported = JSON.parse(readFileSync(join(dir, "demo.json"), "utf8"));
    writeFileSync(join(dir, "bad-created.json"), JSON.stringify({ ...exported, createdAt: "last week" }));
    const refused = await run(["import", "bad-created.json", "--study", "demo-bad", "--storage", target]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('bad-created.json: createdAt: must be a time such as "2026-01-31T12:00:00.000Z", or null; got "last week"');
  });

  it("imports an export made before the file held the study's attributes, under another name with --study", async () => {
    await run(["export", "demo", "--format", "json", "--output", "demo.json", "--storage", source]);
    const old = JSON.parse(readFileSync(join(dir, "demo.json"), "utf8"));
    delete old.userAttrs;
    delete old.systemAttrs;
    writeFileSync(join(dir, "old.json"), JSON.stringify(old));
    const imported = await run(["import", "old.json", "--study", "demo-ana", "--storage", source]);
    expect(imported.stdout).toContain('imported study "demo" from old.json');
    expect(imported.stdout).toContain('as "demo-ana": 10 trial(s)');
    expect((await run(["best", "demo-ana", "--storage", source])).stdout).toContain((await run(["best", "demo", "--storage", source])).stdout.split("\n")[1]);
  });

  it("refuses a taken name, a bad file and a missing distribution, naming the field or line, and creates no storage", async () => {
    await run(["export", "demo", "--format", "json", "--output", "demo.json", "--storage", source]);
    const taken = await run(["import", "demo.json", "--storage", source]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('already has a study named "demo": give another name with --study NAME');

    const target = join(dir, "new.db");
    const text = readFileSync(join(dir, "demo.json"), "utf8");
    writeFileSync(join(dir, "broken.json"), text.replace('"state": "complete"', '"state": "complete",,'));
    const broken = await run(["import", "broken.json", "--storage", `sqlite:${target}`]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/broken\.json: not JSON \(.* line \d+ column \d+\)/);

    const exported = JSON.parse(text);
    delete exported.trials[2].distributions.depth;
    writeFileSync(join(dir, "nodist.json"), JSON.stringify(exported));
    const noDistribution = await run(["import", "nodist.json", "--storage", `sqlite:${target}`]);
    expect(noDistribution.code).toBe(2);
    expect(noDistribution.stderr).toContain("nodist.json: trials[2].distributions.depth: missing: every parameter needs its distribution");
    expect(existsSync(target)).toBe(false);

    const missing = await run(["import", "nothere.json", "--storage", `sqlite:${target}`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cannot read nothere.json: no such file");
    expect(existsSync(target)).toBe(false);
  });

  it("refuses a complete trial whose value is not finite as it refuses other shape errors, naming the trial and field, and imports nothing", async () => {
    await run(["export", "demo", "--format", "json", "--output", "demo.json", "--storage", source]);
    const text = readFileSync(join(dir, "demo.json"), "utf8");
    const complete = (JSON.parse(text) as { trials: { state: string }[] }).trials.findIndex((trial) => trial.state === "complete");
    const target = join(dir, "new.db");
    // A study fails the trial whose objective gives NaN or ±Infinity: imported, a complete trial
    // valued -Infinity was named the best by sextant best.
    for (const [value, shown] of [
      ['"NaN"', '"NaN"'],
      ['"-Infinity"', '"-Infinity"'],
      ['"Infinity"', '"Infinity"'],
      // A number too large for a double, which JSON.parse reads as -Infinity.
      ["-1e999", "-Infinity"],
    ]) {
      const exported = JSON.parse(text) as { trials: { values: unknown[] }[] };
      exported.trials[complete]!.values = ["VALUE"];
      writeFileSync(join(dir, "bad.json"), JSON.stringify(exported).replace('["VALUE"]', `[${value}]`));
      const refused = await run(["import", "bad.json", "--storage", `sqlite:${target}`]);
      expect([refused.code, refused.stderr], value).toEqual([
        2,
        `sextant: bad.json: trials[${complete}].values[0]: must be a finite number in a complete trial (a study fails the trial whose objective gives NaN or ±Infinity), got ${shown}\n`,
      ]);
      expect(existsSync(target)).toBe(false);
    }
  });
});

describe("sextant import of an export another version of Sextant wrote", () => {
  it("imports an older Sextant's export whole, and refuses a field it does not know rather than drop it", async () => {
    // Written by sextant export --format json of commit 7b38131 (November 2026): complete, pruned,
    // failed, running and waiting trials, intermediate values, user and system attributes.
    const old = join(FIXTURES, "export-7b38131.json");
    const target = join(dir, "team.db");
    const imported = await run(["import", old, "--storage", `sqlite:${target}`, "--json"]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ name: "lib-basic", trials: 8, failedBecauseRunning: 1, waiting: 1 });
    const trials = JSON.parse((await run(["trials", "lib-basic", "--json", "--storage", `sqlite:${target}`])).stdout) as FrozenTrialJson[];
    expect(trials.slice(0, 4).map((t) => [t.state, t.userAttrs.note, Object.keys(t.intermediate).length])).toEqual([
      ["complete", 'trial 0 ü "quoted"', 3],
      ["complete", 'trial 1 ü "quoted"', 3],
      ["pruned", 'trial 2 ü "quoted"', 3],
      ["failed", 'trial 3 ü "quoted"', 3],
    ]);
    expect(trials[3]!.systemAttrs).toMatchObject({ failReason: "diverged: nan loss", mine: { i: 3 } });

    // A newer Sextant's export with a field this one does not read: refused, naming it, and nothing written.
    const exported = JSON.parse(readFileSync(old, "utf8"));
    const newer = join(dir, "newer.json");
    writeFileSync(newer, JSON.stringify({ ...exported, formatVersion: 2 }));
    const refused = await run(["import", newer, "--study", "newer", "--storage", `sqlite:${target}`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${newer}: formatVersion: not a field this version of Sextant imports; it reads study, directions,`);
    exported.trials[1].constraint = [0.5];
    writeFileSync(newer, JSON.stringify(exported));
    const trialField = await run(["import", newer, "--study", "newer", "--storage", `sqlite:${target}`]);
    expect(trialField.code).toBe(2);
    expect(trialField.stderr).toContain("trials[1].constraint: not a field this version of Sextant imports");
    expect((await run(["studies", "--json", "--storage", `sqlite:${target}`])).stdout).not.toContain('"newer"');
  });
});

type FrozenTrialJson = { state: string; userAttrs: Record<string, unknown>; systemAttrs: Record<string, unknown>; intermediate: Record<string, number> };

describe("sextant import of a file that is not quite the JSON export", () => {
  it("reads one saved with a byte order mark, and says what a CSV export, a cut-short file and another program's JSON are", async () => {
    await run(["export", "demo", "--format", "json", "--output", "demo.json", "--storage", source]);
    await run(["export", "demo", "--output", "demo.csv", "--storage", source]);
    const text = readFileSync(join(dir, "demo.json"), "utf8");
    writeFileSync(join(dir, "bom.json"), `\uFEFF${text}`);
    const withMark = await run(["import", "bom.json", "--study", "demo-bom", "--storage", source]);
    expect(withMark.stderr).toBe("");
    expect(withMark.code).toBe(0);
    expect(withMark.stdout).toContain('as "demo-bom": 10 trial(s)');

    writeFileSync(join(dir, "cut.json"), text.slice(0, Math.floor(text.length / 2)));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", dependencies: {} }));
    const refusals = [
      { file: "demo.csv", problem: "demo.csv: this is the CSV that sextant export writes by default; import reads the JSON one: sextant export STUDY --format json" },
      { file: "cut.json", problem: "cut.json: the JSON ends early, after " },
      { file: "package.json", problem: "package.json: not a study exported by sextant: it has none of the fields study, directions, trials (its fields: name, version, dependencies)" },
    ];
    for (const { file, problem } of refusals) {
      const refused = await run(["import", file, "--study", "demo-2", "--storage", source]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(problem);
    }
  });
});

describe("sextant import of a trial that was running when the study was exported", () => {
  it("fails it as of the export, not of the import, and says its worker reports to the storage it came from", async () => {
    const storage = await openStorage(source);
    const study = (await storage.getStudy("demo"))!;
    const running = await storage.createTrial(study.id, { state: "running", params: { x: 1 }, distributions: { x: { type: "float", low: -5, high: 5, step: 0.25 } } });
    await storage.close();
    await run(["export", "demo", "--format", "json", "--output", "demo.json", "--storage", source]);
    const exported = JSON.parse(readFileSync(join(dir, "demo.json"), "utf8"));
    expect(Date.parse(exported.exportedAt)).toBeGreaterThanOrEqual(running.startedAt!);
    // Imported a week after it was exported, as a file sent by mail may be: the trial did not run that week.
    const weekAgo = (iso: string) => new Date(Date.parse(iso) - 7 * 86_400_000).toISOString();
    const aged = { ...exported, exportedAt: weekAgo(exported.exportedAt), trials: exported.trials.map((t: { startedAt: string | null; finishedAt: string | null }) => ({ ...t, startedAt: t.startedAt && weekAgo(t.startedAt), finishedAt: t.finishedAt && weekAgo(t.finishedAt) })) };
    writeFileSync(join(dir, "aged.json"), JSON.stringify(aged));
    delete aged.exportedAt; // as written before exports said when they were made
    writeFileSync(join(dir, "older.json"), JSON.stringify(aged));
    const lastTime = Math.max(...aged.trials.flatMap((t: { startedAt: string | null; finishedAt: string | null }) => [t.startedAt, t.finishedAt].filter((x) => x !== null).map((x) => Date.parse(x!))));
    for (const [file, copy, failedAt] of [["aged.json", "demo-aged", Date.parse(weekAgo(exported.exportedAt))], ["older.json", "demo-older", lastTime]] as const) {
      expect((await run(["import", file, "--study", copy, "--storage", source])).code).toBe(0);
      const [trial] = (await run(["trials", copy, "--storage", source, "--json"]).then((r) => JSON.parse(r.stdout) as { number: number; state: string; finishedAt: string; systemAttrs: { failReason: string } }[])).filter((t) => t.number === running.number);
      expect(trial!.state).toBe("failed");
      expect(Date.parse(trial!.finishedAt)).toBe(failedAt);
      expect(trial!.systemAttrs.failReason).toBe(`it was running when the study was exported (${file}); its worker reports to the storage the study came from, not to this one`);
    }
  });
});

describe("sextant import of trials not numbered 0, 1, 2, …", () => {
  it("refuses a gap or a number given twice as a problem of the file, naming the number, and writes nothing", async () => {
    await run(["export", "demo", "--format", "json", "--output", "demo.json", "--storage", source]);
    const exported = JSON.parse(readFileSync(join(dir, "demo.json"), "utf8"));
    // What `jq '.trials |= map(select(.state == "complete"))'` leaves: trial 3 failed, so it is gone.
    writeFileSync(join(dir, "gap.json"), JSON.stringify({ ...exported, trials: exported.trials.filter((t: { number: number }) => t.number !== 3) }));
    writeFileSync(join(dir, "twice.json"), JSON.stringify({ ...exported, trials: exported.trials.map((t: { number: number }) => (t.number === 3 ? { ...t, number: 2 } : t)) }));
    const target = join(dir, "team.db");
    const gap = await run(["import", "gap.json", "--storage", `sqlite:${target}`]);
    expect(gap.code).toBe(2);
    expect(gap.stderr).toContain("gap.json: trials: trial number 3 is missing");
    expect(gap.stderr).not.toContain("bug");
    const twice = await run(["import", "twice.json", "--storage", `sqlite:${target}`]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("twice.json: trials[3].number: trial number 2 is given twice (trials[2] has it too)");
    expect(existsSync(target)).toBe(false);
  });
});

describe("sextant copy of a study whose queued budget a worker is running", () => {
  it("queues the running trial again in the copy, whose workers then run the whole budget", { timeout: 60_000 }, async () => {
    const [from, to] = [`sqlite:${join(dir, "budget.db")}`, `sqlite:${join(dir, "copy.db")}`];
    const slow = join(FIXTURES, "cli-slow.sh");
    const created = await run(["create", "--storage", from, "--study", "b", "--trials", "3", "-p", "x=float:0:10", "--", "sh", slow, "{x}"]);
    expect(created.code, created.stderr).toBe(0);
    const pids = join(dir, "pids");
    const busy = start(["worker", "--storage", from, "--study", "b"], { cwd: dir, env: { SLEEP: "600000", PIDS: pids } });
    try {
      // Its first trial's command has started: the trial is running.
      while (!existsSync(pids) || readFileSync(pids, "utf8").trim() === "") await new Promise((resolve) => setTimeout(resolve, 20));
      const copied = await run(["copy", "b", "--from-storage", from, "--to-storage", to]);
      expect(copied.code, copied.stderr).toBe(0);
      expect(copied.stdout).toContain("1 running trial(s) written as failed: their workers report to the old storage; 1 queued again with their parameters (retryOf)");
    } finally {
      busy.child.kill("SIGKILL");
      for (const pid of readFileSync(pids, "utf8").trim().split("\n")) process.kill(Number(pid), "SIGKILL");
      await busy.done;
    }
    const worker = await sextant(["worker", "--storage", to, "--study", "b"], { cwd: dir, env: { SLEEP: "10" } });
    expect(worker.code, worker.stderr).toBe(0);
    const storage = await openStorage(to, { readOnly: true });
    const { trials } = await storage.trialsSince((await storage.getStudy("b"))!.id, 0);
    await storage.close();
    // Without the retry: 2 complete, and the budget of 3 one short for good.
    expect(trials.map((t) => t.state)).toEqual(["failed", "complete", "complete", "complete"]);
    expect(trials[3]!.systemAttrs).toMatchObject({ retryOf: 0, retryCount: 1 });
  });
});

describe("sextant copy of an online tuner", () => {
  it("copies it to SQLite and PostgreSQL, where online choose and observe go on as in the source, which is left as it was", async () => {
    const storage = await openStorage(source);
    const tuner = await createOnlineTuner({ name: "sor", storage, parameter: { low: 1, high: 1.9, arms: 10 }, costScale: 120, seed: 5 });
    const cost = (round: number, value: number): number => 30 + 70 * Math.abs(value - 1.4) + (round % 5);
    for (let round = 0; round < 12; round++) await tuner.observe(cost(round, await tuner.choose()));
    const waiting = await tuner.choose();
    await storage.close();
    const show = async (name: string, url: string) => {
      const shown = await run(["online", "show", name, "--json", "--storage", url]);
      expect(shown.code, shown.stderr).toBe(0);
      return { ...JSON.parse(shown.stdout), name: null };
    };
    const before = await show("sor", source);

    const target = `sqlite:${join(dir, "team.db")}`;
    const copied = await run(["copy", "sor", "--from-storage", source, "--to-storage", target]);
    expect([copied.code, copied.stderr]).toEqual([0, ""]);
    expect(copied.stdout).toContain(`copied online tuner "sor" from ${source} to ${target} as "sor": 12 cost(s) observed`);
    expect(copied.stdout).toContain(`the value ${waiting} chosen in round 12 waits for its cost in the copy as in the source: the copy's next choose returns it again`);
    const copies: [string, string][] = [["sor", target]];
    if (skipPostgres === null) {
      const fleet = new URL(`${database!.url}?schema=tuners`);
      fleet.password = "secret";
      const toFleet = await run(["copy", "sor", "--from-storage", source, "--to-storage", fleet.toString(), "--to-study", "sor-fleet", "--json"]);
      expect([toFleet.code, toFleet.stderr]).toEqual([0, ""]);
      expect(toFleet.stdout).not.toContain("secret");
      const shown = new URL(fleet);
      shown.password = "***";
      expect(JSON.parse(toFleet.stdout)).toEqual({
        study: "sor",
        from: source,
        to: shown.toString(),
        onlineTuner: { rounds: 12, pending: waiting },
        name: "sor-fleet",
        trials: 0,
        failedBecauseRunning: 0,
        queuedAgain: 0,
        waiting: 0,
        droppedStudyAttrs: [],
      });
      copies.push(["sor-fleet", fleet.toString()]);
    }
    expect(await show("sor", source)).toEqual(before);
    for (const [name, url] of copies) expect(await show(name, url)).toEqual(before);

    // The value waiting is chosen again everywhere; then, with the same costs, the same choices.
    // The storages are independent, so each round's choose and observe run in all of them at once.
    for (let round = 12; round < 15; round++) {
      const chosen = await Promise.all(
        [["sor", source], ...copies].map(async ([name, url]) => {
          const choice = await run(["online", "choose", name!, "--json", "--storage", url!]);
          expect(choice.code, choice.stderr).toBe(0);
          const { value } = JSON.parse(choice.stdout) as { value: number };
          const observed = await run(["online", "observe", name!, String(cost(round, value)), "--round", String(round), "--storage", url!]);
          expect(observed.code, observed.stderr).toBe(0);
          return JSON.parse(choice.stdout) as unknown;
        }),
      );
      if (round === 12) expect(chosen[0]).toEqual({ value: waiting, round: 12 });
      expect(chosen).toEqual(chosen.map(() => chosen[0]));
    }

    // A name taken in the target, and the tuner itself, are refused as a study's are.
    const again = await run(["copy", "sor", "--from-storage", source, "--to-storage", target]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`already has a study named "sor": give another name with --to-study NAME, or delete that one first with "sextant delete sor --storage ${shellWord(target)} --yes"`);
    const itself = await run(["copy", "sor", "--from-storage", source, "--to-storage", "sqlite:./laptop.db"]);
    expect(itself.code).toBe(2);
    expect(itself.stderr).toContain(`--to-storage sqlite:./laptop.db is the storage the study is copied from (--from-storage ${source}), and "sor" is the study being copied: give --to-study NAME`);
    // About 30 commands, each a Node start-up: over a minute on a loaded 2-core machine.
  }, 180_000);
});

describe("sextant copy", () => {
  it("copies a study between SQLite files, which then tunes on", async () => {
    const target = `sqlite:${join(dir, "team.db")}`;
    const copied = await run(["copy", "demo", "--from-storage", source, "--to-storage", target]);
    expect(copied.stderr).toBe("");
    expect(copied.stdout).toContain(`copied study "demo" from ${source} to ${target} as "demo": 10 trial(s)`);
    expect((await run(["best", "demo", "--storage", target])).stdout).toBe((await run(["best", "demo", "--storage", source])).stdout);

    const renamed = await run(["copy", "pareto", "--from-storage", source, "--to-storage", source, "--to-study", "pareto-2", "--json"]);
    expect(JSON.parse(renamed.stdout)).toMatchObject({ study: "pareto", name: "pareto-2", trials: 8 });
    expect((await run(["best", "pareto-2", "--storage", source])).stdout).toBe((await run(["best", "pareto", "--storage", source])).stdout.replace('"pareto"', '"pareto-2"'));

    const tuned = await run(["tune", "--study", "demo", "--storage", target, "--sampler", "tpe", "--param", "x=float:-5:5:step=0.25", "--trials", "2", "--", process.execPath, "-e", 'console.log(\'sextant: {"value": 1, "constraints": [-1]}\')']);
    expect(tuned.stderr).toContain('study "demo" resumed');
    expect(tuned.stderr).not.toContain("failed");

    const reported = 'console.log(\'sextant: {"value": 1, "constraints": [-1]}\')';
    const warm = await run(["tune", "--study", "next", "--warm-start", "demo", "--storage", target, "--sampler", "tpe", "--param", "x=float:-5:5:step=0.25", "--trials", "2", "--", process.execPath, "-e", reported]);
    expect(warm.stderr).not.toContain("failed");
    expect(warm.stderr).not.toMatch(/no study named|not found/);
    expect(warm.code).toBe(0);
    const storage = await openStorage(target, { readOnly: true });
    expect((await storage.getStudy("next"))!.systemAttrs.warmStartFrom).toEqual(["demo"]);
    await storage.close();
    expect(tuned.code).toBe(0);
  });

  it("refuses a missing source study, a taken target name and missing flags, creating no storage", async () => {
    const target = join(dir, "team.db");
    const missing = await run(["copy", "nope", "--from-storage", source, "--to-storage", `sqlite:${target}`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no study named "nope"');
    expect(existsSync(target)).toBe(false);

    // copy has no --storage, and ignores SEXTANT_STORAGE: the hint names the flag it reads.
    const noFile = await run(["copy", "demo", "--from-storage", "sqlite:elsewhere.db", "--to-storage", `sqlite:${target}`]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toContain(`does not exist; point at one with --from-storage URL, e.g. --from-storage sqlite:./runs.db`);
    expect(existsSync(target)).toBe(false);

    const taken = await run(["copy", "demo", "--from-storage", source, "--to-storage", source, "--to-study", "pareto"]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('already has a study named "pareto": give another name with --to-study NAME');
    expect(taken.stderr).toContain(`or delete that one first with "sextant delete pareto --storage ${shellWord(source)} --yes"`);

    const itself = await run(["copy", "demo", "--from-storage", source, "--to-storage", source]);
    expect(itself.code).toBe(2);
    expect(itself.stderr).toContain("give --to-study NAME");

    // The same file spelled another way: the advice to delete the study "already there" deleted the study being copied.
    const sameFile = await run(["copy", "demo", "--from-storage", source, "--to-storage", "sqlite:./laptop.db"]);
    expect(sameFile.code).toBe(2);
    expect(sameFile.stderr).toContain(`--to-storage sqlite:./laptop.db is the storage the study is copied from (--from-storage ${source}), and "demo" is the study being copied: give --to-study NAME`);
    expect(sameFile.stderr).not.toContain("sextant delete");

    const noTarget = await run(["copy", "demo", "--from-storage", source]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain("--to-storage is required");
  });

  it("refuses a target that lives only inside the process, where the copy would vanish as it reports success", async () => {
    await run(["export", "demo", "--format", "json", "--output", "demo.json", "--storage", source]);
    const attempts = [
      { args: ["copy", "demo", "--from-storage", source, "--to-storage", "memory:"], problem: "--to-storage memory: lives only inside this process" },
      { args: ["copy", "demo", "--from-storage", source, "--to-storage", "sqlite::memory:"], problem: "--to-storage sqlite::memory: lives only inside this process" },
      { args: ["import", "demo.json", "--storage", "memory:"], problem: "--storage memory: lives only inside this process" },
    ];
    for (const { args, problem } of attempts) {
      const refused = await run(args);
      expect(refused.code).toBe(2);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).toContain(problem);
      expect(refused.stderr).toContain("would be gone as soon as sextant");
    }
    const fromEnvironment = await sextant(["import", "demo.json"], { cwd: dir, env: { SEXTANT_STORAGE: "memory:" } });
    expect(fromEnvironment.code).toBe(2);
    expect(fromEnvironment.stderr).toContain("$SEXTANT_STORAGE=memory: lives only inside this process");
  });

  it("run again after a copy was killed midway, says the study there holds part of the trials and how to replace it", async () => {
    const target = `sqlite:${join(dir, "team.db")}`;
    // What SIGKILL (or a machine that went down) leaves: the study and its first trials, with no chance to delete them.
    const [from, to] = [await openStorage(source, { readOnly: true }), await openStorage(target)];
    const record = (await from.getStudy("demo"))!;
    const { trials } = await from.trialsSince(record.id, 0);
    const partial = await to.createStudy("demo", record.directions, { systemAttrs: { ...record.systemAttrs, "copy:writing": `copied from "demo" in ${source}` } });
    for (const trial of trials.slice(0, 4)) await to.insertFinishedTrial!(partial.id, { ...trial, state: trial.state as "complete" | "pruned" | "failed" });
    await from.close();
    await to.close();
    const again = await run(["copy", "demo", "--from-storage", source, "--to-storage", target]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${target} already has a study named "demo" that holds only the first 4 of its 10 trials: a copy of it that stopped before it finished`);
    expect(again.stderr).toContain(`delete it with "sextant delete demo --storage ${shellWord(target)} --yes" and run this command again`);
    // Another study of that name is still refused as taken, without the guess.
    const other = await run(["copy", "pareto", "--from-storage", source, "--to-storage", target, "--to-study", "demo"]);
    expect(other.stderr).toContain(`already has a study named "demo": give another name with --to-study NAME`);
  });

  it("copied back to the storage it came from, says the study there is another of that name, not a stopped copy to delete", async () => {
    const target = `sqlite:${join(dir, "team.db")}`;
    expect((await run(["copy", "demo", "--from-storage", source, "--to-storage", target])).code).toBe(0);
    // Tuned on in the copy: the original now holds the copy's first 10 trials of 11, and carries no mark of a copy that stopped.
    const team = await openStorage(target);
    const copy = await loadStudy({ name: "demo", storage: team, sampler: new RandomSampler({ seed: 3 }) });
    await copy.optimize((trial) => trial.suggestFloat("x", -5, 5, { step: 0.25 }) ** 2, { nTrials: 1 });
    await team.close();
    const back = await run(["copy", "demo", "--from-storage", target, "--to-storage", source]);
    expect(back.code).toBe(1);
    expect(back.stderr).toContain(
      `${source} already has a study named "demo" that holds the first 10 of its 11 trials, but it is not a copy that stopped midway (no copy or import left its mark on it): ` +
        `it is another study of that name, such as the one this study was copied from; give the copy another name with --to-study NAME`,
    );
    // Deleting it "to replace it" deleted the original.
    expect(back.stderr).not.toContain("sextant delete");
    expect(back.stderr).not.toContain("stopped before it finished");
    expect((await run(["copy", "demo", "--from-storage", target, "--to-storage", source, "--to-study", "demo-tuned"])).code).toBe(0);
  });

  it("stopped with Ctrl-C while it waits for an unreachable database, ends at once having written nothing", async () => {
    // A port nobody listens on: the copy retries the connection for minutes, as for a database restarting.
    const closed = await new Promise<number>((resolvePort) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolvePort(port));
      });
    });
    const target = `postgres://me:secret@127.0.0.1:${closed}/sextant`;
    const copying = start(["copy", "demo", "--from-storage", source, "--to-storage", target], { cwd: dir });
    await copying.waitForStderr("retrying for up to");
    copying.child.kill("SIGINT");
    const stopped = await copying.done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain(`interrupted (SIGINT) before postgres://me:***@127.0.0.1:${closed}/sextant was open; nothing was written`);
  });

  /**
   * Copies `study` into the scratch PostgreSQL database while another session holds back every
   * trial insert, sends Ctrl-C once the copy waits on it, then lets the insert through: Ctrl-C
   * reaches the copy midway, whatever the machine's speed.
   */
  async function copyStoppedWhileWriting(study: string, signal: NodeJS.Signals = "SIGINT") {
    const target = database!.url;
    await (await openStorage(target)).close(); // its tables, which the lock below needs
    const blocker = new pg.Client({ connectionString: target });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE public.sextant_trials IN SHARE MODE");
      const copying = start(["copy", study, "--from-storage", source, "--to-storage", target, "--json"], { cwd: dir });
      // Asked on another connection: inside the blocker's transaction, pg_stat_activity stays as first read.
      const waiting = async () => (await adminQuery("SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [database!.name])).length > 0;
      while (!(await waiting())) await new Promise((resolve) => setTimeout(resolve, 20));
      copying.child.kill(signal);
      await copying.waitForStderr(`interrupted (${signal})`);
      await blocker.query("ROLLBACK");
      return { target, stopped: await copying.done };
    } finally {
      await blocker.end();
    }
  }

  async function studyIn(url: string, name: string) {
    const storage = await openStorage(url, { readOnly: true });
    try {
      return await storage.getStudy(name);
    } finally {
      await storage.close();
    }
  }

  it.skipIf(skipPostgres !== null)("killed with SIGKILL midway, leaves a half-made study that studies lists and worker and tune refuse, saying what to do", async () => {
    const target = database!.url;
    await (await openStorage(target)).close(); // its tables, which the lock below needs
    const blocker = new pg.Client({ connectionString: target });
    await blocker.connect();
    const refusal = `study "demo" in ${target} is half-made: a sextant copy/import is still writing it, or was killed before it wrote its last trial; ` +
      `unless that copy is still running, delete it with "sextant delete demo --storage ${shellWord(target)} --yes" and copy again`;
    try {
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE public.sextant_trials IN SHARE MODE");
      const copying = start(["copy", "demo", "--from-storage", source, "--to-storage", target], { cwd: dir });
      const waiting = async () => (await adminQuery("SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [database!.name])).length > 0;
      while (!(await waiting())) await new Promise((resolve) => setTimeout(resolve, 20));
      // A worker started while the copy writes: it joined the study and ran trials in it.
      const early = await run(["worker", "--storage", target, "--study", "demo"]);
      expect(early.code).toBe(1);
      expect(early.stderr).toContain(refusal);
      copying.child.kill("SIGKILL");
      expect((await copying.done).signal).toBe("SIGKILL");
    } finally {
      await blocker.query("ROLLBACK").catch(() => undefined);
      await blocker.end();
    }
    // The scratch database is shared by this file's tests: a failure here must not leave "demo" behind.
    onTestFinished(async () => {
      const storage = await openStorage(target);
      await storage.deleteStudy("demo");
      await storage.close();
    });
    const listed = await run(["studies", "--storage", target]);
    expect(listed.stdout).toContain("demo (half-made)");
    const tune = await run(["tune", "--study", "demo", "--storage", target, "--param", "x=float:-5:5", "--trials", "2", "--", process.execPath, "-e", "console.log(1)"]);
    const worker = await run(["worker", "--storage", target, "--study", "demo"]);
    for (const refused of [tune, worker]) {
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(refusal);
    }
    // The insert it waited on (all 10 trials, one batch) may still land once the lock goes: the
    // study stays half-made all the same, and a copy run again says it is one that stopped.
    const storage = await openStorage(target, { readOnly: true });
    const record = (await storage.getStudy("demo"))!;
    const written = (await storage.trialsSince(record.id, 0)).trials.length;
    expect([0, 10]).toContain(written);
    await storage.close();
    const stoppedCopy = await run(["copy", "demo", "--from-storage", source, "--to-storage", target]);
    expect(stoppedCopy.code).toBe(1);
    expect(stoppedCopy.stderr).toContain(
      `${target} already has a study named "demo" that ${written === 10 ? "holds its 10 trials but not the last write of a copy" : "holds only the first 0 of its 10 trials"}: a copy of it that stopped before it finished`,
    );
    // Run again with a password in the URL: the delete command it prints shows it as ***, and says to put it back.
    const withPassword = new URL(target);
    withPassword.password = "secret";
    const taken = await run(["copy", "demo", "--from-storage", source, "--to-storage", withPassword.toString()]);
    expect(taken.code).toBe(1);
    withPassword.password = "***";
    expect(taken.stderr.replace(/\s+/g, " ")).toContain(`delete it with "sextant delete demo --storage '${withPassword.toString()}' --yes" (with your password in place of ***)`);
    expect((await run(["delete", "demo", "--storage", target, "--yes"])).code).toBe(0);
    const again = await run(["copy", "demo", "--from-storage", source, "--to-storage", target]);
    expect(again.code, again.stderr).toBe(0);
    const tuned = await run(["tune", "--study", "demo", "--storage", target, "--param", "x=float:-5:5:step=0.25", "--trials", "1", "--", process.execPath, "-e", 'console.log(\'sextant: {"value": 1, "constraints": [-1]}\')']);
    expect(tuned.code, tuned.stderr).toBe(0);
  });

  it.skipIf(skipPostgres !== null)("stopped with Ctrl-C, deletes the trials it wrote, so the same command runs again", async () => {
    const { target, stopped } = await copyStoppedWhileWriting("demo");
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain(`nothing was written to ${target}; run the same command again`);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ study: "demo", interrupted: true, signal: "SIGINT", trials: 0 });
    // Left behind, the study's first trial made a "copy" that tuned on from part of the history, and took the name.
    expect(await studyIn(target, "demo")).toBeNull();
    const again = await run(["copy", "demo", "--from-storage", source, "--to-storage", target]);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('as "demo": 10 trial(s)');
  });

  it.skipIf(skipPostgres !== null)("stopped with Ctrl-\\ (SIGQUIT), deletes the trials it wrote as Ctrl-C does, and exits 131", async () => {
    // The test before leaves its finished copy in the shared scratch database.
    const before = await openStorage(database!.url);
    if ((await before.getStudy("demo")) !== null) await before.deleteStudy("demo");
    await before.close();
    const { target, stopped } = await copyStoppedWhileWriting("demo", "SIGQUIT");
    // Node's default action killed it and left the half-made study for a sextant delete.
    expect([stopped.code, stopped.signal], stopped.stderr).toEqual([131, null]);
    expect(stopped.stderr).toContain(`nothing was written to ${target}; run the same command again`);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ study: "demo", interrupted: true, signal: "SIGQUIT", trials: 0 });
    expect(await studyIn(target, "demo")).toBeNull();
  });

  it.skipIf(skipPostgres !== null)("stopped with Ctrl-C while it writes its last trial, keeps to what it said: nothing written", async () => {
    const storage = await openStorage(source);
    const one = await storage.createStudy("one", ["minimize"]);
    await storage.insertFinishedTrial!(one.id, { state: "complete", params: {}, distributions: {}, values: [1], intermediate: {}, userAttrs: {}, systemAttrs: {}, startedAt: 1, finishedAt: 2 });
    await storage.close();
    const { target, stopped } = await copyStoppedWhileWriting("one");
    // It said "interrupted; deleting the trials written so far", then "copied … 1 trial(s)" and exit 0.
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain(`nothing was written to ${target}`);
    expect(await studyIn(target, "one")).toBeNull();
  });
});
