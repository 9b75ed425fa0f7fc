import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError, UserError } from "./errors.js";
import { openStorage } from "../storage/index.js";
import { CLI_CONFIG_KEY, CLI_CREATING_KEY, buildPruner, checkProgram, deleteStudyCommand, halfMadeStudyRefusal, readCliConfig, withCliStorage } from "./study-config.js";

const valid = {
  version: 1,
  command: ["node", "f.mjs", "{x}"],
  space: { x: { type: "float", low: 0, high: 1 } },
  directions: ["minimize"],
  sampler: { name: "random", options: { seed: 1 } },
  pruner: { name: "none", options: {} },
  env: {},
  cwd: "/tmp",
  trialTimeout: null,
  killGrace: 5,
  budget: { trials: 10, deadline: null, queued: true },
};

describe("readCliConfig", () => {
  it("reads back what create and tune store", () => {
    const config = readCliConfig({ [CLI_CONFIG_KEY]: valid }, "s", "sqlite:x.db");
    expect(config).toMatchObject({ command: ["node", "f.mjs", "{x}"], budget: { trials: 10, queued: true }, space: { x: { type: "float", low: 0, high: 1 } } });
  });

  it("reads a config stored before budgets existed (tune's first version)", () => {
    const { budget: _budget, ...old } = valid;
    expect(readCliConfig({ [CLI_CONFIG_KEY]: old }, "s", "sqlite:x.db").budget).toBeUndefined();
  });

  it("reads the variable names of a config stored with their values (tune's first version)", () => {
    // They were dropped: a worker ran the command without SCALE, and without a warning.
    expect(readCliConfig({ [CLI_CONFIG_KEY]: { ...valid, env: { SCALE: "10", DATA: "/d" } } }, "s", "sqlite:x.db").envNames).toEqual(["SCALE", "DATA"]);
    expect(readCliConfig({ [CLI_CONFIG_KEY]: { ...valid, env: { SCALE: "10" }, envNames: ["SCALE"] } }, "s", "sqlite:x.db").envNames).toEqual(["SCALE"]);
    expect(readCliConfig({ [CLI_CONFIG_KEY]: valid }, "s", "sqlite:x.db")).not.toHaveProperty("env");
  });

  it("reads back a sampler option a config file set to null, so a worker can join that study", () => {
    // A config's YAML null (TPE's magicClipExponent: Optuna's floor) was stored as null and then
    // refused by every worker as "invalid cli:config", on a study sextant create had just made.
    const stored = { ...valid, sampler: { name: "tpe", options: { magicClipExponent: null } } };
    expect(readCliConfig({ [CLI_CONFIG_KEY]: stored }, "s", "sqlite:x.db").sampler).toEqual({ name: "tpe", options: { magicClipExponent: null } });
  });

  it("names the study and the bad field of an invalid config", () => {
    expect(() => readCliConfig({ [CLI_CONFIG_KEY]: { ...valid, command: "node t.mjs" } }, "s", "sqlite:x.db")).toThrow(/study "s" has an invalid cli:config: command:/);
    // An empty one is a study sextant create made for clients of the HTTP service.
    expect(readCliConfig({ [CLI_CONFIG_KEY]: { ...valid, command: [] } }, "s", "sqlite:x.db").command).toEqual([]);
    expect(() => readCliConfig({ [CLI_CONFIG_KEY]: { ...valid, space: { x: { type: "float", low: 2, high: 1 } } } }, "s", "sqlite:x.db")).toThrow(
      /invalid cli:config: space.x: /,
    );
    expect(() => readCliConfig({ [CLI_CONFIG_KEY]: { ...valid, budget: { trials: -1, deadline: null, queued: true } } }, "s", "x")).toThrow(
      /budget.trials/,
    );
  });

  it("refuses a config with a field a newer Sextant stored, rather than run its study without it", () => {
    expect(() => readCliConfig({ [CLI_CONFIG_KEY]: { ...valid, retryBackoff: 30 } }, "s", "sqlite:x.db")).toThrow(
      'study "s" was made by a newer Sextant: its cli:config holds retryBackoff, which this version does not know and would run the study without; upgrade Sextant here to run its trials',
    );
    expect(() => readCliConfig({ [CLI_CONFIG_KEY]: { ...valid, budget: { ...valid.budget, perWorker: 2 } } }, "s", "x")).toThrow(/holds budget\.perWorker, which/);
    // Every field that any version stored is read: tune's first (env, no budget) and today's.
    const today = { ...valid, env: undefined, envNames: ["A"], scheduler: { name: "pbt", options: {} }, heartbeat: { intervalSeconds: 5, graceSeconds: 60 }, maxRetries: 2 };
    expect(readCliConfig({ [CLI_CONFIG_KEY]: JSON.parse(JSON.stringify(today)) }, "s", "x")).toMatchObject({ envNames: ["A"], maxRetries: 2 });
  });

  it("says how to make a study a worker can join when there is no config", () => {
    expect(() => readCliConfig({}, "lib", "sqlite:x.db")).toThrow(UserError);
    expect(() => readCliConfig({}, "lib", "sqlite:x.db")).toThrow(/has no stored command \(cli:config\).*sextant create --storage sqlite:x.db/);
  });
});

