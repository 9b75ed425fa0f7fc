import { deriveSeed, hashString, seedOrRandom } from "../math/rng.js";
import {
  type Distribution,
  type FrozenTrial,
  type JsonValue,
  type ParamValue,
  type SamplingTrial,
  type SearchSpace,
  type StudySnapshot,
  cardinality,
  containsValue,
  effectiveStep,
  snapToDistribution,
  OptionError,
  type RawOptions,
  SEED_OPTION,
  defineOptions,
  parseOptions,
  studyKeyOf,
  refuseUnknownOptions,
  omitOptions,
  componentSpec,
  type ComponentSpec,
} from "../space/index.js";
import type { Sampler } from "./base.js";

/**
 * The grid and the parameters the objective suggests disagree: a parameter the grid lacks
 * (`reason` "not_in_grid"), or a grid value outside the distribution suggested for it
 * ("outside_distribution"). No grid point can serve that trial.
 *
 * @example
 * try { trial.suggestInt("x", 5, 9); } catch (error) { if (error instanceof GridMismatchError) console.log(error.paramName, error.reason); }
 */
export class GridMismatchError extends Error {
  constructor(
    message: string,
    /** The parameter suggested. */
    readonly paramName: string,
    readonly reason: "not_in_grid" | "outside_distribution",
  ) {
    super(message);
    this.name = "GridMismatchError";
  }
}

/** Parameter names mapped to the values the grid tries for each. */
export type GridSearchSpace = Readonly<Record<string, readonly ParamValue[]>>;

export interface GridSamplerOptions {
  /** Every parameter the objective suggests, with the values to try. All combinations are tried. */
  searchSpace: GridSearchSpace;
  /** Fixes the shuffled order of the grid points. Workers sharing a study should share it. */
  seed?: number;
  /** Start over once every point has been taken, instead of stopping the study (default false). */
  cycle?: boolean;
  /** Visit the points in a seeded random order (default true); `false` visits them in lexicographic order of the sorted parameter names. */
  shuffle?: boolean;
}

/** The system attribute holding the grid point a trial evaluates. */
export const GRID_INDEX_ATTR = "grid:index";
/** The system attribute identifying the grid a trial's index refers to, so a changed grid does not count old trials. */
export const GRID_KEY_ATTR = "grid:key";
/**
 * Set instead of {@link GRID_INDEX_ATTR} on an enqueued trial whose fixed values are not a grid
 * point: the point only supplies the values not fixed, so it is not counted as visited.
 */
const GRID_BORROWED_ATTR = "grid:borrowed-index";

/** Grids larger than this are refused: the shuffled order is a permutation on 32-bit integers. */
const MAX_GRID_SIZE = 2 ** 32;

