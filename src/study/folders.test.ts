import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir as makeTempDir } from "../../test/fixtures/cli-run.js";
import { UNWRITABLE_FOLDERS } from "../../test/fixtures/unwritable-folder.js";
import { FolderNotWritableError, ensureWritableFolder } from "./folders.js";

const cleanups: (() => void)[] = [];
const tempDir = (): string => {
  const { dir, cleanup } = makeTempDir("sextant-folders-");
  cleanups.push(cleanup);
  return dir;
};
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

/** The refusal's message, or "made". */
const refusal = (path: string): string => {
  try {
    ensureWritableFolder(path);
  } catch (error) {
    expect(error).toBeInstanceOf(FolderNotWritableError);
    expect((error as FolderNotWritableError).folder).toBe(path);
    return (error as Error).message;
  }
  return "made";
};

describe("ensureWritableFolder", () => {
  for (const { kind, make, unavailable } of UNWRITABLE_FOLDERS) {
    it(`says why on ${kind}, where Node's recursive mkdir said ENOENT of a folder whose parent exists`, (context) => {
      const folder = make(tempDir());
      if (folder === null) return context.skip(unavailable);
      try {
        expect(refusal(join(folder.dir, "lab"))).toBe(`cannot write to ${join(folder.dir, "lab")}: ${folder.reason}`);
        expect(refusal(join(folder.dir, "a", "b"))).toBe(`cannot write to ${join(folder.dir, "a", "b")}: ${folder.reason}`);
        expect(refusal(folder.dir)).toBe(`cannot write to ${folder.dir}: ${folder.reason}`);
      } finally {
        folder.release();
      }
    });
  }

  it("makes missing folders, takes an existing one, and refuses a file", () => {
    const dir = tempDir();
    expect(refusal(join(dir, "a", "b", "c"))).toBe("made");
    expect(existsSync(join(dir, "a", "b", "c"))).toBe(true);
    expect(refusal(join(dir, "a"))).toBe("made");
    writeFileSync(join(dir, "file"), "");
    expect(refusal(join(dir, "file"))).toBe(`cannot write to ${join(dir, "file")}: it is a file, not a folder`);
    expect(refusal(join(dir, "file", "lab"))).toMatch(/^cannot write to .*file\/lab: ENOTDIR: not a directory/);
  });
});
