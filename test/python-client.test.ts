// Python suite: the standard-library client in clients/python, run with Debian's /usr/bin/python3
// (`python3 -m unittest`) against a real `sextant serve` with a token, several Python processes included.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, ROOT, tempDir } from "./fixtures/cli-run.js";
import { type ServeProcess, startServe } from "./fixtures/serve-run.js";
import { inCI } from "./fixtures/environment.js";

const PYTHON = "/usr/bin/python3";
const CLIENT = join(ROOT, "clients/python");
const available = existsSync(PYTHON);
// On CI a missing interpreter is a broken machine, not a reason to skip.
const runOrSkip = available || inCI() ? describe : describe.skip;

let server: ServeProcess | undefined;
let cleanup: (() => void) | undefined;
const TOKEN = "python-suite-token";

beforeAll(async () => {
  if (!available) return;
  const made = tempDir("sextant-python-");
  cleanup = made.cleanup;
  // With a sampler that throws on a suggest, which the client must tell from other faults of the server.
  const brokenSampler = pathToFileURL(join(ROOT, "test/fixtures/breaks-on-suggest-sampler.mjs")).href;
  const nodeOptions = [process.env.NODE_OPTIONS, `--import=${brokenSampler}`].filter(Boolean).join(" ");
  server = await startServe(made.dir, [], { SEXTANT_TOKEN: TOKEN, NODE_OPTIONS: nodeOptions });
});

afterAll(async () => {
  await server?.stop();
  cleanup?.();
});

runOrSkip("Python client", () => {
  it("passes its unittest suite against a real server", async () => {
    expect(available, `${PYTHON} is missing; CI needs Debian's python3 for this suite`).toBe(true);
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(PYTHON, ["-m", "unittest", "discover", "-s", "tests", "-v"], {
        cwd: CLIENT,
        env: {
          ...process.env,
          PYTHONPATH: CLIENT,
          PYTHONDONTWRITEBYTECODE: "1",
          SEXTANT_URL: server!.url,
          SEXTANT_TOKEN: TOKEN,
          // For a test that makes its study with `sextant create`, in the server's own storage.
          SEXTANT_TEST_STORAGE: server!.storage,
          SEXTANT_TEST_CLI: JSON.stringify([process.execPath, BIN]),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      child.on("close", (code) => resolve({ code, output }));
    });
    expect(result.code, result.output).toBe(0);
    // Every connection closes its socket, including one a finished thread (or a client collected
    // on another thread) drops without close(): no ResourceWarning (unittest shows them).
    expect(result.output).not.toMatch(/ResourceWarning/);
    // The suite must really have run, token test and several-process test included.
    expect(result.output).toMatch(/Ran (\d{1,3}) tests/);
    expect(Number(/Ran (\d+) tests/.exec(result.output)![1])).toBeGreaterThanOrEqual(9);
    // Only the numpy tests may skip, and only where numpy is not importable (the client does not need it).
    const numpy = spawnSync(PYTHON, ["-c", "import numpy"], { stdio: "ignore" }).status === 0;
    const skipped = [...result.output.matchAll(/\.\.\. skipped '([^']*)'/g)].map((match) => match[1]);
    expect(skipped).toEqual(numpy ? [] : ["numpy is not importable"]);
    expect(result.output).toMatch(/test_numpy_scalars_and_0d_arrays_go_everywhere_a_number_goes \([^)]*\) \.\.\. (ok|skipped)/);
    expect(result.output).toMatch(/test_decimal_and_fraction_go_everywhere_a_number_goes \([^)]*\) \.\.\. ok/);
    expect(result.output).toMatch(/test_several_processes_tune_one_study\w* (\([^)]*\) )?\.\.\. ok/);
    expect(result.output).toMatch(/test_a_wrong_or_missing_token_gets_401 (\([^)]*\) )?\.\.\. ok/);
    expect(result.output).toMatch(/test_a_heartbeat_refused_for_its_token_warns_once_and_keeps_beating (\([^)]*\) )?\.\.\. ok/);
    expect(result.output).toMatch(/test_optimize_stops_quietly_at_the_budget_of_sextant_create_trials\w* (\([^)]*\) )?\.\.\. ok/);
    expect(result.output).toMatch(/test_optimize_stops_quietly_when_a_grid_has_no_point_left\w* (\([^)]*\) )?\.\.\. ok/);
    expect(result.output).toMatch(/test_a_trial_the_server_failed_for_its_sampler_is_not_told_again\w* (\([^)]*\) )?\.\.\. ok/);
    expect(result.output).toMatch(/test_a_categorical_choice_comes_back_as_declared_a_float_as_a_float_and_a_bool_as_a_bool (\([^)]*\) )?\.\.\. ok/);
    // The online tuner routes, from Python: a stale round refused, not credited to the next choice.
    expect(result.output).toMatch(/test_a_cost_for_a_choice_another_process_observed_is_refused_not_credited_to_the_next_choice (\([^)]*\) )?\.\.\. ok/);
    // A 409 of a tuner a newer Sextant saved is told by its code, not taken for an order error at the same field.
    expect(result.output).toMatch(/test_a_tuner_saved_by_a_newer_sextant_is_refused_with_its_code_not_as_an_order_error (\([^)]*\) )?\.\.\. ok/);
  }, 300_000);
});
