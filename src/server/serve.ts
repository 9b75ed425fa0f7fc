import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { serve } from "@hono/node-server";
import { type Storage, openStorage } from "../storage/index.js";
import { SERVER_APP_OPTION_KEYS, ServerConfigError, type ServerAppOptions, checkServerAppSettings, createServerApp, refuseUnknownServerOptions } from "./app.js";
import { isLoopbackHost } from "./hosts.js";
import type { ErrorStatus } from "./route.js";

export { isLoopbackHost } from "./hosts.js";
export { ServerConfigError } from "./app.js";

/** How long a stop waits for answers under way before it cuts their connections. */
const CLOSE_GRACE_MS = 10_000;

/** The default of {@link StartServerOptions.requestTimeoutSeconds}: ample for the largest body (1 MiB) on a slow link. */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;

export interface StartServerOptions extends Omit<ServerAppOptions, "storage"> {
  /** A storage URL (opened here and closed by `close()`) or an open storage (left open). */
  readonly storage: string | Storage;
  /** Address to bind (default 127.0.0.1). Anything but loopback requires `token`. */
  readonly host?: string;
  /** Port (default 8080; 0 picks a free one, see `RunningServer.port`). */
  readonly port?: number;
  /**
   * Seconds a client has to send a whole request, headers and body (default 30). A request not
   * in by then, such as one whose body is shorter than its Content-Length, gets 408 and its
   * connection is closed, instead of holding it for Node's default of 300 s.
   */
  readonly requestTimeoutSeconds?: number;
  /**
   * With a storage URL, `false` refuses to migrate a store an older Sextant wrote (throwing
   * `StorageUpgradeRefusedError`, the store untouched) rather than upgrade it. Default true: the
   * server takes writes, which need the current schema.
   */
  readonly upgradeSchema?: boolean;
}

/** The keys {@link startServer} reads: the app's, and where to listen. */
const START_SERVER_OPTION_KEYS: readonly string[] = [...SERVER_APP_OPTION_KEYS, ...Object.keys({ host: true, port: true, requestTimeoutSeconds: true, upgradeSchema: true } satisfies Record<Exclude<keyof StartServerOptions, keyof ServerAppOptions>, true>)];

export interface RunningServer {
  /** The base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  /**
   * Stops accepting requests, waits for those under way (up to 10 s), and closes the storage if it
   * was opened here. With `now`, it cuts every connection at once instead of waiting, which also ends
   * a close already waiting; the storage is still closed, once the operations it has under way end.
   */
  close(options?: { now?: boolean }): Promise<void>;
}

