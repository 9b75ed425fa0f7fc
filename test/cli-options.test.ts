// CLI suite (spawns `node bin/sextant.js` against dist/): sampler and pruner options, and the
// `sextant samplers` / `sextant pruners` listings built from the same schemas.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FIXTURES, sextant, tempDir } from "./fixtures/cli-run.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const run = (args: string[]) => sextant(args, { cwd: dir });
const TUNE = ["tune", "--param", "x=float:-2:2", "--trials", "2", "--json", "--storage", "memory:"];
const QUADRATIC_CMD = ["--", "sh", join(FIXTURES, "cli-quadratic.sh"), "--x", "{x}", "--y", "1"];

/**
 * The option descriptions of a `sextant samplers`-style listing, keyed "component.option", each
 * put back together from the lines its table wrapped it onto.
 */
function optionDescriptions(stdout: string): Map<string, string> {
  const descriptions = new Map<string, string>();
  let component = "";
  let column = -1;
  let option = "";
  for (const line of stdout.split("\n")) {
    const named = /^(\S+): /.exec(line);
    if (named) {
      component = named[1]!;
      column = -1;
    } else if (line.startsWith("  option ")) {
      column = line.indexOf("description");
    } else if (column >= 0 && line.startsWith("  ") && !line.startsWith("  --")) {
      if (line[2] !== " ") option = line.slice(2).split(" ")[0]!;
      const part = line.slice(column).trim();
      const key = `${component}.${option}`;
      // A type or default wrapped further than its description leaves the column empty.
      if (!descriptions.has(key)) descriptions.set(key, part);
      else if (part !== "") descriptions.set(key, `${descriptions.get(key)} ${part}`);
    }
  }
  return descriptions;
}

/** Each component's "name: description" line of a listing, put back together from the lines it wrapped onto. */
function summaryDescriptions(stdout: string): Map<string, string> {
  const summaries = new Map<string, string>();
  let component = "";
  for (const line of stdout.split("\n")) {
    const named = /^(\S+): (.*)$/.exec(line);
    if (named) {
      component = named[1]!;
      summaries.set(component, named[2]!);
    } else if (line.startsWith("  option ") || line.startsWith("  (no options)")) {
      component = "";
    } else if (component !== "" && line.trim() !== "") {
      summaries.set(component, `${summaries.get(component)} ${line.trim()}`);
    }
  }
  return summaries;
}

