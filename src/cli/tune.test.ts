import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { RandomSampler } from "../samplers/index.js";
import type { Direction, JsonValue } from "../space/index.js";
import { openStorage } from "../storage/index.js";
import { Study, createStudy, loadStudy } from "../study/index.js";
import { formatParam } from "./format.js";
import type { Io } from "./io.js";
import { bestSoFarText, checkNewStudyObjectives, describeDistribution, finishedTrialLine, flagsAfterCommandWarning, resolveSettings, stoppingLine, tuneCommand } from "./tune.js";

describe("bestSoFarText", () => {
  it("shows the best value of a single-objective study, and a dash before its first complete trial", async () => {
    const study = await createStudy({ direction: "minimize", sampler: new RandomSampler({ seed: 1 }) });
    expect(bestSoFarText(study)).toBe("best=-");
    await study.tell(await study.ask(), { state: "failed", reason: "crashed" });
    expect(bestSoFarText(study)).toBe("best=-");
    await study.tell(await study.ask(), 0.413249);
    await study.tell(await study.ask(), 2);
    expect(bestSoFarText(study)).toBe("best=0.4132");
  });

  it("shows the size of the Pareto front of a multi-objective study", async () => {
    const study = await createStudy({ directions: ["minimize", "minimize"], sampler: new RandomSampler({ seed: 1 }) });
    expect(bestSoFarText(study)).toBe("front=0");
    await study.tell(await study.ask(), [1, 2]);
    await study.tell(await study.ask(), [2, 1]);
    await study.tell(await study.ask(), [3, 3]);
    expect(bestSoFarText(study)).toBe("front=2");
  });
});

describe("flagsAfterCommandWarning", () => {
  const TUNE = ["--trials", "--sampler", "--storage", "--json", "--seed"];

  it("names tune's own long options that follow the command's first word, alone or with =value, once each", () => {
    expect(flagsAfterCommandWarning("tune", ["python", "train.py", "--trials", "5"], TUNE)).toBe(
      "sextant: warning: --trials comes after the command, so the command gets it, not sextant tune; " +
        "put sextant's flags before the command, or use -- to mark where the command starts (sextant tune [flags] -- python …)",
    );
    expect(flagsAfterCommandWarning("tune", ["python", "train.py", "--sampler=tpe", "--trials", "5", "--trials", "6", "--json"], TUNE)).toMatch(
      /^sextant: warning: --sampler, --trials and --json come after the command, so the command gets them, not sextant tune; /,
    );
  });

  it("says nothing of the program's own flags, of short ones, of look-alikes, or of what follows the command's own --", () => {
    expect(flagsAfterCommandWarning("tune", ["python", "train.py", "--lr", "{lr}", "-n", "5", "--n-trials", "5", "--trials-per-epoch", "2"], TUNE)).toBeNull();
    expect(flagsAfterCommandWarning("tune", ["python", "train.py", "--", "--seed", "1"], TUNE)).toBeNull();
    // The first word is the program, whatever it is called.
    expect(flagsAfterCommandWarning("tune", ["--json"], TUNE)).toBeNull();
  });
});

describe("describeDistribution", () => {
  it("quotes string choices that read as numbers, so a resumed space of numbers is told from one of strings", () => {
    // --param batch=cat:16,64 (strings) resumed with choices: [16, 64] warned "cat:16,64 -> cat:16,64".
    expect(describeDistribution({ type: "categorical", choices: ["16", "64"] })).toBe('cat:"16","64"');
    expect(describeDistribution({ type: "categorical", choices: [16, 64] })).toBe("cat:16,64");
    expect(describeDistribution({ type: "categorical", choices: ["true", true, null, "null", "a,b", "adam"] })).toBe('cat:"true",true,null,"null","a,b",adam');
    expect(describeDistribution({ type: "float", low: 1e-5, high: 0.1, log: true })).toBe("float:0.00001:0.1:log");
  });
});

