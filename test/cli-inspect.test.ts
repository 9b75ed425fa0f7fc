// CLI suite (spawns `node bin/sextant.js` against dist/, with a SQLite file per test): studies,
// trials, best, export, delete.
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GPSampler, RandomSampler } from "../src/samplers/index.js";
import { Rng } from "../src/math/rng.js";
import { createOnlineTuner } from "../src/online/index.js";
import { openStorage } from "../src/storage/index.js";
import { TrialPruned, createStudy, loadStudy } from "../src/study/index.js";
import { type RunResult, copySqliteDatabase, sextant, start, tempDir } from "./fixtures/cli-run.js";
import { havePython, onTerminal } from "./fixtures/terminal.js";

let dir: string;
let cleanup: () => void;
let db: string;
// The studies every test starts from, made once through the library and copied into each test's
// folder: making them again for each of the tests ran the same 14 trials 18 times.
let template: { dir: string; cleanup: () => void };
beforeAll(async () => {
  template = tempDir();
  const storage = await openStorage(`sqlite:${join(template.dir, "runs.db")}`);
  const study = await createStudy({ name: "demo", storage, direction: "minimize", sampler: new RandomSampler({ seed: 1 }) });
  await study.optimize(
    (trial) => {
      const x = trial.suggestFloat("x", -5, 5);
      const label = trial.suggestCategorical("label", ['plain', 'with, comma', 'say "hi"', "two\nlines"]);
      if (trial.number === 3) throw new Error('bad "input", really');
      if (trial.number === 4) {
        trial.reportIntermediate(9, 0);
        throw new TrialPruned();
      }
      return (x - 1) ** 2 + label.length;
    },
    { nTrials: 8 },
  );
  const multi = await createStudy({ name: "pareto", storage, directions: ["minimize", "minimize"], sampler: new RandomSampler({ seed: 2 }) });
  await multi.optimize((trial) => {
    const a = trial.suggestFloat("a", 0, 1);
    return [a, 1 - a];
  }, { nTrials: 5 });
  await multi.optimize(() => [2, 2], { nTrials: 1 });
  await storage.close();
});
afterAll(() => template.cleanup());
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  db = join(dir, "runs.db");
  copySqliteDatabase(join(template.dir, "runs.db"), db);
});
afterEach(() => cleanup());

const run = (args: string[], input?: string) => sextant([...args, "--storage", `sqlite:${db}`], { cwd: dir, input });

// The unreachable server's test waits out the CLI's retry window (10 s) on a process that only
// sleeps and retries: started with the file, that wait goes on while the other tests run.
let unreachable: Promise<RunResult & { seconds: number }>;
beforeAll(() => {
  const began = Date.now();
  unreachable = sextant(["studies", "--storage", "postgres://nobody@127.0.0.1:1/none"], { cwd: tmpdir() }).then((result) => ({ ...result, seconds: (Date.now() - began) / 1000 }));
});

