import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { studyPath } from "../../dashboard/src/study-path.js";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { GPSampler, GridSampler, MedianPruner, PBTScheduler, RANDOM_OPTIONS, RandomSampler, TPESampler, ThresholdPruner, copyStudy, createOnlineTuner, createStudy, loadStudy, registerSampler } from "../index.js";
import { MemoryStorage, type Storage, StorageBusyError, StorageError, noStudy, openStorage, queueWaitingTrials } from "../storage/index.js";
import { type ServerAppOptions, ServerConfigError, createServerApp } from "./app.js";
import { MAX_CONSTRAINTS, MAX_OBJECTIVES } from "../space/index.js";
import * as api from "./schemas.js";

type App = ReturnType<typeof createServerApp>;

async function call(app: App, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
  }
  const response = await app.request(`/api/v1${path}`, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? (JSON.parse(text) as any) : undefined };
}

function newApp(options: Partial<ServerAppOptions> = {}) {
  const storage = options.storage ?? new MemoryStorage();
  return { storage, app: createServerApp({ logError: () => undefined, ...options, storage }) };
}

/** Counts the trials `storage.trialsSince` answers with from now on: `reads.trials`, which a test may reset. */
function countTrialsRead(storage: Storage): { trials: number } {
  const reads = { trials: 0 };
  const trialsSince = storage.trialsSince.bind(storage);
  storage.trialsSince = async (studyId, seq) => {
    const changes = await trialsSince(studyId, seq);
    reads.trials += changes.trials.length;
    return changes;
  };
  return reads;
}

/** Registers a sampler for a test that suggests each parameter as `suggest` says, with a seeded random sampler at hand. */
function registerTestSampler(name: string, description: string, suggest: (random: RandomSampler) => RandomSampler["sampleIndependent"]): void {
  const sampleIndependent = suggest(new RandomSampler({ seed: 1 }));
  registerSampler({
    name,
    description,
    options: RANDOM_OPTIONS,
    create: () => ({ name, inferRelativeSpace: () => ({}), sampleRelative: () => ({}), sampleIndependent }),
  });
}

function expectShape<T extends z.ZodType>(schema: T, value: unknown): void {
  const parsed = schema.safeParse(value);
  expect(parsed.success ? "ok" : JSON.stringify(parsed.error.issues)).toBe("ok");
}

const SPACE = {
  x: { type: "float", low: -5, high: 5 },
  n: { type: "int", low: 1, high: 8, log: true },
  kind: { type: "categorical", choices: ["a", "b", null] },
};

describe("HTTP API: studies", () => {
  it("creates, lists, reads and deletes studies, with counts by state and best value", async () => {
    const { app } = newApp();
    const created = await call(app, "POST", "/studies", { name: "alpha", direction: "maximize", sampler: { name: "random", options: { seed: 3 } } });
    expect(created.status).toBe(201);
    expectShape(api.CreateStudyResponse, created.json);
    expect(created.json.study).toMatchObject({ name: "alpha", directions: ["maximize"], sampler: { name: "random", options: { seed: 3 } }, pruner: { name: "none" } });

    for (const value of [1, 7, 4]) {
      const asked = await call(app, "POST", "/studies/alpha/trials", { space: SPACE });
      await call(app, "POST", `/studies/alpha/trials/${asked.json.trial.number}/tell`, { state: "complete", values: [value] });
    }
    const failed = await call(app, "POST", "/studies/alpha/trials");
    await call(app, "POST", `/studies/alpha/trials/${failed.json.trial.number}/tell`, { state: "failed", reason: "out of memory" });
    await call(app, "POST", "/studies/alpha/trials");

    const listed = await call(app, "GET", "/studies");
    expect(listed.status).toBe(200);
    expectShape(api.StudyListResponse, listed.json);
    expect(listed.json.studies).toHaveLength(1);
    expect(listed.json.studies[0]).toMatchObject({ name: "alpha", bestValue: 7, trialCounts: { complete: 3, failed: 1, running: 1, waiting: 0, pruned: 0 } });

    const one = await call(app, "GET", "/studies/alpha");
    expectShape(api.StudyDetailResponse, one.json);
    expect(one.json.study.trialCounts).toEqual(listed.json.studies[0].trialCounts);
    expect(one.json.bestTrial.values).toEqual([7]);
    // No model has recommended a trial here: the recommendation is the best observed one.
    expect(one.json.recommendedTrial).toMatchObject({ source: "best observed", posteriorMean: null, trial: { number: one.json.bestTrial.number } });

    expect((await call(app, "DELETE", "/studies/alpha")).json).toEqual({ deleted: true });
    expect((await call(app, "GET", "/studies/alpha")).status).toBe(404);
    expect((await call(app, "DELETE", "/studies/alpha")).status).toBe(404);
    expect((await call(app, "GET", "/studies")).json.studies).toEqual([]);
  });

  it("lists and GETs a best value JSON cannot hold as a number by its name, as trials' values are", async () => {
    // The HTTP API refuses a non-finite value, but the library stores what the objective returned.
    const { storage, app } = newApp();
    const record = await storage.createStudy("diverged", ["minimize"]);
    for (const value of [3, -Infinity, 1]) {
      const trial = await storage.createTrial(record.id, { state: "running" });
      await storage.updateTrial(trial.id, { state: "complete", values: [value] });
    }
    // JSON.stringify wrote -Infinity as null, the best value of a study with no result, and the
    // dashboard's list said "none feasible" of a study with no constraints.
    const listed = await call(app, "GET", "/studies");
    expectShape(api.StudyListResponse, listed.json);
    expect(listed.json.studies[0]).toMatchObject({ name: "diverged", bestValue: "-Infinity" });
    const one = await call(app, "GET", "/studies/diverged");
    expectShape(api.StudyDetailResponse, one.json);
    expect(one.json.study.bestValue).toBe("-Infinity");
    expect(one.json.bestTrial.values).toEqual(["-Infinity"]);
  });

  it("lists and GETs a study of several objectives with the size of its Pareto front, as sextant studies does", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "two", directions: ["minimize", "minimize"] });
    await call(app, "POST", "/studies", { name: "two-empty", directions: ["minimize", "maximize"] });
    // (1, 3) and (3, 1) trade off; (4, 4) is dominated by both.
    for (const values of [[1, 3], [3, 1], [4, 4]]) {
      const asked = await call(app, "POST", "/studies/two/trials");
      await call(app, "POST", `/studies/two/trials/${asked.json.trial.number}/tell`, { state: "complete", values });
    }
    const listed = await call(app, "GET", "/studies");
    expectShape(api.StudyListResponse, listed.json);
    const byName = Object.fromEntries(listed.json.studies.map((s: { name: string }) => [s.name, s]));
    // It had bestValue null and nothing else: the same as a study with no results.
    expect(byName.two).toMatchObject({ bestValue: null, paretoFrontSize: 2 });
    expect(byName["two-empty"].paretoFrontSize).toBeUndefined();
    // GET of one study answered without it, so a client had to list every study to learn it.
    const one = await call(app, "GET", "/studies/two");
    expectShape(api.StudyDetailResponse, one.json);
    expect(one.json.study).toMatchObject({ bestValue: null, paretoFrontSize: 2 });
    expect((await call(app, "GET", "/studies/two-empty")).json.study.paretoFrontSize).toBeUndefined();
  });

  it("keeps a listed Pareto front's size right as other writers add trials, reading only the trials that changed", async () => {
    // Each listing read every trial of every study of several objectives (seconds for 100,000
    // trials), and the dashboard's study search lists once per keystroke.
    for (const storage of [new MemoryStorage(), await openStorage("sqlite::memory:")]) {
      const reads = countTrialsRead(storage);
      const { app } = newApp({ storage });
      const study = await storage.createStudy("two", ["minimize", "maximize"]);
      // Another server's (or a library worker's) writes, straight to the storage.
      const write = async (values: number[] | null, state: "complete" | "running" | "failed" = "complete", systemAttrs = {}) => {
        const trial = await storage.createTrial(study.id, { state: "running" });
        if (state !== "running") await storage.updateTrial(trial.id, { state, values, systemAttrs });
        return trial;
      };
      const frontSize = async () => {
        reads.trials = 0;
        const listed = await call(app, "GET", "/studies");
        return { size: listed.json.studies[0].paretoFrontSize, trialsRead: reads.trials };
      };
      for (const values of [[1, -3], [3, -1], [4, -4]]) await write(values);
      expect(await frontSize()).toEqual({ size: 2, trialsRead: 3 });
      expect(await frontSize()).toEqual({ size: 2, trialsRead: 0 });
      const running = await write(null, "running");
      await write(null, "failed");
      await write([2, -2]);
      expect(await frontSize()).toEqual({ size: 3, trialsRead: 3 });
      // (0.5, -0.5) dominates all three; the running trial finishes on the front beside it.
      await write([0.5, -0.5]);
      await storage.updateTrial(running.id, { state: "complete", values: [0.2, -0.9] });
      expect(await frontSize()).toEqual({ size: 2, trialsRead: 2 });
      // The first constrained trial makes every trial without constraints infeasible: the front
      // is its one feasible trial, however many trials the old front dominated.
      await write([5, -5], "complete", { constraints: [-1] });
      await write([0, 9], "complete", { constraints: [1] });
      expect((await frontSize()).size).toBe(1);
      await write([4, -6], "complete", { constraints: [0] });
      expect(await frontSize()).toEqual({ size: 2, trialsRead: 1 });
    }
  });

  it("lists the other studies when a study of several objectives is deleted while the listing reads it", async () => {
    const storage = new MemoryStorage();
    const { app } = newApp({ storage });
    const two = await storage.createStudy("two", ["minimize", "minimize"]);
    const trial = await storage.createTrial(two.id, { state: "running" });
    await storage.updateTrial(trial.id, { state: "complete", values: [1, 2] });
    await storage.createStudy("one", ["minimize"]);
    const listStudies = storage.listStudies.bind(storage);
    // Another client deletes it between the listing's read of the studies and of its trials.
    storage.listStudies = async () => {
      const listed = await listStudies();
      await storage.deleteStudy("two");
      return listed;
    };
    const listed = await call(app, "GET", "/studies");
    expect(listed.status).toBe(200);
    expect(listed.json.studies.map((s: { name: string }) => s.name)).toEqual(["one"]);
  });

  it("shows the sampler and pruner a library-made study recorded, not the auto and none it falls back to", async () => {
    const { app, storage } = newApp();
    await createStudy({ name: "lib", storage, sampler: new RandomSampler({ seed: 1 }), pruner: new MedianPruner() });
    await storage.createStudy("bare", ["minimize"]); // made by hand: nothing recorded
    const studies = (await call(app, "GET", "/studies")).json.studies as { name: string; sampler: { name: string }; pruner: { name: string } }[];
    expect(studies.map((s) => [s.name, s.sampler.name, s.pruner.name])).toEqual([
      ["lib", "random", "median"],
      ["bare", "unknown", "unknown"],
    ]);
  });

  it("answers 409 for a taken name unless loadIfExists, and keeps the first study's settings", async () => {
    const { app } = newApp();
    const first = await call(app, "POST", "/studies", { name: "dup", sampler: { name: "random" } });
    expect(first.status).toBe(201);
    const again = await call(app, "POST", "/studies", { name: "dup" });
    expect(again.status).toBe(409);
    expect(again.json.error.field).toBe("body.name");
    const loaded = await call(app, "POST", "/studies", { name: "dup", loadIfExists: true, sampler: { name: "tpe" } });
    expect(loaded.status).toBe(200);
    expectShape(api.CreateStudyResponse, loaded.json);
    expect(loaded.json.study.id).toBe(first.json.study.id);
    expect(loaded.json.study.sampler.name).toBe("random");
    expect(loaded.json.warnings.map((w: { field: string }) => w.field)).toEqual(["body.sampler"]);
    const otherDirection = await call(app, "POST", "/studies", { name: "dup", loadIfExists: true, direction: "maximize" });
    expect(otherDirection.status).toBe(409);
  });

  it("answers loadIfExists with a warning for each setting the found study keeps over the request's, and none for the same ones spelt otherwise", async () => {
    const { app } = newApp();
    const settings = {
      name: "kept",
      sampler: { name: "random", options: { seed: 1 } },
      pruner: { name: "median", options: { nWarmupSteps: 2 } },
      userAttrs: { team: "a", budget: 3 },
      space: { x: { type: "float", low: 0, high: 1 } },
    };
    const created = await call(app, "POST", "/studies", settings);
    expect([created.status, created.json.warnings]).toEqual([201, []]);
    // A script that sends the same settings on every run loads the study without a word.
    const same = await call(app, "POST", "/studies", { ...settings, loadIfExists: true });
    expectShape(api.CreateStudyResponse, same.json);
    expect([same.status, same.json.warnings]).toEqual([200, []]);
    // Other spellings of the same options, a default spelt out, and settings left out are no difference.
    const spelt = await call(app, "POST", "/studies", {
      name: "kept",
      loadIfExists: true,
      sampler: { name: "random", options: { SEED: 1 } },
      pruner: { name: "median", options: { n_warmup_steps: 2, nStartupTrials: 5 } },
      userAttrs: { budget: 3 },
    });
    expect([spelt.status, spelt.json.warnings]).toEqual([200, []]);
    // They were dropped without a word: the study goes on with its own, and the client believed its own were in use.
    const other = await call(app, "POST", "/studies", {
      name: "kept",
      loadIfExists: true,
      sampler: { name: "tpe", options: { seed: 1 } },
      pruner: { name: "median", options: { nWarmupSteps: 0 } },
      userAttrs: { team: "b", budget: 3, owner: "me" },
      space: { x: { type: "float", low: 0, high: 2 } },
    });
    expect(other.status).toBe(200);
    expectShape(api.CreateStudyResponse, other.json);
    expect(other.json.study).toMatchObject({ id: created.json.study.id, sampler: settings.sampler, pruner: settings.pruner, userAttrs: settings.userAttrs });
    expect(other.json.warnings.map((w: { field: string }) => w.field)).toEqual(["body.sampler", "body.pruner", "body.space", "body.userAttrs.team", "body.userAttrs.owner"]);
    const [sampler, pruner, space, team, owner] = other.json.warnings.map((w: { message: string }) => w.message);
    expect(sampler).toBe('study "kept" was created with sampler random (seed=1); this request\'s sampler tpe (seed=1) is ignored, as loadIfExists keeps the study as it is');
    expect(pruner).toContain("was created with pruner median (nWarmupSteps=2); this request's pruner median (nWarmupSteps=0) is ignored");
    expect(space).toContain("was created with another search space (x differs)");
    expect(team).toBe('study "kept" has user attribute "team" = "a"; this request\'s "b" is ignored, as loadIfExists keeps the study as it is');
    expect(owner).toContain('has no user attribute "owner"; this request\'s "me" is ignored');
    // Only what is stored: a second load sees the study unchanged.
    expect((await call(app, "GET", "/studies/kept")).json.study).toMatchObject({ sampler: settings.sampler, userAttrs: settings.userAttrs });
  });

  it("warns of warm-start sources a study found with loadIfExists keeps over the request's", async () => {
    const { app } = newApp();
    for (const name of ["src1", "src2"]) await call(app, "POST", "/studies", { name });
    const settings = { name: "warm", sampler: { name: "tpe" }, warmStartFrom: ["src1"] };
    expect((await call(app, "POST", "/studies", settings)).status).toBe(201);
    expect((await call(app, "POST", "/studies", { ...settings, loadIfExists: true })).json.warnings).toEqual([]);
    expect((await call(app, "POST", "/studies", { name: "warm", loadIfExists: true })).json.warnings).toEqual([]);
    const other = await call(app, "POST", "/studies", { ...settings, warmStartFrom: ["src2", "src1"], loadIfExists: true });
    expect(other.json.warnings).toEqual([
      { field: "body.warmStartFrom", message: 'study "warm" warm-starts from "src1"; this request\'s "src2", "src1" is ignored, as loadIfExists keeps the study as it is' },
    ]);
  });

  it("loads a study of several objectives with loadIfExists and no direction given, as the library does", async () => {
    // Read as "minimize", it answered 409 "exists with directions [minimize, maximize]": a second
    // worker could not join the study by name alone, as createStudy({ name, loadIfExists }) does.
    const { app } = newApp();
    const first = await call(app, "POST", "/studies", { name: "two", directions: ["minimize", "maximize"] });
    expect(first.status).toBe(201);
    const loaded = await call(app, "POST", "/studies", { name: "two", loadIfExists: true });
    expect([loaded.status, loaded.json.study.id, loaded.json.study.directions]).toEqual([200, first.json.study.id, ["minimize", "maximize"]]);
    // Directions given are still checked.
    expect((await call(app, "POST", "/studies", { name: "two", loadIfExists: true, direction: "minimize" })).status).toBe(409);
    expect((await call(app, "POST", "/studies", { name: "two", loadIfExists: true, directions: ["maximize", "maximize"] })).status).toBe(409);
    // A new study without a direction still minimizes.
    expect((await call(app, "POST", "/studies", { name: "one", loadIfExists: true })).json.study.directions).toEqual(["minimize"]);
  });

  it("answers 201 only when loadIfExists created the study, 200 when it found one, a racing creator's included", async () => {
    const { app, storage } = newApp();
    const created = await call(app, "POST", "/studies", { name: "fresh", loadIfExists: true });
    expect(created.status).toBe(201);
    expect((await call(app, "POST", "/studies", { name: "fresh", loadIfExists: true })).status).toBe(200);
    // Another client creates "raced" between this request's read and its write.
    const getStudy = storage.getStudy.bind(storage);
    let first = true;
    storage.getStudy = async (name) => {
      if (!first || name !== "raced") return getStudy(name);
      first = false;
      await storage.createStudy("raced", ["minimize"]);
      return null;
    };
    const raced = await call(app, "POST", "/studies", { name: "raced", loadIfExists: true });
    expect([raced.status, raced.json.study.name]).toEqual([200, "raced"]);
  });

  it("refuses bad sampler, pruner and space settings with the field named, creating nothing", async () => {
    const { app } = newApp();
    const cases: Array<[unknown, string]> = [
      [{ name: "s", sampler: { name: "nope" } }, "body.sampler"],
      [{ name: "s", sampler: { name: "tpe", options: { nStartupTrials: -1 } } }, "body.sampler"],
      [{ name: "s", sampler: { name: "random", options: { sed: 1 } } }, "body.sampler"],
      // JSON has types: a quoted number is a client's mistake (the CLI's text options are converted).
      [{ name: "s", sampler: { name: "random", options: { seed: "6" } } }, "body.sampler"],
      [{ name: "s", pruner: { name: "median", options: { nWarmupSteps: "2" } } }, "body.pruner"],
      [{ name: "s", sampler: { name: "tpe", options: { nStartupTrials: null } } }, "body.sampler"],
      [{ name: "s", pruner: { name: "median", options: { bogus: 1 } } }, "body.pruner"],
      [{ name: "s", pruner: { name: "asha", options: { minResource: "3" } } }, "body.pruner"],
      [{ name: "s", pruner: { name: "asha", options: { minResource: 0 } } }, "body.pruner"],
      [{ name: "s", space: { x: { type: "float", low: 2, high: 1 } } }, "body.space.x"],
      [{ name: "s", space: { constructor: { type: "float", low: 0, high: 1 } } }, "body.space.constructor"],
      [{ name: "s", space: { x: { type: "float", low: -1e308, high: 1e308 } } }, "body.space.x"],
      [{ name: "s", direction: "minimize", directions: ["minimize"] }, "body.directions"],
      [{ name: "s", direction: "up" }, "body.direction"],
      [{ name: "s", colour: "red" }, "body.colour"],
      [{ name: "a\u0007b" }, "body.name"],
      // Created, they could be neither reached nor deleted: the path resolves them as folders.
      [{ name: ".." }, "body.name"],
      [{ name: "   " }, "body.name"],
      [{ name: 5 }, "body.name"],
      // Stored as U+FFFD: the 201 named a study that could then be neither opened nor deleted.
      [{ name: "lone\ud800" }, "body.name"],
      [{ name: "x".repeat(201) }, "body.name"],
      [{ name: "s", space: { ["p".repeat(201)]: { type: "float", low: 0, high: 1 } } }, `body.space.${"p".repeat(201)}`],
    ];
    for (const [body, field] of cases) {
      const answer = await call(app, "POST", "/studies", body);
      expect([answer.status, answer.json.error.field]).toEqual([400, field]);
      expect(answer.json.error.message).toContain(field);
    }
    expect((await call(app, "GET", "/studies")).json.studies).toEqual([]);
  });

  it("refuses int bounds beyond 2^53 with the library's reason, not zod's bare limit", async () => {
    const { app } = newApp();
    // It said "Too big: expected int to be <=9007199254740991", where the library and the CLI accepted them.
    const answer = await call(app, "POST", "/studies", { name: "s", space: { i: { type: "int", low: 0, high: 2 ** 60 } } });
    expect([answer.status, answer.json.error.field]).toEqual([400, "body.space.i.high"]);
    expect(answer.json.error.message).toMatch(/int bounds must lie within ±9007199254740991 \(2\^53 − 1\), beyond which not every integer is a number/);
    const fractional = await call(app, "POST", "/studies", { name: "s", space: { i: { type: "int", low: 0.5, high: 2 } } });
    expect([fractional.status, fractional.json.error.field]).toEqual([400, "body.space.i.low"]);
    expect(fractional.json.error.message).toMatch(/an int bound must be an integer/);
  });
});

