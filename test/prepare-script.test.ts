/**
 * scripts/prepare.mjs (npm's prepare step) builds once per set of sources: `npx sextant` in a
 * checkout links it into npx's cache and npm runs prepare again, which rebuilt dist/ for two
 * minutes before the README's first command printed anything. Runs the script in a small package
 * whose build only counts how often it ran.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ROOT, tempDir } from "./fixtures/cli-run.js";

let dir: string;
let cleanup: () => void;

const BUILD = [
  "const fs = require('fs');",
  "for (const d of ['dist/cli', 'dist/cli-bundle', 'dist/dashboard']) fs.mkdirSync(d, { recursive: true });",
  "for (const f of ['dist/index.js', 'dist/cli/main.js', 'dist/cli-bundle/main.cjs', 'dist/dashboard/index.html']) fs.writeFileSync(f, '');",
  "fs.appendFileSync('builds', 'x');",
].join(" ");

beforeEach(() => {
  ({ dir, cleanup } = tempDir("sextant-prepare-"));
  mkdirSync(join(dir, "scripts"));
  copyFileSync(join(ROOT, "scripts/prepare.mjs"), join(dir, "scripts/prepare.mjs"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "prepare-probe", private: true, scripts: { build: `node -e "${BUILD}"` } }));
  mkdirSync(join(dir, "src"));
  writeFileSync(join(dir, "src/a.ts"), "export const a = 1;\n");
});
afterEach(() => cleanup());

function prepare(): { status: number | null; stderr: string; builds: number } {
  const result = spawnSync(process.execPath, ["scripts/prepare.mjs"], { cwd: dir, encoding: "utf8", timeout: 60_000 });
  let builds = 0;
  try {
    builds = readFileSync(join(dir, "builds"), "utf8").length;
  } catch {
    // not built yet
  }
  return { status: result.status, stderr: result.stderr, builds };
}

describe("scripts/prepare.mjs", { timeout: 120_000 }, () => {
  it("builds, skips an unchanged source tree, and builds again when a source, dist/ or the output changes", () => {
    expect(prepare()).toMatchObject({ status: 0, builds: 1 });
    const again = prepare();
    expect(again).toMatchObject({ status: 0, builds: 1 });
    expect(again.stderr).toMatch(/already built from these sources; skipping the build/);

    writeFileSync(join(dir, "src/a.ts"), "export const a = 2;\n");
    expect(prepare().builds).toBe(2);
    expect(prepare().builds).toBe(2);
    writeFileSync(join(dir, "src/b.ts"), "export const b = 1;\n");
    expect(prepare().builds).toBe(3);

    // A build by hand (npm run build from sources since put back) leaves a dist/ the stamp did not see made.
    writeFileSync(join(dir, "dist/index.js"), "// built by hand from other sources\n");
    expect(prepare().builds).toBe(4);
    expect(prepare().builds).toBe(4);

    // A stamp whose outputs are gone (dist/ partly deleted) means nothing.
    rmSync(join(dir, "dist/dashboard"), { recursive: true });
    expect(prepare().builds).toBe(5);
  });

  it("fails with the build's exit code and writes no stamp when the build fails", () => {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "prepare-probe", private: true, scripts: { build: `node -e "process.exit(3)"` } }));
    const failed = prepare();
    expect(failed.status).toBe(3);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "prepare-probe", private: true, scripts: { build: `node -e "${BUILD}"` } }));
    expect(prepare()).toMatchObject({ status: 0, builds: 1 });
  });
});
