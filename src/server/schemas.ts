/**
 * The HTTP API's request and response shapes, as zod schemas. Requests are validated with them
 * and the OpenAPI document is generated from them, so the two cannot drift apart.
 */
import { z } from "zod";
import { MAX_ONLINE_ARMS } from "../online/index.js";
import { MINUS_INFINITE_COST } from "../online/tuner.js";
import { INT_BOUNDS_RULE, MAX_PARAM_NAME_LENGTH, reservedParamName } from "../space/distributions.js";
import { MAX_CONSTRAINTS, MAX_OBJECTIVES, MAX_STUDY_NAME_LENGTH, studyNameProblem } from "../space/records.js";
import { ERROR_CODES, type ErrorCode as RouteErrorCode } from "./route.js";

/**
 * The name of a study or tuner that exists, as a URL path carries it (percent-encoded, a '/' as
 * %2F). Any stored name is looked up, since a study made before the rule for new names
 * ({@link NewStudyName}) may hold a tab or be longer than 200 characters: refused here, such a
 * study was listed by GET /studies and yet could not be opened, in the dashboard either. A name
 * that names nothing is a 404.
 */
export const StudyName = z.string().min(1);
/**
 * A name for a new study or online tuner (both are rows of the studies' table, reached by the same
 * URL paths): the library's rule ({@link studyNameProblem}), so the two agree.
 */
export const NewStudyName = z
  .string()
  .superRefine((name, context) => {
    const problem = studyNameProblem(name);
    if (problem !== null) context.addIssue({ code: "custom", message: problem });
  })
  // The rule in the OpenAPI document too (it said only "type": "string"); the check above words the 400.
  .meta({
    minLength: 1,
    maxLength: MAX_STUDY_NAME_LENGTH,
    description: `at most ${MAX_STUDY_NAME_LENGTH} characters, not blank, with no control characters (a tab, a newline) and no lone surrogate, and not "." or ".." (which a URL path cannot carry)`,
  });

export const Direction = z.enum(["minimize", "maximize"]);

/** A key that JSON.parse keeps as data but an object literal would take as its prototype. */
const notProto = (key: string) => key !== "__proto__";

const Key = z.string().min(1, "a key must not be empty").max(200).refine(notProto, "must not be __proto__");

const ParamName = z
  .string()
  .min(1, "a parameter name must not be empty")
  .max(MAX_PARAM_NAME_LENGTH)
  .superRefine((name, context) => {
    const reserved = reservedParamName(name);
    if (reserved !== null) context.addIssue({ code: "custom", message: reserved });
  });

const STEP_NARROWING =
  "The grid step above low. One that does not divide high − low narrows high to the last multiple of the step, as Optuna 3.1 does (the server logs a warning, and stores and answers the narrowed range); one larger than high − low is refused.";

const FloatDistribution = z.strictObject({
  type: z.literal("float"),
  low: z.number(),
  high: z.number(),
  log: z.boolean().optional(),
  step: z.number().positive().optional().describe(STEP_NARROWING),
});

/** zod's int is a safe integer: its own message ("Too big: expected int to be <=9007199254740991") said nothing of why. */
const IntBound = z.number().int({ error: (issue) => (issue.code === "too_big" || issue.code === "too_small" ? INT_BOUNDS_RULE : "an int bound must be an integer") });

const IntDistribution = z.strictObject({
  type: z.literal("int"),
  low: IntBound,
  high: IntBound,
  log: z.boolean().optional(),
  step: z.number().int().positive().optional().describe(STEP_NARROWING),
});

export const CategoricalChoice = z.union([z.string(), z.number(), z.boolean(), z.null()], { error: "a choice must be a string, a number, a boolean or null" });

const CategoricalDistribution = z.strictObject({
  type: z.literal("categorical"),
  choices: z.array(CategoricalChoice).min(1).max(10_000),
});

/** The same plain data as `Distribution` in `src/space`; `validateDistribution` then checks its meaning. */
export const Distribution = z.discriminatedUnion("type", [FloatDistribution, IntDistribution, CategoricalDistribution]);

export const SearchSpace = z.record(ParamName, Distribution);