describe("HTTP API: studies an older Sextant named", () => {
  it("opens a study whose name the rule for new names refuses, as GET /studies lists it", async () => {
    // Before that rule the library and sextant tune stored any name: a tab in one, 210 characters in another.
    const dir = mkdtempSync(join(tmpdir(), "sextant-old-names-"));
    try {
      const storage = await openStorage(`sqlite:${join(dir, "old.db")}`);
      const names = ["lr\tsweep", "L".repeat(210)];
      for (const name of names) {
        const record = await storage.createStudy(name, ["minimize"]);
        const trial = await storage.createTrial(record.id, { state: "running" });
        await storage.updateTrial(trial.id, { state: "complete", values: [0.5] });
      }
      const { app } = newApp({ storage });
      const listed = await call(app, "GET", "/studies");
      expect(listed.json.studies.map((study: { name: string }) => study.name)).toEqual(names);
      for (const name of names) {
        const path = `/studies/${encodeURIComponent(name)}`;
        for (const route of [path, `${path}/trials`, `${path}/summary`, `${path}/table`, `${path}/trials/0`]) {
          const answer = await call(app, "GET", route);
          expect(answer.status, `GET ${route.slice(0, 60)}: ${answer.text.slice(0, 200)}`).toBe(200);
        }
      }
      // A new study still follows the rule, and a name that names nothing is a 404.
      expect((await call(app, "POST", "/studies", { name: "a\tb" })).status).toBe(400);
      expect((await call(app, "GET", `/studies/${encodeURIComponent("no\tsuch")}`)).status).toBe(404);
      await storage.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("HTTP API: studies named . or .. or with a lone surrogate", () => {
  it("opens them by the path the dashboard builds, where the URL parser dropped the segment or the name could not be encoded", async () => {
    const storage = await openStorage("memory:");
    // An older Sextant stored these names; each is listed by GET /studies.
    const names = ["..", ".", "a\uD800b"];
    for (const name of names) {
      const record = await storage.createStudy(name, ["minimize"]);
      const trial = await storage.createTrial(record.id, { state: "running" });
      await storage.updateTrial(trial.id, { state: "complete", values: [names.indexOf(name)] });
    }
    const { app } = newApp({ storage });
    // '/studies/%2E%2E' reached the server as '/' (404 "no route"), and encodeURIComponent threw on the surrogate.
    expect(studyPath("..")).toBe("/studies/%252E%252E");
    expect(studyPath("a\uD800b")).toBe("/studies/a%ED%A0%80b");
    for (const name of names) {
      const answer = await call(app, "GET", `${studyPath(name)}/summary`);
      expect(answer.status, `${JSON.stringify(name)}: ${answer.text.slice(0, 200)}`).toBe(200);
      expect(answer.json.study.name).toBe(name);
    }
    // A name that names nothing stays a 404, and a study named as sent wins over the name it decodes to.
    expect((await call(app, "GET", "/studies/%25ED%25A0%2580")).status).toBe(404);
    await storage.createStudy("%2E%2E", ["minimize"]);
    expect((await call(app, "GET", "/studies/%252E%252E")).json.study.name).toBe("%2E%2E");
    await storage.close();
  });
});

describe("createServerApp", () => {
  it("refuses an option it does not know, naming the one meant, where it was ignored", () => {
    // The grace misspelt served with the default 60 s, and the token misspelt served without one.
    const misspelt = { storage: new MemoryStorage(), heartbeatGraceSecond: 5, tokn: "secret" } as unknown as ServerAppOptions;
    expect(() => createServerApp(misspelt)).toThrow(ServerConfigError);
    expect(() => createServerApp(misspelt)).toThrow(
      'createServerApp: unknown options "heartbeatGraceSecond" (did you mean "heartbeatGraceSeconds"?), "tokn" (did you mean "token"?); ' +
        "valid options: storage, token, corsOrigins, bodyLimitBytes, logError, dashboard, heartbeatGraceSeconds, localOnly",
    );
    // startServer's own options are refused here too: this app listens nowhere.
    expect(() => createServerApp({ storage: new MemoryStorage(), port: 9000 } as unknown as ServerAppOptions)).toThrow('createServerApp: unknown option "port";');
  });
});

describe("HTTP API: a long-running server", () => {
  it("keeps a bounded number of study objects, and a trial asked before its study was dropped is told after", async () => {
    // Counts full reads (trialsSince from 0): one each time a study object is built.
    class CountingStorage extends MemoryStorage {
      readonly builds = new Map<number, number>();
      override async trialsSince(studyId: number, seq: number) {
        if (seq === 0) this.builds.set(studyId, (this.builds.get(studyId) ?? 0) + 1);
        return super.trialsSince(studyId, seq);
      }
    }
    const storage = new CountingStorage();
    const { app } = newApp({ storage });
    await call(app, "POST", "/studies", { name: "s0", direction: "minimize", sampler: { name: "random", options: { seed: 1 } } });
    const asked = await call(app, "POST", "/studies/s0/trials", { space: SPACE });
    expect(asked.status).toBe(201);
    const s0 = (await storage.getStudy("s0"))!.id;
    const builtBefore = storage.builds.get(s0) ?? 0;
    for (let i = 1; i <= 40; i++) {
      await call(app, "POST", "/studies", { name: `s${i}`, direction: "minimize" });
      expect((await call(app, "POST", `/studies/s${i}/trials`, { space: SPACE })).status).toBe(201);
    }
    // Every study ever touched stayed built: s0 was never read again (heap grew by each study's trials).
    const told = await call(app, "POST", `/studies/s0/trials/${asked.json.trial.number}/tell`, { state: "complete", values: [1] });
    expect(told.status).toBe(200);
    expect(storage.builds.get(s0)).toBe(builtBefore + 1);
    expect((await call(app, "GET", "/studies/s0")).json.study.trialCounts).toMatchObject({ complete: 1, running: 0 });
  });
});

describe("HTTP API: trials", () => {
  it("samples a space given with the ask (define-and-run) inside its bounds", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random", options: { seed: 1 } } });
    const asked = await call(app, "POST", "/studies/s/trials", { space: SPACE });
    expect(asked.status).toBe(201);
    expectShape(api.TrialResponse, asked.json);
    const { params, state, number } = asked.json.trial;
    expect([state, number]).toEqual(["running", 0]);
    // The server is not the process that runs it: judged by the client's heartbeats, not the server's pid.
    expect(asked.json.trial.systemAttrs.worker).toMatchObject({ remote: "http", pid: process.pid });
    expect(asked.json.trial).toEqual((await call(app, "GET", "/studies/s/trials/0")).json.trial);
    expect(asked.json.trial.seq).toBeGreaterThan(0);
    expect(params.x).toBeGreaterThanOrEqual(-5);
    expect(params.x).toBeLessThanOrEqual(5);
    expect(Number.isInteger(params.n) && params.n >= 1 && params.n <= 8).toBe(true);
    expect(["a", "b", null]).toContain(params.kind);
    const told = await call(app, "POST", "/studies/s/trials/0/tell", { state: "complete", values: [params.x ** 2] });
    expect(told.json.trial).toMatchObject({ state: "complete", values: [params.x ** 2], params });
  });

  it("narrows a range its step does not divide, as the library does, and logs it once per study and parameter", async () => {
    const logged: string[] = [];
    const { app } = newApp({ logError: (message) => logged.push(message) });
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random", options: { seed: 1 } } });
    // Optuna 3.1 (Debian's /usr/bin/python3): IntDistribution(0, 10, step=3).high == 9, FloatDistribution(0.1, 0.75, step=0.2).high == 0.7.
    const a = { type: "int", low: 0, high: 9, step: 3 };
    const b = { type: "float", low: 0.1, high: 0.7, step: 0.2 };
    for (const number of [0, 1]) {
      const asked = await call(app, "POST", "/studies/s/trials", { space: { a: { type: "int", low: 0, high: 10, step: 3 } } });
      expect(asked.status).toBe(201);
      expect(asked.json.trial.distributions).toEqual({ a });
      const suggested = await call(app, "POST", `/studies/s/trials/${number}/suggest`, { name: "b", distribution: { type: "float", low: 0.1, high: 0.75, step: 0.2 } });
      expect(suggested.status, suggested.text).toBe(200);
      expect([0.1, 0.3, 0.5, 0.7]).toContain(suggested.json.value);
      expect((await call(app, "GET", `/studies/s/trials/${number}`)).json.trial.distributions).toEqual({ a, b });
    }
    expect(logged).toEqual([
      'sextant serve: warning: study "s": parameter "a": step 3 does not divide the range [0, 10]; using [0, 9], up to the last multiple of the step',
      'sextant serve: warning: study "s": parameter "b": step 0.2 does not divide the range [0.1, 0.75]; using [0.1, 0.7], up to the last multiple of the step',
    ]);
    // A step larger than the range is refused, at the field, starting no trial.
    const refused = await call(app, "POST", "/studies/s/trials", { space: { a: { type: "int", low: 0, high: 2, step: 3 } } });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toBe('body.space.a: parameter "a": step 3 is larger than the range [0, 2], which would hold only 0');
  });

  it("answers 409 naming the parameter when a study's grid has no value for what the request suggests", async () => {
    const { app } = newApp();
    expect((await call(app, "POST", "/studies", { name: "g", sampler: { name: "grid", options: { grid: '{"x":[1,2,3]}' } } })).status).toBe(201);
    // Both used to answer 500 "internal error", then 409 with neither field nor code: a client told
    // them from other 409s only by their messages.
    const missing = await call(app, "POST", "/studies/g/trials", { space: { y: { type: "float", low: 0, high: 1 } } });
    expect([missing.status, missing.json.error.message]).toEqual([409, expect.stringMatching(/^parameter "y" is not in the grid \(grid parameters: x\)/)]);
    expect([missing.json.error.field, missing.json.error.code]).toEqual(["body.space.y", "param_not_in_grid"]);
    const outside = await call(app, "POST", "/studies/g/trials", { space: { x: { type: "int", low: 5, high: 9 } } });
    expect([outside.status, outside.json.error.message]).toEqual([409, expect.stringMatching(/^grid value \d of parameter "x" is not inside the distribution/)]);
    expect([outside.json.error.field, outside.json.error.code]).toEqual(["body.space.x", "grid_value_out_of_range"]);
    // Define-by-run: the suggest is at fault, at its distribution.
    const running = await call(app, "POST", "/studies/g/trials", {});
    const at = `/studies/g/trials/${running.json.trial.number}/suggest?trialId=${running.json.trial.id}`;
    const suggested = await call(app, "POST", at, { name: "x", distribution: { type: "int", low: 5, high: 9 } });
    expect([suggested.status, suggested.json.error.field, suggested.json.error.code]).toEqual([409, "body.distribution", "grid_value_out_of_range"]);
    // That trial is failed now (it cannot go on); another one meets the parameter the grid lacks.
    expect((await call(app, "POST", at, { name: "x", distribution: { type: "int", low: 1, high: 3 } })).json.error.message).toMatch(/^trial \d+ is failed, not running/);
    const next = (await call(app, "POST", "/studies/g/trials", {})).json.trial;
    const unknown = await call(app, "POST", `/studies/g/trials/${next.number}/suggest?trialId=${next.id}`, { name: "y", distribution: { type: "int", low: 5, high: 9 } });
    expect([unknown.status, unknown.json.error.field, unknown.json.error.code]).toEqual([409, "body.distribution", "param_not_in_grid"]);
    // The four trials the grid could not serve gave their points back: the grid of three still runs whole.
    for (let n = 0; n < 3; n++) {
      const fits = await call(app, "POST", "/studies/g/trials", { space: { x: { type: "int", low: 1, high: 3 } } });
      expect(fits.status).toBe(201);
      expect((await call(app, "POST", `/studies/g/trials/${fits.json.trial.number}/tell`, { state: "complete", values: [fits.json.trial.params.x] })).status).toBe(200);
    }
    expect((await call(app, "POST", "/studies/g/trials", {})).json.error.code).toBe("sampler_exhausted");
  });

  it("answers 409 with code sampler_exhausted once a grid's every point is taken, where the library's optimize stops", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "g", sampler: { name: "grid", options: { grid: '{"x":[1,2]}' } } });
    const space = { x: { type: "int", low: 1, high: 2 } };
    for (let i = 0; i < 2; i++) expect((await call(app, "POST", "/studies/g/trials", { space })).status).toBe(201);
    const done = await call(app, "POST", "/studies/g/trials", { space });
    expect([done.status, done.json.error.code, done.json.error.field, done.json.error.message]).toEqual([409, "sampler_exhausted", "path.study", expect.stringMatching(/has no more points to propose/)]);
  });

  it("answers 409 with code fixed_param_out_of_range to a queued value outside the range asked for, so a client goes on with the next trial", async () => {
    const { app, storage } = newApp();
    const study = await createStudy({ name: "q", storage });
    await study.enqueueTrial({ x: 1.5 });
    await study.enqueueTrial({ x: 1.5 });
    const x = { type: "float", low: 2, high: 3 };
    const number = (await call(app, "POST", "/studies/q/trials")).json.trial.number;
    const suggested = await call(app, "POST", `/studies/q/trials/${number}/suggest`, { name: "x", distribution: x });
    expect(suggested.json.error).toEqual({
      status: 409,
      message: `trial ${number}: enqueued value 1.5 of "x" is not inside ${JSON.stringify(x)}`,
      field: "body.distribution",
      code: "fixed_param_out_of_range",
    });
    // An ask with the space names the space's parameter, not a suggest's field, and has failed the trial.
    const asked = await call(app, "POST", "/studies/q/trials", { space: { x } });
    expect([asked.status, asked.json.error.field, asked.json.error.code]).toEqual([409, "body.space.x", "fixed_param_out_of_range"]);
    const failed = (await call(app, "GET", "/studies/q/trials/1")).json.trial;
    expect([failed.state, failed.systemAttrs.failReason]).toEqual(["failed", `trial 1: enqueued value 1.5 of "x" is not inside ${JSON.stringify(x)}`]);
  });

  it("answers 500 with code sampler_failed once it has failed the trial whose sampler threw, so the client does not tell it again", async () => {
    registerTestSampler("test-breaks-on-suggest", "throws for a parameter named broken, proposes 7 for one named wild", (random) => (snapshot, trial, name, distribution) => {
      if (name === "broken") throw new Error("the model could not be fitted");
      return name === "wild" ? 7 : random.sampleIndependent(snapshot, trial, name, distribution);
    });
    const logged: string[] = [];
    const { app } = newApp({ logError: (message) => logged.push(message) });
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "test-breaks-on-suggest" } });
    const trial = (await call(app, "POST", "/studies/s/trials")).json.trial;
    // A plain 500: the client could not tell that the trial was failed, told it, met a 409 and warned "finished elsewhere".
    const broken = await call(app, "POST", `/studies/s/trials/${trial.number}/suggest`, { name: "broken", distribution: SPACE.x });
    expectShape(api.ErrorResponse, broken.json);
    expect([broken.status, broken.json.error.code, broken.json.error.message]).toEqual([
      500,
      "sampler_failed",
      "the study's sampler failed (the model could not be fitted); the server has failed trial 0 with this reason, so go on with the next trial",
    ]);
    const stored = (await call(app, "GET", `/studies/s/trials/${trial.number}`)).json.trial;
    expect([stored.state, stored.systemAttrs.failReason]).toEqual(["failed", "the model could not be fitted"]);
    expect(logged).toEqual([expect.stringMatching(/^sextant serve: the sampler of study "s" failed on trial 0: Error: the model could not be fitted\n\s+at /)]);
    // A value outside the distribution, and an ask whose space the sampler cannot serve, alike.
    const other = (await call(app, "POST", "/studies/s/trials")).json.trial;
    const wild = await call(app, "POST", `/studies/s/trials/${other.number}/suggest`, { name: "wild", distribution: SPACE.x });
    expect([wild.status, wild.json.error.code, wild.json.error.message]).toEqual([500, "sampler_failed", expect.stringMatching(/^the study's sampler failed \(trial 1: the sampler proposed 7 for "wild", which is not inside .*\); the server has failed trial 1/)]);
    const asked = await call(app, "POST", "/studies/s/trials", { space: { x: SPACE.x, broken: SPACE.x } });
    expect([asked.status, asked.json.error.code, asked.json.error.message]).toEqual([500, "sampler_failed", expect.stringMatching(/the server has failed trial 2 with this reason/)]);
    expect((await call(app, "GET", "/studies/s/trials/2")).json.trial.state).toBe("failed");
    // The API description says what the code means.
    const { app: plain } = newApp();
    expect((await call(plain, "GET", "/openapi.json")).json.paths["/api/v1/studies/{study}/trials/{number}/suggest"].post.responses["500"].description).toMatch(/sampler_failed/);
  });

  it("fails the trial of a suggest the study cannot serve before it answers, so the client need not fail it", async () => {
    const storage = new MemoryStorage();
    // Writes that take a while, as a database's: the 409 came first, and the trial was still running.
    const updateTrial = storage.updateTrial.bind(storage);
    storage.updateTrial = async (id, patch) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return updateTrial(id, patch);
    };
    const { app } = newApp({ storage });
    const study = await createStudy({ name: "q", storage });
    await study.enqueueTrial({ x: 1.5 });
    const x = { type: "float", low: 2, high: 3 };
    const number = (await call(app, "POST", "/studies/q/trials")).json.trial.number;
    const suggested = await call(app, "POST", `/studies/q/trials/${number}/suggest`, { name: "x", distribution: x });
    expect([suggested.status, suggested.json.error.code]).toEqual([409, "fixed_param_out_of_range"]);
    const failed = (await call(app, "GET", `/studies/q/trials/${number}`)).json.trial;
    expect([failed.state, failed.systemAttrs.failReason]).toEqual(["failed", suggested.json.error.message]);
    // A client that fails it itself, as it had to, learns that it is no longer running.
    const told = await call(app, "POST", `/studies/q/trials/${number}/tell`, { state: "failed" });
    expect([told.status, told.json.error.message]).toEqual([409, `trial ${number} is failed, not running; it can no longer change`]);

    await call(app, "POST", "/studies", { name: "g", sampler: { name: "grid", options: { grid: '{"x":[1,2]}' } } });
    const inGrid = (await call(app, "POST", "/studies/g/trials")).json.trial.number;
    const missing = await call(app, "POST", `/studies/g/trials/${inGrid}/suggest`, { name: "y", distribution: x });
    expect([missing.status, missing.json.error.code]).toEqual([409, "param_not_in_grid"]);
    const unserved = (await call(app, "GET", `/studies/g/trials/${inGrid}`)).json.trial;
    expect([unserved.state, unserved.systemAttrs.failReason]).toEqual(["failed", missing.json.error.message]);
    // A refused distribution of the client's own changes nothing: the trial goes on.
    const other = (await call(app, "POST", "/studies/g/trials")).json.trial.number;
    expect((await call(app, "POST", `/studies/g/trials/${other}/suggest`, { name: "x", distribution: { type: "int", low: 5, high: 1 } })).status).toBe(400);
    expect((await call(app, "GET", `/studies/g/trials/${other}`)).json.trial.state).toBe("running");
  });

  it("refuses to hand out a trial of a population study (PBT), whose segments run under sextant worker", async () => {
    const { app, storage } = newApp();
    await createStudy({ name: "pop", storage, scheduler: new PBTScheduler({ population: 2, segments: 2, seed: 1, checkpointDir: "/nonexistent/never-written" }) });
    const asked = await call(app, "POST", "/studies/pop/trials", { space: SPACE });
    expect(asked.status).toBe(409);
    expect(asked.json.error.message).toBe('study "pop" trains a pbt population; its segments run under "sextant worker --study pop", not through this API');
    // Its queued first segments are left for the workers.
    expect((await call(app, "GET", "/studies")).json.studies[0].trialCounts).toMatchObject({ waiting: 2, running: 0 });
  });

  it("refuses parameter names every JavaScript object inherits, starting no trial", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "s" });
    // "__proto__" used to vanish (a trial with no parameters), "toString" to fail a trial it started.
    const raw = async (body: string) => {
      const response = await app.request("/api/v1/studies/s/trials", { method: "POST", headers: { "content-type": "application/json" }, body });
      return { status: response.status, json: (await response.json()) as any };
    };
    const proto = await raw('{"space":{"__proto__":{"type":"int","low":0,"high":3}}}');
    expect([proto.status, proto.json.error.field]).toEqual([400, "body.space.__proto__"]);
    const inherited = await raw('{"space":{"toString":{"type":"int","low":0,"high":3}}}');
    expect([inherited.status, inherited.json.error.field]).toEqual([400, "body.space.toString"]);
    expect(inherited.json.error.message).toContain('parameter name "toString" is reserved');
    expect((await call(app, "GET", "/studies")).json.studies[0].trialCounts).toMatchObject({ running: 0, failed: 0 });
  });

  it("reaches a study whose name holds a '/' through its percent-encoded path", async () => {
    const { app, storage } = newApp();
    // The library names studies freely; one made there must be reachable over HTTP.
    const study = await createStudy({ name: "team/sweep", storage, sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize((t) => t.suggestFloat("x", -1, 1), { nTrials: 2 });
    const path = `/studies/${encodeURIComponent("team/sweep")}`;
    const one = await call(app, "GET", path);
    expect(one.status).toBe(200);
    expect(one.json.study.name).toBe("team/sweep");
    const asked = await call(app, "POST", `${path}/trials`, { space: SPACE });
    expect(asked.json.trial.number).toBe(2);
    expect((await call(app, "POST", `${path}/trials/2/tell`, { state: "complete", values: [0.5] })).status).toBe(200);
    expect((await call(app, "POST", "/studies", { name: "a/b", direction: "minimize" })).status).toBe(201);
    expect((await call(app, "GET", `/studies/${encodeURIComponent("a/b")}/trials`)).status).toBe(200);
    // Control characters stay refused, naming the field.
    const bad = await call(app, "POST", "/studies", { name: "a\u0001b", direction: "minimize" });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe("body.name");
  });

  it("stores constraint values told with a result and rejects ones that are not numbers", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random", options: { seed: 1 } } });
    for (const [value, constraint] of [[1, 0.5], [2, -0.5]] as const) {
      const asked = await call(app, "POST", "/studies/s/trials", { space: SPACE });
      const told = await call(app, "POST", `/studies/s/trials/${asked.json.trial.number}/tell`, { state: "complete", values: [value], constraints: [constraint] });
      expect(told.json.trial.systemAttrs.constraints).toEqual([constraint]);
    }
    const bad = await call(app, "POST", "/studies/s/trials", { space: SPACE });
    const rejected = await call(app, "POST", `/studies/s/trials/${bad.json.trial.number}/tell`, { state: "complete", values: [0], constraints: ["x"] });
    expect(rejected.status).toBe(400);
    // A count other than the study's, or none, is refused too, and the trial stays running to be told again.
    for (const constraints of [[1, 2], undefined]) {
      const wrong = await call(app, "POST", `/studies/s/trials/${bad.json.trial.number}/tell`, { state: "complete", values: [0], ...(constraints ? { constraints } : {}) });
      expect(wrong.status).toBe(400);
      expect(wrong.json.error).toMatchObject({ field: "body.constraints", message: `body.constraints: the study's trials have 1 constraint value(s), got ${constraints ? 2 : "none"}` });
    }
    // null is none, as in the library's tell and a command's line: it was refused as "expected array".
    const nulled = await call(app, "POST", `/studies/s/trials/${bad.json.trial.number}/tell`, { state: "complete", values: [0], constraints: null });
    expect(nulled.json.error).toMatchObject({ field: "body.constraints", message: "body.constraints: the study's trials have 1 constraint value(s), got none" });
    const retold = await call(app, "POST", `/studies/s/trials/${bad.json.trial.number}/tell`, { state: "complete", values: [0], constraints: [0.25] });
    expect(retold.json.trial).toMatchObject({ state: "complete", systemAttrs: { constraints: [0.25] } });
    await call(app, "POST", "/studies", { name: "u", sampler: { name: "random", options: { seed: 1 } } });
    const plain = await call(app, "POST", "/studies/u/trials", { space: SPACE });
    const none = await call(app, "POST", `/studies/u/trials/${plain.json.trial.number}/tell`, { state: "complete", values: [1], constraints: null });
    expect(none.json.trial).toMatchObject({ state: "complete", values: [1] });
    expect(none.json.trial.systemAttrs.constraints).toBeUndefined();
  });

  it("refuses a constraint count other than one another process stored after this server read the study", async () => {
    const { storage, app } = newApp();
    await call(app, "POST", "/studies", { name: "s", directions: ["minimize", "minimize"], sampler: { name: "random", options: { seed: 1 } } });
    // The server has the study cached from here on.
    const asked = await call(app, "POST", "/studies/s/trials");
    // A worker beside the server stores the study's first constrained trial.
    const worker = await loadStudy({ name: "s", storage, sampler: new RandomSampler({ seed: 2 }) });
    await worker.tell(await worker.ask(), [1, 2], { constraints: [-1] });
    // The server's check read its cached record, found no count, and let the tell through.
    const refused = await call(app, "POST", `/studies/s/trials/${asked.json.trial.number}/tell`, { state: "complete", values: [1, 2], constraints: [1, 2] });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toBe("body.constraints: the study's trials have 1 constraint value(s), got 2");
    const told = await call(app, "POST", `/studies/s/trials/${asked.json.trial.number}/tell`, { state: "complete", values: [1, 2], constraints: [0.5] });
    expect(told.json.trial).toMatchObject({ state: "complete", systemAttrs: { constraints: [0.5] } });
  });

  it("takes as many objectives and constraint values as the library does, and refuses more with the same limit", async () => {
    const { app, storage } = newApp();
    // The library made studies of 17 objectives, which no HTTP tell (at most 16 values) could finish.
    await expect(createStudy({ name: "wide", storage, directions: Array(MAX_OBJECTIVES + 1).fill("minimize") })).rejects.toThrow(
      `directions: at most ${MAX_OBJECTIVES} objectives (the HTTP service takes no more), got ${MAX_OBJECTIVES + 1}`,
    );
    const library = await createStudy({ name: "most", storage, directions: Array(MAX_OBJECTIVES).fill("minimize"), sampler: new RandomSampler({ seed: 1 }) });
    const values = Array.from({ length: MAX_OBJECTIVES }, (_, k) => k);
    const constraints = Array(MAX_CONSTRAINTS).fill(-1);
    const asked = await call(app, "POST", "/studies/most/trials");
    const told = await call(app, "POST", `/studies/most/trials/${asked.json.trial.number}/tell`, { state: "complete", values, constraints });
    expect(told.json.trial).toMatchObject({ state: "complete", values });
    // One constraint more fails the library's trial as it is refused over HTTP.
    const trial = await library.ask();
    expect((await library.tell(trial, values, { constraints: [...constraints, -1] })).systemAttrs.failReason).toBe(
      `constraints: at most ${MAX_CONSTRAINTS} values (the HTTP service takes no more), got ${MAX_CONSTRAINTS + 1}`,
    );
    const tooMany = await call(app, "POST", "/studies", { name: "wide", directions: Array(MAX_OBJECTIVES + 1).fill("minimize") });
    expect(tooMany.json.error).toMatchObject({ status: 400, field: "body.directions", message: `body.directions: at most ${MAX_OBJECTIVES} objectives, as in the library and the CLI` });
    const next = await call(app, "POST", "/studies/most/trials");
    const refused = await call(app, "POST", `/studies/most/trials/${next.json.trial.number}/tell`, { state: "complete", values, constraints: [...constraints, -1] });
    expect(refused.json.error).toMatchObject({ status: 400, message: `body.constraints: at most ${MAX_CONSTRAINTS} constraint values, as in the library and the CLI` });
    await library.close();
  });

  it("refuses a told NaN, an infinity, a missing values array or state saying how to tell such a run, and the trial stays running", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "s", directions: ["minimize", "maximize"], sampler: { name: "random", options: { seed: 1 } } });
    await call(app, "POST", "/studies/s/trials");
    const hint = 'a run that gave none (NaN, an infinity) is told as {"state": "failed", "reason": "…"}';
    // The API writes NaN as "NaN"; sent back, it read "Invalid input: expected number, received string".
    for (const [body, field, message] of [
      [{ state: "complete", values: [1, "NaN"] }, "body.values.1", `must be a finite number; ${hint}`],
      [{ state: "complete", values: [1, 2], constraints: ["Infinity"] }, "body.constraints.0", `must be a finite number (feasible when <= 0); ${hint}`],
      // A pruned trial's value is kept as its last reported one would be: NaN is none, said by leaving values out.
      [{ state: "pruned", values: ["NaN", 2] }, "body.values.0", 'must be a number, or "Infinity" or "-Infinity"; NaN is no value: leave "values" out and the trial keeps its last reported value unless that is NaN, as in Optuna'],
      // "value", as the CLI's protocol spells one value, read "expected array, received undefined".
      [{ state: "complete", value: 1 }, "body.values", 'required: an array of one value per objective, e.g. "values": [0.93] (not "value")'],
      // null, a client's None, read "Invalid input: expected array, received null".
      [{ state: "complete", values: null }, "body.values", `required: an array of one value per objective, e.g. "values": [0.93], got null; ${hint}`],
      // A missing or unknown state read "Invalid discriminator value", neither saying it was missing nor what was sent.
      [{ values: [1, 2] }, "body.state", 'required: one of "complete", "pruned", "failed"'],
      [{ state: "running", values: [1, 2] }, "body.state", 'must be one of "complete", "pruned", "failed", got "running"'],
      [{ state: "x".repeat(500) }, "body.state", `must be one of "complete", "pruned", "failed", got "${"x".repeat(79)}…`],
    ] as const) {
      const refused = await call(app, "POST", "/studies/s/trials/0/tell", body);
      expect(refused.status, refused.text).toBe(400);
      expect(refused.json.error).toMatchObject({ field, message: `${field}: ${message}` });
    }
    const told = await call(app, "POST", "/studies/s/trials/0/tell", { state: "complete", values: [1, 2] });
    expect(told.json.trial).toMatchObject({ state: "complete", values: [1, 2] });
  });

  it("suggests parameters one at a time (define-by-run), the same value for the same name", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random", options: { seed: 2 } } });
    await call(app, "POST", "/studies/s/trials");
    const first = await call(app, "POST", "/studies/s/trials/0/suggest", { name: "lr", distribution: { type: "float", low: 1e-5, high: 1, log: true } });
    expect(first.status).toBe(200);
    expectShape(api.SuggestResponse, first.json);
    const again = await call(app, "POST", "/studies/s/trials/0/suggest", { name: "lr", distribution: { type: "float", low: 1e-5, high: 1, log: true } });
    expect(again.json.value).toBe(first.json.value);
    const conflict = await call(app, "POST", "/studies/s/trials/0/suggest", { name: "lr", distribution: { type: "float", low: 0, high: 1 } });
    expect(conflict.status).toBe(409);
    const read = await call(app, "GET", "/studies/s/trials/0");
    expect(read.json.trial.params).toEqual({ lr: first.json.value });
    expect(read.json.trial.distributions.lr).toEqual({ type: "float", low: 1e-5, high: 1, log: true });
  });

  it("keeps a define-by-run proposal away from a running trial whose parameters are not suggested yet (two objectives, the GP)", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "s", directions: ["minimize", "minimize"], sampler: { name: "gp", options: { seed: 3, nStartupTrials: 5 } } });
    const space = { x: { type: "float", low: 0, high: 1 }, y: { type: "float", low: 0, high: 1 } };
    const suggestAll = async (number: number) => {
      const point: number[] = [];
      for (const [name, distribution] of Object.entries(space)) point.push((await call(app, "POST", `/studies/s/trials/${number}/suggest`, { name, distribution })).json.value);
      return point;
    };
    for (let i = 0; i < 6; i++) {
      const number = (await call(app, "POST", "/studies/s/trials")).json.trial.number;
      const [x, y] = await suggestAll(number);
      await call(app, "POST", `/studies/s/trials/${number}/tell`, { state: "complete", values: [x! + 0.1 * y!, 1 - Math.sqrt(x!) + y!] });
    }
    // Two workers ask before either suggests: the second must not land on the first's planned point.
    const first = (await call(app, "POST", "/studies/s/trials")).json.trial.number;
    const second = (await call(app, "POST", "/studies/s/trials")).json.trial.number;
    expect((await call(app, "GET", `/studies/s/trials/${first}`)).json.trial.params).toEqual({});
    const [a, b] = [await suggestAll(first), await suggestAll(second)];
    expect(Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!)).toBeGreaterThan(0.01);
  });

  it("gives the same suggestions for the same seed and history, also from a server rebuilt from storage", async () => {
    const run = async (restartAfterCreate: boolean) => {
      const storage = new MemoryStorage();
      let { app } = newApp({ storage });
      await call(app, "POST", "/studies", { name: "s", sampler: { name: "tpe", options: { seed: 11, nStartupTrials: 2 } } });
      if (restartAfterCreate) app = newApp({ storage }).app;
      const values: number[] = [];
      for (let i = 0; i < 5; i++) {
        const asked = await call(app, "POST", "/studies/s/trials", { space: { x: SPACE.x } });
        values.push(asked.json.trial.params.x);
        await call(app, "POST", `/studies/s/trials/${i}/tell`, { state: "complete", values: [(asked.json.trial.params.x - 1) ** 2] });
      }
      return values;
    };
    const straight = await run(false);
    expect(await run(true)).toEqual(straight);
    expect(new Set(straight).size).toBe(5);
  });

  it("takes up a trial again as stored when another server wrote it after this one last did", async () => {
    const storage = new MemoryStorage();
    const one = newApp({ storage }).app;
    const two = newApp({ storage }).app;
    // Unseeded, so the two servers' samplers would draw different values for x.
    await call(one, "POST", "/studies", { name: "s", sampler: { name: "random" } });
    await call(one, "POST", "/studies/s/trials");
    const y = SPACE.x;
    await call(two, "POST", "/studies/s/trials/0/suggest", { name: "a", distribution: y }); // two now holds the trial
    const x = (await call(one, "POST", "/studies/s/trials/0/suggest", { name: "x", distribution: y })).json.value;
    // Two used to suggest x anew from its stale copy: 409, then every later suggest 409 too, and a
    // tell answered 200 with the trial stored failed ("storage error") and the value dropped.
    const again = await call(two, "POST", "/studies/s/trials/0/suggest", { name: "x", distribution: y });
    expect([again.status, again.json.value]).toEqual([200, x]);
    expect((await call(two, "POST", "/studies/s/trials/0/suggest", { name: "b", distribution: y })).status).toBe(200);
    const told = await call(two, "POST", "/studies/s/trials/0/tell", { state: "complete", values: [0.25] });
    expect([told.status, told.json.trial.state, told.json.trial.values]).toEqual([200, "complete", [0.25]]);
    expect(Object.keys(told.json.trial.params).sort()).toEqual(["a", "b", "x"]);
  });

  it("answers the stored value to a suggest another server answered at the same moment, and reads the trial as stored", async () => {
    const storage = new MemoryStorage();
    const one = newApp({ storage }).app;
    const two = newApp({ storage }).app;
    // Unseeded, so the two servers' samplers draw different values for x.
    await call(one, "POST", "/studies", { name: "s", sampler: { name: "random" } });
    for (let number = 0; number < 5; number++) {
      const { id } = (await call(one, "POST", "/studies/s/trials")).json.trial;
      // The same name and distribution, as a client retrying through another server sends them: the
      // server that wrote second answered 409 "parameter x is already set to …" (the value it should
      // give), and then its GET of the trial answered its own draw, which storage never took.
      const path = `/studies/s/trials/${number}/suggest?trialId=${id}`;
      const answers = await Promise.all([one, two, one, two].map((app) => call(app, "POST", path, { name: "x", distribution: SPACE.x })));
      const stored = (await storage.getTrial(id))!.params.x;
      expect(answers.map((answer) => [answer.status, answer.json.value])).toEqual(answers.map(() => [200, stored]));
      for (const app of [one, two]) expect((await call(app, "GET", `/studies/s/trials/${number}`)).json.trial.params.x).toBe(stored);
    }
    // Another distribution for the stored name is still a conflict, named as such.
    const other = await call(two, "POST", "/studies/s/trials/4/suggest", { name: "x", distribution: { type: "float", low: 0, high: 2 } });
    expect([other.status, other.json.error.field]).toEqual([409, "body.distribution"]);
    expect(other.json.error.message).toMatch(/parameter "x" was suggested as .* and now as /);
  });

  it("lets another server process continue a trial this one asked (suggest, report, tell)", async () => {
    const storage = new MemoryStorage();
    const one = newApp({ storage }).app;
    const two = newApp({ storage }).app;
    await call(one, "POST", "/studies", { name: "s", sampler: { name: "random", options: { seed: 4 } } });
    await call(one, "POST", "/studies/s/trials");
    const x = (await call(one, "POST", "/studies/s/trials/0/suggest", { name: "x", distribution: SPACE.x })).json.value;
    expect((await call(two, "POST", "/studies/s/trials/0/suggest", { name: "x", distribution: SPACE.x })).json.value).toBe(x);
    expect((await call(two, "POST", "/studies/s/trials/0/report", { step: 0, value: 3 })).json).toEqual({ shouldPrune: false, ignored: false });
    // A step keeps its first value (as in Optuna and the library), also on a server that reads the trial from storage.
    expect((await call(two, "POST", "/studies/s/trials/0/report", { step: 0, value: 7 })).json).toEqual({ shouldPrune: false, ignored: true });
    expect((await call(two, "POST", "/studies/s/trials/0/report", { step: 0, value: 3 })).json).toEqual({ shouldPrune: false, ignored: false });
    const three = newApp({ storage }).app;
    expect((await call(three, "POST", "/studies/s/trials/0/report", { step: 0, value: 8 })).json).toEqual({ shouldPrune: false, ignored: true });
    const told = await call(two, "POST", "/studies/s/trials/0/tell", { state: "complete", values: [x] });
    expect(told.json.trial).toMatchObject({ state: "complete", intermediate: { "0": 3 }, params: { x } });
    expect((await call(one, "POST", "/studies/s/trials/0/tell", { state: "complete", values: [1] })).status).toBe(409);
  });

  it("answers a report without reading the trial back from storage, and still sees another server's steps", async () => {
    // Each report re-read the trial it had just written (every step of its curve) when it looked
    // for other servers' writes: a trial's n-th report cost O(n), 10,000 reports O(n²).
    const storage = new MemoryStorage();
    let trialReadsBack = 0;
    const trialsSince = storage.trialsSince.bind(storage);
    storage.trialsSince = async (studyId, seq) => {
      const changes = await trialsSince(studyId, seq);
      trialReadsBack += changes.trials.filter((t) => t.number === 0).length;
      return changes;
    };
    const one = newApp({ storage }).app;
    const two = newApp({ storage }).app;
    await call(one, "POST", "/studies", { name: "s", pruner: { name: "median", options: { nStartupTrials: 0, nWarmupSteps: 0 } } });
    await call(one, "POST", "/studies/s/trials");
    await call(one, "POST", "/studies/s/trials/0/report", { step: 0, value: 1 });
    trialReadsBack = 0;
    for (let step = 1; step < 50; step++) {
      expect((await call(one, "POST", "/studies/s/trials/0/report", { step, value: 1 / step })).json).toEqual({ shouldPrune: false, ignored: false });
    }
    expect(trialReadsBack).toBe(0);
    // Another server writes a step; the first takes it up at its next report.
    expect((await call(two, "POST", "/studies/s/trials/0/report", { step: 50, value: 7 })).json.ignored).toBe(false);
    expect((await call(one, "POST", "/studies/s/trials/0/report", { step: 50, value: 8 })).json.ignored).toBe(true);
    expect((await call(one, "POST", "/studies/s/trials/0/report", { step: 51, value: 0.5 })).json.ignored).toBe(false);
    const told = await call(one, "POST", "/studies/s/trials/0/tell", { state: "complete", values: [0.5] });
    expect(Object.keys(told.json.trial.intermediate)).toHaveLength(52);
    expect(told.json.trial.intermediate["50"]).toBe(7);
  });

  it("takes a diverged run's NaN and Infinity by name in a report, hands them to the pruner, and answers them by name", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random", options: { seed: 4 } }, pruner: { name: "threshold", options: { upper: 10 } } });
    await call(app, "POST", "/studies/s/trials");
    expect((await call(app, "POST", "/studies/s/trials/0/report", { step: 0, value: 1.5 })).json.shouldPrune).toBe(false);
    expect((await call(app, "POST", "/studies/s/trials/0/report", { step: 1, value: "Infinity" })).json.shouldPrune).toBe(true);
    expect((await call(app, "POST", "/studies/s/trials/0/report", { step: 2, value: "NaN" })).status).toBe(200);
    expect((await call(app, "POST", "/studies/s/trials/0/report", { step: 3, value: "nan" })).status).toBe(400);
    // They were written as null (JSON.stringify's NaN), and the Python client crashed reading the trial.
    const read = await call(app, "GET", "/studies/s/trials/0");
    expect(read.json.trial.intermediate).toEqual({ "0": 1.5, "1": "Infinity", "2": "NaN" });
    expect(api.TrialResponse.safeParse(read.json).success).toBe(true);
    const pruned = await call(app, "POST", "/studies/s/trials/0/tell", { state: "pruned" });
    expect(pruned.json.trial.state).toBe("pruned");
  });

  it("reads a report's null value as NaN, what JSON.stringify writes for a diverged run, and says what a step is", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random", options: { seed: 4 } }, pruner: { name: "threshold", options: { upper: 10 } } });
    await call(app, "POST", "/studies/s/trials");
    // A JavaScript client's JSON.stringify({ step, value: NaN }) was refused, and the pruner never saw the run diverge.
    const diverged = await call(app, "POST", "/studies/s/trials/0/report", { step: 0, value: null });
    expect([diverged.status, diverged.json.shouldPrune]).toEqual([200, true]);
    expect((await call(app, "GET", "/studies/s/trials/0")).json.trial.intermediate).toEqual({ "0": "NaN" });
    // zod's words were "expected int, received number" and "expected number, received undefined".
    for (const [body, said] of [
      [{ step: 1.5, value: 1 }, /^body\.step: must be a whole number from 0 .*the step \(an epoch, an iteration\).*; got 1\.5$/],
      [{ step: -1, value: 1 }, /^body\.step: must be a whole number from 0 .*; got -1$/],
      [{ step: "2", value: 1 }, /^body\.step: must be a whole number from 0 .*; got "2"$/],
      [{ value: 1 }, /^body\.step: required: a whole number from 0 /],
    ] as const) {
      const refused = await call(app, "POST", "/studies/s/trials/0/report", body);
      expect([refused.status, refused.json.error.field, refused.json.error.message]).toEqual([400, "body.step", expect.stringMatching(said)]);
    }
  });

  it("notices on every route a study that another server deleted, and serves the one re-created under its name", async () => {
    const storage = new MemoryStorage();
    const one = newApp({ storage }).app;
    const two = newApp({ storage }).app;
    await call(one, "POST", "/studies", { name: "s", sampler: { name: "random", options: { seed: 4 } } });
    const old = (await call(one, "POST", "/studies/s/trials", { space: { x: SPACE.x } })).json.trial;
    await call(one, "POST", "/studies/s/trials/0/suggest", { name: "y", distribution: SPACE.x });
    expect((await call(two, "DELETE", "/studies/s")).status).toBe(200);

    const gone = [
      await call(one, "POST", "/studies/s/trials/0/suggest", { name: "z", distribution: SPACE.x }),
      await call(one, "POST", "/studies/s/trials/0/report", { step: 0, value: 1 }),
      await call(one, "POST", "/studies/s/trials/0/user-attrs", { key: "k", value: 1 }),
      await call(one, "POST", "/studies/s/trials/0/heartbeat"),
      await call(one, "POST", "/studies/s/trials/0/tell", { state: "complete", values: [1] }),
      await call(one, "GET", "/studies/s/trials/0"),
      await call(one, "POST", "/studies/s/trials", { space: { x: SPACE.x } }),
    ];
    expect(gone.map((answer) => answer.status)).toEqual([404, 404, 404, 404, 404, 404, 404]);

    await call(two, "POST", "/studies", { name: "s", direction: "maximize", sampler: { name: "random", options: { seed: 9 } } });
    const asked = (await call(one, "POST", "/studies/s/trials", { space: { x: SPACE.x } })).json.trial;
    expect(asked.number).toBe(0);
    expect(asked.id).not.toBe(old.id);
    const told = await call(one, "POST", "/studies/s/trials/0/tell", { state: "complete", values: [2] });
    expect([told.status, told.json.trial.state]).toEqual([200, "complete"]);
    const detail = (await call(one, "GET", "/studies/s")).json;
    expect(detail.study).toMatchObject({ directions: ["maximize"], sampler: { name: "random", options: { seed: 9 } }, trialCounts: { complete: 1 } });
  });

  it("attaches user attributes to a running trial, any JSON value, and refuses a missing value", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random" } });
    await call(app, "POST", "/studies/s/trials");
    expect((await call(app, "POST", "/studies/s/trials/0/user-attrs", { key: "note", value: { epochs: [1, 2], ok: true } })).json).toEqual({
      userAttrs: { note: { epochs: [1, 2], ok: true } },
    });
    await call(app, "POST", "/studies/s/trials/0/user-attrs", { key: "gpu", value: null });
    const missing = await call(app, "POST", "/studies/s/trials/0/user-attrs", { key: "x" });
    expect([missing.status, missing.json.error.field]).toEqual([400, "body.value"]);
    expect((await call(app, "GET", "/studies/s/trials/0")).json.trial.userAttrs).toEqual({ note: { epochs: [1, 2], ok: true }, gpu: null });
  });

  it("sends NaN and ±Infinity in attributes as tags and reads them back, where a string \"Infinity\" stays a string", async () => {
    for (const storage of [new MemoryStorage(), await openStorage("sqlite::memory:")]) {
      const { app } = newApp({ storage });
      const study = await createStudy({ name: "s", storage, sampler: new RandomSampler({ seed: 1 }) });
      await study.setUserAttr("baseline", -Infinity);
      const trial = await study.ask();
      // Set through the library: they came back over HTTP as null (JSON.stringify's NaN).
      trial.setUserAttr("loss", Infinity);
      trial.setUserAttr("curve", [1, NaN, { peak: -Infinity }]);
      trial.setUserAttr("text", "Infinity");
      trial.setUserAttr("shaped", { "$sextant:number": "Infinity" });
      trial.setSystemAttr("probe", NaN);
      await study.flushTrial(trial);
      const read = (await call(app, "GET", "/studies/s/trials/0")).json.trial;
      expect(read.userAttrs).toEqual({
        loss: { "$sextant:number": "Infinity" },
        curve: [1, { "$sextant:number": "NaN" }, { peak: { "$sextant:number": "-Infinity" } }],
        text: "Infinity",
        shaped: { "$$sextant:number": "Infinity" },
      });
      expect(read.systemAttrs.probe).toEqual({ "$sextant:number": "NaN" });
      expect((await call(app, "GET", "/studies/s")).json.study.userAttrs).toEqual({ baseline: { "$sextant:number": "-Infinity" } });

      // And the other way: what the API sends is what it takes.
      const set = await call(app, "POST", "/studies/s/trials/0/user-attrs", { key: "echo", value: read.userAttrs });
      expect(set.status).toBe(200);
      expect(set.json.userAttrs.echo).toEqual(read.userAttrs);
      await study.refresh();
      expect(study.trials[0]!.userAttrs.echo).toEqual({ loss: Infinity, curve: [1, NaN, { peak: -Infinity }], text: "Infinity", shaped: { "$sextant:number": "Infinity" } });
      const made = await call(app, "POST", "/studies", { name: "t", userAttrs: { floor: { "$sextant:number": "-Infinity" }, note: "NaN" } });
      expect(made.json.study.userAttrs).toEqual({ floor: { "$sextant:number": "-Infinity" }, note: "NaN" });
      expect((await storage.getStudy("t"))!.userAttrs).toEqual({ floor: -Infinity, note: "NaN" });

      const bad = await call(app, "POST", "/studies/s/trials/0/user-attrs", { key: "x", value: { a: [{ "$sextant:number": "inf" }] } });
      expect([bad.status, bad.json.error.field]).toEqual([400, "body.value.a.0"]);
      expect(bad.json.error.message).toContain('must name "NaN", "Infinity" or "-Infinity"');
      const badStudy = await call(app, "POST", "/studies", { name: "u", userAttrs: { x: { "$sextant:number": 1 } } });
      expect([badStudy.status, badStudy.json.error.field, await storage.getStudy("u")]).toEqual([400, "body.userAttrs.x", null]);
      await storage.close();
    }
  });

  it("hands out a study's budget of trials (sextant create --trials) and then answers 409 saying it is used up", async () => {
    const { app, storage } = newApp();
    const record = await storage.createStudy("fleet", ["minimize"], { systemAttrs: { "cli:config": { version: 1, budget: { trials: 2, deadline: null, queued: true } } } });
    await queueWaitingTrials(storage, record.id, 2);
    expect((await call(app, "POST", "/studies/fleet/trials", { space: { x: SPACE.x } })).status).toBe(201);
    expect((await call(app, "POST", "/studies/fleet/trials")).status).toBe(201);
    // A third ask created trial 2, past the budget that sextant worker stops at.
    const spent = await call(app, "POST", "/studies/fleet/trials");
    expect([spent.status, spent.json.error.message]).toEqual([409, 'study "fleet" has used up its budget of 2 trial(s) (sextant create --trials 2): every one has been handed out']);
    expect((await storage.trialsSince(record.id, 0)).trials).toHaveLength(2);
    // A client's optimize stops at this 409 and at no other: the code tells it apart from the message.
    expect([spent.json.error.code, spent.json.error.field]).toEqual(["trial_budget_spent", "path.study"]);
    await call(app, "POST", "/studies", { name: "other" });
    const told = (await call(app, "POST", "/studies/other/trials")).json.trial.number;
    await call(app, "POST", `/studies/other/trials/${told}/tell`, { state: "failed" });
    const otherConflict = await call(app, "POST", `/studies/other/trials/${told}/tell`, { state: "failed" });
    expect([otherConflict.status, "code" in otherConflict.json.error]).toEqual([409, false]);
  });

  it("gives a study's heartbeat grace as the shorter of its own server's and the one its workers reap by", async () => {
    const { app, storage } = newApp({ storage: await openStorage("sqlite::memory:"), heartbeatGraceSeconds: 30 });
    try {
      await storage.createStudy("short", ["minimize"], { systemAttrs: { "cli:config": { version: 1, heartbeat: { intervalSeconds: 2, graceSeconds: 8 } } } });
      await storage.createStudy("plain", ["minimize"], { systemAttrs: { "cli:config": { version: 1 } } });
      await storage.createStudy("long", ["minimize"], { systemAttrs: { "cli:config": { version: 1, heartbeat: { graceSeconds: 300 } } } });
      const graces = [];
      for (const name of ["short", "plain", "long"]) graces.push((await call(app, "GET", `/studies/${name}`)).json.heartbeatGraceSeconds);
      // A worker on "short" fails a silent HTTP client's trial after 8 s, where /health says 30.
      expect(graces).toEqual([8, 30, 30]);
      expect((await call(app, "GET", "/health")).json.heartbeatGraceSeconds).toBe(30);
    } finally {
      await storage.close();
    }
  });

  it("keeps to the budget of a study it read while sextant create was still making it (a dashboard GET in the gap)", async () => {
    const { app, storage } = newApp();
    // createCommand's order of writes: the study, cli:creating, the queued trials, cli:config last.
    const record = await storage.createStudy("fleet", ["minimize"], { systemAttrs: { "cli:creating": true } });
    await queueWaitingTrials(storage, record.id, 2);
    expect((await call(app, "GET", "/studies/fleet")).status).toBe(200);
    const early = await call(app, "POST", "/studies/fleet/trials");
    expect([early.status, early.json.error.message]).toEqual([409, expect.stringContaining('study "fleet" is half-made')]);
    // A client tells this 409 (wait and ask again) from the others by its code, as for a spent budget.
    expect([early.json.error.code, early.json.error.field]).toEqual(["study_half_made", "path.study"]);
    await storage.setStudyAttrs(record.id, { systemAttrs: { "cli:config": { version: 1, budget: { trials: 2, deadline: null, queued: true } } } });
    const asks = [];
    for (let i = 0; i < 4; i++) asks.push((await call(app, "POST", "/studies/fleet/trials")).status);
    // The study object built in the gap never learnt the budget, and answered 201 to all four.
    expect(asks).toEqual([201, 201, 409, 409]);
    expect((await storage.trialsSince(record.id, 0)).trials).toHaveLength(2);
  });

  it("marks a half-made study (sextant create still making it, a copy still writing it) with halfMade in the listing and GET, as sextant studies does", async () => {
    const { app, storage } = newApp();
    await call(app, "POST", "/studies", { name: "made" });
    const creating = await storage.createStudy("creating", ["minimize"], { systemAttrs: { "cli:creating": true } });
    await storage.createStudy("copying", ["minimize"], { systemAttrs: { "copy:writing": true } });
    const listed = await call(app, "GET", "/studies");
    expectShape(api.StudyListResponse, listed.json);
    const marks = Object.fromEntries(listed.json.studies.map((s: { name: string; halfMade: boolean }) => [s.name, s.halfMade]));
    expect(marks).toEqual({ made: false, creating: true, copying: true });
    const one = await call(app, "GET", "/studies/creating");
    expectShape(api.StudyDetailResponse, one.json);
    expect(one.json.study.halfMade).toBe(true);
    // sextant create stores cli:config last: from then on the study is made.
    await storage.setStudyAttrs(creating.id, { systemAttrs: { "cli:config": { version: 1, budget: { trials: 0, deadline: null, queued: true } } } });
    expect((await call(app, "GET", "/studies/creating")).json.study.halfMade).toBe(false);
    expect((await call(app, "GET", "/studies?search=creat")).json.studies.map((s: { halfMade: boolean }) => s.halfMade)).toEqual([false]);
  });

  it("refuses an ask of a study a copy is writing (409 study_half_made), and asks once the copy has written its last trial", async () => {
    const { app, storage } = newApp();
    const source = new MemoryStorage();
    const lr = await createStudy({ name: "lr", storage: source, sampler: new RandomSampler({ seed: 1 }) });
    await lr.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 2 });
    const answers: { status: number; code?: string; message?: string }[] = [];
    // An HTTP client that asks while the copy writes its trials.
    const asking = new Proxy(storage, {
      get(store, key) {
        const value = Reflect.get(store, key);
        if (key !== "insertTrials") return typeof value === "function" ? value.bind(store) : value;
        return async (...args: Parameters<NonNullable<Storage["insertTrials"]>>) => {
          if (answers.length === 0) {
            const early = await call(app, "POST", "/studies/lr/trials");
            answers.push({ status: early.status, code: early.json.error?.code, message: early.json.error?.message });
          }
          return store.insertTrials!(...args);
        };
      },
    });
    await copyStudy({ from: { storage: source, name: "lr" }, to: { storage: asking } });
    expect(answers).toEqual([{ status: 409, code: "study_half_made", message: expect.stringContaining('study "lr" is half-made: a sextant copy/import is still writing its trials') }]);
    const asked = await call(app, "POST", "/studies/lr/trials");
    expect([asked.status, asked.json.trial.number]).toEqual([201, 2]);
  });

  it("answers whether to prune from the study's pruner", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "p", pruner: { name: "median", options: { nStartupTrials: 2, nWarmupSteps: 0 } }, sampler: { name: "random" } });
    for (let i = 0; i < 2; i++) {
      await call(app, "POST", "/studies/p/trials");
      expect((await call(app, "POST", `/studies/p/trials/${i}/report`, { step: 0, value: 1 })).json.shouldPrune).toBe(false);
      await call(app, "POST", `/studies/p/trials/${i}/tell`, { state: "complete", values: [1] });
    }
    await call(app, "POST", "/studies/p/trials");
    expect((await call(app, "POST", "/studies/p/trials/2/report", { step: 0, value: 0.5 })).json.shouldPrune).toBe(false);
    expect((await call(app, "POST", "/studies/p/trials/2/report", { step: 1, value: 0.5 })).json.shouldPrune).toBe(false);
    await call(app, "POST", "/studies/p/trials");
    expect((await call(app, "POST", "/studies/p/trials/3/report", { step: 0, value: 50 })).json.shouldPrune).toBe(true);
    const pruned = await call(app, "POST", "/studies/p/trials/3/tell", { state: "pruned" });
    expect(pruned.json.trial).toMatchObject({ state: "pruned", values: [50] });
  });

  it("rebuilds the registered sampler and pruner an older library-made study records by name only, not auto and none", async () => {
    const { app, storage } = newApp();
    // As the library recorded a study before it kept its components' options: names alone.
    await storage.createStudy("lib", ["minimize"], { systemAttrs: { sampler: "random", pruner: "median" } });
    // Eight trials whose steps order them as their final values do: the median pruner's default
    // warm-up (rank agreement) then judges from step 1.
    for (let i = 0; i < 8; i++) {
      await call(app, "POST", "/studies/lib/trials", { space: { x: SPACE.x } });
      for (const step of [0, 1, 2]) await call(app, "POST", `/studies/lib/trials/${i}/report`, { step, value: i });
      await call(app, "POST", `/studies/lib/trials/${i}/tell`, { state: "complete", values: [i] });
    }
    await call(app, "POST", "/studies/lib/trials", { space: { x: SPACE.x } });
    // The median pruner the study was made with prunes a trial far above the others; "none" never did.
    await call(app, "POST", "/studies/lib/trials/8/report", { step: 0, value: 50 });
    expect((await call(app, "POST", "/studies/lib/trials/8/report", { step: 1, value: 50 })).json.shouldPrune).toBe(true);
    expect((await call(app, "GET", "/studies/lib")).json.study).toMatchObject({ sampler: { name: "random" }, pruner: { name: "median" } });
  });

  it("judges and samples a library-made study with the options the library gave its pruner and sampler", async () => {
    // The library recorded only the names: the median pruner came back with its default warm-up (and
    // did not prune where the library did), and the threshold pruner and grid sampler not at all.
    const dir = mkdtempSync(join(tmpdir(), "sextant-library-specs-"));
    try {
      const url = `sqlite:${join(dir, "lib.db")}`;
      const median = await createStudy({ name: "lib-median", storage: url, sampler: new RandomSampler({ seed: 1 }), pruner: new MedianPruner({ nWarmupSteps: 0, nStartupTrials: 1 }) });
      // Two trials whose first steps rank them unlike their final values: the default warm-up waits past them.
      for (const [first, last] of [[1, 5], [5, 1]]) {
        const trial = await median.ask();
        trial.suggestFloat("x", 0, 1);
        trial.reportIntermediate(first, 0);
        trial.reportIntermediate(last, 1);
        await median.tell(trial, last);
      }
      const judged = await median.ask();
      judged.suggestFloat("x", 0, 1);
      judged.reportIntermediate(100, 0);
      expect(judged.shouldPrune()).toBe(true);
      await median.tell(judged, { state: "pruned" });
      await median.close();
      await (await createStudy({ name: "lib-threshold", storage: url, pruner: new ThresholdPruner({ upper: 5 }) })).close();
      const grid = await createStudy({ name: "lib-grid", storage: url, sampler: new GridSampler({ searchSpace: { x: [0.25, 0.75] }, seed: 3 }) });
      await grid.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 1 });
      await grid.close();

      const { app, storage } = newApp({ storage: await openStorage(url) });
      try {
        const asked = (await call(app, "POST", "/studies/lib-median/trials", { space: { x: SPACE.x } })).json.trial;
        expect((await call(app, "POST", `/studies/lib-median/trials/${asked.number}/report`, { step: 0, value: 100 })).json.shouldPrune).toBe(true);
        expect((await call(app, "GET", "/studies/lib-median")).json.study.pruner).toEqual({ name: "median", options: { nWarmupSteps: 0, nStartupTrials: 1 } });

        const bounded = (await call(app, "POST", "/studies/lib-threshold/trials", { space: { x: SPACE.x } })).json.trial;
        expect((await call(app, "POST", `/studies/lib-threshold/trials/${bounded.number}/report`, { step: 0, value: 4 })).json.shouldPrune).toBe(false);
        expect((await call(app, "POST", `/studies/lib-threshold/trials/${bounded.number}/report`, { step: 1, value: 9 })).json.shouldPrune).toBe(true);

        // The grid's other point, then the end of the grid, as the library's optimize would have met it.
        const next = await call(app, "POST", "/studies/lib-grid/trials", { space: { x: SPACE.x } });
        expect(next.status).toBe(201);
        await call(app, "POST", `/studies/lib-grid/trials/${next.json.trial.number}/tell`, { state: "complete", values: [0] });
        const visited = (await call(app, "GET", "/studies/lib-grid/trials")).json.trials.map((trial: { params: { x: number } }) => trial.params.x);
        expect(visited.sort()).toEqual([0.25, 0.75]);
        const exhausted = await call(app, "POST", "/studies/lib-grid/trials", { space: { x: SPACE.x } });
        expect([exhausted.status, exhausted.json.error.code]).toEqual([409, "sampler_exhausted"]);
      } finally {
        await storage.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serves a library-made study whose pruner needs options it did not record, and refuses only to judge its reports", async () => {
    // Every route of it answered 409 ("threshold pruner: give lower, upper or both"): its trials, the dashboard, sextant report.
    // A built-in threshold pruner is recorded with its bounds now; one of the user's own, without a spec, is not.
    class OwnThresholdPruner extends ThresholdPruner {
      override spec(): null {
        return null;
      }
    }
    const { app, storage } = newApp();
    const study = await createStudy({ name: "lib-threshold", storage, sampler: new RandomSampler({ seed: 1 }), pruner: new OwnThresholdPruner({ upper: 5 }) });
    await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 2 });
    const read = await call(app, "GET", "/studies/lib-threshold");
    expect([read.status, read.json.study.pruner.name]).toEqual([200, "threshold"]);
    expect((await call(app, "GET", "/studies/lib-threshold/trials/1")).status).toBe(200);
    const asked = await call(app, "POST", "/studies/lib-threshold/trials", { space: { x: SPACE.x } });
    expect(asked.status).toBe(201);
    const report = await call(app, "POST", `/studies/lib-threshold/trials/${asked.json.trial.number}/report`, { step: 0, value: 9 });
    expect([report.status, report.json.error.field]).toEqual([409, "path.study"]);
    expect(report.json.error.message).toMatch(/^study "lib-threshold" was made by the library with the threshold pruner, whose options it did not record/);
    // A study the server or the CLI stored with bad options is still refused wherever its pruner is built, as before.
    await storage.createStudy("stored-bad", ["minimize"], { systemAttrs: { "server:pruner": { name: "threshold", options: {} } } });
    const refused = await call(app, "POST", "/studies/stored-bad/trials", { space: { x: SPACE.x } });
    expect([refused.status, refused.json.error.message]).toEqual([409, expect.stringMatching(/threshold pruner/)]);
  });

  it("serves a library-made study whose sampler needs options it did not record, and refuses only its asks and suggestions", async () => {
    // Every route of it answered 409 ("the grid sampler needs a grid"): its trials, the dashboard, sextant report.
    // A built-in grid sampler is recorded with its grid now; one of the user's own, without a spec, is not.
    class OwnGridSampler extends GridSampler {
      override spec(): null {
        return null;
      }
    }
    const { app, storage } = newApp();
    const study = await createStudy({ name: "lib-grid", storage, sampler: new OwnGridSampler({ searchSpace: { x: [0, 0.5, 1] } }) });
    await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 2 });
    const running = await study.ask();
    const read = await call(app, "GET", "/studies/lib-grid");
    expect([read.status, read.json.study.sampler.name, read.json.study.trialCounts.complete]).toEqual([200, "grid", 2]);
    expect((await call(app, "GET", "/studies/lib-grid/trials/1")).status).toBe(200);
    const asked = await call(app, "POST", "/studies/lib-grid/trials", { space: { x: SPACE.x } });
    expect([asked.status, asked.json.error.field]).toEqual([409, "path.study"]);
    expect(asked.json.error.message).toMatch(/^study "lib-grid" was made by the library with the grid sampler, whose options it did not record \(.*needs a grid.*\), so this server cannot propose/);
    const suggested = await call(app, "POST", `/studies/lib-grid/trials/${running.number}/suggest`, { name: "x", distribution: SPACE.x });
    expect([suggested.status, suggested.json.error.message]).toEqual([409, asked.json.error.message]);
    // Refused before any trial was made or failed: the library's running trial can still be told over HTTP.
    const told = await call(app, "POST", `/studies/lib-grid/trials/${running.number}/tell`, { state: "complete", values: [1] });
    expect(told.status).toBe(200);
    await study.refresh();
    expect(study.trials.map((trial) => trial.state)).toEqual(["complete", "complete", "complete"]);
    // A study the server stored with a grid sampler without its grid is still refused wherever its sampler is built.
    await storage.createStudy("stored-bad-grid", ["minimize"], { systemAttrs: { "server:sampler": { name: "grid", options: {} } } });
    const refused = await call(app, "GET", "/studies/stored-bad-grid/trials/0");
    expect([refused.status, refused.json.error.message]).toEqual([409, expect.stringMatching(/cannot rebuild: the grid sampler needs a grid/)]);
  });

  it("serves a library-made GP study with its warm start, and says a deleted source once", async () => {
    const storage = new MemoryStorage();
    const source = await createStudy({ name: "src", storage, sampler: new RandomSampler({ seed: 1 }) });
    for (const x of [0.242, 0.9, 0.6, 0.1]) await source.enqueueTrial({ x });
    await source.optimize((t) => (t.suggestFloat("x", 0, 1) - 0.25) ** 2, { nTrials: 4 });
    await createStudy({ name: "dst", storage, warmStartFrom: ["src"], sampler: new GPSampler({ warmStart: true, seed: 3 }) });
    const { app } = newApp({ storage });
    // Rebuilt by name with default options, the GP had warmStart off: trial 0 was not the source's best.
    const first = (await call(app, "POST", "/studies/dst/trials", { space: { x: { type: "float", low: 0, high: 1 } } })).json.trial;
    expect(first.params.x).toBe(0.242);
    // A GP given no warmStart learns nothing from the sources in the library (which warns so), and
    // none on the server either: the server's first trial is the one the library's would be.
    const cold = (name: string) => createStudy({ name, storage, warmStartFrom: ["src"], sampler: new GPSampler({ seed: 3 }), onWarning: () => undefined });
    const library = await cold("cold-library");
    const libraryX = (await library.ask()).suggestFloat("x", 0, 1);
    await cold("cold-server");
    const served = (await call(app, "POST", "/studies/cold-server/trials", { space: { x: { type: "float", low: 0, high: 1 } } })).json.trial;
    expect([served.params.x, libraryX === 0.242]).toEqual([libraryX, false]);
    await createStudy({ name: "dst2", storage, warmStartFrom: ["src"], sampler: new GPSampler({ warmStart: true, seed: 3 }) });
    await storage.deleteStudy("src");
    const logged: string[] = [];
    const other = createServerApp({ storage, logError: (m) => void logged.push(m) });
    const asked = await call(other, "POST", "/studies/dst2/trials", { space: { x: { type: "float", low: 0, high: 1 } } });
    expect(asked.status, JSON.stringify(asked.json)).toBe(201);
    expect(logged).toEqual([expect.stringMatching(/^sextant serve: warm start: study "src", which study "dst2" was created to learn from, no longer exists; going on without it$/)]);
  });

  it("refuses a request naming another trial than the study's trial of that number (the study was re-created)", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random" } });
    const old = (await call(app, "POST", "/studies/s/trials", { space: { x: SPACE.x } })).json.trial;
    await call(app, "DELETE", "/studies/s");
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random" } });
    const fresh = (await call(app, "POST", "/studies/s/trials", { space: { x: SPACE.x } })).json.trial;
    expect(fresh.number).toBe(old.number);
    // The old trial's client used to tell its result into the new study's trial 0.
    for (const [path, body] of [["tell", { state: "complete", values: [123] }], ["report", { step: 0, value: 1 }], ["suggest", { name: "y", distribution: SPACE.x }], ["user-attrs", { key: "k", value: 1 }], ["heartbeat", undefined]] as const) {
      const answer = await call(app, "POST", `/studies/s/trials/0/${path}?trialId=${old.id}`, body);
      expect([path, answer.status, answer.json.error.field]).toEqual([path, 409, "query.trialId"]);
      expect(answer.json.error.message).toMatch(/is not the trial \d+ this request is about: the study was deleted and created again/);
    }
    const told = await call(app, "POST", `/studies/s/trials/0/tell?trialId=${fresh.id}`, { state: "complete", values: [1] });
    expect([told.status, told.json.trial.values]).toEqual([200, [1]]);
  });

  it("says a request naming another study's trial is that, not a study deleted and created again", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "a", sampler: { name: "random" } });
    await call(app, "POST", "/studies", { name: "b", sampler: { name: "random" } });
    const ofA = (await call(app, "POST", "/studies/a/trials", { space: { x: SPACE.x } })).json.trial;
    const ofB = (await call(app, "POST", "/studies/b/trials", { space: { x: SPACE.x } })).json.trial;
    expect(ofB.number).toBe(ofA.number);
    // A's trial told under study b: neither study was deleted, and b's trial stays running.
    const answer = await call(app, "POST", `/studies/b/trials/${ofB.number}/tell?trialId=${ofA.id}`, { state: "complete", values: [1] });
    expect([answer.status, answer.json.error]).toEqual([
      409,
      {
        status: 409,
        message: `trial 0 of study "b" is not the trial ${ofA.id} this request is about: trial id ${ofA.id} is trial 0 of another study; send it to the study that asked it`,
        field: "query.trialId",
      },
    ]);
    expect((await call(app, "GET", "/studies/b/trials/0")).json.trial.state).toBe("running");
    expect((await call(app, "GET", "/studies/a/trials/0")).json.trial.state).toBe("running");
  });

  it("refuses a tell with the wrong number of values and keeps the trial running; a second tell is 409", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random" } });
    await call(app, "POST", "/studies/s/trials");
    const wrong = await call(app, "POST", "/studies/s/trials/0/tell", { state: "complete", values: [1, 2] });
    expect([wrong.status, wrong.json.error.field]).toEqual([400, "body.values"]);
    expect((await call(app, "GET", "/studies/s/trials/0")).json.trial.state).toBe("running");
    expect((await call(app, "POST", "/studies/s/trials/0/tell", { state: "complete", values: [2] })).status).toBe(200);
    expect((await call(app, "POST", "/studies/s/trials/0/tell", { state: "complete", values: [2] })).status).toBe(409);
    expect((await call(app, "POST", "/studies/s/trials/9/tell", { state: "complete", values: [2] })).status).toBe(404);
  });

  it("refuses a pruned trial's values of the wrong count, keeping it running, and takes the right count", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "two", directions: ["minimize", "maximize"], sampler: { name: "random" } });
    await call(app, "POST", "/studies/two/trials");
    for (const values of [[1], [1, 2, 3]]) {
      const wrong = await call(app, "POST", "/studies/two/trials/0/tell", { state: "pruned", values });
      expect([wrong.status, wrong.json.error.field, wrong.json.error.message]).toEqual([400, "body.values", `body.values: the study has 2 objective(s), got ${values.length} value(s)`]);
      expect((await call(app, "GET", "/studies/two/trials/0")).json.trial.state).toBe("running");
    }
    const told = await call(app, "POST", "/studies/two/trials/0/tell", { state: "pruned", values: [1, 2] });
    expect([told.status, told.json.trial.state, told.json.trial.values]).toEqual([200, "pruned", [1, 2]]);
  });

  it("keeps a pruned trial's told infinities as the library does, and refuses NaN there as the library does, the trial left running", async () => {
    const { app, storage } = newApp();
    await call(app, "POST", "/studies", { name: "two", directions: ["minimize", "maximize"], sampler: { name: "random" } });
    await call(app, "POST", "/studies/two/trials");
    // null is what JSON.stringify writes for NaN: refused as NaN is, not taken as no value.
    for (const [values, field] of [[["NaN", 1], "body.values.0"], [[1, null], "body.values.1"]] as const) {
      const refused = await call(app, "POST", "/studies/two/trials/0/tell", { state: "pruned", values });
      expect([refused.status, refused.json.error.field], refused.text).toEqual([400, field]);
      expect((await call(app, "GET", "/studies/two/trials/0")).json.trial.state).toBe("running");
    }
    const told = await call(app, "POST", "/studies/two/trials/0/tell", { state: "pruned", values: ["-Infinity", "Infinity"] });
    expect([told.status, told.json.trial.state, told.json.trial.values], told.text).toEqual([200, "pruned", ["-Infinity", "Infinity"]]);
    const study = await loadStudy({ name: "two", storage });
    expect(study.trials[0]!.values).toEqual([-Infinity, Infinity]);
    const asked = await study.ask();
    await expect(study.tell(asked, { state: "pruned", values: [1, Number.NaN] })).rejects.toThrow(
      "tell: trial 1: a pruned trial's values[1] must be a number (±Infinity is kept), got NaN; leave values out and it keeps its last intermediate value unless that is NaN, as Optuna's tell of a pruned trial does",
    );
    expect(study.trials[1]!.state).toBe("running");
  });

  it("stores a pruned trial's constraints, as Optuna 3.1 records them, and refuses a wrong count of them as for a complete trial", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "c", sampler: { name: "random" } });
    for (let i = 0; i < 3; i++) await call(app, "POST", "/studies/c/trials");
    await call(app, "POST", "/studies/c/trials/0/tell", { state: "complete", values: [1], constraints: [-1] });
    // It was a 400: "body.constraints: unknown key", and the Python client's constraints_func never ran for a pruned trial.
    const wrong = await call(app, "POST", "/studies/c/trials/1/tell", { state: "pruned", constraints: [1, 2] });
    expect([wrong.status, wrong.json.error?.message]).toEqual([400, "body.constraints: the study's trials have 1 constraint value(s), got 2"]);
    const pruned = await call(app, "POST", "/studies/c/trials/1/tell", { state: "pruned", constraints: [0.5] });
    expect([pruned.status, pruned.json.trial.state, pruned.json.trial.systemAttrs.constraints], pruned.text).toEqual([200, "pruned", [0.5]]);
    // Left out, a pruned trial is stored without them: it has no result to judge.
    const without = await call(app, "POST", "/studies/c/trials/2/tell", { state: "pruned" });
    expect([without.status, without.json.trial.state, without.json.trial.systemAttrs.constraints]).toEqual([200, "pruned", undefined]);
  });

  it("takes a pruned trial's \"values\": null as none, as the library and the Python client do", async () => {
    const { app } = newApp();
    for (const [name, directions, values] of [["one", ["minimize"], [0.5]], ["two", ["minimize", "maximize"], null]] as const) {
      await call(app, "POST", "/studies", { name, directions, sampler: { name: "random" } });
      await call(app, "POST", `/studies/${name}/trials`);
      await call(app, "POST", `/studies/${name}/trials/0/report`, { step: 1, value: 0.5 });
      // It was a 400: "body.values: Invalid input: expected array, received null".
      const told = await call(app, "POST", `/studies/${name}/trials/0/tell`, { state: "pruned", values: null });
      expect([told.status, told.json.trial.state, told.json.trial.values], told.text).toEqual([200, "pruned", values]);
    }
  });

  it("refuses a single-objective pruner for a study of several objectives when it is made, not with a 500 at its first report", async () => {
    const { app, storage } = newApp();
    for (const pruner of ["median", "percentile", "asha", "hyperband", "wilcoxon"]) {
      const refused = await call(app, "POST", "/studies", { name: `mo-${pruner}`, directions: ["minimize", "minimize"], pruner: { name: pruner } });
      expect([refused.status, refused.json.error.field]).toEqual([400, "body.pruner"]);
      expect(refused.json.error.message).toBe(`body.pruner: the ${pruner} pruner supports single-objective studies only; this study has 2 objectives (use no pruner, or report one objective)`);
    }
    expect((await call(app, "GET", "/studies")).json.studies).toEqual([]);
    // One stored before the server refused them (as `sextant tune` can make): its reports get a 409 naming the pruner.
    await storage.createStudy("older", ["minimize", "minimize"], { systemAttrs: { "server:pruner": { name: "median", options: {} } } });
    await call(app, "POST", "/studies/older/trials");
    const report = await call(app, "POST", "/studies/older/trials/0/report", { step: 0, value: 1 });
    expect([report.status, report.json.error.field, report.json.error.message]).toEqual([
      409,
      "path.study",
      "the median pruner supports single-objective studies only; this study has 2 objectives (use no pruner, or report one objective)",
    ]);
    expect((await call(app, "POST", "/studies", { name: "mo-threshold", directions: ["minimize", "minimize"], pruner: { name: "threshold", options: { upper: 1 } } })).status).toBe(201);
  });

  it("takes JSON null for an option the constructor takes as null (TPE's magicClipExponent), and asks with it", async () => {
    // The body schema refused null outright, though new TPESampler({ magicClipExponent: null }) takes it.
    const { app } = newApp();
    const created = await call(app, "POST", "/studies", { name: "optuna-clip", sampler: { name: "tpe", options: { magicClipExponent: null, nStartupTrials: 1 } } });
    expect([created.status, created.json.study.sampler]).toEqual([201, { name: "tpe", options: { magicClipExponent: null, nStartupTrials: 1 } }]);
    expectShape(api.CreateStudyResponse, created.json);
    for (let i = 0; i < 3; i++) {
      const asked = await call(app, "POST", "/studies/optuna-clip/trials", { space: { x: SPACE.x } });
      expect(asked.status).toBe(201);
      await call(app, "POST", `/studies/optuna-clip/trials/${asked.json.trial.number}/tell`, { state: "complete", values: [asked.json.trial.params.x] });
    }
  });

  it("takes a successive-halving pruner's steps as JSON numbers and its words as text", async () => {
    const { app } = newApp();
    const asha = await call(app, "POST", "/studies", { name: "asha", pruner: { name: "asha", options: { minResource: 3, reductionFactor: 3 } } });
    expect([asha.status, asha.json.study.pruner]).toEqual([201, { name: "asha", options: { minResource: 3, reductionFactor: 3 } }]);
    const words = await call(app, "POST", "/studies", { name: "hb", pruner: { name: "hyperband", options: { minResource: "rank-agreement", maxResource: 81 } } });
    expect(words.status).toBe(201);
  });

  it("takes the patient pruner's wrappedOptions as an object, as a config file does, and judges with them", async () => {
    const { app } = newApp();
    const options = { patience: 0, wrapped: "threshold", wrappedOptions: { upper: 10 } };
    const created = await call(app, "POST", "/studies", { name: "pt", sampler: { name: "random" }, pruner: { name: "patient", options } });
    expect([created.status, created.json.study.pruner]).toEqual([201, { name: "patient", options: { ...options, wrappedOptions: '{"upper":10}' } }]);
    await call(app, "POST", "/studies/pt/trials");
    await call(app, "POST", "/studies/pt/trials/0/report", { step: 0, value: 5 });
    // Worse than before (patience 0) but inside the wrapped threshold's band, then outside it.
    expect((await call(app, "POST", "/studies/pt/trials/0/report", { step: 1, value: 8 })).json.shouldPrune).toBe(false);
    expect((await call(app, "POST", "/studies/pt/trials/0/report", { step: 2, value: 12 })).json.shouldPrune).toBe(true);
    // An object for an option that takes a number is still refused, naming the option.
    const refused = await call(app, "POST", "/studies", { name: "pt2", pruner: { name: "median", options: { nStartupTrials: { n: 5 } } } });
    expect([refused.status, refused.json.error.field]).toEqual([400, "body.pruner"]);
    expect(refused.json.error.message).toContain('option "nStartupTrials" must be a JSON number');
  });

  it("pages through a study reading each trial from storage about once, not every later trial per page", async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ name: "big", storage, sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 300 });
    const rowsRead = countTrialsRead(storage);
    const { app } = newApp({ storage });
    const seen = new Set<number>();
    for (let since = 0, more = true; more; ) {
      const page = (await call(app, "GET", `/studies/big/trials?since=${since}&limit=10`)).json;
      for (const t of page.trials) seen.add(t.number);
      ({ seq: since, more } = page);
    }
    expect(seen.size).toBe(300);
    // 30 pages used to read 300 + 290 + … + 10 = 4,650 rows.
    expect(rowsRead.trials).toBeLessThanOrEqual(300);
  });

  it("reads trials in pages and incrementally from a sequence number", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random" } });
    for (let i = 0; i < 7; i++) {
      await call(app, "POST", "/studies/s/trials", { space: { x: SPACE.x } });
      await call(app, "POST", `/studies/s/trials/${i}/tell`, { state: "complete", values: [i] });
    }
    const seen: number[] = [];
    let since = 0;
    for (;;) {
      const page = await call(app, "GET", `/studies/s/trials?since=${since}&limit=3`);
      expectShape(api.TrialPageResponse, page.json);
      expect(page.json.trials.length).toBeLessThanOrEqual(3);
      seen.push(...page.json.trials.map((t: { number: number }) => t.number));
      since = page.json.seq;
      if (!page.json.more) break;
    }
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect((await call(app, "GET", `/studies/s/trials?since=${since}`)).json).toMatchObject({ trials: [], seq: since, more: false, studyId: expect.any(Number) });
    // 16 digits are still a count (up to 2^53 − 1); this one was refused as not "a non-negative integer".
    expect((await call(app, "GET", "/studies/s/trials?since=1000000000000000")).status).toBe(200);
    expect((await call(app, "GET", "/studies/s/trials?since=99999999999999999")).json.error.message).toMatch(/must be at most 9007199254740991/);
    await call(app, "POST", "/studies/s/trials");
    const changed = await call(app, "GET", `/studies/s/trials?since=${since}`);
    expect(changed.json.trials.map((t: { number: number; state: string }) => [t.number, t.state])).toEqual([[7, "running"]]);
    // limit=0 was a 500 (the page of none had no last trial to take its seq from).
    for (const bad of ["since=-1", "limit=abc", "limit=0", "limit=1001", "since=1&since=2", "offset=3"]) {
      const answer = await call(app, "GET", `/studies/s/trials?${bad}`);
      expect(answer.status).toBe(400);
      expect(answer.json.error.field).toMatch(/^query\./);
    }
  });
});

