// scripts/split-suites.mjs recomputes the lab's dev/test split. Every default was chosen on the
// committed split's dev side, so a run must not replace src/bench/lab/suites.ts unless asked to
// (--replace-committed): it writes its suites.ts under --out. Runs the script for real, with the
// Optuna references at 2 trials and 1 seed (about 10 s).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { optunaUnavailableReason } from "../src/bench/lab/optuna.js";
import { inCI } from "./fixtures/environment.js";

const root = resolve(import.meta.dirname, "..");
const committed = join(root, "src/bench/lab/suites.ts");
const out = mkdtempSync(join(tmpdir(), "sextant-split-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const hash = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe.skipIf(optunaUnavailableReason() !== null && !inCI())("scripts/split-suites.mjs", { timeout: 120_000 }, () => {
  it("writes the new split under --out and leaves the committed suites alone", () => {
    const before = hash(committed);
    const run = spawnSync(process.execPath, [join(root, "scripts/split-suites.mjs"), "--trials", "2", "--seeds", "1", "--dev", "6", "--test", "6", "--out", out], { cwd: root, encoding: "utf8", timeout: 110_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(hash(committed)).toBe(before);
    expect(run.stderr).toContain("the committed src/bench/lab/suites.ts is unchanged");
    const written = join(out, "suites.ts");
    expect(existsSync(written)).toBe(true);
    const text = readFileSync(written, "utf8");
    const names = (side: string) => [...(text.match(new RegExp(`  ${side}: \\[([^\\]]*)\\]`))?.[1] ?? "").matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    expect(names("dev")).toHaveLength(6);
    expect(names("test")).toHaveLength(6);
    expect(names("dev").filter((n) => names("test").includes(n))).toEqual([]);
  });
});
