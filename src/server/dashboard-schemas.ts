/**
 * Request and response shapes of the dashboard's read routes. Every route that shows trials takes
 * the same filter (states, value range, brushed parameter ranges), so the table and every plot
 * agree on which trials they show; each answer says how many trials matched and how many it shows.
 */
import { z } from "zod";
import { CategoricalChoice, Distribution, MaybeNonFinite, RecommendedTrialJson, StudyJson, TrialJson } from "./schemas.js";

const TrialState = z.enum(["waiting", "running", "complete", "pruned", "failed"]);

const Integer = (max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, "must be a non-negative integer")
    .refine((s) => Number(s) <= max, `must be at most ${max}`);

const FiniteNumber = z
  .string()
  .regex(/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i, "must be a finite number")
  // 1e999 fits the pattern and reads as Infinity: it filtered as one, where the description promises a finite number.
  .refine((s) => Number.isFinite(Number(s)), "must be a finite number (this one is beyond the largest double)")
  .describe("a finite number");

/** The filter every trial-showing route takes. */
export const filterShape = {
  state: z
    .string()
    .regex(/^(waiting|running|complete|pruned|failed)(,(waiting|running|complete|pruned|failed))*$/, "must be a comma-separated list of waiting, running, complete, pruned, failed")
    .optional()
    .describe("only trials in these states, e.g. complete,pruned"),
  objective: Integer(15).optional().describe("which objective values refer to (default 0)"),
  valueMin: FiniteNumber.optional().describe("only trials whose value is at least this"),
  valueMax: FiniteNumber.optional().describe("only trials whose value is at most this"),
  ranges: z
    .string()
    .max(20_000)
    .optional()
    .describe('brushed parameter ranges as JSON, e.g. {"lr":[0.001,0.01]} (a categorical parameter\'s range is over its choice indices)'),
};

export const FilterQuery = z.strictObject(filterShape);

export const StudyListQuery = z.strictObject({
  search: z.string().max(200).optional().describe("only studies whose name contains this (case-insensitive)"),
});

export const TableQuery = z.strictObject({
  ...filterShape,
  sort: z
    .string()
    .regex(/^(number|state|value(:\d{1,2})?|duration|param:[\s\S]+)$/, "must be number, state, value, value:K (objective K), duration or param:NAME")
    .optional()
    .describe("column to sort by (default number): value is the objective of the filter's `objective`, value:K objective K whatever the filter"),
  order: z.enum(["asc", "desc"]).optional(),
  offset: Integer(1_000_000_000).optional().describe("index of the first row (default 0)"),
  limit: Integer(500).optional().describe("rows to answer (default 50, at most 500)"),
});

export const PointsQuery = z.strictObject({
  ...filterShape,
  maxPoints: Integer(20_000)
    .optional()
    .describe("at most this many points (default 2000), besides the best-so-far steps, which are always kept: when trials are dropped, half of them a random sample of the matched trials and half the history's outline"),
});

export const ContourQuery = z.strictObject({
  ...filterShape,
  x: z.string().min(1).max(200).describe("parameter on the horizontal axis"),
  y: z.string().min(1).max(200).describe("parameter on the vertical axis"),
  bins: Integer(100)
    .refine((s) => Number(s) >= 1, "must be at least 1")
    .optional()
    .describe("cells per axis (default 24)"),
});

export const CurvesQuery = z.strictObject({
  ...filterShape,
  maxCurves: Integer(500).optional().describe("at most this many learning curves (default 60: the best and the latest)"),
});

export const ParamInfo = z.strictObject({ name: z.string(), distribution: Distribution });

const Counts = z.strictObject({ waiting: z.number().int(), running: z.number().int(), complete: z.number().int(), pruned: z.number().int(), failed: z.number().int() });

