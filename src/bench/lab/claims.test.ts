// Two bench runs into one folder, their steps taken in the order that raced: each test makes
// another run's step land at the one moment between two steps of this run where it did harm.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { currentWorker } from "../../study/worker-identity.js";
import { CLAIMS_FOLDER, cellClaimFile, claimFile } from "./claims.js";
import { RESULTS_FILE, readResults, runBenchmark } from "./runner.js";
import { runKey } from "./run-one.js";

/** Another run's step, each taken once, at the moment its name says. */
const race = vi.hoisted(() => ({
  /** In place of this run's next mkdirSync, with the real node:fs. */
  mkdir: undefined as ((path: string, fs: typeof import("node:fs")) => void) | undefined,
  /** Once this run has read a file to its end with readSync, as runs read results.jsonl. */
  readToEnd: undefined as (() => void) | undefined,
  /** Once this run has written a claim's draft, before it links it. */
  draftWritten: undefined as ((draft: string) => void) | undefined,
}));

vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  const once = <K extends keyof typeof race>(key: K): (typeof race)[K] => {
    const step = race[key];
    race[key] = undefined;
    return step;
  };
  const mkdirSync = ((path: string, options?: object) => {
    const step = once("mkdir");
    if (step === undefined) return actual.mkdirSync(path, options);
    step(path, actual);
    return undefined;
  }) as typeof actual.mkdirSync;
  const readSync = ((...args: Parameters<typeof actual.readSync>) => {
    const read = actual.readSync(...args);
    if (read === 0) once("readToEnd")?.();
    return read;
  }) as typeof actual.readSync;
  const writeFileSync = ((file: string, data: string) => {
    actual.writeFileSync(file, data);
    if (file.endsWith(".draft") && file.includes(`${CLAIMS_FOLDER}/`)) once("draftWritten")?.(file);
  }) as typeof actual.writeFileSync;
  const replaced = { mkdirSync, readSync, writeFileSync };
  return { ...actual, ...replaced, default: { ...actual, ...replaced } };
});

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "sextant-claims-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  race.mkdir = race.readToEnd = race.draftWritten = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const grid = { problems: ["branin-2d"], optimizers: ["random"], trials: 3, jobs: 1 };

describe("claimFile", () => {
  it("claims a cell whose claims folder another run removed as this one made it", () => {
    const dir = tempDir();
    const file = cellClaimFile(dir, runKey("branin-2d", "random", 0));
    // The other run ended and removed the emptied folder between the mkdir and the stat of Node's
    // recursive mkdirSync, which then throws ENOENT, as a bench run into a shared folder did.
    race.mkdir = (path, fs) => {
      fs.mkdirSync(path, { recursive: true });
      fs.rmdirSync(path);
      throw Object.assign(new Error(`ENOENT: no such file or directory, mkdir '${path}'`), { code: "ENOENT", syscall: "mkdir", path });
    };
    expect(claimFile(file, "a cell")).toBeNull();
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ id: currentWorker().id, what: "a cell" });
  });

  it("keeps its draft apart from that of a run on another host with the same pid", () => {
    const dir = tempDir();
    const file = cellClaimFile(dir, runKey("branin-2d", "random", 0));
    // Pids are per host (and per container): pid 1 runs on each. Named by its pid, that run's
    // draft was this run's, which then published the other's claim as its own, and deleted the
    // draft the other was about to link.
    const otherDraft = `${file}.${process.pid}.draft`;
    race.draftWritten = () => writeFileSync(otherDraft, JSON.stringify({ ...currentWorker(), id: "other", host: `${hostname()}-2`, what: "a cell", since: new Date().toISOString() }));
    expect(claimFile(file, "a cell")).toBeNull();
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ id: currentWorker().id, host: hostname() });
    expect(existsSync(otherDraft)).toBe(true);
  });
});

describe("two runs into one folder", () => {
  it("write only whole result lines: a run starting as another appends a result writes nothing else", async () => {
    const dir = tempDir();
    const results = join(dir, RESULTS_FILE);
    await runBenchmark({ ...grid, seeds: [0], outDir: dir });
    const first = readFileSync(results, "utf8").trimEnd();
    const other = JSON.stringify({ ...JSON.parse(first), seed: 1 });
    // The other run's result lands just after this run has read the file to its end: this run took
    // the file for one torn by a crash and wrote a "\n" after it, a blank line in the file.
    race.readToEnd = () => appendFileSync(results, `${other}\n`);
    const outcome = await runBenchmark({ ...grid, seeds: [0, 1, 2], outDir: dir });
    expect(race.readToEnd).toBeUndefined();
    const lines = readFileSync(results, "utf8").split("\n");
    expect(lines.slice(0, 2)).toEqual([first, other]);
    expect(lines.slice(2).map((line) => (line === "" ? line : (JSON.parse(line) as { seed: number }).seed))).toEqual([2, ""]);
    expect(outcome).toMatchObject({ resumed: 1, madeByOtherRuns: 1, failures: [] });
    expect(readResults(dir).map((r) => r.seed)).toEqual([0, 1, 2]);
  });
});
