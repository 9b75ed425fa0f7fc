// Server suite (a real `sextant serve` process on a SQLite file): malformed, oversized and
// wrongly typed requests to every route of the OpenAPI document. Each must get a 4xx, and the
// server must stay up with its data unchanged.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "./fixtures/cli-run.js";
import { type ServeProcess, startServe } from "./fixtures/serve-run.js";

let server: ServeProcess;
let cleanup: () => void;

async function send(method: string, path: string, body?: string, contentType = "application/json") {
  const response = await fetch(`${server.url}${path}`, {
    method,
    ...(body !== undefined ? { body, headers: { "content-type": contentType } } : {}),
  });
  return { status: response.status, text: await response.text() };
}

async function json(method: string, path: string, body?: unknown) {
  const answer = await send(method, path, body === undefined ? undefined : JSON.stringify(body));
  expect(answer.status, answer.text).toBeLessThan(300);
  return JSON.parse(answer.text);
}

/** Everything a client can read: studies, one study's summary, its trials. */
async function snapshot(): Promise<string> {
  const studies = await json("GET", "/api/v1/studies");
  const study = await json("GET", "/api/v1/studies/fz");
  const trials = await json("GET", "/api/v1/studies/fz/trials?limit=1000");
  return JSON.stringify({ studies, study, trials });
}

/** A valid body per POST route; the fuzzer only ever sends broken versions of it. */
const TEMPLATES: Record<string, Record<string, unknown>> = {
  "/api/v1/studies": { name: "fuzz-new", direction: "minimize", loadIfExists: false, sampler: { name: "random", options: { seed: 1 } } },
  "/api/v1/studies/{study}/trials": { space: { x: { type: "float", low: 0, high: 1, log: false } } },
  "/api/v1/studies/{study}/trials/{number}/suggest": { name: "y", distribution: { type: "int", low: 0, high: 3 } },
  "/api/v1/studies/{study}/trials/{number}/report": { step: 0, value: 1 },
  "/api/v1/studies/{study}/trials/{number}/tell": { state: "complete", values: [1] },
  "/api/v1/studies/{study}/trials/{number}/user-attrs": { key: "note", value: "x" },
  "/api/v1/online": { name: "fz-online", parameter: { low: 1, high: 2, arms: 4 }, algorithm: "exp3", seed: 1 },
  "/api/v1/online/{tuner}/choose": { context: [0.5] },
  "/api/v1/online/{tuner}/observe": { cost: 1 },
};

/** Places in a template that take any JSON value, so no value there is of a wrong type. */
const ANY_TYPE = new Set(["/api/v1/studies/{study}/trials/{number}/user-attrs value"]);
/** Places that take null as well as their template's type: a report's value, where null is NaN. */
const TAKES_NULL = new Set(["/api/v1/studies/{study}/trials/{number}/report value"]);

function concrete(path: string): string {
  return path.replace("{study}", "fz").replace("{number}", "3").replace("{tuner}", "fz-tuner");
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function typeOf(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

const anyJson: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 20 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

/** Every place in a body where a value sits, as a key path. */
function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  const paths: string[][] = prefix.length > 0 ? [prefix] : [];
  if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) paths.push(...pathsOf(child, [...prefix, key]));
  }
  return paths;
}

