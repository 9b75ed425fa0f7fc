// CLI suite (spawns `node bin/sextant.js` against dist/): input that used to be silently misread —
// colliding parameter environment variables, shell operators in command strings, .inf in a
// config, and relative paths in a config file.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FIXTURES, sextant, tempDir } from "./fixtures/cli-run.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const QUADRATIC = join(FIXTURES, "cli-quadratic.sh");

function writeConfig(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join("\n"));
  return file;
}

describe("study names and parameter names", () => {
  it("refuses a blank --study and a reserved parameter name before creating anything", async () => {
    // A blank name used to create a study listed as an empty row.
    const [blank, tab, reserved] = await Promise.all([
      sextant(["tune", "-s", "  ", "-p", "x=float:0:1", "--", "sh", QUADRATIC, "--x", "{x}", "--y", "0"], { cwd: dir }),
      sextant(["tune", "-s", "a\tb", "-p", "x=float:0:1", "--", "sh", QUADRATIC, "--x", "{x}", "--y", "0"], { cwd: dir }),
      sextant(["tune", "-p", "valueOf=float:0:1", "--", "sh", QUADRATIC, "--x", "{valueOf}", "--y", "0"], { cwd: dir }),
    ]);
    expect([blank.code, blank.stderr]).toEqual([2, 'sextant: --study must not be blank, got "  "\n']);
    expect([tab.code, tab.stderr]).toEqual([2, "sextant: --study must not contain control characters (a tab at 2)\n"]);
    expect(reserved.code).toBe(2);
    expect(reserved.stderr).toMatch(/^sextant: --param "valueOf=float:0:1": parameter name "valueOf" is reserved/);
    expect(existsSync(join(dir, "sextant.db"))).toBe(false);
  });
});