/**
 * Exhaustive grid search, as Optuna's `GridSampler`: every combination of the given values is
 * evaluated once (in a conditional space, every configuration: see below), in a seeded shuffled
 * order (or in order with `shuffle: false`).
 *
 * Each trial takes the first grid point, in that order, that no other trial of the study has
 * taken (running or finished), and records it as the system attribute `grid:index`; so workers
 * sharing a study split the grid between them. When every point has been taken, `isExhausted`
 * turns true and `optimize` stops (unless `cycle` is set, which starts another round). If two
 * workers race for the last point, the later one re-evaluates a point that is still running,
 * as Optuna does, rather than failing. A failed trial's point counts as visited and is not
 * retried (as in Optuna); enqueue it again to re-run it. A trial that failed because the grid did
 * not fit what it suggested (a {@link GridMismatchError}) never evaluated its point, and gives it back.
 *
 * Conditional search spaces (define-by-run: `x` suggested only when `kind` is `"a"`) are run
 * once per configuration the objective reaches, not once per combination of the grid. A complete
 * trial that did not suggest some grid parameters evaluated every point that differs from its own
 * only in those parameters (given the same values, the objective takes the same branches), so
 * those points count as visited too: a grid `{ kind: ["a", "b"], x: [1, 2, 3] }` over that
 * objective runs `{kind: "a", x: 1}`, `… x: 2`, `… x: 3` and `{kind: "b"}`, four trials, then is
 * exhausted. Optuna's `GridSampler` runs all six combinations, three of them the same `{kind:
 * "b"}`, which its users meet as duplicate trials that cost time and tell nothing. Only a
 * complete trial is known to have suggested everything it would: a pruned or failed one (or a
 * running one) may have stopped before its conditional parameters, so it visits its own point
 * only, and `{kind: "b"}` can run again if its first trial failed; likewise trials that start
 * while the first `{kind: "b"}` is still running can repeat it. This relies on the objective
 * choosing what to suggest from the values it was given, not at random.
 *
 * The grid must name every parameter the objective suggests; a parameter missing from it is an
 * error. A grid value is returned whatever distribution the objective suggests it with
 * (`suggestFloat("lr", 1e-5, 1)` with a grid of `[1e-3, 1e-2]` gives 1e-3 or 1e-2), and must lie
 * inside that distribution.
 *
 * Reference: the exhaustive search baseline of Bergstra & Bengio, "Random Search for
 * Hyper-Parameter Optimization", JMLR 13 (2012).
 *
 * @example
 * const sampler = new GridSampler({ searchSpace: { lr: [1e-3, 1e-2, 1e-1], layers: [1, 2, 3] }, seed: 1 });
 * const study = await createStudy({ sampler });
 * await study.optimize((trial) => train(trial.suggestFloat("lr", 1e-4, 1, { log: true }), trial.suggestInt("layers", 1, 4)));
 * // stops after the 9 combinations
 */
export class GridSampler implements Sampler {
  readonly name = "grid";
  readonly seed: number;
  readonly cycle: boolean;
  readonly shuffle: boolean;
  /** Parameter names, sorted; the last varies fastest along grid indexes. */
  readonly paramNames: readonly string[];
  /** The number of grid points. */
  readonly size: number;
  private readonly values: readonly (readonly ParamValue[])[];
  private readonly key: string;
  private readonly order: Permutation;
  /** Points chosen in this process but perhaps not yet visible in the snapshot (flushes are asynchronous). */
  private readonly localChoices = new Map<string, Map<number, number>>();

  /** The options given to the constructor but the grid, which {@link spec} writes down with it. */
  private readonly given: Readonly<Omit<GridSamplerOptions, "searchSpace">>;

  constructor(options: GridSamplerOptions) {
    refuseUnknownOptions("grid sampler", options, omitOptions(GRID_OPTIONS, ["grid", "points", "maxIntValues"]), ["searchSpace"]);
    const { searchSpace: space, ...given } = options ?? {};
    this.given = given;
    if (space === null || typeof space !== "object" || Array.isArray(space)) {
      throw new TypeError("GridSampler needs a searchSpace: an object mapping each parameter name to a list of values");
    }
    this.paramNames = Object.keys(space).sort();
    this.values = this.paramNames.map((name) => checkGridValues(name, space[name]));
    let size = 1;
    for (const list of this.values) size *= list.length;
    if (size > MAX_GRID_SIZE) {
      throw new RangeError(`the grid has ${size} points, more than the ${MAX_GRID_SIZE} a grid search supports; use fewer values or another sampler`);
    }
    this.size = size;
    this.seed = seedOrRandom(options.seed, "GridSampler");
    this.cycle = options.cycle ?? false;
    this.shuffle = options.shuffle ?? true;
    this.key = gridKey(this.paramNames, this.values);
    this.order = this.shuffle ? new Permutation(size, this.seed) : new Permutation(size, null);
  }

  /** See {@link Sampler.spec}: the grid is its `grid` option, a JSON object of value lists. */
  spec(): ComponentSpec | null {
    const grid = JSON.stringify(Object.fromEntries(this.paramNames.map((name, i) => [name, this.values[i]])));
    return componentSpec(this.name, { ...this.given, grid }, GRID_OPTIONS);
  }

