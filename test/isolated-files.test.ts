// The list of test files that run in a process of their own (test/isolated-files.ts) is complete:
// a file that replaces modules or registers samplers, left to share its process, would change
// what the files after it there see, and fail them only in some orders.
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ISOLATED_FILES, LEAKING_CALL } from "./isolated-files.js";

const ROOT = join(import.meta.dirname, "..");

function testFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".test.ts"))
    .map((name) => relative(ROOT, join(ROOT, folder, name)))
    .sort();
}

describe("the test files run in a process of their own", () => {
  // This file's examples below would match; it changes nothing itself.
  const files = [...testFiles("src"), ...testFiles("test")].filter((file) => file !== "test/isolated-files.test.ts");

  it("are every file that replaces a module, registers a sampler or pruner, or sets a stand-in Python, and only those", () => {
    const leaking = files.filter((file) => LEAKING_CALL.test(readFileSync(join(ROOT, file), "utf8")));
    expect(leaking.length).toBeGreaterThan(0);
    expect([...ISOLATED_FILES].sort()).toEqual(leaking);
  });

  it("tell such a call from others", () => {
    for (const leaks of ['vi.mock("node:fs", async () => ({}));', "vi.doMock('pg')", "registerSampler({ name: 'x' })", "vi.stubGlobal(\"fetch\", f)", "await useStandInPython(program);"]) expect(LEAKING_CALL.test(leaks), leaks).toBe(true);
    for (const stays of ["vi.fn()", "vi.spyOn(process.stdout, 'write')", "export { registerSampler } from", "registerSampler is exported", "export async function useStandInPythonLater()"]) expect(LEAKING_CALL.test(stays), stays).toBe(false);
  });
});
