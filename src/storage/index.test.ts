import { describe, expect, it } from "vitest";
import { StorageUrlError, openStorage, sqlitePath } from "./index.js";

describe("sqlitePath", () => {
  it("reads relative, absolute and sqlite:// forms the same way", () => {
    expect(sqlitePath("sqlite:./sextant.db")).toBe("./sextant.db");
    expect(sqlitePath("sqlite:/tmp/a.db")).toBe("/tmp/a.db");
    expect(sqlitePath("sqlite:///tmp/a.db")).toBe("/tmp/a.db");
    expect(sqlitePath("sqlite://runs/a.db")).toBe("runs/a.db");
  });

  it("returns null for other backends and an empty path for a bare sqlite:", () => {
    expect(sqlitePath("memory:")).toBeNull();
    expect(sqlitePath("postgres://localhost/x")).toBeNull();
    expect(sqlitePath("sqlite:")).toBe("");
  });

  it("is what openStorage uses: a URL without a file is refused by name", async () => {
    await expect(openStorage("sqlite://")).rejects.toThrow(StorageUrlError);
    await expect(openStorage("sqlite://")).rejects.toThrow(/has no file path/);
  });
});
