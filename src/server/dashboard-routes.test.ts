import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { CONSTRAINTS_ATTR, feasibilityRule } from "../analysis/index.js";
import { RECOMMENDED_TRIAL_ATTR } from "../samplers/index.js";
import type { Direction, Distribution, JsonValue } from "../space/index.js";
import { seedPopulation } from "../../test/fixtures/dashboard-studies.mjs";
import { MemoryStorage } from "../storage/index.js";
import { storedBest } from "../study/index.js";
import { createServerApp } from "./app.js";
import * as ui from "./dashboard-schemas.js";
import { buildReport } from "./report.js";
import { envelopeSample, evenlySpaced } from "./study-index.js";

const X: Distribution = { type: "float", low: 0, high: 10 };
const CHOICES = ["a", "b", "c"];
const KIND: Distribution = { type: "categorical", choices: CHOICES };

/** A study of `n` trials: x = number % 10, kind cycles a/b/c, value = (x − 3)², every 5th pruned, every 7th failed. */
async function fixture(n: number) {
  const storage = new MemoryStorage();
  const study = await storage.createStudy("s", ["minimize"]);
  for (let i = 0; i < n; i++) {
    const trial = await storage.createTrial(study.id, { state: "running", systemAttrs: { worker: { id: `w${i % 2}`, host: "h", pid: i % 2 } } });
    const x = i % 10;
    const state = i % 7 === 6 ? "failed" : i % 5 === 4 ? "pruned" : "complete";
    await storage.updateTrial(trial.id, {
      params: { x: { value: x, distribution: X }, kind: { value: CHOICES[i % 3]!, distribution: KIND } },
      intermediate: { 0: 100 - i, 1: 50 - i },
      state,
      values: state === "failed" ? null : [(x - 3) ** 2],
    });
  }
  return { storage, app: createServerApp({ storage, dashboard: false }) };
}

async function get<T extends z.ZodType>(app: ReturnType<typeof createServerApp>, path: string, schema?: T): Promise<{ status: number; json: any }> {
  const response = await app.request(`/api/v1${path}`);
  const json = await response.json();
  if (schema && response.status === 200) {
    const parsed = schema.safeParse(json);
    expect(parsed.success ? "ok" : JSON.stringify(parsed.error.issues)).toBe("ok");
  }
  return { status: response.status, json };
}

const q = (ranges: object) => encodeURIComponent(JSON.stringify(ranges));

