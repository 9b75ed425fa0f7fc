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

describe("runs in one process", () => {
  it("add no 'error' listener to stdout or stderr after the first (11 runs made Node warn of a leak)", async () => {
    const errorListeners = () => [process.stdout.listenerCount("error"), process.stderr.listenerCount("error")];
    expect((await run(["help", "no-such-command"])).code).toBe(2);
    const before = errorListeners();
    for (let i = 0; i < 20; i++) expect((await run(["help", "no-such-command"])).code).toBe(2);
    expect(errorListeners()).toEqual(before);
  });
});
