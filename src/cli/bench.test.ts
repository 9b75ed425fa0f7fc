import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../bench/lab/index.js";
import { benchDefaultsCommand, benchReportCommand, benchSubsetCommand, noiselessFallbackWarnings, parseSeeds, resolveSuite } from "./bench.js";
import { UsageError, UserError } from "./errors.js";
import type { Io } from "./io.js";

const base = { trials: 5, curve: [1, 1, 0.5, 0.5, 0.2], bestValue: 0.2, seconds: 1, optimizerSeconds: 0.1 };

describe("noiselessFallbackWarnings", () => {
  it("counts new incumbents, multi-fidelity incumbents and recommended trials apart, each with its first reason", () => {
    const results: RunResult[] = [
      { ...base, problem: "sklearn-knn-iris", optimizer: "random", seed: 0, noiselessFailures: 2, firstNoiselessFailure: "crashed on the second run" },
      { ...base, problem: "sklearn-knn-iris", optimizer: "tpe", seed: 0, noiselessFailures: 1, firstNoiselessFailure: "exit code 2" },
      { ...base, problem: "augmented-branin-2d-fidelity", optimizer: "random", seed: 1, fidelityUnitsPerTrial: 9, noiselessFailures: 4, firstNoiselessFailure: "not a finite number" },
      { ...base, problem: "hartmann3-3d-noisy", optimizer: "gp", seed: 2, recommendedNoiselessFailures: 3, firstRecommendedNoiselessFailure: "the re-run crashed" },
      { ...base, problem: "branin-2d", optimizer: "gp", seed: 3 },
    ];
    expect(noiselessFallbackWarnings(results)).toEqual([
      "sextant: in 2 runs, the noiseless value of 3 new incumbents could not be measured (measuring it failed or gave no finite value); " +
        "their regret is their observed value minus the reference (first: random on sklearn-knn-iris, seed 0: crashed on the second run)",
      "sextant: in 1 multi-fidelity run, the noiseless final value of 4 new incumbents could not be measured (measuring it failed or gave no finite value); " +
        "their regret is their observed final value minus the reference (first: random on augmented-branin-2d-fidelity, seed 1: not a finite number)",
      "sextant: in 1 run, the noiseless value of 3 recommended trials could not be measured (measuring it failed or gave no finite value); " +
        "their regret in the recommended-trial curve is their observed value minus the reference (first: gp on hartmann3-3d-noisy, seed 2: the re-run crashed)",
    ]);
  });

  it("says nothing when every noiseless value was measured", () => {
    expect(noiselessFallbackWarnings([{ ...base, problem: "branin-2d", optimizer: "gp", seed: 0 }])).toEqual([]);
  });
});

describe("the lab's lists refuse a repeat, naming the flag and the value", () => {
  const io = { out: () => undefined, err: () => undefined, write: () => undefined } as unknown as Io;

  it("--suite and --test-suite refuse a name given twice, and keep once a problem two items share", () => {
    expect(() => resolveSuite("branin-2d,branin-2d")).toThrow(new UsageError('--suite: "branin-2d" is listed twice'));
    expect(() => resolveSuite("smoke, smoke", "--test-suite")).toThrow(new UsageError('--test-suite: "smoke" is listed twice'));
    expect(() => resolveSuite("nowhere", "--test-suite")).toThrow(/^--test-suite: "nowhere" is neither a suite/);
    // A suite and one of its own problems: the problem runs once.
    expect(resolveSuite("smoke,branin-2d").filter((p) => p === "branin-2d")).toHaveLength(1);
  });

  it("bench report --budgets refuses a budget given twice", async () => {
    await expect(benchReportCommand("no-such-run", { budgets: "5,10,5" }, io)).rejects.toThrow(new UsageError("--budgets: 5 is listed twice"));
  });

  it("bench report --budgets takes budgets in decimal digits, a blank after a comma allowed", async () => {
    // Number() read 0x10 as 16 and 1e2 as 100, and the report went on to a budget no one wrote.
    for (const budgets of ["0x10", "1e2", "30,+100", "30,100.0", "30,,100", "", "0b11", "100000000000000000000"]) {
      await expect(benchReportCommand("no-such-run", { budgets }, io), budgets).rejects.toThrow(new UsageError(`--budgets must be positive integers, comma-separated, got "${budgets}"`));
    }
    // Past the budgets: the run folder is missing.
    await expect(benchReportCommand("no-such-run", { budgets: "30, 100" }, io)).rejects.toThrow(/^dir: no-such-run holds no run/);
  });

  it("bench report --optimizers needs an optimizer or more, each once", async () => {
    await expect(benchReportCommand("no-such-run", { optimizers: "auto,random,auto" }, io)).rejects.toThrow(new UsageError('--optimizers: "auto" is listed twice'));
    await expect(benchReportCommand("no-such-run", { optimizers: "," }, io)).rejects.toThrow(new UsageError("--optimizers: give at least one optimizer of the run"));
  });

  it("bench subset needs a reference or more, each once", async () => {
    await expect(benchSubsetCommand("no-such-run", { references: "tpe,random,tpe", size: 1 }, io)).rejects.toThrow(new UsageError('--references: "tpe" is listed twice'));
    await expect(benchSubsetCommand("no-such-run", { references: " , ", size: 1 }, io)).rejects.toThrow(new UsageError("--references: give at least one optimizer of the run"));
  });

  it("bench defaults, like bench tune, needs two candidates or more, each once", async () => {
    await expect(benchDefaultsCommand("no-such-run", { candidates: "tpe" }, io)).rejects.toThrow(new UsageError("--candidates: give at least two configurations to choose from"));
    await expect(benchDefaultsCommand("no-such-run", { candidates: "tpe,tpe" }, io)).rejects.toThrow(new UsageError('--candidates: "tpe" is listed twice'));
  });
});

