/**
 * The test files that change what other files would see, run each in a process of its own
 * (vitest.config.ts): they replace modules with vi.mock, register samplers in the global
 * registry, or point the scikit-learn problems at a stand-in Python, which those look for once per
 * process. Every other file shares its worker process, and the modules it loaded, with the files
 * that ran before it there, which spares the suite a process start and a fresh import of the
 * library per file (about half the CPU of src/'s unit tests). test/isolated-files.test.ts checks
 * that no file doing any of these is left off this list.
 */
export const ISOLATED_FILES = [
  "src/analysis/beliefs.test.ts",
  "src/bench/lab/claims.test.ts",
  "src/bench/lab/protocols.test.ts",
  "src/bench/lab/run-one.test.ts",
  "src/bench/lab/runner.test.ts",
  "src/cli/io.test.ts",
  "src/server/app.test.ts",
  "src/storage/sqlite-binding.test.ts",
  "src/storage/sqlite-readonly-media.test.ts",
  "test/dashboard-api.test.ts",
  "test/server-slow-ask.test.ts",
  "test/storage-conformance.test.ts",
];

/** What makes a test file change what later files in its process see. */
export const LEAKING_CALL = /\bvi\.(?:mock|doMock|stubGlobal|resetModules)\(|\bregister(?:Sampler|Pruner)\(\{|\buseStandInPython\(/;