  /** The parameter values of grid point `index` (0 ≤ index < size). */
  point(index: number): Record<string, ParamValue> {
    const params: Record<string, ParamValue> = {};
    let rest = index;
    for (let i = this.paramNames.length - 1; i >= 0; i--) {
      const list = this.values[i]!;
      params[this.paramNames[i]!] = list[rest % list.length]!;
      rest = Math.floor(rest / list.length);
    }
    return params;
  }

  beforeTrial(snapshot: StudySnapshot, trial: SamplingTrial): void {
    this.gridIndexOf(snapshot, trial);
  }

  /** The grid parameters as categorical distributions: used as is when the objective suggests exactly those choices. */
  inferRelativeSpace(): SearchSpace {
    const space: Record<string, Distribution> = {};
    for (let i = 0; i < this.paramNames.length; i++) {
      space[this.paramNames[i]!] = { type: "categorical", choices: this.values[i]! };
    }
    return space;
  }

  sampleRelative(snapshot: StudySnapshot, trial: SamplingTrial, space: SearchSpace): Record<string, ParamValue> {
    const point = this.point(this.gridIndexOf(snapshot, trial));
    const out: Record<string, ParamValue> = {};
    for (const name of Object.keys(space)) if (name in point) out[name] = point[name]!;
    return out;
  }

  sampleIndependent(snapshot: StudySnapshot, trial: SamplingTrial, name: string, distribution: Distribution): ParamValue {
    const position = this.paramNames.indexOf(name);
    if (position < 0) {
      this.releasePoint(snapshot, trial);
      throw new GridMismatchError(
        `parameter "${name}" is not in the grid (grid parameters: ${this.paramNames.join(", ") || "none"}); a grid search needs values for every parameter the objective suggests`,
        name,
        "not_in_grid",
      );
    }
    const value = this.point(this.gridIndexOf(snapshot, trial))[name]!;
    if (!containsValue(distribution, value)) {
      this.releasePoint(snapshot, trial);
      throw new GridMismatchError(
        `grid value ${JSON.stringify(value)} of parameter "${name}" is not inside the distribution the objective suggests: ${JSON.stringify(distribution)}`,
        name,
        "outside_distribution",
      );
    }
    // A categorical must return the very choice object the objective gave (equal by ===, which it is for scalars).
    return distribution.type === "categorical" ? distribution.choices.find((c) => c === value)! : value;
  }

  /** True when every grid point has been taken by a trial of the study and `cycle` is off. */
  isExhausted(snapshot: StudySnapshot): boolean {
    if (this.cycle) return false;
    return this.countVisits(snapshot, -1).coveredCount() >= this.size;
  }

  /**
   * Gives back the point a trial took when the grid cannot serve it: the trial fails without
   * evaluating the point, which counted as visited, so a few asks with a space the grid did not
   * fit used up the whole grid before a single point ran.
   */
  private releasePoint(snapshot: StudySnapshot, trial: SamplingTrial): void {
    if (trial.systemAttrs[GRID_INDEX_ATTR] === undefined) return;
    trial.setSystemAttr(GRID_INDEX_ATTR, null);
    this.localChoices.get(studyKeyOf(snapshot))?.delete(trial.number);
  }

  /** The grid index the trial evaluates, choosing (and recording) one on first use. */
  private gridIndexOf(snapshot: StudySnapshot, trial: SamplingTrial): number {
    const recorded = trial.systemAttrs[GRID_INDEX_ATTR];
    if (typeof recorded === "number" && trial.systemAttrs[GRID_KEY_ATTR] === this.key && recorded < this.size) return recorded;
    const borrowed = trial.systemAttrs[GRID_BORROWED_ATTR];
    if (typeof borrowed === "number" && borrowed < this.size) return borrowed;

    const fixed = fixedParamsOf(trial, snapshot);
    const constraint = this.constraintFrom(fixed);
    const index = this.choose(snapshot, trial.number, constraint.matches);
    if (constraint.onGrid) {
      trial.setSystemAttr(GRID_KEY_ATTR, this.key);
      trial.setSystemAttr(GRID_INDEX_ATTR, index);
      let choices = this.localChoices.get(studyKeyOf(snapshot));
      if (!choices) this.localChoices.set(studyKeyOf(snapshot), (choices = new Map()));
      choices.set(trial.number, index);
    } else {
      trial.setSystemAttr(GRID_BORROWED_ATTR, index);
    }
    return index;
  }

