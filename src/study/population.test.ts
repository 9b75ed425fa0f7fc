import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { twoConnectionBackends } from "../../test/fixtures/two-connections.js";
import { MedianPruner, NopPruner } from "../pruners/index.js";
import { RandomSampler } from "../samplers/index.js";
import { PB2Scheduler, PBTScheduler, type Scheduler } from "../schedulers/index.js";
import { MemoryStorage, openStorage } from "../storage/index.js";
import type { TrialInit, TrialPatch } from "../storage/types.js";
import type { FrozenTrial } from "../space/index.js";
import { defaultCheckpointRoot } from "./checkpoints.js";
import { FolderNotWritableError } from "./folders.js";
import { commandObjective } from "./command-runner.js";
import { createStudy, loadStudy } from "./study.js";
import { type Trial, TrialPruned } from "./trial.js";

const cleanups: string[] = [];
const backends = await twoConnectionBackends("population");
afterEach(() => {
  for (const dir of cleanups.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The PBT paper's toy problem: gradient steps on Q̂(θ|h) = 1.2 − h₀θ₀² − h₁θ₁², scored by Q(θ) = 1.2 − θ₀² − θ₁². */
function toyObjective(trial: Trial): number {
  const h0 = trial.suggestFloat("h0", 0, 1);
  const h1 = trial.suggestFloat("h1", 0, 1);
  const theta = ((trial.checkpoint()?.data as number[] | undefined) ?? [0.9, 0.9]).slice();
  const { startStep, endStep } = trial.segment!;
  for (let step = startStep; step < endStep; step++) {
    theta[0] = theta[0]! - 0.05 * 2 * h0 * theta[0]!;
    theta[1] = theta[1]! - 0.05 * 2 * h1 * theta[1]!;
  }
  trial.saveCheckpoint({ data: theta });
  return 1.2 - theta[0]! ** 2 - theta[1]! ** 2;
}

async function run(scheduler: Scheduler, concurrency = 1) {
  const study = await createStudy({ direction: "maximize", scheduler });
  cleanups.push(dirname(study.segmentContext()!.store.root));
  await study.optimize(toyObjective, { concurrency });
  return study;
}

/**
 * The interleaving behind a PostgreSQL run with 7 trials for 2 × 3 segments, forced: a write
 * finishing member 0's segment 0 returns only once some loop has read the study after it, and the
 * first queueing of member 0's next segment waits for a second one (or 300 ms, when none comes).
 */
class InterleavingStorage extends MemoryStorage {
  private readAfterWrite: (() => void) | null = null;
  private readonly held = new Map<string, () => void>();
  override async updateTrial(trialId: number, patch: TrialPatch): Promise<FrozenTrial> {
    const trial = await super.updateTrial(trialId, patch);
    if (patch.state === "complete" && trial.systemAttrs["pbt:member"] === 0 && trial.systemAttrs["pbt:segment"] === 0) {
      // Loop A returns from its write only once another loop has read the study after it.
      await new Promise<void>((resolve) => (this.readAfterWrite = resolve));
    }
    return trial;
  }
  override async trialsSince(studyId: number, seq: number) {
    const changes = await super.trialsSince(studyId, seq);
    this.readAfterWrite?.();
    this.readAfterWrite = null;
    return changes;
  }
  override async createTrialOnce(studyId: number, key: string, init: TrialInit): Promise<FrozenTrial | null> {
    await this.holdFirstQueueing(init);
    return super.createTrialOnce(studyId, key, init);
  }
  override async createTrial(studyId: number, init: TrialInit): Promise<FrozenTrial> {
    await this.holdFirstQueueing(init);
    return super.createTrial(studyId, init);
  }
  private async holdFirstQueueing(init: TrialInit): Promise<void> {
    const attrs = init.systemAttrs ?? {};
    if (attrs["pbt:undecided"] === true && attrs["pbt:member"] === 0) {
      // The first queueing of member 0's next segment waits for a second one (or 300 ms, when none comes).
      const key = String(attrs["pbt:segment"]);
      const first = this.held.get(key);
      if (first) first();
      else await new Promise<void>((resolve) => {
        this.held.set(key, resolve);
        setTimeout(resolve, 300);
      });
    }
  }
}

describe("a population in a study", () => {
  it("runs population × segments trials, each recording its member, parent and starting checkpoint", async () => {
    const study = await run(new PBTScheduler({ population: 3, segments: 4, segmentSteps: 2, seed: 7 }));
    expect(study.trials).toHaveLength(12);
    expect(study.trials.every((t) => t.state === "complete")).toBe(true);
    const lineage = study.lineage();
    expect(lineage.map((m) => m.segments.map((s) => s.segment))).toEqual([[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]]);
    for (const member of lineage) {
      expect(member.segments[0]).toMatchObject({ parent: null, checkpoint: null, exploitedFrom: null });
      for (const s of member.segments.slice(1)) {
        // Each later segment starts from its parent's saved checkpoint, and keeps its parameters unless it exploited.
        const parent = study.trials[s.parent!]!;
        expect(s.checkpoint).toBe(parent.systemAttrs["pbt:saved"]);
        if (s.exploitedFrom === null) {
          expect(s.parentMember).toBe(member.member);
          expect(s.params).toEqual(parent.params);
        } else {
          expect(s.parentMember).toBe(s.exploitedFrom);
        }
      }
    }
    expect(lineage.some((m) => m.segments.some((s) => s.exploitedFrom !== null))).toBe(true);
    // The checkpoint data passed on: Q after segment s continues from where the parent stopped.
    const root = study.segmentContext()!.store.root;
    const saved = JSON.parse(readFileSync(join(root, "trial-11", "checkpoint.json"), "utf8")) as number[];
    expect(study.trials[11]!.values![0]).toBeCloseTo(1.2 - saved[0]! ** 2 - saved[1]! ** 2, 12);
  });

  it("is deterministic under a seed, and reaches Q near 1.2 on the paper's toy problem with two members", async () => {
    const decisions = async () => {
      const study = await run(new PBTScheduler({ population: 2, segments: 25, segmentSteps: 4, seed: 3 }));
      return study.trials.map((t) => [t.params, t.systemAttrs["pbt:parent"], t.values]);
    };
    const first = await decisions();
    expect(await decisions()).toEqual(first);
    const best = Math.max(...first.map((t) => (t[2] as number[])[0]!));
    expect(best).toBeGreaterThan(1.15);
  });

  it("warns when more than half the population runs at once, where early finishers are ranked against few members", async () => {
    const warnings = (population: number, concurrency: number) =>
      (async () => {
        const study = await createStudy({ direction: "maximize", scheduler: new PBTScheduler({ population, segments: 2, seed: 1 }) });
        cleanups.push(dirname(study.segmentContext()!.store.root));
        const seen: string[] = [];
        await study.optimize(toyObjective, { concurrency, onWarning: (message) => seen.push(message) });
        return seen.filter((message) => message.includes("more than half of the population"));
      })();
    const [eight, five, four, two] = await Promise.all([warnings(8, 8), warnings(8, 5), warnings(8, 4), warnings(2, 2)]);
    expect(eight).toHaveLength(1);
    expect(eight[0]).toContain("concurrency 8 runs more than half of the population's 8 members at once");
    expect(eight[0]).toContain("the same member is first every time and never does); run at most 4 at once");
    expect(five).toHaveLength(1);
    expect(five[0]).toContain("early finishers seldom exploit; run at most 4 at once");
    expect(four).toEqual([]);
    expect(two).toHaveLength(1);
  });
  it("runs its segments through ask and tell as optimize does, and says why none is ready", async () => {
    const decisions = async (asking: boolean) => {
      const study = await createStudy({ direction: "maximize", scheduler: new PBTScheduler({ population: 2, segments: 3, segmentSteps: 4, seed: 3 }) });
      cleanups.push(dirname(study.segmentContext()!.store.root));
      if (!asking) {
        await study.optimize(toyObjective);
      } else {
        // ask/tell used to create plain trials after the first segments: no member, no checkpoint.
        for (let round = 0; round < 3; round++) {
          const trials = [await study.ask(), await study.ask()];
          if (round === 0) await expect(study.ask()).rejects.toThrow(/no segment of study ".*" is queued: 2 running; tell them first/);
          for (const trial of trials) await study.tell(trial, toyObjective(trial));
          // Between ready point and claim, the queued segment's exploit decision is still to come.
          // No refresh: the tell that queued a segment shows it (it used to be missing until one).
          const next = study.lineage().map((m) => m.segments.find((x) => x.segment === round + 1));
          if (round < 2) expect(next.map((x) => x?.undecided)).toEqual([true, true]);
        }
        expect(study.lineage().every((m) => m.segments.every((x) => !x.undecided))).toBe(true);
        await expect(study.ask()).rejects.toThrow(/has no segment left to run: its population has trained every segment/);
      }
      return study.trials.map((t) => [t.systemAttrs["pbt:member"], t.systemAttrs["pbt:segment"], t.systemAttrs["pbt:parent"], t.params, t.values]);
    };
    const asked = await decisions(true);
    expect(asked.map(([member, segment]) => `${String(member)}/${String(segment)}`)).toEqual(["0/0", "1/0", "0/1", "1/1", "0/2", "1/2"]);
    expect(asked).toEqual(await decisions(false));
  });

  it("queues a failed segment again by hand as the same segment, and its member's line goes on from it", async () => {
    const study = await createStudy({ direction: "maximize", scheduler: new PBTScheduler({ population: 2, segments: 3, segmentSteps: 2, seed: 5 }) });
    cleanups.push(dirname(study.segmentContext()!.store.root));
    let flaky = true;
    await study.optimize((trial) => {
      if (flaky && trial.segment!.member === 1 && trial.segment!.index === 1) {
        flaky = false;
        trial.suggestFloat("h0", 0, 1);
        throw new Error("the node was preempted");
      }
      return toyObjective(trial);
    });
    const failed = study.trials.find((t) => t.state === "failed")!;
    // The failed segment ended member 1's line: it never trained its last segment.
    expect(study.lineage()[1]!.segments.map((s) => [s.segment, s.state])).toEqual([[0, "complete"], [1, "failed"]]);
    // ask said "its population has trained every segment".
    await expect(study.ask()).rejects.toThrow(
      `has no segment left to run: a failed segment ended the line of member 1 at segment 1 (trial ${failed.number}); requeueTrial(number) runs a failed segment again`,
    );

    const result = await study.requeueTrial(failed.number);
    expect(result.outcome).toBe("queued");
    const retry = (result as { retry: FrozenTrial }).retry;
    const segmentKeys = ["pbt:member", "pbt:segment", "pbt:parent", "pbt:exploitedFrom", "pbt:checkpoint"];
    expect(Object.fromEntries(segmentKeys.map((k) => [k, retry.systemAttrs[k]]))).toEqual(Object.fromEntries(segmentKeys.map((k) => [k, failed.systemAttrs[k]])));
    expect(retry.systemAttrs).toMatchObject({ retryOf: failed.number, retryCount: 1, fixedParams: failed.params });
    expect(await study.requeueTrial(failed.number)).toMatchObject({ outcome: "already queued", queued: { number: retry.number } });

    await study.optimize(toyObjective);
    expect(study.lineage()[1]!.segments.map((s) => [s.segment, s.state, s.retryOf])).toEqual([
      [0, "complete", null],
      [1, "failed", null],
      [1, "complete", failed.number],
      [2, "complete", null],
    ]);
    // Its last segment was queued at the retry's ready point (it continues from it, or exploited another member).
    const last = study.lineage()[1]!.segments[3]!;
    expect(last.exploitedFrom === null ? last.parent : retry.number).toBe(retry.number);
  });

  it("refuses to resume a population under another schedule, or to run plain trials in it", async () => {
    const storage = new MemoryStorage();
    const checkpointDir = mkdtempSync(join(tmpdir(), "sextant-pbt-resume-"));
    cleanups.push(checkpointDir);
    const scheduler = () => new PBTScheduler({ population: 2, segments: 2, segmentSteps: 2, seed: 1, checkpointDir });
    const first = await createStudy({ name: "pop", storage, direction: "maximize", scheduler: scheduler() });
    await first.optimize(toyObjective);
    // Both used to run: the first with 2 members on a 3-step schedule, every start step off its checkpoint's.
    await expect(
      createStudy({ name: "pop", storage, direction: "maximize", loadIfExists: true, scheduler: new PBTScheduler({ population: 3, segments: 4, segmentSteps: 3, seed: 1 }) }),
    ).rejects.toThrow('study "pop" trains a pbt population of 2 members × 2 segments of 2 step(s); this scheduler is a pbt population of 3 members × 4 segments of 3 step(s)');
    // loadStudy took it without a word, and its segments trained steps their checkpoints were not at.
    await expect(loadStudy({ name: "pop", storage, scheduler: new PBTScheduler({ population: 2, segments: 2, segmentSteps: 3, seed: 1, checkpointDir }) })).rejects.toThrow(
      'study "pop" trains a pbt population of 2 members × 2 segments of 2 step(s); this scheduler is a pbt population of 2 members × 2 segments of 3 step(s)',
    );
    expect((await loadStudy({ name: "pop", storage, scheduler: scheduler() })).trials).toHaveLength(4);
    const plain = await createStudy({ name: "pop", storage, direction: "maximize", loadIfExists: true, sampler: new RandomSampler({ seed: 1 }) });
    await expect(plain.ask()).rejects.toThrow(/^study "pop" trains a pbt population of 2 members × 2 segments of 2 step\(s\): its trials are segments, run with its scheduler/);
    expect(plain.trials).toHaveLength(4);
    // The same schedule resumes (nothing left to run here).
    await createStudy({ name: "pop", storage, direction: "maximize", loadIfExists: true, scheduler: scheduler() });
    expect(() => new PBTScheduler({ checkpointDir: " " })).toThrow('checkpointDir must be a folder path, got " "');
  });

  it("refuses to seed a population in a study that has plain trials", async () => {
    const storage = new MemoryStorage();
    const plain = await createStudy({ name: "tuned", storage, direction: "maximize", sampler: new RandomSampler({ seed: 1 }) });
    await plain.optimize((trial) => trial.suggestFloat("h0", 0, 1), { nTrials: 3 });
    // Its members were queued beside the three trials, and the study could no longer go on without a scheduler.
    await expect(createStudy({ name: "tuned", storage, direction: "maximize", loadIfExists: true, scheduler: new PBTScheduler({ population: 2, seed: 1 }) })).rejects.toThrow(
      'study "tuned" already has 3 trial(s) that are not segments of a population; a pbt population is trained in a study of its own',
    );
    const again = await createStudy({ name: "tuned", storage, direction: "maximize", loadIfExists: true, sampler: new RandomSampler({ seed: 2 }) });
    expect(again.trials).toHaveLength(3);
    await again.optimize((trial) => trial.suggestFloat("h0", 0, 1), { nTrials: 1 });
    expect(again.trials.map((t) => t.state)).toEqual(["complete", "complete", "complete", "complete"]);
  });

  it("refuses to enqueue a trial, which would run as a segment of no member", async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ name: "pop", storage, direction: "maximize", scheduler: new PBTScheduler({ population: 2, segments: 2, seed: 1 }) });
    cleanups.push(dirname(study.segmentContext()!.store.root));
    // It was claimed as a segment and ran with trial.segment undefined: no member, steps or checkpoint.
    await expect(study.enqueueTrial({ h0: 0.5, h1: 0.5 })).rejects.toThrow(
      'enqueueTrial: study "pop" trains a pbt population of 2 members × 2 segments of 1 step(s): its trials are its members\' segments',
    );
    const loaded = await createStudy({ name: "pop", storage, direction: "maximize", loadIfExists: true, sampler: new RandomSampler({ seed: 1 }) });
    await expect(loaded.enqueueTrial({ h0: 0.5 })).rejects.toThrow(/trains a pbt population/);
    await study.optimize(toyObjective);
    expect(study.trials.map((t) => [t.state, t.systemAttrs["pbt:member"]])).toEqual([["complete", 0], ["complete", 1], ["complete", 0], ["complete", 1]]);
  });

  it("refuses a checkpoint folder it cannot write before any segment trains", async () => {
    const folder = mkdtempSync(join(tmpdir(), "sextant-pbt-unwritable-"));
    cleanups.push(folder);
    const checkpointDir = join(folder, "taken");
    writeFileSync(checkpointDir, "a file where the folder should be");
    const study = await createStudy({ direction: "maximize", scheduler: new PBTScheduler({ population: 2, segments: 2, seed: 1, checkpointDir }) });
    let trained = 0;
    const error = await study.optimize((trial) => (trained++, toyObjective(trial))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FolderNotWritableError);
    expect((error as Error).message).toBe(`cannot write to ${checkpointDir}: it is a file, not a folder`);
    // It used to train every member's first segment in full and fail each at its save.
    expect(trained).toBe(0);
    expect(study.trials.filter((t) => t.state === "failed")).toHaveLength(0);
  });

  it("refuses a checkpoint folder another study saves in, whose trial-N checkpoints it would overwrite", async () => {
    const checkpointDir = mkdtempSync(join(tmpdir(), "sextant-pbt-shared-"));
    cleanups.push(checkpointDir);
    const storage = new MemoryStorage();
    const scheduler = () => new PBTScheduler({ population: 2, segments: 2, seed: 1, checkpointDir });
    const first = await createStudy({ name: "first", direction: "maximize", storage, scheduler: scheduler() });
    await first.optimize(toyObjective);
    const saved = readFileSync(join(checkpointDir, "trial-0", "checkpoint.json"), "utf8");
    const second = await createStudy({ name: "second", direction: "maximize", storage, scheduler: scheduler() });
    let trained = 0;
    const error = await second.optimize((trial) => (trained++, toyObjective(trial))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FolderNotWritableError);
    expect((error as Error).message).toBe(
      `cannot write to ${checkpointDir}: it holds the checkpoints of study "first", which study "second" would overwrite (both name theirs trial-N); ` +
        `give study "second" a checkpoint folder of its own, or delete ${join(checkpointDir, ".sextant-study")} if study "first" no longer needs them; ` +
        'a copy of study "first" (sextant copy --to-study), which goes on from them, takes a copy of the folder without its .sextant-study file as its checkpointDir ' +
        "(sextant tune --scheduler-opt checkpoint_dir=DIR stores it for its workers)",
    );
    // The second study emptied the first's trial-0 folder and saved its own model in it.
    expect(trained).toBe(0);
    expect(readFileSync(join(checkpointDir, "trial-0", "checkpoint.json"), "utf8")).toBe(saved);
    // Through ask/tell too, which optimize's check does not cover.
    const asked = await second.ask();
    expect(() => asked.saveCheckpoint({ data: [0] })).toThrow(FolderNotWritableError);
    // A study made again under the name of the one that saved there keeps the folder.
    await storage.deleteStudy("first");
    const again = await createStudy({ name: "first", direction: "maximize", storage, scheduler: scheduler() });
    await again.optimize(toyObjective);
    expect(again.trials.every((t) => t.state === "complete")).toBe(true);
  });

  it("goes on after an upgrade from checkpoints saved in the folder an earlier version named", async () => {
    const folder = mkdtempSync(join(tmpdir(), "sextant-pbt-former-"));
    cleanups.push(folder);
    const storage = `sqlite:${join(folder, "runs.db")}`;
    const scheduler = () => new PBTScheduler({ population: 2, segments: 3, segmentSteps: 2, seed: 1 });
    const first = await createStudy({ name: "cli pbt", storage, direction: "maximize", scheduler: scheduler() });
    await first.optimize(toyObjective, { nTrials: 3 });
    await first.close();
    // Where Sextant kept them before folder names got a hash: "cli_pbt".
    const root = defaultCheckpointRoot(storage, "cli pbt");
    expect(root).not.toBe(join(folder, "runs.db-checkpoints", "cli_pbt"));
    renameSync(root, join(folder, "runs.db-checkpoints", "cli_pbt"));
    const resumed = await createStudy({ name: "cli pbt", storage, direction: "maximize", loadIfExists: true, scheduler: scheduler() });
    try {
      await resumed.optimize(toyObjective);
      // Every remaining segment failed with "checkpoint trial-1 of trial 1 is missing", ending both members.
      expect(resumed.trials.map((t) => [t.state, t.systemAttrs.failReason])).toEqual(Array.from({ length: 6 }, () => ["complete", undefined]));
    } finally {
      await resumed.close();
    }
  });

  it("hands a new study's segments empty folders, whatever a deleted study of its name left", async () => {
    const folder = mkdtempSync(join(tmpdir(), "sextant-pbt-again-"));
    cleanups.push(folder);
    const storage = `sqlite:${join(folder, "runs.db")}`;
    const restored: string[][] = [];
    const run = async (file: string) => {
      const study = await createStudy({ name: "pbt", storage, direction: "maximize", scheduler: new PBTScheduler({ population: 2, segments: 2, seed: 1 }) });
      await study.optimize((trial) => {
        const from = trial.checkpoint();
        if (from) restored.push(readdirSync(from.dir).sort());
        writeFileSync(join(trial.checkpointDir!, file), file);
        trial.saveCheckpoint({ dir: trial.checkpointDir! });
        return trial.suggestFloat("x", 0, 1);
      });
      await study.close();
    };
    await run("first.txt");
    const opened = await openStorage(storage);
    await opened.deleteStudy("pbt");
    await opened.close();
    restored.length = 0;
    await run("second.txt");
    // The second study's segments found first.txt beside their own file, and restored it.
    expect(restored).toEqual([["second.txt"], ["second.txt"]]);
  });

  it("gives two in-memory storages' studies of one name folders of their own", async () => {
    const roots = await Promise.all(
      [1, 2].map(async () => {
        const study = await createStudy({ name: "pbt", direction: "maximize", scheduler: new PBTScheduler({ population: 2, segments: 2, seed: 1 }) });
        return study.segmentContext()!.store.root;
      }),
    );
    // Both were "<tmp>/sextant-checkpoints-…/pbt", and one study restored the other's checkpoints.
    expect(roots[0]).not.toBe(roots[1]);
  });

  it("runs every segment exactly once with concurrent loops, with PBT and with PB2", async () => {
    for (const scheduler of [new PBTScheduler({ population: 4, segments: 3, seed: 1 }), new PB2Scheduler({ population: 4, segments: 3, seed: 1 })]) {
      const study = await run(scheduler, 3);
      const keys = study.trials.map((t) => `${String(t.systemAttrs["pbt:member"])}/${String(t.systemAttrs["pbt:segment"])}`);
      expect(new Set(keys).size).toBe(12);
      expect(study.trials.filter((t) => t.state === "complete")).toHaveLength(12);
    }
  });

  it("with keepCheckpoints: latest, deletes the checkpoints no segment can start from, keeping each member's newest and the best trial's", async () => {
    const options = { population: 4, segments: 5, segmentSteps: 2, seed: 11 };
    const folders = (study: Awaited<ReturnType<typeof run>>) => readdirSync(study.segmentContext()!.store.root).filter((f) => f.startsWith("trial-")).sort();
    const decisions = (study: Awaited<ReturnType<typeof run>>) => study.trials.map((t) => [t.params, t.systemAttrs["pbt:parent"], t.values]);
    const all = await run(new PBTScheduler({ ...options, keepCheckpoints: "all" }));
    expect(folders(all)).toHaveLength(20);
    for (const concurrency of [1, 2]) {
      const latest = await run(new PBTScheduler({ ...options, keepCheckpoints: "latest" }), concurrency);
      // Every segment found the checkpoint it started from (a missing one fails the segment).
      expect(latest.trials.map((t) => t.state)).toEqual(new Array(20).fill("complete"));
      const newest = latest.lineage().map((m) => `trial-${m.segments.at(-1)!.trial}`);
      expect(folders(latest)).toEqual([...new Set([...newest, `trial-${latest.bestTrial!.number}`])].sort());
      // Deleting changes no decision.
      if (concurrency === 1) expect(decisions(latest)).toEqual(decisions(all));
    }
  });

  it("with keepCheckpoints: latest, goes on when a checkpoint folder will not be deleted, and says so once", async () => {
    const warnings: string[] = [];
    const study = await createStudy({
      direction: "maximize",
      scheduler: new PBTScheduler({ population: 2, segments: 4, segmentSteps: 2, seed: 5, keepCheckpoints: "latest" }),
      onWarning: (message) => warnings.push(message),
    });
    const store = study.segmentContext()!.store;
    cleanups.push(dirname(store.root));
    // Deleting is housekeeping: a folder that would not go failed the tell, and so the run.
    store.remove = () => {
      throw Object.assign(new Error("EACCES: permission denied, rmdir"), { code: "EACCES" });
    };
    await study.optimize(toyObjective);
    expect(study.trials.map((t) => t.state)).toEqual(new Array(8).fill("complete"));
    expect(warnings).toEqual([`keepCheckpoints: "latest" could not delete checkpoint folders in ${store.root} (EACCES); they are kept, and the population goes on`]);
  });

  it("refuses to queue again a segment whose starting checkpoint keepCheckpoints: latest deleted", async () => {
    const study = await run(new PBTScheduler({ population: 2, segments: 4, segmentSteps: 2, seed: 5, keepCheckpoints: "latest" }));
    const early = study.trials.find((t) => t.systemAttrs["pbt:segment"] === 1)!;
    const from = String(early.systemAttrs["pbt:checkpoint"]);
    expect(existsSync(join(study.segmentContext()!.store.root, from))).toBe(false);
    const before = study.trials.length;
    await expect(study.requeueTrial(early.number)).rejects.toThrow(
      `requeueTrial: trial ${early.number} (member ${String(early.systemAttrs["pbt:member"])}, segment 1) starts from checkpoint ${from}, which is no longer in ${study.segmentContext()!.store.root} ` +
        `(keepCheckpoints: "latest" deletes a checkpoint once no segment can start from it); it cannot run again as it ran; nothing was queued`,
    );
    await study.refresh();
    expect(study.trials).toHaveLength(before);
    // A last segment's start is its member's newest but one; the member's newest is kept, and requeueing a last segment works.
    const last = study.trials.find((t) => t.systemAttrs["pbt:segment"] === 3)!;
    expect(last.systemAttrs["pbt:checkpoint"]).not.toBe(from);
  });

  describe("synchronous", () => {
    /** The toy objective at equal speeds on many lanes: every segment yields once, as a real one awaits its training. */
    const yielding = (fail?: (member: number, segment: number) => boolean) => async (trial: Trial) => {
      const value = toyObjective(trial);
      await new Promise((resolve) => setImmediate(resolve));
      if (fail?.(trial.segment!.member, trial.segment!.index)) throw new Error("this member's training broke");
      return value;
    };
    const population = async (synchronous: boolean | undefined, objective: (trial: Trial) => Promise<number>) => {
      const study = await createStudy({ direction: "maximize", scheduler: new PBTScheduler({ population: 8, segments: 4, seed: 5, synchronous }) });
      cleanups.push(dirname(study.segmentContext()!.store.root));
      await study.optimize(objective, { concurrency: 8, onWarning: () => undefined });
      return study;
    };
    /** Per segment after the first, how many members copied another (a full ranking of 8 at quantile 0.25 takes 2). */
    const exploitsPerSegment = (study: Awaited<ReturnType<typeof population>>) =>
      [1, 2, 3].map((segment) => study.lineage().filter((m) => m.segments.some((x) => x.segment === segment && x.exploitedFrom !== null)).length);

    it("on as many lanes as members, ranks the whole population at every segment, the first to finish included", async () => {
      const study = await population(true, yielding());
      expect(study.trials.filter((t) => t.state === "complete")).toHaveLength(32);
      expect(exploitsPerSegment(study)).toEqual([2, 2, 2]);
      // The member that finished segment 0 first was the one ranked alone asynchronously: it is ranked with all now.
      const first = study.trials.filter((t) => t.systemAttrs["pbt:segment"] === 0).sort((a, b) => a.finishedAt! - b.finishedAt! || a.number - b.number)[0]!;
      const scores = study.trials.filter((t) => t.systemAttrs["pbt:segment"] === 0).map((t) => t.values![0]!).sort((a, b) => a - b);
      const next = study.lineage()[first.systemAttrs["pbt:member"] as number]!.segments[1]!;
      expect(next.exploitedFrom !== null).toBe(first.values![0]! <= scores[1]!);
    });

    it("through ask and tell, holds a member's next segment until the others tell the segment before, and says so", async () => {
      const study = await createStudy({ direction: "maximize", scheduler: new PBTScheduler({ population: 2, segments: 2, seed: 3, synchronous: true }) });
      cleanups.push(dirname(study.segmentContext()!.store.root));
      const [first, second] = [await study.ask(), await study.ask()];
      await study.tell(first!, toyObjective(first!));
      await expect(study.ask()).rejects.toThrow(/no segment of study ".*" is ready: 1 queued wait for the other members to finish the segment before theirs \(synchronous\), 1 running/);
      await study.tell(second!, toyObjective(second!));
      expect((await study.ask()).segment).toMatchObject({ member: 0, index: 1 });
    });

    it("through askQueued, holds a member's next segment as ask does", async () => {
      const study = await createStudy({ direction: "maximize", scheduler: new PBTScheduler({ population: 2, segments: 2, seed: 3, synchronous: true }) });
      cleanups.push(dirname(study.segmentContext()!.store.root));
      const [first, second] = [await study.askQueued(), await study.askQueued()];
      await study.tell(first!, toyObjective(first!));
      expect(await study.askQueued()).toBeNull();
      await study.tell(second!, toyObjective(second!));
      const next = await study.askQueued();
      expect(next!.segment).toMatchObject({ member: 0, index: 1 });
    });

    it.for(backends)("holds a member's next segment behind a peer's earlier segment queued again between its read and its claim ($name)", async (backend, context) => {
      if (backend.skip) context.skip(backend.skip);
      // On SQLite and PostgreSQL the peer has a connection of its own, as another process would.
      const dir = mkdtempSync(join(tmpdir(), "sextant-sync-claim-"));
      cleanups.push(dir);
      const [storage, peerStorage] = await backend.connections();
      const scheduler = () => new PBTScheduler({ population: 2, segments: 2, seed: 3, synchronous: true, checkpointDir: join(dir, "checkpoints") });
      const study = await createStudy({ name: "pop", storage, direction: "maximize", scheduler: scheduler() });
      const peer = await loadStudy({ name: "pop", storage: peerStorage, scheduler: scheduler() });
      const [first, second] = [await study.ask(), await study.ask()];
      await study.tell(first!, toyObjective(first!));
      // Member 1's segment 0 fails for good: member 0's segment 1 waits for nobody now.
      await study.tell(second!, NaN);
      // Another process requeues it after this one read the study and before it claims.
      const claim = storage.claimWaitingTrial.bind(storage);
      let requeued = false;
      storage.claimWaitingTrial = async (studyId, options) => {
        if (!requeued) {
          requeued = true;
          await peer.requeueTrial(second!.number);
        }
        return claim(studyId, options);
      };
      const next = await study.ask();
      expect(requeued).toBe(true);
      // The requeued segment 0 runs first; member 0's segment 1 is decided once it is told.
      expect(next.segment).toMatchObject({ member: 1, index: 0 });
      await expect(study.ask()).rejects.toThrow(/1 queued wait for the other members to finish the segment before theirs \(synchronous\), 1 running/);
      await study.tell(next, toyObjective(next));
      expect((await study.ask()).segment).toMatchObject({ member: 0, index: 1 });
      if (peerStorage !== storage) await Promise.all([storage.close(), peerStorage.close()]);
    });

    it("reads the study once for an ask that finds every queued segment held", async () => {
      const storage = new MemoryStorage();
      const study = await createStudy({ name: "pop", storage, direction: "maximize", scheduler: new PBTScheduler({ population: 2, segments: 2, seed: 3, synchronous: true }) });
      cleanups.push(dirname(study.segmentContext()!.store.root));
      const first = await study.ask();
      await study.ask();
      await study.tell(first, toyObjective(first));
      const reads = vi.spyOn(storage, "trialsSince");
      await expect(study.ask()).rejects.toThrow(/1 queued wait for the other members to finish the segment before theirs \(synchronous\), 1 running/);
      expect(reads).toHaveBeenCalledTimes(1);
    });

    it("is the way out the warning about many lanes names, and silences it", async () => {
      const warnings = async (synchronous: boolean) => {
        const study = await createStudy({ direction: "maximize", scheduler: new PBTScheduler({ population: 4, segments: 1, seed: 1, synchronous }) });
        cleanups.push(dirname(study.segmentContext()!.store.root));
        const seen: string[] = [];
        await study.optimize(toyObjective, { concurrency: 4, onWarning: (message) => seen.push(message) });
        return seen.filter((message) => message.includes("more than half of the population"));
      };
      expect((await warnings(false))[0]).toContain("or give the scheduler synchronous: true (--scheduler-opt synchronous=true)");
      expect(await warnings(true)).toEqual([]);
    });

    it("leaves the asynchronous default as it was: the first to finish is ranked against fewer", async () => {
      const study = await population(undefined, yielding());
      expect(new PBTScheduler({}).synchronous).toBe(false);
      expect(exploitsPerSegment(study).some((n) => n < 2)).toBe(true);
    });

    it("does not wait for a member whose segment failed for good", async () => {
      const study = await population(true, yielding((member, segment) => member === 3 && segment >= 1));
      const members = study.lineage();
      expect(members[3]!.segments.map((x) => [x.segment, x.state])).toEqual([[0, "complete"], [1, "failed"]]);
      expect(members.filter((m) => m.member !== 3).every((m) => m.segments.length === 4 && m.segments.every((x) => x.state === "complete"))).toBe(true);
    });

    it("decides as the asynchronous default does on one lane, under a seed", async () => {
      const decisions = async (synchronous: boolean) => {
        const study = await run(new PBTScheduler({ population: 4, segments: 5, seed: 3, synchronous }));
        return study.trials.map((t) => [t.params, t.systemAttrs["pbt:parent"], t.values]);
      };
      expect(await decisions(true)).toEqual(await decisions(false));
    });
  });

  it("refuses a study of several objectives, whose members it could rank by only one", async () => {
    const storage = new MemoryStorage();
    // PBT ranked its members by the first objective and ignored the others without a word.
    await expect(createStudy({ name: "two", storage, directions: ["minimize", "maximize"], scheduler: new PB2Scheduler({ population: 2, seed: 1 }) })).rejects.toThrow(
      /createStudy: the pb2 scheduler ranks its members by one objective, and this study has 2/,
    );
    expect(await storage.getStudy("two")).toBeNull();
  });

  it("refuses a pruner, which stopped segments that then saved no checkpoint, and runs with none", async () => {
    const storage = new MemoryStorage();
    const scheduler = () => new PBTScheduler({ population: 2, segments: 2, seed: 1 });
    // Its member went on from scratch after a pruned segment, ranked by the value it was stopped at.
    await expect(createStudy({ name: "pop", storage, pruner: new MedianPruner(), scheduler: scheduler() })).rejects.toThrow(
      /^createStudy: the median pruner cannot run with the pbt scheduler: a segment the pruner stops saves no checkpoint, so its member would go on from scratch; .*; leave out the pruner$/,
    );
    expect(await storage.getStudy("pop")).toBeNull();
    const study = await createStudy({ name: "pop", storage, direction: "maximize", pruner: new NopPruner(), scheduler: scheduler() });
    cleanups.push(dirname(study.segmentContext()!.store.root));
    await expect(loadStudy({ name: "pop", storage, pruner: new MedianPruner(), scheduler: scheduler() })).rejects.toThrow(
      /^loadStudy: the median pruner cannot run with the pbt scheduler: /,
    );
  });

  it("warns once that a segment pruned before it saved a checkpoint leaves the segment after it to start from scratch", async () => {
    const warnings: string[] = [];
    const study = await createStudy({ direction: "maximize", scheduler: new PBTScheduler({ population: 4, segments: 3, seed: 1 }), onWarning: (m) => warnings.push(m) });
    cleanups.push(dirname(study.segmentContext()!.store.root));
    await study.optimize((trial) => {
      const x = trial.suggestFloat("x", 0, 1);
      const { member, index, startStep } = trial.segment!;
      trial.reportIntermediate(x, startStep);
      if (index === 0 && member === 0) trial.saveCheckpoint({ data: 1 });
      // Member 0 saves before it is pruned; members 1 and 2 are pruned before they save.
      if (index === 0 && member <= 2) throw new TrialPruned();
      trial.saveCheckpoint({ data: 1 });
      return x;
    });
    // The next segments were silently handed no checkpoint: the decisions stay, and now they are said, once.
    expect(warnings).toEqual([
      expect.stringMatching(/^trial \d+ \(member \d, segment 1\) continues from trial [12], which was pruned before it saved a checkpoint, so it starts from scratch \(trial\.checkpoint\(\) is undefined\); call trial\.saveCheckpoint before throwing TrialPruned/),
    ]);
    const secondSegments = study.lineage().map((m) => m.segments[1]!);
    for (const s of secondSegments) expect(s.checkpoint).toBe(s.parent === 0 || s.parent === 3 ? `trial-${s.parent}` : null);
    expect(study.trials).toHaveLength(12);
  });

  it("warns once that a segment which saved no checkpoint leaves the segments that go on from it, exploits included, to start from scratch", async () => {
    const warnings: string[] = [];
    const study = await createStudy({ direction: "maximize", scheduler: new PBTScheduler({ population: 4, segments: 3, seed: 1 }), onWarning: (m) => warnings.push(m) });
    cleanups.push(dirname(study.segmentContext()!.store.root));
    const restored: unknown[] = [];
    await study.optimize((trial) => {
      restored.push(trial.checkpoint());
      // Never saves: exploiting a better member copied its parameters and none of its training.
      return trial.suggestFloat("x", 0, 1);
    });
    expect(study.trials).toHaveLength(12);
    expect(study.lineage().some((m) => m.segments.some((s) => s.exploitedFrom !== null))).toBe(true);
    expect(restored.every((c) => c === undefined)).toBe(true);
    // It said nothing: now once, naming the trial and what to call.
    expect(warnings).toEqual([
      expect.stringMatching(
        /^trial \d+ \(member \d, segment 0\) ended without saving a checkpoint, so the segments that go on from it \(its member's next one, and any member that copies it\) start from scratch: trial\.checkpoint\(\) is undefined for them .*trial\.saveCheckpoint\(\{ data \}\)/,
      ),
    ]);
    // The same through ask and tell; a population whose segments save (toyObjective) hears nothing.
    const told: string[] = [];
    const asked = await createStudy({ direction: "maximize", scheduler: new PBTScheduler({ population: 2, segments: 2, seed: 1 }), onWarning: (m) => told.push(m) });
    cleanups.push(dirname(asked.segmentContext()!.store.root));
    for (let i = 0; i < 2; i++) {
      const trial = await asked.ask();
      await asked.tell(trial, trial.suggestFloat("x", 0, 1));
    }
    expect(told).toEqual([expect.stringMatching(/^trial 0 \(member 0, segment 0\) ended without saving a checkpoint/)]);
    const quiet: string[] = [];
    const saving = await createStudy({ direction: "maximize", scheduler: new PBTScheduler({ population: 2, segments: 2, seed: 1 }), onWarning: (m) => quiet.push(m) });
    cleanups.push(dirname(saving.segmentContext()!.store.root));
    await saving.optimize(toyObjective);
    expect(quiet).toEqual([]);
  });

  it("refuses checkpoints in a study without a scheduler", async () => {
    const study = await createStudy({ direction: "minimize", sampler: new RandomSampler({ seed: 1 }) });
    await expect(
      study.optimize(
        (trial) => {
          expect(trial.segment).toBeUndefined();
          expect(trial.checkpoint()).toBeUndefined();
          trial.saveCheckpoint({ data: 1 });
          return 0;
        },
        { nTrials: 1 },
      ),
    ).resolves.toBeUndefined();
    expect(String(study.trials[0]!.systemAttrs.failReason)).toMatch(/saveCheckpoint needs a study with a scheduler/);
  });

  it("hands a command run in another folder its checkpoint folders as absolute paths when checkpointDir is relative", async () => {
    const base = mkdtempSync(join(tmpdir(), "sextant-relative-"));
    cleanups.push(base);
    // Relative to this process's folder, as a user types it; the command runs in another folder.
    const checkpointDir = relative(process.cwd(), join(base, "checkpoints"));
    // Nested deeper than checkpointDir climbs, so the folder it would name from there (the bug) lies
    // inside base/elsewhere whatever folder the tests run from, never on base/checkpoints itself.
    const climbs = checkpointDir.split(sep).filter((part) => part === "..").length;
    const elsewhere = join(base, "elsewhere", ...Array.from({ length: climbs }, (_, i) => `d${i}`));
    mkdirSync(elsewhere, { recursive: true });
    const wrongFolder = resolve(elsewhere, checkpointDir);
    expect(wrongFolder.startsWith(join(base, "elsewhere") + sep)).toBe(true);
    const study = await createStudy({ direction: "maximize", scheduler: new PBTScheduler({ population: 2, segments: 2, seed: 1, checkpointDir }) });
    // The command saves n + 1 where n is what it restored: it failed with ENOENT, its folder resolved in its own working directory.
    const script =
      "const fs = require('fs'), path = require('path');" +
      "const from = process.env.SEXTANT_RESTORE_FROM;" +
      "const n = from ? Number(fs.readFileSync(path.join(from, 'n.txt'), 'utf8')) : 0;" +
      "fs.writeFileSync(path.join(process.env.SEXTANT_CHECKPOINT_DIR, 'n.txt'), String(n + 1));" +
      "console.log(n + 1);";
    await study.optimize(commandObjective({ argv: [process.execPath, "-e", script, "{x}"], space: { x: { type: "float", low: 0, high: 1 } }, cwd: elsewhere }));
    expect(study.trials.map((t) => [t.state, t.values?.[0]])).toEqual([["complete", 1], ["complete", 1], ["complete", 2], ["complete", 2]]);
    expect(existsSync(join(base, "checkpoints", "trial-3", "n.txt"))).toBe(true);
    expect(existsSync(wrongFolder)).toBe(false);
  });

  it("completes a command's segment that removed its checkpoint folder, and says plainly when it left a file there instead", async () => {
    const checkpointDir = mkdtempSync(join(tmpdir(), "sextant-pbt-removed-"));
    cleanups.push(checkpointDir);
    const run = async (after: string) => {
      const told: string[] = [];
      const study = await createStudy({ scheduler: new PBTScheduler({ population: 2, segments: 2, seed: 1, checkpointDir: join(checkpointDir, after) }), onWarning: (m) => told.push(m) });
      const script = `const fs = require('fs'), dir = process.env.SEXTANT_CHECKPOINT_DIR; fs.rmSync(dir, { recursive: true }); ${after === "file" ? "fs.writeFileSync(dir, 'x');" : ""} console.log(0.5);`;
      await study.optimize(commandObjective({ argv: [process.execPath, "-e", script, "{x}"], space: { x: { type: "float", low: 0, high: 1 } } }));
      return { study, told };
    };
    // It failed every segment with "ENOENT: no such file or directory, scandir …", its value lost.
    const removed = await run("removed");
    expect(removed.study.trials.map((t) => t.state)).toEqual(["complete", "complete", "complete", "complete"]);
    expect(removed.told).toEqual([expect.stringMatching(/^trial 0 \(member 0, segment 0\) ended without saving a checkpoint/)]);
    const file = await run("file");
    expect(file.study.trials[0]!.state).toBe("failed");
    expect(file.study.trials[0]!.systemAttrs.failReason).toMatch(/^the command replaced its checkpoint folder \(SEXTANT_CHECKPOINT_DIR, .*trial-0\) with a file: save the checkpoint as files inside that folder$/);
  });

  it("copies a folder checkpoint and hands it to the next segment", async () => {
    const study = await createStudy({ direction: "maximize", scheduler: new PBTScheduler({ population: 2, segments: 2, seed: 1 }) });
    cleanups.push(dirname(study.segmentContext()!.store.root));
    await study.optimize((trial) => {
      trial.suggestFloat("x", 0, 1);
      const restored = trial.checkpoint();
      const before = restored ? Number(readFileSync(join(restored.dir, "n.txt"), "utf8")) : 0;
      const own = join(study.segmentContext()!.store.root, `scratch-${trial.number}`);
      mkdirSync(own, { recursive: true });
      writeFileSync(join(own, "n.txt"), String(before + 1));
      trial.saveCheckpoint({ dir: own });
      return before + 1;
    });
    expect(study.trials.map((t) => t.values![0])).toEqual([1, 1, 2, 2]);
    expect(existsSync(join(study.segmentContext()!.store.root, "trial-3", "n.txt"))).toBe(true);
  });

  it("queues a member's next segment once when an idle loop's repair meets the ready point of the loop that ran it", async () => {
    // The interleaving behind a PostgreSQL run with 7 trials for 2 × 3 segments, forced here:
    // loop A's write finishing member 0's segment 0 has landed but A has not queued the next
    // segment yet, when idle loop B, seeing nothing running or waiting, queues it as a repair;
    // each checks that it is not queued yet before either creates it.
    const checkpointDir = mkdtempSync(join(tmpdir(), "sextant-pbt-race-"));
    cleanups.push(checkpointDir);
    const study = await createStudy({
      direction: "maximize",
      storage: new InterleavingStorage(),
      scheduler: new PBTScheduler({ population: 2, segments: 2, seed: 3, checkpointDir }),
    });
    // Member 0's first segment ends once member 1 has trained its last one: loop B is idle then.
    let memberOneDone!: () => void;
    const memberOneDoneSoon = new Promise<void>((resolve) => (memberOneDone = resolve));
    await study.optimize(
      async (trial) => {
        const { member, index } = trial.segment!;
        if (member === 0 && index === 0) await memberOneDoneSoon;
        if (member === 1 && index === 1) memberOneDone();
        return trial.suggestFloat("x", 0, 1);
      },
      { concurrency: 2 },
    );
    const keys = study.trials.map((t) => `${String(t.systemAttrs["pbt:member"])}/${String(t.systemAttrs["pbt:segment"])}`);
    expect(keys.sort()).toEqual(["0/0", "0/1", "1/0", "1/1"]);
    expect(study.trials.every((t) => t.state === "complete")).toBe(true);
  });
  it("queues a member's next segment once when another process's repair meets the ready point of the process that ran it", async () => {
    // Two processes share a study (two Study objects here, so no lock in common). Process X's write
    // finishing member 0's segment 0 has landed but X has not queued the next segment, when process
    // Y, idle, reads the study and sees nothing running or waiting: it queues the segment as a
    // repair while X queues it too. Only the storage's once-key keeps one of the two.
    const checkpointDir = mkdtempSync(join(tmpdir(), "sextant-pbt-two-"));
    cleanups.push(checkpointDir);
    const storage = new InterleavingStorage();
    const scheduler = () => new PBTScheduler({ population: 2, segments: 2, seed: 3, checkpointDir });
    const x = await createStudy({ name: "shared", direction: "maximize", storage, scheduler: scheduler() });
    const y = await createStudy({ name: "shared", direction: "maximize", storage, scheduler: scheduler(), loadIfExists: true });
    let memberOneDone!: () => void;
    const memberOneDoneSoon = new Promise<void>((resolve) => (memberOneDone = resolve));
    const objective = async (trial: Trial): Promise<number> => {
      const { member, index } = trial.segment!;
      if (member === 0 && index === 0) await memberOneDoneSoon;
      if (member === 1 && index === 1) memberOneDone();
      return trial.suggestFloat("x", 0, 1);
    };
    await Promise.all([x.optimize(objective), y.optimize(objective)]);
    await x.refresh();
    const keys = x.trials.map((t) => `${String(t.systemAttrs["pbt:member"])}/${String(t.systemAttrs["pbt:segment"])}`);
    expect(keys.sort()).toEqual(["0/0", "0/1", "1/0", "1/1"]);
    expect(x.trials.every((t) => t.state === "complete")).toBe(true);
  });
});
