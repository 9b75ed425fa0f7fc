import { describe, expect, it } from "vitest";
import { makeSnapshot, makeTrial } from "../space/index.js";
import { createStudy } from "../study/index.js";
import { AutoSampler } from "./auto.js";

const x = { type: "float", low: 0, high: 1 } as const;
const c = { type: "categorical", choices: ["a", "b", "c"] } as const;

function complete(number: number, params: Record<string, number | string>, distributions: Record<string, typeof x | typeof c>) {
  return makeTrial({ number, state: "complete", values: [number], params, distributions });
}

describe("AutoSampler", () => {
  it("refuses options the library would otherwise misread (an unknown highDimensionalSampler meant TPE)", () => {
    expect(() => new AutoSampler({ gpMaxTrials: 0 })).toThrow("AutoSampler: gpMaxTrials must be an integer >= 1, got 0");
    expect(() => new AutoSampler({ gpMaxDimensions: 2.5 })).toThrow(/gpMaxDimensions must be an integer >= 1, got 2.5/);
    expect(() => new AutoSampler({ highDimensionalSampler: "cmaes" as never })).toThrow('AutoSampler: highDimensionalSampler must be "tpe" or "turbo", got "cmaes"');
    expect(() => new AutoSampler({ gpMaxTrials: 1, moGpMaxTrials: 5, highDimensionalSampler: "tpe" })).not.toThrow();
  });

  it("chooses the GP for a small numeric study", () => {
    const snapshot = makeSnapshot([complete(0, { x: 0.1, y: 0.2 }, { x, y: x })]);
    expect(new AutoSampler({ seed: 1 }).decide(snapshot).name).toBe("gp");
  });

  it("chooses TPE for conditional spaces, categorical-heavy spaces, several objectives and large studies", () => {
    const auto = new AutoSampler({ seed: 1, gpMaxTrials: 3 });
    const conditional = makeSnapshot([complete(0, { x: 0.1, y: 0.2 }, { x, y: x }), complete(1, { x: 0.3 }, { x })]);
    expect(auto.decide(conditional)).toMatchObject({ name: "tpe", reason: expect.stringMatching(/conditional/) });
    const categorical = makeSnapshot([complete(0, { a: "a", b: "b", x: 0.5 }, { a: c, b: c, x })]);
    expect(auto.decide(categorical)).toMatchObject({ name: "tpe", reason: expect.stringMatching(/categorical/) });
    const large = makeSnapshot([0, 1, 2].map((n) => complete(n, { x: n / 3 }, { x })));
    expect(auto.decide(large)).toMatchObject({ name: "tpe", reason: expect.stringMatching(/scales better/) });
  });

  it("several objectives: the EHVI GP for small numeric studies, MO-TPE past moGpMaxTrials, beyond 3 objectives or with categoricals", () => {
    const auto = new AutoSampler({ seed: 1, moGpMaxTrials: 3 });
    const two = ["minimize", "maximize"] as const;
    const small = makeSnapshot([complete(0, { x: 0.1 }, { x })], { directions: [...two] });
    expect(auto.decide(small)).toMatchObject({ name: "gp", reason: expect.stringMatching(/expected hypervolume improvement/) });
    const large = makeSnapshot([0, 1, 2].map((n) => complete(n, { x: n / 3 }, { x })), { directions: [...two] });
    expect(auto.decide(large)).toMatchObject({ name: "tpe", reason: expect.stringMatching(/3 complete trials >= 3: multi-objective TPE/) });
    const four = makeSnapshot([complete(0, { x: 0.1 }, { x })], { directions: ["minimize", "minimize", "minimize", "minimize"] });
    expect(auto.decide(four)).toMatchObject({ name: "tpe", reason: expect.stringMatching(/4 objectives/) });
    const mixed = makeSnapshot([complete(0, { a: "a", x: 0.5, y: 0.5 }, { a: c, x, y: x })], { directions: [...two] });
    expect(auto.decide(mixed)).toMatchObject({ name: "tpe", reason: expect.stringMatching(/categorical/) });
  });

  it("hands numeric spaces beyond gpMaxDimensions to highDimensionalSampler, TPE when categoricals are present", () => {
    const wide = (extra: Record<string, typeof x | typeof c> = {}) => {
      const distributions: Record<string, typeof x | typeof c> = { ...Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`x${i}`, x])), ...extra };
      const params = Object.fromEntries(Object.entries(distributions).map(([name, d]) => [name, d.type === "categorical" ? "a" : 0.5]));
      return makeSnapshot([complete(0, params, distributions)]);
    };
    expect(new AutoSampler({ seed: 1 }).decide(wide())).toMatchObject({ name: "turbo", reason: expect.stringMatching(/30 dimensions > 24/) });
    expect(new AutoSampler({ seed: 1, highDimensionalSampler: "tpe" }).decide(wide())).toMatchObject({ name: "tpe", reason: expect.stringMatching(/30 dimensions > 24/) });
    expect(new AutoSampler({ seed: 1, highDimensionalSampler: "turbo" }).decide(wide())).toMatchObject({ name: "turbo", reason: expect.stringMatching(/TuRBO/) });
    expect(new AutoSampler({ seed: 1, highDimensionalSampler: "turbo" }).decide(wide({ kind: c }))).toMatchObject({ name: "tpe" });
    expect(new AutoSampler({ seed: 1, highDimensionalSampler: "turbo", gpMaxDimensions: 40 }).decide(wide())).toMatchObject({ name: "gp" });
    // TuRBO-1 ignores constraints, though auto promises every sampler it picks honours them.
    const constrained = wide();
    const withConstraints = makeSnapshot([makeTrial({ ...constrained.finished[0]!, systemAttrs: { constraints: [0.5] } })]);
    expect(new AutoSampler({ seed: 1 }).decide(withConstraints)).toMatchObject({ name: "tpe", reason: expect.stringMatching(/30 dimensions > 24, constrained: TPE/) });
  });

  it("records its choice and the reason on the study and its trials", async () => {
    const study = await createStudy({ sampler: new AutoSampler({ seed: 3 }) });
    await study.optimize((t) => (t.suggestFloat("x", -1, 1) - 0.3) ** 2, { nTrials: 12 });
    expect(study.systemAttrs["auto:sampler"]).toBe("gp");
    expect(String(study.systemAttrs["auto:reason"])).toMatch(/Gaussian-process/);
    expect(study.trials.every((t) => t.systemAttrs["auto:sampler"] === "gp")).toBe(true);
    expect(study.bestValue!).toBeLessThan(0.01);
  });
});
