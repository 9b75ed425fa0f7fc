import { describe, expect, it } from "vitest";
import "../index.js";
import { createOnlineTuner } from "../online/index.js";
import { MINUS_INFINITE_COST } from "../online/tuner.js";
import { MemoryStorage } from "../storage/index.js";
import { createServerApp } from "./app.js";

async function call(app: ReturnType<typeof createServerApp>, method: string, path: string, body?: unknown) {
  const init: RequestInit = { method, headers: body === undefined ? {} : { "content-type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await app.request(`/api/v1${path}`, init);
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as any) : undefined };
}

describe("HTTP API: online tuners", () => {
  it("answers 409 for a tuner a newer Sextant saved, and leaves it as it was", async () => {
    const storage = new MemoryStorage();
    await createOnlineTuner({ parameter: { low: 1, high: 1.9, arms: 4 }, storage, name: "sor", seed: 1 });
    const record = (await storage.getStudy("sor"))!.systemAttrs["online:tuner"] as Record<string, any>;
    await storage.createStudy("newer", ["minimize"], { systemAttrs: { "online:tuner": { ...record, state: { ...record.state, baseline: [1] } } } });
    const app = createServerApp({ storage, logError: () => undefined });
    for (const [method, path] of [["GET", "/online/newer"], ["POST", "/online/newer/choose"]] as const) {
      const answer = await call(app, method, path);
      // Its own code: no order error, which a client would meet by choosing or observing otherwise.
      expect([answer.status, answer.json.error.field, answer.json.error.code]).toEqual([409, "path.tuner", "online_tuner_too_new"]);
      expect(answer.json.error.message).toMatch(/was saved by a newer Sextant: it holds state\.baseline/);
    }
    expect(((await storage.getStudy("newer"))!.systemAttrs["online:tuner"] as Record<string, any>).state.baseline).toEqual([1]);
  });

  it("creates a tuner, chooses and observes through HTTP as the library would", async () => {
    const storage = new MemoryStorage();
    const app = createServerApp({ storage, logError: () => undefined });
    const settings = { parameter: { low: 1, high: 1.9, arms: 10 }, algorithm: "tsallis-inf" as const, seed: 4, costScale: 100 };
    const created = await call(app, "POST", "/online", { name: "sor", ...settings });
    expect(created.status).toBe(201);
    expect(created.json.tuner.values).toHaveLength(10);
    // The same settings again find the tuner: 200, nothing created.
    const found = await call(app, "POST", "/online", { name: "sor", ...settings });
    expect([found.status, found.json.tuner]).toEqual([200, created.json.tuner]);

    const library = await createOnlineTuner(settings);
    for (let t = 0; t < 20; t++) {
      const chosen = await call(app, "POST", "/online/sor/choose");
      expect(chosen.status).toBe(200);
      expect(chosen.json.round).toBe(t);
      const expected = await library.choose();
      expect(chosen.json.value).toBe(expected);
      const cost = Math.abs(expected - 1.5) * 100;
      expect((await call(app, "POST", "/online/sor/observe", { cost })).json).toEqual({ rounds: t + 1, clipped: false });
      await library.observe(cost);
    }
    // A cost above costScale (100) counts as the worst, and the answer says so.
    await call(app, "POST", "/online/sor/choose");
    expect((await call(app, "POST", "/online/sor/observe", { cost: 250 })).json).toEqual({ rounds: 21, clipped: true });
    await library.choose();
    await library.observe(250);
    const shown = await call(app, "GET", "/online/sor");
    expect(shown.json.tuner.rounds).toBe(21);
    // Two clients sharing the tuner: the one that observes its choice's round late is refused, where
    // its cost counted for the choice the other made next.
    const chosen = (await call(app, "POST", "/online/sor/choose")).json;
    expect((await call(app, "POST", "/online/sor/choose")).json).toEqual(chosen);
    expect((await call(app, "POST", "/online/sor/observe", { cost: 10, round: chosen.round })).status).toBe(200);
    await call(app, "POST", "/online/sor/choose");
    const late = await call(app, "POST", "/online/sor/observe", { cost: 90, round: chosen.round });
    expect([late.status, late.json.error.field, late.json.error.code]).toEqual([409, "body.round", "online_stale_round"]);
    expect(late.json.error.message).toMatch(/^body\.round: the choice of round 21 was observed already/);
    expect((await call(app, "GET", "/online/sor")).json.tuner.rounds).toBe(22);
    expect(shown.json.tuner.probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 10);
  });

  it("answers a tuner's settings by the create body's names, which sent back find the same tuner", async () => {
    // GET answered the play distribution only: a client could not tell what to POST to resume the tuner.
    const app = createServerApp({ storage: new MemoryStorage(), logError: () => undefined });
    const settings = { parameter: { name: "omega", low: 1, high: 1.9, log: false, arms: 4 }, algorithm: "chebcb", context: { low: [0], high: [2], degree: 3 }, seed: 5, costScale: 120, exploration: 4 };
    expect((await call(app, "POST", "/online", { name: "sor", ...settings })).status).toBe(201);
    const { tuner } = (await call(app, "GET", "/online/sor")).json;
    expect(tuner).toMatchObject({ name: "sor", ...settings });
    const { rounds, values, probabilities, pending, ...create } = tuner;
    expect(create).toEqual({ name: "sor", ...settings });
    expect((await call(app, "POST", "/online", create)).status).toBe(200);
    // A create that leaves the parameter's name out asks for the default name, as one that leaves
    // costScale out asks for 1: another setting than the stored one, refused as any other.
    const { name: _, ...unnamed } = settings.parameter;
    const renamed = await call(app, "POST", "/online", { ...create, parameter: unnamed });
    expect([renamed.status, renamed.json.error.code]).toEqual([409, "online_settings_conflict"]);
    expect(renamed.json.error.message).toMatch(/^online tuner "sor" exists with other settings \(parameter\.name omega, not value\)/);
    // Defaults filled in, and only the rate the algorithm plays with.
    await call(app, "POST", "/online", { name: "plain", parameter: { low: 0, high: 1 } });
    const plain = (await call(app, "GET", "/online/plain")).json.tuner;
    expect([plain.parameter, plain.costScale, plain.learningRate, "exploration" in plain, "context" in plain]).toEqual([{ name: "value", low: 0, high: 1, log: false, arms: 16 }, 1, 2, false, false]);
    expect(Number.isInteger(plain.seed)).toBe(true);
    const documented = (await call(app, "GET", "/openapi.json")).json.paths["/api/v1/online/{tuner}"].get.responses["200"].content["application/json"].schema;
    expect(Object.keys(documented.properties.tuner.properties)).toEqual(expect.arrayContaining(["parameter", "context", "seed", "costScale", "learningRate", "exploration"]));
  });

  it('counts a cost of "Infinity" as the worst, as the library counts Infinity, and refuses "NaN" and "-Infinity"', async () => {
    // A diverged solve's Infinity, which JSON cannot hold, was refused (400), where the library counts it as the worst cost.
    const app = createServerApp({ storage: new MemoryStorage(), logError: () => undefined });
    const settings = { parameter: { low: 1, high: 1.9, arms: 4 }, seed: 2, costScale: 10 };
    await call(app, "POST", "/online", { name: "sor", ...settings });
    const library = await createOnlineTuner(settings);
    for (const [sent, cost] of [["Infinity", Infinity], [3, 3], [-3, -3], ["Infinity", Infinity]] as const) {
      expect((await call(app, "POST", "/online/sor/choose")).json.value).toBe(await library.choose());
      const observed = await call(app, "POST", "/online/sor/observe", { cost: sent });
      expect([observed.status, observed.json]).toEqual([200, { rounds: library.rounds + 1, clipped: await library.observe(cost).then((r) => r.clipped) }]);
    }
    expect((await call(app, "GET", "/online/sor")).json.tuner.probabilities).toEqual(library.stats().probabilities);
    await call(app, "POST", "/online/sor/choose");
    const nan = await call(app, "POST", "/online/sor/observe", { cost: "NaN" });
    expect([nan.status, nan.json.error.field]).toEqual([400, "body.cost"]);
    expect(nan.json.error.message).toMatch(/^body\.cost: must be a number, or "Infinity" \(a diverged solve: the worst cost\); NaN is no cost/);
    // It counted as the best cost: costs are 0 or more, and minus infinity is a slip.
    const minus = await call(app, "POST", "/online/sor/observe", { cost: "-Infinity" });
    expect(minus.json.error).toEqual({ status: 400, message: `body.cost: "-Infinity" is refused: ${MINUS_INFINITE_COST}`, field: "body.cost" });
    // -1e999 overflows to minus infinity as JSON is parsed: the same slip, told as such.
    const response = await app.request("/api/v1/online/sor/observe", { method: "POST", headers: { "content-type": "application/json" }, body: '{"cost": -1e999}' });
    expect([response.status, ((await response.json()) as { error: { message: string } }).error.message]).toEqual([400, `body.cost: -Infinity is refused: ${MINUS_INFINITE_COST}`]);
    expect((await call(app, "GET", "/online/sor")).json.tuner.rounds).toBe(4);
  });

  it("keeps tuners out of the dashboard's study routes too: 409 at path.study, as GET /studies/{study} answers", async () => {
    const storage = new MemoryStorage();
    const app = createServerApp({ storage, logError: () => undefined });
    await call(app, "POST", "/online", { name: "sor", parameter: { low: 1, high: 1.9 }, seed: 1 });
    // Each answered 200 with an empty "study" of sampler "unknown" made up from the tuner's row.
    for (const path of ["summary", "table", "points", "curves", "pareto", "timeline", "importance", "ecdf", "hypervolume", "beliefs?x=omega", "contour?x=a&y=b", "trials/0/lineage"]) {
      const answer = await call(app, "GET", `/studies/sor/${path}`);
      expect([answer.status, answer.json.error?.field], path).toEqual([409, "path.study"]);
      expect(answer.json.error.message, path).toMatch(/^"sor" is an online tuner, not a study .*its routes are under \/api\/v1\/online\/sor$/);
    }
  });

  it("keeps tuners out of the study routes: not listed, and 409 where a study is asked for under a tuner's name", async () => {
    const storage = new MemoryStorage();
    const app = createServerApp({ storage, logError: () => undefined });
    await call(app, "POST", "/online", { name: "sor", parameter: { low: 1, high: 1.9 }, seed: 1 });
    await call(app, "POST", "/studies", { name: "plain" });
    expect((await call(app, "GET", "/studies")).json.studies.map((s: { name: string }) => s.name)).toEqual(["plain"]);
    const asked = await call(app, "POST", "/studies/sor/trials", { space: { x: { type: "float", low: 0, high: 1 } } });
    expect(asked.status).toBe(409);
    expect(asked.json.error.message).toMatch(/^"sor" is an online tuner, not a study .*its routes are under \/api\/v1\/online\/sor$/);
    expect((await call(app, "GET", "/studies/sor")).status).toBe(409);
    // These two answered 200: an empty page of trials, and a delete that took the tuner's learned state with it.
    expect((await call(app, "GET", "/studies/sor/trials?since=0")).status).toBe(409);
    expect((await call(app, "DELETE", "/studies/sor")).status).toBe(409);
    expect(await storage.getStudy("sor")).not.toBeNull();
    // A tuner's name taken with other settings, or a study's name: 409 with advice for an HTTP client (was 400 naming loadOnlineTuner).
    const other = await call(app, "POST", "/online", { name: "sor", parameter: { low: 1, high: 2 }, seed: 1 });
    expect([other.status, other.json.error.field, other.json.error.code]).toEqual([409, "body.name", "online_settings_conflict"]);
    expect(other.json.error.message).toMatch(/^online tuner "sor" exists with other settings \(parameter\.high 1\.9, not 2\); use it as it is \(GET or POST its routes\), or create one under another name$/);
    const study = await call(app, "POST", "/online", { name: "plain", parameter: { low: 1, high: 2 } });
    // A study's name: its own code, so a client does not take it for a tuner with other settings.
    expect([study.status, study.json.error.field, study.json.error.code]).toEqual([409, "body.name", "online_name_taken"]);
    // A tuner route given a study's name: the path's name is at fault.
    const read = await call(app, "GET", "/online/plain");
    expect([read.status, read.json.error.field, read.json.error.code]).toEqual([409, "path.tuner", "online_name_taken"]);
    const made = await call(app, "POST", "/studies", { name: "sor", loadIfExists: true });
    expect([made.status, made.json.error.field]).toEqual([409, "body.name"]);
    expect((await storage.trialsSince((await storage.getStudy("sor"))!.id, 0)).trials).toEqual([]);
  });

  it("answers bad requests with the field at fault, and unknown tuners with 404", async () => {
    const app = createServerApp({ storage: new MemoryStorage(), logError: () => undefined });
    expect((await call(app, "POST", "/online/none/choose", {})).status).toBe(404);
    // Semantic 400s had no field and no "body." in their message, unlike the schema's own 400s.
    const bad = await call(app, "POST", "/online", { name: "x", parameter: { low: 2, high: 1 } });
    expect(bad.json.error).toEqual({ status: 400, message: "body.parameter: parameter.low and parameter.high must be finite with low < high, got 2 and 1", field: "body.parameter" });
    const noContext = await call(app, "POST", "/online", { name: "x", parameter: { low: 0, high: 1 }, algorithm: "chebcb" });
    expect([noContext.status, noContext.json.error.field]).toEqual([400, "body.context"]);
    // Within the schema's limits, a state too large to keep: it took the server down.
    const huge = await call(app, "POST", "/online", { name: "x", parameter: { low: 0, high: 1, arms: 10_000 }, algorithm: "chebcb", context: { low: Array(64).fill(0), high: Array(64).fill(1), degree: 16 } });
    expect([huge.status, huge.json.error.field]).toEqual([400, "body.context"]);
    expect(huge.json.error.message).toMatch(/^body\.context: a chebcb tuner keeps a 1025×1025 regression per arm/);
    const logLow = await call(app, "POST", "/online", { name: "x", parameter: { low: 0, high: 1, log: true } });
    expect([logLow.status, logLow.json.error.field]).toEqual([400, "body.parameter.low"]);
    await call(app, "POST", "/online", { name: "ctx", parameter: { low: 0, high: 1 }, algorithm: "chebcb", context: { low: [0], high: [1] } });
    const missing = await call(app, "POST", "/online/ctx/choose", {});
    expect([missing.status, missing.json.error.field]).toEqual([400, "body.context"]);
    expect(missing.json.error.message).toMatch(/^body\.context: the chebcb tuner needs a context/);
    // Observe before choose was a 400 that named the library's observe() and choose(): the request is
    // fine, the tuner's state is not ready for it.
    const early = await call(app, "POST", "/online/ctx/observe", { cost: 1 });
    expect(early.json.error).toEqual({
      status: 409,
      message: "no choice is waiting for its cost: POST to the tuner's /choose first, then observe the cost of the instance solved with the value it answers",
      field: "path.tuner",
      code: "online_order",
    });
    expect((await call(app, "POST", "/online/ctx/choose", { context: [0.2] })).status).toBe(200);
    const other = await call(app, "POST", "/online/ctx/choose", { context: [0.4] });
    expect([other.status, other.json.error.field, other.json.error.code]).toEqual([409, "body.context", "online_order"]);
    expect(other.json.error.message).toMatch(/^body\.context: a choice made for another context is waiting for its cost: POST that cost to the tuner's \/observe first/);
    const field = await call(app, "POST", "/online/ctx/observe", { cost: "high" });
    expect(field.json.error.field).toBe("body.cost");
    // Created with 201, and unreachable: a URL path cannot carry "..", as it cannot for a study.
    for (const name of ["..", " ", "a\nb"]) {
      const refused = await call(app, "POST", "/online", { name, parameter: { low: 0, high: 1 } });
      expect([refused.status, refused.json.error.field]).toEqual([400, "body.name"]);
    }
    const openapi = await call(app, "GET", "/openapi.json");
    expect(Object.keys(openapi.json.paths)).toContain("/api/v1/online/{tuner}/choose");
  });
});
