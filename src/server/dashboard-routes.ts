/**
 * The dashboard's read routes: a study's summary, its trial table (sorted, filtered, paged) and
 * the data of each plot, all under one filter and all computed on the server over every trial,
 * with only what is shown sent. They read the in-memory {@link StudyIndex}, which follows the
 * storage incrementally, so a 100,000-trial study is read from storage once.
 */
import type { z } from "zod";
import {
  BeliefError,
  ImportanceError,
  type ImportanceMethod,
  bestSoFar as bestSoFarHistory,
  hypervolumeHistory,
  importance,
  modelBeliefs,
  paretoFrontIndices,
  readableConstraints,
  toLosses,
  trialsPerWorker,
  valueEcdf,
} from "../analysis/index.js";
import type { Recommendation } from "../samplers/index.js";
import { populationLineage } from "../schedulers/lineage.js";
import { type FrozenTrial, type TrialState, effectiveStep } from "../space/index.js";
import type { Storage, StudyRecord, StudySummary } from "../storage/index.js";
import * as ui from "./dashboard-schemas.js";
import { HttpError, type Route, route } from "./route.js";
import * as api from "./schemas.js";
import { type SortKey, type StudyIndex, StudyIndexCache, type TrialFilter, envelopeSample, evenlySpaced, stableSample } from "./study-index.js";
import { refuseTuner } from "./study-path.js";

type AnyRoute = Route<z.ZodObject | undefined, z.ZodObject | undefined, z.ZodType | undefined>;

export interface DashboardRouteDeps {
  readonly storage: Storage;
  readonly studyJson: (record: StudyRecord, summary: Pick<StudySummary, "trialCounts" | "bestValue">) => z.output<typeof api.StudyJson>;
  readonly trialJson: (trial: FrozenTrial) => z.output<typeof api.TrialJson>;
  readonly recommendationJson: (recommendation: Recommendation | undefined) => z.output<typeof api.RecommendedTrialJson> | null;
  /**
   * The in-memory trials the API's GET …/trials pages through, shared so that a study both are
   * asked about is read from storage and held once (a second copy cost a 100,000-trial study
   * another full read and its memory). Default: a cache of the routes' own.
   */
  readonly indexes?: StudyIndexCache;
}

/** Reads the shared filter from a route's query, naming the field at fault. */
export function filterOf(query: z.output<typeof ui.FilterQuery>, paramNames?: ReadonlySet<string>): TrialFilter {
  let ranges: Record<string, [number, number]> | undefined;
  if (query.ranges !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(query.ranges);
    } catch {
      throw new HttpError(400, 'query.ranges: not valid JSON (expected e.g. {"lr":[0.001,0.01]})', "query.ranges");
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new HttpError(400, "query.ranges: must be a JSON object of [low, high] pairs", "query.ranges");
    ranges = {};
    for (const [name, pair] of Object.entries(parsed)) {
      const field = `query.ranges.${name}`;
      if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => typeof v === "number" && Number.isFinite(v))) {
        throw new HttpError(400, `${field}: must be [low, high] with finite numbers`, field);
      }
      if (pair[0] > pair[1]) throw new HttpError(400, `${field}: low ${pair[0]} is above high ${pair[1]}`, field);
      if (paramNames && !paramNames.has(name)) throw new HttpError(400, `${field}: the study has no parameter "${name}"`, field);
      ranges[name] = [pair[0], pair[1]];
    }
  }
  const valueMin = query.valueMin !== undefined ? Number(query.valueMin) : undefined;
  const valueMax = query.valueMax !== undefined ? Number(query.valueMax) : undefined;
  if (valueMin !== undefined && valueMax !== undefined && valueMin > valueMax) {
    throw new HttpError(400, `query.valueMin: ${valueMin} is above valueMax ${valueMax}`, "query.valueMin");
  }
  return {
    ...(query.state !== undefined ? { states: query.state.split(",") as TrialState[] } : {}),
    ...(query.objective !== undefined ? { objective: Number(query.objective) } : {}),
    ...(valueMin !== undefined ? { valueMin } : {}),
    ...(valueMax !== undefined ? { valueMax } : {}),
    ...(ranges ? { ranges } : {}),
  };
}