/** How deeply an attribute's value may nest arrays and objects. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether a parsed JSON value nests arrays and objects at most `max` deep. Iterative, since the
 * value may be deeper than the stack: storing it walks it recursively, which a body of a few
 * thousand brackets (well under the size limit) would overflow into a 500.
 */
function nestsAtMost(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (item === null || typeof item !== "object") continue;
    if (depth >= max) return false;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return true;
}

/** Values of a request body came from `JSON.parse`, so any value is already JSON; only its depth is bounded. */
const JsonData = z.unknown().refine((value) => nestsAtMost(value, MAX_JSON_DEPTH), `must not nest arrays and objects more than ${MAX_JSON_DEPTH} deep`);

const Attributes = z
  .record(Key, JsonData)
  .describe(
    'JSON values by key; NaN and ±Infinity inside them as {"$sextant:number": "NaN"} ("Infinity", "-Infinity"), which JSON cannot hold as numbers; ' +
      'an object of its own with that one key is sent with one "$" more in front of it ({"$$sextant:number": ...}), both ways',
  );

// null only for options that take it (TPE's magicClipExponent); the sampler's own check names the rest.
const OptionValue = z.union([z.string(), z.number(), z.boolean(), z.null()], { error: "an option must be a string, a number, a boolean or null" });
// A request may also give an option that holds a JSON object (the patient pruner's wrappedOptions)
// as the object, as a config file may: the server takes its JSON text. Refused, a Python client's
// pruner_options={"wrapped_options": {...}} was a 400 that named only the scalar types.
const RequestOptionValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.record(z.string(), JsonData)], {
  error: "an option must be a string, a number, a boolean, null, or an object for an option that holds one (the patient pruner's wrappedOptions)",
});

const SamplerSpec = z.strictObject({
  name: z.string().min(1).max(100),
  options: z.record(Key, RequestOptionValue).optional(),
});

export const CreateStudyBody = z.strictObject({
  name: NewStudyName,
  direction: Direction.optional(),
  directions: z
    .array(Direction)
    .min(1)
    .max(MAX_OBJECTIVES, { error: `at most ${MAX_OBJECTIVES} objectives, as in the library and the CLI` })
    .optional(),
  sampler: SamplerSpec.optional().describe('by name, as the CLI takes it: {"name": "tpe", "options": {"seed": 1}} (default "auto")'),
  pruner: SamplerSpec.optional().describe('by name: {"name": "median", "options": {...}} (default "none")'),
  space: SearchSpace.optional().describe("the search space, for samplers that need it up front (grid)"),
  userAttrs: Attributes.optional(),
  loadIfExists: z.boolean().optional().describe("answer with the existing study instead of 409 if the name is taken (its settings are kept; a direction or directions given must be its own)"),
  warmStartFrom: z
    .array(StudyName)
    .max(100)
    .optional()
    .describe(
      "earlier single-objective studies on this server to learn from (auto, tpe and gp use their complete trials, which never count as this study's), as sextant create --warm-start; a name of no study is a 404",
    ),
});

export const AskBody = z.strictObject({
  space: SearchSpace.optional().describe("parameters to sample right away (define-and-run); leave out to suggest them one at a time"),
  heartbeat: z
    .boolean()
    .optional()
    .describe(
      "true: this client will beat for the trial (see /heartbeat), so its start counts as its first beat and a client killed before its first beat is reaped too; leave out for a client that never beats, whose trial is never reaped",
    ),
  heartbeatIntervalSeconds: z
    .number()
    .positive()
    .optional()
    .describe(
      "how often this client beats for the trial, in seconds (implies heartbeat: true; refused with heartbeat: false): recorded on the trial (systemAttrs.heartbeat.intervalSeconds), so that no reaper fails it before twice that silence; more than half the study's heartbeatGraceSeconds (GET /studies/{study}) is refused with 400",
    ),
});

export const SuggestBody = z.strictObject({
  name: ParamName,
  distribution: Distribution,
});

export const UserAttrBody = z.strictObject({
  key: Key,
  value: JsonData.refine((v) => v !== undefined, "required: any JSON value").describe('any JSON value; NaN and ±Infinity inside it as {"$sextant:number": "NaN"} ("Infinity", "-Infinity"), as in userAttrs; an integer beyond ±(2^53 − 1) that JSON numbers would round (12345678901234567890) is refused: send it as a string'),
});

