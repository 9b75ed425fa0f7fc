import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
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
        [["create", "--storage", storage, "--study", "big", "-p", "x=float:0:1", "--trials", "100000000000000000000", "--", "echo", "{x}"], "--trials"],
        [["importance", "demo", "--storage", storage, "--seed", "-1000000000000000000000000000000"], "--seed"],
        [["importance", "demo", "--storage", storage, "--objective", "1000000000000000000000000000000"], "--objective"],
      ] as const) {
        const result = await run([...args]);
        expect(result.err, args.join(" ")).toMatch(new RegExp(`^sextant: ${flag} must be an? (positive |non-negative )?integer of at most ${Number.MAX_SAFE_INTEGER} in size`));
        expect(result.code, args.join(" ")).toBe(2);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("take plain decimal digits only: hex, blanks, exponents, a plus sign or a decimal point were read as another number", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-main-"));
    try {
      // No such file: a value taken as a number went on to "no storage found" (exit 1).
      const storage = `sqlite:${join(dir, "none.db")}`;
      const refused = (flag: string, mustBe: string) => (text: string) => `sextant: ${flag} must be ${mustBe}, got "${text}"`;
      const cases: [string[], string, (text: string) => string][] = [];
      for (const text of ["0x10", " 5", "5 ", "1e3", "+5", "5.0", "", "0b101", "-0"]) {
        cases.push([["trials", "demo", "--storage", storage, "--limit", text], text, refused("--limit", "a positive integer")]);
        cases.push([["importance", "demo", "--storage", storage, "--objective", text], text, refused("--objective", "a non-negative integer")]);
        // A plain port was listened on: the bad storage after it is never reached when the port is refused.
        cases.push([["serve", "--port", text, "--storage", "bogus:"], text, () => `sextant: --port must be an integer from 0 to 65535, got "${text}"`]);
        cases.push([["fail-trial", "demo", text, "--storage", storage], text, () => `sextant: a trial number must be a whole number ≥ 0, got "${text}"`]);
      }
      // --seed takes negatives, written with a minus, and nothing else but digits.
      for (const text of ["0x10", " -5", "-1e3", "+5", "-5.0", "", "--5"]) {
        cases.push([["importance", "demo", "--storage", storage, "--seed", text], text, refused("--seed", "an integer")]);
      }
      for (const [args, text, message] of cases) {
        const result = await run(args);
        expect([result.code, result.err], `${args.join(" ")} (${JSON.stringify(text)})`).toEqual([2, message(text)]);
      }
      for (const args of [
        ["trials", "demo", "--storage", storage, "--limit", "007"],
        ["importance", "demo", "--storage", storage, "--seed", "-5"],
        ["importance", "demo", "--storage", storage, "--objective", "0"],
      ]) {
        const result = await run(args);
        expect([result.code, result.err], args.join(" ")).toEqual([1, expect.stringMatching(/^sextant: no study named "demo": no storage found at /)]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** What `sextant ARGS` writes to stdout through commander (help goes there, not through the Io). */
async function helpText(args: string[]): Promise<string> {
  let text = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  try {
    await run(args);
  } finally {
    spy.mockRestore();
  }
  return text;
}

/** The examples of a help text, a line ending in "\" joined with the next as a shell joins them. */
function examples(help: string): string[] {
  const lines = help.slice(help.indexOf("\nExamples:\n")).split("\n");
  const commands: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^ {2}\$ /.test(lines[i]!)) continue;
    let command = lines[i]!.replace(/^ {2}\$ /, "");
    while (command.endsWith("\\") && i + 1 < lines.length) command = `${command}\n${lines[++i]!}`;
    commands.push(command);
  }
  return commands;
}

describe("help examples", () => {
  it("are shell commands that paste as printed: a note after one is a # comment, not a syntax error", async () => {
    // "sextant delete old-study   (asks for confirmation)" pasted into a shell was a syntax error.
    const top = await helpText(["--help"]);
    const names = [...top.slice(top.indexOf("\nCommands:\n"), top.indexOf("\nExamples:\n")).matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]!).filter((name) => name !== "help");
    const bench = await helpText(["bench", "--help"]);
    const benchNames = [...bench.slice(bench.indexOf("\nCommands:\n"), bench.indexOf("\nExamples:\n")).matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]!).filter((name) => name !== "help");
    expect(names).toContain("delete");
    expect(benchNames).toContain("run");
    const helps = [top, ...(await Promise.all(names.map((name) => helpText([name, "--help"])))), ...(await Promise.all(benchNames.map((name) => helpText(["bench", name, "--help"]))))];
    const bad: string[] = [];
    for (const example of helps.flatMap(examples)) {
      const checked = spawnSync("bash", ["-n", "-c", example], { encoding: "utf8" });
      if (checked.status !== 0) bad.push(`${example}\n  ${checked.stderr.trim()}`);
    }
    expect(bad).toEqual([]);
  });
});

describe("--storage help", () => {
  it("names every URL form openStorage reads, postgresql:// and Optuna's sqlite:/// and sqlite://// among them", async () => {
    for (const command of ["tune", "worker", "studies", "dashboard"]) {
      const help = (await helpText([command, "--help"])).replace(/\s+/g, " ");
      for (const form of ["sqlite:PATH", "sqlite:///relative.db", "sqlite:////absolute.db", "postgres://", "postgresql://USER@HOST:PORT/DB"]) {
        expect(help, `${command} --help`).toContain(form);
      }
    }
  });
});

describe("runs in one process", () => {
  it("add no 'error' listener to stdout or stderr after the first (11 runs made Node warn of a leak)", async () => {
    const errorListeners = () => [process.stdout.listenerCount("error"), process.stderr.listenerCount("error")];
    expect((await run(["help", "no-such-command"])).code).toBe(2);
    const before = errorListeners();
    for (let i = 0; i < 20; i++) expect((await run(["help", "no-such-command"])).code).toBe(2);
    expect(errorListeners()).toEqual(before);
  });
});
