// CLI suite (spawns `node bin/sextant.js` against dist/): flags, config files and their errors, help.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FIXTURES, ROOT, sextant, tempDir } from "./fixtures/cli-run.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const run = (args: string[]) => sextant(args, { cwd: dir });
const QUADRATIC_CMD = ["--", "sh", join(FIXTURES, "cli-quadratic.sh"), "--x", "{x}", "--y", "1"];

describe("--param and flags", () => {
  it.each([
    ["lr=float:abc:1", 'sextant: --param "lr=float:abc:1": parameter "lr": low must be a number, got "abc"'],
    ["lr=float:1:0.1", 'sextant: --param "lr=float:1:0.1": parameter "lr": low (1) must not exceed high (0.1)'],
    ["depth=int:1.5:3", 'sextant: --param "depth=int:1.5:3": parameter "depth": int bounds must be integers, got low=1.5 high=3'],
    ["lr=float:0:1:log", 'sextant: --param "lr=float:0:1:log": parameter "lr": a log scale needs low > 0, got low=0'],
    ["x=float:0:1:step=2", 'sextant: --param "x=float:0:1:step=2": parameter "x": step 2 is larger than the range [0, 1], which would hold only 0'],
    ["x=float:0:1:fast", 'sextant: --param "x=float:0:1:fast": parameter "x": unknown option "fast" in "float:0:1:fast" (expected "log" or "step=S")'],
    ["b=cat:", 'sextant: --param "b=cat:": parameter "b": expected "cat:A,B,C" with non-empty choices, got "cat:"'],
    ["x=normal:0:1", 'sextant: --param "x=normal:0:1": parameter "x": unknown type "normal" in "normal:0:1"'],
    ["x", 'sextant: --param "x": expected NAME=SPEC, e.g. lr=float:1e-5:1e-1:log'],
    ["1x=float:0:1", 'sextant: --param "1x=float:0:1": parameter name "1x" must start with a letter or _'],
  ])("rejects --param %s with a clear message and exit 2", async (param, message) => {
    const result = await run(["tune", "--param", param, ...QUADRATIC_CMD]);
    expect(result.code).toBe(2);
    expect(result.stderr.startsWith(message)).toBe(true);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, "sextant.db"))).toBe(false);
  });

  it("narrows a range its step does not divide, as Optuna 3.1 does, says so once on stderr, and stores the narrowed range", async () => {
    writeFileSync(join(dir, "steps.yaml"), ["study: steps", "params:", "  y: int:-7:7:step=4"].join("\n"));
    const tune = await run([
      "tune", "--config", "steps.yaml", "--param", "x=float:-1:1:step=0.7", "-n", "4", "--sampler", "random", "--seed", "1", "--json",
      "--", "sh", join(FIXTURES, "cli-quadratic.sh"), "--x", "{x}", "--y", "{y}",
    ]);
    expect(tune.code, tune.stderr).toBe(0);
    // Optuna 3.1 (Debian's /usr/bin/python3): FloatDistribution(-1, 1, step=0.7).high == 0.4 and
    // IntDistribution(-7, 7, step=4).high == 5. On doubles, -1 + 2 · 0.7 is 0.3999999999999999.
    const warnings = tune.stderr.split("\n").filter((line) => line.includes("does not divide"));
    expect(warnings).toEqual([
      'sextant: warning: steps.yaml:3:6: params.y: parameter "y": step 4 does not divide the range [-7, 7]; using [-7, 5], up to the last multiple of the step',
      'sextant: warning: --param "x=float:-1:1:step=0.7": parameter "x": step 0.7 does not divide the range [-1, 1]; using [-1, 0.4], up to the last multiple of the step',
    ]);
    const x = { type: "float", low: -1, high: 0.4, step: 0.7 };
    const y = { type: "int", low: -7, high: 5, step: 4 };
    const exported = await run(["export", "steps", "--format", "json"]);
    expect(exported.code, exported.stderr).toBe(0);
    const { systemAttrs, trials } = JSON.parse(exported.stdout) as {
      systemAttrs: { "cli:config": { space: unknown } };
      trials: { distributions: Record<string, unknown>; params: Record<string, number> }[];
    };
    expect(systemAttrs["cli:config"].space).toEqual({ x, y });
    expect(trials).toHaveLength(4);
    for (const trial of trials) {
      expect(trial.distributions).toEqual({ x, y });
      expect([-1, -0.3, 0.4]).toContain(trial.params.x);
      expect([-7, -3, 1, 5]).toContain(trial.params.y);
    }
    // A rerun with the same flags resumes the study on the same ranges, warning again (once), with no word of a changed space.
    const again = await run([
      "tune", "--config", "steps.yaml", "--param", "x=float:-1:1:step=0.7", "-n", "1", "--sampler", "random", "--seed", "1",
      "--", "sh", join(FIXTURES, "cli-quadratic.sh"), "--x", "{x}", "--y", "{y}",
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr.split("\n").filter((line) => line.includes("does not divide"))).toEqual(warnings);
    expect(again.stderr).not.toContain("different search space");
  });

  it("takes a parameter named in any script, and substitutes it in the command", async () => {
    // "größe" was refused as not "letters", though the README shows {größe} working.
    const result = await run(["tune", "--storage", "memory", "-p", "größe=int:1:3", "-n", "2", "--json", "--", "node", "-e", "console.log(Number(process.argv[1]))", "{größe}"]);
    expect(result.code, result.stderr).toBe(0);
    const best = JSON.parse(result.stdout).best as { values: number[]; params: Record<string, number> };
    expect(best.values).toEqual([best.params["größe"]]);
  });

  it("rejects a parameter or option given twice by flags instead of keeping the last silently", async () => {
    // The second run is the same for an option given twice, under any spelling; the two do not interact.
    const [result, option] = await Promise.all([
      run(["tune", "--param", "x=float:0:1", "--param", "x=float:0:2", ...QUADRATIC_CMD]),
      run(["tune", "--sampler", "tpe", "--sampler-opt", "n_startup_trials=3", "--sampler-opt", "nStartupTrials=5", "--param", "x=float:0:1", ...QUADRATIC_CMD]),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('sextant: --param "x=float:0:2": parameter "x" is already given by --param "x=float:0:1"\n');
    expect(existsSync(join(dir, "sextant.db"))).toBe(false);
    expect(option.code).toBe(2);
    expect(option.stderr).toBe('sextant: --sampler-opt "nStartupTrials=5": option "nStartupTrials" is already given by --sampler-opt "n_startup_trials=3"\n');
  });

  it.each([
    [["--trials", "0"], "sextant: --trials must be a positive integer, got \"0\""],
    // Read as 16, 2 and 1000 trials: Number() takes hex, blanks and exponents, which no one writes a count in.
    [["--trials", "0x10"], 'sextant: --trials must be a positive integer, got "0x10"'],
    [["--jobs", " 2"], 'sextant: --jobs must be a positive integer, got " 2"'],
    [["--seed", "1e3"], 'sextant: --seed must be an integer, got "1e3"'],
    [["--direction", "up"], 'sextant: --direction must be minimize or maximize, got "up"'],
    [["--sampler", "nope"], 'sextant: unknown sampler "nope" (choose one of: '],
    [["--pruner", "nope"], 'sextant: unknown pruner "nope" (did you mean "none"?; choose one of: none, median'],
    [["--trial-timeout", "-1"], "sextant: --trial-timeout must be a positive number of seconds"],
    // A deadline this far ahead is no date: tune stored the study, then crashed as an internal error.
    [["--timeout", "1e13"], 'sextant: --timeout must be a positive number of seconds up to 1000000000, got "1e13"'],
    [["--bogus"], "sextant: unknown option '--bogus'"],
  ])("rejects %j with exit 2", async (flags, message) => {
    const result = await run(["tune", ...flags, "--param", "x=float:0:1", ...QUADRATIC_CMD]);
    expect(result.code).toBe(2);
    expect(result.stderr.startsWith(message)).toBe(true);
  });

  it("needs a command and parameters, and placeholders that name parameters", async () => {
    const [noCommand, noParams, unknown] = await Promise.all([
      run(["tune", "--param", "x=float:0:1"]),
      run(["tune", "--", "node", "x.mjs"]),
      run(["tune", "--param", "x=float:0:1", "--", "node", "x.mjs", "{x}", "--y={y}"]),
    ]);
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toMatch(/^sextant: no command to tune: put it after --/);
    expect(noParams.code).toBe(2);
    expect(noParams.stderr).toMatch(/^sextant: no parameters to tune/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("sextant: the command uses {y} but there is no such parameter (parameters: x)\n");
  });
});

describe("config files", () => {
  it("names the field path, line and column of every error, and exits 2", async () => {
    writeFileSync(
      join(dir, "bad.yaml"),
      ["study: bad", "trials: 5", "trails: 10", 'command: ["node", "x.mjs", "{lr}"]', "params:", "  lr:", "    type: float", "    low: abc", "    high: 1"].join("\n"),
    );
    const result = await run(["tune", "--config", "bad.yaml"]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split("\n").sort();
    expect(lines).toEqual([
      'sextant: bad.yaml:3:1: trails: unknown field (did you mean "trials"?)',
      'sextant: bad.yaml:8:10: params.lr.low: expected number, got string "abc"',
    ]);
  });

  it("reports unknown fields inside parameters, bad enum values and missing fields", async () => {
    writeFileSync(
      join(dir, "c.yml"),
      [
        "command: node x.mjs {a} {b}",
        "params:",
        "  a:",
        "    type: flaot",
        "    low: 0",
        "    high: 1",
        "  b:",
        "    type: int",
        "    low: 0",
        "    high: 4",
        "    logg: true",
        "sampler:",
        "  options: { seed: 1 }",
      ].join("\n"),
    );
    const result = await run(["tune", "--config", "c.yml"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('sextant: c.yml:4:11: params.a.type: expected one of "float", "int", "categorical", got string "flaot"');
    expect(result.stderr).toContain('sextant: c.yml:11:5: params.b.logg: unknown field (did you mean "log"?)');
    expect(result.stderr).toContain("sextant: c.yml:13:3: sampler.name: required field is missing (expected string)");
  });

  it("says what a categorical choice or a component option may be", async () => {
    // Both said "expected another type", which names nothing a user could write instead.
    writeFileSync(
      join(dir, "c.yml"),
      ["command: node x.mjs {c}", "params:", "  c: { type: categorical, choices: [a, { b: 1 }] }", "sampler: { name: tpe, options: { nStartupTrials: [5] } }"].join("\n"),
    );
    const result = await run(["tune", "--config", "c.yml"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("sextant: c.yml:3:40: params.c.choices[1]: expected a string, number, boolean or null, got a mapping");
    expect(result.stderr).toContain("sextant: c.yml:4:50: sampler.options.nStartupTrials: expected a string, number, boolean or mapping, got a list");
    expect(result.stderr).not.toContain("another type");
  });

  it("says that YAML reads an unquoted {name} as a mapping, where it said only 'expected string, got a mapping'", async () => {
    const quote = (name: string) => `got a mapping (YAML reads an unquoted {${name}} as one: quote it, "{${name}}")`;
    const cases: [string, string[]][] = [
      ["command: [node, x.mjs, --lr, {lr}]\nparams:\n  lr: 'float:0:1'\n", [`c.yaml:1:30: command[3]: expected string, ${quote("lr")}`]],
      [
        "command:\n  - node\n  - x.mjs\n  - {lr}\nparams:\n  lr: 'float:0:1'\nenv:\n  RUN: {lr}\n",
        [`c.yaml:4:5: command[2]: expected string, ${quote("lr")}`, `c.yaml:8:8: env.RUN: expected string, ${quote("lr")}`],
      ],
      ["command: {lr}\nparams:\n  lr: 'float:0:1'\n", [`c.yaml:1:10: command: expected a list of strings or a string, ${quote("lr")}`]],
    ];
    for (const [yaml, messages] of cases) {
      writeFileSync(join(dir, "c.yaml"), yaml);
      const result = await run(["tune", "--config", "c.yaml"]);
      expect(result.code, yaml).toBe(2);
      expect(result.stderr.trim().split("\n"), yaml).toEqual(messages.map((message) => `sextant: ${message}`));
    }
    // A mapping that is no lone placeholder gets no such advice.
    writeFileSync(join(dir, "c.yaml"), "command: [node, x.mjs, {lr: 1}]\nparams:\n  lr: 'float:0:1'\n");
    expect((await run(["tune", "--config", "c.yaml"])).stderr).toBe("sextant: c.yaml:1:24: command[2]: expected string, got a mapping\n");
  });

  it("points a config's cwd: that is no folder at its line, as its other fields", async () => {
    // It said "working directory … does not exist", which names neither the field nor the file.
    writeFileSync(join(dir, "notes.txt"), "");
    for (const [cwd, problem] of [["nosuch", "does not exist"], ["notes.txt", "is not a folder"]] as const) {
      writeFileSync(join(dir, "c.yaml"), `command: [node, x.mjs, '{x}']\nparams:\n  x: 'float:0:1'\ncwd: ${cwd}\n`);
      const result = await run(["tune", "--config", "c.yaml"]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`sextant: c.yaml:4:6: cwd: working directory ${join(dir, cwd)} ${problem}; no trial was started\n`);
    }
    // --cwd is a flag, not the file's: its message names the flag's folder alone, as before.
    const flagged = await run(["tune", "--config", "c.yaml", "--cwd", "nosuch"]);
    expect(flagged.stderr).toBe(`sextant: working directory ${join(dir, "nosuch")} does not exist; no trial was started\n`);
    expect(existsSync(join(dir, "sextant.db"))).toBe(false);
  });

  it("points a config's storage: that cannot be opened at its line, and a --storage flag's at nothing", async () => {
    // It said "cannot open sqlite:…/nope/x.db: the directory … does not exist", naming neither the field nor the file.
    writeFileSync(join(dir, "c.yaml"), `command: [node, x.mjs, '{x}']\nparams:\n  x: 'float:0:1'\nstorage: sqlite:./nope/x.db\n`);
    const result = await run(["tune", "--config", "c.yaml", "-n", "1"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`sextant: c.yaml:4:10: storage: cannot open sqlite:${join(dir, "nope", "x.db")}: the directory ${join(dir, "nope")} does not exist (create it first)\n`);
    const created = await run(["create", "--config", "c.yaml", "--study", "fleet"]);
    expect(created.stderr).toBe(`sextant: c.yaml:4:10: storage: cannot open sqlite:${join(dir, "nope", "x.db")}: the directory ${join(dir, "nope")} does not exist (create it first)\n`);
    const flagged = await run(["tune", "--config", "c.yaml", "-n", "1", "--storage", "sqlite:./other/y.db"]);
    expect(flagged.stderr).toBe(`sextant: cannot open sqlite:./other/y.db: the directory ${join(dir, "other")} does not exist (create it first)\n`);
  });

  it("points at lines of JSON configs too", async () => {
    writeFileSync(
      join(dir, "c.json"),
      JSON.stringify({ command: ["node", "x.mjs"], params: { x: { type: "float", low: 0, high: "1" } }, trials: 2.5 }, null, 2),
    );
    const result = await run(["tune", "--config", "c.json"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('sextant: c.json:10:15: params.x.high: expected number, got string "1"');
    expect(result.stderr).toMatch(/sextant: c\.json:13:13: trials: expected integer, got number 2.5/);
  });

  it("takes whole-number fields as YAML or JSON numbers, and refuses them as text at their line", async () => {
    writeFileSync(join(dir, "c.yaml"), "command: [node, x.mjs]\nparams:\n  x: 'float:0:1'\ntrials: '0x10'\njobs: ' 2'\nseed: '5'\n");
    const result = await run(["tune", "--config", "c.yaml"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'sextant: c.yaml:4:9: trials: expected number, got string "0x10"\nsextant: c.yaml:5:7: jobs: expected number, got string " 2"\nsextant: c.yaml:6:7: seed: expected number, got string "5"\n',
    );
    // A YAML number is a number, whatever its spelling: 0x2 is YAML's own hex.
    const command = JSON.stringify(["sh", join(FIXTURES, "cli-quadratic.sh"), "--x", "{x}", "--y", "1"]);
    writeFileSync(join(dir, "n.yaml"), [`command: ${command}`, "params:", "  x: 'float:0:1'", "trials: 0x2", "seed: -3", "sampler: random"].join("\n"));
    const numbers = await run(["tune", "--config", "n.yaml", "--json"]);
    expect(numbers.code, numbers.stderr).toBe(0);
    expect((JSON.parse(numbers.stdout) as { run: { trials: number } }).run.trials).toBe(2);
  });

  it("validates distributions and commands with their location", async () => {
    const cases: [string, string][] = [
      ["command: [node, x.mjs, '{lr}']\nparams:\n  lr: {type: float, low: 2, high: 1}\n", 'c.yaml:3:7: params.lr: parameter "lr": low (2) must not exceed high (1)'],
      ["command: [node, x.mjs]\nparams:\n  lr: 'float:0:1:log'\n", 'c.yaml:3:7: params.lr: parameter "lr": a log scale needs low > 0, got low=0'],
      ["command: [node, x.mjs]\nparams:\n  c: {type: categorical, low: 1}\n", 'c.yaml:3:6: params.c: parameter "c": a categorical parameter takes "choices", not "low"'],
      ["command: node x.mjs | tee log\nparams:\n  x: 'float:0:1'\n", 'c.yaml:1:10: command: unquoted "|" in "|": commands do not run through a shell'],
      // Ran every trial with the literal text "$DATA_DIR/train.csv" as its path.
      ["command: node x.mjs --data $DATA_DIR/train.csv {x}\nparams:\n  x: 'float:0:1'\n", 'c.yaml:1:10: command: "$DATA_DIR" in "$DATA_DIR/train.csv": commands do not run through a shell, so it would reach the program as literal text, not expanded'],
      ["command: [node, x.mjs, '{y}']\nparams:\n  x: 'float:0:1'\n", "c.yaml:1:10: command: the command uses {y} but there is no such parameter"],
      ["direction: minimize\ndirections: [maximize]\ncommand: [node]\nparams: {x: 'float:0:1'}\n", 'c.yaml:2:13: directions: give either "direction" or "directions", not both'],
      ["command: [node]\nparams: {x: 'float:0:1'}\ncommand: [node]\n", "c.yaml:3:1: Map keys must be unique"],
      ["- just\n- a list\n", "c.yaml:1:1: a config file must be a mapping of fields"],
    ];
    for (const [yaml, message] of cases) {
      writeFileSync(join(dir, "c.yaml"), yaml);
      const result = await run(["tune", "--config", "c.yaml"]);
      expect(result.code, yaml).toBe(2);
      expect(result.stderr.startsWith(`sextant: ${message}`), `${yaml}\n${result.stderr}`).toBe(true);
    }
    const missing = await run(["tune", "--config", "nope.yaml"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("sextant: config file nope.yaml does not exist\n");
  });

  it("runs a valid config from its own folder, splits a string command, and lets flags override it", async () => {
    mkdirSync(join(dir, "exp"));
    copyFileSync(join(FIXTURES, "cli-quadratic.sh"), join(dir, "exp", "q.sh"));
    writeFileSync(
      join(dir, "exp", "tune.yaml"),
      [
        "# a comment",
        'command: sh q.sh --x "{x}" --y {y}',
        "trials: 50",
        "direction: minimize",
        "sampler: { name: random, options: { seed: 4 } }",
        "params:",
        "  x: float:-5:5",
        "  y: { type: int, low: -3, high: 3 }",
      ].join("\n"),
    );
    const result = await run(["tune", "--config", "exp/tune.yaml", "--trials", "3", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.study).toMatch(/^tune-[0-9a-f]{8}$/);
    expect(summary.run.complete).toBe(3);
    expect(Number.isInteger(summary.best.params.y)).toBe(true);
    const again = await run(["tune", "--config", "exp/tune.yaml", "--trials", "1", "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ study: summary.study, resumed: true, total: { trials: 4 } });
  });

  it("keeps a config without storage: in the default database of the current directory, as the README says", async () => {
    mkdirSync(join(dir, "exp"));
    writeFileSync(join(dir, "exp", "tune.yaml"), ["command: [node, -e, 'console.log(1)', '{x}']", "params:", "  x: float:0:1"].join("\n"));
    const result = await run(["tune", "--config", "exp/tune.yaml", "--trials", "1", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).storage).toBe("sqlite:./sextant.db");
    expect(existsSync(join(dir, "sextant.db"))).toBe(true);
    expect(existsSync(join(dir, "exp", "sextant.db"))).toBe(false);
  });
});

describe("help and version", () => {
  it("prints the version", async () => {
    const result = await run(["--version"]);
    expect(result.code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it.each(["tune", "studies", "trials", "best", "export", "delete"])("shows examples in `%s --help`", async (command) => {
    const result = await run([command, "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Examples:");
    expect(result.stdout).toContain(`$ sextant ${command}`);
  });

  it("help NAME… shows a nested command's help, and refuses an unknown name with exit code 2", async () => {
    // It showed bench's help for "bench run", and the top-level help with exit 0 for a typo.
    const [nested, tune, unknown] = await Promise.all([run(["help", "bench", "run"]), run(["help", "tune"]), run(["help", "bench", "nosuch"])]);
    expect([nested.code, nested.stdout.split("\n")[0]]).toEqual([0, "Usage: sextant bench run [options]"]);
    expect(tune.stdout).toContain("$ sextant tune");
    expect([unknown.code, unknown.stdout, unknown.stderr]).toEqual([2, "", "sextant: unknown command 'bench nosuch'\n"]);
  });

  it("shows examples in the top-level help", async () => {
    const result = await run(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Commands:[\s\S]*tune[\s\S]*Examples:/);
  });
});
