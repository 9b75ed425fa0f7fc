#!/usr/bin/env node
// Cold study listing (`sextant studies`, the service's GET /studies after a start): the time of a
// fresh storage object's first listStudies() beside a large single-objective study and a large
// constrained one, against the aggregate query listStudies ran before (kept below as REFERENCE_*,
// run on the same database in the same run). Both must give the same figures; the script checks.
//
// Usage: node bench/listing-aggregate.mjs [--trials 100000] [--url postgres://postgres@127.0.0.1:5432/test] [--skip-postgres] [--skip-sqlite]
// PostgreSQL runs in a scratch schema of its own, dropped at the end. Needs dist/ (npm run build).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual, parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));
const sextant = await import(join(root, "dist/index.js"));
const Database = require("better-sqlite3");
const pg = require("pg");

const { values: args } = parseArgs({
  options: {
    trials: { type: "string", default: "100000" },
    url: { type: "string", default: process.env.SEXTANT_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test" },
    "skip-postgres": { type: "boolean", default: false },
    "skip-sqlite": { type: "boolean", default: false },
  },
});
const trials = Number(args.trials);
const log = (message) => process.stderr.write(`${message}\n`);

// The aggregate listStudies ran before, verbatim but for the table names: every use of a trial's
// feasibility or first value re-parsed its JSON.
const REFERENCE_SQLITE = `WITH wanted(id) AS (SELECT value FROM json_each(?))
       SELECT study_id, state, COUNT(*) AS n,
         MIN(CASE WHEN feasible AND json_type(objective_values, '$[0]') IN ('integer', 'real') THEN json_extract(objective_values, '$[0]') END) AS min_value,
         MAX(CASE WHEN feasible AND json_type(objective_values, '$[0]') IN ('integer', 'real') THEN json_extract(objective_values, '$[0]') END) AS max_value,
         MAX(feasible AND json_extract(objective_values, '$[0]') = '-inf') AS has_neg_inf,
         MAX(feasible AND json_extract(objective_values, '$[0]') = 'inf') AS has_pos_inf
       FROM (SELECT study_id, state, objective_values,
               state = 'complete' AND CASE json_type(system_attrs, '$.constraints')
                 WHEN 'array' THEN NOT EXISTS (SELECT 1 FROM json_each(system_attrs, '$.constraints') WHERE type NOT IN ('integer', 'real') OR value > 0)
                 ELSE (json_type(system_attrs, '$.constraints') IS NULL OR json_type(system_attrs, '$.constraints') = 'null')
                   AND study_id NOT IN (SELECT study_id FROM trials WHERE study_id IN (SELECT id FROM wanted) AND state = 'complete' AND json_type(system_attrs, '$.constraints') = 'array')
               END AS feasible
             FROM trials WHERE study_id IN (SELECT id FROM wanted))
       GROUP BY study_id, state`;
const referencePostgres = (schema) => {
  const trialsTable = `"${schema}".sextant_trials`;
  const attrs =
    "(CASE WHEN strpos(system_attrs, chr(92) || 'u') = 0 THEN system_attrs " +
    "ELSE regexp_replace(system_attrs, chr(92) || chr(92) || 'u(0000|[dD][89a-fA-F][0-9a-fA-F]{2})', chr(92) || chr(92) || 'ufffd', 'g') END)::jsonb";
  return `SELECT study_id, state, COUNT(*) AS n,
         MIN(CASE WHEN feasible AND jsonb_typeof(objective_values::jsonb -> 0) = 'number' THEN (objective_values::jsonb ->> 0)::float8 END) AS min_value,
         MAX(CASE WHEN feasible AND jsonb_typeof(objective_values::jsonb -> 0) = 'number' THEN (objective_values::jsonb ->> 0)::float8 END) AS max_value,
         COALESCE(BOOL_OR(feasible AND objective_values::jsonb ->> 0 = '-inf'), false) AS has_neg_inf,
         COALESCE(BOOL_OR(feasible AND objective_values::jsonb ->> 0 = 'inf'), false) AS has_pos_inf
       FROM (SELECT study_id, state, objective_values,
               CASE WHEN state <> 'complete' THEN false
                 WHEN jsonb_typeof(${attrs} -> 'constraints') = 'array' THEN NOT EXISTS (
                   SELECT 1 FROM jsonb_array_elements(${attrs} -> 'constraints') AS c(v)
                   WHERE jsonb_typeof(c.v) <> 'number' OR (c.v #>> '{}')::float8 > 0)
                 ELSE COALESCE(jsonb_typeof(${attrs} -> 'constraints'), 'null') = 'null'
                   AND study_id NOT IN (SELECT study_id FROM ${trialsTable} WHERE study_id = ANY($1::int8[]) AND state = 'complete' AND jsonb_typeof(${attrs} -> 'constraints') = 'array')
               END AS feasible
             FROM ${trialsTable} WHERE study_id = ANY($1::int8[])) AS judged
       GROUP BY study_id, state`;
};

/** The reference rows as the figures listStudies gives: counts by state and the best value. */
function figures(directionsById, rows) {
  const out = {};
  for (const row of rows) {
    const id = Number(row.study_id);
    out[id] ??= { counts: {}, best: null };
    out[id].counts[row.state] = Number(row.n);
    if (row.state !== "complete") continue;
    out[id].best = directionsById[id] === "minimize" ? (row.has_neg_inf ? -Infinity : row.min_value) : row.has_pos_inf ? Infinity : row.max_value;
  }
  return out;
}

function listedFigures(listed) {
  const out = {};
  for (const study of listed) {
    const counts = Object.fromEntries(Object.entries(study.trialCounts).filter(([, n]) => n > 0));
    out[study.id] = { counts, best: study.bestValue };
  }
  return out;
}

async function medianMs(repeats, fn) {
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(repeats / 2)];
}

