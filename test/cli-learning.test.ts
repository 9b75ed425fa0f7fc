// CLI suite (spawns `node bin/sextant.js` against dist/): `sextant priors` and `sextant online`.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shellWord } from "../src/cli/format.js";
import { createOnlineTuner } from "../src/online/index.js";
import { RandomSampler } from "../src/samplers/index.js";
import { createStudy } from "../src/study/index.js";
import { MINUS_INFINITE_COST } from "../src/online/tuner.js";
import { openStorage } from "../src/storage/index.js";
import { FIXTURES, copySqliteDatabase, sextant } from "./fixtures/cli-run.js";

const dir = mkdtempSync(join(tmpdir(), "sextant-learning-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (args: string[]) => sextant(args, { cwd: dir });

describe("sextant priors", () => {
  it("prints the Step Law's prediction with its formula and source, and as JSON", async () => {
    const [table, jsonRun] = await Promise.all([
      run(["priors", "llm", "--params", "1e9", "--tokens", "1e11"]),
      run(["priors", "llm", "--params", "1e9", "--tokens", "1e11", "--sequence-length", "4096", "--json"]),
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^learning rate +0\.001632/m);
    expect(table.stdout).toMatch(/^batch size \(tokens\) +1107715/m);
    expect(table.stdout).toMatch(/formula: lr = 1\.79 \* N\^-0\.713 \* D\^0\.307/);
    expect(table.stdout).toMatch(/arXiv:2503\.04715/);
    expect(table.stdout).toMatch(/--param lr=float:0\.0005162:0\.005162:log/);
    expect(table.stdout).toMatch(/^  --enqueue lr=0\.001632,batch_size=1107715$/m);
    const json = JSON.parse(jsonRun.stdout);
    expect(json.batchSizeSequences).toBe(270);
    expect(json.first.batch_size).toBe(270);
  });

  it("refuses a range too wide to search or too narrow to print", async () => {
    const decades = (value: string, ...flags: string[]) => run(["priors", "llm", "--params", "1e9", "--tokens", "1e11", "--decades", value, ...flags]);
    const [wide, narrow, least, unrounded] = await Promise.all([decades("1e6"), decades("1e-9"), decades("0.01"), decades("0.001", "--json")]);
    // --decades 1e6 printed lr=float:0.000:Infinity:log, which sextant tune then refused.
    expect(wide.code).toBe(2);
    // Named as the flag, where it said "decades" (the library's option).
    expect(wide.stderr).toBe("sextant: --decades must be a positive number of at most 12, got 1000000\n");
    // --decades 1e-9 printed lr=float:0.001632:0.001632:log, a range of one value.
    expect([narrow.code, narrow.stderr]).toEqual([
      2,
      "sextant: --decades must be at least 0.01 (the range's bounds are printed to 4 digits, and a narrower one prints as a single value), got 1e-9\n",
    ]);
    expect(least.stdout).toMatch(/--param lr=float:0\.001614:0\.001651:log/);
    // --json prints the bounds unrounded, so a narrower range is as good there as in the library.
    expect(unrounded.code, unrounded.stderr).toBe(0);
    const { space, first } = JSON.parse(unrounded.stdout);
    expect(space.lr.low).toBeLessThan(first.lr);
    expect(first.lr).toBeLessThan(space.lr.high);
    expect(space.lr.high / space.lr.low).toBeCloseTo(10 ** 0.001, 12);
  });

  it("refuses a batch size range past the largest int bound, naming the flags", async () => {
    const [wide, huge] = await Promise.all([
      run(["priors", "llm", "--params", "1e9", "--tokens", "1e18", "--decades", "12"]),
      run(["priors", "llm", "--params", "1e9", "--tokens", "1e30", "--json"]),
    ]);
    // Each printed a --param batch_size=int:… past 2^53 − 1, which sextant tune refuses.
    expect([wide.code, wide.stderr]).toEqual([
      2,
      "sextant: --decades 12 make the batch size range reach 11000894343000000 tokens, beyond 9007199254740991 (2^53 − 1), the largest bound an int parameter takes; give --decades of at most 11.82\n",
    ]);
    expect([huge.code, huge.stdout]).toEqual([2, ""]);
    expect(huge.stderr).toMatch(/^sextant: --tokens 1e\+30 predict a batch size of 78239847190315650 tokens, .*; give a sequence length to count it in sequences, or fewer tokens\n$/);
  });

  it("names a missing or malformed flag", async () => {
    const [missing, bad, unknown] = await Promise.all([
      run(["priors", "llm", "--tokens", "1e11"]),
      run(["priors", "llm", "--params", "big", "--tokens", "1e11"]),
      run(["priors", "mlp", "--params", "1", "--tokens", "1"]),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("sextant: --params is required\n");
    expect(bad.stderr).toMatch(/--params must be a positive number/);
    expect(unknown.stderr).toMatch(/unknown prior "mlp"/);
  });
});

describe("sextant online", () => {
  it("creates a tuner, then chooses and observes across separate processes", async () => {
    const storage = `sqlite:${join(dir, "online.db")}`;
    const created = await run(["online", "create", "sor", "--low", "1", "--high", "1.9", "--arms", "4", "--cost-scale", "100", "--seed", "3", "--storage", storage]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/tuner sor: tsallis-inf, 0 cost\(s\) observed/);
    expect(created.stderr).toMatch(/^online tuner "sor" created in sqlite:/);
    const resumed = await run(["online", "create", "sor", "--low", "1", "--high", "1.9", "--arms", "4", "--cost-scale", "100", "--storage", storage]);
    expect([resumed.code, resumed.stderr]).toEqual([0, expect.stringMatching(/^online tuner "sor" already existed with these settings: resumed in sqlite:/)]);
    const values: number[] = [];
    for (let t = 0; t < 2; t++) {
      const chosen = await run(["online", "choose", "sor", "--storage", storage, "--json"]);
      expect(chosen.code).toBe(0);
      const { value } = JSON.parse(chosen.stdout) as { value: number };
      values.push(value);
      const observed = await run(["online", "observe", "sor", String(Math.abs(value - 1.3) * 100), "--storage", storage, "--json"]);
      expect(JSON.parse(observed.stdout)).toEqual({ rounds: t + 1, clipped: false });
      expect(observed.stderr).toBe("");
    }
    // A cost above --cost-scale 100 used to be clipped to the worst without a word.
    await run(["online", "choose", "sor", "--storage", storage]);
    const above = await run(["online", "observe", "sor", "250", "--storage", storage]);
    expect([above.code, above.stderr]).toEqual([0, expect.stringMatching(/^sextant: warning: cost 250 is above the tuner's cost scale 100 and counts as the worst/)]);
    // So was a negative one (a reward negated into a cost) to the best, with "clipped": false.
    await run(["online", "choose", "sor", "--storage", storage]);
    const below = await run(["online", "observe", "sor", "-20", "--storage", storage, "--json"]);
    expect([below.code, JSON.parse(below.stdout), below.stderr]).toEqual([0, { rounds: 4, clipped: true }, expect.stringMatching(/^sextant: warning: cost -20 is below 0 and counts as the best/)]);
    expect(values.every((v) => [1, 1.3, 1.6, 1.9].some((g) => Math.abs(g - v) < 1e-9))).toBe(true);
    // The tuner shares the studies' names but is no study: listed apart, and tune refuses its name
    // (it used to resume it as an empty study and add trials to it).
    const [shownRun, listed, json, tuned] = await Promise.all([
      run(["online", "show", "sor", "--storage", storage, "--json"]),
      run(["studies", "--storage", storage]),
      run(["studies", "--storage", storage, "--json"]),
      run(["tune", "--study", "sor", "--trials", "1", "--param", "x=float:0:1", "--storage", storage, "--", "echo", "{x}"]),
    ]);
    expect(JSON.parse(shownRun.stdout).rounds).toBe(4);
    expect(listed.stdout).toBe(`no studies in ${storage}\nonline tuner(s), not studies (sextant online show NAME): sor\n`);
    expect([JSON.parse(json.stdout), json.stderr]).toEqual([[], "sextant: online tuner(s), not studies (sextant online show NAME): sor\n"]);
    expect(tuned.code).toBe(1);
    expect(tuned.stderr).toContain('"sor" is an online tuner, not a study (its state: sextant online show sor); give the study another name');
    expect(JSON.parse((await run(["online", "show", "sor", "--storage", storage, "--json"])).stdout).rounds).toBe(4);
  });

  it("runs its help's examples, with SOR's iteration counts as costs, without clipping one", async () => {
    // The chebcb example left out --cost-scale: its tuner took costs on [0, 1], so every iteration
    // count it was shown observing counted as the worst cost, and the tuner learned nothing.
    const folder = mkdtempSync(join(dir, "help-examples-"));
    const help = await sextant(["help", "online"], { cwd: folder });
    const examples = help.stdout.split("\n").filter((line) => line.startsWith("  $ sextant online ")).map((line) => line.slice("  $ sextant ".length));
    expect(examples.filter((line) => line.startsWith("online create"))).toHaveLength(2);
    for (const example of examples) {
      const args = example.replace("$ITERATIONS", "57").split(/\s+/);
      const result = await sextant(args, { cwd: folder });
      expect([result.code, result.stderr], example).toEqual([0, expect.not.stringContaining("warning")]);
    }
  });

  it("shows a tuner's settings by the library's names, as text and as JSON", async () => {
    // show printed the play distribution only: the range, cost scale, seed and rates were nowhere.
    const storage = `sqlite:${join(dir, "online-settings.db")}`;
    await run(["online", "create", "sor", "--low", "1", "--high", "1.9", "--arms", "4", "--cost-scale", "120", "--seed", "3", "--learning-rate", "3", "--storage", storage]);
    const [shown, shownJson] = await Promise.all([
      run(["online", "show", "sor", "--storage", storage]),
      run(["online", "show", "sor", "--storage", storage, "--json"]),
      run(["online", "create", "ctx", "--low", "0.1", "--high", "10", "--log", "--context-low", "0,1", "--context-high", "1,5", "--degree", "2", "--seed", "4", "--storage", storage]),
    ]);
    expect(shown.stdout.split("\n").slice(0, 3)).toEqual([
      "tuner sor: tsallis-inf, 0 cost(s) observed",
      "parameter: name value, low 1, high 1.9, log false, arms 4",
      "costScale 120, learningRate 3, seed 3",
    ]);
    expect(JSON.parse(shownJson.stdout)).toMatchObject({ parameter: { name: "value", low: 1, high: 1.9, log: false, arms: 4 }, costScale: 120, learningRate: 3, seed: 3 });
    const [contextual, contextualJson] = await Promise.all([run(["online", "show", "ctx", "--storage", storage]), run(["online", "show", "ctx", "--storage", storage, "--json"])]);
    expect(contextual.stdout.split("\n").slice(0, 4)).toEqual([
      "tuner ctx: chebcb, 0 cost(s) observed",
      "parameter: name value, low 0.1, high 10, log true, arms 16",
      "context: low 0,1, high 1,5, degree 2",
      "costScale 1, exploration 10, seed 4",
    ]);
    expect(JSON.parse(contextualJson.stdout).context).toEqual({ low: [0, 1], high: [1, 5], degree: 2 });
  });

  it("counts an infinite cost (inf, Infinity) as the worst, as the library does, and refuses nan and -inf", async () => {
    // A solver that diverged prints inf: refused, its choice stayed waiting and its cost was lost.
    const storage = `sqlite:${join(dir, "online-infinite.db")}`;
    await run(["online", "create", "sor", "--low", "1", "--high", "1.9", "--arms", "4", "--cost-scale", "100", "--seed", "3", "--storage", storage]);
    for (const [t, cost] of ["inf", "Infinity", "+INF"].entries()) {
      await run(["online", "choose", "sor", "--storage", storage]);
      const observed = await run(["online", "observe", "sor", cost, "--storage", storage, "--json"]);
      // No advice to raise --cost-scale: an infinite cost is the worst on purpose.
      expect([observed.code, JSON.parse(observed.stdout), observed.stderr]).toEqual([0, { rounds: t + 1, clipped: true }, ""]);
    }
    const library = await createOnlineTuner({ parameter: { low: 1, high: 1.9, arms: 4 }, seed: 3, costScale: 100 });
    for (const cost of [Infinity, Infinity, Infinity]) {
      await library.choose();
      await library.observe(cost);
    }
    expect(JSON.parse((await run(["online", "show", "sor", "--storage", storage, "--json"])).stdout).probabilities).toEqual(library.stats().probabilities);
    await run(["online", "choose", "sor", "--storage", storage]);
    const minusInfinities = ["-inf", "-Infinity", "-1e999"];
    const [nan, ...best] = await Promise.all([
      run(["online", "observe", "sor", "nan", "--storage", storage]),
      ...minusInfinities.map((cost) => run(["online", "observe", "sor", "--storage", storage, "--", cost])),
    ]);
    // It counted as the best cost, with a warning only: costs are 0 or more, and minus infinity is a slip.
    for (const [i, cost] of minusInfinities.entries()) {
      expect([best[i]!.code, best[i]!.stderr]).toEqual([2, `sextant: COST "${cost}" is refused: ${MINUS_INFINITE_COST}\n`]);
    }
    expect([nan.code, nan.stderr]).toEqual([2, 'sextant: COST must be a number (or inf, a diverged solve\'s), got "nan"\n']);
    expect(JSON.parse((await run(["online", "show", "sor", "--storage", storage, "--json"])).stdout).rounds).toBe(3);
  });

  it("refuses bad input with a clear message", async () => {
    const storage = `sqlite:${join(dir, "bad.db")}`;
    const [list, chose, show, unknown] = await Promise.all([
      run(["online", "list"]),
      run(["online", "chose", "t"]),
      run(["online", "show"]),
      run(["online", "choose", "nope", "--storage", storage]),
    ]);
    // The action is judged before the name: "online list" said a name was missing.
    expect(list.stderr).toBe('sextant: unknown action "list"; online tuners are listed by sextant studies; use create, choose, observe or show\n');
    expect(chose.stderr).toMatch(/unknown action "chose" \(did you mean "choose"\?\)/);
    expect(show.stderr).toBe("sextant: online show needs the tuner's name: sextant online show NAME\n");
    // A missing tuner exits 1, as a missing study does (it exited 2, the code of a mistyped command).
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no online tuner named "nope".*sextant online create nope/);
    // Looking for a tuner in a file that does not exist says so, and leaves no empty database behind.
    expect(unknown.stderr).toMatch(/no storage found at sqlite:.*bad\.db: .*does not exist; point at one with --storage/);
    expect(existsSync(join(dir, "bad.db"))).toBe(false);
    // Each flag is named, and a malformed number is refused rather than stored as NaN (--seed abc
    // used to be stored as null and draw like seed 0). The refusals run side by side: none writes.
    const refused = async (args: string[]) => {
      const result = await run(["online", "create", "u", ...args, "--storage", storage]);
      expect(result.code, result.stderr).toBe(2);
      return result.stderr;
    };
    const [range, flags] = await Promise.all([
      run(["online", "create", "t", "--low", "2", "--high", "1", "--storage", storage]),
      Promise.all([
        refused(["--low", "1"]),
        refused(["--low", "1", "--high", "2", "--seed", "abc"]),
        refused(["--low", "1", "--high", "2", "--seed", "1.5"]),
        refused(["--low", "x", "--high", "2"]),
        refused(["--low", "1", "--high", "2", "--arms", "many"]),
        refused(["--low", "1", "--high", "2", "--arms", "1"]),
        // No upper limit: --arms 1000000000 ran out of memory. The HTTP API's limit, 10,000, applies.
        refused(["--low", "1", "--high", "2", "--arms", "10001"]),
        refused(["--low", "1", "--high", "2", "--cost-scale", "-3"]),
        refused(["--low", "0", "--high", "2", "--log"]),
      ]),
    ]);
    expect(range.code).toBe(2);
    expect(range.stderr).toBe("sextant: --low (2) must be below --high (1)\n");
    expect(flags).toEqual([
      "sextant: online create needs --low and --high (the parameter's range)\n",
      'sextant: --seed must be an integer, got "abc"\n',
      'sextant: --seed must be an integer, got "1.5"\n',
      'sextant: --low must be a number, got "x"\n',
      'sextant: --arms must be a positive integer, got "many"\n',
      "sextant: --arms must be at least 2, got 1\n",
      "sextant: --arms must be at most 10000, got 10001\n",
      'sextant: --cost-scale must be a positive number, got "-3"\n',
      "sextant: --low must be positive with --log, got 0\n",
    ]);
    expect((await run(["online", "show", "u", "--storage", storage])).code).toBe(1);
    await run(["online", "create", "t", "--low", "0", "--high", "1", "--storage", storage]);
    const [early, again, malformed] = await Promise.all([
      run(["online", "observe", "t", "3", "--storage", storage]),
      run(["online", "create", "t", "--low", "0", "--high", "2", "--arms", "8", "--cost-scale", "120", "--storage", storage]),
      run(["online", "observe", "t", "x", "--storage", storage]),
      run(["online", "create", "ctx2", "--low", "0", "--high", "1", "--context-low", "0,0", "--context-high", "1,1", "--storage", storage]),
    ]);
    expect(early.code).toBe(2);
    expect(early.stderr).toBe('sextant: online tuner "t" has no value waiting for its cost: run "sextant online choose t" first\n');
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      // It named the library's fields (high, arms, costScale), which no flag of online create is called.
      'sextant: online tuner "t" exists with other settings (--high 1, not 2; --arms 16, not 8; --cost-scale 1, not 120); ' +
        'run "sextant online choose t" to use it as it is, or create one under another name\n',
    );
    expect(malformed.stderr).toMatch(/COST must be a number/);
    // An empty item read as 0: a feature left out ("0.5,") was a feature of 0, and the tuner chose for it.
    const contexts = ["0.5,", ",0.5", "0.5, "];
    const choices = await Promise.all(contexts.map((context) => run(["online", "choose", "ctx2", "--context", context, "--storage", storage])));
    for (const [i, context] of contexts.entries()) {
      expect([choices[i]!.code, choices[i]!.stderr]).toEqual([2, `sextant: --context must be comma-separated numbers, got "${context}"\n`]);
    }
    const choose = async (tuner: string, ...flags: string[]) => {
      const result = await run(["online", "choose", tuner, ...flags, "--storage", storage]);
      expect(result.code, result.stderr).toBe(2);
      return result.stderr;
    };
    const [pending, refusals] = await Promise.all([
      run(["online", "show", "ctx2", "--storage", storage, "--json"]),
      Promise.all([
        refused(["--low", "1", "--high", "2", "--context-low", "0,,0", "--context-high", "1,1,1"]),
        // Each named by its flag: the library's refusals named its options (algorithm, context.low and context.high, context).
        refused(["--low", "1", "--high", "2", "--algorithm", "chebc"]),
        refused(["--low", "1", "--high", "2", "--algorithm", "exp3", "--context-low", "0", "--context-high", "1"]),
        refused(["--low", "1", "--high", "2", "--context-low", "0,0", "--context-high", "1"]),
        refused(["--low", "1", "--high", "2", "--context-low", "0,2", "--context-high", "1,1"]),
        choose("ctx2"),
        choose("ctx2", "--context", "1"),
        choose("t", "--context", "1"),
        refused(["--low", "1", "--high", "2", "--algorithm", "chebcb"]),
      ]),
    ]);
    expect(JSON.parse(pending.stdout).pending).toBe(null);
    expect(refusals).toEqual([
      'sextant: --context-low must be comma-separated numbers, got "0,,0"\n',
      'sextant: --algorithm must be one of tsallis-inf, exp3, chebcb, got "chebc" (did you mean "chebcb"?)\n',
      "sextant: --context-low and --context-high are the features of a chebcb tuner; --algorithm exp3 takes none\n",
      "sextant: --context-low and --context-high must give one number per feature each, got 2 and 1\n",
      "sextant: feature 1: --context-low (2) must be below --context-high (1)\n",
      "sextant: online choose ctx2 needs --context: the instance's 2 feature(s), comma-separated\n",
      'sextant: --context must give the tuner\'s 2 feature(s), comma-separated, got 1 number(s): "1"\n',
      'sextant: --context gives the features of a chebcb tuner; "t" is a tsallis-inf tuner and takes none\n',
      "sextant: --algorithm chebcb needs the features' ranges: --context-low and --context-high, one comma-separated number per feature\n",
    ]);
  });

  it("records a cost given with choose's --context, and warns that observe ignores it", async () => {
    const storage = `sqlite:${join(dir, "loop.db")}`;
    const online = (args: string[]) => run(["online", ...args, "--storage", storage]);
    expect((await online(["create", "c", "--low", "1", "--high", "2", "--context-low", "0", "--context-high", "1"])).code).toBe(0);
    // A loop that gives choose and observe the same flags: observe refused --context and the cost was lost.
    expect((await online(["choose", "c", "--context", "0.5"])).code).toBe(0);
    const observed = await online(["observe", "c", "0.3", "--context", "0.5", "--json"]);
    expect(observed.code, observed.stderr).toBe(0);
    expect(observed.stderr).toBe("sextant: warning: online observe ignores --context (a flag of online choose); the cost goes to the pending choice\n");
    expect(JSON.parse(observed.stdout)).toMatchObject({ rounds: 1 });
    expect((await online(["choose", "c", "--context", "0.2"])).code).toBe(0);
  });

  it("prints the choice's round with --json, and refuses a cost whose --round another process observed first", async () => {
    const storage = `sqlite:${join(dir, "shared.db")}`;
    const online = (args: string[]) => run(["online", ...args, "--storage", storage]);
    expect((await online(["create", "s", "--low", "0", "--high", "3", "--arms", "4", "--cost-scale", "10", "--seed", "3"])).code).toBe(0);
    const first = JSON.parse((await online(["choose", "s", "--json"])).stdout) as { value: number; round: number };
    // Another process chose too (and got the same choice), and observes it first.
    expect(JSON.parse((await online(["choose", "s", "--json"])).stdout)).toEqual(first);
    expect((await online(["observe", "s", "1", "--round", "0"])).code).toBe(0);
    const second = JSON.parse((await online(["choose", "s", "--json"])).stdout) as { value: number; round: number };
    expect(second.round).toBe(1);
    // This process's cost for the first choice counted for the second, and the other's for the second found nothing waiting.
    const late = await online(["observe", "s", "9", "--round", "0"]);
    expect([late.code, late.stderr]).toEqual([2, expect.stringMatching(/^sextant: the choice of round 0 was observed already \(the tuner has 1 cost\(s\) observed\)/)]);
    expect(JSON.parse((await online(["observe", "s", "2", "--round", "1", "--json"])).stdout)).toEqual({ rounds: 2, clipped: false });
  });

  it("refuses a flag that would do nothing, naming it", async () => {
    const storage = `sqlite:${join(dir, "unused.db")}`;
    expect((await run(["online", "create", "t", "--low", "1", "--high", "2", "--storage", storage])).code).toBe(0);
    // Each of these ran as if the flag were not there.
    const refused = async (args: string[]) => {
      const result = await run(["online", ...args, "--storage", storage]);
      expect(result.code, result.stderr).toBe(2);
      return result.stderr;
    };
    const chebcb = ["create", "u", "--low", "1", "--high", "2", "--context-low", "0", "--context-high", "1", "--learning-rate", "4"];
    expect(
      await Promise.all([
        refused(["choose", "t", "--low", "5"]),
        refused(["observe", "t", "3", "--cost-scale", "10"]),
        refused(["create", "u", "--low", "1", "--high", "2", "--context", "0.5"]),
        refused(["create", "u", "--low", "1", "--high", "2", "--degree", "3"]),
        refused(chebcb),
        refused([...chebcb, "--algorithm", "chebcb"]),
      ]),
    ).toEqual([
      "sextant: online choose takes no --low (a flag of online create)\n",
      "sextant: online observe takes no --cost-scale (a flag of online create)\n",
      "sextant: online create takes no --context (a flag of online choose)\n",
      "sextant: --degree is the Chebyshev degree of a chebcb tuner's features: give it with --context-low and --context-high\n",
      "sextant: --learning-rate sets the learning rate of tsallis-inf and exp3; chebcb has none\n",
      "sextant: --learning-rate sets the learning rate of tsallis-inf and exp3; chebcb has none\n",
    ]);
    const missing = await run(["online", "show", "u", "--storage", storage]);
    expect(missing.stderr).toMatch(/no online tuner named "u"/);
    expect(missing.code).toBe(1);
    // A study's name given for a tuner's exits 1 too, as a tuner's name given to sextant trials does.
    const plain = await createStudy({ storage, name: "plain", sampler: new RandomSampler({ seed: 1 }) });
    await plain.close();
    const notTuner = await run(["online", "show", "plain", "--storage", storage]);
    expect([notTuner.code, notTuner.stderr]).toEqual([1, 'sextant: study "plain" is not an online tuner\n']);
    expect((await run(["online", "choose", "t", "--json", "--storage", storage])).code).toBe(0);
  });

  it("warns of a context outside the tuner's range, which counts as the range's end", async () => {
    const storage = `sqlite:${join(dir, "range.db")}`;
    const create = ["online", "create", "c", "--low", "1", "--high", "2", "--context-low", "0,-1", "--context-high", "1,1", "--storage", storage];
    expect((await run(create)).code).toBe(0);
    // It was clamped without a word.
    const outside = await run(["online", "choose", "c", "--context", "0.5,-3", "--storage", storage]);
    expect([outside.code, outside.stderr]).toEqual([
      0,
      "sextant: warning: --context feature 1 is -3, outside the tuner's range [-1, 1]: it counts as -1, so every instance beyond that end looks alike to the tuner; " +
        "create one with a wider --context-low/--context-high if such instances are common\n",
    ]);
    expect((await run(["online", "observe", "c", "0.5", "--storage", storage])).code).toBe(0);
    const inside = await run(["online", "choose", "c", "--context", "1,-1", "--storage", storage]);
    expect([inside.code, inside.stderr]).toEqual([0, ""]);
  });

  it("takes --learning-rate, as the library and the HTTP API take learningRate", async () => {
    const storage = `sqlite:${join(dir, "rate.db")}`;
    const create = (name: string, ...flags: string[]) => run(["online", "create", name, "--low", "1", "--high", "2", "--arms", "4", "--seed", "2", ...flags, "--storage", storage]);
    const created = await create("slow", "--learning-rate", "0.5");
    expect([created.code, created.stderr]).toEqual([0, expect.stringMatching(/^online tuner "slow" created/)]);
    // The stored tuner has the rate given: the default is another setting, the same rate resumes it.
    const [other, same, usualCreated] = await Promise.all([create("slow"), create("slow", "--learning-rate", "0.5"), create("default")]);
    expect(other.stderr).toMatch(/exists with other settings \(--learning-rate 0\.5, not 2\)/);
    expect(same.stderr).toMatch(/already existed with these settings: resumed/);
    // The rate reaches the bandit: both tuners draw the same first value (uniform, same seed), and
    // after its cost of 1 the one at the lower rate moves less probability away from it.
    expect(usualCreated.code).toBe(0);
    const afterOneCost = async (name: string) => {
      const { value } = JSON.parse((await run(["online", "choose", name, "--json", "--storage", storage])).stdout) as { value: number };
      expect((await run(["online", "observe", name, "1", "--storage", storage])).code).toBe(0);
      const { values, probabilities } = JSON.parse((await run(["online", "show", name, "--json", "--storage", storage])).stdout) as { values: number[]; probabilities: number[] };
      return { value, probability: probabilities[values.indexOf(value)]! };
    };
    const [slow, usual] = await Promise.all([afterOneCost("slow"), afterOneCost("default")]);
    expect(slow.value).toBe(usual.value);
    expect(usual.probability).toBeLessThan(0.25);
    expect(slow.probability).toBeGreaterThan(usual.probability);
    const refused = async (rate: string) => {
      const result = await create("bad", "--learning-rate", rate);
      expect(result.code).toBe(2);
      return result.stderr;
    };
    expect(await Promise.all([refused("fast"), refused("0"), refused("1e7")])).toEqual([
      'sextant: --learning-rate must be a positive number, got "fast"\n',
      'sextant: --learning-rate must be a positive number, got "0"\n',
      "sextant: --learning-rate must be a positive number of at most 1000000, got 10000000\n",
    ]);
  });

  it("leaves no storage file behind when a create into a new one is refused", async () => {
    const fresh = join(dir, "refused-tuner.db");
    const create = (...flags: string[]) => run(["online", "create", "nowhere", "--storage", `sqlite:${fresh}`, ...flags]);
    // Each is refused by the library, after the storage was opened: an empty database was left,
    // which commands then read as a storage without studies.
    for (const flags of [
      ["--low", "1", "--high", "2", "--learning-rate", "1e7"],
      ["--low", "-1e308", "--high", "1e308"],
    ]) {
      const refused = await create(...flags);
      expect(refused.code, refused.stderr).toBe(2);
      expect(existsSync(fresh)).toBe(false);
    }
    // A storage that was there already stays, tuners and all.
    expect((await create("--low", "1", "--high", "2")).code).toBe(0);
    expect((await create("--low", "1", "--high", "2", "--learning-rate", "1e7")).code).toBe(2);
    expect((await run(["online", "show", "nowhere", "--storage", `sqlite:${fresh}`])).code).toBe(0);
  });

  it("names the flags of online create in a settings conflict, and says which settings no flag sets", async () => {
    const storage = `sqlite:${join(dir, "conflict.db")}`;
    const create = (name: string, ...flags: string[]) => run(["online", "create", name, "--low", "0", "--high", "1", ...flags, "--storage", storage]);
    expect((await create("ctx", "--algorithm", "chebcb", "--context-low", "0", "--context-high", "1")).code).toBe(0);
    // The other tuners are made side by side, then each conflict is asked side by side.
    const madeByLibrary = async () => {
      const library = await openStorage(storage);
      await (await createOnlineTuner({ name: "lib", storage: library, parameter: { name: "omega", low: 0, high: 1 } })).close();
      await library.close();
    };
    const [context, ctx2, plain] = await Promise.all([
      create("ctx", "--algorithm", "chebcb", "--context-low", "0", "--context-high", "2", "--degree", "3"),
      create("ctx2", "--algorithm", "chebcb", "--context-low", "0,0", "--context-high", "1,2"),
      create("plain"),
      madeByLibrary(),
    ]);
    expect([context.code, context.stderr]).toEqual([
      2,
      'sextant: online tuner "ctx" exists with other settings (--context-high 1, not 2; --degree 4, not 3); run "sextant online choose ctx" to use it as it is, or create one under another name\n',
    ]);
    expect(ctx2.code).toBe(0);
    expect(plain.code).toBe(0);
    const [ranges, algorithm, otherRate, named] = await Promise.all([
      create("ctx2", "--algorithm", "chebcb", "--context-low", "0,1", "--context-high", "1,3"),
      create("ctx2", "--algorithm", "exp3"),
      create("plain", "--algorithm", "chebcb", "--context-low", "0,0", "--context-high", "1,2", "--degree", "2"),
      create("lib", "--log", "--low", "0.1"),
    ]);
    // Context ranges as the flags take them (comma-separated), where the conflict showed JSON arrays ([0,0], not [0,1]).
    expect(ranges.stderr).toContain("exists with other settings (--context-low 0,0, not 0,1; --context-high 1,2, not 1,3); ");
    expect(algorithm.stderr).toContain("(--algorithm chebcb, not exp3; --context-low/--context-high 0,0/1,2 (--degree 4), not none); ");
    // The rate of the other kind of algorithm is no difference of its own: it was listed as
    // "exploration none, not 10", said to have no flag, of a tuner this command had made.
    expect(otherRate.stderr).toBe(
      'sextant: online tuner "plain" exists with other settings (--algorithm tsallis-inf, not chebcb; --context-low/--context-high none, not 0,0/1,2 (--degree 2)); ' +
        'run "sextant online choose plain" to use it as it is, or create one under another name\n',
    );
    expect(named.stderr).toBe(
      'sextant: online tuner "lib" exists with other settings (parameter.name omega, not value; --low 0, not 0.1; --log off, not on); ' +
        'run "sextant online choose lib" to use it as it is, or create one under another name (no flag sets parameter.name: the tuner was made through the library or the HTTP API)\n',
    );
  });

  it("names a tuner as one to the study commands, which used to crash or show it as an empty study, and deletes it", async () => {
    const storage = `sqlite:${join(dir, "tuner.db")}`;
    expect((await run(["online", "create", "t1", "--low", "1", "--high", "2", "--storage", storage])).code).toBe(0);
    const commands = [["best", "t1"], ["trials", "t1"], ["export", "t1"], ["report", "t1"]];
    const [create, ...results] = await Promise.all([
      run(["create", "--study", "t1", "--storage", storage, "-p", "x=float:0:1", "--", "node", "-e", "1"]),
      ...commands.map((command) => run([...command, "--storage", storage])),
    ]);
    for (const [i, command] of commands.entries()) {
      expect(results[i]!.code, command.join(" ")).toBe(1);
      expect(results[i]!.stderr).toBe(`sextant: "t1" is an online tuner, not a study: sextant online show t1 --storage ${shellWord(storage)} prints its state\n`);
    }
    expect(create.code).not.toBe(0);
    expect(create.stderr).toMatch(/"t1" is an online tuner, not a study/);
    const deleted = await run(["delete", "t1", "--yes", "--storage", storage]);
    expect([deleted.code, deleted.stdout]).toEqual([0, 'deleted online tuner "t1" and what it has learned\n']);
  });
});

describe("sextant tune --enqueue", () => {
  it("runs the enqueued trials first, once across resumes, and in a fleet's budget; names a bad value", async () => {
    const storage = `sqlite:${join(dir, "enqueue.db")}`;
    const objective = ["--", "sh", join(FIXTURES, "cli-quadratic.sh"), "--x", "{x}", "--y", "{y}"];
    const space = ["-p", "x=float:-5:5", "-p", "y=int:-3:3"];
    type Row = { number: number; params: Record<string, number> };
    const rows = async (study: string) => JSON.parse((await run(["trials", study, "--storage", storage, "--json"])).stdout) as Row[];
    const tune = (n: number) => run(["tune", "--storage", storage, "--study", "prior", "--seed", "1", "-n", String(n), "--enqueue", "x=1.25,y=-2", "--enqueue", "x=-0.5", ...space, ...objective]);
    const first = await tune(3);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/enqueued trial 0: x=1\.25, y=-2/);
    // Resumed, a fleet and the refusals use the storage side by side: each has its own study.
    const resumed = async () => {
      const trials = await rows("prior");
      expect(trials.map((t) => t.params.x)).toEqual([1.25, -0.5, expect.any(Number)]);
      expect(trials[0]!.params.y).toBe(-2);
      // Resumed with the same flags: nothing is queued twice.
      const again = await tune(1);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/not enqueued again \(the study has a trial at x=1\.25, y=-2\)/);
      const after = await rows("prior");
      expect(after.filter((t) => t.params.x === 1.25 || t.params.x === -0.5)).toHaveLength(2);
      expect(after).toHaveLength(4);
    };
    // A fleet: the enqueued trial is the first of the budget.
    const fleetRuns = async () => {
      const created = await run(["create", "--storage", storage, "--study", "fleet", "-q", "-n", "2", "--enqueue", "x=2,y=1", ...space, ...objective]);
      expect(created.code, created.stderr).toBe(0);
      expect((await run(["worker", "--storage", storage, "--study", "fleet", "-q"])).code).toBe(0);
      const fleet = await rows("fleet");
      expect(fleet).toHaveLength(2);
      expect(fleet[0]!.params).toEqual({ x: 2, y: 1 });
    };
    // Bad values are named before anything runs.
    const bad = async (flag: string) => (await run(["tune", "--storage", storage, "--study", "bad", "-n", "1", "--enqueue", flag, ...space, ...objective])).stderr;
    const [badValues, tooMany] = await Promise.all([
      Promise.all([bad("x=7"), bad("y=0.5"), bad("z=1"), bad("x=1,x=2")]),
      run(["create", "--storage", storage, "--study", "over", "-n", "1", "--enqueue", "x=1", "--enqueue", "x=2", ...space, ...objective]),
      resumed(),
      fleetRuns(),
    ]);
    expect(badValues).toEqual([
      'sextant: --enqueue "x=7": "x" must be a number from -5 to 5, got "7"\n',
      'sextant: --enqueue "y=0.5": "y" must be an integer from -3 to 3, got "0.5"\n',
      'sextant: --enqueue "z=1": no parameter named "z" (parameters: x, y)\n',
      'sextant: --enqueue "x=1,x=2": "x" is given twice\n',
    ]);
    expect(tooMany.stderr).toBe("sextant: --enqueue gives 2 trials, more than the budget of --trials 1\n");
    expect((JSON.parse((await run(["studies", "--storage", storage, "--json"])).stdout) as { name: string }[]).map((s) => s.name).sort()).toEqual(["fleet", "prior"]);
  });
});

describe("sextant tune --warm-start", () => {
  // The earlier study the tests warm-start from, "may": 12 TPE trials, tuned once and copied into
  // each test's storage (each tuned the same 12 trials again, a command spawn apiece).
  const earlierStudy = join(dir, "may.db");
  beforeAll(async () => {
    const objective = ["--", "sh", join(FIXTURES, "cli-quadratic.sh"), "--x", "{x}", "--y", "{y}"];
    const earlier = await run(["tune", "--storage", `sqlite:${earlierStudy}`, "--study", "may", "--sampler", "tpe", "--seed", "1", "-q", "-n", "12", "-p", "x=float:-5:5", "-p", "y=float:-5:5", ...objective]);
    expect(earlier.code, earlier.stderr).toBe(0);
  });
  /** A storage URL for `file`, a copy of the storage holding "may". */
  const withEarlierStudy = (file: string) => {
    copySqliteDatabase(earlierStudy, join(dir, file));
    return `sqlite:${join(dir, file)}`;
  };

  it("learns from an earlier study without counting its trials, and notes a parameter it cannot use", async () => {
    const storage = withEarlierStudy("warm.db");
    const objective = ["--", "sh", join(FIXTURES, "cli-quadratic.sh"), "--x", "{x}", "--y", "{y}"];
    const space = ["-p", "x=float:-5:5", "-p", "y=float:-5:5"];
    // The run that learns, the refusals and the other sources use the storage side by side: each has its own study.
    const learns = async () => {
      const later = await run(["tune", "--storage", storage, "--study", "june", "--sampler", "tpe", "--seed", "2", "-n", "3", "--warm-start", "may", "--json", "-p", "x=float:-5:5", "-p", "y=float:-4:4", ...objective]);
      expect(later.code).toBe(0);
      // y's narrower range: the trials of "may" whose y lies in it are learnt from, the others left out, and the note counts them.
      // (The whole source used to go unused when a range changed.)
      expect(later.stderr).toMatch(/warm start from "may": "y" is \{"type":"float","low":-5,"high":5\} there, \{"type":"float","low":-4,"high":4\} here: learning from the \d+ of its 12 trials whose values lie in this study's ranges/);
      const trials = JSON.parse((await run(["trials", "june", "--storage", storage, "--json"])).stdout) as unknown[];
      expect(trials).toHaveLength(3);
    };
    // A source of two objectives, or an online tuner's name: the library's refusal named warmStartFrom, and told the user to rename the study.
    const otherSources = async () => {
      const [pareto, tuner] = await Promise.all([
        run(["create", "--storage", storage, "--study", "pareto", "-d", "minimize,minimize", "-n", "1", ...space, ...objective]),
        run(["online", "create", "tuner", "--storage", storage, "--low", "0", "--high", "1"]),
      ]);
      expect(pareto.code).toBe(0);
      expect(tuner.code).toBe(0);
      return Promise.all([
        run(["tune", "--storage", storage, "--study", "november", "-n", "1", "--warm-start", "pareto", ...space, ...objective]),
        run(["tune", "--storage", storage, "--study", "november", "-n", "1", "--warm-start", "tuner", ...space, ...objective]),
      ]);
    };
    const [missing, ignored, several, itselfResumed, itselfNew, [fromPareto, fromTuner]] = await Promise.all([
      run(["tune", "--storage", storage, "--study", "july", "-n", "1", "--warm-start", "april", ...space, ...objective]),
      run(["tune", "--storage", storage, "--study", "august", "--sampler", "random", "-n", "1", "--warm-start", "may", ...space, ...objective]),
      run(["tune", "--storage", storage, "--study", "september", "--sampler", "gp", "-d", "minimize,minimize", "-n", "1", "--warm-start", "may", ...space, ...objective]),
      run(["tune", "--storage", storage, "--study", "may", "--sampler", "tpe", "-n", "1", "--warm-start", "may", ...space, ...objective]),
      run(["tune", "--storage", storage, "--study", "october", "--sampler", "tpe", "-n", "1", "--warm-start", "october", ...space, ...objective]),
      otherSources(),
      learns(),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`sextant: --warm-start: no study named "april" in ${storage}\n`);
    // A sampler that cannot learn from earlier studies used to run as if --warm-start were not given.
    expect(ignored.code).toBe(2);
    expect(ignored.stderr).toBe("sextant: --warm-start needs a sampler that learns from earlier studies (auto, tpe or gp); the random sampler would ignore it\n");
    // The GP's warm start models one objective: with two it ran as if --warm-start were not given.
    expect([several.code, several.stderr]).toEqual([2, "sextant: --warm-start with --sampler gp takes a study of one objective; this one has 2 (tpe and auto learn from earlier studies with several)\n"]);
    // A study named as its own source: a resumed one met the library's "warmStartFrom:" error with exit 1, a new one "no study named".
    for (const [study, itself] of [["may", itselfResumed], ["october", itselfNew]] as const) {
      expect([itself.code, itself.stderr]).toEqual([2, `sextant: --warm-start ${study}: a study cannot warm-start from itself; name an earlier study\n`]);
    }
    expect([fromPareto.code, fromPareto.stderr]).toEqual([2, 'sextant: --warm-start pareto: study "pareto" has 2 objectives; warm starts learn from single-objective studies\n']);
    expect([fromTuner.code, fromTuner.stderr]).toEqual([2, 'sextant: --warm-start tuner: "tuner" is an online tuner, not a study (its state: sextant online show tuner); name an earlier study\n']);
    const names = (JSON.parse((await run(["studies", "--storage", storage, "--json"])).stdout) as { name: string }[]).map((study) => study.name);
    expect(names.sort()).toEqual(["june", "may", "pareto"]);
  });

  it("leaves no storage file behind when a run into a new one is refused", async () => {
    const fresh = join(dir, "refused.db");
    const objective = ["--", "sh", join(FIXTURES, "cli-quadratic.sh"), "--x", "{x}", "--y", "0"];
    // A storage that was there already stays, studies and all.
    const kept = `sqlite:${join(dir, "kept.db")}`;
    const keptStays = async () => {
      expect((await run(["tune", "--storage", kept, "--study", "september", "-q", "-n", "1", "-p", "x=float:-5:5", ...objective])).code).toBe(0);
      const before = (await run(["studies", "--storage", kept, "--json"])).stdout;
      expect((await run(["tune", "--storage", kept, "--study", "october", "-n", "1", "--warm-start", "april", "-p", "x=float:-5:5", ...objective])).code).toBe(1);
      expect((await run(["studies", "--storage", kept, "--json"])).stdout).toBe(before);
    };
    // One command after the other into the fresh file, each of which would make it; the kept storage meanwhile.
    const freshLeftAlone = async () => {
      for (const command of ["tune", "create"]) {
        const refused = await run([command, "--storage", `sqlite:${fresh}`, "--study", "july", "-n", "1", "--warm-start", "april", "-p", "x=float:-5:5", ...objective]);
        expect([refused.code, refused.stderr]).toEqual([1, `sextant: --warm-start: no study named "april" in sqlite:${fresh}\n`]);
        // An empty sextant.db was left, which commands then read as a storage without studies.
        expect(existsSync(fresh)).toBe(false);
      }
    };
    await Promise.all([freshLeftAlone(), keptStays()]);
  });

  it("turns the GP's warm start on, so its first trial is the earlier study's best, and auto's too", async () => {
    const storage = withEarlierStudy("warm-gp.db");
    const objective = ["--", "sh", join(FIXTURES, "cli-quadratic.sh"), "--x", "{x}", "--y", "{y}"];
    const space = ["-p", "x=float:-5:5", "-p", "y=float:-5:5"];
    type Row = { number: number; values: number[]; params: Record<string, number> };
    const rows = async (study: string) => JSON.parse((await run(["trials", study, "--storage", storage, "--json"])).stdout) as Row[];
    const best = (await rows("may")).reduce((a, b) => (a.values[0]! < b.values[0]! ? a : b));
    // The GP used to ignore the sources here: --warm-start gp ran the GP's cold quasi-random start.
    // The studies are tuned side by side: each learns from "may" alone.
    const warmStarted = async (study: string, sampler: "gp" | "auto") => {
      const later = await run(["tune", "--storage", storage, "--study", study, "--sampler", sampler, "--seed", "2", "-q", "-n", "1", "--warm-start", "may", ...space, ...objective]);
      expect(later.code, later.stderr).toBe(0);
      expect(later.stderr).toBe("");
      expect((await rows(study))[0]!.params).toEqual(best.params);
    };
    const gpResumed = async () => {
      await warmStarted("gp-june", "gp");
      // Resumed without --warm-start, the study keeps its sources and the GP its warm start (it used
      // to warn that the GP would leave them unused).
      const resumed = await run(["tune", "--storage", storage, "--study", "gp-june", "--sampler", "gp", "--seed", "2", "-q", "-n", "1", ...space, ...objective]);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stderr).toBe("");
    };
    // Turned off explicitly, the GP runs cold.
    const gpCold = async () => {
      const cold = await run(["tune", "--storage", storage, "--study", "gp-cold", "--sampler", "gp", "--sampler-opt", "warm_start=false", "--seed", "2", "-q", "-n", "1", "--warm-start", "may", ...space, ...objective]);
      expect(cold.code).toBe(0);
      expect(cold.stderr).toMatch(/warm start: the gp sampler does not learn from earlier studies/);
      expect((await rows("gp-cold"))[0]!.params).not.toEqual(best.params);
    };
    await Promise.all([gpResumed(), warmStarted("auto-june", "auto"), gpCold()]);
  });

  it("keeps a resumed study's sources over other --warm-start names, and says so", async () => {
    const storage = withEarlierStudy("warm-kept.db");
    const objective = ["--", "sh", join(FIXTURES, "cli-quadratic.sh"), "--x", "{x}", "--y", "{y}"];
    const space = ["-p", "x=float:-5:5", "-p", "y=float:-5:5"];
    const tune = (study: string, ...flags: string[]) => run(["tune", "--storage", storage, "--study", study, "--sampler", "tpe", "--seed", "2", "-q", "-n", "1", ...flags, ...space, ...objective]);
    const [june, april] = await Promise.all([tune("june", "--warm-start", "may"), tune("april")]);
    expect([june.code, april.code], june.stderr + april.stderr).toEqual([0, 0]);
    // It replaced the stored sources, where a loadIfExists create over HTTP keeps them.
    const resumed = await tune("june", "--warm-start", "april");
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toBe(
      'sextant: warning: study "june" warm-starts from "may"; --warm-start "april" is ignored, as a resumed study keeps the sources it was made with (to learn from others, tune a new --study)\n',
    );
    const kept = await openStorage(storage);
    try {
      expect((await kept.getStudy("june"))!.systemAttrs.warmStartFrom).toEqual(["may"]);
    } finally {
      await kept.close();
    }
    // Named again, the study's own sources are no difference.
    const same = await tune("june", "--warm-start", "may");
    expect([same.code, same.stderr]).toEqual([0, ""]);
  });

  it("reaches every worker of a study made by sextant create --warm-start", async () => {
    const storage = withEarlierStudy("warm-fleet.db");
    const objective = ["--", "sh", join(FIXTURES, "cli-quadratic.sh"), "--x", "{x}", "--y", "{y}"];
    const space = ["-p", "x=float:-5:5", "-p", "y=float:-5:5"];
    const best = (JSON.parse((await run(["trials", "may", "--storage", storage, "--json"])).stdout) as { values: number[]; params: Record<string, number> }[]).reduce((a, b) =>
      a.values[0]! < b.values[0]! ? a : b,
    );
    const [refused, created] = await Promise.all([
      run(["create", "--storage", storage, "--study", "nope", "--sampler", "random", "-n", "1", "--warm-start", "may", ...space, ...objective]),
      run(["create", "--storage", storage, "--study", "fleet", "--sampler", "gp", "--seed", "2", "-q", "-n", "2", "--warm-start", "may", ...space, ...objective]),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--warm-start needs a sampler that learns from earlier studies/);
    expect(created.code, created.stderr).toBe(0);
    // A worker knows only the storage and the study's name; before, it sampled as if cold.
    const worker = await run(["worker", "--storage", storage, "--study", "fleet", "-q"]);
    expect(worker.code, worker.stderr).toBe(0);
    expect(worker.stderr).toBe("");
    const trials = JSON.parse((await run(["trials", "fleet", "--storage", storage, "--json"])).stdout) as { params: Record<string, number> }[];
    expect(trials).toHaveLength(2);
    expect(trials[0]!.params).toEqual(best.params);
  });
});
