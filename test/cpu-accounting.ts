/**
 * Runs before every test file (vitest.config.ts `setupFiles`) when scripts/run-tests.mjs asks for it
 * with SEXTANT_TEST_CPU_DIR: records the CPU time the file cost, its own and that of every process
 * it started and waited for (the CLI runs, their trial commands, Python, Chromium), which Linux
 * adds to /proc/self/stat's cutime and cstime as each child is reaped (a grandchild its parent did
 * not wait for, and servers such as PostgreSQL, are not counted). The 2-core CI machine is busy for
 * most of the suite, so a file's CPU, more than its wall time, says what to make cheaper.
 * Elsewhere (no /proc, or the variable unset) it does nothing.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterAll, expect } from "vitest";

/** Clock ticks per second of /proc's times; 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

/** CPU seconds of this process and of the children it has reaped, from /proc/self/stat. */
function cpuSeconds(): { own: number; children: number } | null {
  if (!existsSync("/proc/self/stat")) return null;
  const stat = readFileSync("/proc/self/stat", "utf8");
  // Fields after the command name, which sits in parentheses and may hold spaces: state is field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const field = (n: number) => Number(fields[n - 3]);
  return { own: (field(14) + field(15)) / TICKS_PER_SECOND, children: (field(16) + field(17)) / TICKS_PER_SECOND };
}

const directory = process.env.SEXTANT_TEST_CPU_DIR;
if (directory) {
  // Taken as the setup file loads, before the test file is imported, so that importing counts too.
  const before = cpuSeconds();
  const startedAt = Date.now();
  afterAll(() => {
    const after = cpuSeconds();
    const file = expect.getState().testPath;
    if (!before || !after || !file) return;
    mkdirSync(directory, { recursive: true });
    const record = { file, own: after.own - before.own, children: after.children - before.children, wall: (Date.now() - startedAt) / 1000 };
    writeFileSync(join(directory, `${createHash("sha256").update(file).digest("hex").slice(0, 16)}.json`), JSON.stringify(record));
  });
}