async function seed(storageUrl) {
  const storage = await sextant.openStorage(storageUrl);
  try {
    const distributions = { x: { type: "float", low: 0, high: 1 } };
    const studies = [
      await storage.createStudy("plain", ["minimize"]),
      await storage.createStudy("constrained", ["maximize"]),
    ];
    for (const [s, study] of studies.entries()) {
      for (let start = 0; start < trials; start += 1000) {
        const batch = [];
        for (let i = start; i < Math.min(trials, start + 1000); i++) {
          const state = i % 10 === 0 ? "pruned" : i % 17 === 0 ? "failed" : "complete";
          const value = ((i * 7919) % trials) / trials;
          batch.push({
            state,
            params: { x: value },
            distributions,
            values: state === "failed" ? null : [value],
            intermediate: i % 5 === 0 ? { 0: value, 1: value / 2 } : {},
            userAttrs: { i },
            systemAttrs: s === 1 ? { constraints: [value - 0.9, -value] } : {},
            startedAt: i,
            finishedAt: i + 1,
          });
        }
        await storage.insertTrials(study.id, batch);
      }
    }
    return Object.fromEntries(studies.map((study) => [study.id, study.directions[0]]));
  } finally {
    await storage.close();
  }
}

async function measure(label, storageUrl, runReference) {
  log(`${label}: seeding 2 studies of ${trials} trials ...`);
  const directions = await seed(storageUrl);
  const ids = Object.keys(directions).map(Number);
  let listed;
  const current = await medianMs(3, async () => {
    const fresh = await sextant.openStorage(storageUrl, { readOnly: true });
    try {
      listed = await fresh.listStudies();
    } finally {
      await fresh.close();
    }
  });
  let referenceRows;
  const reference = await medianMs(3, async () => {
    referenceRows = await runReference(ids);
  });
  const same = isDeepStrictEqual(figures(directions, referenceRows), listedFigures(listed));
  if (!same) throw new Error(`${label}: the listing and the reference disagree: ${JSON.stringify(listedFigures(listed))} vs ${JSON.stringify(figures(directions, referenceRows))}`);
  console.log(`| ${label} | ${(2 * trials).toLocaleString("en-US")} | ${reference.toFixed(0)} ms | ${current.toFixed(0)} ms | ${(reference / current).toFixed(2)}x | same figures |`);
}

console.log(`# Cold listStudies() against the previous aggregate (${new Date().toISOString()}, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")})`);
console.log("| backend | trials | previous aggregate (reference) | listStudies() now, fresh storage | speed-up | check |");
console.log("| --- | --- | --- | --- | --- | --- |");
if (!args["skip-sqlite"]) {
  const dir = mkdtempSync(join(tmpdir(), "sextant-bench-listing-"));
  try {
    const file = join(dir, "listing.db");
    await measure("SQLite", `sqlite:${file}`, async (ids) => {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare(REFERENCE_SQLITE).all(JSON.stringify(ids));
      } finally {
        db.close();
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (!args["skip-postgres"]) {
  const schema = `bench_listing_${randomBytes(4).toString("hex")}`;
  const client = new pg.Client({ connectionString: args.url });
  await client.connect();
  try {
    await measure("PostgreSQL", `${args.url}${args.url.includes("?") ? "&" : "?"}schema=${schema}`, async (ids) => (await client.query(referencePostgres(schema), [ids])).rows);
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}