/**
 * NaN and ±Infinity, which JSON cannot hold as numbers, by name: a diverged run's intermediate
 * values (JSON.stringify wrote them as null, and the Python client crashed reading any such trial).
 */
// Typed by hand: inferred, tsc's declaration output wrote the key "-Infinity" as [-Infinity], which
// is not valid TypeScript, in every schema that holds this one.
export const NonFiniteName: z.ZodEnum<{ NaN: "NaN"; Infinity: "Infinity"; "-Infinity": "-Infinity" }> = z.enum(["NaN", "Infinity", "-Infinity"]);
// Typed by hand, as NonFiniteName is: tsc's declaration output wrote the key "-Infinity" as [-Infinity].
const InfiniteName: z.ZodEnum<{ Infinity: "Infinity"; "-Infinity": "-Infinity" }> = z.enum(["Infinity", "-Infinity"]);
/** A number, or NaN and ±Infinity by {@link NonFiniteName}. */
// Without its own error, a union's refusal read only "Invalid input" (a report's value of null or "nan").
export const MaybeNonFinite = z.union([z.number(), NonFiniteName], { error: 'must be a finite number, or "NaN", "Infinity" or "-Infinity"' });

/** The number a {@link NonFiniteName} (or a number) stands for. */
export function numberOf(value: number | z.output<typeof NonFiniteName>): number {
  return typeof value === "number" ? value : value === "NaN" ? Number.NaN : value === "Infinity" ? Infinity : -Infinity;
}

/** A number for JSON: a non-finite one by its name. */
export function jsonNumber(value: number): number | z.output<typeof NonFiniteName> {
  return Number.isFinite(value) ? value : Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}

/** What a report's step is; zod's own "expected int, received number" said neither that nor what was sent. */
const STEP_RULE = "a whole number from 0 to 2^53 - 1: the step (an epoch, an iteration) the value was reached at, where pruners compare trials";

/** A report's step refused: missing, or what was sent instead (cut short, as a body may be a megabyte). */
function stepError(issue: { readonly input?: unknown }): string {
  if (issue.input === undefined) return `required: ${STEP_RULE}`;
  const shown = JSON.stringify(issue.input);
  return `must be ${STEP_RULE}; got ${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}`;
}

export const ReportBody = z.strictObject({
  step: z.number({ error: stepError }).int({ error: stepError }).min(0, { error: stepError }).max(Number.MAX_SAFE_INTEGER, { error: stepError }).describe(STEP_RULE),
  // null is what JavaScript's JSON.stringify writes for NaN and ±Infinity: a diverged run's report
  // sent that way reaches the pruner as NaN, as a `sextant: {"step": …, "value": null}` line does.
  value: MaybeNonFinite.nullable().describe(
    'a number, or "NaN", "Infinity" or "-Infinity" (a diverged run: the pruner judges it); null, which JSON.stringify writes for NaN and ±Infinity, is NaN',
  ),
});

/** The number a report's value stands for (see {@link ReportBody}). */
export function reportedNumber(value: z.output<typeof ReportBody>["value"]): number {
  return value === null ? Number.NaN : numberOf(value);
}

/**
 * What a told value or constraint that is not a number is refused with. The API writes NaN and
 * ±Infinity as "NaN", "Infinity" and "-Infinity", so a client may send them back; zod's own
 * "expected number, received string" did not say how to tell a run that gave no number.
 */
const FAILED_RUN_HINT = 'a run that gave none (NaN, an infinity) is told as {"state": "failed", "reason": "…"}';
const ToldValue = z.number({ error: `must be a finite number; ${FAILED_RUN_HINT}` });
const ToldConstraint = z.number({ error: `must be a finite number (feasible when <= 0); ${FAILED_RUN_HINT}` });
/** One value per objective: at least one, at most {@link MAX_OBJECTIVES}. */
function objectiveCount<T extends z.ZodArray<z.ZodType>>(values: T) {
  return values.min(1).max(MAX_OBJECTIVES, { error: `at most ${MAX_OBJECTIVES} values: a study has at most ${MAX_OBJECTIVES} objectives` });
}

