/**
 * The OpenAPI 3.1 document, generated from the zod schemas of the route table. OpenAPI 3.1 uses
 * JSON Schema 2020-12, which is what `z.toJSONSchema` writes, so no conversion is needed.
 */
import { z } from "zod";
import type { ErrorStatus } from "./route.js";

/** What the document needs to know about one route. */
export interface RouteDoc {
  readonly method: "get" | "post" | "delete";
  /** OpenAPI-style path below the API prefix, e.g. `/studies/{study}`. */
  readonly path: string;
  readonly summary: string;
  // `| undefined` spelt out: a Route's `params?: P` (P may be undefined) must extend these under a
  // user's exactOptionalPropertyTypes, or every `import "sextant/server"` failed type-checking.
  readonly params?: z.ZodObject | undefined;
  readonly query?: z.ZodObject | undefined;
  readonly body?: z.ZodType | undefined;
  /** Whether the body may be left out (the route then reads it as `{}`). */
  readonly bodyMayBeEmpty?: boolean;
  /** The answer on success: status and schema. */
  readonly status: number;
  /**
   * Other success statuses, each with when it is answered instead of `status`, with the same
   * schema: a create that found what it would have made answers 200, not 201.
   */
  readonly alsoAnswers?: Readonly<Record<number, string>>;
  readonly response: z.ZodType;
}

/**
 * When each error status is answered, and to which routes: `all`, `writes` (a POST or DELETE, whose
 * streamed body may be too large even where the route reads none) or `bodies` (a route that reads a
 * JSON body). Keyed by every status the server sends, so a new one cannot go undocumented.
 */
const ERROR_ANSWERS: Readonly<Record<ErrorStatus, { readonly to: "all" | "writes" | "bodies"; readonly description?: string }>> = {
  400: { to: "all", description: "the request is malformed: a path parameter, query field or body field (named by `field`), or not valid HTTP at all" },
  401: { to: "all", description: "a server started with a token was sent none, or another (send Authorization: Bearer <token>)" },
  403: {
    to: "all",
    description:
      "refused: a local-only server asked under another Host or from another site's page (`field` header.host or header.origin), or a write to a storage the server may only read",
  },
  404: { to: "all" },
  405: { to: "all", description: "the path takes other methods, listed in the Allow header" },
  408: { to: "all", description: "the request did not arrive whole within the server's request timeout (`field` body); the connection is closed" },
  409: { to: "all", description: "the state of what `field` names (the path's study, trial or tuner, or a body field) is at odds with the request; `code` (when present) says why, for a client to act on" },
  413: { to: "writes" },
  415: { to: "bodies", description: "the body is not application/json, or is compressed (a Content-Encoding)" },
  431: { to: "all", description: "the request's headers are too large; the connection is closed" },
  500: { to: "all", description: "a fault on the server's side, logged there; with `code` sampler_failed (an ask or suggest), the study's sampler failed and the server has failed that trial" },
  503: { to: "all", description: "the storage failed: without `code`, it stayed locked by other writers (retry soon); with `code` storage_error, it is unreachable, read-only, full or failing, as the message says" },
};

/** The route (GET, below the API prefix) a server started with a token answers without it: a probe's. */
export const TOKEN_FREE_PATH = "/health";

/** The error statuses a route may answer, by {@link ERROR_ANSWERS}. */
function errorStatusesOf(route: Pick<RouteDoc, "method" | "body" | "path">): ErrorStatus[] {
  return (Object.keys(ERROR_ANSWERS).map(Number) as ErrorStatus[]).filter((status) => {
    if (status === 401 && route.method === "get" && route.path === TOKEN_FREE_PATH) return false;
    const to = ERROR_ANSWERS[status].to;
    return to === "all" || (to === "writes" && route.method !== "get") || (to === "bodies" && route.body !== undefined);
  });
}

/**
 * A standalone JSON Schema for one zod schema. A schema with `$defs` (recursion) would point into
 * the wrong document once embedded, so it is refused here rather than published broken.
 */
export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const generated = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  delete generated.$schema;
  if ("$defs" in generated) throw new Error("API schemas must not be recursive: they are embedded in the OpenAPI document");
  return generated;
}

function parametersOf(schema: z.ZodObject | undefined, where: "path" | "query"): object[] {
  if (!schema) return [];
  return Object.entries(schema.shape).map(([name, field]) => {
    const fieldSchema = field as z.ZodType;
    const optional = fieldSchema.safeParse(undefined).success;
    const generated = jsonSchemaOf(fieldSchema, "input");
    const { description, ...rest } = generated;
    return {
      name,
      in: where,
      required: where === "path" || !optional,
      ...(typeof description === "string" ? { description } : {}),
      schema: rest,
    };
  });
}

/**
 * Builds the OpenAPI document for `routes`, mounted under `prefix`.
 *
 * @example
 * const doc = openApiDocument(routes, "/api/v1", "0.1.0", ErrorResponse);
 * Object.keys(doc.paths as object) // ["/api/v1/studies", …]
 */
export function openApiDocument(routes: readonly RouteDoc[], prefix: string, version: string, errorSchema: z.ZodType): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const error = { description: "an error; `field` names the request field at fault, and `code` (when present) says why for a client to act on", content: { "application/json": { schema: jsonSchemaOf(errorSchema, "output") } } };
  for (const route of routes) {
    const success = { content: { "application/json": { schema: jsonSchemaOf(route.response, "output") } } };
    const otherSuccesses = Object.entries(route.alsoAnswers ?? {}).map(([status, description]) => [status, { description, ...success }]);
    const operation: Record<string, unknown> = {
      summary: route.summary,
      operationId: `${route.method}${route.path === "" ? "Index" : ""}${route.path.replace(/\{(\w+)\}/g, "By_$1").replace(/[^A-Za-z0-9_]+(\w)?/g, (_, c: string | undefined) => (c ?? "").toUpperCase())}`,
      parameters: [...parametersOf(route.params, "path"), ...parametersOf(route.query, "query")],
      responses: {
        [String(route.status)]: { description: "success", ...success },
        ...Object.fromEntries(otherSuccesses),
        ...Object.fromEntries(
          errorStatusesOf(route).map((status) => {
            const { description } = ERROR_ANSWERS[status];
            return [String(status), description === undefined ? error : { ...error, description }];
          }),
        ),
      },
      security: [{ bearer: [] }, {}],
    };
    if (route.body) {
      operation.requestBody = { required: route.bodyMayBeEmpty !== true, content: { "application/json": { schema: jsonSchemaOf(route.body, "input") } } };
    }
    (paths[`${prefix}${route.path}`] ??= {})[route.method] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Sextant",
      version,
      // OPTIONS and HEAD are said here, not as operations: the server answers them on every path (no
      // route of its table declares them), and with CORS on its preflight answers OPTIONS otherwise.
      description:
        "Ask for trials, report and tell results, and read studies of a Sextant storage. Generated from the server's request schemas. " +
        "Every path also answers OPTIONS (204, the methods it takes in the Allow header; with CORS on, a browser's preflight) and every GET path HEAD; " +
        "a path with a trailing slash is the same path.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "the server's --token (required when it has one)" } },
    },
    paths,
  };
}
