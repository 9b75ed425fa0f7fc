/**
 * An HTTP ask or suggestion whose sampler blocks the server for longer than another process's
 * reaper grace (a GP on a long history takes seconds) does not get its trial failed by that reaper
 * meanwhile: the server beats for the trial from its heartbeat thread while the sampler runs. Runs
 * a reaper process against dist/ (`npm run build` first).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { RANDOM_OPTIONS, RandomSampler, registerSampler } from "../src/index.js";
import { type Storage, openStorage } from "../src/storage/index.js";
import { createServerApp } from "../src/server/app.js";
import { FIXTURES, tempDir } from "./fixtures/cli-run.js";

let blockMs = 0;
const random = new RandomSampler({ seed: 1 });
registerSampler({
  name: "test-blocking",
  description: "blocks the process for blockMs on each suggestion",
  options: RANDOM_OPTIONS,
  create: () => ({
    name: "test-blocking",
    inferRelativeSpace: () => ({}),
    sampleRelative: () => ({}),
    sampleIndependent: (snapshot, trial, name, distribution) => {
      for (const until = Date.now() + blockMs; Date.now() < until; );
      return random.sampleIndependent(snapshot, trial, name, distribution);
    },
  }),
});

const X = { type: "float", low: 0, high: 1 };
let dir: string;
let cleanup: () => void;
let url: string;
let storage: Storage;
let reaper: ChildProcess | undefined;
let app: ReturnType<typeof createServerApp>;

beforeEach(async () => {
  ({ dir, cleanup } = tempDir("sextant-slow-ask-"));
  url = `sqlite:${join(dir, "runs.db")}`;
  storage = await openStorage(url);
  // Workers of this study beat every 0.5 s, and fail what is silent for 1.5 s.
  await storage.createStudy("slow", ["minimize"], {
    systemAttrs: { "server:sampler": { name: "test-blocking", options: {} }, "cli:config": { version: 1, heartbeat: { intervalSeconds: 0.5, graceSeconds: 1.5 } } },
  });
  app = createServerApp({ storage, heartbeatGraceSeconds: 1.5, logError: () => undefined });
});
afterEach(async () => {
  blockMs = 0;
  reaper?.kill("SIGKILL");
  await storage.close();
  cleanup();
});

/** Another worker of the study, reduced to its reaper (1.5 s grace), once it reaps; `output()` is what it printed. */
async function startReaper(): Promise<{ output: () => string }> {
  const child = spawn(process.execPath, [join(FIXTURES, "reap-loop.mjs"), url, "slow", "1.5", "20000"], { stdio: ["ignore", "pipe", "inherit"] });
  reaper = child;
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`the reaper ended (code ${code}) before it started`)));
  });
  return { output: () => out };
}

async function post(path: string, body: unknown): Promise<{ status: number; json: any }> {
  const response = await app.request(`/api/v1${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, json: await response.json() };
}

async function states(): Promise<Array<[number, string]>> {
  const record = await storage.getStudy("slow");
  return (await storage.trialsSince(record!.id, 0)).trials.map((t) => [t.number, t.state]);
}

it("beats for a trial while its ask's sampler blocks, so another process's reaper leaves it and the client gets it", async () => {
  const other = await startReaper();
  blockMs = 3000;
  const asked = await post("/studies/slow/trials", { space: { x: X } });
  blockMs = 0;
  // The reaper failed it while it sampled, as one left by a dead ask, and the client got 409.
  expect([asked.status, asked.json.trial?.number]).toEqual([201, 0]);
  expect(asked.json.trial.systemAttrs).toMatchObject({ "server:askPending": false, heartbeat: null });
  // A client that does not beat keeps its trial, answered, however long it runs.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  expect(other.output()).toBe("ready\n");
  expect(await states()).toEqual([[0, "running"]]);
}, 30_000);

it("beats for a beating client's trial while a suggestion's sampler blocks the server, and its client's beats with it", async () => {
  const other = await startReaper();
  const asked = await post("/studies/slow/trials", { heartbeatIntervalSeconds: 0.5 });
  expect(asked.status).toBe(201);
  blockMs = 3000;
  const suggested = await post("/studies/slow/trials/0/suggest", { name: "x", distribution: X });
  blockMs = 0;
  // The reaper failed it while the server could take no beat, and the client got 409.
  expect(suggested.status).toBe(200);
  expect(await states()).toEqual([[0, "running"]]);
  expect(other.output()).toBe("ready\n");
}, 30_000);