/**
 * Starts the HTTP API on a socket. It binds to 127.0.0.1 unless told otherwise, and refuses any
 * other address without a token, so a study is never open to the network by accident.
 *
 * @example
 * const server = await startServer({ storage: "sqlite:./sextant.db", port: 8080 });
 * console.log(`${server.url}/api/v1/openapi.json`);
 * await server.close();
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  refuseUnknownServerOptions("startServer", options, START_SERVER_OPTION_KEYS);
  const { host = "127.0.0.1", port = 8080, requestTimeoutSeconds = DEFAULT_REQUEST_TIMEOUT_SECONDS, upgradeSchema, ...appOptions } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ServerConfigError(`port must be an integer from 0 to 65535, got ${port}`);
  // Node takes whole milliseconds, and 0 turns its timeout off: a number below 1 ms is refused as one.
  if (typeof requestTimeoutSeconds !== "number" || !(requestTimeoutSeconds * 1000 >= 1) || !Number.isFinite(requestTimeoutSeconds)) {
    throw new ServerConfigError(`requestTimeoutSeconds must be a positive number of seconds, got ${String(requestTimeoutSeconds)}`);
  }
  const requestTimeoutMs = Math.round(requestTimeoutSeconds * 1000);
  if (options.token !== undefined && options.token.length === 0) throw new ServerConfigError("the token must not be empty");
  // HTTP trims a header's value and cannot carry a line break: such a token could never be sent,
  // and every client was refused (a token read from a file often ends with a newline).
  const tokenFlaw =
    options.token === undefined
      ? null
      : options.token.trim() === ""
        ? "is only white space"
        : options.token !== options.token.trimEnd()
          ? "ends with white space (a newline from a file?)"
          : options.token !== options.token.trimStart()
            ? "starts with white space"
            : /[\u0000-\u001f\u007f]/.test(options.token)
              ? "holds a control character"
              : null;
  if (tokenFlaw !== null) throw new ServerConfigError(`the token ${tokenFlaw}: no client could send it in an HTTP header`);
  if (!isLoopbackHost(host) && options.token === undefined) {
    throw new ServerConfigError(
      `refusing to listen on ${host} without a token: anyone who can reach it could read and change studies (give --token or SEXTANT_TOKEN, or bind to 127.0.0.1)`,
    );
  }
  // Before the storage is opened: a heartbeat grace of 0 was found only after, and left it open.
  checkServerAppSettings(options);
  const ownsStorage = typeof options.storage === "string";
  const log = options.logError ?? ((message: string) => process.stderr.write(`${message}\n`));
  const storage =
    typeof options.storage === "string" ? await openStorage(options.storage, {
          onRetry: (message) => log(`sextant serve: ${message}`),
          onSchemaUpgrade: (message) => log(`sextant serve: warning: ${message}`),
          ...(upgradeSchema !== undefined ? { upgradeSchema } : {}),
        }) : options.storage;
  // Without a token the server is this machine's alone: refuse what a web page could send it.
  const app = createServerApp({ ...appOptions, storage, localOnly: options.localOnly ?? options.token === undefined });
  let server: ReturnType<typeof serve>;
  try {
    server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const serverOptions = {
        requestTimeout: requestTimeoutMs,
        // Node refuses a headers timeout above the request's; its default is 60 s.
        headersTimeout: Math.min(60_000, requestTimeoutMs),
        // How often Node looks for requests past their time (default 30 s): the timeout holds to about a second.
        connectionsCheckingInterval: Math.min(1000, requestTimeoutMs),
      };
      const created = serve({ fetch: app.fetch, hostname: host, port, serverOptions }, () => resolve(created));
      created.once("error", reject);
    });
  } catch (error) {
    if (ownsStorage) await storage.close();
    throw error;
  }
  // Responses under way, so a stop can tell their clients to close the connection after them.
  const answering = new Set<ServerResponse>();
  let stopping = false;
  server.on("request", (_request: IncomingMessage, response: ServerResponse) => {
    if (stopping) {
      response.setHeader("connection", "close");
      return;
    }
    answering.add(response);
    response.once("close", () => answering.delete(response));
  });
  // Node's own answers to a request it could not read (408 past the request timeout, 431, 400) had
  // no body: the API's clients read an error's message and field from its JSON. Same cases as Node's.
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex & { _httpMessage?: ServerResponse | null }) => {
    if (socket.writable && !socket._httpMessage?.headersSent) {
      // Typed by the statuses the OpenAPI document lists for every route.
      const [status, reason, message, field]: [ErrorStatus, string, string, string | undefined] =
        error.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? [408, "Request Timeout", `the request did not arrive whole within ${requestTimeoutSeconds} s (is its body shorter than its Content-Length?)`, "body"]
          : error.code === "HPE_HEADER_OVERFLOW"
            ? [431, "Request Header Fields Too Large", "the request's headers are too large", undefined]
            : [400, "Bad Request", `the request is not valid HTTP/1.1 (${error.code ?? error.message})`, undefined];
      const body = JSON.stringify({ error: { status, message, ...(field ? { field } : {}) } });
      socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    }
    socket.destroy();
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  const http = server as unknown as { closeIdleConnections(): void; closeAllConnections(): void };
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    close: (options = {}) => {
      closing ??= (async () => {
        stopping = true;
        // A keep-alive client that kept sending (a dashboard tab, a fetch loop) was served for as
        // long as it did: close() waits for its connection, which was never idle for long. Answers
        // under way and any that follow now say "Connection: close", idle connections are closed as
        // they fall idle, and whatever is left after the grace is cut.
        for (const response of answering) if (!response.headersSent) response.setHeader("connection", "close");
        await new Promise<void>((resolve) => {
          const sweep = setInterval(() => http.closeIdleConnections(), 100);
          const cut = setTimeout(() => http.closeAllConnections(), CLOSE_GRACE_MS);
          server.close(() => {
            clearInterval(sweep);
            clearTimeout(cut);
            resolve();
          });
          http.closeIdleConnections();
        });
        if (ownsStorage) await storage.close();
      })();
      // After server.close() above: the connections it waits for are the ones cut here.
      if (options.now === true) http.closeAllConnections();
      return closing;
    },
  };
}
