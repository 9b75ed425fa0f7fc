import { describe, expect, it } from "vitest";
import { parseExportedStudy } from "./transfer.js";

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