  /**
   * Enqueued values narrow the choice to grid points that agree with them. A value outside its
   * grid list makes the trial "off grid": it borrows the other values but visits no point.
   */
  private constraintFrom(fixed: Readonly<Record<string, ParamValue>> | null): {
    onGrid: boolean;
    matches: ((index: number) => boolean) | null;
  } {
    if (!fixed) return { onGrid: true, matches: null };
    const wanted: { position: number; valueIndex: number }[] = [];
    let onGrid = true;
    for (let i = 0; i < this.paramNames.length; i++) {
      const name = this.paramNames[i]!;
      if (!Object.prototype.hasOwnProperty.call(fixed, name)) continue;
      const valueIndex = this.values[i]!.findIndex((v) => v === fixed[name]);
      if (valueIndex < 0) onGrid = false;
      else wanted.push({ position: i, valueIndex });
    }
    if (wanted.length === 0) return { onGrid, matches: null };
    const matches = (index: number): boolean => {
      let rest = index;
      const digits = new Array<number>(this.paramNames.length);
      for (let i = this.paramNames.length - 1; i >= 0; i--) {
        const n = this.values[i]!.length;
        digits[i] = rest % n;
        rest = Math.floor(rest / n);
      }
      return wanted.every((w) => digits[w.position] === w.valueIndex);
    };
    return { onGrid, matches };
  }

  /**
   * The first point in the visiting order with the fewest visits (0 until the grid is exhausted).
   * Past exhaustion without `cycle`, a point only running trials hold is preferred, so a trial
   * lost with a dead worker still gets evaluated.
   */
  private choose(snapshot: StudySnapshot, trialNumber: number, matches: ((index: number) => boolean) | null): number {
    const visits = this.countVisits(snapshot, trialNumber);
    const accept = (index: number, level: number): boolean => visits.count(index) <= level && (matches === null || matches(index));
    if (visits.coveredCount() < this.size) {
      // Scanning stops after at most (points taken + 1) steps when unconstrained and every trial
      // suggested every parameter; points a conditional configuration covers are stepped over.
      for (let position = 0; position < this.size; position++) {
        const index = this.order.at(position);
        if (accept(index, 0)) return index;
      }
    }
    // Every (matching) point is taken, so one that no finished trial covers is held by a running
    // trial: the candidates are those trials' points, not the whole grid.
    if (!this.cycle) {
      let best: { index: number; position: number } | null = null;
      for (const index of visits.unfinishedPoints()) {
        if (visits.isFinished(index) || (matches !== null && !matches(index))) continue;
        const position = this.order.positionOf(index);
        if (best === null || position < best.position) best = { index, position };
      }
      if (best !== null) return best.index;
    }
    let level = Infinity;
    for (let index = 0; index < this.size; index++) {
      if (matches === null || matches(index)) level = Math.min(level, visits.count(index));
    }
    for (let position = 0; position < this.size; position++) {
      const index = this.order.at(position);
      if (accept(index, level)) return index;
    }
    return this.order.at(0);
  }

  private countVisits(snapshot: StudySnapshot, exceptTrial: number): GridVisits {
    const visits = new GridVisits(this.values.map((list) => list.length));
    const local = this.localChoices.get(studyKeyOf(snapshot));
    for (const trial of snapshot.trials) {
      if (trial === undefined || trial.number === exceptTrial) continue;
      const index = this.recordedIndex(trial) ?? local?.get(trial.number);
      if (index === undefined) continue;
      const finished = trial.state === "complete" || trial.state === "pruned" || trial.state === "failed";
      // See the class comment: only a complete trial's parameters are known to be all it needs.
      const suggested = trial.state === "complete" ? this.paramNames.map((name) => Object.prototype.hasOwnProperty.call(trial.params, name)) : null;
      visits.add(index, suggested, finished);
    }
    return visits;
  }