describe("HTTP API: warm starts", () => {
  it("asks a warm-started study's sampler with the sources the study was created with", async () => {
    const { storage, app } = newApp();
    const earlier = await createStudy({ name: "may", storage, sampler: new RandomSampler({ seed: 1 }) });
    await earlier.optimize((t) => (t.suggestFloat("x", -5, 5) - 2) ** 2, { nTrials: 12 });
    const best = earlier.bestTrial!.params.x;
    // As sextant create --warm-start leaves it: the sources on the study, the GP's warm start in its stored spec.
    const later = await createStudy({ name: "june", storage, sampler: new RandomSampler({ seed: 2 }), warmStartFrom: ["may"], onWarning: () => undefined });
    await later.setSystemAttr("server:sampler", { name: "gp", options: { seed: 2, warmStart: true } });
    const asked = await call(app, "POST", "/studies/june/trials", { space: { x: { type: "float", low: -5, high: 5 } } });
    expect(asked.status).toBe(201);
    // Before, the service built the study without its sources, and the GP started cold.
    expect(asked.json.trial.params.x).toBe(best);
  });
});

describe("HTTP API: heartbeats", () => {
  it("records a heartbeat for a running trial when the storage keeps them, and refuses one for a finished trial", async () => {
    const storage = new MemoryStorage();
    const beats: number[][] = [];
    Object.assign(storage, { recordHeartbeat: async (ids: readonly number[]) => void beats.push([...ids]) });
    const { app } = newApp({ storage });
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random" } });
    const asked = (await call(app, "POST", "/studies/s/trials")).json.trial;
    const beat = await call(app, "POST", "/studies/s/trials/0/heartbeat");
    expect([beat.status, beat.json]).toEqual([200, { recorded: true }]);
    expectShape(api.HeartbeatResponse, beat.json);
    expect(beats).toEqual([[asked.id]]);
    await call(app, "POST", "/studies/s/trials/0/tell", { state: "complete", values: [1] });
    expect((await call(app, "POST", "/studies/s/trials/0/heartbeat")).status).toBe(409);
    expect((await call(app, "POST", "/studies/s/trials/5/heartbeat")).status).toBe(404);
    expect(beats).toHaveLength(1);
  });

});

