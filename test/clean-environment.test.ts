// The environment every test file starts from (test/clean-environment.ts, a vitest setup file).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { inCI, leakedVariables } from "./fixtures/environment.js";
import { BIN, tempDir } from "./fixtures/cli-run.js";

describe("the tests' environment", () => {
  it("drops the contributor's Sextant settings and color switches, and keeps the suites' own settings", () => {
    const env = {
      SEXTANT_DEBUG: "1",
      SEXTANT_TOKEN: "t0ken",
      SEXTANT_STORAGE: "sqlite:/home/me/real.db",
      SEXTANT_TRIAL_NUMBER: "4",
      FORCE_COLOR: "1",
      NO_COLOR: "1",
      SEXTANT_TEST_POSTGRES_URL: "postgres://me@db:5432/test",
      SEXTANT_CHROMIUM: "/opt/chromium",
      SEXTANT_PYTHON: "/opt/venv/bin/python",
      SEXTANT_SCREENSHOTS: "docs/screenshots",
      CI: "true",
      PATH: "/usr/bin",
      NODE_EXTRA_CA_CERTS: "/etc/ssl/certs/ca-certificates.crt",
    };
    expect(leakedVariables(env).sort()).toEqual(["FORCE_COLOR", "NODE_EXTRA_CA_CERTS", "NO_COLOR", "SEXTANT_DEBUG", "SEXTANT_STORAGE", "SEXTANT_TOKEN", "SEXTANT_TRIAL_NUMBER"]);
    expect(leakedVariables(process.env)).toEqual([]);
  });

  it("gives the CLI a refusal without the stack trace SEXTANT_DEBUG=1 in the shell would add", () => {
    const { dir, cleanup } = tempDir("sextant-clean-env-");
    try {
      // As the CLI suites start it: with this process's environment.
      const result = spawnSync(process.execPath, [BIN, "tune", "--trials", "0", "-p", "x=float:0:1", "--", "node", "-e", "0"], { cwd: dir, encoding: "utf8" });
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^sextant: [^\n]*--trials[^\n]*\n$/);
    } finally {
      cleanup();
    }
  });

  it("reads CI as the services' fail-or-skip switch: true and 1 are CI, false, 0 and empty are not", () => {
    // The browser suites took any value as CI, and CI=false failed them where Chromium is missing;
    // the Python ones took only "true", and skipped in a CI that says CI=1.
    expect(["true", "1", "yes", "TRUE"].map((CI) => inCI({ CI }))).toEqual([true, true, true, true]);
    expect(["false", "0", "", " False "].map((CI) => inCI({ CI }))).toEqual([false, false, false, false]);
    expect(inCI({})).toBe(false);
  });
});
