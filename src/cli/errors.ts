/**
 * Errors the CLI reports as one line, `sextant: <message>`, without a stack trace. Anything else
 * that escapes a command is a bug: it is reported as an internal error, with its stack under
 * `--debug` or `SEXTANT_DEBUG=1`.
 */
import { ImportanceError } from "../analysis/importance.js";
import { InvalidDistributionError } from "../space/distributions.js";
import { OptionError } from "../space/index.js";
import { StorageUrlError } from "../storage/index.js";
import { ParamConflictError, StorageError, TrialNotFoundError, TrialNotRunningError } from "../storage/types.js";
import { CommandNotFoundError, CommandTemplateError } from "../study/command-runner.js";
import { MultiObjectiveError } from "../study/study.js";
import { OnlineTunerError } from "../online/index.js";
import { PriorInputError } from "../priors/index.js";

/**
 * A mistake in the command line or a config file: exit code 2.
 *
 * @example
 * throw new UsageError('--trials must be a positive integer, got "0"');
 */
export class UsageError extends Error {
  override name = "UsageError";
  readonly exitCode = 2;
}

/**
 * A request that cannot be met (unknown study, refused deletion, storage trouble): exit code 1.
 *
 * @example
 * throw new UserError('no study named "x" in sqlite:./sextant.db');
 */
export class UserError extends Error {
  override name = "UserError";
  readonly exitCode = 1;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** Library errors that describe bad input in words: exit code 2, like {@link UsageError}. */
const LIBRARY_USAGE_ERRORS: readonly ErrorClass[] = [CommandNotFoundError, CommandTemplateError, InvalidDistributionError, OptionError, OnlineTunerError, PriorInputError];

/**
 * Library errors about the situation rather than the command line (storage URLs and files,
 * duplicate studies, options a sampler refuses): exit code 1. `StorageError` covers its subclasses.
 */
const LIBRARY_USER_ERRORS: readonly ErrorClass[] = [StorageUrlError, StorageError, MultiObjectiveError, ImportanceError];

/** Storage errors that mean the caller misused the storage: bugs, even though they are StorageErrors. */
const LIBRARY_BUGS: readonly ErrorClass[] = [TrialNotFoundError, TrialNotRunningError, ParamConflictError];

const isAny = (error: Error, classes: readonly ErrorClass[]): boolean => classes.some((type) => error instanceof type);

/**
 * The exit code and message for an error, or null if it is not a user-facing one. Decided by
 * class, so that a subclass keeps its parent's treatment and an unrelated error that happens to
 * share a name does not borrow it.
 *
 * @example
 * describeUserError(new UsageError("bad flag")) // { message: "bad flag", exitCode: 2 }
 * describeUserError(new TypeError("x is undefined")) // null: a bug
 */
export function describeUserError(error: unknown): { message: string; exitCode: number } | null {
  if (error instanceof UsageError || error instanceof UserError) return { message: error.message, exitCode: error.exitCode };
  if (!(error instanceof Error) || isAny(error, LIBRARY_BUGS)) return null;
  if (isAny(error, LIBRARY_USAGE_ERRORS)) return { message: error.message, exitCode: 2 };
  if (isAny(error, LIBRARY_USER_ERRORS)) return { message: error.message, exitCode: 1 };
  return null;
}

export { debugFromEnv } from "./debug-env.js";

/**
 * An error's stack followed by the stacks of its causes, for `--debug`.
 *
 * @example
 * process.stderr.write(errorStack(new Error("outer", { cause: new Error("inner") })));
 */
export function errorStack(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  for (let current: unknown = error; current !== undefined && !seen.has(current); current = current instanceof Error ? current.cause : undefined) {
    seen.add(current);
    const text = current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current);
    parts.push(parts.length === 0 ? text : `caused by: ${text}`);
  }
  return parts.join("\n");
}