describe("HTTP API: safety", () => {
  it("fails, at the next ask, a trial whose client beat and then went silent for longer than the grace; one that never beat stays", async () => {
    const { app } = newApp({ heartbeatGraceSeconds: 0.3 });
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random" } });
    await call(app, "POST", "/studies/s/trials");
    await call(app, "POST", "/studies/s/trials");
    expect((await call(app, "POST", "/studies/s/trials/0/heartbeat")).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 600));
    // Trial 0's client was killed after its first beat; trial 1's client never beats (curl, heartbeats off).
    expect((await call(app, "POST", "/studies/s/trials")).status).toBe(201);
    const zero = (await call(app, "GET", "/studies/s/trials/0")).json.trial;
    expect([zero.state, zero.systemAttrs.failReason]).toEqual(["failed", "no heartbeat for more than 0.3 s: its client was stopped or lost the server"]);
    expect((await call(app, "GET", "/studies/s/trials/1")).json.trial.state).toBe("running");
    const late = await call(app, "POST", "/studies/s/trials/0/tell", { state: "complete", values: [1] });
    expect(late.status).toBe(409);
    expect((await call(app, "POST", "/studies/s/trials/1/tell", { state: "complete", values: [1] })).status).toBe(200);
    expect(() => createServerApp({ storage: new MemoryStorage(), heartbeatGraceSeconds: 0 })).toThrow(new ServerConfigError("heartbeatGraceSeconds must be a positive number, got 0"));
    expect(() => createServerApp({ storage: new MemoryStorage(), corsOrigins: ["localhost:3000"] })).toThrow(ServerConfigError);
  });

  it("fails a trial asked with heartbeat: true whose client never got to beat, counting its start as its first beat", async () => {
    const { app } = newApp({ heartbeatGraceSeconds: 0.3 });
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random" } });
    // Trial 0's client was killed before its first beat (the Python client beats after 5 s).
    const asked = await call(app, "POST", "/studies/s/trials", { heartbeat: true, space: { x: SPACE.x } });
    expect(asked.status).toBe(201);
    await call(app, "POST", "/studies/s/trials", {});
    await new Promise((resolve) => setTimeout(resolve, 600));
    const next = await call(app, "POST", "/studies/s/trials");
    expect(next.status).toBe(201);
    const zero = (await call(app, "GET", "/studies/s/trials/0")).json.trial;
    expect([zero.state, zero.systemAttrs.failReason]).toEqual(["failed", "no heartbeat for more than 0.3 s: its client was stopped or lost the server"]);
    // Queued again, as a worker's reaper does, and the next ask runs it at the same values: a
    // budget of queued trials ended short by each dead client's trial when the server noticed first.
    expect(next.json.trial).toMatchObject({ number: 2, systemAttrs: { retryOf: 0, retryCount: 1, fixedParams: { x: zero.params.x } } });
    // Trial 1's client said nothing of heartbeats: left running, as before.
    expect((await call(app, "GET", "/studies/s/trials/1")).json.trial.state).toBe("running");
    const wrong = await call(app, "POST", "/studies/s/trials", { heartbeat: "yes" });
    expect([wrong.status, wrong.json.error.field]).toEqual([400, "body.heartbeat"]);
  });

  it("leaves a beating client's trial for the grace its server told it, though another server on the storage reaps sooner", async () => {
    const storage = new MemoryStorage();
    const patient = newApp({ storage, heartbeatGraceSeconds: 60 }).app;
    const hasty = newApp({ storage, heartbeatGraceSeconds: 0.3 }).app;
    await call(patient, "POST", "/studies", { name: "s", sampler: { name: "random" } });
    expect((await call(patient, "POST", "/studies/s/trials", { heartbeat: true, space: { x: SPACE.x } })).status).toBe(201);
    // Its client beats every 20 s, which a 60 s grace allows; the other server's grace passes meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await call(hasty, "POST", "/studies/s/trials", { heartbeat: true })).status).toBe(201);
    // It used to be failed there while it ran, and its client's result refused.
    const zero = (await call(patient, "GET", "/studies/s/trials/0")).json.trial;
    expect([zero.state, zero.systemAttrs.heartbeat]).toEqual(["running", { graceSeconds: 60 }]);
    expect((await call(patient, "POST", "/studies/s/trials/0/tell", { state: "complete", values: [1] })).status).toBe(200);
    // A client that starts beating without saying so at its ask is given the grace of the server it beats through.
    await call(patient, "POST", "/studies/s/trials");
    expect((await call(patient, "POST", "/studies/s/trials/2/heartbeat")).status).toBe(200);
    expect((await call(hasty, "GET", "/studies/s/trials/2")).json.trial.systemAttrs.heartbeat).toEqual({ graceSeconds: 60 });
  });

  it("counts the answer to a slow ask as its trial's first beat: the next ask reaped it before its client could beat once", async () => {
    let blockMs = 0;
    registerTestSampler("test-slow-ask", "blocks for blockMs on each suggestion, as a GP on a long history does", (random) => (snapshot, trial, name, distribution) => {
      for (const until = Date.now() + blockMs; Date.now() < until; );
      return random.sampleIndependent(snapshot, trial, name, distribution);
    });
    const storage = new MemoryStorage();
    const recordHeartbeat = storage.recordHeartbeat.bind(storage);
    const beaten: number[] = [];
    storage.recordHeartbeat = (ids) => (beaten.push(...ids), recordHeartbeat(ids));
    // A quick ask (well under a tenth of a 60 s grace, however loaded the machine) pays no extra write.
    const patient = newApp({ storage, heartbeatGraceSeconds: 60 }).app;
    await call(patient, "POST", "/studies", { name: "s", sampler: { name: "test-slow-ask" } });
    const quick = await call(patient, "POST", "/studies/s/trials", { heartbeat: true, space: { x: SPACE.x } });
    expect([quick.status, beaten]).toEqual([201, []]);
    await call(patient, "POST", "/studies/s/trials/0/tell", { state: "complete", values: [1] });
    const { app } = newApp({ storage, heartbeatGraceSeconds: 0.3 });
    // Trial 1's ask takes longer than the grace; the client gets its number, and another client asks at once.
    blockMs = 500;
    const slow = await call(app, "POST", "/studies/s/trials", { heartbeat: true, space: { x: SPACE.x } });
    blockMs = 0;
    expect([slow.status, slow.json.trial.number]).toEqual([201, 1]);
    expect((await call(app, "POST", "/studies/s/trials", { space: { x: SPACE.x } })).status).toBe(201);
    expect((await call(app, "GET", "/studies/s/trials/1")).json.trial.state).toBe("running");
    expect((await call(app, "POST", "/studies/s/trials/1/heartbeat")).status).toBe(200);
    // Silent for longer than the grace after that beat, it is reaped as any other.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await call(app, "POST", "/studies/s/trials", { space: { x: SPACE.x } })).status).toBe(201);
    expect((await call(app, "GET", "/studies/s/trials/1")).json.trial.state).toBe("failed");
  });

  it("records the beat interval a client gives at its ask, and refuses one over half the study's grace before making a trial", async () => {
    const { app, storage } = newApp({ storage: await openStorage("sqlite::memory:"), heartbeatGraceSeconds: 300 });
    await storage.createStudy("workers", ["minimize"], { systemAttrs: { "cli:config": { version: 1, heartbeat: { intervalSeconds: 5, graceSeconds: 30 } } } });
    // Beating every 20 s, its trial was failed by the study's workers, whose grace is 30 s.
    const slow = await call(app, "POST", "/studies/workers/trials", { heartbeat: true, heartbeatIntervalSeconds: 20 });
    expect([slow.status, slow.json.error.field, slow.json.error.message]).toEqual([
      400,
      "body.heartbeatIntervalSeconds",
      'heartbeatIntervalSeconds 20 is more than half the 30 s heartbeat grace of study "workers" (the shorter of sextant serve --heartbeat-grace and the study\'s sextant create --heartbeat-grace): ' +
        "one late beat would fail the trial while it runs; beat at most every 15 s",
    ]);
    // "heartbeat": false says the client never beats: with an interval the trial was marked as beating
    // all the same, and reaped once its client, which had said it would not beat, stayed silent.
    const both = await call(app, "POST", "/studies/workers/trials", { heartbeat: false, heartbeatIntervalSeconds: 10 });
    expect([both.status, both.json.error.field, both.json.error.message]).toEqual([
      400,
      "body.heartbeatIntervalSeconds",
      'body.heartbeatIntervalSeconds: 10 says this client beats for the trial, and "heartbeat": false that it does not; leave one of them out',
    ]);
    const asked = await call(app, "POST", "/studies/workers/trials", { heartbeatIntervalSeconds: 15 });
    expect([asked.status, asked.json.trial.number, asked.json.trial.systemAttrs.heartbeat, asked.json.trial.systemAttrs["server:heartbeat"]]).toEqual([
      201,
      0,
      { graceSeconds: 30, intervalSeconds: 15 },
      true,
    ]);
  });

  it("checks a client's beat interval against the study as it is when asked, not as this server first read it", async () => {
    const { app, storage } = newApp({ storage: await openStorage("sqlite::memory:"), heartbeatGraceSeconds: 300 });
    const workersGrace = (graceSeconds: number) => ({ "cli:config": { version: 1, heartbeat: { intervalSeconds: 2, graceSeconds } } });
    // Cached with a 60 s grace, then deleted and made again by sextant create with an 8 s one.
    await storage.createStudy("again", ["minimize"], { systemAttrs: workersGrace(60) });
    expect((await call(app, "POST", "/studies/again/trials", { heartbeatIntervalSeconds: 20 })).status).toBe(201);
    await storage.deleteStudy("again");
    await storage.createStudy("again", ["minimize"], { systemAttrs: workersGrace(8) });
    expect((await call(app, "POST", "/studies/again/trials", { heartbeatIntervalSeconds: 20 })).status).toBe(400);
    // And back: an 8 s study replaced by a 60 s one takes the slower client.
    await storage.deleteStudy("again");
    await storage.createStudy("again", ["minimize"], { systemAttrs: workersGrace(60) });
    expect((await call(app, "POST", "/studies/again/trials", { heartbeatIntervalSeconds: 20 })).status).toBe(201);

    // Read half-made, and finished by sextant create (cli:config, 8 s grace) before the ask read it again.
    const record = await storage.createStudy("racing", ["minimize"], { systemAttrs: { "cli:creating": true } });
    const getStudy = storage.getStudy.bind(storage);
    let reads = 0;
    storage.getStudy = async (name) => {
      if (name === "racing" && ++reads === 2) await storage.setStudyAttrs(record.id, { systemAttrs: workersGrace(8) });
      return getStudy(name);
    };
    const raced = await call(app, "POST", "/studies/racing/trials", { heartbeatIntervalSeconds: 20 });
    // The check read the half-made record (no grace yet: the server's 300 s), the ask the made one.
    expect([raced.status, raced.json.error?.field]).toEqual([400, "body.heartbeatIntervalSeconds"]);
    expect((await storage.trialsSince(record.id, 0)).trials).toHaveLength(0);
  });

  it("says its heartbeat grace in /health, so a client can refuse an interval that would get its live trials reaped", async () => {
    for (const [options, grace] of [[{}, 60], [{ heartbeatGraceSeconds: 7.5 }, 7.5]] as const) {
      const health = await call(newApp(options).app, "GET", "/health");
      expectShape(api.HealthResponse, health.json);
      expect([health.status, health.json.status, health.json.heartbeatGraceSeconds]).toEqual([200, "ok", grace]);
    }
  });

  it("gives a queued trial whose ask could not store its parameters back to the queue with its retry count, as the library's ask does", async () => {
    const { app, storage } = newApp({ storage: await openStorage("sqlite::memory:") });
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random", options: { seed: 1 } } });
    const { id } = (await storage.getStudy("s"))!;
    // A retry that has used up its retries, as a budget of queued trials holds after dead workers.
    await storage.createTrial(id, { state: "waiting", systemAttrs: { fixedParams: { x: 0.75 }, retryOf: 7, retryCount: 3 } });
    const updateTrial = storage.updateTrial.bind(storage);
    let refusals = 1;
    storage.updateTrial = (trialId, patch) => (refusals-- > 0 ? Promise.reject(new StorageBusyError("sqlite:x.db stayed locked for 60 s")) : updateTrial(trialId, patch));
    expect((await call(app, "POST", "/studies/s/trials", { heartbeat: true, space: { x: SPACE.x } })).status).toBe(503);
    // Queued again as a retry, one more than it may have: it was dropped, its values lost to the
    // budget. Its client never got it, so it never ran: it goes back as it was.
    const next = (await call(app, "POST", "/studies/s/trials", { heartbeat: true, space: { x: SPACE.x } })).json.trial;
    expect([next.number, next.params.x, next.systemAttrs.retryOf, next.systemAttrs.retryCount]).toEqual([1, 0.75, 0, 3]);
  });

  it("fails and queues again a trial whose ask could not store its parameters, rather than leave it running for nobody", async () => {
    const { app, storage } = newApp({ storage: await openStorage("sqlite::memory:") });
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random", options: { seed: 1 } } });
    // The trial is created, then the write of its parameters meets a database locked past the deadline.
    const updateTrial = storage.updateTrial.bind(storage);
    let refusals = 1;
    storage.updateTrial = (id, patch) => (refusals-- > 0 ? Promise.reject(new StorageBusyError("sqlite:x.db stayed locked for 60 s")) : updateTrial(id, patch));
    const busy = await call(app, "POST", "/studies/s/trials", { heartbeat: true, space: { x: SPACE.x } });
    expect(busy.status).toBe(503);
    // Its client got no number, so nothing would ever tell it; never marked as beating, no reaper failed it either.
    const zero = (await call(app, "GET", "/studies/s/trials/0")).json.trial;
    expect(zero.state).toBe("failed");
    expect(zero.systemAttrs.failReason).toContain("its ask was answered with an error");
    // Queued again, so a budget of queued trials does not end one short.
    const next = await call(app, "POST", "/studies/s/trials", { heartbeat: true, space: { x: SPACE.x } });
    expect([next.status, next.json.trial.number, next.json.trial.systemAttrs.retryOf]).toEqual([201, 1, 0]);
  });

  it("fails a trial whose ask met a storage error after the trial was started; one it cannot fail either is reaped after the grace", async () => {
    const storage = new MemoryStorage();
    const { app } = newApp({ storage, heartbeatGraceSeconds: 0.3 });
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random", options: { seed: 1 } } });
    const first = (await call(app, "POST", "/studies/s/trials", { space: { x: SPACE.x } })).json.trial;
    expect((await call(app, "POST", `/studies/s/trials/${first.number}/tell`, { state: "complete", values: [1] })).status).toBe(200);
    const refuse = { trialsSince: 0, updateTrial: 0 };
    const trialsSince = storage.trialsSince.bind(storage);
    storage.trialsSince = (id, seq) => (refuse.trialsSince-- > 0 ? Promise.reject(new Error("connection reset")) : trialsSince(id, seq));
    const updateTrial = storage.updateTrial.bind(storage);
    storage.updateTrial = (id, patch) => (refuse.updateTrial-- > 0 ? Promise.reject(new Error("connection reset")) : updateTrial(id, patch));
    // Trial 1 is created, then the read of the study's changes fails: its client gets no number.
    refuse.trialsSince = 1;
    expect((await call(app, "POST", "/studies/s/trials", { space: { x: SPACE.x } })).status).toBe(500);
    const one = (await call(app, "GET", "/studies/s/trials/1")).json.trial;
    expect([one.state, one.systemAttrs.failReason]).toEqual(["failed", "its ask could not be completed: connection reset"]);
    // Trial 2 cannot even be failed. Never marked as beating, no reaper failed it: it stayed running for good.
    refuse.trialsSince = 1;
    refuse.updateTrial = 1;
    expect((await call(app, "POST", "/studies/s/trials", { space: { x: SPACE.x } })).status).toBe(500);
    expect((await call(app, "GET", "/studies/s/trials/2")).json.trial.state).toBe("running");
    await new Promise((resolve) => setTimeout(resolve, 600));
    const next = await call(app, "POST", "/studies/s/trials", { space: { x: SPACE.x } });
    expect([next.status, next.json.trial.number, next.json.trial.systemAttrs["server:askPending"]]).toEqual([201, 3, false]);
    const two = (await call(app, "GET", "/studies/s/trials/2")).json.trial;
    expect([two.state, two.systemAttrs.failReason]).toEqual(["failed", expect.stringMatching(/^no heartbeat for more than 0.3 s/)]);
    // A client that never beats keeps its trial, answered before the grace, however long it runs.
    expect((await call(app, "GET", "/studies/s/trials/3")).json.trial.state).toBe("running");
  });

  it("queues a reaped trial again only as many times as the study's stored maxRetries (sextant create --max-retries) allow", async () => {
    const { app, storage } = newApp({ heartbeatGraceSeconds: 0.3 });
    await storage.createStudy("once", ["minimize"], { systemAttrs: { "cli:config": { version: 1, maxRetries: 1 } } });
    const dead = async () => {
      const asked = await call(app, "POST", "/studies/once/trials", { heartbeat: true, space: { x: SPACE.x } });
      expect(asked.status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 600));
      return asked.json.trial;
    };
    // Trial 0's client dies; it is queued again once (trial 1), whose client dies too.
    expect((await dead()).number).toBe(0);
    const retry = await dead();
    expect([retry.number, retry.systemAttrs.retryOf, retry.systemAttrs.retryCount]).toEqual([1, 0, 1]);
    // The study allows one retry: trial 1 is failed and not queued again (it was, up to 3 times).
    const next = (await call(app, "POST", "/studies/once/trials", { heartbeat: true })).json.trial;
    expect([next.number, next.systemAttrs.retryOf]).toEqual([2, undefined]);
    expect((await call(app, "GET", "/studies/once/trials/1")).json.trial.state).toBe("failed");
  });

  it("reaps nothing in its first grace after a restart, when live clients have not been able to beat yet", async () => {
    const storage = new MemoryStorage();
    const before = newApp({ storage, heartbeatGraceSeconds: 1.2 }).app;
    await call(before, "POST", "/studies", { name: "s", sampler: { name: "random" } });
    expect((await call(before, "POST", "/studies/s/trials", { heartbeat: true })).status).toBe(201);
    // The server is down for longer than the grace: its clients' beats are refused, their trials go on.
    // The grace is long enough for the four requests after the restart to fit in it on a loaded machine.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = newApp({ storage, heartbeatGraceSeconds: 1.2 }).app;
    // Another client asks at once: trial 0's client has had no chance to beat yet, and it was failed.
    expect((await call(after, "POST", "/studies/s/trials", { heartbeat: true })).status).toBe(201);
    expect((await call(after, "GET", "/studies/s/trials/0")).json.trial.state).toBe("running");
    expect((await call(after, "POST", "/studies/s/trials/0/heartbeat")).status).toBe(200);
    expect((await call(after, "POST", "/studies/s/trials/0/tell", { state: "complete", values: [1] })).status).toBe(200);
    // Trial 1's client never beats: once a grace has passed since the restart, it is reaped as before.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await call(after, "POST", "/studies/s/trials")).status).toBe(201);
    expect((await call(after, "GET", "/studies/s/trials/1")).json.trial.state).toBe("failed");
  });

  it("answers 401 without the token or with a wrong one, and 200 with it", async () => {
    const { app } = newApp({ token: "s3cret-token" });
    expect((await call(app, "GET", "/studies")).status).toBe(401);
    const wrong = await call(app, "GET", "/studies", undefined, { authorization: "Bearer s3cret-tokem" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain("Bearer");
    expect((await call(app, "GET", "/studies", undefined, { authorization: "s3cret-token" })).status).toBe(401);
    expect((await call(app, "GET", "/studies", undefined, { authorization: "Bearer s3cret-token" })).status).toBe(200);
    // The scheme is case-insensitive (RFC 7235); "bearer" used to get 401.
    expect((await call(app, "GET", "/studies", undefined, { authorization: "bearer s3cret-token" })).status).toBe(200);
    expect((await call(app, "POST", "/studies", { name: "x" })).status).toBe(401);
    expect((await call(app, "GET", "/studies", undefined, { authorization: "Bearer s3cret-token" })).json.studies).toEqual([]);
  });

  it("answers GET /health without the token, as a probe asks it, and nothing else", async () => {
    const { app } = newApp({ token: "s3cret-token" });
    // A Kubernetes or load balancer probe sends no token: it got 401 and took the server for down.
    const health = await call(app, "GET", "/health");
    expect([health.status, health.json.status]).toEqual([200, "ok"]);
    expect((await call(app, "HEAD", "/health")).status).toBe(200);
    // With a trailing slash it is the same route, and the same probe's.
    expect((await call(app, "GET", "/health/")).json.status).toBe("ok");
    for (const [method, path] of [["GET", "/health//"], ["GET", "/health/x"], ["GET", "/healthz"], ["GET", "/studies"], ["GET", "/studies/"], ["GET", "/online"], ["POST", "/studies"]] as const) {
      expect((await call(app, method, path, method === "POST" ? { name: "x" } : undefined)).status, `${method} ${path}`).toBe(401);
    }
    // The OpenAPI document says so: /health lists no 401, every other route does.
    const document = (await call(app, "GET", "/openapi.json", undefined, { authorization: "Bearer s3cret-token" })).json;
    expect(Object.keys(document.paths["/api/v1/health"].get.responses)).not.toContain("401");
    expect(Object.keys(document.paths["/api/v1/studies"].get.responses)).toContain("401");
  });

  it("gives malformed bodies, wrong types and unknown fields a 400 that names the field", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random" } });
    await call(app, "POST", "/studies/s/trials");
    const cases: Array<[string, string, unknown, string]> = [
      ["POST", "/studies", "{not json", "body"],
      ["POST", "/studies/s/trials", { space: { x: { type: "float", low: "0", high: 1 } } }, "body.space.x.low"],
      ["POST", "/studies/s/trials", { space: { x: { type: "gaussian" } } }, "body.space.x.type"],
      ["POST", "/studies/s/trials", { spaces: {} }, "body.spaces"],
      ["POST", "/studies/s/trials/0/report", { step: 1.5, value: 1 }, "body.step"],
      ["POST", "/studies/s/trials/0/report", { step: 1, value: "1" }, "body.value"],
      ["POST", "/studies/s/trials/0/tell", { state: "done" }, "body.state"],
      ["POST", "/studies/s/trials/0/tell", { state: "complete", values: [1], extra: true }, "body.extra"],
      ["POST", "/studies/s/trials/0/suggest", { name: "", distribution: SPACE.x }, "body.name"],
      ["POST", "/studies/s/trials/x/tell", { state: "failed" }, "path.number"],
      ["POST", "/studies/s/trials/0/tell", [], "body"],
    ];
    for (const [method, path, body, field] of cases) {
      const answer = await call(app, method, path, body);
      expect([path, answer.status, answer.json.error.field]).toEqual([path, 400, field]);
    }
    // JSON.parse keeps the last of a name given twice: this made a maximizing study, without a word.
    const repeated = await call(app, "POST", "/studies", '{"name": "r", "direction": "minimize", "direction": "maximize"}');
    expect(repeated.json.error).toEqual({ status: 400, message: "body.direction: given more than once (JSON.parse would keep only the last)", field: "body.direction" });
    const nested = await call(app, "POST", "/studies", '{"name": "r", "direction": "minimize", "userAttrs": {"a": [{"b": 1}, {"b": 1, "\\u0062": 2}]}}');
    expect([nested.status, nested.json.error.field]).toEqual([400, "body.userAttrs.a.1.b"]);
    expect((await call(app, "GET", "/studies/r")).status).toBe(404);
    // The same name in other objects, or inside a string, is no repetition.
    const fine = await call(app, "POST", "/studies", '{"name": "r", "direction": "minimize", "userAttrs": {"name": "x", "a": [{"b": 1}, {"b": "{\\"b\\": 1, \\"b\\": 2}"}]}}');
    expect(fine.status, fine.text).toBe(201);
    expect(fine.json.study.userAttrs).toEqual({ name: "x", a: [{ b: 1 }, { b: '{"b": 1, "b": 2}' }] });
    // An empty name was "body.space.: Too small: expected string to have >=1 characters".
    const emptyName = await call(app, "POST", "/studies/s/trials", { space: { "": SPACE.x } });
    expect(emptyName.json.error).toEqual({ status: 400, message: "body.space: a parameter name must not be empty", field: "body.space" });
    const emptySuggest = await call(app, "POST", "/studies/s/trials/0/suggest", { name: "", distribution: SPACE.x });
    expect(emptySuggest.json.error.message).toBe("body.name: a parameter name must not be empty");
    const emptyKey = await call(app, "POST", "/studies", { name: "t", userAttrs: { "": 1 } });
    expect(emptyKey.json.error).toEqual({ status: 400, message: "body.userAttrs: a key must not be empty", field: "body.userAttrs" });
    const deleteWithBody = await call(app, "DELETE", "/studies/s", { confirm: true });
    expect([deleteWithBody.status, deleteWithBody.json.error.field]).toEqual([400, "body"]);
    expect((await call(app, "GET", "/studies/s")).status).toBe(200);
    const notJson = await call(app, "POST", "/studies", "name=x", { "content-type": "application/x-www-form-urlencoded" });
    expect(notJson.status).toBe(415);
    expect((await call(app, "GET", "/studies/s/trials/0")).json.trial.state).toBe("running");
  });

  it("says what a report's value and a sampler option may be, not a bare \"Invalid input\"", async () => {
    const { app } = newApp();
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random" } });
    await call(app, "POST", "/studies/s/trials");
    const cases: Array<[string, unknown, string, string]> = [
      // null is NaN (what JSON.stringify writes for it): see "reads a report's null value as NaN".
      ["/studies/s/trials/0/report", { step: 1 }, "body.value", 'body.value: must be a finite number, or "NaN", "Infinity" or "-Infinity"'],
      ["/studies/s/trials/0/report", { step: 1, value: "nan" }, "body.value", 'body.value: must be a finite number, or "NaN", "Infinity" or "-Infinity"'],
      // 1e400 is a JSON number that overflows to Infinity: said as such, not as "must be a number".
      ["/studies/s/trials/0/report", '{"step": 1, "value": 1e400}', "body.value", 'body.value: must be a finite number, or "NaN", "Infinity" or "-Infinity"'],
      ["/studies", { name: "t", sampler: { name: "tpe", options: { seed: [1] } } }, "body.sampler.options.seed", "body.sampler.options.seed: an option must be a string, a number, a boolean, null, or an object for an option that holds one (the patient pruner's wrappedOptions)"],
      ["/studies", { name: "t", pruner: { name: "median", options: { nStartupTrials: [5] } } }, "body.pruner.options.nStartupTrials", "body.pruner.options.nStartupTrials: an option must be a string, a number, a boolean, null, or an object for an option that holds one (the patient pruner's wrappedOptions)"],
    ];
    for (const [path, body, field, message] of cases) {
      const answer = await call(app, "POST", path, body);
      expect([path, answer.status, answer.json.error.field, answer.json.error.message]).toEqual([path, 400, field, message]);
    }
  });

  it("refuses an attribute's number that JSON.parse would change (a large integer rounded, an overflow made infinite) with a 400 at its place", async () => {
    const { app } = newApp();
    // 12345678901234567890 was stored as 12345678901234567000, and 1e400 as Infinity, without a word.
    const rounded = await call(app, "POST", "/studies", '{"name": "r", "userAttrs": {"run": {"ids": [1, 12345678901234567890]}}}');
    expect([rounded.status, rounded.json.error.field]).toEqual([400, "body.userAttrs.run.ids.1"]);
    expect(rounded.json.error.message).toMatch(/beyond ±\(2\^53 − 1\).*send it as a string/);
    const overflow = await call(app, "POST", "/studies", '{"name": "r", "userAttrs": {"big": -1e400}}');
    expect([overflow.status, overflow.json.error.field]).toEqual([400, "body.userAttrs.big"]);
    expect((await call(app, "GET", "/studies/r")).status).toBe(404);
    // Numbers JSON.parse keeps: a double's shortest or exact digits (JSON.stringify(1e20), C's "%.0f"), the largest safe integer.
    const kept = '{"a": 100000000000000000000, "b": 12345678901234567000, "c": 12345678901234567168, "d": -9007199254740991, "e": 1.5e300, "f": 0.1000000000000000055511151231257827}';
    const created = await call(app, "POST", "/studies", `{"name": "r", "userAttrs": ${kept}}`);
    expect(created.status, created.text).toBe(201);
    expect(created.json.study.userAttrs).toEqual(JSON.parse(kept));
    await call(app, "POST", "/studies/r/trials", {});
    const attr = await call(app, "POST", "/studies/r/trials/0/user-attrs", '{"key": "id", "value": 9007199254740993}');
    expect([attr.status, attr.json.error.field]).toEqual([400, "body.value"]);
    expect((await call(app, "GET", "/studies/r/trials/0")).json.trial.userAttrs).toEqual({});
    // Outside attributes a number is a float, rounded as floats are: an objective of 12345678901234567890 is told.
    const told = await call(app, "POST", "/studies/r/trials/0/tell", '{"state": "complete", "values": [12345678901234567890]}');
    expect(told.status, told.text).toBe(200);
  });

  it("refuses a body that is not UTF-8 with a 400, rather than storing U+FFFD in place of its bytes", async () => {
    const { app } = newApp();
    // Latin-1 "bad\xff\xfe": before, the study was created as "bad\uFFFD\uFFFD".
    const latin1 = new Uint8Array([...Buffer.from('{"name": "bad'), 0xff, 0xfe, ...Buffer.from('"}')]);
    const answer = await app.request("/api/v1/studies", { method: "POST", headers: { "content-type": "application/json" }, body: latin1 });
    expect([answer.status, await answer.json()]).toEqual([400, { error: { status: 400, message: "body: not valid UTF-8 (JSON is sent as UTF-8)", field: "body" } }]);
    expect((await call(app, "GET", "/studies")).json.studies).toEqual([]);
    // A UTF-8 name and a byte order mark (which JSON parsers may ignore) still go through.
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('{"name": "b\u00e9"}')]);
    const ok = await app.request("/api/v1/studies", { method: "POST", headers: { "content-type": "application/json" }, body: bom });
    expect([ok.status, ((await ok.json()) as any).study.name]).toEqual([201, "b\u00e9"]);
    // The wrong content type is still said first.
    const typed = await app.request("/api/v1/studies", { method: "POST", headers: { "content-type": "text/plain" }, body: latin1 });
    expect(typed.status).toBe(415);
  });

  it("refuses a compressed body with a 415 naming its Content-Encoding, not as a body that is not UTF-8", async () => {
    const { app } = newApp();
    const gzipped = new Uint8Array(gzipSync(Buffer.from('{"name": "zipped"}')));
    const answer = await app.request("/api/v1/studies", { method: "POST", headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: gzipped });
    expect([answer.status, await answer.json()]).toEqual([
      415,
      { error: { status: 415, message: 'body: send JSON uncompressed; this server reads no Content-Encoding (got "gzip")', field: "header.content-encoding" } },
    ]);
    expect((await call(app, "GET", "/studies")).json.studies).toEqual([]);
    // "identity" is no encoding at all.
    const plain = await call(app, "POST", "/studies", { name: "plain" }, { "content-encoding": "identity" });
    expect([plain.status, plain.json.study.name]).toEqual([201, "plain"]);
  });

  it("refuses attributes nested deeper than storage can walk with a 400, and says what a categorical choice may be", async () => {
    const { app } = newApp({ storage: await openStorage("sqlite::memory:") });
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random" } });
    await call(app, "POST", "/studies/s/trials");
    // 5,000 brackets are 10 KB, far under the body limit, and overflowed the stack of the SQLite row encoder (a 500).
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const nested = (depth: number): unknown => (depth === 0 ? 1 : [nested(depth - 1)]);
    const cases: Array<[string, string, string, string]> = [
      ["/studies", `{"name": "deep", "userAttrs": {"a": ${deep}}}`, "body.userAttrs.a", `must not nest arrays and objects more than ${api.MAX_JSON_DEPTH} deep`],
      ["/studies/s/trials/0/user-attrs", `{"key": "a", "value": ${deep}}`, "body.value", "must not nest"],
      ["/studies/s/trials/0/user-attrs", JSON.stringify({ key: "a", value: nested(api.MAX_JSON_DEPTH + 1) }), "body.value", "must not nest"],
      ["/studies/s/trials/0/suggest", JSON.stringify({ name: "c", distribution: { type: "categorical", choices: ["a", { b: 1 }] } }), "body.distribution.choices.1", "a choice must be a string, a number, a boolean or null"],
      // The field is the distribution itself: it used to read "body.distribution.a", which the body has not.
      ["/studies/s/trials/0/suggest", JSON.stringify({ name: "a", distribution: { type: "float", low: 2, high: 1 } }), "body.distribution", "must not exceed high"],
    ];
    for (const [path, body, field, message] of cases) {
      const answer = await call(app, "POST", path, body);
      expect([path, answer.status, answer.json.error.field]).toEqual([path, 400, field]);
      expect(answer.json.error.message).toContain(message);
    }
    expect((await call(app, "GET", "/studies/deep")).status).toBe(404);
    const atTheLimit = await call(app, "POST", "/studies/s/trials/0/user-attrs", { key: "a", value: nested(api.MAX_JSON_DEPTH - 1) });
    expect(atTheLimit.status).toBe(200);
    expect((await call(app, "GET", "/studies/s/trials/0")).json.trial.state).toBe("running");
  });

  it("refuses a body over the limit with 413", async () => {
    const { app } = newApp({ bodyLimitBytes: 1000 });
    const answer = await call(app, "POST", "/studies", { name: "big", userAttrs: { pad: "x".repeat(2000) } });
    expect(answer.status).toBe(413);
    expect(answer.json.error.field).toBe("body");
    expect((await call(app, "GET", "/studies")).json.studies).toEqual([]);
  });

  it("answers a known path asked with another method with a 405 that names the methods it takes, HEAD wherever GET is", async () => {
    const { app } = newApp();
    const listing = await call(app, "PUT", "/studies");
    // A GET path answers HEAD too, and every path OPTIONS: the Allow header left both out.
    expect([listing.status, listing.headers.get("allow")]).toEqual([405, "GET, HEAD, POST, OPTIONS"]);
    expect(listing.json.error).toEqual({ status: 405, message: "/api/v1/studies takes GET, HEAD, POST, OPTIONS, not PUT" });
    expect((await call(app, "HEAD", "/studies")).status).toBe(200);
    const tell = await call(app, "GET", "/studies/team%2Fsweep/trials/3/tell");
    expect([tell.status, tell.headers.get("allow")]).toEqual([405, "POST, OPTIONS"]);
    expect((await call(app, "HEAD", "/studies/s/trials/3/tell")).headers.get("allow")).toBe("POST, OPTIONS");
    expect((await call(app, "GET", "/studies/a/trials/3/tell/extra")).status).toBe(404);
  });

  it("answers OPTIONS on a known path with 204 and its Allow header, and keeps the CORS preflight where origins are allowed", async () => {
    const { app } = newApp();
    // It answered 405, naming the methods, which OPTIONS is the method for asking.
    const studies = await call(app, "OPTIONS", "/studies/team%2Fsweep");
    expect([studies.status, studies.headers.get("allow"), studies.text]).toEqual([204, "GET, HEAD, DELETE, OPTIONS", ""]);
    const tell = await call(app, "OPTIONS", "/studies/s/trials/0/tell");
    expect([tell.status, tell.headers.get("allow")]).toEqual([204, "POST, OPTIONS"]);
    expect((await call(app, "OPTIONS", "/nothing")).status).toBe(404);
    // Behind a token, as every route but GET /health.
    const guarded = newApp({ token: "secret" }).app;
    expect((await call(guarded, "OPTIONS", "/studies")).status).toBe(401);
    expect((await call(guarded, "OPTIONS", "/studies", undefined, { authorization: "Bearer secret" })).status).toBe(204);
    // With CORS on, an OPTIONS is a browser's preflight, answered by the CORS middleware as before.
    const open = newApp({ corsOrigins: ["https://dash.example"] }).app;
    const preflight = await open.request("/api/v1/studies", { method: "OPTIONS", headers: { origin: "https://dash.example", "access-control-request-method": "POST" } });
    expect([preflight.status, preflight.headers.get("access-control-allow-origin")]).toEqual([204, "https://dash.example"]);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
  });

  it("answers a route's path with a trailing slash as the route itself, and a path no route serves with a JSON 404", async () => {
    const { app } = newApp();
    // GET /api/v1/ was a 404 "no route", as was every route asked with the slash users and tools add.
    const index = await call(app, "GET", "/");
    expect([index.status, index.json]).toEqual([200, (await call(app, "GET", "")).json]);
    expect((await call(app, "HEAD", "/")).status).toBe(200);
    expect((await call(app, "POST", "/studies/", { name: "s" })).status).toBe(201);
    expect((await call(app, "GET", "/studies/")).json.studies.map((study: { name: string }) => study.name)).toEqual(["s"]);
    expect((await call(app, "GET", "/studies/s/")).json.study.name).toBe("s");
    const asked = await call(app, "POST", "/studies/s/trials/", { space: { x: SPACE.x } });
    expect(asked.status).toBe(201);
    expect((await call(app, "POST", `/studies/s/trials/${asked.json.trial.number}/tell/`, { state: "complete", values: [1] })).json.trial.state).toBe("complete");
    // A slash in a name is sent encoded, and stays the name's: "a/" is not "a".
    expect((await call(app, "POST", "/studies", { name: "a/" })).status).toBe(201);
    expect((await call(app, "GET", `/studies/${encodeURIComponent("a/")}`)).json.study.name).toBe("a/");
    expect((await call(app, "GET", "/studies/a/")).status).toBe(404);
    // Asked with another method, or OPTIONS, the path with the slash takes what the path without it takes.
    const put = await call(app, "PUT", "/studies/");
    expect([put.status, put.headers.get("allow")]).toEqual([405, "GET, HEAD, POST, OPTIONS"]);
    const options = await call(app, "OPTIONS", "/studies/s/");
    expect([options.status, options.headers.get("allow")]).toEqual([204, "GET, HEAD, DELETE, OPTIONS"]);
    for (const path of ["/nothing/", "/studies/s/nothing/", "//", "/studies//"]) {
      const unknown = await call(app, "GET", path);
      expect([path, unknown.status, unknown.json.error.status], path).toEqual([path, 404, 404]);
    }
  });

  it("answers GET /api/v1 with an index: the API version, the server's version and every route of its route table", async () => {
    const { app } = newApp();
    const index = await call(app, "GET", "");
    expect(index.status).toBe(200);
    expectShape(api.ApiIndexResponse, index.json);
    const health = await call(app, "GET", "/health");
    expect(index.json).toMatchObject({ apiVersion: "v1", version: health.json.version, openapi: "/api/v1/openapi.json" });
    expect(index.json.endpoints).toContainEqual({ method: "GET", path: "/api/v1/studies/{study}" });
    expect(index.json.endpoints).toContainEqual({ method: "POST", path: "/api/v1/studies/{study}/trials/{number}/tell" });
    expect(index.json.endpoints).toContainEqual({ method: "GET", path: "/api/v1" });
    // The route table's own list, which the OpenAPI document is written from too: no second list to drift.
    const doc = (await call(app, "GET", "/openapi.json")).json;
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    expect(index.json.endpoints.map((e: { method: string; path: string }) => `${e.method} ${e.path}`).sort()).toEqual(documented.sort());
    expect((await call(app, "HEAD", "")).status).toBe(200);
    expect((await call(app, "POST", "", {})).headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    // Behind a token like every route but GET /health: it lists what openapi.json lists, which needs it too.
    const guarded = newApp({ token: "secret" }).app;
    expect((await call(guarded, "GET", "")).status).toBe(401);
    expect((await call(guarded, "GET", "", undefined, { authorization: "Bearer secret" })).status).toBe(200);
  });

  it("answers unknown routes with a JSON 404 and internal errors without a stack trace", async () => {
    const storage = new MemoryStorage();
    const logged: string[] = [];
    const app = createServerApp({ storage, logError: (m) => logged.push(m) });
    for (const [method, path] of [["GET", "/nothing"], ["PUT", "/nothing/studies"], ["GET", "/api/v2/studies"]] as const) {
      const response = await app.request(path.startsWith("/api") ? path : `/api/v1${path}`, { method });
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { status: number } }).error.status).toBe(404);
    }
    storage.getStudy = () => Promise.reject(new StorageBusyError("sqlite:/secret/path.db stayed locked for 60 s"));
    const busy = await call(app, "GET", "/studies/any");
    expect([busy.status, busy.json.error.message]).toEqual([503, "the storage is busy; retry later"]);
    storage.listStudies = () => Promise.reject(new Error("disk on fire at /secret/path.db"));
    const broken = await call(app, "GET", "/studies");
    expect(broken.status).toBe(500);
    expect(broken.text).not.toContain("fire");
    expect(broken.text).not.toMatch(/\bat \S+:\d+/);
    expect(logged.join("\n")).toContain("disk on fire");
  });

  it("answers a storage outage with 503, the storage's message (password hidden) and code storage_error, logged on one line", async () => {
    const storage = new MemoryStorage();
    const logged: string[] = [];
    const app = createServerApp({ storage, logError: (m) => logged.push(m) });
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random", options: { seed: 1 } } });
    const trial = (await call(app, "POST", "/studies/s/trials", { space: { x: SPACE.x } })).json.trial;
    // What PostgresStorage throws once the database stayed unreachable past its retries (and the
    // SQLite full-disk and I/O errors, and PostgreSQL's refusals, are StorageErrors of the same kind).
    const outage = "postgres://tuner:Sup3rSecret@db.internal:5432/hpo: the database stayed unreachable for more than 120 s (connect ECONNREFUSED 10.0.0.5:5432)";
    storage.updateTrial = () => Promise.reject(new StorageError(outage));
    storage.listStudies = () => Promise.reject(new StorageError(outage));
    for (const [method, path, body] of [
      ["POST", `/studies/s/trials/${trial.number}/tell`, { state: "complete", values: [1] }],
      ["GET", "/studies", undefined],
    ] as const) {
      const answer = await call(app, method, path, body);
      // It was 500 "internal error (logged by the server)", with the stack in the log.
      expect([answer.status, answer.json.error.code, answer.json.error.message]).toEqual([
        503,
        "storage_error",
        "postgres://tuner:***@db.internal:5432/hpo: the database stayed unreachable for more than 120 s (connect ECONNREFUSED 10.0.0.5:5432)",
      ]);
      expectShape(api.ErrorResponse, answer.json);
    }
    expect(logged).toEqual([
      `sextant serve: storage error on POST /api/v1/studies/s/trials/${trial.number}/tell: postgres://tuner:***@db.internal:5432/hpo: the database stayed unreachable for more than 120 s (connect ECONNREFUSED 10.0.0.5:5432)`,
      "sextant serve: storage error on GET /api/v1/studies: postgres://tuner:***@db.internal:5432/hpo: the database stayed unreachable for more than 120 s (connect ECONNREFUSED 10.0.0.5:5432)",
    ]);
    const doc = (await call(app, "GET", "/openapi.json")).json;
    expect(doc.paths["/api/v1/studies"].get.responses["503"].description).toMatch(/storage_error/);
  });

  it("answers 404, not a 503 storage outage, for a study deleted while a client uses it", async () => {
    const storage = new MemoryStorage();
    const app = createServerApp({ storage, logError: () => undefined });
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random", options: { seed: 1 } } });
    const trial = (await call(app, "POST", "/studies/s/trials", { space: { x: SPACE.x } })).json.trial;
    // What every backend throws for the id of a study another process deleted meanwhile.
    storage.updateTrial = () => Promise.reject(noStudy(1));
    const answer = await call(app, "POST", `/studies/s/trials/${trial.number}/tell`, { state: "complete", values: [1] });
    expect([answer.status, answer.json.error.code]).toEqual([404, undefined]);
    expect(answer.json.error.message).toMatch(/^no study with id 1: it was deleted while in use/);
  });

  it("names the path's field in a 404 for a trial number, a deleted study or an online tuner that is not there", async () => {
    const storage = new MemoryStorage();
    const app = createServerApp({ storage, logError: () => undefined });
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random", options: { seed: 1 } } });
    for (const [method, path, body] of [
      ["GET", "/studies/s/trials/9", undefined],
      ["POST", "/studies/s/trials/9/tell", { state: "complete", values: [1] }],
      ["POST", "/studies/s/trials/9/report", { step: 0, value: 1 }],
      ["POST", "/studies/s/trials/9/heartbeat", undefined],
    ] as const) {
      const answer = await call(app, method, path, body);
      expect([path, answer.status, answer.json.error]).toEqual([path, 404, { status: 404, message: 'study "s" has no trial number 9', field: "path.number" }]);
    }
    const tuner = await call(app, "GET", "/online/nope");
    expect([tuner.status, tuner.json.error.field]).toEqual([404, "path.tuner"]);
    const trial = (await call(app, "POST", "/studies/s/trials", { space: { x: SPACE.x } })).json.trial;
    storage.updateTrial = () => Promise.reject(noStudy(1));
    const gone = await call(app, "POST", `/studies/s/trials/${trial.number}/tell`, { state: "complete", values: [1] });
    expect([gone.status, gone.json.error.field]).toEqual([404, "path.study"]);
  });

  it("sends no CORS headers unless origins are allowed", async () => {
    const closed = newApp().app;
    const shut = await closed.request("/api/v1/studies", { headers: { origin: "https://evil.example" } });
    expect(shut.headers.get("access-control-allow-origin")).toBeNull();
    const open = newApp({ corsOrigins: ["https://dash.example"] }).app;
    const allowed = await open.request("/api/v1/studies", { headers: { origin: "https://dash.example" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://dash.example");
    const other = await open.request("/api/v1/studies", { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    // "*" and a trailing slash were accepted and matched nothing; a typo is refused now.
    const slashed = newApp({ corsOrigins: ["https://dash.example/"] }).app;
    expect((await slashed.request("/api/v1/studies", { headers: { origin: "https://dash.example" } })).headers.get("access-control-allow-origin")).toBe("https://dash.example");
    const any = newApp({ corsOrigins: ["*"] }).app;
    expect((await any.request("/api/v1/studies", { headers: { origin: "https://x.example" } })).headers.get("access-control-allow-origin")).toBe("*");
    expect(() => newApp({ corsOrigins: ["not a url"] })).toThrow('CORS origin "not a url" is not an origin');
    expect(() => newApp({ corsOrigins: ["http://a.example/app"] })).toThrow(/is not an origin/);
  });
});

describe("HTTP API: OpenAPI document", () => {
  it("lists every route with schemas generated from the request validators", async () => {
    const { app } = newApp();
    const doc = (await call(app, "GET", "/openapi.json")).json;
    expect(doc.openapi).toBe("3.1.0");
    const registered = app.routes
      .filter((r) => /^\/api\/v1(\/|$)/.test(r.path))
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`)
      .sort();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`))
      .sort();
    expect(documented).toEqual(registered);
    expect(documented.length).toBeGreaterThanOrEqual(11);
    // OPTIONS and HEAD are answered on every path and GET path, not routes of the table: the
    // document says so once rather than as an operation per path (the CORS preflight answers OPTIONS
    // otherwise), and the same of a trailing slash.
    expect(doc.info.description).toContain("Every path also answers OPTIONS (204, the methods it takes in the Allow header; with CORS on, a browser's preflight) and every GET path HEAD");
    expect(doc.info.description).toContain("a path with a trailing slash is the same path");

    // The ask takes an empty body (define-by-run); the document used to call its body required.
    expect(doc.paths["/api/v1/studies/{study}/trials"].post.requestBody.required).toBe(false);
    expect(doc.paths["/api/v1/studies/{study}/trials/{number}/tell"].post.requestBody.required).toBe(true);
    expect(Object.keys(doc.paths["/api/v1/studies/{study}/trials/{number}/tell"].post.responses)).toEqual(expect.arrayContaining(["405", "413", "415"]));
    expect(Object.keys(doc.paths["/api/v1/studies"].get.responses)).not.toContain("415");
    // A create with loadIfExists answers 200 for a study it found: both successes are listed, with the same schema.
    const createAnswers = doc.paths["/api/v1/studies"].post.responses;
    expect(Object.keys(createAnswers)).toEqual(expect.arrayContaining(["200", "201"]));
    expect(createAnswers["200"].description).toMatch(/loadIfExists/);
    expect(createAnswers["200"].content).toEqual(createAnswers["201"].content);
    expect(Object.keys(doc.paths["/api/v1/online"].post.responses)).toEqual(expect.arrayContaining(["200", "201"]));
    expect(Object.keys(doc.paths["/api/v1/studies/{study}/trials"].post.responses)).not.toContain("200");

    const create = doc.paths["/api/v1/studies"].post;
    const schema = create.requestBody.content["application/json"].schema;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(["name"]);
    expect(schema.properties.direction.enum).toEqual(["minimize", "maximize"]);
    // A new study's or tuner's name had only "type": "string": a generated client sent a blank or 201-character name for a 400.
    const tunerName = doc.paths["/api/v1/online"].post.requestBody.content["application/json"].schema.properties.name;
    for (const name of [schema.properties.name, tunerName]) {
      expect(name).toMatchObject({ type: "string", minLength: 1, maxLength: 200 });
      expect(name.description).toMatch(/blank.*control characters.*lone surrogate.*"\.\."/);
    }
    const askSpace = doc.paths["/api/v1/studies/{study}/trials"].post.requestBody.content["application/json"].schema.properties.space;
    const variants = askSpace.additionalProperties.oneOf ?? askSpace.additionalProperties.anyOf;
    expect(variants.map((v: { properties: { type: { const: string } } }) => v.properties.type.const)).toEqual(["float", "int", "categorical"]);
    const trialsGet = doc.paths["/api/v1/studies/{study}/trials"].get;
    expect(trialsGet.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(["path:study", "query:since", "query:limit"]);
    expect(JSON.stringify(doc)).not.toContain("$defs");
    // Error answers document their machine-readable codes, so a client knows which 409 means a spent budget.
    const askConflict = doc.paths["/api/v1/studies/{study}/trials"].post.responses["409"].content["application/json"].schema;
    expect(askConflict.properties.error.properties.code.enum).toEqual([
      "trial_budget_spent",
      "sampler_exhausted",
      "study_half_made",
      "fixed_param_out_of_range",
      "grid_value_out_of_range",
      "param_not_in_grid",
      "sampler_failed",
      "storage_error",
      "online_settings_conflict",
      "online_name_taken",
      "online_order",
      "online_stale_round",
      "online_tuner_too_new",
    ]);
    expect(askConflict.properties.error.properties.code.description).toMatch(/study_half_made \(409\) means a `sextant create` is still making the study/);
    expect(askConflict.properties.error.properties.code.description).toMatch(/trial_budget_spent \(409 from POST \/studies\/\{study\}\/trials\)/);
  });
});

describe("HTTP API: OpenAPI document against the answers", () => {
  it("lists, for every route, each error status the route answers, and every 409 names the field at fault", async () => {
    const storage = new MemoryStorage();
    const { app } = newApp({ storage, bodyLimitBytes: 1024 });
    await call(app, "POST", "/studies", { name: "s", sampler: { name: "random", options: { seed: 1 } } });
    await call(app, "POST", "/studies/s/trials", { space: { x: { type: "float", low: 0, high: 1 } } });
    await call(app, "POST", "/studies/s/trials/0/tell", { state: "complete", values: [1] });
    await call(app, "POST", "/studies/s/trials");
    await call(app, "POST", "/online", { name: "tun", parameter: { low: 1, high: 2 } });
    // The same storage behind a token, and behind the local-only check of Host and Origin.
    const guarded = newApp({ storage, token: "secret" }).app;
    const local = newApp({ storage, localOnly: true }).app;
    const doc = (await call(app, "GET", "/openapi.json")).json;
    const paths = doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    // A body each route takes, so that the state of what the path names decides the answer.
    const bodies: Record<string, unknown> = {
      "post /api/v1/studies": { name: "s", direction: "maximize" },
      "post /api/v1/studies/{study}/trials": {},
      "post /api/v1/studies/{study}/trials/{number}/suggest": { name: "x", distribution: { type: "float", low: 0, high: 1 } },
      "post /api/v1/studies/{study}/trials/{number}/report": { step: 0, value: 1 },
      "post /api/v1/studies/{study}/trials/{number}/user-attrs": { key: "k", value: 1 },
      "post /api/v1/studies/{study}/trials/{number}/tell": { state: "complete", values: [1] },
      "post /api/v1/online": { name: "tun", parameter: { low: 1, high: 3 } },
      "post /api/v1/online/{tuner}/choose": {},
      "post /api/v1/online/{tuner}/observe": { cost: 1 },
    };
    const seen = new Set<number>();
    const problems: string[] = [];
    const check = async (method: string, path: string, target: string, response: Response) => {
      const text = await response.text();
      if (response.status < 400) return;
      seen.add(response.status);
      // A 405 is the path's answer to a method it does not serve: each method it serves lists it.
      const listing = response.status === 405 ? Object.values(paths[path]!) : [paths[path]![method]!];
      if (!listing.every((op) => String(response.status) in op.responses)) problems.push(`${method.toUpperCase()} ${target}: ${response.status} is not in the document`);
      const error = (JSON.parse(text) as { error: { field?: string } }).error;
      if (response.status === 409 && error.field === undefined) problems.push(`${method.toUpperCase()} ${target}: 409 without a field: ${text}`);
    };
    // Deletes last: the study they delete is what the others are about.
    const operations = Object.entries(paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ path, method })))
      .sort((a, b) => Number(a.method === "delete") - Number(b.method === "delete"));
    for (const { path, method } of operations) {
      const targets = ["s", "nope", "tun"].flatMap((study) =>
        ["0", "1", "9", "x"].flatMap((number) => ["tun", "nope"].map((tuner) => path.replace("{study}", study).replace("{number}", number).replace("{tuner}", tuner))),
      );
      const body = bodies[`${method} ${path}`];
      for (const target of [...new Set(targets)]) {
        const json = body === undefined ? undefined : JSON.stringify(body);
        const headers: Record<string, string> = json === undefined ? {} : { "content-type": "application/json" };
        await check(method, path, target, await app.request(target, { method: method.toUpperCase(), headers, ...(method === "get" ? {} : { body: json }) }));
      }
      const target = targets[0]!;
      const upper = method.toUpperCase();
      await check(method, path, target, await guarded.request(target, { method: upper }));
      await check(method, path, target, await local.request(target, { method: upper, headers: { host: "attacker.example" } }));
      await check(method, path, target, await app.request(`${target}?unknown=1`, { method: upper }));
      // No route takes PUT.
      await check(method, path, target, await app.request(target, { method: "PUT" }));
      if (method === "get") continue;
      await check(method, path, target, await app.request(target, { method: upper, headers: { "content-type": "text/plain" }, body: "{}" }));
      await check(method, path, target, await app.request(target, { method: upper, headers: { "content-type": "application/json" }, body: "{" }));
      // A streamed body (no Content-Length) larger than the limit: even a route that reads none is sent one.
      const chunk = new TextEncoder().encode(" ".repeat(4096));
      const streamed = new ReadableStream<Uint8Array>({ start: (controller) => (controller.enqueue(chunk), controller.close()) });
      await check(method, path, target, await app.request(target, { method: upper, headers: { "content-type": "application/json" }, body: streamed, duplex: "half" } as RequestInit));
    }
    expect(problems).toEqual([]);
    // The provocations reached each status they aim at (408 and 431 are the socket's: see serve.test.ts).
    expect([...seen].sort()).toEqual(expect.arrayContaining([400, 401, 403, 404, 405, 409, 413, 415]));
  });
});

