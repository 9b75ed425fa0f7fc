/**
 * `sextant serve`: the HTTP API over one storage. The web framework is loaded only here, when
 * the command runs, so the rest of the CLI starts without it.
 */
import { type Storage, StorageReadOnlyError, StorageUpgradeRefusedError, isMemoryUrl, openStorage, redactPassword, sqlitePath } from "../storage/index.js";
import { UsageError, UserError } from "./errors.js";
import { missingStorage, storageUrl } from "./inspect.js";
import { type Io, releaseTerminalAtExit } from "./io.js";
import { HANDLED_SIGNALS, RUN_SIGNALS, signalExitCode } from "./tune.js";

export interface ServeFlags {
  storage?: string;
  host?: string;
  port?: number;
  token?: string;
  cors?: string[];
  /** startServer's heartbeatGraceSeconds. */
  heartbeatGrace?: number;
  /** startServer's requestTimeoutSeconds. */
  requestTimeout?: number;
}

/**
 * Runs the server until SIGINT, SIGTERM or SIGHUP, then lets the requests under way finish, closes
 * it and the storage, and exits 0: a signal is how a server is meant to stop. SIGQUIT (Ctrl-\)
 * stops it now, requests under way cut off, still closing the storage, and exits 131. The token comes from
 * `--token`, else `SEXTANT_TOKEN` (which keeps it out of `ps` listings).
 *
 * @example
 * await serveCommand({ storage: "sqlite:./sextant.db", port: 8080 }, processIo());
 */
export async function serveCommand(flags: ServeFlags, io: Io, command: "serve" | "dashboard" = "serve"): Promise<number> {
  const { startServer, ServerConfigError } = await import("../server/index.js");
  const envToken = process.env.SEXTANT_TOKEN;
  const token = flags.token ?? (envToken !== undefined && envToken !== "" ? envToken : undefined);
  const url = storageUrl(flags.storage);
  // The dashboard only shows studies: opening a missing file would create an empty database
  // (often in the wrong folder), and an empty PostgreSQL schema would get Sextant's tables (often
  // in the wrong database). `serve` takes writes from workers, so it creates them as tune does.
  if (command === "dashboard") {
    // A memory storage starts empty and nothing outside this process can fill it: the page showed
    // "no studies" forever, without a word. `serve` keeps it, for a throwaway server that clients
    // report to, and serves this same dashboard beside the API.
    if (isMemoryUrl(url) || sqlitePath(url) === ":memory:") {
      // Named where it came from: with SEXTANT_STORAGE set, there is no --storage to look for.
      const given = flags.storage !== undefined ? `--storage ${url}` : `SEXTANT_STORAGE=${url}`;
      throw new UsageError(
        `${given} is an empty storage that lives only inside this process, so the dashboard would never show a study; ` +
          "point at the storage your studies were written to (--storage sqlite:./sextant.db or postgres://…), " +
          `or run "sextant serve --storage ${url}", whose dashboard shows what clients report to that server`,
      );
    }
    const missing = await missingStorage(url);
    if (missing !== null) throw new UserError(missing);
  }
  const start = (storage: string | Storage) =>
    startServer({
      storage,
      // `serve` takes workers' writes, which need the current schema: it upgrades an older one
      // (and says so). The dashboard is for looking, and looking never upgrades.
      ...(command === "dashboard" ? { upgradeSchema: false } : {}),
      host: flags.host ?? "127.0.0.1",
      port: flags.port ?? 8080,
      ...(token !== undefined ? { token } : {}),
      corsOrigins: flags.cors ?? [],
      ...(flags.heartbeatGrace !== undefined ? { heartbeatGraceSeconds: flags.heartbeatGrace } : {}),
      ...(flags.requestTimeout !== undefined ? { requestTimeoutSeconds: flags.requestTimeout } : {}),
    });
  let server: Awaited<ReturnType<typeof startServer>>;
  /** The storage opened read-only by this command, when the dashboard may not or should not write it. */
  let readOnly: Storage | null = null;
  try {
    try {
      server = await start(url);
    } catch (error) {
      // The dashboard only shows studies: a file its user may read but not write (a colleague's
      // results, an archive), or one an older Sextant wrote and still uses, is shown read-only.
      if (command !== "dashboard" || !(error instanceof StorageReadOnlyError || error instanceof StorageUpgradeRefusedError)) throw error;
      readOnly = await openStorage(url, { readOnly: true });
      try {
        server = await start(readOnly);
      } catch (startError) {
        await readOnly.close();
        throw startError;
      }
      io.err(
        error instanceof StorageReadOnlyError
          ? `sextant dashboard: this user may not write ${url}, so its studies are shown read-only (workers cannot report through this server)`
          : `sextant dashboard: an older Sextant wrote ${url}, so its studies are shown read-only, leaving it readable by that Sextant ` +
              `(workers cannot report through this server; sextant serve takes their reports, and upgrades it)`,
      );
    }
  } catch (error) {
    if (error instanceof ServerConfigError) throw new UsageError(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new UserError(`port ${flags.port ?? 8080} on ${flags.host ?? "127.0.0.1"} is already in use (choose another with --port)`);
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") throw new UserError(`cannot listen on ${flags.host}: no such address on this machine`);
    throw error;
  }
  // Listen for the stop signals before saying the server is up: a supervisor or script that sends
  // SIGTERM as soon as it reads the line below would otherwise find Node's default action and kill
  // the process before the storage is closed (the line is written synchronously, and the reader can
  // run before this process reaches the next statement).
  // SIGHUP (the terminal it ran in closed, an SSH session dropped) stops it the same way: Node's
  // default action killed it mid-request, its SQLite file left unclosed and answers cut off.
  // Ctrl-\ (SIGQUIT), Node's default action, killed the server mid-request with its storage
  // unclosed. It stops now, before or during an orderly stop, and still closes the storage.
  let quit = false;
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      if (signal === "SIGHUP") releaseTerminalAtExit();
      if (signal === "SIGQUIT") {
        quit = true;
        for (const other of RUN_SIGNALS) process.removeListener(other, stop);
        io.err(`sextant ${command}: SIGQUIT received: stopping now, without answering the requests under way (again to stop at once)`);
        server.close({ now: true }).catch(() => undefined);
        resolve();
        return;
      }
      // A second signal finds Node's default action and ends the process at once.
      for (const other of HANDLED_SIGNALS) process.removeListener(other, stop);
      io.err(`sextant ${command}: ${signal} received: stopping once the requests under way are answered (again to stop at once)`);
      resolve();
    };
    for (const signal of RUN_SIGNALS) process.on(signal, stop);
  });
  // stdout, unlike io.err, is not redacted: a password here landed in systemd's and Kubernetes' logs.
  const shownUrl = redactPassword(url);
  if (command === "dashboard") {
    io.out(`sextant dashboard: open ${server.url}/ (storage ${shownUrl}${readOnly ? ", read-only" : ""}${token !== undefined ? ", token required: open " + server.url + "/#token=<token>" : ""})`);
  } else {
    io.out(`sextant serve: listening on ${server.url} (storage ${shownUrl}${token !== undefined ? ", token required" : ""})`);
  }
  io.err(`sextant ${command}: dashboard at ${server.url}/, API at ${server.url}/api/v1, its OpenAPI document at ${server.url}/api/v1/openapi.json; Ctrl-C stops`);
  await stopped;
  await server.close();
  await readOnly?.close();
  return quit ? signalExitCode("SIGQUIT") : 0;
}