describe("--sampler-opt and --pruner-opt", () => {
  it.each([
    ["tpe", "n_startup_trials=1"],
    ["gp", "n_startup_trials=2"],
    ["cmaes", "n-startup-trials=1"],
    ["tpe", "nStartupTrials=1"],
    ["cem", "elite_fraction=0.3"],
  ])("runs --sampler %s --sampler-opt %s", async (sampler, option) => {
    const result = await run([...TUNE, "--sampler", sampler, "--sampler-opt", option, ...QUADRATIC_CMD]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).run.complete).toBe(2);
  });

  it("refuses an unknown option with the valid ones and a did-you-mean, before any trial", async () => {
    // The runs do not interact (all but the first keep their study in memory), so they go side by side.
    const [bogus, typo, pruner, value, seeds, agreeingSeeds, grid] = await Promise.all([
      run(["tune", "--param", "x=float:-2:2", "--sampler", "random", "--sampler-opt", "bogus=1", ...QUADRATIC_CMD]),
      run([...TUNE, "--sampler", "tpe", "--sampler-opt", "n_startup_trails=3", ...QUADRATIC_CMD]),
      run([...TUNE, "--pruner", "median", "--pruner-opt", "n_warmup_step=2", ...QUADRATIC_CMD]),
      run([...TUNE, "--sampler", "gp", "--sampler-opt", "n_candidates=many", ...QUADRATIC_CMD]),
      run([...TUNE, "--sampler", "tpe", "--seed", "1", "--sampler-opt", "seed=2", ...QUADRATIC_CMD]),
      run([...TUNE, "--sampler", "tpe", "--seed", "2", "--sampler-opt", "seed=2", ...QUADRATIC_CMD]),
      run([...TUNE, "--sampler", "grid", "--sampler-opt", 'grid={"y":[1,2]}', ...QUADRATIC_CMD]),
    ]);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toBe('sextant: random sampler: unknown option "bogus"; valid options: seed\n');
    expect(existsSync(join(dir, "sextant.db"))).toBe(false);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^sextant: tpe sampler: unknown option "n_startup_trails" \(did you mean "nStartupTrials"\?\); valid options: seed, preset, /);
    expect(pruner.code).toBe(2);
    expect(pruner.stderr).toMatch(/^sextant: median pruner: unknown option "n_warmup_step" \(did you mean "nWarmupSteps"\?\)/);
    expect(value.code).toBe(2);
    expect(value.stderr).toBe('sextant: gp sampler: option "nCandidates" must be an integer >= 1, got "many"\n');
    // --seed used to be dropped without a word when the sampler had a seed of its own.
    expect([seeds.code, seeds.stderr]).toEqual([2, "sextant: --seed 1 and the sampler's own seed 2 (--sampler-opt seed=…) disagree; give one of them\n"]);
    expect(agreeingSeeds.code).toBe(0);
    // A grid that leaves out a declared parameter failed every trial; now refused before any.
    expect([grid.code, grid.stderr]).toEqual([2, 'sextant: grid sampler: option "grid" has no values for "x"; a grid search needs values for every declared parameter\n']);
  });

  it("reads a number in an option's own kind: an integer in decimal digits, a float as people write one", async () => {
    // Number() read n_startup_trials=0x10 as 16 and 1e3 as 1000, and the runs went on with them.
    const [hex, point, exponent, floatHex, pruner, scheduler, floats] = await Promise.all([
      run([...TUNE, "--sampler", "tpe", "--sampler-opt", "n_startup_trials=0x10", ...QUADRATIC_CMD]),
      run([...TUNE, "--sampler", "tpe", "--sampler-opt", "n_startup_trials=5.0", ...QUADRATIC_CMD]),
      run([...TUNE, "--sampler", "tpe", "--sampler-opt", "seed=1e3", ...QUADRATIC_CMD]),
      run([...TUNE, "--sampler", "cem", "--sampler-opt", "elite_fraction=0x1", ...QUADRATIC_CMD]),
      run([...TUNE, "--pruner", "median", "--pruner-opt", "n_startup_trials=1e3", ...QUADRATIC_CMD]),
      run(["create", "--storage", "sqlite:pbt.db", "--study", "pop", "--scheduler", "pbt", "--scheduler-opt", "population=0x10", "-p", "x=float:0:1", ...QUADRATIC_CMD]),
      run([...TUNE, "--sampler", "cem", "--sampler-opt", "elite_fraction=.5", "--pruner", "percentile", "--pruner-opt", "percentile=2.5e1", ...QUADRATIC_CMD]),
    ]);
    expect([hex.code, hex.stderr]).toEqual([2, 'sextant: tpe sampler: option "nStartupTrials" must be an integer >= 0, got "0x10"\n']);
    expect([point.code, point.stderr]).toEqual([2, 'sextant: tpe sampler: option "nStartupTrials" must be an integer >= 0, got "5.0"\n']);
    expect([exponent.code, exponent.stderr]).toEqual([2, 'sextant: tpe sampler: option "seed" must be an integer, got "1e3"\n']);
    expect([floatHex.code, floatHex.stderr]).toEqual([2, 'sextant: cem sampler: option "eliteFraction" must be a finite number in (0, 1], got "0x1"\n']);
    expect([pruner.code, pruner.stderr]).toEqual([2, 'sextant: median pruner: option "nStartupTrials" must be an integer >= 0, got "1e3"\n']);
    expect([scheduler.code, scheduler.stderr]).toEqual([2, 'sextant: pbt scheduler: option "population" must be an integer >= 2, got "0x10"\n']);
    expect(existsSync(join(dir, "pbt.db"))).toBe(false);
    expect([floats.code, floats.stderr]).toEqual([0, ""]);
  });

  it("takes null for TPE's magicClipExponent, as a flag and as a config file's YAML null, as new TPESampler does", async () => {
    // Both were refused: 'option "magicClipExponent" must be a finite number > 0, got "null"'.
    writeFileSync(
      join(dir, "null.yaml"),
      ['command: ["sh", "' + join(FIXTURES, "cli-quadratic.sh") + '", "--x", "{x}", "--y", "1"]', "params: { x: 'float:-2:2' }", "sampler: { name: tpe, options: { magic_clip_exponent: null } }"].join("\n"),
    );
    // Independent runs with their studies in memory: side by side.
    const [flag, config, listed, other] = await Promise.all([
      run([...TUNE, "--sampler", "tpe", "--sampler-opt", "magicClipExponent=null", ...QUADRATIC_CMD]),
      run(["tune", "--config", "null.yaml", "--trials", "1", "--json", "--storage", "memory:"]),
      run(["samplers", "tpe", "--json"]),
      run([...TUNE, "--sampler", "tpe", "--sampler-opt", "minBandwidthFactor=null", ...QUADRATIC_CMD]),
    ]);
    expect([flag.code, flag.stderr]).toEqual([0, ""]);
    expect([config.code, config.stderr]).toEqual([0, ""]);
    const listing = JSON.parse(listed.stdout) as { options: { name: string; type: string; description: string }[] }[];
    const option = listing[0]!.options.find((o) => o.name === "magicClipExponent")!;
    expect(option.type).toBe("finite number > 0 or null");
    expect(option.description).toContain("null (magicClipExponent=null) is Optuna's floor");
    expect([other.code, other.stderr]).toEqual([2, 'sextant: tpe sampler: option "minBandwidthFactor" must be a finite number in [0, 1), got "null"\n']);
  });

  it("refuses a config file's YAML null for an option that takes no null, at its line", async () => {
    // It reached the option as the text "null": checkpointDir: null made a folder named ./null.
    writeFileSync(
      join(dir, "pbt.yaml"),
      ['command: ["sh", "' + join(FIXTURES, "cli-quadratic.sh") + '", "--x", "{x}", "--y", "1"]', "params: { x: 'float:-2:2' }", "scheduler: { name: pbt, options: { checkpointDir: null } }"].join("\n"),
    );
    const result = await run(["tune", "--config", "pbt.yaml", "--trials", "1", "--storage", "memory:"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^sextant: pbt\.yaml:3:\d+: .*checkpointDir.* got null\n$/);
    expect(existsSync(join(dir, "null"))).toBe(false);
  });

  it("lets a flag override a config option spelled differently", async () => {
    writeFileSync(
      join(dir, "s.yaml"),
      ['command: ["sh", "' + join(FIXTURES, "cli-quadratic.sh") + '", "--x", "{x}", "--y", "1"]', "params: { x: 'float:-2:2' }", "sampler: { name: tpe, options: { n_startup_trials: 50 } }"].join("\n"),
    );
    const result = await run(["tune", "--config", "s.yaml", "--trials", "1", "--json", "--storage", "memory:", "--sampler-opt", "nStartupTrials=1"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});

describe("sextant samplers / pruners", () => {
  it("offers a sampler that a module preloaded into the CLI registered through the package's entry", async () => {
    // The CLI runs from its own bundle (dist/cli-bundle), and the module imports dist/index.js:
    // two copies of the registry code, which must share one registry.
    const preload = pathToFileURL(join(FIXTURES, "breaks-on-suggest-sampler.mjs")).href;
    const env = { NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import=${preload}`].filter(Boolean).join(" ") };
    const [listed, tuned] = await Promise.all([
      sextant(["samplers", "--json"], { cwd: dir, env }),
      sextant([...TUNE, "--sampler", "test-breaks-on-suggest", "--sampler-opt", "seed=3", ...QUADRATIC_CMD], { cwd: dir, env }),
    ]);
    expect(listed.code).toBe(0);
    const names = (JSON.parse(listed.stdout) as { name: string }[]).map((l) => l.name);
    expect(names).toContain("test-breaks-on-suggest");
    expect(names).toContain("tpe");
    expect(tuned.stderr).toBe("");
    expect(tuned.code).toBe(0);
  });

  it("lists every sampler's options with types and defaults, as a table and as JSON", async () => {
    const [table, json] = await Promise.all([run(["samplers"]), run(["samplers", "--json"])]);
    expect(table.code).toBe(0);
    for (const name of ["random", "cmaes", "cem", "sobol", "halton", "auto", "tpe", "gp", "grid"]) expect(table.stdout).toMatch(new RegExp(`^${name}: `, "m"));
    expect(table.stdout).toMatch(/^ {2}nStartupTrials +integer >= 0 +10 +random trials before the model is used/m);
    const listings = JSON.parse(json.stdout) as { name: string; options: { name: string; snakeName: string; default: unknown; type: string }[] }[];
    const cmaes = listings.find((l) => l.name === "cmaes")!;
    expect(cmaes.options.find((o) => o.name === "restartStrategy")).toMatchObject({ snakeName: "restart_strategy", type: "one of ipop, none", default: "ipop" });
    expect(listings.every((l) => l.options.some((o) => o.name === "seed"))).toBe(true);
  });

  it.each(["samplers", "pruners", "schedulers"])("%s wraps every option's description instead of cutting it", async (command) => {
    const [table, json] = await Promise.all([run([command]), run([command, "--json"])]);
    expect(table.code).toBe(0);
    expect(table.stdout).not.toContain("…");
    const listings = JSON.parse(json.stdout) as { name: string; description: string; options: { name: string; description: string }[] }[];
    const shown = optionDescriptions(table.stdout);
    for (const listing of listings) {
      for (const option of listing.options) expect(shown.get(`${listing.name}.${option.name}`), `${listing.name} ${option.name}`).toBe(option.description);
    }
    // Off a terminal the tables fill 120 columns; a description that needs more goes on further lines.
    const tableLines = table.stdout.split("\n").filter((line) => line.startsWith("  "));
    expect(Math.max(...tableLines.map((line) => line.length))).toBeLessThanOrEqual(120);
    // So do the "name: description" lines above each table (gp's ran to 124 columns), wrapped whole.
    expect(table.stdout.split("\n").filter((line) => line.length > 120)).toEqual([]);
    const summaries = summaryDescriptions(table.stdout);
    expect(Object.fromEntries(summaries)).toEqual(Object.fromEntries(listings.map((l) => [l.name, l.description])));
    if (command === "samplers") expect(shown.get("tpe.magicClipExponent")).toMatch(/^exponent a of the bandwidth floor .*, the optuna preset's$/);
  });

  it("shows one pruner, and refuses an unknown name", async () => {
    const [median, unknown] = await Promise.all([run(["pruners", "median", "--json"]), run(["pruners", "mediun"])]);
    expect(median.code).toBe(0);
    expect(JSON.parse(median.stdout)[0].options.map((o: { snakeName: string }) => o.snakeName)).toEqual(["n_startup_trials", "n_warmup_steps", "interval_steps", "n_min_trials"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('sextant: unknown pruner "mediun" (did you mean "median"?; choose one of: none, median, percentile, threshold, patient, asha, hyperband, wilcoxon, curve)\n');
  });

  it("is mentioned in tune --help", async () => {
    const help = await run(["tune", "--help"]);
    expect(help.stdout).toContain('"sextant samplers" and "sextant pruners" list each one\'s options');
  });
});