describe("GET /studies/{study}", () => {
  it("answers the best and recommended trial, counts and front size the study itself gives, kept up to date change by change", async () => {
    const { storage, app } = newApp();
    const single = await createStudy({ name: "one", storage, sampler: new RandomSampler({ seed: 3 }), constraints: (t) => [(t.params.x as number) - 0.8] });
    const multi = await createStudy({ name: "two", storage, directions: ["minimize", "maximize"], sampler: new RandomSampler({ seed: 4 }) });
    const expectAsTheStudySays = async () => {
      for (const name of ["one", "two"]) {
        const study = await loadStudy({ name, storage, sampler: new RandomSampler() });
        const answer = (await call(app, "GET", `/studies/${name}`)).json;
        const counts = { waiting: 0, running: 0, complete: 0, pruned: 0, failed: 0 };
        for (const trial of study.trials) counts[trial.state]++;
        expect(answer.study.trialCounts, name).toEqual(counts);
        if (study.directions.length === 1) {
          expect(answer.bestTrial?.number ?? null, name).toBe(study.bestTrial?.number ?? null);
          expect(answer.study.bestValue, name).toBe(study.bestTrial?.values![0] ?? null);
          expect(answer.recommendedTrial?.trial.number ?? null, name).toBe(study.recommendation?.trial.number ?? null);
        } else {
          expect(answer.study.paretoFrontSize, name).toBe(counts.complete > 0 ? study.bestTrials.length : undefined);
        }
      }
    };
    await expectAsTheStudySays();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 15; i++) {
        const trial = await single.ask();
        const x = trial.suggestFloat("x", 0, 1);
        if (i % 5 === 4) await single.tell(trial, { state: "pruned" });
        else await single.tell(trial, (x - 0.3) ** 2);
        const other = await multi.ask();
        const y = other.suggestFloat("y", 0, 1);
        await multi.tell(other, i % 6 === 5 ? { state: "failed" } : [y, y * y]);
      }
      await single.ask(); // one left running
      await expectAsTheStudySays();
    }
  });
});

