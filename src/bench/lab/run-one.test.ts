import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PROBLEM_REFERENCES } from "../problems/index.js";
import { readResults, runBenchmark } from "./runner.js";
import { useStandInPython, writeStandInPython } from "../../../test/fixtures/stand-in-python.js";

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "sextant-run-one-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("a command problem whose program fails when run again for a new incumbent's regret", () => {
  it("keeps the run: the regret falls back to the observed value minus the reference, and the fallbacks are counted", async () => {
    // A stand-in for the scikit-learn problems' Python that answers each configuration once: run
    // again with the same parameters (as the lab does to measure a new incumbent's noiseless
    // value), it crashes for odd n_neighbors and prints "nan" for even ones.
    const dir = tempDir();
    const seen = join(dir, "seen");
    mkdirSync(seen);
    const program = join(dir, "python");
    writeStandInPython(program, [
      `const marker = ${JSON.stringify(seen)} + '/' + encodeURIComponent(json);`,
      "if (fs.existsSync(marker)) {",
      "  if (p.n_neighbors % 2 === 1) { console.error('crashed on the second run'); process.exit(2); }",
      "  console.log('nan');",
      "} else {",
      "  fs.writeFileSync(marker, '');",
      "  console.log('sextant: ' + JSON.stringify({ value: p.n_neighbors / 100 + (p.weights === 'distance' ? 0.001 : 0) + p.p / 10000 }));",
      "}",
    ]);
    await useStandInPython(program);

    const out = join(dir, "out");
    // One optimizer at a time, each starting with no configuration seen, so that a configuration
    // both happen to try fails no trial.
    for (const optimizer of ["random", "optuna-random"]) {
      rmSync(seen, { recursive: true });
      mkdirSync(seen);
      const { failures } = await runBenchmark({ problems: ["sklearn-knn-iris"], optimizers: [optimizer], trials: 8, seeds: [0], outDir: out, jobs: 1 });
      expect(failures).toEqual([]);
    }
    expect(readResults(out).map((r) => r.optimizer)).toEqual(["random", "optuna-random"]);
    const reference = PROBLEM_REFERENCES["sklearn-knn-iris"]!.best;
    for (const r of readResults(out)) {
      // Every trial ran once and succeeded; only the re-runs failed.
      expect(r.failedTrials, r.optimizer).toBeUndefined();
      expect(r.curve).toHaveLength(8);
      expect(r.curve.every((x) => Number.isFinite(x))).toBe(true);
      // Each new incumbent's re-run failed: one fallback per change of the curve.
      const changes = r.curve.filter((x, i) => i === 0 || x !== r.curve[i - 1]).length;
      expect(r.noiselessFailures, r.optimizer).toBe(changes);
      expect(r.firstNoiselessFailure).toMatch(/failed \(exit code 2\): crashed on the second run|the program reported no finite value/);
      for (let i = 1; i < r.curve.length; i++) expect(r.curve[i]).toBeLessThanOrEqual(r.curve[i - 1]!);
      expect(r.curve.at(-1)).toBeCloseTo(r.bestValue - reference, 12);
    }

    const { writeReport } = await import("./report.js");
    const written = await writeReport(out);
    expect(readFileSync(written.markdown, "utf8")).toMatch(/\d+ regrets, in 2 runs of `random`, `optuna-random`, are the observed value minus the reference/);
  }, 120_000);
});