/**
 * The objective values of a told trial; missing, the error names the field a single-value habit
 * sends instead. null (a run that printed no value, a client's None) read "expected array,
 * received null", with no word on what to send.
 */
const ToldValues = objectiveCount(
  z.array(ToldValue, {
    error: (issue) =>
      issue.input === undefined
        ? 'required: an array of one value per objective, e.g. "values": [0.93] (not "value")'
        : issue.input === null
          ? `required: an array of one value per objective, e.g. "values": [0.93], got null; ${FAILED_RUN_HINT}`
          : undefined,
  }),
);

/**
 * A pruned trial's told values, stored as its last reported value would be (the library's tell):
 * ±Infinity by name kept, NaN refused, as "no value" is said by leaving them out.
 */
const PrunedValues = objectiveCount(
  z.array(
    z.union([z.number(), InfiniteName], {
      error: 'must be a number, or "Infinity" or "-Infinity"; NaN is no value: leave "values" out and the trial keeps its last reported value unless that is NaN, as in Optuna',
    }),
  ),
);

/** Constraint values, feasible when every one is <= 0. */
const ToldConstraints = z.array(ToldConstraint).min(1).max(MAX_CONSTRAINTS, { error: `at most ${MAX_CONSTRAINTS} constraint values, as in the library and the CLI` }).nullable().optional();

export const TellBody = z.discriminatedUnion("state", [
  z.strictObject({
    state: z.literal("complete"),
    values: ToldValues,
    constraints: ToldConstraints.describe("constraint values, feasible when every one is <= 0; null or left out: none (in a study whose trials have them, a 400)"),
  }),
  z.strictObject({
    state: z.literal("pruned"),
    values: PrunedValues.nullable()
      .optional()
      .describe(
        'one value per objective, "Infinity" and "-Infinity" included; null or left out: none (with one objective, the trial keeps its last reported value unless that is NaN, as in Optuna)',
      ),
    // Optuna 3.1 evaluates constraints_func for pruned trials too, and its TPE ranks them by it.
    constraints: ToldConstraints.describe(
      "constraint values, feasible when every one is <= 0, as Optuna 3.1 records them for a pruned trial; null or left out: none (the trial ranks after every infeasible one)",
    ),
  }),
  z.strictObject({ state: z.literal("failed"), reason: z.string().max(10_000).optional() }),
]);

export const StudyPath = z.strictObject({ study: StudyName });

/** Trial numbers are small non-negative integers; anything else is not a trial. */
const TrialNumber = z.string().regex(/^\d{1,9}$/, "must be a trial number (a non-negative integer)");

export const TrialPath = z.strictObject({ study: StudyName, number: TrialNumber });
/** The trial a request about a trial number means (its `id` from the ask): refused with 409 if the study's trial of that number is another one. */
export const TrialQuery = z.strictObject({
  trialId: z
    .string()
    .regex(/^\d{1,15}$/, "must be a trial id (a non-negative integer)")
    .optional()
    .describe("the trial's id, from its ask: a 409 if the study's trial of this number is another one (the study was deleted and created again)"),
});

// 16 digits reach 2^53 − 1; a longer string of digits is past any max and said so.
const Count = (max: number) => z.string().regex(/^\d+$/, "must be a non-negative integer").refine((s) => s.length <= 16 && Number(s) <= max, `must be at most ${max}`);

export const TrialsQuery = z.strictObject({
  since: Count(Number.MAX_SAFE_INTEGER).optional().describe("only trials changed after this sequence number (the `seq` of an earlier answer)"),
  limit: Count(1000).refine((s) => Number(s) >= 1, "must be at least 1").optional().describe("at most this many trials (default 100, from 1 to 1000)"),
});

// ---- responses (documented; the route tests check real answers against them) ----

const TrialState = z.enum(["waiting", "running", "complete", "pruned", "failed"]);

export const TrialJson = z.strictObject({
  id: z.number().int(),
  number: z.number().int(),
  state: TrialState,
  params: z.record(z.string(), CategoricalChoice),
  distributions: z.record(z.string(), Distribution),
  values: z.array(MaybeNonFinite).nullable(),
  intermediate: z.record(z.string(), MaybeNonFinite),
  userAttrs: Attributes,
  systemAttrs: Attributes,
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  seq: z.number().int(),
});