export const SummaryResponse = z.strictObject({
  study: StudyJson,
  bestTrial: TrialJson.nullable().describe("the best feasible complete trial (single objective)"),
  recommendedTrial: RecommendedTrialJson.nullable().describe("the study's recommended trial, as in GET /studies/{study}"),
  seq: z.number().int().describe("pass as `since` to /trials to read only what changes next"),
  trialCount: z.number().int(),
  params: z.array(ParamInfo),
  autoChoice: z.strictObject({ sampler: z.string(), reason: z.string() }).nullable().describe("what the auto sampler last chose, and why"),
  hasIntermediate: z.boolean(),
  workers: z.number().int(),
  counts: Counts,
});

export const TableRow = z.strictObject({
  number: z.number().int(),
  state: TrialState,
  values: z.array(MaybeNonFinite).nullable().describe('NaN and ±Infinity (a pruned trial\'s diverged last value) as "NaN", "Infinity", "-Infinity"'),
  params: z.record(z.string(), CategoricalChoice),
  durationMs: z.number().nullable(),
  constraints: z.array(z.number()).nullable().describe("the trial's constraint values (feasible when every one is <= 0), null without any"),
  feasible: z
    .boolean()
    .nullable()
    .describe("for a complete trial: whether it is feasible (in a constrained study, one without constraint values is not); null for other states"),
});

export const TableResponse = z.strictObject({
  rows: z.array(TableRow),
  offset: z.number().int(),
  matched: z.number().int().describe("trials that pass the filter"),
  total: z.number().int().describe("trials in the study"),
});

const Shown = {
  matched: z.number().int().describe("trials that pass the filter"),
  shown: z.number().int().describe("how many of them this answer carries"),
  total: z.number().int().describe("trials in the study"),
};

export const PointsResponse = z.strictObject({
  ...Shown,
  numbers: z.array(z.number().int()),
  states: z.array(TrialState),
  values: z.array(z.number().nullable()).describe("the objective's value of each point"),
  params: z.record(z.string(), z.array(CategoricalChoice.optional().nullable())).describe("each parameter's value per point; null where a trial lacks it"),
  best: z.array(z.strictObject({ number: z.number().int(), value: z.number() })).describe("the best-so-far steps over every matched feasible trial"),
  constrained: z.boolean().describe("whether a complete trial of the study reports constraint values: then a trial without them, or violating one, never counts as the best"),
  feasible: z
    .array(z.boolean().nullable())
    .describe("per point, whether a complete trial satisfies its constraints (the study's rule, as for `best`); null for a trial that is not complete"),
  sample: z
    .array(z.boolean())
    .describe(
      "per point, whether it is one of a random sample of the matched trials (the same trials for the same study), which shows where trials lie as all of them would: the slice and parallel coordinates draw these; every point when none was dropped. The others outline the history: each stretch of trials' lowest and highest value, and the best-so-far steps",
    ),
});

export const ContourResponse = z.strictObject({
  matched: z.number().int(),
  x: z.strictObject({ name: z.string(), labels: z.array(z.string()) }),
  y: z.strictObject({ name: z.string(), labels: z.array(z.string()) }),
  cells: z.array(z.tuple([z.number().int(), z.number().int(), z.number(), z.number().int()])).describe("[xBin, yBin, mean value, count] of non-empty cells"),
});

export const CurvesResponse = z.strictObject({
  ...Shown,
  curves: z.array(
    z.strictObject({
      number: z.number().int(),
      state: TrialState,
      steps: z.array(z.number()),
      values: z.array(MaybeNonFinite).describe('each step\'s intermediate value; a diverged run\'s as "NaN", "Infinity" or "-Infinity", as trials send them'),
    }),
  ),
});

export const ParetoResponse = z.strictObject({
  ...Shown,
  objectives: z.array(z.number().int()),
  front: z.array(z.strictObject({ number: z.number().int(), values: z.array(z.number()) })),
  others: z.array(z.strictObject({ number: z.number().int(), values: z.array(z.number()) })).describe("feasible trials the front dominates (a sample)"),
  infeasible: z.array(z.strictObject({ number: z.number().int(), values: z.array(z.number()) })).describe("infeasible trials and trials of unknown feasibility, never on the front however good their values (a sample)"),
});

export const TimelineResponse = z.strictObject({
  ...Shown,
  workers: z.array(z.string()),
  bars: z.array(z.strictObject({ number: z.number().int(), worker: z.number().int(), start: z.number(), end: z.number(), state: TrialState })),
});

