import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { SqliteStorage } from "../storage/sqlite.js";
import { UsageError, UserError } from "./errors.js";
import { shellWord } from "./format.js";
import type { Io } from "./io.js";
import { copyCommand, importCommand, parseExportedStudy } from "./transfer.js";
import { createCommand, workerCommand } from "./worker.js";

/** An export of a two-objective study with one constraint, as sextant export --format json writes it, changed by `edit`. */
function exported(edit: (study: { systemAttrs: Record<string, unknown>; trials: { systemAttrs: Record<string, unknown> }[] }) => void): string {
  const trial = (number: number, constraints: unknown) => ({
    number,
    state: "complete",
    params: { x: number / 4 },
    distributions: { x: { type: "float", low: 0, high: 1 } },
    values: [number, 1 - number],
    intermediate: {},
    userAttrs: {},
    systemAttrs: { constraints },
    startedAt: "2026-01-31T12:00:00.000Z",
    finishedAt: "2026-01-31T12:00:01.000Z",
  });
  const study = { study: "s", directions: ["minimize", "maximize"], userAttrs: {}, systemAttrs: { constraintCount: 1 } as Record<string, unknown>, trials: [trial(0, [-1]), trial(1, [0.5])] };
  edit(study);
  return JSON.stringify(study);
}

describe("parseExportedStudy", () => {
  it("refuses constraint values that are not finite numbers, or not as many as the study's, naming the field", () => {
    // Imported, each made every later command on the study (best, trials, export, the dashboard) stop with an internal error.
    const cases: [(s: Parameters<Parameters<typeof exported>[0]>[0]) => void, string][] = [
      [(s) => (s.trials[1]!.systemAttrs.constraints = ["NaN", 1]), 'f.json: trials[1].systemAttrs.constraints: constraint 0 is "NaN", not a finite number (a trial\'s constraint values, feasible when every one is <= 0)'],
      [(s) => (s.trials[1]!.systemAttrs.constraints = { "$sextant:number": "Infinity" }), "f.json: trials[1].systemAttrs.constraints: constraints must be an array of numbers, got Infinity"],
      [(s) => (s.trials[0]!.systemAttrs.constraints = "high"), 'f.json: trials[0].systemAttrs.constraints: constraints must be an array of numbers, got "high"'],
      [(s) => (s.trials[1]!.systemAttrs.constraints = [1, 2]), "f.json: trials[1].systemAttrs.constraints: has 2 constraint value(s), but the study's systemAttrs.constraintCount is 1: a study's complete trials all have the same number"],
      [
        (s) => {
          delete s.systemAttrs.constraintCount;
          s.trials[1]!.systemAttrs.constraints = [1, 2];
        },
        "f.json: trials[1].systemAttrs.constraints: has 2 constraint value(s), but trials[0] has 1: a study's complete trials all have the same number",
      ],
    ];
    for (const [edit, message] of cases) expect(() => parseExportedStudy(exported(edit), "f.json")).toThrow(message);
    const { data } = parseExportedStudy(exported(() => {}), "f.json");
    expect(data.trials.map((t) => t.systemAttrs.constraints)).toEqual([[-1], [0.5]]);
  });
});