  private recordedIndex(trial: FrozenTrial): number | undefined {
    const index = trial.systemAttrs[GRID_INDEX_ATTR];
    if (typeof index !== "number" || trial.systemAttrs[GRID_KEY_ATTR] !== this.key) return undefined;
    return Number.isInteger(index) && index >= 0 && index < this.size ? index : undefined;
  }
}

function checkGridValues(name: string, list: unknown): ParamValue[] {
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(`grid parameter "${name}" needs a non-empty array of values, got ${JSON.stringify(list)}`);
  }
  const seen = new Set<string>();
  for (const value of list) {
    const t = typeof value;
    if (!(value === null || t === "string" || t === "boolean" || (t === "number" && Number.isFinite(value)))) {
      throw new TypeError(`grid parameter "${name}": values must be strings, finite numbers, booleans or null, got ${String(value)}`);
    }
    const key = JSON.stringify(value);
    if (seen.has(key)) throw new TypeError(`grid parameter "${name}": value ${key} appears twice`);
    seen.add(key);
  }
  return [...(list as ParamValue[])];
}

function gridKey(names: readonly string[], values: readonly (readonly ParamValue[])[]): string {
  const text = JSON.stringify(names.map((name, i) => [name, values[i]]));
  return `${hashString(text).toString(16)}-${text.length}`;
}

/** The enqueued values of the trial being sampled, read from its own attributes or its record in the snapshot. */
function fixedParamsOf(trial: SamplingTrial, snapshot: StudySnapshot): Readonly<Record<string, ParamValue>> | null {
  const own = trial.systemAttrs.fixedParams ?? snapshot.trials[trial.number]?.systemAttrs.fixedParams;
  return isRecord(own) ? (own as Record<string, ParamValue>) : null;
}

function isRecord(value: JsonValue | undefined): boolean {
  return value !== null && value !== undefined && typeof value === "object" && !Array.isArray(value);
}

/**
 * The grid points a study's trials have visited. A visit fixes the digits (value indexes) of the
 * parameters its trial suggested and covers every point that agrees with it there: one point when
 * it fixes them all, a whole sub-grid when it fixes some. Visits that fix the same parameters are
 * kept together, keyed by their digits in mixed radix, so the visits covering a point are found
 * with one lookup per set of parameters rather than one per trial.
 */
class GridVisits {
  private readonly groups = new Map<string, { positions: number[]; counts: Map<number, number>; finished: Set<number> }>();
  private covered: number | null = null;

  constructor(private readonly radices: readonly number[]) {}