describe("reading studies", () => {
  it("lists studies, with --json", async () => {
    const [text, listed] = await Promise.all([run(["studies"]), run(["studies", "--json"])]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^name\s+directions\s+complete\s+pruned\s+failed\s+running\s+waiting\s+best\s+created/);
    expect(text.stdout).toMatch(/demo\s+minimize\s+6\s+1\s+1\s+0\s+0/);
    const json = JSON.parse(listed.stdout);
    expect(json.map((s: { name: string }) => s.name).sort()).toEqual(["demo", "pareto"]);
    const demo = json.find((s: { name: string }) => s.name === "demo");
    expect(demo.trialCounts).toEqual({ waiting: 0, running: 0, complete: 6, pruned: 1, failed: 1 });
    expect(demo.directions).toEqual(["minimize"]);
    expect(typeof demo.bestValue).toBe("number");
  });

  it("shows a multi-objective study's best as the size of its Pareto front, not the '-' of a study with no results", async () => {
    // pareto: five trials on a - b trade-off's front and one, [2, 2], that they all dominate.
    const [text, listed] = await Promise.all([run(["studies"]), run(["studies", "--json"])]);
    expect(text.stdout).toMatch(/pareto\s+minimize,minimize\s+6\s+0\s+0\s+0\s+0\s+front=5\s/);
    const json = JSON.parse(listed.stdout);
    const pareto = json.find((s: { name: string }) => s.name === "pareto");
    expect(pareto.paretoFrontSize).toBe(5);
    expect(json.find((s: { name: string }) => s.name === "demo")).not.toHaveProperty("paretoFrontSize");
  });

  it("says no storage was found, and how to point at one, for a database that does not exist, without creating it", async () => {
    const commands = [["trials", "demo"], ["best", "demo"], ["importance", "demo"], ["export", "demo"], ["report", "demo"]];
    const [result, json, ...lookups] = await Promise.all([
      sextant(["studies"], { cwd: dir }),
      sextant(["studies", "--json"], { cwd: dir, env: { SEXTANT_STORAGE: "sqlite:./elsewhere.db" } }),
      ...commands.map((command) => sextant(command, { cwd: dir })),
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `no studies: no storage found at sqlite:./sextant.db (the default): ${join(dir, "sextant.db")} does not exist; ` +
        "point at one with --storage URL or SEXTANT_STORAGE, e.g. --storage sqlite:./runs.db\n",
    );
    expect(existsSync(join(dir, "sextant.db"))).toBe(false);
    expect(JSON.parse(json.stdout)).toEqual([]);
    expect(json.stderr).toMatch(/^sextant: no storage found at sqlite:\.\/elsewhere\.db: .*elsewhere\.db does not exist; point at one with --storage/);
    expect(existsSync(join(dir, "elsewhere.db"))).toBe(false);
    for (const [i, command] of commands.entries()) {
      const looked = lookups[i]!;
      expect(looked.code, command[0]).toBe(1);
      expect(looked.stderr).toMatch(/^sextant: no study named "demo": no storage found at sqlite:\.\/sextant\.db \(the default\): .* does not exist; point at one with --storage URL/);
    }
    expect(existsSync(join(dir, "sextant.db"))).toBe(false);
  });

  it("gives up on an unreachable PostgreSQL server within seconds, not a worker's two minutes", async () => {
    const result = await unreachable;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^sextant: cannot open postgres:\/\/nobody@127\.0\.0\.1:1\/none: .*unreachable for more than 10 s .*ECONNREFUSED/);
    expect(result.seconds).toBeLessThan(40);
  }, 60_000);

  it("shows a queued trial with the parameters it will start from", async () => {
    const storage = await openStorage(`sqlite:${db}`);
    const study = await loadStudy({ name: "demo", storage, sampler: new RandomSampler({ seed: 3 }) });
    await study.enqueueTrial({ x: 2.5, label: "plain" });
    await storage.close();
    const table = await run(["trials", "demo", "--state", "waiting"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^number\s+state\s+value\s+x\s+label\s+duration\s+note\n[- ]+\n\s+8\s+waiting\s+-\s+2\.5\s+plain\s+-\s+queued\n$/);
  });

  it("marks a retry as one in the table once it has run, as it does while it waits", async () => {
    const storage = await openStorage(`sqlite:${db}`);
    const study = await loadStudy({ name: "demo", storage, sampler: new RandomSampler({ seed: 3 }) });
    const failed = study.trials.find((t) => t.number === 3)!;
    await study.queueRetry(failed); // trial 8, which completes
    await study.optimize((trial) => trial.suggestFloat("x", -5, 5) ** 2, { nTrials: 1 });
    await study.queueRetry(study.trials.find((t) => t.number === 8)!); // trial 9, which fails
    await study.optimize(() => {
      throw new Error("still bad");
    }, { nTrials: 1 });
    await study.queueRetry(study.trials.find((t) => t.number === 9)!); // trial 10, still waiting
    await storage.close();
    const [table, listed] = await Promise.all([run(["trials", "demo", "--state", "complete,failed,waiting"]), run(["trials", "demo", "--json", "--state", "complete"])]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/\n\s+8\s+complete\s+[\d.e-]+\s+.*\(retry of 3\)\n/);
    expect(table.stdout).toMatch(/\n\s+9\s+failed\s+-\s+.*\(retry of 8\) still bad\n/);
    expect(table.stdout).toMatch(/\n\s+10\s+waiting\s+-\s+.*queued, retry of 9\n/);
    expect(table.stdout).toMatch(/\n\s+3\s+failed\s+-\s+.*\s{2}bad "input", really\n/);
    const json = JSON.parse(listed.stdout);
    expect(json.find((t: { number: number }) => t.number === 8).systemAttrs.retryOf).toBe(3);
  });

  it("lists trials with --state and --limit filters", async () => {
    const [listed, failedOnes, lastOnes, table, bad] = await Promise.all([
      run(["trials", "demo", "--json"]),
      run(["trials", "demo", "--json", "--state", "failed,pruned"]),
      run(["trials", "demo", "--json", "--limit", "2"]),
      run(["trials", "demo"]),
      run(["trials", "demo", "--state", "done"]),
    ]);
    const all = JSON.parse(listed.stdout);
    expect(all.map((t: { number: number }) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(all[3]).toMatchObject({ state: "failed", systemAttrs: { failReason: 'bad "input", really' } });
    expect(all[0].durationSeconds).toBeGreaterThanOrEqual(0);
    const failed = JSON.parse(failedOnes.stdout);
    expect(failed.map((t: { number: number }) => t.number)).toEqual([3, 4]);
    const last = JSON.parse(lastOnes.stdout);
    expect(last.map((t: { number: number }) => t.number)).toEqual([6, 7]);
    expect(table.stdout).toMatch(/^number\s+state\s+value\s+x\s+label\s+duration\s+note/);
    expect(table.stdout).toMatch(/\n\s+3\s+failed\s+-\s+.*bad "input", really/);
    expect(table.stdout).toMatch(/\n\s+4\s+pruned\s+9\s+.*at step 0/);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^sextant: --state: unknown state "done"/);
  });

  it("shows the best trial, and the Pareto front of a multi-objective study", async () => {
    const [listed, bestJson, bestText, frontJson, frontTable] = await Promise.all([
      run(["trials", "demo", "--json"]),
      run(["best", "demo", "--json"]),
      run(["best", "demo"]),
      run(["best", "pareto", "--json"]),
      run(["best", "pareto"]),
    ]);
    const all = JSON.parse(listed.stdout) as { state: string; values: number[] | null; number: number }[];
    const complete = all.filter((t) => t.state === "complete");
    const bestValue = Math.min(...complete.map((t) => t.values![0]!));
    const best = JSON.parse(bestJson.stdout);
    expect(best.best.value).toBe(bestValue);
    expect(best.best.number).toBe(complete.find((t) => t.values![0] === bestValue)!.number);
    expect(bestText.stdout).toContain(`best trial of "demo" (minimize): trial ${best.best.number}`);

    // Several objectives: --json prints the front as a bare array, the plain form a table.
    const front = JSON.parse(frontJson.stdout);
    expect(Array.isArray(front)).toBe(true);
    expect(front.map((t: { number: number }) => t.number).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(front.every((t: { values: number[] }) => t.values.length === 2)).toBe(true);
    const table = frontTable.stdout;
    expect(table).toContain("Pareto front of \"pareto\"");
    expect(table).toMatch(/number\s+value_0\s+value_1/);
  });

  it("shows the recommended trial beside the best observed: the GP's best posterior mean, or the best observed without a model", async () => {
    const storage = await openStorage(`sqlite:${db}`);
    const noise = new Rng(4);
    const study = await createStudy({ name: "noisy", storage, sampler: new GPSampler({ seed: 2, noisePrior: "gamma", nStartupTrials: 5 }) });
    await study.optimize((trial) => {
      const x = trial.suggestFloat("x", 0, 1);
      // Trial 3's lucky draw makes it the best observed while the model looks past it.
      return 4 * (x - 0.3) ** 2 + 0.3 * noise.normal() - (trial.number === 3 ? 2 : 0);
    }, { nTrials: 14 });
    const expected = study.recommendation!;
    await storage.close();
    const [demoJson, demoText, noisyJson, noisyText] = await Promise.all([run(["best", "demo", "--json"]), run(["best", "demo"]), run(["best", "noisy", "--json"]), run(["best", "noisy"])]);
    // Random search records no model: the recommendation falls back to the best observed trial.
    const demo = JSON.parse(demoJson.stdout);
    expect(demo.recommended).toMatchObject({ number: demo.best.number, source: "best observed" });
    expect(demoText.stdout).toContain(`recommended trial: trial ${demo.best.number}, value`);

    const shown = JSON.parse(noisyJson.stdout);
    expect(shown.best.number).toBe(3);
    expect(shown.recommended).toMatchObject({ number: expected.trial.number, source: "model", posteriorMean: expected.record!.mean, posteriorSd: expected.record!.sd, modelTrials: 13, sampler: "gp" });
    expect(shown.recommended.number).not.toBe(3);
    const text = noisyText.stdout;
    expect(text).toContain(`recommended trial: trial ${expected.trial.number}, value`);
    expect(text).toContain("the gp model's best posterior mean");
    expect(text).toMatch(new RegExp(`param\\s+best \\(3\\)\\s+recommended \\(${expected.trial.number}\\)`));
    // What the model's choice rests on, and when to keep the best observed trial instead.
    expect(text).toMatch(/\(the model puts [\d.]+% of the variance down to noise; if the objective gives the same value every time it runs with the same parameters, trial 3 is the one to keep\)/);
  });

  it("shows the best observed trial, and says why, when the GP fitted too little noise to second-guess it", async () => {
    const storage = await openStorage(`sqlite:${db}`);
    const study = await createStudy({ name: "smooth", storage, sampler: new GPSampler({ seed: 2, nStartupTrials: 5 }) });
    await study.optimize((trial) => (trial.suggestFloat("x", 0, 1) - 0.3) ** 2, { nTrials: 12 });
    const best = study.bestTrial!;
    await storage.close();
    const [json, text] = await Promise.all([run(["best", "smooth", "--json"]), run(["best", "smooth"])]);
    const shown = JSON.parse(json.stdout);
    expect(shown.recommended).toMatchObject({ number: best.number, source: "best observed", setAside: { sampler: "gp" } });
    expect(shown.recommended.setAside.noiseShare).toBeLessThan(0.01);
    expect(text.stdout).toMatch(new RegExp(`recommended trial: trial ${best.number}, value .*\\(the best observed: the gp model puts .*% of the variance down to noise, too little to second-guess an observation\\)`));
  });

  it("exports CSV with proper quoting, and JSON to a file", async () => {
    const [csv, listed, out] = await Promise.all([
      run(["export", "demo", "--format", "csv"]),
      run(["trials", "demo", "--json"]),
      run(["export", "demo", "--format", "json", "--output", "demo.json"]),
    ]);
    expect(csv.code).toBe(0);
    const rows = parseCsv(csv.stdout);
    expect(rows[0]).toEqual(["number", "state", "value", "params_x", "params_label", "datetime_start", "datetime_complete", "duration_seconds", "fail_reason"]);
    expect(rows).toHaveLength(9);
    const all = JSON.parse(listed.stdout) as { params: { label: string; x: number }; values: number[] | null }[];
    for (let i = 0; i < 8; i++) {
      expect(rows[i + 1]![0]).toBe(String(i));
      expect(rows[i + 1]![4]).toBe(all[i]!.params.label);
      expect(Number(rows[i + 1]![3])).toBe(all[i]!.params.x);
      if (all[i]!.values) expect(Number(rows[i + 1]![2])).toBe(all[i]!.values![0]);
    }
    expect(rows[4]![8]).toBe('bad "input", really');
    expect(csv.stdout).toContain('"bad ""input"", really"');

    expect(out.code).toBe(0);
    expect(out.stderr).toContain('wrote 8 trial(s) of "demo" to demo.json');
    const exported = JSON.parse(readFileSync(join(dir, "demo.json"), "utf8"));
    expect(exported.trials).toHaveLength(8);
    expect(exported.trials[4].intermediate).toEqual({ 0: 9 });
  });

  it("exports a queued trial's parameters and non-finite numbers by name (tagged in attributes, where strings are), not as blanks and nulls", async () => {
    const storage = await openStorage(`sqlite:${db}`);
    const study = await loadStudy({ name: "demo", storage, sampler: new RandomSampler({ seed: 3 }) });
    const diverged = await study.ask();
    diverged.suggestFloat("x", -5, 5);
    diverged.suggestCategorical("label", ["plain"]);
    diverged.reportIntermediate(NaN, 0);
    diverged.reportIntermediate(Infinity, 1);
    diverged.setUserAttr("loss", -Infinity);
    diverged.setUserAttr("text", "-Infinity");
    diverged.setUserAttr("shaped", { "$sextant:number": "NaN" });
    await study.tell(diverged, { state: "pruned" });
    await study.enqueueTrial({ x: 2.5, label: "plain" });
    await storage.close();
    const [exportedJson, listedJson, exportedCsv] = await Promise.all([run(["export", "demo", "--format", "json"]), run(["trials", "demo", "--json"]), run(["export", "demo", "--format", "csv"])]);
    const exported = JSON.parse(exportedJson.stdout);
    expect(exported.trials[8].intermediate).toEqual({ 0: "NaN", 1: "Infinity" });
    // Attributes hold strings too: the number is tagged as the HTTP API sends it (it was "-Infinity",
    // the same as the string), and an object of the tag's shape gets one "$" more.
    const attrs = { loss: { "$sextant:number": "-Infinity" }, text: "-Infinity", shaped: { "$$sextant:number": "NaN" } };
    expect(exported.trials[8].userAttrs).toEqual(attrs);
    const listed = JSON.parse(listedJson.stdout);
    expect(listed[8].intermediate).toEqual({ 0: "NaN", 1: "Infinity" });
    expect(listed[8].userAttrs).toEqual(attrs);
    const rows = parseCsv(exportedCsv.stdout);
    expect(rows[10]!.slice(0, 5)).toEqual(["9", "waiting", "", "2.5", "plain"]);
  });

  it("streams a large JSON export to stdout and to -o - alike, and stops quietly when the reader closes the pipe", async () => {
    const storage = await openStorage(`sqlite:${db}`);
    const record = await storage.createStudy("large", ["minimize"]);
    await storage.queueTrials!(record.id, 5_000);
    await storage.close();
    const withoutTime = (text: string) => text.replace(/"exportedAt": "[^"]+"/, '"exportedAt": ""');
    const [plain, dash] = await Promise.all([run(["export", "large", "--format", "json"]), run(["export", "large", "--json", "-o", "-"])]);
    expect([plain.code, plain.stderr, dash.code, dash.stderr]).toEqual([0, "", 0, ""]);
    expect(plain.stdout.length).toBeGreaterThan(1_000_000);
    expect(withoutTime(dash.stdout)).toBe(withoutTime(plain.stdout));
    expect(JSON.parse(plain.stdout).trials).toHaveLength(5_000);
    const outputs = [[], ["-o", "-"]];
    const readings = outputs.map((output) => {
      // `sextant export large --format json | head -c 100`: the reader goes after its first bytes.
      const reading = start(["export", "large", "--format", "json", ...output, "--storage", `sqlite:${db}`], { cwd: dir });
      reading.child.stdout!.once("data", () => reading.child.stdout!.destroy());
      return reading.done;
    });
    for (const [i, ended] of (await Promise.all(readings)).entries()) {
      const output = outputs[i]!;
      expect({ output, code: ended.code, signal: ended.signal, stderr: ended.stderr }).toEqual({ output, code: 0, signal: null, stderr: "" });
    }
  });

  it("export and report take both --output and --out, and say which file they cannot write", async () => {
    const [exported, reported, both, noFolder, folder] = await Promise.all([
      run(["export", "demo", "--out", "demo.csv"]),
      run(["report", "demo", "--output", "demo.html", "--json"]),
      run(["export", "demo", "--output", "a.csv", "--out", "b.csv"]),
      run(["export", "demo", "--output", "missing/demo.csv"]),
      run(["report", "demo", "--out", "."]),
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(parseCsv(readFileSync(join(dir, "demo.csv"), "utf8"))).toHaveLength(9);
    expect(reported.code, reported.stderr).toBe(0);
    expect(JSON.parse(reported.stdout)).toMatchObject({ study: "demo", out: "demo.html" });
    expect(readFileSync(join(dir, "demo.html"), "utf8")).toMatch(/^<!doctype html>/i);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('sextant: --out and --output name the same file; give one, not "a.csv" and "b.csv"\n');
    expect(existsSync(join(dir, "a.csv")) || existsSync(join(dir, "b.csv"))).toBe(false);

    // A path that cannot be written is the user's to fix: one line and exit 1, not "internal error".
    expect(noFolder.code).toBe(1);
    expect(noFolder.stderr).toBe("sextant: cannot write --output missing/demo.csv: its folder does not exist\n");
    expect(folder.code).toBe(1);
    expect(folder.stderr).toBe("sextant: cannot write --out .: it is a folder; give a file name\n");
  });

  it("export and report write to stdout for --output -, not to a file named -", async () => {
    const [exported, reported] = await Promise.all([run(["export", "demo", "--format", "csv", "--output", "-"]), run(["report", "demo", "-o", "-"])]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(parseCsv(exported.stdout)).toHaveLength(9);
    expect(reported.code, reported.stderr).toBe(0);
    expect(reported.stdout).toMatch(/^<!doctype html>/i);
    expect(existsSync(join(dir, "-"))).toBe(false);
    // A file named "-" is still one path away.
    expect((await run(["export", "demo", "--output", "./-"])).code).toBe(0);
    expect(parseCsv(readFileSync(join(dir, "-"), "utf8"))).toHaveLength(9);
  });

  it.skipIf(!havePython)("keeps the study and says so when the prompt gets Ctrl-D or Ctrl-C (it exited 0 in silence)", async () => {
    const keys = [["\u0004", "exit 1"], ["\u0003", "exit 130"]] as const;
    const results = await Promise.all(keys.map(([key]) => onTerminal(["delete", "demo", "--storage", `sqlite:${db}`], { cwd: dir, until: { text: "[y/N]" }, then: { keys: key } })));
    for (const [i, [, ended]] of keys.entries()) {
      expect(results[i]!.output).toContain("not deleted");
      expect(results[i]!.ended, results[i]!.output).toBe(ended);
    }
    expect(JSON.parse((await run(["studies", "--json"])).stdout).map((s: { name: string }) => s.name)).toContain("demo");
  });

  it("refuses to delete without --yes when stdin is not a terminal, deletes with it", async () => {
    const refused = await run(["delete", "demo"], "y\n");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('sextant: refusing to delete study "demo" (8 trials) without --yes: stdin is not a terminal to confirm on\n');
    const deleted = await run(["delete", "demo", "--yes", "--json"]);
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ deleted: "demo", trials: 8 });
    const names = JSON.parse((await run(["studies", "--json"])).stdout).map((s: { name: string }) => s.name);
    expect(names).toEqual(["pareto"]);
  });

  it("gives a clear error and exit 1 for an unknown study", async () => {
    const commands = [["trials", "nope"], ["best", "nope"], ["export", "nope"], ["delete", "nope", "--yes"]];
    const [noDb, ...results] = await Promise.all([sextant(["best", "nope"], { cwd: dir }), ...commands.map((command) => run(command))]);
    for (const [i, command] of commands.entries()) {
      expect(results[i]!.code, command[0]).toBe(1);
      expect(results[i]!.stderr).toBe(`sextant: no study named "nope" in sqlite:${db} (studies: demo, pareto)\n`);
    }
    // An online tuner shares the studies' table, but `sextant trials sor` would only refuse it: not named as a study.
    const storage = await openStorage(`sqlite:${db}`);
    await (await createOnlineTuner({ name: "sor", storage, parameter: { name: "omega", low: 1, high: 1.9 } })).close();
    await storage.close();
    const withTuner = await run(["trials", "nope"]);
    expect(withTuner.stderr).toBe(`sextant: no study named "nope" in sqlite:${db} (studies: demo, pareto)\n`);
    expect(noDb.code).toBe(1);
    expect(noDb.stderr).toBe(
      `sextant: no study named "nope": no storage found at sqlite:./sextant.db (the default): ${join(dir, "sextant.db")} does not exist; ` +
        "point at one with --storage URL or SEXTANT_STORAGE, e.g. --storage sqlite:./runs.db\n",
    );
  });
});

/** A small RFC 4180 reader, to check that the export round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
    i++;
  }
  return rows;
}
