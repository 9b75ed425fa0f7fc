import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { ISOLATED_FILES } from "./test/isolated-files.js";

export default defineConfig({
  test: {
    // The contributor's SEXTANT_DEBUG, SEXTANT_TOKEN, FORCE_COLOR, … stay out of the tests.
    // cpu-accounting.ts records each file's CPU time when scripts/run-tests.mjs asks for it.
    setupFiles: ["test/clean-environment.ts", "test/cpu-accounting.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest's default in run mode is one worker fewer than the cores, which on the 2-core CI
    // machine is a single worker: every file ran after the other while the second core idled
    // through child-process start-ups, PostgreSQL round trips and timers. The files are safe to run
    // side by side: each uses its own temp dirs, its own scratch PostgreSQL database
    // (test/postgres-database.ts), port 0 for servers, and the one file that restarts PostgreSQL
    // is waited out by the others' retries.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // A file shares its worker process with the files run there before it (isolate: false), which
    // spares a process start and a fresh import of the library per file, except the few that
    // change what later files there would see (test/isolated-files.ts says which and why), which
    // get one of their own.
    projects: [
      { extends: true, test: { name: "isolated", include: ISOLATED_FILES, isolate: true } },
      { extends: true, test: { name: "shared", include: ["src/**/*.test.ts", "test/**/*.test.ts"], exclude: ISOLATED_FILES, isolate: false } },
    ],
  },
});