  /** Records a visit to point `index`; `suggested` marks the parameters it fixed (null: all). */
  add(index: number, suggested: readonly boolean[] | null, finished: boolean): void {
    const positions = this.radices.map((_, i) => i).filter((i) => suggested === null || suggested[i]);
    const key = positions.join(",");
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { positions, counts: new Map(), finished: new Set() }));
    const sub = this.subIndex(index, null, positions);
    group.counts.set(sub, (group.counts.get(sub) ?? 0) + 1);
    if (finished) group.finished.add(sub);
    this.covered = null;
  }

  /** How many visits cover point `index`. */
  count(index: number): number {
    const digits = this.groups.size > 1 ? this.digitsOf(index) : null;
    let total = 0;
    for (const group of this.groups.values()) total += group.counts.get(this.subIndex(index, digits, group.positions)) ?? 0;
    return total;
  }

  /** Whether a finished trial's visit covers point `index`. */
  isFinished(index: number): boolean {
    const digits = this.groups.size > 1 ? this.digitsOf(index) : null;
    for (const group of this.groups.values()) if (group.finished.has(this.subIndex(index, digits, group.positions))) return true;
    return false;
  }

  /** The points of visits that fix every parameter and whose trial has not finished. */
  *unfinishedPoints(): Iterable<number> {
    const full = this.groups.get(this.radices.map((_, i) => i).join(","));
    if (full) for (const index of full.counts.keys()) if (!full.finished.has(index)) yield index;
  }

  /** The number of points some visit covers. */
  coveredCount(): number {
    if (this.covered !== null) return this.covered;
    const full = this.groups.get(this.radices.map((_, i) => i).join(","));
    if (full && this.groups.size === 1) return (this.covered = full.counts.size);
    const patterns: number[][] = [];
    for (const { positions, counts } of this.groups.values()) {
      for (const sub of counts.keys()) {
        const pattern = new Array<number>(this.radices.length).fill(-1);
        let rest = sub;
        for (let k = positions.length - 1; k >= 0; k--) {
          const radix = this.radices[positions[k]!]!;
          pattern[positions[k]!] = rest % radix;
          rest = Math.floor(rest / radix);
        }
        patterns.push(pattern);
      }
    }
    this.covered = unionSize(patterns, this.radices.map((_, i) => i), this.radices);
    return this.covered;
  }

  /** Point `index`'s digits at `positions`, in mixed radix (the index itself when all positions are given). */
  private subIndex(index: number, digits: readonly number[] | null, positions: readonly number[]): number {
    if (positions.length === this.radices.length) return index;
    digits ??= this.digitsOf(index);
    let sub = 0;
    for (const position of positions) sub = sub * this.radices[position]! + digits[position]!;
    return sub;
  }

  /** The value index of each parameter at point `index` (the last parameter varies fastest). */
  private digitsOf(index: number): number[] {
    const digits = new Array<number>(this.radices.length);
    let rest = index;
    for (let i = this.radices.length - 1; i >= 0; i--) {
      digits[i] = rest % this.radices[i]!;
      rest = Math.floor(rest / this.radices[i]!);
    }
    return digits;
  }
}

/**
 * The number of points of the grid over `free` positions that at least one pattern (a digit per
 * position, −1 for any) matches. It splits on the position most patterns fix, so patterns of a
 * define-by-run objective, which share the parameters suggested first, fall into disjoint
 * branches, and digits no pattern names are counted once for all.
 */
function unionSize(patterns: readonly (readonly number[])[], free: readonly number[], radices: readonly number[]): number {
  if (patterns.length === 0) return 0;
  let split = -1;
  let most = 0;
  for (const position of free) {
    let fixing = 0;
    for (const pattern of patterns) if (pattern[position]! >= 0) fixing++;
    if (fixing > most) [split, most] = [position, fixing];
  }
  const everything = free.reduce((product, position) => product * radices[position]!, 1);
  if (split < 0 || patterns.some((pattern) => free.every((position) => pattern[position]! < 0))) return everything;
  const rest = free.filter((position) => position !== split);
  const any: (readonly number[])[] = [];
  const byDigit = new Map<number, (readonly number[])[]>();
  for (const pattern of patterns) {
    const digit = pattern[split]!;
    if (digit < 0) any.push(pattern);
    else {
      const list = byDigit.get(digit);
      if (list) list.push(pattern);
      else byDigit.set(digit, [pattern]);
    }
  }
  let total = (radices[split]! - byDigit.size) * unionSize(any, rest, radices);
  for (const named of byDigit.values()) total += unionSize([...any, ...named], rest, radices);
  return total;
}

/**
 * A seeded bijection of {0, …, n−1} with random access: a four-round Feistel network on the
 * smallest even number of bits covering n, with cycle-walking to stay below n. It costs no memory,
 * so a grid of millions of points can be shuffled without materializing the order.
 */
class Permutation {
  private readonly halfBits: number;
  private readonly mask: number;

