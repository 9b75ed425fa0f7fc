import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createStudy } from "../study/index.js";
import type { Io } from "./io.js";
import { main } from "./main.js";

/** Runs `sextant ARGS` in this process, its output kept. */
async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (line) => void out.push(line), err: (line) => void err.push(line), write: (text) => void out.push(text), stdinIsTTY: false, stderrIsTTY: false };
  const code = await main(["node", "sextant", ...args], io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("integer flags", () => {
  it("refuse a whole number too large to hold exactly, naming the flag (not an internal error)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-main-"));
    try {
      const storage = `sqlite:${join(dir, "runs.db")}`;
      const study = await createStudy({ name: "demo", storage, seed: 1 });
      await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 3 });
      await study.storage.close();
      // `trials --limit 1e20` passed Number.isInteger and reached storage as an internal error;
      // `create --trials 1e20` made the study, then failed queueing its budget the same way.
      for (const [args, flag] of [
        [["trials", "demo", "--storage", storage, "--limit", "99999999999999999999"], "--limit"],
        [["create", "--storage", storage, "--study", "big", "-p", "x=float:0:1", "--trials", "1e20", "--", "echo", "{x}"], "--trials"],
        [["importance", "demo", "--storage", storage, "--seed", "1e30"], "--seed"],
        [["importance", "demo", "--storage", storage, "--objective", "1e30"], "--objective"],
      ] as const) {
        const result = await run([...args]);
        expect(result.err, args.join(" ")).toMatch(new RegExp(`^sextant: ${flag} must be an? (positive |non-negative )?integer`));
        expect(result.code, args.join(" ")).toBe(2);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
