/**
 * `sextant fail-trial` on SQLite and PostgreSQL: a trial left running by a killed process that ran
 * with `heartbeat: false` (no reaper fails it) is failed by hand, queued again with --requeue and
 * then run; trials that are not running, or not there, are refused trial by trial.
 * `sextant requeue`: finished trials (failed by hand, complete) get their parameters queued again
 * as retries, as often as asked once each copy has run; a copy still waiting is not queued twice;
 * running, waiting and missing trials are refused trial by trial. Runs bin/sextant.js against
 * dist/ (`npm run build` first).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from "vitest";
import { RandomSampler, createStudy, loadStudy } from "../src/index.js";
import { openStorage } from "../src/storage/index.js";
import { FIXTURES, sextant, tempDir } from "./fixtures/cli-run.js";
import { type ScratchDatabase, createScratchDatabase, postgresUnavailable } from "./postgres-database.js";

const skipPostgres = await postgresUnavailable();
let database: ScratchDatabase | undefined;
let schemaCounter = 0;
beforeAll(async () => {
  if (skipPostgres === null) database = await createScratchDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** Starts a process whose optimize (heartbeat: false) hangs in a trial, and kills it once the trial is stored; resolves to its number. */
async function killedInTrial(url: string, study: string, cwd: string): Promise<number> {
  const { child, number } = await hangingInTrial(url, study, cwd, "unbeating");
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
  return number;
}

/** Starts a process whose optimize hangs in a trial, beating for it or not; resolves once the trial is stored. */
async function hangingInTrial(url: string, study: string, cwd: string, mode: "beating" | "unbeating"): Promise<{ child: ChildProcess; number: number }> {
  const child = spawn(process.execPath, [join(FIXTURES, "unbeating-trial.mjs"), url, study, mode], { cwd, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const number = await new Promise<number>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const ready = /ready (\d+)/.exec(out);
      if (ready) resolve(Number(ready[1]));
    });
    child.on("exit", (code) => reject(new Error(`the trial process ended (code ${code}) before its trial was stored: ${out}`)));
  });
  return { child, number };
}

const backends = [
  { name: "sqlite", skip: null as string | null },
  { name: "postgres", skip: skipPostgres },
];