const WARM_SPACE = { x: { type: "float", low: -5, high: 5 }, y: { type: "float", low: -5, high: 5 } };

/** A storage holding "may", a study of 12 trials of a quadratic, and the parameters of its best trial. */
async function withEarlierStudy(): Promise<{ storage: MemoryStorage; best: Record<string, unknown> }> {
  const storage = new MemoryStorage();
  const may = await createStudy({ name: "may", storage, sampler: new TPESampler({ seed: 1 }) });
  await may.optimize((t) => (t.suggestFloat("x", -5, 5) - 1) ** 2 + (t.suggestFloat("y", -5, 5) + 2) ** 2, { nTrials: 12 });
  return { storage, best: { ...may.bestTrial!.params } };
}

describe("HTTP API: a study created with warmStartFrom", () => {
  it("learns from the earlier study, as sextant create --warm-start makes it: the GP's first trial is that study's best", async () => {
    // The route took no warmStartFrom (a 400 for the unknown key), where the library and the CLI take it.
    const { storage, best } = await withEarlierStudy();
    const app = createServerApp({ storage, logError: () => undefined });
    // The option as a Python client spells it, which the GP's own warmStart must not meet twice.
    for (const [name, options] of [["june", { seed: 2 }], ["july", { seed: 2, warm_start: true }]] as const) {
      const created = await call(app, "POST", "/studies", { name, sampler: { name: "gp", options }, warmStartFrom: ["may", "may"] });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      expect((await storage.getStudy(name))!.systemAttrs.warmStartFrom).toEqual(["may"]);
      const asked = await call(app, "POST", `/studies/${name}/trials`, { space: WARM_SPACE });
      expect(asked.status).toBe(201);
      expect(asked.json.trial.params).toEqual(best);
    }
    // The sources' trials are not the new study's.
    expect((await call(app, "GET", "/studies/june")).json.study.trialCounts.running).toBe(1);
    expect((await call(app, "GET", "/studies/june")).json.study.trialCounts.complete).toBe(0);
  });

  it("refuses sources as sextant create --warm-start does, naming them, and makes no study", async () => {
    const { storage } = await withEarlierStudy();
    await createStudy({ name: "pareto", storage, directions: ["minimize", "minimize"] });
    await createOnlineTuner({ name: "tuner", storage, parameter: { low: 0, high: 1 } });
    const app = createServerApp({ storage, logError: () => undefined });
    const refusals: [Record<string, unknown>, number, RegExp][] = [
      [{ sampler: { name: "random" }, warmStartFrom: ["may"] }, 400, /^body\.warmStartFrom: the random sampler would ignore earlier studies; auto, tpe and gp/],
      [{ sampler: { name: "gp", options: { warmStart: false } }, warmStartFrom: ["may"] }, 400, /^body\.warmStartFrom: the gp sampler would ignore earlier studies/],
      [{ sampler: { name: "gp" }, directions: ["minimize", "minimize"], warmStartFrom: ["may"] }, 400, /^body\.warmStartFrom: the gp sampler learns from earlier studies for one objective, and this study has 2/],
      [{ warmStartFrom: ["may", "april"] }, 404, /^body\.warmStartFrom: no study named "april"$/],
      [{ warmStartFrom: ["new"] }, 400, /^body\.warmStartFrom: study "new" cannot warm-start from itself/],
      [{ warmStartFrom: ["pareto"] }, 400, /^body\.warmStartFrom: study "pareto" has 2 objectives; warm starts learn from single-objective studies$/],
      [{ warmStartFrom: ["tuner"] }, 400, /^body\.warmStartFrom: "tuner" is an online tuner, not a study/],
    ];
    for (const [body, status, message] of refusals) {
      const refused = await call(app, "POST", "/studies", { name: "new", ...body });
      expect([refused.status, refused.json.error.field], JSON.stringify(body)).toEqual([status, "body.warmStartFrom"]);
      expect(refused.json.error.message).toMatch(message);
    }
    expect(await storage.getStudy("new")).toBeNull();
    // TPE and auto learn from earlier studies with several objectives of their own.
    expect((await call(app, "POST", "/studies", { name: "new", directions: ["minimize", "minimize"], sampler: { name: "tpe" }, warmStartFrom: ["may"] })).status).toBe(201);
  });
});