describe("bench report --out", () => {
  const io = { out: () => undefined, err: () => undefined, write: () => undefined } as unknown as Io;

  it("refuses to replace a SQLite database, as export's --output does, and writes nothing beside it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-bench-report-"));
    try {
      writeFileSync(join(dir, "run.json"), JSON.stringify({ trials: 5, problems: ["branin-2d"], optimizers: ["tpe", "random"], seeds: [0] }));
      writeFileSync(join(dir, "results.jsonl"), ["tpe", "random"].map((optimizer) => `${JSON.stringify({ ...base, problem: "branin-2d", optimizer, seed: 0 })}\n`).join(""));
      const storage = join(dir, "sextant.db");
      const db = new Database(storage);
      db.exec("CREATE TABLE studies (name TEXT); INSERT INTO studies VALUES ('demo')");
      db.close();
      const before = readFileSync(storage);
      const refused = benchReportCommand(dir, { out: storage }, io);
      await expect(refused).rejects.toThrow(UserError);
      await expect(refused).rejects.toThrow(`--out ${storage} is a SQLite database (a Sextant storage, perhaps), which writing there would replace; give another file name, or delete that file first`);
      expect(readFileSync(storage).equals(before)).toBe(true);
      expect(existsSync(`${storage}.json`) || existsSync(`${storage}-figures`)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("bench defaults and bench subset on runs of a problem this version does not have", () => {
  const io = { out: () => undefined, err: () => undefined, write: () => undefined } as unknown as Io;

  it("refuse them, naming the problem, rather than failing with an internal error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-bench-unknown-"));
    try {
      const problems = ["branin-2d", "retired-problem-3d"];
      writeFileSync(join(dir, "run.json"), JSON.stringify({ trials: 5, problems, optimizers: ["tpe", "auto", "random"], seeds: [0] }));
      const lines = problems.flatMap((problem) => ["tpe", "auto", "random"].map((optimizer) => `${JSON.stringify({ ...base, problem, optimizer, seed: 0 })}\n`));
      writeFileSync(join(dir, "results.jsonl"), lines.join(""));
      const refusal = new UsageError(`dir: ${dir} holds runs of a problem this version of Sextant does not have ("retired-problem-3d"); \`sextant problems\` lists those it has`);
      await expect(benchDefaultsCommand(dir, { candidates: "tpe,auto" }, io)).rejects.toThrow(refusal);
      await expect(benchSubsetCommand(dir, { references: "tpe,random", size: 1 }, io)).rejects.toThrow(refusal);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("parseSeeds", () => {
  it("says the limits a seed list is refused for, not only its forms", () => {
    // A count of 10^8 is a non-negative integer: the message read as if it were not.
    for (const text of ["100000000", "0-1000000", "4294967296", "1,4294967296"]) {
      expect(() => parseSeeds(text), text).toThrow(
        new UsageError(`--seeds must be a count N, a range A-B or a list A,B,C of non-negative integers (seeds below 2^32, at most 1000000 of them), got "${text}"`),
      );
    }
    expect(parseSeeds("1000000")).toHaveLength(1_000_000);
    expect(parseSeeds("4294967295-4294967295")).toEqual([4294967295]);
  });
});