describe("parameter environment variables", () => {
  it("refuses parameters that would share one variable, naming both, before any trial", async () => {
    const result = await sextant(["tune", "-p", "a-b=float:0:1", "-p", "a_b=float:0:1", "--", "sh", QUADRATIC, "--x", "{a-b}", "--y", "{a_b}"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('sextant: parameters "a-b" and "a_b" would both be passed as the environment variable SEXTANT_PARAM_A_B; rename one of them\n');
    expect(existsSync(join(dir, "sextant.db"))).toBe(false);
  });

  it("points at params in a config file", async () => {
    writeConfig("c.yaml", [`command: ["sh", "${QUADRATIC}", "--x", "{A.B}", "--y", "{a-b}"]`, "params:", "  A.B: float:0:1", "  a-b: float:0:1"]);
    const result = await sextant(["tune", "--config", "c.yaml"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('sextant: c.yaml:3:3: params: parameters "A.B" and "a-b" would both be passed as the environment variable SEXTANT_PARAM_A_B; rename one of them\n');
  });

  it("does not blame the config file when a --param flag takes part in the collision", async () => {
    writeConfig("c.yaml", [`command: ["sh", "${QUADRATIC}", "--x", "{a_b}", "--y", "1"]`, "params:", "  a_b: float:0:1"]);
    const result = await sextant(["tune", "--config", "c.yaml", "-p", "A-B=float:0:1"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('sextant: parameters "a_b" and "A-B" would both be passed as the environment variable SEXTANT_PARAM_A_B; rename one of them\n');
  });
});

describe("command strings in a config file", () => {
  it.each([
    ["echo hi; rm x", ";", "hi;"],
    ["node q.mjs a|b", "|", "a|b"],
    ["node q.mjs {x} 2>/dev/null", ">", "2>/dev/null"],
  ])("refuses %j instead of passing a literal argument", async (command, operator, word) => {
    writeConfig("c.yaml", ["params: { x: 'float:0:1' }", `command: ${command}`]);
    const result = await sextant(["tune", "--config", "c.yaml"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^sextant: c\\.yaml:2:10: command: unquoted "\\${operator}" in "${word.replace(/[|]/g, "\\|")}": commands do not run through a shell`));
    expect(existsSync(join(dir, "sextant.db"))).toBe(false);
  });
});

describe("config values", () => {
  it("points a bad sampler or pruner option at its place in the config file", async () => {
    const base = ["params: { x: 'float:0:1' }", `command: ["sh", "${QUADRATIC}", "--x", "{x}", "--y", "1"]`];
    // Each c.yaml in a folder of its own, so that the three runs go side by side.
    const tuneIn = (folder: string, lines: string[]) => {
      mkdirSync(join(dir, folder));
      writeConfig(`${folder}/c.yaml`, lines);
      return sextant(["tune", "--config", "c.yaml"], { cwd: join(dir, folder) });
    };
    const [sampler, value, pruner] = await Promise.all([
      tuneIn("sampler", [...base, "sampler:", "  name: tpe", "  options: { n_startup_trails: 3 }"]),
      tuneIn("value", [...base, "pruner:", "  name: median", "  options:", "    nStartupTrials: 1", "    nWarmupSteps: soon"]),
      tuneIn("pruner", [...base, "pruner: medain"]),
    ]);
    expect(sampler.code).toBe(2);
    // It pointed at the sampler's line and said "sampler: tpe sampler: unknown option…".
    expect(sampler.stderr).toMatch(/^sextant: c\.yaml:5:14: sampler\.options\.n_startup_trails: unknown option "n_startup_trails" \(did you mean "nStartupTrials"\?\)/);
    expect([value.code, value.stderr]).toEqual([2, 'sextant: c.yaml:7:19: pruner.options.nWarmupSteps: option "nWarmupSteps" must be rank-agreement or an integer >= 0, got "soon"\n']);
    expect(pruner.code).toBe(2);
    expect(pruner.stderr).toBe('sextant: c.yaml:3:9: pruner: unknown pruner "medain" (did you mean "median"?; choose one of: none, median, percentile, threshold, patient, asha, hyperband, wilcoxon, curve)\n');
  });

  it("points create's option errors at the file too, and names what the yaml library would not say plainly", async () => {
    const base = ["params: { x: 'float:0:1' }", `command: ["sh", "${QUADRATIC}", "--x", "{x}", "--y", "1"]`];
    writeConfig("c.yaml", [...base, "sampler:", "  name: tpe", "  options: { n_startup_trails: 3 }"]);
    writeConfig("p.yaml", ["params: { x: 'float:0:1', __proto__: 'float:0:1' }", `command: ["sh", "${QUADRATIC}", "--x", "{x}", "--y", "1"]`]);
    writeConfig("m.yaml", [...base, "---", "trials: 3"]);
    const bomb = ['x0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) bomb.push(`x${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(",")}]`);
    writeConfig("b.yaml", [...base, ...bomb]);
    // Four files, four independent runs: side by side.
    const [created, proto, multi, expanded] = await Promise.all([
      sextant(["create", "--config", "c.yaml", "--storage", "sqlite:./c.db"], { cwd: dir }),
      sextant(["tune", "--config", "p.yaml"], { cwd: dir }),
      sextant(["tune", "--config", "m.yaml"], { cwd: dir }),
      sextant(["tune", "--config", "b.yaml"], { cwd: dir }),
    ]);
    // create dropped the file:line:column that tune gives.
    expect([created.code, created.stderr]).toEqual([2, expect.stringMatching(/^sextant: c\.yaml:5:14: sampler\.options\.n_startup_trails: unknown option "n_startup_trails"/)]);
    // A parameter or variable named __proto__ vanished (the schema made it the prototype).
    expect([proto.code, proto.stderr]).toEqual([2, expect.stringMatching(/^sextant: p\.yaml:1:\d+: params\.__proto__: parameter name "__proto__" is reserved/)]);
    // Two documents: the library told the user to call YAML.parseAllDocuments().
    expect([multi.code, multi.stderr]).toEqual([2, "sextant: m.yaml:3:1: a config file holds one YAML document; remove the --- that starts a second\n"]);
    // An alias bomb was an "internal error" (exit 1).
    expect([expanded.code, expanded.stderr]).toEqual([2, expect.stringMatching(/^sextant: b\.yaml: Excessive alias count/)]);
  });

  it("lets --seed override a seed in the config file's sampler options, and create counts a repeated --enqueue once", async () => {
    const file = writeConfig("s.yaml", ["params: { x: 'float:0:1' }", `command: ["sh", "${QUADRATIC}", "--x", "{x}", "--y", "1"]`, "sampler: { name: random, options: { seed: 1 } }", "trials: 1"]);
    // The two seeded runs (each in a database of its own) and create-then-worker do not interact: all side by side.
    const seeded = (seed: string) => sextant(["tune", "--config", file, "--storage", `sqlite:./s${seed}.db`, "-s", `seed${seed}`, "--seed", seed, "--json"], { cwd: dir });
    const createAndWork = async () => {
      const made = await sextant(["create", "--storage", "sqlite:./e.db", "-s", "enq", "-p", "x=int:0:100", "-n", "3", "--enqueue", "x=42", "--enqueue", "x=42", "-q", "--", "sh", QUADRATIC, "--x", "{x}", "--y", "1"], { cwd: dir });
      expect(made.code, made.stderr).toBe(0);
      return sextant(["worker", "--storage", "sqlite:./e.db", "-s", "enq", "--json"], { cwd: dir });
    };
    const [seed2, seed3, worked] = await Promise.all([seeded("2"), seeded("3"), createAndWork()]);
    const xs: unknown[] = [];
    for (const run of [seed2, seed3]) {
      expect(run.code, run.stderr).toBe(0);
      xs.push(JSON.parse(run.stdout).best.params.x);
    }
    // Both used to run the file's seed 1.
    expect(xs[0]).not.toEqual(xs[1]);
    // The repeat was skipped and its budget slot lost: 2 trials for --trials 3.
    expect(JSON.parse(worked.stdout)).toMatchObject({ total: { trials: 3 } });
  });

  it("says what is wrong with timeout: .inf", async () => {
    writeConfig("c.yaml", ["timeout: .inf", "params: { x: 'float:0:1' }", `command: ["sh", "${QUADRATIC}", "--x", "{x}", "--y", "1"]`]);
    const result = await sextant(["tune", "--config", "c.yaml"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("sextant: c.yaml:1:10: timeout: must be a finite number, got infinity (.inf); leave the field out for no limit\n");
  });

  it("resolves a relative storage path from the config file's folder, like cwd", async () => {
    mkdirSync(join(dir, "exp"));
    mkdirSync(join(dir, "elsewhere"));
    writeConfig("exp/s.yaml", ["storage: sqlite:./s.db", "trials: 2", "params: { x: 'float:-1:1' }", `command: ["sh", "${QUADRATIC}", "--x", "{x}", "--y", "1"]`]);
    const result = await sextant(["tune", "--config", "../exp/s.yaml", "--json"], { cwd: join(dir, "elsewhere") });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(existsSync(join(dir, "exp", "s.db"))).toBe(true);
    expect(existsSync(join(dir, "elsewhere", "s.db"))).toBe(false);
    expect(JSON.parse(result.stdout).storage).toBe(`sqlite:${join(dir, "exp", "s.db")}`);
  });
});
