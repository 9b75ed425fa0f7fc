// CLI suite (spawns `node bin/sextant.js` against dist/): `sextant problems`, the benchmark lab's problem listing.
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { sextant } from "./fixtures/cli-run.js";

// The listing reads no storage and writes nothing, so any directory will do.
const run = (args: string[]) => sextant(args, { cwd: tmpdir() });

// `sextant problems` computes reference values as it lists (grid hypervolumes, learning-curve shapes),
// about 2 s of CPU for the full listing; the limit leaves room for a loaded machine (one run took over 60 s).
describe("sextant problems", { timeout: 180_000 }, () => {
  it("lists the problems with dimension, optimum and tags, filtered by tag, as a table and as JSON", async () => {
    const table = await run(["problems"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^hartmann6-6d +6 +-3\.32237 +synthetic, noiseless$/m);
    expect(table.stdout).toMatch(/^rosenbrock-50d +50 +0 +synthetic, noiseless, high-dimensional$/m);
    const json = await run(["problems", "--tag", "mixed", "--tag", "conditional", "--json"]);
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout) as { name: string; tags: string[]; space: Record<string, unknown> }[];
    expect(listed.map((p) => p.name)).toEqual([
      "conditional-ackley-rastrigin-levy-5d",
      "conditional-hartmann6-6d-rosenbrock-4d-styblinski_tang-3d-branin-2d",
      "yahpo-rbv2_xgboost-16",
      "yahpo-rbv2_xgboost-40923",
      "yahpo-rbv2_xgboost-41143",
      "yahpo-rbv2_xgboost-470",
      "yahpo-rbv2_xgboost-1487",
      "yahpo-rbv2_xgboost-40499",
      "sklearn-svc-digits",
    ]);
    expect(listed[0]!.space.branch).toEqual({ type: "categorical", choices: ["ackley", "rastrigin", "levy"] });
  });

  it("shows one problem's space and optimizer, moved by --seed", async () => {
    const canonical = JSON.parse((await run(["problems", "rastrigin-2d", "--json"])).stdout) as { optimizer: Record<string, number> };
    expect(canonical.optimizer).toEqual({ x0: 0, x1: 0 });
    const seeded = await run(["problems", "rastrigin-2d", "--seed", "3", "--json"]);
    const again = await run(["problems", "rastrigin-2d", "--seed", "3", "--json"]);
    expect(seeded.stdout).toBe(again.stdout);
    expect((JSON.parse(seeded.stdout) as { optimizer: Record<string, number> }).optimizer).not.toEqual(canonical.optimizer);
    const table = await run(["problems", "levy-5d-int"]);
    expect(table.stdout).toMatch(/^x0 +int \[-10, 10\] +1 *$/m);
  });

  it("lists surrogate and real-command problems with their reference values and fidelity", async () => {
    const table = await run(["problems", "--tag", "surrogate"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^yahpo-lcbench-3945 +7 +~-99\.6116 +surrogate, multi-fidelity, mixed$/m);
    expect(table.stdout).toMatch(/^~ reference value \(best found by a seeded search\), not a proven optimum$/m);
    const one = await run(["problems", "yahpo-rbv2_xgboost-16"]);
    expect(one.stdout).toMatch(/^yahpo-rbv2_xgboost-16: -acc of YAHPO rbv2_xgboost on instance 16 at trainsize 1; 14 parameters/m);
    expect(one.stdout).toMatch(/^fidelity trainsize: float \[0\.03, 1\], full budget 1$/m);
    expect(one.stdout).toMatch(/^eta +float log \[0\.0009118819655545162, 1\] +- +if booster = dart\|gbtree$/m);
    const json = JSON.parse((await run(["problems", "--tag", "real-command", "--json"])).stdout) as { name: string; optimumKind: string; fidelity: unknown }[];
    expect(json.map((p) => p.name)).toEqual(["sklearn-svc-digits", "sklearn-gbt-wine", "sklearn-knn-iris"]);
    expect(json[0]!.optimumKind).toBe("best of 100 random configurations (seed 2026)");
    expect(json[0]!.fidelity).toBeNull();
  });

  it("refuses an unknown problem, tag or seed with the closest name", async () => {
    const problem = await run(["problems", "branin2"]);
    expect(problem.code).toBe(2);
    expect(problem.stderr).toBe('sextant: unknown problem "branin2" (did you mean "branin-2d"?); `sextant problems` lists them\n');
    const tag = await run(["problems", "--tag", "nosy"]);
    expect(tag.code).toBe(2);
    expect(tag.stderr).toMatch(/^sextant: --tag: unknown tag "nosy" \(did you mean "noisy"\?/);
    const seed = await run(["problems", "--seed", "-1"]);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toMatch(/--seed must be a non-negative integer/);
  });
});
