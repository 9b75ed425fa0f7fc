/**
 * An HTTP ask whose sampler blocks the server for longer than another process's reaper grace (a
 * GP on a long history takes seconds) is not failed by that reaper while it runs: the server beats
 * for it from its heartbeat thread until the ask is answered. Runs a reaper process against dist/
 * (`npm run build` first).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { RANDOM_OPTIONS, RandomSampler, registerSampler } from "../src/index.js";
import { openStorage } from "../src/storage/index.js";
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

it("beats for a trial while its ask's sampler blocks, so another process's reaper leaves it and the client gets it", async () => {
  const { dir, cleanup } = tempDir("sextant-slow-ask-");
  const url = `sqlite:${join(dir, "runs.db")}`;
  const storage = await openStorage(url);
  try {
    // Workers of this study beat every 0.5 s, and the reaper below fails what is silent for 1.5 s.
    await storage.createStudy("slow", ["minimize"], {
      systemAttrs: { "server:sampler": { name: "test-blocking", options: {} }, "cli:config": { version: 1, heartbeat: { intervalSeconds: 0.5, graceSeconds: 1.5 } } },
    });
    const app = createServerApp({ storage, heartbeatGraceSeconds: 1.5, logError: () => undefined });
    const reaper = spawn(process.execPath, [join(FIXTURES, "reap-loop.mjs"), url, "slow", "1.5", "5000"], { stdio: ["ignore", "pipe", "inherit"] });
    let reaperOut = "";
    await new Promise<void>((resolve, reject) => {
      reaper.stdout!.on("data", (d: Buffer) => {
        reaperOut += d.toString();
        if (reaperOut.includes("ready")) resolve();
      });
      reaper.once("exit", (code) => reject(new Error(`the reaper ended (code ${code}) before it started`)));
    });
    const reaperDone = new Promise((resolve) => reaper.once("exit", resolve));
    blockMs = 3000;
    const response = await app.request("/api/v1/studies/slow/trials", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ space: { x: { type: "float", low: 0, high: 1 } } }),
    });
    blockMs = 0;
    const answer = (await response.json()) as { trial: { number: number; systemAttrs: Record<string, unknown> } };
    // The reaper failed it while it sampled, as one left by a dead ask, and the client got 409.
    expect([response.status, answer.trial?.number]).toEqual([201, 0]);
    expect(answer.trial.systemAttrs).toMatchObject({ "server:askPending": false, heartbeat: null });
    await reaperDone;
    expect(reaperOut).toBe("ready\n");
    const record = await storage.getStudy("slow");
    // A client that does not beat keeps its trial, answered, however long it runs.
    expect((await storage.trialsSince(record!.id, 0)).trials.map((t) => [t.number, t.state])).toEqual([[0, "running"]]);
  } finally {
    await storage.close();
    cleanup();
  }
}, 30_000);