describe("dashboard routes", () => {
  it("filters by state, value range and brushed ranges (categorical by choice index), and counts what matches", async () => {
    const { app } = await fixture(70);
    const all = await get(app, "/studies/s/table", ui.TableResponse);
    expect(all.json).toMatchObject({ matched: 70, total: 70, offset: 0 });
    expect(all.json.rows).toHaveLength(50);
    const failed = await get(app, "/studies/s/table?state=failed");
    expect(failed.json.matched).toBe(10);
    // x in [2, 4] and kind in {b, c}: of each ten numbers, x ∈ {2,3,4}; kind index = i % 3.
    const ranged = await get(app, `/studies/s/table?ranges=${q({ x: [2, 4], kind: [1, 2] })}&limit=500`);
    const expected = Array.from({ length: 70 }, (_, i) => i).filter((i) => i % 10 >= 2 && i % 10 <= 4 && i % 3 >= 1);
    expect(ranged.json.rows.map((r: { number: number }) => r.number)).toEqual(expected);
    const valued = await get(app, "/studies/s/table?valueMin=0&valueMax=1&limit=500");
    expect(valued.json.rows.every((r: { values: number[] }) => r.values[0]! <= 1)).toBe(true);
    expect(valued.json.matched).toBe(valued.json.rows.length);
  });

  it("sorts on the server (missing values last) and pages through the order", async () => {
    const { app } = await fixture(70);
    const asc = await get(app, "/studies/s/table?sort=value&limit=500");
    const values = asc.json.rows.map((r: { values: number[] | null }) => r.values?.[0] ?? null);
    const present = values.filter((v: number | null) => v !== null);
    expect(present).toEqual([...present].sort((a, b) => a - b));
    expect(values.slice(present.length).every((v: number | null) => v === null)).toBe(true);
    const page2 = await get(app, "/studies/s/table?sort=param:kind&order=desc&offset=10&limit=10");
    const whole = await get(app, "/studies/s/table?sort=param:kind&order=desc&limit=500");
    expect(page2.json.rows).toEqual(whole.json.rows.slice(10, 20));
    expect(whole.json.rows[0].params.kind).toBe("c");
    // An unknown column was sorted by trial number without a word.
    const unknown = await get(app, "/studies/s/table?sort=param:nosuch");
    expect([unknown.status, unknown.json.error.message]).toEqual([400, 'query.sort: the study has no parameter named "nosuch"']);
  });

  it("downsamples points but keeps every best-so-far step and says how many it shows", async () => {
    const { app } = await fixture(300);
    const points = await get(app, "/studies/s/points?maxPoints=40", ui.PointsResponse);
    expect(points.json.matched).toBe(300);
    expect(points.json.shown).toBe(points.json.numbers.length);
    expect(points.json.shown).toBeLessThanOrEqual(40);
    for (const step of points.json.best) expect(points.json.numbers).toContain(step.number);
    expect(points.json.best.map((b: { value: number }) => b.value)).toEqual([9, 4, 1, 0]);
  });

  it("marks a sample of the downsampled points that lies where all matched trials lie, and the same one again", async () => {
    // x cycles through 0…9 with the trial number, as a grid sampler's trials do; value = (x − 3)².
    const { app } = await fixture(2000);
    const points = (await get(app, "/studies/s/points?maxPoints=200&state=complete", ui.PointsResponse)).json;
    expect(points.sample).toHaveLength(points.shown);
    const sampled = points.numbers.filter((_: number, i: number) => points.sample[i]);
    expect(sampled).toHaveLength(100);
    // Each stretch's lowest and highest value alone are x = 3 and x = 9: the slice drew two bands.
    // The sample holds every x, about as often as the matched trials do.
    const xs = sampled.map((n: number) => n % 10);
    const share = (x: number) => xs.filter((v: number) => v === x).length / xs.length;
    const matchedShare = (x: number) => {
      const complete = Array.from({ length: 2000 }, (_, i) => i).filter((i) => i % 7 !== 6 && i % 5 !== 4);
      return complete.filter((i) => i % 10 === x).length / complete.length;
    };
    for (let x = 0; x < 10; x++) expect(Math.abs(share(x) - matchedShare(x)), `x = ${x}`).toBeLessThan(0.08);
    const again = (await get(app, "/studies/s/points?maxPoints=200&state=complete")).json;
    expect(again.numbers.filter((_: number, i: number) => again.sample[i])).toEqual(sampled);
    // Nothing dropped: every point is in the sample.
    const small = (await get(app, "/studies/s/points?maxPoints=5000")).json;
    expect(small.sample.every(Boolean)).toBe(true);
  });

  it("gives a finite contour mean for values near the largest double, which summed to Infinity (null)", async () => {
    const storage = new MemoryStorage();
    const study = await storage.createStudy("huge", ["minimize"]);
    for (let i = 0; i < 4; i++) {
      const trial = await storage.createTrial(study.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { x: { value: 1, distribution: X }, kind: { value: "a", distribution: KIND } }, state: "complete", values: [1.5e308] });
    }
    const app = createServerApp({ storage, dashboard: false });
    const contour = await get(app, "/studies/huge/contour?x=x&y=kind&bins=4", ui.ContourResponse);
    expect(contour.json.cells).toHaveLength(1);
    expect(contour.json.cells[0][2]).toBeCloseTo(1.5e308, -300);
    expect(contour.json.cells[0][3]).toBe(4);
  });

  it("sends a learning curve's NaN and ±Infinity by name, as the trial routes do", async () => {
    const storage = new MemoryStorage();
    const app = createServerApp({ storage, dashboard: false });
    const study = await storage.createStudy("s", ["minimize"]);
    const trial = await storage.createTrial(study.id, { state: "running" });
    await storage.updateTrial(trial.id, { params: { x: { value: 1, distribution: X } }, intermediate: { 0: 2, 1: NaN, 2: Infinity, 3: -Infinity }, state: "pruned", values: [2] });
    // They were sent as null (JSON.stringify's NaN), unlike GET …/trials/0, which names them.
    const curves = await get(app, "/studies/s/curves", ui.CurvesResponse);
    expect(curves.json.curves).toEqual([{ number: 0, state: "pruned", steps: [0, 1, 2, 3], values: [2, "NaN", "Infinity", "-Infinity"] }]);
    expect(Object.values((await get(app, "/studies/s/trials/0")).json.trial.intermediate)).toEqual(curves.json.curves[0].values);
    // A pruned trial's value is its last report's, which may have diverged: the table named it null too.
    const diverged = await storage.createTrial(study.id, { state: "running" });
    await storage.updateTrial(diverged.id, { intermediate: { 0: Infinity }, state: "pruned", values: [Infinity] });
    expect((await get(app, "/studies/s/table", ui.TableResponse)).json.rows.map((row: { values: unknown }) => row.values)).toEqual([[2], ["Infinity"]]);
  });

  it("answers the contour grid, curves, timeline, Pareto and importance under the OpenAPI schemas", async () => {
    const { app } = await fixture(60);
    const contour = await get(app, "/studies/s/contour?x=x&y=kind&bins=10", ui.ContourResponse);
    expect(contour.json.y.labels).toEqual(["a", "b", "c"]);
    expect(contour.json.cells.reduce((sum: number, cell: number[]) => sum + cell[3]!, 0)).toBe(contour.json.matched);
    const cell = contour.json.cells.find((c: number[]) => c[0] === 3);
    expect(cell[2]).toBe(0);
    const curves = await get(app, "/studies/s/curves?maxCurves=10", ui.CurvesResponse);
    expect(curves.json.shown).toBe(10);
    const timeline = await get(app, "/studies/s/timeline", ui.TimelineResponse);
    expect(timeline.json.workers).toEqual(["h:0", "h:1"]);
    expect(timeline.json.bars).toHaveLength(60);
    // Downsampled, both workers keep bars: an even stride of 2 over trials the two workers took in
    // turn kept only worker 0's, and the timeline showed one worker of two.
    const sampled = await get(app, "/studies/s/timeline?maxPoints=30", ui.TimelineResponse);
    expect(sampled.json).toMatchObject({ matched: 60, shown: 30 });
    expect(sampled.json.workers).toEqual(["h:0", "h:1"]);
    const perWorker = [0, 1].map((w) => sampled.json.bars.filter((bar: { worker: number }) => bar.worker === w).length);
    expect(perWorker[0]! + perWorker[1]!).toBe(30);
    expect(Math.min(...perWorker)).toBeGreaterThanOrEqual(8);
    const pareto = await get(app, "/studies/s/pareto", ui.ParetoResponse);
    // One objective: the front is every trial tied at the best value (x = 3).
    expect(new Set(pareto.json.front.map((p: { values: number[] }) => p.values[0]))).toEqual(new Set([0]));
    expect(pareto.json.front.length + pareto.json.others.length).toBe(pareto.json.matched);
    const importance = await get(app, "/studies/s/importance?method=ped-anova", ui.ImportanceResponse);
    expect(importance.json.params[0].name).toBe("x");
    const summary = await get(app, "/studies/s/summary", ui.SummaryResponse);
    expect(summary.json).toMatchObject({ trialCount: 60, workers: 2, hasIntermediate: true, bestTrial: { number: 3 } });
    const doc = await get(app, "/openapi.json");
    for (const path of ["summary", "table", "points", "contour", "curves", "pareto", "timeline", "importance", "beliefs"]) {
      expect(doc.json.paths[`/api/v1/studies/{study}/${path}`]?.get, path).toBeDefined();
    }
  });

  it("shows the best feasible trial and the study's recommended trial, as the API's study detail does", async () => {
    const storage = new MemoryStorage();
    const record = await storage.createStudy("s", ["minimize"]);
    // value, constraint (≤ 0 is feasible), and a model's recommendation recorded on the trial
    const rows: [number, number, object | undefined][] = [
      [5, 0, undefined],
      [1, 2, undefined], // the lowest value, but infeasible
      [3, -1, undefined],
      [4, 0, { trial: 2, mean: 3.2, sd: 0.4, units: "objective", observations: 3, sampler: "gp" }],
    ];
    for (const [value, constraint, recommended] of rows) {
      const trial = await storage.createTrial(record.id, { state: "running" });
      const systemAttrs = { [CONSTRAINTS_ATTR]: [constraint], ...(recommended ? { [RECOMMENDED_TRIAL_ATTR]: recommended as JsonValue } : {}) };
      await storage.updateTrial(trial.id, { params: { x: { value, distribution: X } }, state: "complete", values: [value], systemAttrs });
    }
    const app = createServerApp({ storage, dashboard: false });
    const summary = (await get(app, "/studies/s/summary", ui.SummaryResponse)).json;
    const detail = (await get(app, "/studies/s")).json;
    expect(summary.bestTrial.number).toBe(2);
    expect(summary.recommendedTrial).toMatchObject({ source: "model", posteriorMean: 3.2, posteriorSd: 0.4, units: "objective", modelTrials: 3, trial: { number: 2 } });
    expect(summary.bestTrial).toEqual(detail.bestTrial);
    expect(summary.recommendedTrial).toEqual(detail.recommendedTrial);
    // Without a model's record the recommendation is the best observed trial.
    const plain = await fixture(12);
    expect((await get(plain.app, "/studies/s/summary")).json.recommendedTrial).toMatchObject({ source: "best observed", posteriorMean: null, trial: { number: 3 } });
  });

  it("leaves infeasible trials out of the best-so-far steps, the best curves and the Pareto front, as bestTrial and bestTrials do", async () => {
    const storage = new MemoryStorage();
    const one = await storage.createStudy("c1", ["minimize"]);
    // [value, constraints]: trial 0 finished before the study reported constraints (unknown feasibility).
    const rows: [number, number[] | undefined][] = [[0.1, undefined], [5, [-1]], [1, [2]], [3, [0]], [0.5, [0.1]]];
    for (const [value, constraints] of rows) {
      const trial = await storage.createTrial(one.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { x: { value, distribution: X } }, state: "complete", values: [value], systemAttrs: constraints ? { [CONSTRAINTS_ATTR]: constraints } : {} });
    }
    const two = await storage.createStudy("mo", ["minimize", "minimize"]);
    const points: [number[], number][] = [[[1, 1], 1], [[2, 3], -1], [[3, 2], 0], [[4, 4], -1]];
    for (const [values, constraint] of points) {
      const trial = await storage.createTrial(two.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { x: { value: values[0]!, distribution: X } }, state: "complete", values, systemAttrs: { [CONSTRAINTS_ATTR]: [constraint] } });
    }
    const app = createServerApp({ storage, dashboard: false });
    const history = (await get(app, "/studies/c1/points", ui.PointsResponse)).json;
    expect(history.best).toEqual([{ number: 1, value: 5 }, { number: 3, value: 3 }]);
    expect(history.constrained).toBe(true);
    expect((await get(app, "/studies/c1/summary")).json.bestTrial.number).toBe(3);
    // The table said nothing of feasibility: trial 0's value 0.1 read as the best.
    const table = (await get(app, "/studies/c1/table?sort=number", ui.TableResponse)).json;
    expect(table.rows.map((r: { constraints: number[] | null; feasible: boolean | null }) => [r.constraints, r.feasible])).toEqual([
      [null, false],
      [[-1], true],
      [[2], false],
      [[0], true],
      [[0.1], false],
    ]);
    // Filtered to trial 0 alone, it is still of unknown feasibility: the study is constrained.
    expect((await get(app, "/studies/c1/points?valueMax=0.2")).json.best).toEqual([]);
    // The best curves too: of 2 curves, 1 is the best trial's and 1 the latest's. Trial 0 (no
    // constraints) and trial 2 (value 1, violating its constraint) were drawn as the best.
    const curves = await storage.createStudy("curves", ["minimize"]);
    for (const [value, constraints] of rows) {
      const trial = await storage.createTrial(curves.id, { state: "running" });
      await storage.updateTrial(trial.id, {
        params: { x: { value, distribution: X } },
        intermediate: { 0: value },
        state: "complete",
        values: [value],
        systemAttrs: constraints ? { [CONSTRAINTS_ATTR]: constraints } : {},
      });
    }
    expect((await get(app, "/studies/curves/curves?maxCurves=2", ui.CurvesResponse)).json.curves.map((c: { number: number }) => c.number)).toEqual([3, 4]);
    const pareto = (await get(app, "/studies/mo/pareto", ui.ParetoResponse)).json;
    // (1, 1) violates its constraint: it is drawn among the others and hides neither feasible point.
    expect(pareto.front.map((p: { number: number }) => p.number)).toEqual([1, 2]);
    expect(pareto.others.map((p: { number: number }) => p.number)).toEqual([3]);
    // Apart from the dominated: drawn among them, (1, 1) sat visibly below the front as "dominated".
    expect(pareto.infeasible.map((p: { number: number }) => p.number)).toEqual([0]);
  });

  it("reads a study whose stored constraints are malformed (not a list of numbers): such a trial is infeasible, and nothing answers 500", async () => {
    const storage = new MemoryStorage();
    // [values, constraints] per trial; "x" and ["x"] are written through the storage API, which takes any JSON.
    const studies: [string, Direction[], [number[], JsonValue | undefined][]][] = [
      ["one", ["minimize"], [[[3], undefined], [[0], "x"], [[2], undefined]]],
      ["constrained", ["minimize"], [[[0], ["x"]], [[3], [-1]], [[1], "x"]]],
      ["none-feasible", ["minimize"], [[[0], "x"], [[1], [2]]]],
      ["late-list", ["minimize"], [[[0], "x"], [[1], undefined], [[2], [-1]]]],
      ["two", ["minimize", "minimize"], [[[0, 0], "x"], [[1, 2], [-1]], [[2, 1], [0]]]],
    ];
    for (const [name, directions, rows] of studies) {
      const study = await storage.createStudy(name, directions);
      for (const [values, constraints] of rows) {
        const trial = await storage.createTrial(study.id, { state: "running" });
        await storage.updateTrial(trial.id, {
          params: { x: { value: values[0]!, distribution: X } },
          intermediate: { 0: values[0]! },
          state: "complete",
          values,
          ...(constraints !== undefined ? { systemAttrs: { [CONSTRAINTS_ATTR]: constraints } } : {}),
        });
      }
    }
    const app = createServerApp({ storage, dashboard: false });
    const routes = ["", "/summary", "/table", "/points", "/curves", "/pareto", "/hypervolume", "/ecdf", "/timeline", "/contour?x=x&y=x", "/importance", "/beliefs?x=x", "/trials"];
    for (const [name] of studies) {
      for (const path of routes) expect([`${name}${path}`, (await get(app, `/studies/${name}${path}`)).status]).toEqual([`${name}${path}`, 200]);
    }
    expect((await get(app, "/studies")).status).toBe(200);
    // "x" alone does not make the study constrained (as the study listing and the SQL backends decide), but is infeasible: trial 0's 0 is not the best.
    const one = (await get(app, "/studies/one/summary", ui.SummaryResponse)).json;
    expect([one.bestTrial.number, one.study.bestValue]).toEqual([2, 2]);
    expect((await get(app, "/studies/one")).json.bestTrial.number).toBe(2);
    const table = (await get(app, "/studies/one/table", ui.TableResponse)).json;
    expect(table.rows.map((r: { constraints: number[] | null; feasible: boolean | null }) => [r.constraints, r.feasible])).toEqual([[null, true], [null, false], [null, true]]);
    expect((await get(app, "/studies/one/points", ui.PointsResponse)).json).toMatchObject({ constrained: false, best: [{ number: 0, value: 3 }, { number: 2, value: 2 }] });
    // A list with a non-number does make it constrained: only trial 1 is feasible.
    const constrained = (await get(app, "/studies/constrained/summary", ui.SummaryResponse)).json;
    expect([constrained.bestTrial.number, constrained.study.bestValue]).toEqual([1, 3]);
    // No feasible trial: no best; the malformed trial has no violation to compare, so the nearest miss (`sextant best`) is trial 1.
    expect((await get(app, "/studies/none-feasible/summary")).json.bestTrial).toBeNull();
    const noneFeasible = (await storage.getStudy("none-feasible"))!;
    expect((await storedBest(storage, noneFeasible.id, "minimize")).leastViolating?.number).toBe(1);
    // The first trial storing constraints stores "x", a later one a list: the study is constrained, and trial 1 (none) is not the best, read whole or from storage (`sextant best`).
    expect((await get(app, "/studies/late-list/summary")).json.bestTrial.number).toBe(2);
    expect((await storedBest(storage, (await storage.getStudy("late-list"))!.id, "minimize")).best?.number).toBe(2);
    const pareto = (await get(app, "/studies/two/pareto", ui.ParetoResponse)).json;
    expect([pareto.front.map((p: { number: number }) => p.number), pareto.infeasible.map((p: { number: number }) => p.number)]).toEqual([[1, 2], [0]]);
  });

  it("answers the table kept between changes with the same bytes as a server that reads the study for the first time", async () => {
    const { storage, app } = await fixture(30);
    const record = (await storage.getStudy("s"))!;
    const urls = [
      "/studies/s/table",
      "/studies/s/table?order=desc&limit=7",
      "/studies/s/table?sort=value&order=desc&offset=3&limit=9",
      "/studies/s/table?sort=param:kind&state=complete,running",
      `/studies/s/table?sort=duration&ranges=${q({ x: [2, 7] })}`,
      "/studies/s/table?sort=state&valueMax=10",
    ];
    const text = async (server: ReturnType<typeof createServerApp>, url: string) => (await server.request(`/api/v1${url}`)).text();
    // Changes of every kind: a running trial, a finish, the first constraint values (the study becomes constrained), a NaN value, a failure.
    const changes: ((id: number) => Promise<unknown>)[] = [
      async () => undefined,
      (id) => storage.updateTrial(id, { params: { x: { value: 4, distribution: X } }, state: "complete", values: [0.5] }),
      (id) => storage.updateTrial(id, { params: { x: { value: 5, distribution: X } }, state: "complete", values: [-1], systemAttrs: { [CONSTRAINTS_ATTR]: [1] } }),
      (id) => storage.updateTrial(id, { params: { kind: { value: "b", distribution: KIND } }, state: "complete", values: [Number.NaN], systemAttrs: { [CONSTRAINTS_ATTR]: [-1] } }),
      (id) => storage.updateTrial(id, { state: "failed", values: null }),
    ];
    for (const urlsRead of [urls, [...urls].reverse()]) for (const url of urlsRead) await text(app, url);
    for (const change of changes) {
      const trial = await storage.createTrial(record.id, { state: "running", systemAttrs: {} });
      await change(trial.id);
      const fresh = createServerApp({ storage, dashboard: false });
      for (const url of urls) {
        const expected = await text(fresh, url);
        expect([url, await text(app, url)]).toEqual([url, expected]);
        expect([url, await text(app, url)]).toEqual([url, expected]);
      }
      // And each row's feasibility as the study's rule judges it from all of its trials.
      const trials = (await storage.trialsSince(record.id, 0)).trials;
      const feasible = feasibilityRule(trials);
      const rows = JSON.parse(await text(app, "/studies/s/table?limit=500")).rows as { number: number; feasible: boolean | null }[];
      expect(rows.map((r) => r.feasible)).toEqual(trials.map((t) => (t.state === "complete" ? feasible(t) : null)));
    }
  });

  it("names the field at fault for a bad filter", async () => {
    const { app } = await fixture(5);
    const cases: [string, string][] = [
      ["/studies/s/table?ranges=%7Bnope", "query.ranges"],
      [`/studies/s/table?ranges=${q({ x: [3, 1] })}`, "query.ranges.x"],
      [`/studies/s/table?ranges=${q({ y: [0, 1] })}`, "query.ranges.y"],
      ["/studies/s/table?state=done", "query.state"],
      ["/studies/s/table?valueMin=abc", "query.valueMin"],
      ["/studies/s/table?sort=size", "query.sort"],
      ["/studies/s/contour?x=x&y=zz", "query.y"],
      ["/studies/s/table?objective=1", "query.objective"],
      // Used to answer 200 with an empty axis and a cell at index -1.
      ["/studies/s/contour?x=x&y=kind&bins=0", "query.bins"],
      // Answered 200 with "unavailable: points must be an integer in [2, 1000]", and 1e999 filtered as Infinity.
      ["/studies/s/beliefs?x=x&points=1", "query.points"],
      ["/studies/s/table?valueMin=1e999", "query.valueMin"],
      ["/studies/s/points?valueMax=-1e999", "query.valueMax"],
    ];
    for (const [path, field] of cases) {
      const answer = await get(app, path);
      expect(answer.status, path).toBe(400);
      expect(answer.json.error.field, path).toBe(field);
    }
    expect((await get(app, "/studies/nope/summary")).status).toBe(404);
  });

  it("follows new trials incrementally", async () => {
    const { app, storage } = await fixture(10);
    expect((await get(app, "/studies/s/table")).json.matched).toBe(10);
    const record = (await storage.getStudy("s"))!;
    const trial = await storage.createTrial(record.id, { state: "running" });
    await storage.updateTrial(trial.id, { params: { x: { value: 3, distribution: X } }, state: "complete", values: [-1] });
    expect((await get(app, "/studies/s/table")).json.matched).toBe(11);
    expect((await get(app, "/studies/s/summary")).json.bestTrial.number).toBe(10);
  });

  it("reads a study whole from storage once for the dashboard and the API's trial pages together", async () => {
    const { app, storage } = await fixture(10);
    const wholeReads: number[] = [];
    const trialsSince = storage.trialsSince.bind(storage);
    storage.trialsSince = async (studyId, seq) => {
      if (seq === 0) wholeReads.push(studyId);
      return trialsSince(studyId, seq);
    };
    expect((await get(app, "/studies/s/trials?limit=5")).json.trials).toHaveLength(5);
    expect((await get(app, "/studies/s/table")).json.matched).toBe(10);
    expect((await get(app, "/studies/s/summary")).status).toBe(200);
    // One copy of the study in memory, not one per route family (each a full read at 100,000 trials).
    expect(wholeReads).toHaveLength(1);
  });

  it("writes a report whose data cannot close its script element and which allows no network", async () => {
    const { storage } = await fixture(12);
    const evil = await storage.createStudy("<img src=x onerror=alert(1)>", ["minimize"]);
    const trial = await storage.createTrial(evil.id, { state: "running", userAttrs: { note: "</script><script>alert(2)</script>" } });
    await storage.updateTrial(trial.id, { params: { x: { value: 1, distribution: X } }, state: "complete", values: [1] });
    const assets = new Map([
      ["/index.html", asset('<html><head><title>Sextant dashboard</title><script type="module" crossorigin src="./assets/a.js"></script><link rel="stylesheet" crossorigin href="./assets/a.css"></head><body></body></html>')],
      ["/assets/a.js", asset("console.log('$& $1 dashboard')")],
      ["/assets/a.css", asset("body{}")],
    ]);
    const html = await buildReport(storage, evil.name, { assets });
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).toContain("console.log('$& $1 dashboard')");
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+'; img-src data:"/);
    const data = JSON.parse(/<script type="application\/json" id="sextant-report">(.*?)<\/script>/s.exec(html)![1]!);
    expect(data.study).toBe(evil.name);
    expect(html).toContain("<title>Sextant report: &#60;img src=x onerror=alert(1)&#62;</title>");
    expect(data.answers["/studies/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E/trials/0"].trial.userAttrs.note).toBe("</script><script>alert(2)</script>");
    expect(data.answers["/studies"].studies.map((s: { name: string }) => s.name)).toEqual([evil.name]);
  });

  it("writes a report whose importance answers the method chosen by name, and says why a small study has none", async () => {
    const assets = new Map([
      ["/index.html", asset('<html><head><title>Sextant dashboard</title><script type="module" crossorigin src="./assets/a.js"></script><link rel="stylesheet" crossorigin href="./assets/a.css"></head><body></body></html>')],
      ["/assets/a.js", asset("console.log(1)")],
      ["/assets/a.css", asset("body{}")],
    ]);
    const answersOf = (html: string) => JSON.parse(/<script type="application\/json" id="sextant-report">(.*?)<\/script>/s.exec(html)![1]!).answers;
    const { storage } = await fixture(12);
    const answers = answersOf(await buildReport(storage, "s", { assets }));
    expect(answers["/studies/s/importance"].method).toBe("fanova");
    // The menu's "fANOVA" used to say "not included in this report" beside the same answer under "auto".
    expect(answers["/studies/s/importance?method=fanova"]).toEqual(answers["/studies/s/importance"]);
    // One complete trial: the page says what the analyses need, as the live dashboard does.
    const small = await fixture(1);
    const few = answersOf(await buildReport(small.storage, "s", { assets }));
    expect(few["/studies/s/importance"].unavailable).toMatch(/needs at least 2 complete trials/);
    expect(few["/studies/s/beliefs?x=x"].unavailable).toMatch(/needs at least 2 complete trials/);
  });

  it("takes parameter names with | or a line break: sorts by them, answers beliefs apart, and reports the study", async () => {
    const storage = new MemoryStorage();
    const study = await storage.createStudy("odd", ["minimize"]);
    for (let i = 0; i < 12; i++) {
      const trial = await storage.createTrial(study.id, { state: "running" });
      const params = { a: { value: i % 4, distribution: X }, b: { value: (i * 7) % 10, distribution: X }, "a|b": { value: 9 - (i % 10), distribution: X }, "loss\nweight": { value: i % 3, distribution: X } };
      await storage.updateTrial(trial.id, { params, state: "complete", values: [i] });
    }
    const app = createServerApp({ storage, dashboard: false });
    const sorted = await get(app, `/studies/odd/table?sort=${encodeURIComponent("param:loss\nweight")}&limit=500`);
    expect(sorted.status).toBe(200);
    expect(sorted.json.rows.map((r: { params: Record<string, number> }) => r.params["loss\nweight"])).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    // x = "a|b" and x = a, y = b shared one cached answer.
    const pipe = await get(app, `/studies/odd/beliefs?x=${encodeURIComponent("a|b")}`);
    const pair = await get(app, "/studies/odd/beliefs?x=a&y=b");
    expect([pipe.json.kind, pipe.json.params]).toEqual(["slice", ["a|b"]]);
    expect([pair.json.kind, pair.json.params]).toEqual(["grid", ["a", "b"]]);
    const assets = new Map([
      ["/index.html", asset('<html><head><title>Sextant dashboard</title><script type="module" crossorigin src="./assets/a.js"></script></head><body></body></html>')],
      ["/assets/a.js", asset("console.log(1)")],
    ]);
    await expect(buildReport(storage, "odd", { assets })).resolves.toContain("sextant-report");
  });

  it("plots a study whose ranges and choices grew between runs over all of them, not the first trial's", async () => {
    const storage = new MemoryStorage();
    const study = await storage.createStudy("grown", ["minimize"]);
    const narrow: Distribution = { type: "float", low: 0, high: 1 };
    const wide: Distribution = { type: "float", low: 0, high: 10 };
    const two: Distribution = { type: "categorical", choices: ["a", "b"] };
    const three: Distribution = { type: "categorical", choices: ["a", "b", "c"] };
    for (let i = 0; i < 12; i++) {
      // Resumed at trial 6 with x widened from [0, 1] to [0, 10] and the choice "c" added.
      const later = i >= 6;
      const x = later ? 1 + i / 2 : i / 10;
      const kind = later ? ["a", "b", "c"][i % 3]! : ["a", "b"][i % 2]!;
      const trial = await storage.createTrial(study.id, { state: "running" });
      await storage.updateTrial(trial.id, {
        params: { x: { value: x, distribution: later ? wide : narrow }, kind: { value: kind, distribution: later ? three : two } },
        state: "complete",
        values: [(x - 4) ** 2],
      });
    }
    const app = createServerApp({ storage, dashboard: false });
    const summary = await get(app, "/studies/grown/summary", ui.SummaryResponse);
    expect(summary.json.params).toEqual([
      { name: "x", distribution: wide },
      { name: "kind", distribution: three },
    ]);
    // x = 6.5 (trial 11) in the bin of [6, 7) of ten over [0, 10]: the first range put it in its last bin, near 1.
    const contour = await get(app, "/studies/grown/contour?x=x&y=kind&bins=10", ui.ContourResponse);
    expect(contour.json.y.labels).toEqual(["a", "b", "c"]);
    expect(contour.json.matched).toBe(12);
    expect(contour.json.cells).toContainEqual([6, 2, 6.25, 1]);
    const brushed = await get(app, `/studies/grown/table?ranges=${q({ kind: [2, 2] })}`, ui.TableResponse);
    expect(brushed.json.rows.map((r: { number: number }) => r.number)).toEqual([8, 11]);
    // The model is fitted on every trial and asked over the whole range.
    const beliefs = await get(app, "/studies/grown/beliefs?x=x&points=11", ui.BeliefsResponse);
    expect(beliefs.json.nTrials).toBe(12);
    expect(beliefs.json.x.at(-1)).toBe(10);
  });

  it("samples evenly and keeps what it must", () => {
    const numbers = Array.from({ length: 100 }, (_, i) => i);
    const even = evenlySpaced(numbers, 10, new Set([99]));
    expect(even).toHaveLength(10);
    expect(even).toContain(99);
    const envelope = envelopeSample(numbers, (n) => (n === 57 ? 1000 : n % 10), 20, new Set([3]));
    expect(envelope).toContain(57);
    expect(envelope).toContain(3);
    expect(envelope.length).toBeLessThanOrEqual(21);
  });
  it("answers the ECDF of the matched values and the hypervolume history, downsampled with N of M", async () => {
    const storage = new MemoryStorage();
    const single = await storage.createStudy("one", ["minimize"]);
    for (const [i, value] of [3, 1, 2, 2, 9].entries()) {
      const trial = await storage.createTrial(single.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { x: { value: i, distribution: X } }, state: i === 4 ? "pruned" : "complete", values: [value] });
    }
    const two = await storage.createStudy("two", ["minimize", "minimize"]);
    for (const values of [[1, 3], [2, 2], [3, 1], [2.5, 2.5]]) {
      const trial = await storage.createTrial(two.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { x: { value: values[0]!, distribution: X } }, state: "complete", values });
    }
    const app = createServerApp({ storage, dashboard: false });
    const ecdf = await get(app, "/studies/one/ecdf", ui.EcdfResponse);
    // Complete values 3, 1, 2, 2 (the pruned 9 is not complete): steps at 1, 2, 3.
    expect(ecdf.json).toMatchObject({ matched: 3, shown: 3, total: 5, trials: 4, values: [1, 2, 3], fractions: [0.25, 0.75, 1] });
    const sampled = await get(app, "/studies/one/ecdf?maxPoints=2", ui.EcdfResponse);
    expect(sampled.json).toMatchObject({ matched: 3, shown: 2, values: [1, 3], fractions: [0.25, 1] });
    const filtered = await get(app, "/studies/one/ecdf?valueMax=2", ui.EcdfResponse);
    expect(filtered.json).toMatchObject({ trials: 3, values: [1, 2], fractions: [1 / 3, 1] });
    const hv = await get(app, "/studies/two/hypervolume", ui.HypervolumeResponse);
    // Reference: the worst value of each objective pushed out by a tenth of its range, 3 + 0.2.
    expect(hv.json.reference).toEqual([3.2, 3.2]);
    expect(hv.json.numbers).toEqual([0, 1, 2, 3]);
    // Boxes to the reference: (1,3) 2.2·0.2; (2,2) adds 1.2·1.2 − 0.24 of overlap; (3,1) adds 0.2·1; (2.5,2.5) is dominated.
    const expected = [0.44, 1.64, 1.84, 1.84];
    hv.json.hypervolumes.forEach((v: number, i: number) => expect(v).toBeCloseTo(expected[i]!, 9));
    expect(hv.json).toMatchObject({ matched: 4, shown: 4, total: 4, changes: 4, estimate: null });
    const none = await get(app, "/studies/one/hypervolume", ui.HypervolumeResponse);
    expect(none.json.unavailable).toMatch(/one objective/);
  });

  it("judges feasibility by the whole study in the hypervolume history, as the Pareto front does, whatever the filter", async () => {
    const storage = new MemoryStorage();
    const study = await storage.createStudy("c", ["minimize", "minimize"]);
    // Trials 0 and 1 finished before the study reported constraints: their feasibility is unknown.
    const rows: { values: number[]; constraints?: number[] }[] = [
      { values: [0, 0] },
      { values: [0.5, 0.5] },
      { values: [1, 3], constraints: [-1] },
      { values: [3, 1], constraints: [-1] },
    ];
    for (const [i, row] of rows.entries()) {
      const trial = await storage.createTrial(study.id, { state: "running" });
      await storage.updateTrial(trial.id, {
        params: { x: { value: i, distribution: X } },
        state: "complete",
        values: row.values,
        ...(row.constraints ? { systemAttrs: { [CONSTRAINTS_ATTR]: row.constraints } } : {}),
      });
    }
    const app = createServerApp({ storage, dashboard: false });
    // The filter matches only the two trials without constraints: neither is on the front.
    const pareto = await get(app, "/studies/c/pareto?valueMax=0.5", ui.ParetoResponse);
    expect(pareto.json.front).toEqual([]);
    const hv = await get(app, "/studies/c/hypervolume?valueMax=0.5", ui.HypervolumeResponse);
    expect(hv.json).toMatchObject({ matched: 0, numbers: [], hypervolumes: [] });
    // Unfiltered, only trials 2 and 3 count: reference 3 + 0.2 in both objectives.
    const whole = await get(app, "/studies/c/hypervolume", ui.HypervolumeResponse);
    expect(whole.json.numbers).toEqual([2, 3]);
    expect(whole.json.reference).toEqual([3.2, 3.2]);
  });

  it("says the hypervolume is too large to measure, rather than sending null for it", async () => {
    const storage = new MemoryStorage();
    const huge = await storage.createStudy("huge", ["minimize", "minimize"]);
    for (const values of [[Number.MAX_VALUE, 0], [0, Number.MAX_VALUE], [1, 1]]) {
      const trial = await storage.createTrial(huge.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { x: { value: values[0]! > 1 ? 1 : 0, distribution: X } }, state: "complete", values });
    }
    const app = createServerApp({ storage, dashboard: false });
    const hv = await get(app, "/studies/huge/hypervolume", ui.HypervolumeResponse);
    expect(hv.json.reference).toEqual([Number.MAX_VALUE, Number.MAX_VALUE]);
    expect(hv.json).toMatchObject({ matched: 3, shown: 0, numbers: [], hypervolumes: [] });
    expect(hv.json.unavailable).toMatch(/^the hypervolume passes the largest number/);
  });

  it("estimates the hypervolume of a 10-objective study instead of freezing the server, and says it is an estimate", async () => {
    const storage = new MemoryStorage();
    const many = await storage.createStudy("ten", Array.from({ length: 10 }, () => "minimize" as const));
    // 60 points on the unit sphere: all on the front, where the exact history took 84 s.
    for (let i = 0; i < 60; i++) {
      const raw = Array.from({ length: 10 }, (_, k) => 1 + ((i * 7 + k * 13) % 17));
      const norm = Math.hypot(...raw);
      const trial = await storage.createTrial(many.id, { state: "running" });
      await storage.updateTrial(trial.id, { params: { x: { value: i % 10, distribution: X } }, state: "complete", values: raw.map((v) => v / norm) });
    }
    const app = createServerApp({ storage, dashboard: false });
    const hv = (await get(app, "/studies/ten/hypervolume", ui.HypervolumeResponse)).json;
    expect(hv.estimate.samples).toBeGreaterThanOrEqual(1000);
    expect(hv.matched).toBe(60);
    expect(hv.hypervolumes.at(-1)).toBeGreaterThan(0);
  });

  it("answers a PBT trial's lineage: member, segment, parent, exploit, checkpoint and the member's chain", async () => {
    const storage = new MemoryStorage();
    await seedPopulation(storage, "pbt");
    const app = createServerApp({ storage, dashboard: false });
    const answer = await get(app, "/studies/pbt/trials/2/lineage", ui.LineageResponse);
    expect(answer.json.lineage).toMatchObject({
      member: 0,
      segment: { trial: 2, segment: 1, parent: 1, parentMember: 1, exploitedFrom: 1, checkpoint: "t1.ckpt" },
    });
    expect(answer.json.lineage.chain.map((s: { trial: number }) => s.trial)).toEqual([0, 2, 4]);
    expect((await get(app, "/studies/pbt/trials/5/lineage", ui.LineageResponse)).json.lineage).toBeNull();
    expect((await get(app, "/studies/pbt/trials/99/lineage")).status).toBe(404);
  });

  it("writes a report with a population study's lineage in short below the dashboard, and none for other studies", async () => {
    const storage = new MemoryStorage();
    const study = await seedPopulation(storage, "pbt");
    await storage.setStudyAttrs(study.id, { systemAttrs: { "pbt:scheduler": { name: "pbt", population: 2, segments: 3, segmentSteps: 1 } } });
    const assets = new Map([
      ["/index.html", asset('<html><head><title>Sextant dashboard</title><script type="module" crossorigin src="./assets/a.js"></script></head><body><main id="app"></main></body></html>')],
      ["/assets/a.js", asset("console.log(1)")],
    ]);
    const html = await buildReport(storage, "pbt", { assets });
    const section = /<main id="app"><\/main><section id="population"[^>]*>(.*?)<\/section>\n<\/body>/s.exec(html);
    expect(section).not.toBeNull();
    expect(section![1]).toContain("pbt population of 2 members × 3 segments of 1 step(s)");
    const rows = [...section![1]!.matchAll(/<tr>(.*?)<\/tr>/g)].map((row) => [...row[1]!.matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/g)].map((cell) => cell[1]));
    expect(rows).toEqual([
      ["member", "segments", "exploits", "last value"],
      ["0", "3", "1: segment 1 from member 1", "5"],
      ["1", "2", "none", "4"],
    ]);
    const { storage: plain } = await fixture(12);
    expect(await buildReport(plain, "s", { assets })).not.toContain('<section id="population"');
  });
});

function asset(text: string) {
  const body = new TextEncoder().encode(text);
  return { body, gzipped: body, type: "text/html" };
}
