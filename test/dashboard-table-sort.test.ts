// The trial table sorted by any objective on the server, and the report carrying every order its
// columns sort in (and a contour of every pair), checked without a browser.
import { describe, expect, it } from "vitest";
import { createServerApp } from "../src/server/app.js";
import * as ui from "../src/server/dashboard-schemas.js";
import { REPORT_SORTED_ROWS, REPORT_TABLE_ROWS, buildReport } from "../src/server/report.js";
import type { Distribution } from "../src/space/index.js";
import { MemoryStorage } from "../src/storage/index.js";

const X: Distribution = { type: "float", low: 0, high: 10 };
const LAYERS: Distribution = { type: "int", low: 1, high: 4 };
const CHOICES = ["adam", "sgd", "rmsprop"];
const OPT: Distribution = { type: "categorical", choices: CHOICES };

/**
 * Three objectives that each order the trials differently: objective 0 grows with the trial
 * number, objective 1 falls, objective 2 is largest in the middle. Every 6th trial fails (no values).
 */
async function threeObjectives(n: number) {
  const storage = new MemoryStorage();
  const study = await storage.createStudy("mo", ["minimize", "maximize", "minimize"]);
  const expected: { number: number; values: number[] | null }[] = [];
  for (let i = 0; i < n; i++) {
    const trial = await storage.createTrial(study.id, { state: "running" });
    const failed = i % 6 === 5;
    const values = failed ? null : [i, 100 - 3 * i, -((i - n / 2) ** 2)];
    const params = { x: { value: i % 10, distribution: X }, layers: { value: 1 + (i % 4), distribution: LAYERS }, opt: { value: CHOICES[i % 3]!, distribution: OPT } };
    await storage.updateTrial(trial.id, { params, state: failed ? "failed" : "complete", values });
    expected.push({ number: i, values });
  }
  return { storage, app: createServerApp({ storage, dashboard: false }), expected };
}

async function get(app: ReturnType<typeof createServerApp>, path: string): Promise<{ status: number; json: any }> {
  const response = await app.request(`/api/v1${path}`);
  return { status: response.status, json: await response.json() };
}

/** Trial numbers by objective k, missing values last in either order, ties by number. */
function expectedOrder(trials: { number: number; values: number[] | null }[], k: number, descending: boolean): number[] {
  const present = trials.filter((t) => t.values !== null).sort((a, b) => (descending ? b.values![k]! - a.values![k]! : a.values![k]! - b.values![k]!) || a.number - b.number);
  return [...present, ...trials.filter((t) => t.values === null)].map((t) => t.number);
}

describe("the trial table sorted by each objective", () => {
  it("sorts by objective K with sort=value:K, either way, whatever objective the value filter refers to", async () => {
    const { app, expected } = await threeObjectives(30);
    for (const k of [0, 1, 2]) {
      for (const order of ["asc", "desc"] as const) {
        const answer = await get(app, `/studies/mo/table?sort=value:${k}&order=${order}&limit=500`);
        expect(answer.status).toBe(200);
        expect(ui.TableResponse.safeParse(answer.json).success).toBe(true);
        expect(answer.json.rows.map((r: { number: number }) => r.number), `value:${k} ${order}`).toEqual(expectedOrder(expected, k, order === "desc"));
      }
    }
    // Plain `value` is still the filter's objective (the first by default).
    const plain = await get(app, "/studies/mo/table?sort=value&limit=500");
    expect(plain.json.rows.map((r: { number: number }) => r.number)).toEqual(expectedOrder(expected, 0, false));
    const ofFilter = await get(app, "/studies/mo/table?sort=value&objective=1&limit=500");
    expect(ofFilter.json.rows.map((r: { number: number }) => r.number)).toEqual(expectedOrder(expected, 1, false));
    // Sorting by objective 1 leaves the value range on objective 0: trials 10 to 20, by objective 1.
    const ranged = await get(app, "/studies/mo/table?sort=value:1&order=desc&valueMin=10&valueMax=20&limit=500");
    expect(ranged.json.rows.map((r: { number: number }) => r.number)).toEqual(expectedOrder(expected.filter((t) => t.values && t.values[0]! >= 10 && t.values[0]! <= 20), 1, true));
    // Pages of one order follow on from each other.
    const pages = [0, 10, 20].map((offset) => get(app, `/studies/mo/table?sort=value:2&order=desc&offset=${offset}&limit=10`));
    const paged = (await Promise.all(pages)).flatMap((p) => p.json.rows.map((r: { number: number }) => r.number));
    expect(paged).toEqual(expectedOrder(expected, 2, true));
  });

  it("answers 400 naming query.sort for an objective the study lacks or a malformed sort", async () => {
    const { app } = await threeObjectives(6);
    for (const sort of ["value:3", "value:15", "value:123", "value:", "value:x", "value:-1", "values", "objective:1"]) {
      const answer = await get(app, `/studies/mo/table?sort=${encodeURIComponent(sort)}`);
      expect(answer.status, sort).toBe(400);
      expect(answer.json.error.field, sort).toBe("query.sort");
    }
  });
});

