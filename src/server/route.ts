/**
 * One route of the HTTP API, declared once: its zod schemas validate requests and write the
 * OpenAPI document. Shared by the API's route table and the dashboard's.
 */
import type { z } from "zod";
import type { RouteDoc } from "./openapi.js";

/**
 * Machine-readable reasons an error answer may carry in `error.code` (the zod schema `ErrorCode`
 * in `./schemas.ts` documents each). Kept here, not derived from that schema: `HttpError` is public,
 * and its declaration importing the schemas made their generated types part of the package's
 * checked surface.
 */
export const ERROR_CODES = ["trial_budget_spent", "sampler_exhausted", "study_half_made", "fixed_param_out_of_range", "grid_value_out_of_range", "param_not_in_grid", "sampler_failed", "storage_error", "online_settings_conflict", "online_name_taken", "online_order", "online_stale_round", "online_tuner_too_new"] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Every status of an error answer: an {@link HttpError}'s, and those `startServer` writes itself for
 * a request it could not read (408, 431, 400). The OpenAPI document says when each is answered, and
 * must name each one (its table is keyed by this type).
 */
export const ERROR_STATUSES = [400, 401, 403, 404, 405, 408, 409, 413, 415, 431, 500, 503] as const;
export type ErrorStatus = (typeof ERROR_STATUSES)[number];

/**
 * An answer other than success, with the request field at fault when there is one (every 409 names
 * one: the path's study, trial or tuner whose state is at odds, or the body's field), and a
 * machine-readable `code` (see `ErrorCode` in `./schemas.ts`) where a client acts on this answer
 * apart from others of its status.
 *
 * @example
 * throw new HttpError(409, 'study "fleet" has used up its budget of 2 trial(s)', "path.study", "trial_budget_spent");
 */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: ErrorStatus,
    message: string,
    readonly field?: string,
    readonly code?: ErrorCode,
  ) {
    super(message);
  }
}

/**
 * A success answer with its status chosen by the handler: the route's `status` or one of its
 * `alsoAnswers`. A handler that returns a plain body answers with the route's `status`.
 *
 * @example
 * return new Answer(created ? 201 : 200, { study: studyJson(record, summarizeStudy(record, trials)) });
 */
export class Answer<T> {
  constructor(
    readonly status: number,
    readonly body: T,
  ) {}
}

export type Parsed<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface Route<P extends z.ZodObject | undefined, Q extends z.ZodObject | undefined, B extends z.ZodType | undefined> extends RouteDoc {
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** A missing body counts as `{}` (for routes whose every body field is optional). */
  readonly bodyMayBeEmpty?: boolean;
  /**
   * Body fields that hold JSON stored as sent (attributes). A number in them that JSON.parse cannot
   * keep (an integer past 2^53 that it rounds, a literal past the largest double that it makes
   * infinite) is a 400 at its place: it was stored changed without a word.
   */
  readonly exactNumbersIn?: readonly string[];
  handle(input: { params: Parsed<P>; query: Parsed<Q>; body: Parsed<B> }): Promise<unknown>;
}

// Keeps each route's handler typed by its own schemas while the table holds them all.
export function route<P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  spec: Route<P, Q, B>,
): Route<z.ZodObject | undefined, z.ZodObject | undefined, z.ZodType | undefined> {
  return spec as unknown as Route<z.ZodObject | undefined, z.ZodObject | undefined, z.ZodType | undefined>;
}