  constructor(
    private readonly n: number,
    private readonly seed: number | null,
  ) {
    let bits = 2;
    while (2 ** bits < n) bits += 2;
    this.halfBits = bits / 2;
    this.mask = 2 ** this.halfBits - 1;
  }

  at(position: number): number {
    if (this.seed === null || this.n <= 1) return position;
    let x = position;
    // Cycle-walking: 2^bits < 4n, so on average fewer than four rounds trips.
    do x = this.encrypt(x);
    while (x >= this.n);
    return x;
  }

  /** The position whose point is `index`: the inverse of {@link at}. */
  positionOf(index: number): number {
    if (this.seed === null || this.n <= 1) return index;
    // Walking back along the cycle from index reaches the position it started from, the first value below n.
    let x = index;
    do x = this.decrypt(x);
    while (x >= this.n);
    return x;
  }

  private encrypt(x: number): number {
    const half = 2 ** this.halfBits;
    let left = Math.floor(x / half);
    let right = x % half;
    for (let round = 0; round < 4; round++) {
      const next = (left ^ (deriveSeed(this.seed!, round, right) & this.mask)) >>> 0;
      left = right;
      right = next;
    }
    return left * half + right;
  }

  private decrypt(x: number): number {
    const half = 2 ** this.halfBits;
    let left = Math.floor(x / half);
    let right = x % half;
    for (let round = 3; round >= 0; round--) {
      const previous = (right ^ (deriveSeed(this.seed!, round, left) & this.mask)) >>> 0;
      right = left;
      left = previous;
    }
    return left * half + right;
  }
}

/**
 * Builds a grid from a search space of distributions, for `sextant tune --sampler grid` where
 * parameters are declared as ranges: every choice of a categorical, every integer of a small int
 * range, and `pointsPerFloat` evenly spaced values (log-spaced on a log scale) otherwise, always
 * including both ends. Every value lies inside its distribution.
 *
 * @param maxIntValues an int (or stepped float) range with at most this many values is listed in full.
 *
 * @example
 * gridFromSpace({ lr: { type: "float", low: 1e-4, high: 1, log: true }, layers: { type: "int", low: 1, high: 3 } }, 5)
 * // { lr: [0.0001, 0.001, 0.01, 0.1, 1], layers: [1, 2, 3] }
 */
export function gridFromSpace(space: SearchSpace, pointsPerFloat = 5, maxIntValues = 16): Record<string, ParamValue[]> {
  if (!Number.isInteger(pointsPerFloat) || pointsPerFloat < 1) {
    throw new RangeError(`pointsPerFloat must be a positive integer, got ${pointsPerFloat}`);
  }
  const grid: Record<string, ParamValue[]> = {};
  for (const [name, distribution] of Object.entries(space)) {
    if (distribution.type === "categorical") {
      grid[name] = [...distribution.choices];
      continue;
    }
    const { low, high } = distribution;
    const count = cardinality(distribution);
    const step = effectiveStep(distribution);
    if (count <= Math.max(pointsPerFloat, distribution.type === "int" ? maxIntValues : 0) && step !== undefined) {
      grid[name] = Array.from({ length: count }, (_, k) => snapToDistribution(distribution, low + k * step));
      continue;
    }
    const points = Math.min(pointsPerFloat, count);
    // A set, not a search of the list: points=100000 spent 9 s per float parameter.
    const values = new Set<number>();
    for (let k = 0; k < points; k++) {
      const t = points === 1 ? 0.5 : k / (points - 1);
      const raw = distribution.log ? Math.exp(Math.log(low) + t * (Math.log(high) - Math.log(low))) : low + t * (high - low);
      const snapped = k === 0 && points > 1 ? low : k === points - 1 && points > 1 ? high : snapToDistribution(distribution, raw);
      values.add(distribution.type === "float" && step === undefined ? tidy(snapped, low, high) : snapped);
    }
    grid[name] = [...values];
  }
  return grid;
}

