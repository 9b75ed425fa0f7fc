/**
 * `sextant/server`: the HTTP service, in its own entry point so that `import { createStudy } from
 * "sextant"` never loads the web framework.
 *
 * @example
 * import { startServer } from "sextant/server";
 * const server = await startServer({ storage: "sqlite:./sextant.db", port: 8080 });
 * // POST ${server.url}/api/v1/studies {"name": "demo", "direction": "minimize"}
 */
export { HttpError } from "./route.js";
export { createServerApp, API_PREFIX, DEFAULT_BODY_LIMIT_BYTES, type ServerAppOptions } from "./app.js";
export { startServer, isLoopbackHost, ServerConfigError, DEFAULT_REQUEST_TIMEOUT_SECONDS, type StartServerOptions, type RunningServer } from "./serve.js";
export { openApiDocument, type RouteDoc } from "./openapi.js";