describe.each(backends)("sextant fail-trial and requeue ($name)", ({ name, skip }) => {
  let dir: string;
  let cleanup: () => void;
  let url: string;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir("sextant-fail-trial-"));
    url = name === "sqlite" ? `sqlite:${join(dir, "runs.db")}` : `${database?.url}?schema=fail${schemaCounter++}`;
  });
  afterEach(() => cleanup());
  const run = (args: string[]) => sextant([...args, "--storage", url], { cwd: dir });

  it.skipIf(skip !== null)("fails a trial left running by a lost process that ran without heartbeats, and --requeue runs its parameters again", async () => {
    const lost = await killedInTrial(url, "lost", dir);
    const storage = await openStorage(url);
    try {
      const study = await loadStudy({ name: "lost", storage, sampler: new RandomSampler({ seed: 2 }) });
      const x = study.trials[lost]!.params.x as number;
      expect(study.trials[lost]).toMatchObject({ state: "running", systemAttrs: { heartbeat: false } });
      // No reaper fails it, however short its grace.
      expect(await study.reapStaleTrials(0)).toEqual({ reaped: [], retries: [] });

      const result = await run(["fail-trial", "lost", String(lost), "--requeue", "--reason", "node lost"]);
      expect(result.stderr).toBe("");
      expect(result.stdout).toBe(`trial ${lost} failed; queued again as trial ${lost + 1} (x=${Number(x.toPrecision(4))})\n`);
      expect(result.code).toBe(0);
      await study.refresh();
      expect(study.trials.map((t) => [t.number, t.state])).toEqual([[lost, "failed"], [lost + 1, "waiting"]]);
      expect(study.trials[lost]!.systemAttrs.failReason).toBe("node lost");
      expect(study.trials[lost + 1]!.systemAttrs).toMatchObject({ retryOf: lost, retryCount: 1, fixedParams: { x } });

      // The next run takes the queued parameters.
      await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 1 });
      expect(study.trials[lost + 1]).toMatchObject({ state: "complete", params: { x }, values: [x] });
    } finally {
      await storage.close();
    }
  });

  it.skipIf(skip !== null)("refuses a trial whose owner is alive and beating, saying when it last beat, unless --force", async () => {
    const { child, number } = await hangingInTrial(url, "alive", dir, "beating");
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      const refused = await run(["fail-trial", "alive", String(number), "--requeue"]);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).toMatch(
        new RegExp(
          `^sextant: trial ${number} last beat \\d+ s ago \\(at [-0-9: ]+\\), within its heartbeat grace of 60 s: its process looks alive, so it is left as it is; ` +
            "stop that process \\(the reapers then fail it, and queue it again, once it has been silent for 60 s\\), or pass --force to fail it now\n$",
        ),
      );
      expect(refused.code).toBe(1);
      const json = await run(["fail-trial", "alive", String(number), "--json"]);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({ study: "alive", trials: [{ number, outcome: "alive", graceSeconds: 60 }] });
      const storage = await openStorage(url);
      try {
        const study = await loadStudy({ name: "alive", storage, sampler: new RandomSampler() });
        expect(study.trials.map((t) => [t.number, t.state])).toEqual([[number, "running"]]);

        const forced = await run(["fail-trial", "alive", String(number), "--force"]);
        expect(forced.stderr).toBe("");
        expect(forced.stdout).toMatch(new RegExp(`^trial ${number} failed \\(x=`));
        expect(forced.code).toBe(0);
        await study.refresh();
        expect(study.trials.map((t) => [t.number, t.state])).toEqual([[number, "failed"]]);
      } finally {
        await storage.close();
      }
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
  });

  it.skipIf(skip !== null)("refuses, trial by trial, one that is not running or not there, fails the others, and exits 1", async () => {
    const storage = await openStorage(url);
    let studyId: number;
    try {
      const study = await createStudy({ name: "mixed", storage, sampler: new RandomSampler({ seed: 1 }) });
      studyId = study.id;
      await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 1 }); // trial 0, complete
      await study.enqueueTrial({ x: 0.5 }); // trial 1, waiting
      for (let i = 0; i < 2; i++) await storage.createTrial(study.id, { state: "running", systemAttrs: { heartbeat: false } }); // 2, 3
    } finally {
      await storage.close();
    }
    const text = await run(["fail-trial", "mixed", "0", "2", "1", "9", "2"]);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe("trial 2 failed\n");
    expect(text.stderr.split("\n")).toEqual([
      "sextant: trial 0 is complete, not running: left as it is (only a running trial can be failed)",
      "sextant: trial 1 is waiting, not running: left as it is (only a running trial can be failed)",
      'sextant: study "mixed" has no trial number 9; sextant trials mixed --state running lists its running trials',
      "",
    ]);
    const json = await run(["fail-trial", "mixed", "3", "2", "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      study: "mixed",
      trials: [
        { number: 3, outcome: "failed", retry: null },
        { number: 2, outcome: "not running", state: "failed" },
      ],
    });
    const after = await openStorage(url);
    try {
      expect((await after.trialsSince(studyId, 0)).trials.map((t) => [t.number, t.state])).toEqual([
        [0, "complete"],
        [1, "waiting"],
        [2, "failed"],
        [3, "failed"],
      ]);
    } finally {
      await after.close();
    }
  });

  it.skipIf(skip !== null)("queues a trial failed by hand again, not twice while its copy waits, and again once that copy has run", async () => {
    const storage = await openStorage(url);
    try {
      const study = await createStudy({ name: "flaky", storage, sampler: new RandomSampler({ seed: 3 }) });
      const lost = await storage.createTrial(study.id, { state: "running", params: { x: 0.25 }, distributions: { x: { type: "float", low: 0, high: 1 } }, systemAttrs: { heartbeat: false } });
      // Failed by hand without --requeue: nothing queues its parameters again.
      expect((await run(["fail-trial", "flaky", "0"])).code).toBe(0);

      const first = await run(["requeue", "flaky", "0"]);
      expect(first.stderr).toBe("");
      expect(first.stdout).toBe("trial 0 (failed) queued again as trial 1 (x=0.25)\n");
      expect(first.code).toBe(0);
      await study.refresh();
      expect(study.trials[1]).toMatchObject({ state: "waiting", systemAttrs: { retryOf: lost.number, retryCount: 1, fixedParams: { x: 0.25 } } });

      const again = await run(["requeue", "flaky", "0"]);
      expect(again.stdout).toBe("trial 0 (failed) is queued already, as trial 1, not yet run: not queued twice\n");
      expect(again.code).toBe(0);
      expect((await storage.trialsSince(study.id, 0)).trials).toHaveLength(2);

      // Its copy ran (and failed once more): asking again queues another copy.
      await study.optimize((trial) => {
        trial.suggestFloat("x", 0, 1);
        throw new Error("flaky");
      }, { nTrials: 1 });
      await study.refresh();
      expect(study.trials[1]).toMatchObject({ state: "failed", params: { x: 0.25 } });
      const third = await run(["requeue", "flaky", "0", "--json"]);
      expect(third.code).toBe(0);
      expect(JSON.parse(third.stdout)).toEqual({ study: "flaky", trials: [{ number: 0, outcome: "queued", retry: 2 }] });
      await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 1 });
      await study.refresh();
      expect(study.trials[2]).toMatchObject({ state: "complete", params: { x: 0.25 }, values: [0.25], systemAttrs: { retryOf: 0, retryCount: 1 } });
    } finally {
      await storage.close();
    }
  });

  it.skipIf(skip !== null)("queues a complete trial again and refuses, trial by trial, one running, waiting or not there, exiting 1", async () => {
    const storage = await openStorage(url);
    let x: number;
    try {
      const study = await createStudy({ name: "mixed", storage, sampler: new RandomSampler({ seed: 1 }) });
      await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 1 }); // trial 0, complete
      x = study.trials[0]!.params.x as number;
      await study.enqueueTrial({ x: 0.5 }); // trial 1, waiting
      await storage.createTrial(study.id, { state: "running", systemAttrs: { heartbeat: false } }); // 2
    } finally {
      await storage.close();
    }
    const text = await run(["requeue", "mixed", "2", "1", "9", "0"]);
    expect(text.stdout).toBe(`trial 0 (complete) queued again as trial 3 (x=${Number(x.toPrecision(4))})\n`);
    expect(text.stderr.split("\n")).toEqual([
      "sextant: trial 2 is running, not finished: left as it is; if its process is gone, sextant fail-trial mixed 2 --requeue fails it and queues it again",
      "sextant: trial 1 is waiting in the queue, not finished: left as it is (the next worker runs it)",
      'sextant: study "mixed" has no trial number 9; sextant trials mixed lists its trials',
      "",
    ]);
    expect(text.code).toBe(1);
    const json = await run(["requeue", "mixed", "0", "2", "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      study: "mixed",
      trials: [
        { number: 0, outcome: "already queued", queued: 3 },
        { number: 2, outcome: "not finished", state: "running" },
      ],
    });
    const after = await openStorage(url);
    try {
      const study = await loadStudy({ name: "mixed", storage: after, sampler: new RandomSampler() });
      expect(study.trials.map((t) => [t.number, t.state])).toEqual([
        [0, "complete"],
        [1, "waiting"],
        [2, "running"],
        [3, "waiting"],
      ]);
      expect(study.trials[3]!.systemAttrs).toMatchObject({ retryOf: 0, retryCount: 1, fixedParams: { x } });
    } finally {
      await after.close();
    }
  });
});

describe("sextant fail-trial and requeue arguments", () => {
  it.each([
    ["fail-trial", "-2"],
    ["requeue", "1.5"],
  ])("%s refuses a trial number that is not a whole number ≥ 0 as a usage error, touching nothing", async (command, bad) => {
    const { dir, cleanup } = tempDir("sextant-fail-trial-");
    try {
      const result = await sextant([command, "any", "1", bad, "--storage", `sqlite:${join(dir, "runs.db")}`], { cwd: dir });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`a trial number must be a whole number ≥ 0, got "${bad}"`));
    } finally {
      cleanup();
    }
  });
});
