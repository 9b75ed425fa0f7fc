/**
 * Errors the CLI reports as one line, `sextant: <message>`, without a stack trace. Anything else
 * that escapes a command is a bug and is printed with its stack.
 */

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

/**
 * The exit code and message for an error, or null if it is not a user-facing one.
 *
 * @example
 * describeUserError(new UsageError("bad flag")) // { message: "bad flag", exitCode: 2 }
 */
export function describeUserError(error: unknown): { message: string; exitCode: number } | null {
  if (error instanceof UsageError || error instanceof UserError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof Error) {
    // Errors from the library that describe bad input in words (storage URLs, distributions,
    // duplicate studies, SQLite files that are not ours) are user errors too.
    const userFacing = new Set([
      "StorageUrlError",
      "StorageOpenError",
      "StorageBusyError",
      "SqliteSchemaError",
      "StorageError",
      "DuplicateStudyError",
      "StudyNotFoundError",
      "InvalidDistributionError",
      "CommandNotFoundError",
      "CommandTemplateError",
      "MultiObjectiveError",
      "OptionError",
    ]);
    const usage = error.name.startsWith("Command") || error.name === "InvalidDistributionError" || error.name === "OptionError";
    if (userFacing.has(error.name)) return { message: error.message, exitCode: usage ? 2 : 1 };
  }
  return null;
}