const NamedSpec = z.strictObject({ name: z.string(), options: z.record(z.string(), OptionValue) });

export const StudyJson = z.strictObject({
  id: z.number().int(),
  name: z.string(),
  directions: z.array(Direction),
  userAttrs: Attributes,
  createdAt: z.number(),
  sampler: NamedSpec,
  pruner: NamedSpec,
  trialCounts: z.strictObject({
    waiting: z.number().int(),
    running: z.number().int(),
    complete: z.number().int(),
    pruned: z.number().int(),
    failed: z.number().int(),
  }),
  bestValue: MaybeNonFinite.nullable().describe("the best feasible value of a study of one objective (NaN and ±Infinity by name, as trials' values are); null without one"),
  halfMade: z
    .boolean()
    .describe(
      "true while `sextant create` is still making the study, or a `sextant copy`/`import` is writing it or was killed before its last trial: its budget or history is not all there, and asks are refused (409, study_half_made)",
    ),
  paretoFrontSize: z
    .number()
    .int()
    .optional()
    .describe("in GET /studies and GET /studies/{study}, for a study of several objectives with complete trials: how many feasible complete trials are on its Pareto front (it has no bestValue)"),
});

export const StudyListResponse = z.strictObject({ studies: z.array(StudyJson) });
export const StudyResponse = z.strictObject({ study: StudyJson });
/** A setting of a create with `loadIfExists` that the study found keeps its own of, named as an error names its field. */
export const SettingKeptWarning = z.strictObject({
  field: z.string().describe("the request's field whose value was ignored: body.sampler, body.pruner, body.space, body.warmStartFrom or body.userAttrs.KEY"),
  message: z.string(),
});
export const CreateStudyResponse = z.strictObject({
  study: StudyJson,
  warnings: z
    .array(SettingKeptWarning)
    .describe(
      "with loadIfExists, each setting the request gives that the study found was created with otherwise (its sampler or pruner, options included, its search space, warm-start sources, or a user attribute): the study keeps its own, and the request's is ignored; empty when nothing differs, and for a study created",
    ),
});
/** The study's recommended trial (`Study.recommendation`): a model's best posterior mean, or the best observed trial. */
export const RecommendedTrialJson = z.strictObject({
  trial: TrialJson,
  source: z.enum(["model", "best observed"]).describe("model: the best posterior mean at the last model fit; best observed: no model has recommended one, or the model fitted too little noise to second-guess an observation (noiseIsMaterial)"),
  posteriorMean: z.number().nullable().describe("the model's mean of the noise-free objective there (null without a model)"),
  posteriorSd: z.number().nullable().describe("the model's standard deviation there (null without a model)"),
  units: z.enum(["objective", "model"]).nullable().describe("objective: in the objective's units; model: in the model's warped, standardized units"),
  modelTrials: z.number().int().nullable().describe("the evaluated trials the model was fitted on"),
});
export const StudyDetailResponse = z.strictObject({
  study: StudyJson,
  bestTrial: TrialJson.nullable(),
  recommendedTrial: RecommendedTrialJson.nullable(),
  heartbeatGraceSeconds: z
    .number()
    .describe(
      "how long a trial of this study whose client beats may stay silent before it is failed: the shorter of this server's grace (GET /health) and the one `sextant worker` processes on the study reap by (`sextant create --heartbeat-grace`); a client beats at least twice as often",
    ),
});
export const DeletedResponse = z.strictObject({ deleted: z.literal(true) });
export const TrialResponse = z.strictObject({ trial: TrialJson });
export const TrialPageResponse = z.strictObject({
  trials: z.array(TrialJson).describe("changed trials, oldest change first"),
  seq: z.number().int().describe("pass as `since` to read what changed after this page"),
  more: z.boolean().describe("whether more changes are waiting beyond `limit`"),
  studyId: z.number().int().describe("the study's id: another one than a reader saw before means the study was deleted and created again under its name (start over from since=0)"),
});
export const SuggestResponse = z.strictObject({ value: CategoricalChoice });
export const UserAttrsResponse = z.strictObject({ userAttrs: Attributes });
export const HeartbeatResponse = z.strictObject({
  recorded: z.boolean().describe("whether the beat was stored"),
});
export const ReportResponse = z.strictObject({
  shouldPrune: z.boolean(),
  ignored: z.boolean().describe("true when the step already had another value, which stands: a step keeps its first value (as in Optuna)"),
});
export const OpenApiResponse = z.looseObject({ openapi: z.string(), info: z.record(z.string(), z.unknown()), paths: z.record(z.string(), z.unknown()) });
export const ApiIndexResponse = z.strictObject({
  apiVersion: z.string().describe("the version of this API, the last part of its prefix (v1 for /api/v1)"),
  version: z.string().describe("the server's Sextant version, as GET /health gives it"),
  openapi: z.string().describe("the path of the OpenAPI document, which describes each route's request and answers"),
  endpoints: z
    .array(z.strictObject({ method: z.string(), path: z.string().describe("a path template: {study}, {number} and {tuner} stand for a study's name (percent-encoded), a trial's number and a tuner's name") }))
    .describe("every route of the API, as the server's route table declares it (a GET route answers HEAD too, and every path OPTIONS)"),
});
export const HealthResponse = z.strictObject({
  status: z.literal("ok"),
  version: z.string(),
  heartbeatGraceSeconds: z
    .number()
    .describe("how long a trial whose client beats may stay silent before it is failed; a client beats at least twice as often (the Python client refuses a longer heartbeat_interval)"),
});
/**
 * Machine-readable reasons an error answer may carry in `error.code`, for clients that act on
 * one apart from others of its status (the message is for people and may change).
 *
 * @example
 * if (answer.status === 409 && answer.body.error.code === "trial_budget_spent") stopAsking();
 */