describe("checkProgram", () => {
  it("refuses a script whose #! line cannot start it, before any trial", () => {
    // Every trial failed instead, as 'command "./train.sh" not found' of a script that is there, or
    // (#!/usr/bin/env python3 with a Windows line ending) as env's "use -[v]S to pass options".
    const dir = mkdtempSync(join(tmpdir(), "sextant-program-"));
    try {
      writeFileSync(join(dir, "train.py"), "#!/usr/bin/env python3\r\nprint(1)\r\n", { mode: 0o755 });
      writeFileSync(join(dir, "run.sh"), "#!/sextant-no-such-dir/bash -e\necho 1\n", { mode: 0o755 });
      writeFileSync(join(dir, "fine.sh"), "#!/bin/sh\necho 1\n", { mode: 0o755 });
      expect(() => checkProgram(["./train.py", "{x}"], dir, process.env)).toThrow(
        new UsageError(
          'command "./train.py" cannot be started: its "#!" line ends with a Windows line ending (\\r), which the system takes as part of "/usr/bin/env python3"; ' +
            "save the file with Unix line endings (dos2unix); no trial was started",
        ),
      );
      expect(() => checkProgram(["./run.sh"], dir, process.env)).toThrow(
        new UsageError('command "./run.sh" cannot be started: its "#!" interpreter /sextant-no-such-dir/bash does not exist; no trial was started'),
      );
      expect(() => checkProgram(["./fine.sh"], dir, process.env)).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("buildPruner", () => {
  it("names the pruner once when its own error already does", () => {
    // It printed 'pruner "threshold": threshold pruner: give lower, upper or both …'.
    expect(() => buildPruner({ name: "threshold", options: {} })).toThrow(UsageError);
    expect(() => buildPruner({ name: "threshold", options: {} })).toThrow(/^threshold pruner: give lower, upper or both/);
    // An option error names it too; one that does not gets the name in front.
    expect(() => buildPruner({ name: "patient", options: {} })).toThrow(/^patient pruner: option "patience" is required/);
  });
});

describe("halfMadeStudyRefusal", () => {
  it("tells a study a copy is writing from one a create left, with a delete command that can be pasted", () => {
    const copying = { "copy:writing": 'copied from "lr" in sqlite:./a.db', [CLI_CONFIG_KEY]: { version: 1 } };
    expect(halfMadeStudyRefusal(copying, "lr", "sqlite:./b.db")).toBe(
      'study "lr" in sqlite:./b.db is half-made: a sextant copy/import is still writing it, or was killed before it wrote its last trial; ' +
        'unless that copy is still running, delete it with "sextant delete lr --storage sqlite:./b.db --yes" and copy again',
    );
    // Once the copy has written its last trial.
    expect(halfMadeStudyRefusal({ ...copying, "copy:writing": null }, "lr", "sqlite:./b.db")).toBeNull();
    expect(halfMadeStudyRefusal({ [CLI_CREATING_KEY]: true }, "lr", "sqlite:./b.db")).toContain('was left half-made by a "sextant create" that did not finish');
  });

  it("says to put the password back into a URL shown with ***, which pasted as it is would not connect", () => {
    expect(deleteStudyCommand("my lr", "postgres://me:***@db/sextant")).toBe(`"sextant delete 'my lr' --storage 'postgres://me:***@db/sextant' --yes" (with your password in place of ***)`);
    expect(deleteStudyCommand("lr", "postgres://me@db/sextant?password=***")).toContain("(with your password in place of ***)");
    expect(deleteStudyCommand("lr", "postgres://me@db/sextant")).toBe(`"sextant delete lr --storage postgres://me@db/sextant --yes"`);
  });
});

describe("withCliStorage", () => {
  it("removes the SQLite file a refused run created, and keeps it while another connection has it open", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sextant-cli-storage-"));
    try {
      const alone = join(dir, "alone.db");
      await expect(withCliStorage(`sqlite:${alone}`, async () => { throw new UserError("refused"); })).rejects.toThrow("refused");
      expect(existsSync(alone)).toBe(false);

      // A run started beside the refused one opened the file it created; it must go on using it.
      const shared = join(dir, "shared.db");
      let beside: Awaited<ReturnType<typeof openStorage>> | undefined;
      await expect(
        withCliStorage(`sqlite:${shared}`, async () => {
          beside = await openStorage(`sqlite:${shared}`);
          throw new UserError("refused");
        }),
      ).rejects.toThrow("refused");
      expect(existsSync(shared)).toBe(true);
      await beside!.createStudy("kept", ["minimize"]);
      await beside!.close();
      const reopened = await openStorage(`sqlite:${shared}`);
      expect((await reopened.listStudies()).map((s) => s.name)).toEqual(["kept"]);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
