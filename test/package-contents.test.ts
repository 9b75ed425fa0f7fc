// What `npm pack` puts in the package a user installs: what the help and README point at is there.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");

describe("the npm package", () => {
  it("ships the license, the examples the help text runs, the Python client, source maps that carry their sources, and the CLI's bundle with the licences of what it copies", () => {
    const packed = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8" });
    expect(packed.status, packed.stderr).toBe(0);
    const files = new Set((JSON.parse(packed.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
    // `sextant --help` runs examples/quickstart/sextant.yaml, `serve --help` points at clients/python,
    // and package.json says Apache-2.0: none of them was in the package.
    for (const path of ["LICENSE", "examples/quickstart/sextant.yaml", "examples/quickstart/train.mjs", "clients/python/pyproject.toml", "clients/python/sextant_client/_client.py"]) {
      expect(files.has(path), path).toBe(true);
    }
    expect([...files].filter((path) => path.includes("__pycache__") || path.startsWith("clients/python/tests"))).toEqual([]);
    expect(readFileSync(join(ROOT, "LICENSE"), "utf8")).toMatch(/Apache License\s+Version 2\.0/);
    // Maps pointed at ../src/*.ts, which the package does not ship.
    const map = JSON.parse(readFileSync(join(ROOT, "dist/index.js.map"), "utf8")) as { sourcesContent?: string[] };
    expect(map.sourcesContent?.[0]).toContain("export");
    for (const path of ["bin/sextant.js", "dist/cli-bundle/main.cjs", "dist/cli-bundle/heartbeat-thread.cjs", "dist/cli/code-cache.js", "dist/cli-bundle/THIRD_PARTY_LICENSES.txt"]) expect(files.has(path), path).toBe(true);
    const notices = readFileSync(join(ROOT, "dist/cli-bundle/THIRD_PARTY_LICENSES.txt"), "utf8");
    for (const name of ["commander", "hono", "yaml", "zod"]) {
      const version = (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
      expect(notices).toContain(`${name}@${version} (`);
    }
    expect(notices).toMatch(/Permission is hereby granted/);
  }, 60_000);

  it("keeps internal helpers out of the package root, which exports what users may touch", async () => {
    // Re-exported by the folders' index.ts (zeroTrialCounts by `export *` from space/records.ts),
    // they became public API that no user was meant to rely on.
    const root: Record<string, unknown> = await import("../src/index.js");
    const internal = ["storedViolation", "hasMalformedConstraints", "reportsConstraints", "zeroTrialCounts", "WARM_START_ATTR", "MINUS_INFINITE_COST"];
    expect(internal.filter((name) => name in root)).toEqual([]);
    // Still there: what the public door did export.
    expect(["satisfiesStoredConstraints", "isConstrainedStudy", "FINISHED_STATES"].filter((name) => !(name in root))).toEqual([]);
  });

  it("has type declarations that check under a user's strictest settings (exactOptionalPropertyTypes, no skipLibCheck)", () => {
    // Every import of sextant/server failed: Route's params?: P did not extend RouteDoc's.
    const dir = mkdtempSync(join(tmpdir(), "sextant-dts-"));
    try {
      const exports = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).exports as Record<string, { types: string }>;
      const files = Object.values(exports).map((entry) => join(ROOT, entry.types));
      const compilerOptions = { strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, skipLibCheck: false, noEmit: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", types: ["node"], typeRoots: [join(ROOT, "node_modules/@types")] };
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files }));
      const checked = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
      expect(checked.stdout + checked.stderr).toBe("");
      expect(checked.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
