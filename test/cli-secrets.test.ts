// Environment values in a config are often credentials: the study keeps their names, never their
// values, and the command still receives the values at run time.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStorage } from "../src/storage/index.js";
import { sextant, tempDir } from "./fixtures/cli-run.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir("sextant-secrets-")));
afterEach(() => cleanup());

const SECRET = "tok-s3cret-7f2a91";

describe("env values in a config", () => {
  it("reach the command but are not stored in the database", async () => {
    // Reports x back only if the secret arrived, so a complete trial proves the value was passed.
    // It checks the reversed secret, so that the command stored in the study does not hold it.
    const reversed = [...SECRET].reverse().join("");
    const program = `console.log([...process.env.API_TOKEN].reverse().join('') === '${reversed}' ? Number(process.env.RUN_NAME.slice(4)) : 99)`;
    writeFileSync(
      join(dir, "secret.yaml"),
      [
        "study: secret",
        "storage: sqlite:./runs.db",
        `command: ["node", "-e", ${JSON.stringify(program)}]`,
        "trials: 3",
        "params:",
        '  x: "float:0:1"',
        "env:",
        `  API_TOKEN: ${SECRET}`,
        '  RUN_NAME: "run-{x}"',
      ].join("\n"),
    );
    const result = await sextant(["tune", "--config", "secret.yaml", "--quiet"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);

    const storage = await openStorage(`sqlite:${join(dir, "runs.db")}`, { readOnly: true });
    const study = await storage.getStudy("secret");
    const trials = (await storage.trialsSince(study!.id, 0)).trials;
    await storage.close();
    expect(trials.map((t) => t.state)).toEqual(["complete", "complete", "complete"]);
    for (const trial of trials) expect(trial.values).toEqual([trial.params.x]);

    const config = study!.systemAttrs["cli:config"] as Record<string, unknown>;
    expect(config.envNames).toEqual(["API_TOKEN", "RUN_NAME"]);
    expect(config).not.toHaveProperty("env");
    const files = readdirSync(dir).filter((name) => name.startsWith("runs.db"));
    expect(files).toContain("runs.db");
    for (const name of files) expect(readFileSync(join(dir, name)).includes(SECRET), name).toBe(false);
  });
});