function durationOf(trial: FrozenTrial): number | null {
  return trial.startedAt !== null && trial.finishedAt !== null ? trial.finishedAt - trial.startedAt : null;
}

function valueOf(trial: FrozenTrial, objective: number): number | undefined {
  const value = trial.values?.[objective];
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/**
 * The best-so-far steps over the matched trials: each feasible complete trial that improved on
 * every earlier one. Feasibility is judged by the whole study (a matched trial without constraint
 * values is of unknown feasibility when any trial of the study has them), as `Study.bestTrial` does.
 */
function bestSoFar(index: StudyIndex, numbers: readonly number[], objective: number, feasible: (trial: FrozenTrial) => boolean): { number: number; value: number }[] {
  const history = bestSoFarHistory(
    numbers.map((n) => index.trials[n]!),
    { direction: index.directions[objective] ?? "minimize", objectiveIndex: objective, feasible },
  );
  const steps: { number: number; value: number }[] = [];
  for (const point of history) {
    if (point.best !== null && point.best !== steps.at(-1)?.value) steps.push({ number: point.number, value: point.best });
  }
  return steps;
}

/**
 * What the table sorts by, as the index sorts: `value:K` is objective K's value, whatever objective
 * the filter's value range refers to (so each objective's column sorts without moving the filter);
 * plain `value` is the filter's objective.
 */
function tableSort(sort: string | undefined, objective: number, objectives: number, params: ReadonlyMap<string, unknown>): { key: SortKey; objective: number } {
  const param = /^param:(.*)$/s.exec(sort ?? "");
  if (param && !params.has(param[1]!)) {
    // Sorted by trial number without a word before, where an unknown brushed range is a 400.
    throw new HttpError(400, `query.sort: the study has no parameter named ${JSON.stringify(param[1])}`, "query.sort");
  }
  const match = /^value:(\d+)$/.exec(sort ?? "");
  if (!match) return { key: (sort ?? "number") as SortKey, objective };
  const k = Number(match[1]);
  if (k >= objectives) throw new HttpError(400, `query.sort: the study has ${objectives} objective(s), got ${sort}`, "query.sort");
  return { key: "value", objective: k };
}

/** A worker's label on the timeline: host and pid when recorded, else its id. */
function workerLabel(worker: { worker: string; host: string | null; pid: number | null }): string {
  return worker.host !== null ? `${worker.host}:${worker.pid ?? "?"}` : worker.worker;
}

/**
 * The dashboard's routes, for the API's route table. Their `indexes` hold only studies someone
 * looks at (or pages through, when shared with GET …/trials).
 */
export function dashboardRoutes(deps: DashboardRouteDeps): AnyRoute[] {
  const { storage } = deps;
  const indexes = deps.indexes ?? new StudyIndexCache(storage);

  async function open(name: string): Promise<StudyIndex> {
    const record = await storage.getStudy(name);
    if (!record) throw new HttpError(404, `no study named "${name}"`, "path.study");
    // A tuner's row made up an empty study (sampler "unknown") where GET /studies/{study} answers 409.
    refuseTuner(record);
    return indexes.get(record);
  }

  /** The study's index and the query's filter, checked against the study. */
  async function openFilter(name: string, query: z.output<typeof ui.FilterQuery>): Promise<{ index: StudyIndex; filter: TrialFilter; objective: number }> {
    const index = await open(name);
    const filter = filterOf(query, new Set(index.distributions.keys()));
    const objective = filter.objective ?? 0;
    if (objective >= index.directions.length) {
      throw new HttpError(400, `query.objective: the study has ${index.directions.length} objective(s), got index ${objective}`, "query.objective");
    }
    return { index, filter, objective };
  }

  async function openFiltered(name: string, query: z.output<typeof ui.FilterQuery>): Promise<{ index: StudyIndex; filter: TrialFilter; matched: number[]; objective: number }> {
    const opened = await openFilter(name, query);
    return { ...opened, matched: opened.index.match(opened.filter) };
  }

  const filterQuery = (query: z.output<typeof ui.FilterQuery>) => ({
    state: query.state,
    objective: query.objective,
    valueMin: query.valueMin,
    valueMax: query.valueMax,
    ranges: query.ranges,
  });

  return [
    route({
      method: "get",
      path: "/studies/{study}/summary",
      summary: "Dashboard: a study's summary, best trial, counts by state, parameters, and why auto chose its sampler",
      params: api.StudyPath,
      status: 200,
      response: ui.SummaryResponse,
      handle: async ({ params }) => {
        const index = await open(params.study);
        const record = (await storage.getStudy(params.study)) ?? index.record;
        // Kept up to date change by change: recomputed from every trial, it cost ~100 ms per change at 100,000 trials.
        const figures = index.summary.figures();
        const sampler = record.systemAttrs["auto:sampler"];
        const reason = record.systemAttrs["auto:reason"];
        return {
          // The listing's counts and best value: as the study's trials would give them.
          study: deps.studyJson(record, { trialCounts: figures.counts, bestValue: figures.bestValue }),
          // The same best and recommended trials as the API's study detail and `sextant best`: feasible ones only.
          bestTrial: figures.best ? deps.trialJson(figures.best) : null,
          recommendedTrial: deps.recommendationJson(figures.recommendation),
          seq: index.seq,
          trialCount: index.size,
          params: [...index.distributions].map(([name, distribution]) => ({ name, distribution })),
          autoChoice: typeof sampler === "string" && typeof reason === "string" ? { sampler, reason } : null,
          hasIntermediate: figures.hasIntermediate,
          workers: figures.workers,
          counts: { ...figures.counts },
        };
      },
    }),
    route({
      method: "get",
      path: "/studies/{study}/table",
      summary: "Dashboard: one page of the trial table, filtered and sorted on the server, with how many trials match",
      params: api.StudyPath,
      query: ui.TableQuery,
      status: 200,
      response: ui.TableResponse,
      handle: async ({ params, query }) => {
        const { index, filter, objective } = await openFilter(params.study, query);
        const sort = tableSort(query.sort, objective, index.directions.length, index.distributions);
        // Kept until the study changes: the page reads the table again after every change it sees.
        const order = index.sortedMatches(filter, JSON.stringify(filterQuery(query)), sort.key, query.order === "desc", sort.objective);
        const offset = Number(query.offset ?? 0);
        const limit = Number(query.limit ?? 50);
        // As sextant trials marks them: the table said nothing of constraints, and an infeasible
        // trial with the best value read as the best. Whether the study is constrained is kept
        // change by change; asking every trial cost a scan of them per read.
        const feasible = index.feasibility();
        const rows = order.slice(offset, offset + limit).map((n) => {
          const trial = index.trials[n]!;
          // Malformed constraint values (not a list of numbers) show as none.
          const constraints = readableConstraints(trial);
          return {
            number: trial.number,
            state: trial.state,
            values: trial.values ? trial.values.map(api.jsonNumber) : null,
            params: { ...trial.params },
            durationMs: durationOf(trial),
            constraints: constraints ? [...constraints] : null,
            feasible: trial.state === "complete" ? feasible(trial) : null,
          };
        });
        return { rows, offset, matched: order.length, total: index.size };
      },
    }),
    route({
      method: "get",
      path: "/studies/{study}/points",
      summary: "Dashboard: trials as columns for the history, slice and parallel-coordinates plots, downsampled to maxPoints",
      params: api.StudyPath,
      query: ui.PointsQuery,
      status: 200,
      response: ui.PointsResponse,
      handle: async ({ params, query }) => {
        const { index, matched, objective } = await openFiltered(params.study, query);
        const constrained = index.summary.isConstrained;
        const isFeasible = index.feasibility();
        const best = bestSoFar(index, matched, objective, isFeasible);
        const keep = new Set(best.map((b) => b.number));
        // The lowest and highest values alone made the slice and the parallel coordinates lie at
        // 100,000 trials: two bands, at the best and worst values, and nothing between. Half the
        // points are a random sample, which those plots draw; the history draws every point.
        const limit = Number(query.maxPoints ?? 2000);
        const fits = matched.length <= limit;
        const sampled = fits ? matched : stableSample(matched, Math.ceil(limit / 2));
        const inSample = new Set(sampled);
        // The other half, only when not every match fits: each stretch's lowest and highest value.
        const picked = fits ? matched : [...new Set([...sampled, ...envelopeSample(matched, (n) => valueOf(index.trials[n]!, objective), limit - sampled.length, keep)])].sort((a, b) => a - b);
        const names = [...index.distributions.keys()];
        const columns: Record<string, (string | number | boolean | null)[]> = Object.fromEntries(names.map((name) => [name, []]));
        const values: (number | null)[] = [];
        const states: TrialState[] = [];
        const feasible: (boolean | null)[] = [];
        for (const n of picked) {
          const trial = index.trials[n]!;
          states.push(trial.state);
          feasible.push(trial.state === "complete" ? isFeasible(trial) : null);
          values.push(valueOf(trial, objective) ?? null);
          for (const name of names) columns[name]!.push(name in trial.params ? trial.params[name]! : null);
        }
        const sample = picked.map((n) => inSample.has(n));
        return { matched: matched.length, shown: picked.length, total: index.size, numbers: picked, states, values, params: columns, best, constrained, feasible, sample };
      },
    }),
    route({
      method: "get",
      path: "/studies/{study}/contour",
      summary: "Dashboard: the mean value over a grid of two parameters, over every matched trial",
      params: api.StudyPath,
      query: ui.ContourQuery,
      status: 200,
      response: ui.ContourResponse,
      handle: async ({ params, query }) => {
        const { index, matched, objective } = await openFiltered(params.study, query);
        const bins = Number(query.bins ?? 24);
        const axisOf = (name: string, field: string) => {
          const distribution = index.distributions.get(name);
          if (!distribution) throw new HttpError(400, `${field}: the study has no parameter "${name}"`, field);
          if (distribution.type === "categorical") {
            const labels = distribution.choices.map((c) => String(c));
            return { name, labels, bin: (t: FrozenTrial) => index.coordinate(t, name) };
          }
          const step = effectiveStep(distribution);
          if (step !== undefined) {
            const grid = gridBins(distribution.low, distribution.high, step, distribution.log === true && distribution.low > 0, bins);
            const bin = (t: FrozenTrial) => {
              const v = index.coordinate(t, name);
              return v === undefined ? undefined : grid.binOf(v);
            };
            return { name, labels: grid.labels, bin };
          }
          const log = distribution.log === true && distribution.low > 0;
          const scale = (v: number) => (log ? Math.log(v) : v);
          const low = scale(distribution.low);
          const width = (scale(distribution.high) - low) / bins || 1;
          const labels = Array.from({ length: bins }, (_, i) => formatEdge(log ? Math.exp(low + (i + 0.5) * width) : low + (i + 0.5) * width));
          return {
            name,
            labels,
            bin: (t: FrozenTrial) => {
              const v = index.coordinate(t, name);
              return v === undefined ? undefined : Math.min(bins - 1, Math.max(0, Math.floor((scale(v) - low) / width)));
            },
          };
        };
        const x = axisOf(query.x, "query.x");
        const y = axisOf(query.y, "query.y");
        const means = new Map<number, { mean: number; count: number }>();
        const stride = Math.max(x.labels.length, 1);
        let used = 0;
        for (const n of matched) {
          const trial = index.trials[n]!;
          const value = valueOf(trial, objective);
          const i = x.bin(trial);
          const j = y.bin(trial);
          if (value === undefined || i === undefined || j === undefined) continue;
          used++;
          const cell = means.get(j * stride + i) ?? { mean: 0, count: 0 };
          // A running mean: a sum of values near ±1e308 overflowed to Infinity, sent as null.
          cell.mean += value / (cell.count + 1) - cell.mean / (cell.count + 1);
          cell.count++;
          means.set(j * stride + i, cell);
        }
        const cells = [...means].map(([key, { mean, count }]) => [key % stride, Math.floor(key / stride), mean, count] as [number, number, number, number]);
        return { matched: used, x: { name: x.name, labels: x.labels }, y: { name: y.name, labels: y.labels }, cells };
      },
    }),
    route({
      method: "get",
      path: "/studies/{study}/curves",
      summary: "Dashboard: intermediate values (learning curves) of the best feasible and the latest matched trials",
      params: api.StudyPath,
      query: ui.CurvesQuery,
      status: 200,
      response: ui.CurvesResponse,
      handle: async ({ params, query }) => {
        const { index, matched, objective } = await openFiltered(params.study, query);
        const withCurves = matched.filter((n) => Object.keys(index.trials[n]!.intermediate).length > 0);
        const limit = Number(query.maxCurves ?? 60);
        const direction = index.directions[objective] ?? "minimize";
        // The best by value among feasible trials, as the best-so-far and Pareto views judge them:
        // in a constrained study the best curves were those of trials violating a constraint.
        const feasible = index.feasibility();
        const ranked = withCurves
          .filter((n) => valueOf(index.trials[n]!, objective) !== undefined && feasible(index.trials[n]!))
          .sort((a, b) => (valueOf(index.trials[a]!, objective)! - valueOf(index.trials[b]!, objective)!) * (direction === "minimize" ? 1 : -1));
        const picked = new Set<number>(ranked.slice(0, Math.floor(limit / 2)));
        for (let i = withCurves.length - 1; i >= 0 && picked.size < limit; i--) picked.add(withCurves[i]!);
        const curves = [...picked]
          .sort((a, b) => a - b)
          .map((n) => {
            const trial = index.trials[n]!;
            const steps = Object.keys(trial.intermediate)
              .map(Number)
              .sort((a, b) => a - b);
            return { number: n, state: trial.state, steps, values: steps.map((s) => api.jsonNumber(trial.intermediate[s]!)) };
          });
        return { matched: withCurves.length, shown: curves.length, total: index.size, curves };
      },
    }),
    route({
      method: "get",
      path: "/studies/{study}/pareto",
      summary: "Dashboard: the Pareto front of the matched feasible complete trials (first two objectives), and a sample of the rest",
      params: api.StudyPath,
      query: ui.PointsQuery,
      status: 200,
      response: ui.ParetoResponse,
      handle: async ({ params, query }) => {
        const { index, matched } = await openFiltered(params.study, query);
        const complete = matched.filter((n) => {
          const trial = index.trials[n]!;
          return trial.state === "complete" && trial.values !== null && trial.values.length === index.directions.length && trial.values.every(Number.isFinite);
        });
        // The front of the feasible trials only, as Study.bestTrials: an infeasible trial is drawn
        // among the others, however good its values, and hides no feasible one.
        const feasible = index.feasibility();
        const candidates = complete.filter((n) => feasible(index.trials[n]!));
        const losses = candidates.map((n) => toLosses(index.trials[n]!.values!, index.directions));
        const frontSet = new Set(paretoFrontIndices(losses).map((i) => candidates[i]!));
        const rest = complete.filter((n) => !frontSet.has(n));
        const limit = Number(query.maxPoints ?? 2000);
        const others = evenlySpaced(rest, Math.max(0, limit - frontSet.size));
        const pointOf = (n: number) => ({ number: n, values: [...index.trials[n]!.values!] });
        const front = [...frontSet].sort((a, b) => a - b).map(pointOf);
        // Infeasible trials apart: drawn as "dominated", some lay visibly below the front.
        const isFeasible = (n: number) => feasible(index.trials[n]!);
        return {
          matched: complete.length,
          shown: front.length + others.length,
          total: index.size,
          objectives: index.directions.map((_, i) => i),
          front,
          others: others.filter(isFeasible).map(pointOf),
          infeasible: others.filter((n) => !isFeasible(n)).map(pointOf),
        };
      },
    }),
    route({
      method: "get",
      path: "/studies/{study}/timeline",
      summary: "Dashboard: when each matched trial ran, per worker",
      params: api.StudyPath,
      query: ui.PointsQuery,
      status: 200,
      response: ui.TimelineResponse,
      handle: async ({ params, query }) => {
        const { index, matched } = await openFiltered(params.study, query);
        const started = matched.filter((n) => index.trials[n]!.startedAt !== null);
        // A random sample, not an even stride: workers taking trials in turn made the stride fall
        // on one worker's trials only, and the others vanished from the timeline.
        const picked = stableSample(started, Number(query.maxPoints ?? 2000));
        const now = Date.now();
        const timelines = trialsPerWorker(picked.map((n) => index.trials[n]!));
        const bars = timelines.flatMap((timeline, worker) =>
          timeline.trials.map((t) => ({ number: t.number, worker, start: t.startedAt!, end: t.finishedAt ?? now, state: t.state })),
        );
        const workers = timelines.map(workerLabel);
        return { matched: started.length, shown: picked.length, total: index.size, workers, bars };
      },
    }),
    route({
      method: "get",
      path: "/studies/{study}/importance",
      summary: "Dashboard: each parameter's importance (fANOVA or PED-ANOVA) and the sign of its effect, over the matched complete trials",
      params: api.StudyPath,
      query: ui.ImportanceQuery,
      status: 200,
      response: ui.ImportanceResponse,
      handle: async ({ params, query }) => {
        const { index, matched, objective } = await openFiltered(params.study, query);
        const complete = matched.filter((n) => index.trials[n]!.state === "complete");
        const method: ImportanceMethod = query.method ?? (complete.length > 2000 ? "ped-anova" : "fanova");
        const key = `importance|${method}|${JSON.stringify(filterQuery(query))}`;
        try {
          return index.remember(key, () => {
            const result = importance(
              complete.map((n) => index.trials[n]!),
              // 32 trees of at most 2,000 rows: about a second at most, and ranks as the default forest does.
              { method, seed: 0, objectiveIndex: objective, direction: index.directions[objective] ?? "minimize", nTrees: 32, maxSamplesPerTree: 2000 },
            );
            return { method: result.method, nTrials: result.nTrials, params: result.params.map((p) => ({ ...p })) };
          });
        } catch (error) {
          // Too few or too uniform trials is an answer about the data, not a failed request.
          if (error instanceof ImportanceError) return { method, nTrials: 0, params: [], unavailable: error.message };
          throw error;
        }
      },
    }),
    route({
      method: "get",
      path: "/studies/{study}/beliefs",
      summary: "Dashboard: what the Gaussian-process model believes along one parameter (or over two) through the best trial",
      params: api.StudyPath,
      query: ui.BeliefsQuery,
      status: 200,
      response: ui.BeliefsResponse,
      handle: async ({ params, query }) => {
        // The model is the study's, fitted to its complete trials whatever the filter: a brushed
        // range changes what is shown, not what the model believes.
        const index = await open(params.study);
        const objective = query.objective !== undefined ? Number(query.objective) : 0;
        if (objective >= index.directions.length) {
          throw new HttpError(400, `query.objective: the study has ${index.directions.length} objective(s), got index ${objective}`, "query.objective");
        }
        for (const [name, field] of [[query.x, "query.x"], [query.y, "query.y"]] as const) {
          if (name !== undefined && !index.distributions.has(name)) throw new HttpError(400, `${field}: the study has no parameter "${name}"`, field);
        }
        const names: [string] | [string, string] = query.y !== undefined ? [query.x, query.y] : [query.x];
        // JSON, not a join: a parameter named "a|b" made the key of x = "a|b" that of x = a, y = b.
        const key = `beliefs|${JSON.stringify([names, query.points ?? null, objective])}`;
        try {
          return index.remember(key, () => {
            const beliefs = modelBeliefs(
              index.trials.filter(Boolean),
              Object.fromEntries(index.distributions),
              // A GP fit costs O(n³): the latest 120 complete trials answer in well under a second.
              { params: names, points: Number(query.points ?? 40), direction: index.directions[objective] ?? "minimize", objectiveIndex: objective, maxTrials: 120 },
            );
            if (beliefs.kind === "slice") {
              return { kind: "slice", params: [beliefs.param], x: beliefs.values, y: null, mean: beliefs.mean, std: beliefs.std, through: beliefs.through, nTrials: beliefs.nTrials };
            }
            return { kind: "grid", params: beliefs.params, x: beliefs.x, y: beliefs.y, mean: beliefs.mean.flat(), std: beliefs.std.flat(), through: beliefs.through, nTrials: beliefs.nTrials };
          });
        } catch (error) {
          if (error instanceof BeliefError) return { kind: "slice", params: names, x: [], y: null, mean: [], std: [], through: {}, nTrials: 0, unavailable: error.message };
          throw error;
        }
      },
    }),
    route({
      method: "get",
      path: "/studies/{study}/ecdf",
      summary: "Dashboard: the empirical distribution (ECDF) of the matched complete trials' values, its steps downsampled to maxPoints",
      params: api.StudyPath,
      query: ui.PointsQuery,
      status: 200,
      response: ui.EcdfResponse,
      handle: async ({ params, query }) => {
        const { index, matched, objective } = await openFiltered(params.study, query);
        const trials = matched.map((n) => index.trials[n]!);
        const steps = valueEcdf(trials, { objectiveIndex: objective });
        const counted = trials.filter((t) => t.state === "complete" && valueOf(t, objective) !== undefined).length;
        // Evenly spaced steps, always with the first and the last, so the curve spans every value.
        const picked = evenlySpaced(steps.map((_, i) => i), Number(query.maxPoints ?? 2000), new Set(steps.length ? [0, steps.length - 1] : []));
        return {
          matched: steps.length,
          shown: picked.length,
          total: index.size,
          trials: counted,
          values: picked.map((i) => steps[i]!.value),
          fractions: picked.map((i) => steps[i]!.fraction),
        };
      },
    }),
    route({
      method: "get",
      path: "/studies/{study}/hypervolume",
      summary: "Dashboard: the hypervolume of the matched complete, feasible trials after each one (several objectives), downsampled to its changes",
      params: api.StudyPath,
      query: ui.PointsQuery,
      status: 200,
      response: ui.HypervolumeResponse,
      handle: async ({ params, query }) => {
        const { index, matched } = await openFiltered(params.study, query);
        if (index.directions.length < 2) {
          return { matched: 0, shown: 0, total: index.size, changes: 0, reference: [], numbers: [], hypervolumes: [], estimate: null, unavailable: "the study has one objective: hypervolume needs several" };
        }
        // Feasibility by the whole study, as the Pareto route judges it: a filter that matched only
        // trials without constraint values counted them feasible, and drew a hypervolume of trials
        // the front leaves out.
        const { reference, history, samples } = hypervolumeHistory(
          matched.map((n) => index.trials[n]!),
          index.directions,
          { feasible: index.feasibility() },
        );
        if (history.some((point) => !Number.isFinite(point.hypervolume))) {
          // Infinity went out as null, which the page drew as nothing, without a word.
          return {
            matched: history.length, shown: 0, total: index.size, changes: 0, reference, numbers: [], hypervolumes: [], estimate: null,
            unavailable: "the hypervolume passes the largest number (about 1.8e308): the objective values are too large to measure it",
          };
        }
        // A step plot needs only where the hypervolume changes, and the last trial to end on.
        const changes = history.map((_, i) => i).filter((i) => i === 0 || i === history.length - 1 || history[i]!.hypervolume !== history[i - 1]!.hypervolume);
        const picked = evenlySpaced(changes, Number(query.maxPoints ?? 2000), new Set(history.length ? [0, history.length - 1] : []));
        return {
          matched: history.length,
          shown: picked.length,
          total: index.size,
          changes: changes.length,
          reference,
          numbers: picked.map((i) => history[i]!.number),
          hypervolumes: picked.map((i) => history[i]!.hypervolume),
          estimate: samples === null ? null : { samples },
        };
      },
    }),
    route({
      method: "get",
      path: "/studies/{study}/trials/{number}/lineage",
      summary: "Dashboard: a population (PBT) trial's member, segment, parent, exploit and checkpoint, and its member's chain of segments",
      params: api.TrialPath,
      status: 200,
      response: ui.LineageResponse,
      handle: async ({ params }) => {
        const index = await open(params.study);
        const number = Number(params.number);
        const trial = index.trials[number];
        if (!trial) throw new HttpError(404, `study "${params.study}" has no trial ${number}`, "path.number");
        const members = index.remember("lineage", () => populationLineage(index.trials.filter(Boolean)));
        const strip = (s: (typeof members)[number]["segments"][number]) => ({
          trial: s.trial,
          segment: s.segment,
          state: s.state,
          value: s.value,
          parent: s.parent,
          parentMember: s.parentMember,
          exploitedFrom: s.exploitedFrom,
          checkpoint: s.checkpoint,
          saved: s.saved,
          undecided: s.undecided,
        });
        for (const member of members) {
          const own = member.segments.find((s) => s.trial === number);
          if (own) return { trial: number, lineage: { member: member.member, segment: strip(own), chain: member.segments.map(strip) } };
        }
        return { trial: number, lineage: null };
      },
    }),
  ];
}

/**
 * The contour's bins over a parameter on a grid (an int, or a float with a step): each holds whole
 * grid values, at least one, so no bin edge falls between two values with nothing in the bin. With
 * `bins` values or fewer, a bin per value, labelled by it; else runs of values, labelled "a–b".
 */
function gridBins(low: number, high: number, step: number, log: boolean, bins: number): { labels: string[]; binOf: (value: number) => number } {
  const count = Math.round((high - low) / step) + 1;
  // Evenly spaced edges (in log on a log scale) over [low, high + step), moved up to the next grid
  // value: the first value of each bin, as its index on the grid, without repeats.
  const starts: number[] = [0];
  for (let i = 1; i < bins; i++) {
    const edge = log ? Math.exp(Math.log(low) + (i / bins) * (Math.log(high + step) - Math.log(low))) : low + (i / bins) * (high + step - low);
    const start = Math.ceil((edge - low) / step - 1e-9);
    if (start > starts[starts.length - 1]! && start < count) starts.push(start);
  }
  // Grid values exactly (1234, not the edges' 1230), without float noise (0.3, not 0.30000000000000004).
  const valueAt = (k: number) => String(Number((low + k * step).toPrecision(12)));
  const labels = starts.map((first, b) => {
    const last = (starts[b + 1] ?? count) - 1;
    return last === first ? valueAt(first) : `${valueAt(first)}–${valueAt(last)}`;
  });
  return {
    labels,
    binOf: (value) => {
      const k = Math.min(count - 1, Math.max(0, Math.round((value - low) / step)));
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= k) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    },
  };
}

function formatEdge(value: number): string {
  return Number(value.toPrecision(3)).toString();
}
