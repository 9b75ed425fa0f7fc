// Worker identity against real pid namespaces and real pid reuse (needs root for `unshare`, and
// dist/ built: `npm test` builds it). Each worker runs test/fixtures/identity-worker.mjs on one
// SQLite file inside its own pid namespace, as containers sharing a host name would.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { shellWord } from "../src/cli/format.js";
import { FIXTURES, sqliteTrials, tempDir } from "./fixtures/cli-run.js";

const WORKER = join(FIXTURES, "identity-worker.mjs");
// New pid namespaces need root (CAP_SYS_ADMIN); without it the suite says so instead of failing.
const canUnshare = spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "true"]).status === 0;
if (!canUnshare) console.warn("worker-identity suite skipped: `unshare --pid --fork --mount-proc` is not permitted here (run as root)");

let dir: string;
let cleanup: () => void;
const children: ChildProcess[] = [];
beforeEach(() => {
  ({ dir, cleanup } = tempDir("sextant-identity-"));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  cleanup();
});

/**
 * Runs `script` (as pid 1) in a new pid namespace with its own /proc. Pids there are handed out
 * in order, so a node started after n runs of `/bin/true` gets pid n + 2.
 */
function inNamespace(script: string): { child: ChildProcess; output: () => string; waitFor(pattern: RegExp): Promise<RegExpExecArray>; done: Promise<number | null> } {
  const child = spawn("unshare", ["--pid", "--fork", "--mount-proc", "sh", "-c", script], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  let err = "";
  const waiters: (() => void)[] = [];
  child.stdout!.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const done = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return {
    child,
    output: () => out,
    done,
    async waitFor(pattern) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const match = pattern.exec(out);
        if (match) return match;
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`never printed ${pattern}; stdout: ${out} stderr: ${err}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
  };
}

// Each word quoted for sh: the temp folder's path (and the checkout's) may hold a space, a quote or a $.
const node = (...args: string[]): string => [process.execPath, WORKER, ...args].map(shellWord).join(" ");
const fillPids = (count: number): string => Array.from({ length: count }, () => "/bin/true; ").join("");

describe.skipIf(!canUnshare)("worker identity across pid namespaces (same host name)", () => {
  it("never fails another namespace's live trial, with colliding pids or with pids that name nothing here", async () => {
    const db = join(dir, "s.db");
    const args = [`sqlite:${db}`, "shared", join(dir, "release")];
    // A and B hold trials as pid 5 of their own namespaces: the same pid, two different processes.
    const a = inNamespace(`${fillPids(3)}${node("hold", ...args)}; true`);
    const [, aNumber, aPid] = await a.waitFor(/ready (\d+) (\d+)/);
    const b = inNamespace(`${fillPids(3)}${node("hold", ...args)}; true`);
    const [, bNumber, bPid] = await b.waitFor(/ready (\d+) (\d+)/);
    expect([aPid, bPid]).toEqual(["5", "5"]);
    // C runs in a third namespace where pid 5 names no process and no thread at all (Node's
    // threads take ids from the same space: C's start above 1000).
    const c = inNamespace(`echo 1000 > /proc/sys/kernel/ns_last_pid; ${node("recover", ...args)}`);
    await c.waitFor(/recovered \[\]/);
    expect(await c.done).toBe(0);
    // And B, whose own pid is A's, checks A's trial too.
    const b2 = inNamespace(`${fillPids(3)}${node("recover", ...args)}; true`);
    await b2.waitFor(/recovered \[\]/);

    const held = await sqliteTrials(db, "shared");
    expect(held.map((t) => t.state)).toEqual(["running", "running"]);
    writeFileSync(join(dir, "release"), "");
    await a.waitFor(/told complete/);
    await b.waitFor(/told complete/);
    expect(a.output() + b.output()).not.toContain("warning");
    const finished = await sqliteTrials(db, "shared");
    expect(finished.map((t) => [t.number, t.state])).toEqual([
      [Number(aNumber), "complete"],
      [Number(bNumber), "complete"],
    ].sort((x, y) => (x[0] as number) - (y[0] as number)));
  });

  it("recovers the trial of a dead worker whose pid a later process reuses", async () => {
    const db = join(dir, "s.db");
    const args = [`sqlite:${db}`, "reuse"];
    // In one namespace: the worker (pid 2) dies by SIGKILL; ns_last_pid makes the next process, a
    // sleep, take pid 2 again; then a fresh process recovers. Its pid, 3, differs from the dead one's.
    const run = inNamespace(
      `${node("crash", ...args)}; echo 1 > /proc/sys/kernel/ns_last_pid; sleep 300 & echo "sleeper $!"; ${node("recover", ...args)}; kill $!`,
    );
    const [, number, deadPid] = await run.waitFor(/crashed (\d+) (\d+)/);
    const [, sleeperPid] = await run.waitFor(/sleeper (\d+)/);
    expect(sleeperPid).toBe(deadPid);
    await run.waitFor(new RegExp(`recovered \\[${number}\\]`));
    expect(await run.done).toBe(0);
    const [trial] = await sqliteTrials(db, "reuse");
    expect(trial!.state).toBe("failed");
    expect(String(trial!.systemAttrs.failReason)).toBe(`worker process ${deadPid} on ${(trial!.systemAttrs.worker as { host: string }).host} is gone (pid ${deadPid} now names a process started at another time)`);
  });
});