describe("checkNewStudyObjectives", () => {
  it("refuses more objectives than a new study may have, naming the flag or the config's line", async () => {
    // The study was made, and its every trial could not be told over HTTP.
    const { settings } = await resolveSettings({ param: ["x=float:0:1"], direction: [Array(17).fill("minimize").join(",")] }, ["node", "t.mjs", "{x}"]);
    expect(() => checkNewStudyObjectives(settings)).toThrow("--direction: at most 16 objectives (the library and the HTTP service take no more), got 17");
    const dir = mkdtempSync(join(tmpdir(), "sextant-tune-directions-"));
    try {
      const config = join(dir, "c.yaml");
      writeFileSync(config, [`directions: [${Array(17).fill("minimize").join(", ")}]`, "params: { x: 'float:0:1' }"].join("\n"));
      const fromConfig = await resolveSettings({ config }, ["node", "t.mjs", "{x}"]);
      expect(() => checkNewStudyObjectives(fromConfig.settings)).toThrow(`${config}:1:13: directions: at most 16 objectives (the library and the HTTP service take no more), got 17`);
      // --direction overrides the config's directions, and is named instead.
      const flagged = await resolveSettings({ config, direction: ["minimize"] }, ["node", "t.mjs", "{x}"]);
      expect(() => checkNewStudyObjectives(flagged.settings)).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sextant tune and a study of more than 16 objectives", () => {
  const seventeen = Array(17).fill("minimize").join(",");
  const command = ["node", "-e", "console.log('sextant: ' + JSON.stringify({ values: Array(17).fill(Number(process.argv[1])) }))", "{x}"];
  const io: Io = { out: () => {}, err: () => {}, write: () => {}, stdinIsTTY: false, stderrIsTTY: false };

  it("resumes one an older Sextant made, from --direction or the config, where --direction was refused before the study was read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-tune-many-"));
    try {
      const url = `sqlite:${join(dir, "s.db")}`;
      const storage = await openStorage(url);
      await storage.createStudy("many", seventeen.split(",") as Direction[], { userAttrs: {}, systemAttrs: {} });
      await storage.close();
      const flags = { storage: url, study: "many", trials: 1, seed: 1, sampler: "random", quiet: true, param: ["x=float:0:1"] };
      expect(await tuneCommand({ ...flags, direction: [seventeen] }, command, io)).toBe(0);
      const config = join(dir, "c.yaml");
      writeFileSync(config, `directions: [${seventeen}]\n`);
      expect(await tuneCommand({ ...flags, config }, command, io)).toBe(0);
      const study = await loadStudy({ name: "many", storage: url, sampler: new RandomSampler({ seed: 1 }) });
      expect(study.trials.map((t) => t.values?.length)).toEqual([17, 17]);
      await study.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses to make a new one, leaving no study behind", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-tune-many-"));
    try {
      const url = `sqlite:${join(dir, "s.db")}`;
      const flags = { storage: url, study: "many", trials: 1, seed: 1, sampler: "random", quiet: true, param: ["x=float:0:1"], direction: [seventeen] };
      await expect(tuneCommand(flags, command, io)).rejects.toThrow("--direction: at most 16 objectives (the library and the HTTP service take no more), got 17");
      const storage = await openStorage(url);
      expect(await storage.getStudy("many")).toBeNull();
      await storage.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("resolveSettings --pruner-opt", () => {
  it("says a pruner must be named when none is, instead of refusing the option as one of the none pruner", async () => {
    const command = ["node", "train.mjs", "{x}"];
    for (const flags of [{}, { pruner: "none" }]) {
      await expect(resolveSettings({ param: ["x=float:0:1"], prunerOpt: ["n_warmup_steps=2"], ...flags }, command)).rejects.toThrow(
        '--pruner-opt "n_warmup_steps=2" needs a pruner: none is chosen (the default); give --pruner NAME ("sextant pruners" lists them)',
      );
    }
    const { settings } = await resolveSettings({ param: ["x=float:0:1"], pruner: "median", prunerOpt: ["n_warmup_steps=2"] }, command);
    expect(settings.pruner).toEqual({ name: "median", options: { n_warmup_steps: 2 } });
  });

  it("gives --seed to a pruner that takes a seed (curve), as to the sampler, unless it has its own", async () => {
    // The curve pruner drew its own seed in each process: not repeatable under --seed, and a study's workers drew apart.
    const command = ["node", "train.mjs", "{x}"];
    expect((await resolveSettings({ param: ["x=float:0:1"], pruner: "curve", seed: 3 }, command)).settings.pruner).toEqual({ name: "curve", options: { seed: 3 } });
    expect((await resolveSettings({ param: ["x=float:0:1"], pruner: "curve", prunerOpt: ["seed=5"], seed: 3 }, command)).settings.pruner).toEqual({ name: "curve", options: { seed: 5 } });
    expect((await resolveSettings({ param: ["x=float:0:1"], pruner: "median", seed: 3 }, command)).settings.pruner).toEqual({ name: "median", options: {} });
  });
});

describe("resolveSettings --scheduler none", () => {
  const command = ["node", "train.mjs", "{x}"];

  it("runs no population, as the help's \"(default none)\" says, where it was refused as an unknown scheduler", async () => {
    const { settings } = await resolveSettings({ param: ["x=float:0:1"], scheduler: "none", trials: 3 }, command);
    expect(settings.scheduler).toBeNull();
    // The same settings as without the flag: the default sampler and the trial budget, not a population's.
    expect(settings.sampler.name).toBe("auto");
    expect(settings.trials).toBe(3);
  });

  it("still refuses --scheduler-opt beside it, naming the flags", async () => {
    await expect(resolveSettings({ param: ["x=float:0:1"], scheduler: "none", schedulerOpt: ["population=4"] }, command)).rejects.toThrow(
      "--scheduler-opt needs --scheduler pbt or --scheduler pb2",
    );
  });
});

describe("resolveSettings with a pruner and a scheduler", () => {
  const command = ["node", "train.mjs", "{x}"];

  it("refuses them together, naming both flags, before a study exists", async () => {
    // A segment the pruner stopped saved no checkpoint, and its member went on from scratch.
    await expect(resolveSettings({ param: ["x=float:0:1"], pruner: "median", scheduler: "pbt" }, command)).rejects.toThrow(
      /^--pruner median cannot be combined with --scheduler pbt: a segment the pruner stops saves no checkpoint, .*; leave out --pruner$/,
    );
    const { settings } = await resolveSettings({ param: ["x=float:0:1"], pruner: "none", scheduler: "pbt" }, command);
    expect(settings.scheduler?.name).toBe("pbt");
  });
});

describe("resolveSettings with a config's pruner and a scheduler", () => {
  const command = ["node", "train.mjs", "{x}"];
  const withConfig = async (yaml: string, run: (config: string) => Promise<void>): Promise<void> => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-pruner-config-"));
    try {
      writeFileSync(join(dir, "sextant.yaml"), yaml);
      await run(join(dir, "sextant.yaml"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it("names the config's pruner when only --pruner-opt is on the command line", async () => {
    // It said "--pruner median ...; leave out --pruner", a flag that was never given.
    await withConfig("pruner: median\n", async (config) => {
      const refused = resolveSettings({ config, param: ["x=float:0:1"], prunerOpt: ["n_startup_trials=3"], scheduler: "pbt" }, command);
      await expect(refused).rejects.toThrow(/sextant\.yaml:1:\d+: pruner: the config's pruner median cannot be combined with --scheduler pbt: .*; remove the pruner or give --pruner none$/);
    });
  });

  it("names --pruner when the command line gives it, and says to give --pruner none while the config names one too", async () => {
    // It pointed at the config's line alone, where removing the pruner left --pruner median refused.
    await withConfig("pruner: median\n", async (config) => {
      const refused = resolveSettings({ config, param: ["x=float:0:1"], pruner: "median", scheduler: "pbt" }, command);
      await expect(refused).rejects.toThrow(/^--pruner median cannot be combined with --scheduler pbt: .*; give --pruner none \(the config names the median pruner too\)$/);
    });
  });
});

describe("sextant tune --json with no feasible trial", () => {
  it("names the least-violating trial, as the text summary and sextant best do", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-tune-infeasible-"));
    // Every point violates the constraint x + 1 <= 0 by x + 1; the least violating is the smallest x.
    const script = "const x = Number(process.argv[1]); console.log('sextant: ' + JSON.stringify({ values: [x, 1 - x].slice(0, Number(process.argv[2])), constraints: [x + 1] }))";
    try {
      for (const objectives of [1, 2]) {
        const out: string[] = [];
        const io: Io = { out: (line) => out.push(line), err: () => {}, write: () => {}, stdinIsTTY: false, stderrIsTTY: false };
        const flags = { storage: `sqlite:${join(dir, "s.db")}`, study: `none${objectives}`, trials: 4, seed: 1, sampler: "random", json: true, direction: Array(objectives).fill("minimize"), param: ["x=float:0:1"] };
        expect(await tuneCommand(flags, ["node", "-e", script, "{x}", String(objectives)], io)).toBe(0);
        const summary = JSON.parse(out.join("\n")) as { best: unknown; bestTrials?: unknown[]; leastViolating: { number: number; values: number[]; params: { x: number }; constraints: number[]; violation: number } };
        // It said only "best": null (or "bestTrials": []), and the nearest miss was left to a second command.
        expect(summary.best).toBeNull();
        if (objectives === 2) expect(summary.bestTrials).toEqual([]);
        const { leastViolating } = summary;
        expect(leastViolating.constraints).toEqual([leastViolating.params.x + 1]);
        expect(leastViolating.violation).toBe(leastViolating.params.x + 1);
        expect(leastViolating.values[0]).toBe(leastViolating.params.x);
        const study = await loadStudy({ name: flags.study, storage: flags.storage, sampler: new RandomSampler({ seed: 1 }) });
        expect(leastViolating.number).toBe(study.leastViolatingTrial!.number);
        expect(Math.min(...study.trials.map((t) => t.params.x as number))).toBe(leastViolating.params.x);
        await study.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sextant tune's Pareto table", () => {
  it("rounds parameters as sextant best does, not at full precision", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-tune-front-"));
    const script = "const x = Number(process.argv[1]); console.log('sextant: ' + JSON.stringify({ values: [x, 1 - x] }))";
    try {
      const out: string[] = [];
      const io: Io = { out: (line) => out.push(line), err: () => {}, write: () => {}, stdinIsTTY: false, stderrIsTTY: false };
      const flags = { storage: `sqlite:${join(dir, "s.db")}`, study: "front", trials: 3, seed: 1, sampler: "random", direction: ["minimize", "minimize"], param: ["x=float:0:1"] };
      expect(await tuneCommand(flags, ["node", "-e", script, "{x}"], io)).toBe(0);
      const table = out.join("\n").split("Pareto front (minimize, minimize): 3 trial(s)")[1]!;
      const study = await loadStudy({ name: "front", storage: flags.storage, sampler: new RandomSampler({ seed: 1 }) });
      for (const trial of study.trials) {
        const x = trial.params.x as number;
        // It printed 0.417022004702574 where sextant best prints 0.417.
        expect(table).not.toContain(String(x));
        expect(table).toContain(formatParam(x));
      }
      await study.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("finishedTrialLine", () => {
  it("leaves out the parentheses of a trial that failed before its first parameter (it printed a stray \"()\")", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize(
      (trial) => {
        if (trial.number === 0) throw new Error("no parameter yet");
        return trial.suggestFloat("x", 0, 1);
      },
      { nTrials: 2 },
    );
    expect(finishedTrialLine(study.trials[0]!, "best=-", false)).toBe("trial 0 failed: no parameter yet");
    expect(finishedTrialLine(study.trials[1]!, "best=0.5", false)).toMatch(/^trial 1 complete value=\S+ best=0\.5 \(x=\S+\)$/);
  });
});

describe("stoppingLine", () => {
  it("counts the trials that have no command yet, where it said \"stopping 0 running command(s)\" while trials ran", () => {
    expect(stoppingLine("SIGTERM", 1, 0)).toBe("sextant: SIGTERM received: starting no new trials, stopping 1 running trial(s), 1 of them not yet running its command (again to force exit)");
    expect(stoppingLine("SIGINT", 2, 2)).toBe("sextant: SIGINT received: starting no new trials, stopping 2 running command(s) (again to force exit)");
    expect(stoppingLine("SIGHUP", 0, 0)).toBe("sextant: SIGHUP received: starting no new trials, stopping 0 running command(s) (again to force exit)");
  });
});

describe("sextant tune resuming a study a newer Sextant made", () => {
  it("refuses it as sextant worker does, rather than run it without the settings it does not know", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-tune-newer-"));
    try {
      const io: Io = { out: () => {}, err: () => {}, write: () => {}, stdinIsTTY: false, stderrIsTTY: false };
      const flags = { storage: `sqlite:${join(dir, "s.db")}`, study: "newer", trials: 1, seed: 1, sampler: "random", quiet: true, param: ["x=float:0:1"] };
      const command = ["node", "-e", "console.log(Number(process.argv[1]))", "{x}"];
      expect(await tuneCommand(flags, command, io)).toBe(0);
      const study = await loadStudy({ name: "newer", storage: flags.storage, sampler: new RandomSampler({ seed: 1 }) });
      // A setting a newer Sextant's tune stored for every run of the study.
      await study.setSystemAttr("cli:config", { ...(study.systemAttrs["cli:config"] as Record<string, JsonValue>), retryBackoff: 30 });
      await study.close();
      await expect(tuneCommand({ ...flags, trials: 3 }, command, io)).rejects.toThrow(
        'study "newer" was made by a newer Sextant: its cli:config holds retryBackoff, which this version does not know and would run the study without; upgrade Sextant here to run its trials',
      );
      const after = await loadStudy({ name: "newer", storage: flags.storage, sampler: new RandomSampler({ seed: 1 }) });
      expect(after.trials).toHaveLength(1);
      await after.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sextant tune's line per finished trial", () => {
  it("finds the best so far once per trial: with several objectives that is the whole front, asked three times per line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-tune-lines-"));
    const fronts = vi.spyOn(Study.prototype, "bestTrials", "get");
    try {
      const lines: string[] = [];
      const io: Io = { out: () => {}, err: (line) => lines.push(line), write: () => {}, stdinIsTTY: false, stderrIsTTY: false };
      const script = "const x = Number(process.argv[1]); console.log('sextant: ' + JSON.stringify({ values: [x, 1 - x] }))";
      const flags = { storage: `sqlite:${join(dir, "s.db")}`, study: "two", trials: 4, seed: 1, sampler: "random", direction: ["minimize", "minimize"], param: ["x=float:0:1"] };
      fronts.mockClear();
      expect(await tuneCommand(flags, ["node", "-e", script, "{x}"], io)).toBe(0);
      const finished = lines.filter((line) => /^trial \d+ complete value=.* front=\d+ \(x=/.test(line));
      expect(finished).toHaveLength(4);
      // One per trial's line, one before the first, one for the closing summary (it was 14 for 4 lines).
      expect(fronts.mock.calls.length).toBeLessThanOrEqual(finished.length + 2);
    } finally {
      fronts.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sextant tune resumed without --seed", () => {
  it("goes on with the seed its study's sampler was made with, as workers do, so a resume repeats the run it resumes", async () => {
    // A resume without --seed drew a new seed: two resumes of one study suggested different trials.
    const dir = mkdtempSync(join(tmpdir(), "sextant-tune-seed-"));
    const errors: string[] = [];
    const io: Io = { out: () => {}, err: (line) => errors.push(line), write: () => {}, stdinIsTTY: false, stderrIsTTY: false };
    const command = ["node", "-e", "console.log(Number(process.argv[1]) ** 2)", "--", "{x}"];
    try {
      const trialsOf = async (file: string, seeds: (number | undefined)[]) => {
        const storage = `sqlite:${join(dir, file)}`;
        for (const seed of seeds) {
          const flags = { storage, study: "s", trials: 3, sampler: "tpe", samplerOpt: ["n_startup_trials=2"], quiet: true, param: ["x=float:-1:1"], ...(seed === undefined ? {} : { seed }) };
          expect(await tuneCommand(flags, command, io), errors.join("\n")).toBe(0);
        }
        const study = await loadStudy({ name: "s", storage, sampler: new RandomSampler({ seed: 1 }) });
        const params = study.trials.map((t) => t.params);
        await study.close();
        return params;
      };
      const whole = await trialsOf("a.db", [7, 7]);
      expect(await trialsOf("b.db", [7, undefined])).toEqual(whole);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