/** Trims floating-point noise from log-spaced values (1e-3 rather than 0.0010000000000000002) while staying in bounds. */
function tidy(value: number, low: number, high: number): number {
  const rounded = Number(value.toPrecision(12));
  return rounded >= low && rounded <= high ? rounded : value;
}

/** The options of the `grid` sampler, as `--sampler-opt`, config files and `sextant samplers` know them. */
export const GRID_OPTIONS = defineOptions({
  seed: SEED_OPTION,
  grid: { kind: "string", default: "from the declared space", description: 'JSON object of value lists, e.g. {"lr":[0.001,0.01],"depth":[2,4]}' },
  points: { kind: "integer", min: 1, default: 5, description: "values per float parameter when the grid comes from the space" },
  maxIntValues: { kind: "integer", min: 1, default: 16, description: "int ranges up to this many values are listed in full" },
  cycle: { kind: "boolean", default: false, description: "start over once every point was taken instead of stopping the study" },
  shuffle: { kind: "boolean", default: true, description: "visit points in a seeded random order rather than in order" },
});

/**
 * Builds a {@link GridSampler} from CLI-style options (`--sampler grid --sampler-opt points=7`)
 * read against {@link GRID_OPTIONS}. The grid comes from `grid`, a JSON object of value lists
 * (`{"lr":[0.001,0.01],"depth":[2,4]}`), or else from `space` through {@link gridFromSpace} with
 * `points` values per float and int ranges of up to `maxIntValues` values listed in full.
 * Unknown keys and malformed values throw an `OptionError` naming them.
 *
 * @example
 * createGridSamplerFromOptions({ seed: 1, points: "3" }, { x: { type: "float", low: 0, high: 1 } })
 * createGridSamplerFromOptions({ grid: '{"optimizer":["adam","sgd"],"layers":[1,2,3]}' })
 */
export function createGridSamplerFromOptions(options: RawOptions, space?: SearchSpace): GridSampler {
  const parsed = parseOptions("grid sampler", options, GRID_OPTIONS);
  let searchSpace: GridSearchSpace;
  if (parsed.grid !== undefined) {
    try {
      searchSpace = JSON.parse(parsed.grid) as GridSearchSpace;
    } catch (error) {
      throw new OptionError(`grid sampler: option "grid" is not valid JSON: ${(error as Error).message}`);
    }
    // Checked against the declared parameters now, before any trial: each mismatch would fail every trial.
    if (space !== undefined && searchSpace !== null && typeof searchSpace === "object" && !Array.isArray(searchSpace)) {
      const missing = Object.keys(space).filter((name) => !(name in searchSpace));
      const extra = Object.keys(searchSpace).filter((name) => !(name in space));
      if (missing.length > 0) throw new OptionError(`grid sampler: option "grid" has no values for ${missing.map((n) => JSON.stringify(n)).join(", ")}; a grid search needs values for every declared parameter`);
      if (extra.length > 0) throw new OptionError(`grid sampler: option "grid" gives values for ${extra.map((n) => JSON.stringify(n)).join(", ")}, which ${extra.length === 1 ? "is" : "are"} not declared`);
      // Every grid name is now a declared one.
      for (const [name, values] of Object.entries(searchSpace)) {
        const distribution = space[name]!;
        const outside = Array.isArray(values) ? values.find((value) => !containsValue(distribution, value)) : undefined;
        if (outside !== undefined) {
          throw new OptionError(`grid sampler: option "grid" gives ${name} the value ${JSON.stringify(outside)}, outside its declared distribution ${JSON.stringify(distribution)}`);
        }
      }
    }
  } else if (space !== undefined) {
    searchSpace = gridFromSpace(space, parsed.points ?? 5, parsed.maxIntValues ?? 16);
  } else {
    throw new OptionError(`the grid sampler needs a grid: pass the option grid='{"name":[values…]}' or declare the parameters' ranges`);
  }
  return new GridSampler({ searchSpace, seed: parsed.seed, cycle: parsed.cycle, shuffle: parsed.shuffle });
}
