import { describe, expect, it } from "vitest";
import { openStorage } from "../storage/index.js";
import { InvalidStudyDataError, type StudyData, type StudyTrial, copyStudy, importStudy } from "./copy.js";

/** A complete trial of a one-objective study, as an export holds it, changed by `fields`. */
function trial(fields: Record<string, unknown> = {}): StudyTrial {
  const x = { type: "float" as const, low: 0, high: 1 };
  return { number: 0, state: "complete", params: { x: 0.5 }, distributions: { x }, values: [1], intermediate: { 0: 2 }, userAttrs: {}, systemAttrs: {}, ...fields } as StudyTrial;
}

describe("importStudy and copyStudy refuse study data that no Sextant writes", () => {
  it("names the field and the trial, and writes nothing", async () => {
    // Each was written as it was: a direction "up" made sextant best stop with an internal error,
    // a string value was read back as Infinity, a state "done" stored in memory: and refused midway by SQLite.
    const cases: [Partial<StudyData>, string][] = [
      [{ directions: ["up" as never] }, 'directions[0] must be "minimize" or "maximize", got "up"'],
      [{ directions: [] }, 'directions must be a non-empty list of "minimize" and "maximize", got []'],
      [{ trials: [trial({ state: "done" })] }, 'trial 0: state must be one of waiting, running, complete, pruned, failed, got "done"'],
      [{ trials: [trial({ values: [1, 2] })] }, "trial 0: values: a complete trial needs 1 value(s), one per direction, got [1,2]"],
      [{ trials: [trial({ values: null })] }, "trial 0: values: a complete trial needs 1 value(s), one per direction, got null"],
      [{ trials: [trial(), trial({ number: 1, state: "pruned", values: ["0.5"] })] }, 'trial 1: values must be a list of numbers or null, got ["0.5"]'],
      [{ trials: [trial({ values: [Number.NaN] })] }, "trial 0: values[0] is NaN: a complete trial's values are finite numbers, as a study stores them; a NaN or infinite result fails its trial"],
      // A study fails the trial whose objective gives ±Infinity too: imported, -Infinity was named the best.
      [{ trials: [trial({ values: [-Infinity] })] }, "trial 0: values[0] is -Infinity: a complete trial's values are finite numbers, as a study stores them; a NaN or infinite result fails its trial"],
      [{ directions: ["minimize", "maximize"], trials: [trial({ values: [1, Infinity] })] }, "trial 0: values[1] is Infinity: a complete trial's values are finite numbers"],
      [{ trials: [trial(), trial({ number: 1, state: "pruned", values: [Number.NaN] })] }, "trial 1: values[0] is NaN: a pruned trial's values are numbers"],
      [{ trials: [trial({ intermediate: { 0: "NaN" } })] }, 'trial 0: intermediate: a value is a number at a whole-number step >= 0, got "0": "NaN"'],
      [{ trials: [trial({ intermediate: { "-1": 3 } })] }, 'trial 0: intermediate: a value is a number at a whole-number step >= 0, got "-1": 3'],
      [{ trials: [trial({ distributions: {} })] }, "trial 0: params.x has no distribution: every parameter needs one in distributions"],
    ];
    const target = await openStorage("memory:");
    for (const [fields, message] of cases) {
      const data: StudyData = { directions: ["minimize"], trials: [trial()], ...fields };
      const refused = importStudy(target, "lr", data);
      await expect(refused, message).rejects.toThrow(InvalidStudyDataError);
      await expect(refused).rejects.toThrow(message);
    }
    await expect(importStudy(target, " ", { directions: ["minimize"], trials: [] })).rejects.toThrow('the study name must not be blank, got " "');
    expect(await target.listStudies()).toEqual([]);
    // A pruned trial keeps ±Infinity, as a study stores it.
    const pruned = await importStudy(target, "pruned", { directions: ["minimize"], trials: [trial(), trial({ number: 1, state: "pruned", values: [Infinity] })] });
    expect(pruned.trials).toBe(2);
  });

  it("refuses a source trial found malformed midway through a copy, deleting what it wrote", async () => {
    const source = await openStorage("memory:");
    const study = await source.createStudy("odd", ["minimize"]);
    const x = { type: "float" as const, low: 0, high: 1 };
    const finished = (params: Record<string, number>) => ({ state: "complete" as const, params, distributions: { x }, values: [1], intermediate: {}, userAttrs: {}, systemAttrs: {}, startedAt: 1, finishedAt: 2 });
    await source.insertTrials!(study.id, [...Array.from({ length: 600 }, () => finished({ x: 0.5 })), finished({ x: 0.5, y: 2 })]);
    const target = await openStorage("memory:");
    const refused = copyStudy({ from: { storage: source, name: "odd" }, to: { storage: target } });
    await expect(refused).rejects.toThrow(InvalidStudyDataError);
    await expect(refused).rejects.toThrow("trial 600: params.y has no distribution: every parameter needs one in distributions");
    expect(await target.listStudies()).toEqual([]);
  });
});