export const ErrorCode = z
  .enum(ERROR_CODES)
  .describe(
    "why, for a client to act on: trial_budget_spent (409 from POST /studies/{study}/trials) means the study made by `sextant create --trials N` has handed out all N trials; " +
      "sampler_exhausted (409) means the study's sampler has nothing left to propose (a grid whose every point was taken); an optimize loop stops at either; " +
      "study_half_made (409) means a `sextant create` is still making the study (queuing its trials), or a `sextant copy`/`import` is still writing it: ask again once it has finished; " +
      "fixed_param_out_of_range (409 from a suggest, or an ask with a space) means the trial was enqueued at a value outside the distribution asked for (a retry's kept value is sampled anew instead): the server has failed that trial with this message as its reason, so go on with the next; " +
      "grid_value_out_of_range (409 from a suggest, or an ask with a space) means the study's grid sampler has a value for that parameter outside the distribution asked for, and " +
      "param_not_in_grid (409, likewise) that its grid has no values for that parameter: the study's grid and the client's space disagree, so no trial can run until one of them changes (the server has failed the trial of that ask or suggest); " +
      "sampler_failed (500 from a suggest or an ask) means the study's sampler threw, or proposed a value outside the distribution asked for: the server has failed that trial with the sampler's message as its reason (so do not tell it), and logged the error; " +
      "storage_error (503, any route) means the server's storage failed the request: PostgreSQL unreachable past the server's retries, a read-only replica, a full disk, a failing disk or damaged data (the message names the storage, its password hidden, and what to fix there); what was stored before is intact, and asking again helps once the storage is fixed (a 503 without a code means the storage stayed locked: retry soon); " +
      "online_settings_conflict (409 from POST /online) means the name is taken by a tuner with other settings (the message names each): use the stored tuner as it is, or create one under another name; " +
      "online_name_taken (409 from POST /online, field body.name, or from any /online/{tuner} route, field path.tuner) means the name is a study's, not an online tuner's: use another name; " +
      "online_order (409 from POST /online/{tuner}/observe, field path.tuner) means no choice is waiting for its cost, and (409 from POST /online/{tuner}/choose, field body.context) that a choice made for another context is waiting for its cost: observe that first; " +
      "online_stale_round (409 from POST /online/{tuner}/observe, field body.round) means the choice of that round was observed already, by this caller or another sharing the tuner: the cost is not counted, so choose again for the next instance; " +
      "online_tuner_too_new (409 from any /online/{tuner} route, field path.tuner) means a newer Sextant saved the tuner with settings or state this version does not know: upgrade the server to use it",
  );