describe("sextant import of an export made before December 2026", () => {
  it("says the study cannot be joined by a worker and how to tune on, as does the worker it refuses", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-import-old-"));
    const url = `sqlite:${join(dir, "team.db")}`;
    const file = join(dir, "lr.json");
    // As sextant export --format json wrote it at b2e92c2 (12-01): the study's name, directions and trials, no attributes.
    const trial = { number: 0, state: "complete", values: [0.5], params: { x: 0.5 }, distributions: { x: { type: "float", low: 0, high: 1 } }, intermediate: {}, userAttrs: {}, systemAttrs: {} };
    writeFileSync(file, JSON.stringify({ study: "lr", directions: ["minimize"], trials: [{ ...trial, startedAt: "2026-11-30T12:00:00.000Z", finishedAt: "2026-11-30T12:00:01.000Z", durationSeconds: 1 }] }));
    const errors: string[] = [];
    const io: Io = { out: () => {}, err: (line) => errors.push(line), write: () => {}, stdinIsTTY: false, stderrIsTTY: false };
    try {
      expect(await importCommand(file, { storage: url }, io)).toBe(0);
      // Imported in silence, the study was then refused by sextant worker with no word of why.
      const remedy = `sextant create --storage ${shellWord(url)} --study NEW_NAME --config FILE --warm-start lr`;
      expect(errors).toEqual([
        `sextant: warning: ${file} holds the trials alone, as sextant export wrote them before December 2026: the study's command, search space and sampler ` +
          `were not exported, so sextant worker cannot join "lr"; to tune on from its trials, make a study with: ${remedy}`,
      ]);
      await expect(workerCommand({ storage: url, study: "lr", quiet: true }, io)).rejects.toThrow(
        `nor ones imported from an export made before December 2026, which held the trials alone); make one that learns from its trials with: ${remedy}`,
      );
      // The remedy works as given.
      expect(await createCommand({ storage: url, study: "lr-next", trials: 1, param: ["x=float:0:1"], warmStart: ["lr"], quiet: true }, ["node", "-e", "console.log(0)"], io)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sextant copy of a study that holds what no Sextant writes", () => {
  it("says so, naming the trial and field, and writes nothing, rather than an internal error or a copy that breaks sextant best", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-copy-odd-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    // Written by a storage write of one's own: constraints that are not numbers, and a direction "up".
    const source = SqliteStorage.open(join(dir, "odd.db"));
    const constrained = await source.createStudy("constrained", ["minimize"]);
    const trial = await source.createTrial(constrained.id, { state: "running" });
    await source.updateTrial(trial.id, { state: "complete", values: [1], systemAttrs: { constraints: ["x"] } });
    await source.createStudy("upward", ["up" as never]);
    await source.close();
    const io: Io = { out: () => {}, err: () => {}, write: () => {}, stdinIsTTY: false, stderrIsTTY: false };
    const target = `sqlite:${join(dir, "copy.db")}`;
    const copy = (name: string) => copyCommand(name, { fromStorage: `sqlite:${join(dir, "odd.db")}`, toStorage: target }, io);
    await expect(copy("constrained")).rejects.toThrow(UserError);
    await expect(copy("constrained")).rejects.toThrow(
      `"constrained" holds what no Sextant writes (trial 0: systemAttrs.constraints: constraint 0 is "x", not a finite number (a trial's constraint values, feasible when every one is <= 0)), so it was not copied; nothing was written to ${target}`,
    );
    await expect(copy("upward")).rejects.toThrow(`"upward" holds what no Sextant writes (directions[0] must be "minimize" or "maximize", got "up"), so it was not copied; nothing was written to ${target}`);
    expect(existsSync(join(dir, "copy.db"))).toBe(false);
  });
});

describe("sextant import of an export that holds what no Sextant writes", () => {
  it("refuses a complete trial valued NaN as a problem of the file, naming the trial and field, and writes nothing, where the NaN trial read as the best", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-import-nan-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "nan.json");
    // The export spells NaN as a string; a study fails the trial whose objective returns NaN.
    writeFileSync(file, exported((study) => void ((study.trials[0] as unknown as { values: unknown[] }).values = ["NaN", 1])));
    const io: Io = { out: () => {}, err: () => {}, write: () => {}, stdinIsTTY: false, stderrIsTTY: false };
    const url = `sqlite:${join(dir, "imported.db")}`;
    const refused = importCommand(file, { storage: url }, io);
    // Refused as the file's other shape errors are, by the field's place in the file (it was refused
    // later, as data "no Sextant writes", exit 1).
    await expect(refused).rejects.toThrow(UsageError);
    await expect(refused).rejects.toThrow(`${file}: trials[0].values[0]: must be a finite number in a complete trial (a study fails the trial whose objective gives NaN or ±Infinity), got "NaN"`);
    expect(existsSync(join(dir, "imported.db"))).toBe(false);
  });

  it("refuses a pruned trial valued NaN, and keeps one valued ±Infinity, as a study stores them", () => {
    const pruned = (values: unknown[]) =>
      exported((study) => {
        Object.assign(study.trials[1]!, { state: "pruned", values });
        delete study.trials[1]!.systemAttrs.constraints;
      });
    expect(() => parseExportedStudy(pruned(["NaN", 1]), "f.json")).toThrow('f.json: trials[1].values[0]: must be a number in a pruned trial (±Infinity is kept; a study refuses NaN there), got "NaN"');
    expect(parseExportedStudy(pruned(["-Infinity", 1]), "f.json").data.trials[1]!.values).toEqual([-Infinity, 1]);
  });
});
