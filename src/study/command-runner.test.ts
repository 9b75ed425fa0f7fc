import { spawn, spawnSync } from "node:child_process";
import { getEventListeners } from "node:events";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Pruner, ThresholdPruner } from "../pruners/index.js";
import { RandomSampler } from "../samplers/index.js";
import type { Distribution } from "../space/index.js";
import {
  CommandNotFoundError,
  CommandTemplateError,
  checkCommandSpec,
  commandObjective,
  paramEnvName,
  parseReportLine,
  placeholdersIn,
  resolveExecutable,
  substitutePlaceholders,
  setLongTimeout,
  removeOrphanedTrialFolders,
} from "./command-runner.js";
import { createStudy } from "./index.js";
import { currentWorker } from "./worker-identity.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sextant-runner-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}

/** Whether a process still runs (a zombie waiting to be reaped counts as dead). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function eventuallyDead(pid: number): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const X: Record<string, Distribution> = { x: { type: "float", low: 0, high: 1 } };
const hasPython3 = spawnSync("python3", ["--version"]).status === 0;

describe("placeholders and protocol", () => {
  it("substitutes whole values, inside arguments too, and keeps {{ }} literal", () => {
    expect(substitutePlaceholders("--lr={lr}", { lr: 0.01 })).toBe("--lr=0.01");
    expect(substitutePlaceholders("{a}-{b}", { a: "x y", b: null })).toBe("x y-null");
    expect(substitutePlaceholders("{{lr}}", { lr: 1 })).toBe("{lr}");
    expect(substitutePlaceholders('{"json": 1}', {})).toBe('{"json": 1}');
    expect(() => substitutePlaceholders("{nope}", { lr: 1 })).toThrow(CommandTemplateError);
    expect(placeholdersIn(["run", "--a={a}", "{b}", "{a}"])).toEqual(["a", "b"]);
    // Parameters named in any script, or with spaces, are substituted too: they used to reach the program as "{größe}".
    expect(substitutePlaceholders("{größe}/{learning rate}/{学习率}", { größe: 3, "learning rate": 0.1, 学习率: 2 })).toBe("3/0.1/2");
    expect(substitutePlaceholders("{{learning rate}} {0} {a b}", { x: 1 })).toBe("{learning rate} {0} {a b}");
    expect(() => substitutePlaceholders("{größe}", { x: 1 })).toThrow(CommandTemplateError);
    expect(placeholdersIn(["{größe}", "{learning rate}", '{"a": 1}'], ["learning rate"])).toEqual(["größe", "learning rate"]);
  });

  it("names environment variables by upper-casing and replacing non-alphanumerics", () => {
    expect(paramEnvName("learning-rate")).toBe("SEXTANT_PARAM_LEARNING_RATE");
    expect(paramEnvName("n.layers2")).toBe("SEXTANT_PARAM_N_LAYERS2");
  });

  it("parses sextant: lines", () => {
    expect(parseReportLine('sextant: {"step": 3, "value": 0.41}')).toEqual({ kind: "intermediate", step: 3, value: 0.41 });
    expect(parseReportLine('  sextant: {"value": 0.93}')).toEqual({ kind: "final", values: [0.93] });
    expect(parseReportLine('sextant: {"values": [1, 2]}')).toEqual({ kind: "final", values: [1, 2] });
    expect(parseReportLine("loss 0.3")).toBeNull();
    expect(parseReportLine("sextant: {oops")?.kind).toBe("invalid");
    expect(parseReportLine('sextant: {"step": -1, "value": 1}')?.kind).toBe("invalid");
    expect(parseReportLine('sextant: {"step": 1, "value": "a"}')?.kind).toBe("invalid");
    expect(parseReportLine('sextant: {"constraints": [0.5, -1]}')).toEqual({ kind: "constraints", constraints: [0.5, -1] });
    expect(parseReportLine('sextant: {"values": [1, 2], "constraints": [-3]}')).toEqual({ kind: "final", values: [1, 2], constraints: [-3] });
    expect(parseReportLine('sextant: {"other": 1}')).toEqual({ kind: "invalid", message: 'a sextant line needs "value", "values" or "constraints": {"other": 1}' });
    // Python's json.dumps writes NaN and Infinity bare: a diverged run's line was refused as not JSON.
    expect(parseReportLine('sextant: {"step": 2, "value": NaN}')).toEqual({ kind: "intermediate", step: 2, value: Number.NaN });
    expect(parseReportLine('sextant: {"step": 3, "value": -Infinity}')).toEqual({ kind: "intermediate", step: 3, value: -Infinity });
    expect(parseReportLine('sextant: {"values": [Infinity, 1]}')).toEqual({ kind: "final", values: [Infinity, 1] });
    // The words inside strings stay text.
    expect(parseReportLine('sextant: {"value": 1, "constraints": [NaN], "note": "NaN \\" Infinity"}')).toEqual({ kind: "final", values: [1], constraints: [Number.NaN] });
    expect(parseReportLine('sextant: {"step": 1, "value": NaNa}')?.kind).toBe("invalid");
  });

  it("refuses a line with a misspelt key, value and values together, or constraints beside a step", () => {
    // Each was read without a word: the misspelt constraints stored an infeasible trial as feasible.
    expect(parseReportLine('sextant: {"values": [1, 2], "constraint": [5]}')).toEqual({ kind: "invalid", message: 'unknown key "constraint" (did you mean "constraints"?): {"values": [1, 2], "constraint": [5]}' });
    expect(parseReportLine('sextant: {"valeu": 1}')?.kind).toBe("invalid");
    expect(parseReportLine('sextant: {"value": 1, "values": [1, 2]}')).toMatchObject({ kind: "invalid", message: expect.stringMatching(/^give "value" or "values", not both/) });
    expect(parseReportLine('sextant: {"step": 1, "value": 0.5, "constraints": [5]}')).toMatchObject({ kind: "invalid", message: expect.stringMatching(/^constraints go on the result line/) });
    expect(parseReportLine('sextant: {"Value": 1}')?.kind).toBe("invalid");
    // A key that is no misspelling of one is let through, as before: a program's own extra keys.
    for (const extra of ["epoch", "value_std", "n_steps", "valid", "setup", "vals"]) {
      expect(parseReportLine(`sextant: {"value": 0.3, "${extra}": 12}`), extra).toEqual({ kind: "final", values: [0.3] });
    }
  });

  it("waits out a timer longer than setTimeout's 24.8-day limit instead of firing at once", () => {
    vi.useFakeTimers();
    try {
      const timers: NodeJS.Timeout[] = [];
      let fired = 0;
      const fortyDays = 40 * 86_400_000;
      setLongTimeout(() => fired++, fortyDays, timers);
      vi.advanceTimersByTime(10);
      expect(fired).toBe(0);
      vi.advanceTimersByTime(fortyDays - 20);
      expect(fired).toBe(0);
      vi.advanceTimersByTime(10);
      expect(fired).toBe(1);
      // Clearing every timer pushed cancels a chain part-way.
      setLongTimeout(() => fired++, fortyDays, timers);
      vi.advanceTimersByTime(2 ** 31);
      for (const timer of timers) clearTimeout(timer);
      vi.advanceTimersByTime(fortyDays);
      expect(fired).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("clips a bad line's text in its warning without cutting a character in half", () => {
    // The 79th and 80th code units are one emoji: kept whole or dropped whole, never half (which
    // PostgreSQL's jsonb refused, breaking the study list of the whole schema).
    for (const pad of [77, 78, 79]) {
      const body = "x".repeat(pad) + "🚀🚀 tail {";
      const warning = parseReportLine(`sextant: ${body}`);
      expect(warning?.kind).toBe("invalid");
      const message = (warning as { message: string }).message;
      expect(message).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      expect(message).toMatch(/x…$|🚀…$/);
    }
  });

  it("resolves executables on PATH and refuses missing or non-executable ones", () => {
    expect(resolveExecutable("node")).toMatch(/node$/);
    expect(() => resolveExecutable("sextant-no-such-program-xyz")).toThrow(CommandNotFoundError);
    const plain = script("plain.sh", "echo hi\n");
    expect(() => resolveExecutable("./plain.sh", { cwd: dir })).toThrow(/not executable/);
    expect(() => resolveExecutable("./missing.sh", { cwd: dir })).toThrow(/does not exist/);
    // It said "not found on PATH" of a file that is there and only lacks its execute bit.
    expect(() => resolveExecutable("plain.sh", { cwd: dir, env: { PATH: dir } })).toThrow(
      `command "plain.sh" found at ${plain} but not executable; make it executable (chmod +x ${plain})`,
    );
    mkdirSync(join(dir, "sub", "folder.sh"), { recursive: true });
    expect(() => resolveExecutable("folder.sh", { cwd: dir, env: { PATH: join(dir, "sub") } })).toThrow('command "folder.sh" not found on PATH');
    chmodSync(plain, 0o755);
    expect(resolveExecutable("./plain.sh", { cwd: dir })).toBe(plain);
    // A relative PATH entry is looked up from the command's working directory, as spawn will.
    expect(resolveExecutable("plain.sh", { cwd: dir, env: { PATH: "." } })).toBe(plain);
    expect(() => resolveExecutable(dir)).toThrow(/is not a file/);
  });

  it("refuses a template with a placeholder that names no parameter", () => {
    expect(() => commandObjective({ argv: ["node", "{y}"], space: X })).toThrow(/\{y\}/);
    expect(() => commandObjective({ argv: ["node", "{größe}"], space: X })).toThrow(/\{größe\} but there is no such parameter/);
    expect(() => commandObjective({ argv: [], space: X })).toThrow(/empty/);
  });
});

describe("commandObjective", () => {
  it("completes with the reported value, records intermediate values, passes params three ways", async () => {
    const out = join(dir, "seen.json");
    const path = script(
      "obj.mjs",
      `import { readFileSync, writeFileSync } from "node:fs";
const x = Number(process.argv[2]);
writeFileSync(${JSON.stringify(out)}, JSON.stringify({ argv: process.argv.slice(2), env: process.env.SEXTANT_PARAM_X,
  trial: process.env.SEXTANT_TRIAL_NUMBER, study: process.env.SEXTANT_STUDY, file: JSON.parse(readFileSync(process.env.SEXTANT_PARAMS_FILE, "utf8")),
  fileName: process.env.SEXTANT_PARAMS_FILE, extra: process.env.EXTRA }));
console.log("noise");
console.log('sextant: {"step": 0, "value": 5}');
console.log('sextant: {"step": 1, "value": 4}');
console.log(\`sextant: {"value": \${x * 10}}\`);
`,
    );
    const study = await createStudy({ name: "s", sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize(
      commandObjective({ argv: ["node", path, "{x}", "--tag=t{x}"], space: X, studyName: "s", env: { EXTRA: "e{x}" } }),
      { nTrials: 1 },
    );
    const trial = study.trials[0]!;
    expect(trial.state).toBe("complete");
    const x = trial.params.x as number;
    expect(trial.values).toEqual([x * 10]);
    expect(trial.intermediate).toEqual({ 0: 5, 1: 4 });
    expect(trial.systemAttrs.exitCode).toBe(0);
    expect(trial.systemAttrs.stdoutTail).toContain("noise");
    const seen = JSON.parse(readFileSync(out, "utf8"));
    expect(seen.argv).toEqual([String(x), `--tag=t${x}`]);
    expect(seen.env).toBe(String(x));
    expect(seen.trial).toBe("0");
    expect(seen.study).toBe("s");
    expect(seen.file).toEqual({ x });
    expect(seen.extra).toBe(`e${x}`);
    expect(existsSync(seen.fileName)).toBe(false);
  });

  it("takes a bare number on the last line, and fails on NaN or no value", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 2 }) });
    const code = `const n = Number(process.env.SEXTANT_TRIAL_NUMBER);
if (n === 0) console.log("result\\n  0.25  \\n");
else if (n === 1) console.log("NaN");
else if (n === 2) console.log("all done");
else if (n === 3) console.log('sextant: {"value": "abc"}');
else if (n === 4) console.log("inf");
else console.log("-Infinity");`;
    // Side by side: each run reads its own trial number, and the trials are checked by number.
    await study.optimize(commandObjective({ argv: ["node", "-e", code], space: X }), { nTrials: 6, concurrency: 3 });
    const [a, b, c, d, e, f] = study.trials;
    // Python's print(float("inf")) was reported as "NaN", sending users looking for a NaN.
    expect(e!.systemAttrs.failReason).toBe("reported value Infinity is not a finite number");
    expect(f!.systemAttrs.failReason).toBe("reported value -Infinity is not a finite number");
    expect(a!.state).toBe("complete");
    expect(a!.values).toEqual([0.25]);
    expect(b!.state).toBe("failed");
    expect(b!.systemAttrs.failReason).toBe("reported value NaN is not a finite number");
    expect(c!.state).toBe("failed");
    expect(c!.systemAttrs.failReason).toMatch(/no value reported.*all done/);
    // It named only the one-value form, which a study of several objectives then refused.
    expect(c!.systemAttrs.failReason).toContain(`(several objectives: 'sextant: {"values": [<number>, ...]}')`);
    expect(d!.systemAttrs.failReason).toMatch(/"abc" is not a finite number/);
  });

  it("says that the result went to stderr, which is not read, where the failure said only that stdout was empty", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 2 }) });
    // Python's print(loss, file=sys.stderr) and logging write there.
    const code = `const n = Number(process.env.SEXTANT_TRIAL_NUMBER);
if (n === 0) console.error("0.25");
else if (n === 1) { console.error('sextant: {"value": 0.5}'); console.error("done"); }
else if (n === 2) { console.log("all done"); console.error("1.5"); }
else console.error("loss went down");`;
    await study.optimize(commandObjective({ argv: ["node", "-e", code], space: X }), { nTrials: 4, concurrency: 2 });
    const [bare, line, both, neither] = study.trials.map((t) => t.systemAttrs.failReason as string);
    const noValue = `no value reported: print 'sextant: {"value": <number>}' (several objectives: 'sextant: {"values": [<number>, ...]}') or a number on the last line of stdout`;
    expect(bare).toBe(`${noValue} (stdout was empty); stderr has it (0.25), but only stdout is read: print the result there`);
    expect(line).toBe(`${noValue} (stdout was empty); stderr has it (sextant: {"value": 0.5}), but only stdout is read: print the result there`);
    expect(both).toBe(`${noValue} (last line: all done); stderr has it (1.5), but only stdout is read: print the result there`);
    expect(neither).toBe(`${noValue} (stdout was empty)`);
  });

  it("names the objective whose reported value is not a number, and where a list of several values goes", async () => {
    const study = await createStudy({ directions: ["minimize", "maximize"], sampler: new RandomSampler({ seed: 2 }) });
    const code = `const n = Number(process.env.SEXTANT_TRIAL_NUMBER);
if (n === 0) console.log('sextant: {"values": [0.5, NaN]}');
else if (n === 1) console.log('sextant: {"value": [0.5, 12]}');
else console.log('sextant: {"values": [0.5, 12]}');`;
    await study.optimize(commandObjective({ argv: ["node", "-e", code], space: X }), { nTrials: 3, concurrency: 3 });
    const [nan, list, fine] = study.trials;
    // It said "reported value NaN is not a finite number", and which of the two was left to guess.
    expect(nan!.systemAttrs.failReason).toBe("reported value NaN (objective 1 of 2) is not a finite number");
    // {"value": [..]}, the one-objective key with two values, read as a value that is not a number.
    expect(list!.systemAttrs.failReason).toBe(
      `reported value [0.5,12] is not a finite number; several objectives go in one flat list: 'sextant: {"values": [<number>, ...]}'`,
    );
    expect(fine!.values).toEqual([0.5, 12]);
  });

  it("fails a command that exits non-zero with its exit code and stderr tail, and goes on", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 3 }) });
    const code = `if (process.env.SEXTANT_TRIAL_NUMBER === "0") { process.stderr.write("x".repeat(5000) + "\\nboom: out of memory\\n"); process.exit(3); } console.log(1.5);`;
    await study.optimize(commandObjective({ argv: ["node", "-e", code], space: X }), { nTrials: 2 });
    const [failed, ok] = study.trials;
    expect(failed!.state).toBe("failed");
    expect(failed!.systemAttrs.exitCode).toBe(3);
    expect(failed!.systemAttrs.signal).toBeNull();
    expect(failed!.systemAttrs.failReason).toBe("exit code 3: boom: out of memory");
    const tail = failed!.systemAttrs.stderrTail as string;
    expect(tail.endsWith("boom: out of memory\n")).toBe(true);
    expect(tail.length).toBeLessThanOrEqual(2048);
    expect(ok!.state).toBe("complete");
  });

  it("says that a failed command had reported its result before it exited non-zero or was killed, and still fails its trial", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 3 }) });
    const code = `console.log('sextant: {"value": 0.5}');
if (process.env.SEXTANT_TRIAL_NUMBER === "0") { process.stderr.write("upload failed\\n"); process.exit(2); }
process.kill(process.pid, "SIGKILL");`;
    await study.optimize(commandObjective({ argv: ["node", "-e", code], space: X }), { nTrials: 2 });
    const [exited, killed] = study.trials;
    // "exit code 2" alone read as a program that never got as far as its result.
    expect(exited!.state).toBe("failed");
    expect(exited!.systemAttrs.failReason).toBe("exit code 2 after reporting its result (0.5): upload failed");
    expect(killed!.state).toBe("failed");
    expect(killed!.systemAttrs.failReason).toBe("killed by signal SIGKILL after reporting its result (0.5)");
  });

  it("names the error of a Node program that throws, not the stack or the Node.js version after it", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 3 }) });
    await study.optimize(commandObjective({ argv: ["node", "-e", 'throw new RangeError("lr out of range")'], space: X }), { nTrials: 1 });
    const [failed] = study.trials;
    expect(failed!.systemAttrs.stderrTail).toMatch(/Node\.js v\d+/);
    expect(failed!.systemAttrs.failReason).toBe("exit code 1: RangeError: lr out of range");
  });

  it("names the error of a Node program whose error has properties, not the } that closes them", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 3 }) });
    await study.optimize(commandObjective({ argv: ["node", join(dir, "missing.mjs")], space: X }), { nTrials: 1 });
    await study.optimize(commandObjective({ argv: ["node", "-e", 'throw Object.assign(new Error("disk full"), { code: "ENOSPC" })'], space: X }), { nTrials: 1 });
    await study.optimize(commandObjective({ argv: ["node", "-e", 'require("./missing-module")'], space: X }), { nTrials: 1 });
    await study.optimize(
      commandObjective({ argv: ["node", "-e", 'throw Object.assign(new Error("HTTP 503"), { response: { status: 503, headers: { "retry-after": "5" } } })'], space: X }),
      { nTrials: 1 },
    );
    const [missing, coded, required, nested] = study.trials;
    // All were "exit code 1: }"; a first fix gave "- /path" (the require stack) and "headers:" (a nested block).
    expect(missing!.systemAttrs.failReason).toMatch(/^exit code 1: Error: Cannot find module .*missing\.mjs/);
    expect(coded!.systemAttrs.failReason).toBe("exit code 1: Error: disk full");
    expect(required!.systemAttrs.failReason).toBe("exit code 1: Error: Cannot find module './missing-module'");
    expect(nested!.systemAttrs.failReason).toBe("exit code 1: Error: HTTP 503");
  });

  it("reads the value and the error of a program that prints them in color (FORCE_COLOR=1 set by the user)", async () => {
    // Node colors a logged number and an uncaught error's stack frames under FORCE_COLOR, into a
    // pipe too: the first failed with "no value reported … (last line: 0.25)", the second was
    // "exit code 1:     at node:internal/main/eval_string:51:3", a gray stack frame.
    const env = { FORCE_COLOR: "1" };
    const study = await createStudy({ sampler: new RandomSampler({ seed: 3 }) });
    await study.optimize(commandObjective({ argv: ["node", "-e", "console.log(0.25)"], space: X, env }), { nTrials: 1 });
    await study.optimize(commandObjective({ argv: ["node", "-e", 'throw new RangeError("lr out of range")'], space: X, env }), { nTrials: 1 });
    const [printed, thrown] = study.trials;
    expect([printed!.state, printed!.values, printed!.systemAttrs.failReason]).toEqual(["complete", [0.25], undefined]);
    expect(thrown!.systemAttrs.failReason).toBe("exit code 1: RangeError: lr out of range");
  });

  it("fails a command killed by a signal, and one whose program or folder is missing", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 9 }) });
    await study.optimize(commandObjective({ argv: ["node", "-e", 'process.kill(process.pid, "SIGKILL")'], space: X }), { nTrials: 1 });
    await study.optimize(commandObjective({ argv: ["sextant-no-such-program-xyz", "{x}"], space: X }), { nTrials: 1 });
    await study.optimize(commandObjective({ argv: ["node", "-e", "1"], space: X, cwd: join(dir, "gone") }), { nTrials: 1 });
    const [killed, missing, noDir] = study.trials;
    expect(killed!.state).toBe("failed");
    expect(killed!.systemAttrs.signal).toBe("SIGKILL");
    expect(killed!.systemAttrs.exitCode).toBeNull();
    expect(killed!.systemAttrs.failReason).toBe("killed by signal SIGKILL");
    expect(missing!.systemAttrs.failReason).toBe('command "sextant-no-such-program-xyz" not found');
    expect(noDir!.systemAttrs.failReason).toBe(`working directory ${join(dir, "gone")} does not exist`);
  });

  it("fails a program that spawn refuses with EACCES as not found, or as not executable, and not with spawn's code", async () => {
    // spawn says EACCES, not ENOENT, of a missing program when something on PATH refused it: a
    // folder that cannot be searched (a PATH kept through su that lists /root/…), a folder of the
    // program's name, or a file of that name without its execute bit.
    mkdirSync(join(dir, "folders", "sextant-folder-xyz"), { recursive: true });
    const plain = script("sextant-plain-xyz", "echo 1\n");
    const env = { PATH: `${join(dir, "folders")}:${dir}:${process.env.PATH ?? ""}` };
    const study = await createStudy({ sampler: new RandomSampler({ seed: 9 }) });
    await study.optimize(commandObjective({ argv: ["sextant-folder-xyz", "{x}"], space: X, env }), { nTrials: 1 });
    await study.optimize(commandObjective({ argv: ["sextant-plain-xyz", "{x}"], space: X, env }), { nTrials: 1 });
    await study.optimize(commandObjective({ argv: ["./sextant-plain-xyz", "{x}"], space: X, cwd: dir }), { nTrials: 1 });
    const [folder, bare, relative] = study.trials;
    expect(folder!.systemAttrs.failReason).toBe('command "sextant-folder-xyz" not found on PATH');
    expect(bare!.systemAttrs.failReason).toBe(`command "sextant-plain-xyz" found at ${plain} but not executable; make it executable (chmod +x ${plain})`);
    expect(relative!.systemAttrs.failReason).toBe(`command "./sextant-plain-xyz" is not executable (${plain})`);
  });

  it("fails a script whose #! line cannot start it with the reason, not as a program not found", async () => {
    // spawn says ENOENT of a script that is there when its interpreter is not.
    writeFileSync(join(dir, "crlf.sh"), "#!/bin/sh\r\necho 1\r\n", { mode: 0o755 });
    writeFileSync(join(dir, "gone.sh"), "#!/sextant-no-such-dir/sh\necho 1\n", { mode: 0o755 });
    const study = await createStudy({ sampler: new RandomSampler({ seed: 9 }) });
    await study.optimize(commandObjective({ argv: ["./crlf.sh", "{x}"], space: X, cwd: dir }), { nTrials: 1 });
    await study.optimize(commandObjective({ argv: ["./gone.sh", "{x}"], space: X, cwd: dir }), { nTrials: 1 });
    const [crlf, gone] = study.trials;
    expect(crlf!.systemAttrs.failReason).toBe(
      'command "./crlf.sh" cannot be started: its "#!" line ends with a Windows line ending (\\r), which the system takes as part of "/bin/sh"; save the file with Unix line endings (dos2unix)',
    );
    expect(gone!.systemAttrs.failReason).toBe('command "./gone.sh" cannot be started: its "#!" interpreter /sextant-no-such-dir/sh does not exist');
  });

  it("queues an enqueued point again when its trial was interrupted, as a resumed sextant tune --enqueue does", async () => {
    // The interrupted trial counted as the point's trial: the point never ran to an end, in any later run.
    const study = await createStudy({ sampler: new RandomSampler({ seed: 9 }) });
    expect(await study.enqueueTrial({ x: 0.25 }, { skipIfExists: true })).not.toBeNull();
    const controller = new AbortController();
    const objective = commandObjective({
      argv: ["node", "-e", "setTimeout(() => {}, 30000)", "{x}"],
      space: X,
      killGraceSeconds: 1,
      signal: controller.signal,
      hooks: { onSpawn: () => controller.abort() },
    });
    await study.optimize(objective, { nTrials: 1 });
    expect(study.trials[0]).toMatchObject({ state: "failed", params: { x: 0.25 }, systemAttrs: { failReason: "interrupted" } });
    const again = await study.enqueueTrial({ x: 0.25 }, { skipIfExists: true });
    expect(again?.number).toBe(1);
    // Once queued again, the point is not queued a third time.
    expect(await study.enqueueTrial({ x: 0.25 }, { skipIfExists: true })).toBeNull();
  });

  it("does not queue an interrupted point again when its trial was queued again as a retry", async () => {
    // A study made by sextant create hands an interrupted trial back as a retry, which fixes every
    // parameter the trial drew, not only the point's.
    const study = await createStudy({ sampler: new RandomSampler({ seed: 9 }) });
    await study.enqueueTrial({ x: 0.25 }, { skipIfExists: true });
    const controller = new AbortController();
    const objective = commandObjective({
      argv: ["node", "-e", "setTimeout(() => {}, 30000)", "{x}", "{y}"],
      space: { ...X, y: { type: "float", low: 0, high: 1 } },
      killGraceSeconds: 1,
      signal: controller.signal,
      hooks: { onSpawn: () => controller.abort() },
    });
    await study.optimize(objective, { nTrials: 1 });
    expect(study.trials[0]).toMatchObject({ state: "failed", systemAttrs: { failReason: "interrupted" } });
    expect((await study.queueRetry(study.trials[0]!))?.number).toBe(1);
    expect(await study.enqueueTrial({ x: 0.25 }, { skipIfExists: true })).toBeNull();
  });

  it("stops a command its pruner prunes, with SIGTERM, and prunes the trial", async () => {
    const prunesAtTwo: Pruner = {
      name: "at-two",
      prune: (_snapshot, trial) => Object.keys(trial.intermediate).length >= 3,
    };
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }), pruner: prunesAtTwo });
    const marker = join(dir, "finished");
    const code = `const fs = require("node:fs");
let step = 0;
const tick = () => { console.log('sextant: {"step": ' + step + ', "value": ' + (10 - step) + '}');
  if (++step === 50) { fs.writeFileSync(${JSON.stringify(marker)}, "x"); console.log(0); } else setTimeout(tick, 100); };
tick();`;
    await study.optimize(commandObjective({ argv: ["node", "-e", code], space: X, killGraceSeconds: 1 }), { nTrials: 1 });
    const trial = study.trials[0]!;
    expect(trial.state).toBe("pruned");
    expect(Object.keys(trial.intermediate).length).toBeGreaterThanOrEqual(3);
    expect(trial.values).toEqual([10 - Math.max(...Object.keys(trial.intermediate).map(Number))]);
    // Left alone the command runs 5 s and then writes the marker (optimize waits for it to exit).
    expect(existsSync(marker)).toBe(false);
  });

  it.skipIf(!hasPython3)("hears a Python program's intermediate value while it runs, not when it exits, and keeps a PYTHONUNBUFFERED the user set", async () => {
    const prunesAtFirst: Pruner = { name: "at-first", prune: (_snapshot, trial) => Object.keys(trial.intermediate).length >= 1 };
    const marker = join(dir, "finished");
    const seen = join(dir, "unbuffered");
    // Python buffers stdout into a pipe: the step line used to arrive only as the program exited,
    // after it had done all its work, and the pruner saved nothing.
    const path = script(
      "train.py",
      `import os, time
open(${JSON.stringify(seen)}, "w").write(repr(os.environ.get("PYTHONUNBUFFERED")))
print('sextant: {"step": 0, "value": 1}')
time.sleep(5)
open(${JSON.stringify(marker)}, "w").write("x")
print(0)
`,
    );
    const saved = process.env.PYTHONUNBUFFERED;
    delete process.env.PYTHONUNBUFFERED;
    try {
      const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }), pruner: prunesAtFirst });
      // The user's own setting (here: buffered, as Python reads an empty value) is left alone; that
      // second study runs beside the first, as the two do not interact.
      const theirs = await createStudy({ sampler: new RandomSampler({ seed: 4 }) });
      await Promise.all([
        study.optimize(commandObjective({ argv: ["python3", path], space: X, killGraceSeconds: 1 }), { nTrials: 1 }),
        theirs.optimize(commandObjective({ argv: ["python3", "-c", "import os; print(repr(os.environ['PYTHONUNBUFFERED'])); print(2)"], space: X, env: { PYTHONUNBUFFERED: "" } }), { nTrials: 1 }),
      ]);
      expect(study.trials[0]!.state).toBe("pruned");
      expect(existsSync(marker)).toBe(false);
      expect(readFileSync(seen, "utf8")).toBe("'1'");
      expect(theirs.trials[0]!.systemAttrs.stdoutTail).toBe("''\n2\n");
    } finally {
      if (saved === undefined) delete process.env.PYTHONUNBUFFERED;
      else process.env.PYTHONUNBUFFERED = saved;
    }
  });

  it("keeps the constraints a pruned command printed before it was stopped, as Optuna 3.1 keeps a pruned trial's", async () => {
    const warnings: string[] = [];
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }), pruner: new ThresholdPruner({ upper: 10 }), onWarning: (m) => warnings.push(m) });
    for (const constraints of ["[-2, 0.5]", '["a"]']) {
      const code = `console.log('sextant: {"constraints": ${constraints}}'); console.log('sextant: {"step": 0, "value": 50}'); setTimeout(() => console.log(1), 5000);`;
      await study.optimize(commandObjective({ argv: ["node", "-e", code], space: X, killGraceSeconds: 1 }), { nTrials: 1 });
    }
    // They were dropped: a pruned command was stored without constraints.
    expect(study.trials.map((t) => [t.state, t.values, t.systemAttrs.constraints])).toEqual([["pruned", [50], [-2, 0.5]], ["pruned", [50], undefined]]);
    expect(warnings).toEqual(['trial 1: pruned without constraint values: reported constraint 0 is "a", not a finite number']);
  });

  it("keeps a pruned command that printed the wrong number of constraints pruned, without them, with a warning", async () => {
    const warnings: string[] = [];
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }), pruner: new ThresholdPruner({ upper: 10 }), onWarning: (m) => warnings.push(m) });
    await study.tell(await study.ask(), 1, { constraints: [-1] });
    const code = `console.log('sextant: {"constraints": [1, 2]}'); console.log('sextant: {"step": 0, "value": 50}'); setTimeout(() => console.log(1), 5000);`;
    await study.optimize(commandObjective({ argv: ["node", "-e", code], space: X, killGraceSeconds: 1 }), { nTrials: 1 });
    expect(study.trials.map((t) => [t.state, t.systemAttrs.constraints])).toEqual([["complete", [-1]], ["pruned", undefined]]);
    expect(warnings).toEqual(["trial 1: pruned without constraint values: 2 constraint value(s) reported, but the study's trials have 1"]);
  });

  it("hands a diverged run's NaN to the pruner, and says once when it ignores a line", async () => {
    const warnings: string[] = [];
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }), pruner: new ThresholdPruner({ upper: 10 }), onWarning: (m) => warnings.push(m) });
    const code = `for (let s = 0; s < 5; s++) console.log("sextant: {\\"step\\": " + s + ", \\"value\\": " + (s < 2 ? 1 : "NaN") + "}");
console.log("sextant: {oops"); console.log("sextant: {again"); console.log(5);`;
    await study.optimize(commandObjective({ argv: ["node", "-e", code], space: X }), { nTrials: 1 });
    // The NaN lines used to be dropped as "not JSON", and the trial completed at 5.
    expect(study.trials[0]!.state).toBe("pruned");
    expect(Object.keys(study.trials[0]!.intermediate)).toEqual(["0", "1", "2"]);
    const said: string[] = [];
    const ignoring = await createStudy({ sampler: new RandomSampler({ seed: 4 }), onWarning: (m) => said.push(m) });
    await ignoring.optimize(commandObjective({ argv: ["node", "-e", code], space: X }), { nTrials: 1 });
    // Two bad lines, one warning; they used to be kept on the trial only, where nobody looked.
    expect(said).toEqual(['trial 0: ignored a "sextant:" line: not JSON after "sextant:": {oops']);
    expect(ignoring.trials[0]!.systemAttrs.protocolWarnings).toEqual(['not JSON after "sextant:": {oops', 'not JSON after "sextant:": {again']);
  });

  it("takes a step's null value as NaN: what JSON.stringify writes for a diverged NaN or infinity", async () => {
    expect(parseReportLine('sextant: {"step": 2, "value": null}')).toEqual({ kind: "intermediate", step: 2, value: Number.NaN });
    const warnings: string[] = [];
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }), pruner: new ThresholdPruner({ upper: 10 }), onWarning: (m) => warnings.push(m) });
    const code = `for (let s = 0; s < 5; s++) console.log("sextant: " + JSON.stringify({ step: s, value: s < 2 ? 1 : 0 * Math.log(0) }));
console.log("sextant: " + JSON.stringify({ value: 1 }));`;
    await study.optimize(commandObjective({ argv: ["node", "-e", code], space: X }), { nTrials: 1 });
    // The null lines were ignored ("must be a number, got null"), and the run was never pruned.
    expect(study.trials[0]!.state).toBe("pruned");
    expect(Object.keys(study.trials[0]!.intermediate)).toEqual(["0", "1", "2"]);
    expect(warnings).toEqual([]);
  });

  it("counts \"constraints\": null as none, as tell does, and warns when a second constraints line replaces the first", async () => {
    // null beside a value or alone: a Python program prints None for a run without constraints.
    expect(parseReportLine('sextant: {"value": 1, "constraints": null}')).toEqual({ kind: "final", values: [1] });
    expect(parseReportLine('sextant: {"step": 1, "value": 1, "constraints": null}')).toEqual({ kind: "intermediate", step: 1, value: 1 });
    const said: string[] = [];
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }), onWarning: (m) => said.push(m) });
    // It failed the trial: "constraints must be an array of numbers, got null".
    await study.optimize(commandObjective({ argv: ["node", "-e", 'console.log("sextant: {\\"value\\": 2, \\"constraints\\": null}")'], space: X }), { nTrials: 1 });
    expect(study.trials[0]!).toMatchObject({ state: "complete", values: [2] });
    expect(study.trials[0]!.systemAttrs.constraints).toBeUndefined();
    expect(said).toEqual([]);
    // The second line was kept without a word, and the trial's feasibility came from whichever was last.
    const code = `for (const c of [[-1], [-1], [3], [4]]) console.log("sextant: " + JSON.stringify({ constraints: c })); console.log("sextant: {\\"value\\": 1, \\"constraints\\": [5]}")`;
    const twice = await createStudy({ sampler: new RandomSampler({ seed: 4 }), onWarning: (m) => said.push(m) });
    await twice.optimize(commandObjective({ argv: ["node", "-e", code], space: X }), { nTrials: 1 });
    expect(twice.trials[0]!.systemAttrs.constraints).toEqual([5]);
    expect(said).toEqual(["trial 0: constraints reported twice, [-1] then [3]: the last is kept; print them once"]);
  });

  it("says that a timed-out command had reported its result and then did not exit", async () => {
    // "timed out after 0.5s" alone read as a program too slow to finish its work.
    // The limit is counted on a clock that starts once the program has reported and waited a little:
    // on the wall clock, a loaded machine could take the whole 0.5 s to start Node, and the trial
    // timed out before the report, which is the other message.
    const reported = join(dir, "reported");
    const code = `console.log('sextant: {"value": 0.25}'); setTimeout(() => require("node:fs").writeFileSync(${JSON.stringify(reported)}, "x"), 300); setInterval(() => {}, 1000);`;
    const clock = (): number => (existsSync(reported) ? performance.now() + 1e6 : 0);
    const study = await createStudy({ sampler: new RandomSampler({ seed: 5 }) });
    await study.optimize(commandObjective({ argv: ["node", "-e", code], space: X, timeoutSeconds: 0.5, killGraceSeconds: 0.5, clock }), { nTrials: 1 });
    expect(study.trials[0]!.state).toBe("failed");
    expect(study.trials[0]!.systemAttrs.failReason).toBe("timed out after 0.5s, but it had reported its result (0.25) and did not exit");
  });

  it("kills a command that exceeds its timeout, children included, and fails the trial", async () => {
    const pidFile = join(dir, "child.pid");
    const sh = script("sleepy.sh", `#!/bin/sh\nsleep 30 &\necho $! > "${pidFile}"\nwait\n`);
    const study = await createStudy({ sampler: new RandomSampler({ seed: 5 }) });
    const started = Date.now();
    await study.optimize(commandObjective({ argv: ["sh", sh], space: X, timeoutSeconds: 0.5, killGraceSeconds: 0.5 }), { nTrials: 1 });
    // Well short of the 30 s the command would take (about 1 s; the margin is for a loaded machine).
    expect(Date.now() - started).toBeLessThan(20_000);
    const trial = study.trials[0]!;
    expect(trial.state).toBe("failed");
    expect(trial.systemAttrs.failReason).toBe("timed out after 0.5s");
    const childPid = Number(readFileSync(pidFile, "utf8"));
    expect(await eventuallyDead(childPid)).toBe(true);
  });

  it("lets a command finish under a timeout beyond setTimeout's limit (a user's \"no limit\")", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 5 }) });
    const code = "setTimeout(() => console.log(1), 300)";
    await study.optimize(commandObjective({ argv: ["node", "-e", code], space: X, timeoutSeconds: 3_000_000, killGraceSeconds: 3_000_000 }), { nTrials: 1 });
    // It failed at once with "timed out after 3000000s".
    expect([study.trials[0]!.state, study.trials[0]!.systemAttrs.failReason]).toEqual(["complete", undefined]);
  });

  it("counts the timeout on the spec's clock: time it stands still (a run paused by Ctrl-Z) is not counted", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 5 }) });
    const code = "setTimeout(() => console.log(1), 600)";
    // A clock that never moves: the command runs three times past its wall-clock limit, none of it counted.
    await study.optimize(commandObjective({ argv: ["node", "-e", code], space: X, timeoutSeconds: 0.2, killGraceSeconds: 0.5, clock: () => 0 }), { nTrials: 1 });
    expect([study.trials[0]!.state, study.trials[0]!.systemAttrs.failReason]).toEqual(["complete", undefined]);
    expect(() => commandObjective({ argv: ["true"], space: X, clock: 5 as unknown as () => number })).toThrow("commandObjective: clock must be a function that returns milliseconds");
  });

  it("counts the kill grace on the spec's clock: a program paused during its grace is not killed when it goes on", async () => {
    const controller = new AbortController();
    const study = await createStudy({ sampler: new RandomSampler({ seed: 6 }) });
    // The program takes 1.2 s to end after SIGTERM, well past its 0.3 s grace, on a clock that stands
    // still (a run paused by Ctrl-Z the whole time): none of the grace is gone, so no SIGKILL.
    const ready = join(dir, "stopping-slowly");
    const code = `process.on("SIGTERM", () => setTimeout(() => process.exit(0), 1200)); require("node:fs").writeFileSync(${JSON.stringify(ready)}, "x"); setInterval(() => {}, 1000);`;
    const exits: { signal: string | null; exitCode: number | null }[] = [];
    const running = study.optimize(
      commandObjective({ argv: ["node", "-e", code], space: X, signal: controller.signal, killGraceSeconds: 0.3, clock: () => 0, hooks: { onExit: ({ signal, exitCode }) => exits.push({ signal, exitCode }) } }),
      { nTrials: 1 },
    );
    while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 50));
    study.stop();
    controller.abort();
    await running;
    expect(exits).toEqual([{ signal: null, exitCode: 0 }]);
  });

  it("escalates to SIGKILL for a command that ignores SIGTERM", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 6 }) });
    // The marker is written once the handler is in place. Had the SIGTERM come before (Node starting
    // slowly on a loaded machine), it would have killed the command by itself and the test would
    // not exercise the escalation: the missing marker then says so instead of a silent pass.
    const marker = join(dir, "ignoring");
    const code = `process.on("SIGTERM", () => {}); require("node:fs").writeFileSync(${JSON.stringify(marker)}, "x"); setInterval(() => {}, 1000);`;
    const started = Date.now();
    await study.optimize(commandObjective({ argv: ["node", "-e", code], space: X, timeoutSeconds: 1.5, killGraceSeconds: 0.3 }), { nTrials: 1 });
    expect(existsSync(marker)).toBe(true);
    // The command never ends by itself: returning at all shows the SIGKILL (about 1.8 s; the
    // margin is for a loaded machine).
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(study.trials[0]!.systemAttrs.failReason).toBe("timed out after 1.5s");
  });

  it("fails running trials as interrupted when its signal aborts", async () => {
    const controller = new AbortController();
    const study = await createStudy({ sampler: new RandomSampler({ seed: 7 }) });
    setTimeout(() => {
      study.stop();
      controller.abort();
    }, 300);
    await study.optimize(
      commandObjective({ argv: ["node", "-e", "setTimeout(() => console.log(1), 20000)"], space: X, signal: controller.signal, killGraceSeconds: 1 }),
      { nTrials: 5, concurrency: 2 },
    );
    expect(study.trials.length).toBe(2);
    for (const trial of study.trials) {
      expect(trial.state).toBe("failed");
      expect(trial.systemAttrs.failReason).toBe("interrupted");
    }
  });

  it("listens for its signal once however many commands run at once: no MaxListenersExceededWarning past 10", async () => {
    // Each running command added its own abort listener; from the 11th Node warned of a leak.
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const controller = new AbortController();
      const listeners: number[] = [];
      let spawned = 0;
      const study = await createStudy({ sampler: new RandomSampler({ seed: 9 }) });
      const objective = commandObjective({
        argv: ["node", "-e", "setTimeout(() => console.log(1), 20000)"],
        space: X,
        signal: controller.signal,
        killGraceSeconds: 1,
        hooks: {
          onSpawn: () => {
            listeners.push(getEventListeners(controller.signal, "abort").length);
            if (++spawned === 12) {
              study.stop();
              controller.abort();
            }
          },
        },
      });
      await study.optimize(objective, { nTrials: 12, concurrency: 12 });
      // Warnings are emitted on the next tick.
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning").map((w) => w.message)).toEqual([]);
      expect(Math.max(...listeners)).toBe(1);
      // The one listener stops every command, and is gone once they have.
      expect(study.trials.map((t) => [t.state, t.systemAttrs.failReason])).toEqual(Array.from({ length: 12 }, () => ["failed", "interrupted"]));
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    } finally {
      process.off("warning", onWarning);
    }
  }, 30_000);

  it("passes a hostile value as one literal argument", async () => {
    const out = join(dir, "argv.json");
    const pwned = join(dir, "pwned");
    const study = await createStudy({ sampler: new RandomSampler({ seed: 8 }) });
    const hostile = `a; touch ${pwned}`;
    await study.enqueueTrial({ c: hostile });
    await study.enqueueTrial({ c: `$(touch ${pwned})` });
    const code = `require("node:fs").appendFileSync(${JSON.stringify(out)}, JSON.stringify(process.argv.slice(1)) + "\\n"); console.log(0);`;
    await study.optimize(
      commandObjective({ argv: ["node", "-e", code, "{c}"], space: { c: { type: "categorical", choices: [hostile, `$(touch ${pwned})`] } } }),
      { nTrials: 2, concurrency: 2 },
    );
    // The two run side by side, so their lines come in either order.
    const lines = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l) as string[]);
    expect(lines.sort()).toEqual([[hostile], [`$(touch ${pwned})`]].sort());
    expect(existsSync(pwned)).toBe(false);
  });
});

describe("checkCommandSpec", () => {
  const x = { type: "float", low: 0, high: 1 } as const;

  it("refuses parameters whose environment variables collide, naming both", () => {
    expect(() => checkCommandSpec({ argv: ["run"], space: { "a-b": x, a_b: x } })).toThrow(
      'parameters "a-b" and "a_b" would both be passed as the environment variable SEXTANT_PARAM_A_B; rename one of them',
    );
    expect(() => checkCommandSpec({ argv: ["run"], space: { lr: x, "A.B": x, "a-b": x } })).toThrow('parameters "A.B" and "a-b"');
    expect(() => checkCommandSpec({ argv: ["run"], space: { lr: x, LR: x } })).toThrow(CommandTemplateError);
    expect(() => checkCommandSpec({ argv: ["run", "{a-b}", "{a_c}"], space: { "a-b": x, a_c: x } })).not.toThrow();
  });

  it("refuses an env entry that a parameter's variable would overwrite, and env placeholders that name no parameter", () => {
    expect(() => checkCommandSpec({ argv: ["run"], space: { lr: x }, env: { SEXTANT_PARAM_LR: "1" } })).toThrow(
      'env.SEXTANT_PARAM_LR would be overwritten by parameter "lr", which is passed in that variable',
    );
    const error = (() => {
      try {
        checkCommandSpec({ argv: ["run"], space: { lr: x }, env: { RATE: "{rate}" } });
      } catch (caught) {
        return caught as CommandTemplateError;
      }
      return undefined;
    })();
    expect(error?.message).toBe("env.RATE uses {rate} but there is no such parameter");
    expect(error?.field).toBe("env");
  });

  it("is what commandObjective checks before any trial", () => {
    expect(() => commandObjective({ argv: ["run"], space: { "a-b": x, a_b: x } })).toThrow("SEXTANT_PARAM_A_B");
  });
});

describe("removeOrphanedTrialFolders", () => {
  it("removes only the folders of the study whose process and program are provably gone", async () => {
    const root = mkdtempSync(join(tmpdir(), "sextant-orphans-"));
    // A process that has exited: its pid names no process now, and no process group.
    const deadPid = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" }).stdout.trim();
    const dead = { ...currentWorker(), id: "killed-run", pid: Number(deadPid), startTime: 1 };
    const live = spawn("sleep", ["60"], { detached: true, stdio: "ignore" });
    try {
      const folder = (name: string, owner: unknown) => {
        mkdirSync(join(root, name));
        writeFileSync(join(root, name, "params.json"), "{}");
        if (owner !== undefined) writeFileSync(join(root, name, ".sextant-owner.json"), JSON.stringify(owner));
      };
      folder("sextant-trial-orphan", { study: "s", worker: dead, program: Number(deadPid) });
      folder("sextant-trial-other-study", { study: "t", worker: dead, program: Number(deadPid) });
      folder("sextant-trial-owner-alive", { study: "s", worker: currentWorker(), program: Number(deadPid) });
      folder("sextant-trial-program-alive", { study: "s", worker: dead, program: live.pid });
      folder("sextant-trial-program-unstarted", { study: "s", worker: dead, program: null });
      folder("sextant-trial-no-owner", undefined);
      folder("other-tool-folder", { study: "s", worker: dead, program: Number(deadPid) });

      expect(removeOrphanedTrialFolders("s", root)).toEqual([join(root, "sextant-trial-orphan")]);
      expect(readdirSync(root).sort()).toEqual([
        "other-tool-folder",
        "sextant-trial-no-owner",
        "sextant-trial-other-study",
        "sextant-trial-owner-alive",
        "sextant-trial-program-alive",
        "sextant-trial-program-unstarted",
      ]);
    } finally {
      live.kill("SIGKILL");
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("records the study, this process and the program's process group in the folder of a running trial", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    let spawned = 0;
    let folder = "";
    let owner: unknown = null;
    const objective = commandObjective({
      argv: ["node", "-e", "console.log(process.env.SEXTANT_PARAMS_FILE); console.log(1)"],
      space: {},
      studyName: "s",
      hooks: {
        onSpawn: ({ pid }) => (spawned = pid),
        // Read before the run is over, when the folder goes.
        onOutput: ({ line }) => {
          if (!line.endsWith("params.json")) return;
          folder = join(line, "..");
          owner = JSON.parse(readFileSync(join(folder, ".sextant-owner.json"), "utf8"));
        },
      },
    });
    await study.optimize(objective, { nTrials: 1 });
    expect(study.trials[0]!.state).toBe("complete");
    expect(owner).toEqual({ study: "s", worker: currentWorker(), program: spawned });
    expect(existsSync(folder)).toBe(false);
  });
});