export const ImportanceQuery = z.strictObject({
  ...filterShape,
  method: z.enum(["fanova", "ped-anova"]).optional().describe("fanova (random forest; the default up to 2,000 complete trials) or ped-anova (fast on large studies; the default above)"),
});

export const ImportanceResponse = z.strictObject({
  method: z.enum(["fanova", "ped-anova"]),
  nTrials: z.number().int(),
  params: z.array(z.strictObject({ name: z.string(), importance: z.number(), correlation: z.number().describe("Spearman correlation with the objective: the sign of the effect") })),
  unavailable: z.string().optional().describe("why there is no answer (e.g. too few complete trials match); params is then empty"),
});

export const BeliefsQuery = z.strictObject({
  objective: filterShape.objective,
  x: z.string().min(1).max(200).describe("the parameter to show the model along"),
  y: z.string().min(1).max(200).optional().describe("a second parameter, for a grid"),
  // Fewer than 2 was answered 200 with the model's own refusal as `unavailable`.
  points: Integer(200)
    .refine((s) => Number(s) >= 2, "must be at least 2")
    .optional()
    .describe("points along each axis (default 40)"),
});

export const BeliefsResponse = z.strictObject({
  kind: z.enum(["slice", "grid"]),
  params: z.array(z.string()),
  x: z.array(CategoricalChoice),
  y: z.array(CategoricalChoice).nullable(),
  mean: z.array(z.number()).describe("posterior mean; a grid's row j (y[j]) follows row j-1"),
  std: z.array(z.number()).describe("posterior standard deviation, laid out as mean"),
  through: z.record(z.string(), CategoricalChoice).describe("the point the other parameters are held at (the best trial)"),
  nTrials: z.number().int(),
  unavailable: z.string().optional().describe("why the model could not be fitted (e.g. too few complete trials); the arrays are then empty"),
});

export const EcdfResponse = z.strictObject({
  ...Shown,
  trials: z.number().int().describe("matched complete trials with a value, which the fractions are of"),
  values: z.array(z.number()).describe("the steps' values, increasing"),
  fractions: z.array(z.number()).describe("fraction of those trials whose value is at most the step's value"),
});

export const HypervolumeResponse = z.strictObject({
  ...Shown,
  changes: z
    .number()
    .int()
    .describe("the points that draw the step line whole: each trial that changed the hypervolume, the first and the last; `shown` is fewer only when they exceed maxPoints"),
  reference: z.array(z.number()).describe("the reference point, in the objectives' own units"),
  numbers: z.array(z.number().int()).describe("trial numbers of the points shown (every change of the hypervolume, and the last trial)"),
  hypervolumes: z.array(z.number()),
  estimate: z
    .strictObject({ samples: z.number().int().describe("uniform samples of the box between the best values and the reference point") })
    .nullable()
    .describe("null when the hypervolumes are exact; else they are seeded Monte Carlo estimates (too many objectives and trials for the exact value to be cheap)"),
  unavailable: z.string().optional().describe("why there is no history (a single-objective study, or a hypervolume beyond the largest number); the arrays are then empty"),
});

const LineageSegment = z.strictObject({
  trial: z.number().int(),
  segment: z.number().int(),
  state: TrialState,
  value: z.number().nullable(),
  parent: z.number().int().nullable(),
  parentMember: z.number().int().nullable(),
  exploitedFrom: z.number().int().nullable(),
  checkpoint: z.string().nullable(),
  saved: z.string().nullable(),
  undecided: z.boolean().describe("queued, its exploit/explore decision still to come: parent and parameters may change when a worker claims it"),
});

export const LineageResponse = z.strictObject({
  trial: z.number().int(),
  lineage: z
    .strictObject({
      member: z.number().int(),
      segment: LineageSegment.describe("this trial's own segment"),
      chain: z.array(LineageSegment).describe("the member's segments in order"),
    })
    .nullable()
    .describe("null when the trial is not a segment of a population (PBT) study"),
});