export type ErrorCode = RouteErrorCode;

export const ErrorResponse = z.strictObject({
  error: z.strictObject({
    status: z.number().int(),
    message: z.string(),
    field: z.string().optional().describe("the request field at fault, e.g. body.space.lr.low"),
    code: ErrorCode.optional(),
  }),
});

// --- Online tuners (`/online/...`): one parameter chosen per instance of a sequence ---

export const TunerPath = z.strictObject({ tuner: StudyName });

const TunerParameter = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  low: z.number(),
  high: z.number(),
  log: z.boolean().optional(),
  arms: z.number().int().min(2).max(MAX_ONLINE_ARMS).optional(),
});
const TunerContext = z.strictObject({
  low: z.array(z.number()).min(1).max(64),
  high: z.array(z.number()).min(1).max(64),
  degree: z.number().int().min(1).max(16).optional(),
});

export const CreateTunerBody = z.strictObject({
  // A rule of its own let ".." and blank names through: created (201), and no route could reach them.
  name: NewStudyName,
  parameter: TunerParameter,
  algorithm: z.enum(["tsallis-inf", "exp3", "chebcb"]).optional(),
  seed: z.number().int().optional(),
  costScale: z.number().positive().optional(),
  learningRate: z.number().positive().optional(),
  exploration: z.number().positive().optional(),
  context: TunerContext.optional(),
});

export const ChooseBody = z.strictObject({
  context: z.array(z.number()).min(1).max(64).optional().describe("the instance's features (contextual tuners)"),
});

/**
 * A cost, or Infinity by name as the API spells it elsewhere: a solver that diverged reports
 * Infinity, which the library counts as the worst cost, and JSON cannot hold as a number (it was
 * refused here). NaN and "-Infinity" are no costs: the library refuses them too, and so is a number
 * such as -1e999 that JSON.parse overflows to minus infinity.
 */
const ObservedCost = z.union([z.number(), z.literal("Infinity")], {
  error: (issue) =>
    issue.input === "-Infinity"
      ? `"-Infinity" is refused: ${MINUS_INFINITE_COST}`
      : issue.input === -Infinity
        ? `-Infinity is refused: ${MINUS_INFINITE_COST}`
        : 'must be a number, or "Infinity" (a diverged solve: the worst cost); NaN is no cost',
});

export const ObserveBody = z.strictObject({
  cost: ObservedCost.describe('the cost of the instance solved with the chosen value (lower is better); "Infinity" (a diverged solve) counts as the worst, as one above costScale does'),
  round: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("the round /choose answered with the value: a 409 instead of counting the cost if another client sharing the tuner observed that choice already"),
});

export const TunerResponse = z.strictObject({
  tuner: z.strictObject({
    name: z.string().nullable(),
    algorithm: z.string(),
    // The settings by the create body's names, defaults filled in: sent back to POST /online (with
    // the name), they resume this tuner.
    parameter: TunerParameter.required().describe("the parameter's range and grid, defaults filled in"),
    context: TunerContext.required().optional().describe("the features' ranges and Chebyshev degree (chebcb only)"),
    seed: z.number().int().describe("the seed of every draw (drawn at random when the create gave none)"),
    costScale: z.number(),
    learningRate: z.number().optional().describe("tsallis-inf and exp3 only"),
    exploration: z.number().optional().describe("chebcb only"),
    rounds: z.number().int(),
    values: z.array(z.number()),
    probabilities: z.array(z.number()),
    pending: z.number().nullable(),
  }),
});
export const ChooseResponse = z.strictObject({
  value: z.number(),
  round: z.number().int().describe("the choice's round (costs observed before it): give it to /observe so that a cost is counted only for this choice"),
});
export const ObserveResponse = z.strictObject({
  rounds: z.number().int(),
  clipped: z.boolean().describe("the cost was outside [0, costScale] and counted as the best (0, a negative cost) or the worst (1, one above costScale): costs that all are learn nothing"),
});
