import { describe, expect, it } from "vitest";
import { StorageUrlError } from "../storage/index.js";
import { StorageBusyError, StorageDecodeError, StorageOpenError, TrialNotRunningError } from "../storage/types.js";
import { CommandTemplateError } from "../study/command-runner.js";
import { UsageError, UserError, debugFromEnv, describeUserError, errorStack } from "./errors.js";

describe("describeUserError", () => {
  it("treats the CLI's own errors and the library's input errors as the user's, with their exit codes", () => {
    expect(describeUserError(new UsageError("bad flag"))).toEqual({ message: "bad flag", exitCode: 2 });
    expect(describeUserError(new UserError("no study"))).toEqual({ message: "no study", exitCode: 1 });
    expect(describeUserError(new CommandTemplateError("{y} names no parameter"))?.exitCode).toBe(2);
    expect(describeUserError(new StorageUrlError("unknown storage URL"))?.exitCode).toBe(1);
    expect(describeUserError(new StorageBusyError("locked"))?.exitCode).toBe(1);
    expect(describeUserError(new StorageDecodeError("column params is not JSON"))?.exitCode).toBe(1);
  });

  it("decides by class: a subclass inherits its parent's treatment, whatever its name", () => {
    class ReadOnlyMountError extends StorageOpenError {
      override name = "ReadOnlyMountError";
    }
    expect(describeUserError(new ReadOnlyMountError("cannot open sqlite:x.db: read-only mount"))).toEqual({
      message: "cannot open sqlite:x.db: read-only mount",
      exitCode: 1,
    });
  });

  it("does not take an unrelated error for the user's because it shares a name", () => {
    const impostor = new Error("Cannot read properties of undefined");
    impostor.name = "StorageError";
    expect(describeUserError(impostor)).toBeNull();
    const usage = new TypeError("x is not a function");
    usage.name = "UsageError";
    expect(describeUserError(usage)).toBeNull();
  });

  it("keeps storage errors that mean a caller bug out of the user's errors", () => {
    expect(describeUserError(new TrialNotRunningError(7, "failed", 3))).toBeNull();
    expect(describeUserError(new TypeError("undefined is not iterable"))).toBeNull();
    expect(describeUserError("a thrown string")).toBeNull();
  });
});

describe("debug output", () => {
  it("reads SEXTANT_DEBUG as on unless empty, 0 or false", () => {
    expect(debugFromEnv({ SEXTANT_DEBUG: "1" })).toBe(true);
    expect(debugFromEnv({ SEXTANT_DEBUG: "yes" })).toBe(true);
    expect(debugFromEnv({ SEXTANT_DEBUG: "0" })).toBe(false);
    expect(debugFromEnv({ SEXTANT_DEBUG: "false" })).toBe(false);
    expect(debugFromEnv({ SEXTANT_DEBUG: "" })).toBe(false);
    expect(debugFromEnv({})).toBe(false);
  });

  it("prints the stack and then each cause's stack", () => {
    const inner = new SyntaxError("Unexpected token } in JSON");
    const outer = new StorageDecodeError("study \"demo\", trial 3: column params", { cause: inner });
    const text = errorStack(outer);
    expect(text).toMatch(/^StorageDecodeError: study "demo", trial 3: column params\n\s+at /);
    expect(text).toMatch(/\ncaused by: SyntaxError: Unexpected token \} in JSON\n\s+at /);
  });

  it("stops at a cause cycle", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(errorStack(a).match(/caused by/g)).toHaveLength(1);
  });
});