describe("a report's table and contours", () => {
  const assets = new Map(
    Object.entries({
      "/index.html": '<html><head><title>Sextant dashboard</title><script type="module" crossorigin src="./assets/a.js"></script><link rel="stylesheet" crossorigin href="./assets/a.css"></head><body></body></html>',
      "/assets/a.js": "console.log('dashboard')",
      "/assets/a.css": "body{}",
    }).map(([path, text]) => {
      const body = new TextEncoder().encode(text);
      return [path, { body, gzipped: body, type: "text/plain" }];
    }),
  );
  const reportData = (html: string) => JSON.parse(/<script type="application\/json" id="sextant-report">(.*?)<\/script>/s.exec(html)![1]!);

  it("carries every order the table's columns sort in, as the server sorts, and each row once", async () => {
    const { storage, app, expected } = await threeObjectives(30);
    const data = reportData(await buildReport(storage, "mo", { assets }));
    const keys = ["number", "state", "value", "value:1", "value:2", "duration", "param:x", "param:layers", "param:opt"];
    expect(Object.keys(data.table.orders).sort()).toEqual(keys.flatMap((k) => [`${k} asc`, `${k} desc`]).sort());
    for (const key of keys) {
      for (const order of ["asc", "desc"]) {
        const answer = await get(app, `/studies/mo/table?sort=${encodeURIComponent(key)}&order=${order}&limit=500`);
        expect(data.table.orders[`${key} ${order}`], `${key} ${order}`).toEqual(answer.json.rows.map((r: { number: number }) => r.number));
      }
    }
    expect(data.table.orders["value:1 desc"]).toEqual(expectedOrder(expected, 1, true));
    expect(Object.keys(data.table.rows)).toHaveLength(30);
    expect(data.table.total).toBe(30);
    // The rows are no longer repeated as table pages among the answers.
    expect(Object.keys(data.answers).filter((path) => path.includes("/table"))).toEqual([]);
  });

  it("of a large study, carries the first rows by number and the first of each other order, each row once", async () => {
    const { storage, app } = await threeObjectives(REPORT_TABLE_ROWS + 10);
    const data = reportData(await buildReport(storage, "mo", { assets }));
    expect(data.table.orders["number asc"]).toEqual(Array.from({ length: REPORT_TABLE_ROWS }, (_, i) => i));
    const best = await get(app, `/studies/mo/table?sort=value:1&order=desc&limit=${REPORT_SORTED_ROWS}`);
    expect(data.table.orders["value:1 desc"]).toEqual(best.json.rows.map((r: { number: number }) => r.number));
    const held = new Set(Object.values(data.table.orders as Record<string, number[]>).flat());
    expect(Object.keys(data.table.rows).map(Number).sort((a, b) => a - b)).toEqual([...held].sort((a, b) => a - b));
    expect(data.table.total).toBe(REPORT_TABLE_ROWS + 10);
  });

  it("carries a contour of each pair of parameters, categorical ones too, integers binned on integers", async () => {
    const { storage } = await threeObjectives(30);
    const data = reportData(await buildReport(storage, "mo", { assets }));
    const contours = Object.keys(data.answers).filter((path) => path.includes("/contour?"));
    const pairs = contours.map((path) => {
      const query = new URLSearchParams(path.split("?")[1]);
      return [query.get("x"), query.get("y")].sort().join("×");
    });
    expect(pairs.sort()).toEqual(["layers×opt", "layers×x", "opt×x"]);
    const withOpt = contours.map((path) => data.answers[path]).find((c: { x: { name: string }; y: { name: string } }) => [c.x.name, c.y.name].sort().join() === "layers,opt");
    const axis = (name: string) => (withOpt.x.name === name ? withOpt.x : withOpt.y);
    expect(axis("layers").labels).toEqual(["1", "2", "3", "4"]);
    expect(axis("opt").labels).toEqual(["adam", "sgd", "rmsprop"]);
  });
});
