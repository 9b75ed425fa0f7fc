/**
 * Where the CLI writes: stdout for results, stderr for progress and messages.
 *
 * @example
 * io.out(renderTable(headers, rows)); io.err("study resumed");
 */
export interface Io {
  /** A line of results on stdout. */
  out(line: string): void;
  /** A line of messages on stderr. */
  err(line: string): void;
  /** Raw text on stdout. */
  write(text: string): void;
  readonly stdinIsTTY: boolean;
  readonly stderrIsTTY: boolean;
}

/**
 * The process's own streams.
 *
 * @example
 * await main(process.argv, processIo());
 */
export function processIo(): Io {
  return {
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => void process.stderr.write(`${line}\n`),
    write: (text) => void process.stdout.write(text),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
  };
}