function withValueAt(body: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(body);
  let node = copy as Record<string, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

function valueAt(body: unknown, path: string[]): unknown {
  return path.reduce((node, key) => (node as Record<string, unknown>)[key], body);
}

beforeAll(async () => {
  const made = tempDir("sextant-fuzz-");
  cleanup = made.cleanup;
  server = await startServe(made.dir);
  await json("POST", "/api/v1/studies", { name: "fz", sampler: { name: "random", options: { seed: 7 } } });
  for (let i = 0; i < 3; i++) {
    await json("POST", "/api/v1/studies/fz/trials", { space: { x: { type: "float", low: 0, high: 1 } } });
    await json("POST", `/api/v1/studies/fz/trials/${i}/tell`, { state: "complete", values: [i] });
  }
  await json("POST", "/api/v1/studies/fz/trials");
  await json("POST", "/api/v1/studies/fz/trials/3/suggest", { name: "y", distribution: { type: "int", low: 0, high: 3 } });
});

afterAll(async () => {
  await server?.stop();
  cleanup?.();
});

describe("sextant serve under hostile input", () => {
  it("answers every broken request to every route with a 4xx and keeps its data", async () => {
    const before = await snapshot();
    const doc = await json("GET", "/api/v1/openapi.json");
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })),
    );
    expect(routes.length).toBeGreaterThanOrEqual(11);
    const runs = { numRuns: 10 };
    const seen: string[] = [];
    const expect4xx = (what: string, answer: { status: number; text: string }) => {
      seen.push(what);
      if (answer.status < 400 || answer.status >= 500) throw new Error(`${what}: got ${answer.status} ${answer.text}`);
      const parsed = JSON.parse(answer.text) as { error?: { message?: string } };
      if (typeof parsed.error?.message !== "string") throw new Error(`${what}: no error message in ${answer.text}`);
      if (/\bat \S+\.(js|ts):\d+/.test(answer.text)) throw new Error(`${what}: stack trace in ${answer.text}`);
    };

    for (const { method, path } of routes) {
      const url = concrete(path);
      // Broken path parameters: control characters, slashes, huge or non-numeric trial numbers.
      if (path.includes("{")) {
        const badStudies = ["%01", "x".repeat(201), "%2F", "no-such-study"];
        const badNumbers = ["-1", "abc", "1e3", "99999999999", "3.5"];
        for (const bad of badStudies) {
          const target = path.replace("{study}", bad).replace("{number}", "3");
          const body = TEMPLATES[path] ? JSON.stringify(TEMPLATES[path]) : undefined;
          expect4xx(`${method} ${target}`, await send(method, target, method === "POST" ? body : undefined));
        }
        if (path.includes("{number}")) {
          for (const bad of badNumbers) {
            const target = path.replace("{study}", "fz").replace("{number}", bad);
            const body = TEMPLATES[path] ? JSON.stringify(TEMPLATES[path]) : undefined;
            expect4xx(`${method} ${target}`, await send(method, target, method === "POST" ? body : undefined));
          }
        }
      }
      // Broken query strings: unknown keys, negative or non-numeric values, repeated keys.
      if (method === "GET") {
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              fc.tuple(fc.constantFrom("since", "limit"), fc.constantFrom("-1", "x", "1.5", "", "1e2", "99999999999999999")),
              // Not a whole number: /table takes ?offset=N, and "offset=0" there is a valid request (it
              // failed this test once, fast-check's seed -212527278).
              fc.tuple(fc.constantFrom("offset", "page", "__proto__", "Since"), fc.string({ maxLength: 5 }).filter((v) => !/^\d+$/.test(v))),
            ),
            async ([key, value]) => {
              expect4xx(`${method} ${url}?${key}=${value}`, await send(method, `${url}?${encodeURIComponent(key)}=${encodeURIComponent(value)}`));
            },
          ),
          runs,
        );
        if (path.endsWith("/trials")) expect4xx(`${method} ${url}?since=1&since=2`, await send(method, `${url}?since=1&since=2`));
        continue;
      }
      const takesBody = Boolean((doc.paths[path] as Record<string, { requestBody?: unknown }>)[method.toLowerCase()]!.requestBody);
      if (!takesBody) {
        // A route without a body refuses one rather than ignoring it (DELETE /studies/fz included).
        await fc.assert(
          fc.asyncProperty(fc.oneof(fc.string({ minLength: 1, maxLength: 30 }).filter((t) => t.trim() !== ""), anyJson.map((v) => JSON.stringify(v))), async (text) =>
            expect4xx(`${method} ${url} with body ${JSON.stringify(text)}`, await send(method, url, text)),
          ),
          runs,
        );
        continue;
      }
      const template = TEMPLATES[path];
      if (!template) throw new Error(`no template body for ${method} ${path}: add one so the fuzzer covers it`);
      // Not JSON at all.
      await fc.assert(
        fc.asyncProperty(
          fc.string({ maxLength: 40 }).map((s) => `{${s}`).filter((s) => {
            try {
              JSON.parse(s);
              return false;
            } catch {
              return true;
            }
          }),
          async (text) => expect4xx(`${method} ${url} malformed ${JSON.stringify(text)}`, await send(method, url, text)),
        ),
        runs,
      );
      // JSON, but not an object.
      await fc.assert(
        fc.asyncProperty(
          anyJson.filter((v) => typeOf(v) !== "object"),
          async (value) => expect4xx(`${method} ${url} non-object ${JSON.stringify(value)}`, await send(method, url, JSON.stringify(value))),
        ),
        runs,
      );
      // A valid body plus a field the route does not have.
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...pathsOf(template).filter((p) => typeOf(valueAt(template, p)) === "object").concat([[]])), anyJson, async (at, value) => {
          const target = at.length === 0 ? { ...template } : withValueAt(template, at, { ...(valueAt(template, at) as object) });
          const holder = at.length === 0 ? target : (valueAt(target, at) as Record<string, unknown>);
          holder.fuzzUnknownField = value;
          expect4xx(`${method} ${url} unknown field at ${at.join(".")}`, await send(method, url, JSON.stringify(target)));
        }),
        runs,
      );
      // A valid body with one value of the wrong type.
      for (const at of pathsOf(template).filter((p) => !ANY_TYPE.has(`${path} ${p.join(".")}`))) {
        const original = valueAt(template, at);
        await fc.assert(
          fc.asyncProperty(
            anyJson.filter((v) => typeOf(v) !== typeOf(original) && !(v === null && TAKES_NULL.has(`${path} ${at.join(".")}`))),
            async (value) => expect4xx(`${method} ${url} ${at.join(".")}=${JSON.stringify(value)}`, await send(method, url, JSON.stringify(withValueAt(template, at, value)))),
          ),
          { numRuns: 4 },
        );
      }
      // Oversized: twice the default limit, and a deeply nested one.
      expect4xx(`${method} ${url} oversized`, await send(method, url, JSON.stringify({ ...template, pad: "x".repeat(2 * 1024 * 1024) })));
      expect4xx(`${method} ${url} deep`, await send(method, url, `${"[".repeat(100_000)}${"]".repeat(100_000)}`));
      // Not declared as JSON.
      expect4xx(`${method} ${url} as text/plain`, await send(method, url, JSON.stringify(template), "text/plain"));
    }
    expect(seen.length).toBeGreaterThan(300);
    expect((await send("GET", "/api/v1/health")).status).toBe(200);
    expect(await snapshot()).toBe(before);
  }, 240_000);
});
