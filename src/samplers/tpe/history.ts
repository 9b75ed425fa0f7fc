/**
 * The incremental view of a study that TPE models: every finished trial it can learn from is read
 * once from the append-only `snapshot.finished` list and kept as a row, with
 *
 * - the rows in loss order (binary insertion), from which the below/above split of any trial is
 *   a prefix;
 * - the rows in trial-number order, for the recency weights;
 * - one column per parameter: each row's coordinate in a Float64Array and the rows sorted by
 *   coordinate (binary insertion), from which sorted kernel centres are a filtered copy.
 *
 * Every order has a total tie rule (trial number last), so the state after any sequence of
 * incremental reads equals the state built from scratch on the same snapshot, and so do the
 * suggestions. Internal to the TPE sampler.
 */
import {
  type Direction,
  type Distribution,
  CONSTRAINTS_ATTR,
  type FrozenTrial,
  type StudySnapshot,
  distributionsEqual,
  studyKeyOf,
} from "../../space/index.js";
import { type Dimension, encodeCoordinate, makeDimension } from "./dimension.js";
import { constrainedDominates, greedyHypervolumeSubset } from "../../analysis/index.js";
import { storedViolation } from "../../analysis/pareto.js";
import { contributionWeights, referencePoint, scaledForHypervolume } from "./motpe-weights.js";

export const BELOW = 1;
export const ABOVE = 2;

export interface HistoryRow {
  readonly trial: FrozenTrial;
  readonly number: number;
  /** Ordering class within equal violations: −∞ for complete trials, −(last step) for pruned ones, 1 for pruned without steps, 2 for failed ones (with `modelFailures`). */
  readonly rank: number;
  /** The first objective as a loss (negated when maximizing), or the pruned trial's last intermediate value. */
  readonly loss: number;
  /** Every objective as a loss (multi-objective studies only). */
  readonly losses: Float64Array | null;
  /**
   * Total constraint violation (0 when feasible or unconstrained), the first key of the split's
   * order as in Optuna 3.1's constrained TPE; +∞ for a pruned trial without constraint values
   * (unknown, after every violation, as Optuna ranks it), for a complete one without them in a
   * study where some trial has them, and for a failed one.
   */
  violation: number;
}

/** The rank of a complete but infeasible row: before the pruned rows of the same violation. */
const INFEASIBLE_RANK = -Number.MAX_VALUE;
/** The rank of a failed trial's row: after every other (pruned rows without steps rank 1). */
const FAILED_RANK = 2;

function storesConstraintsAttr(trial: FrozenTrial): boolean {
  const stored = trial.systemAttrs[CONSTRAINTS_ATTR];
  return stored !== undefined && stored !== null;
}

/** One parameter's coordinates across rows. */
export class Column {
  coordinates = new Float64Array(64);
  /** Rows that have the parameter, ascending by (coordinate, trial number). */
  readonly sorted: number[] = [];

  constructor(
    readonly name: string,
    readonly dimension: Dimension,
  ) {}

  /**
   * Reads the rows from `from` to the history's last: their coordinates, and those that have one
   * merged into `sorted`. A batch is sorted once and merged (see {@link mergeSorted}): inserting
   * the rows of a resumed 200,000-trial study one by one shifted the list each time, 13 s of a first ask.
   */
  addRows(from: number, history: TrialHistory): void {
    const rows = history.rows;
    if (rows.length > this.coordinates.length) {
      const next = new Float64Array(Math.max(rows.length, this.coordinates.length * 2));
      next.set(this.coordinates);
      this.coordinates = next;
    }
    const coordinates = this.coordinates;
    const added: number[] = [];
    for (let row = from; row < rows.length; row++) {
      const trial = rows[row]!.trial;
      const distribution = trial.distributions[this.name];
      let coordinate = Number.NaN;
      if (distribution !== undefined && distributionsEqual(distribution, this.dimension.distribution) && this.name in trial.params) {
        coordinate = encodeCoordinate(this.dimension, trial.params[this.name]!);
      }
      coordinates[row] = coordinate;
      if (!Number.isNaN(coordinate)) added.push(row);
    }
    mergeSorted(this.sorted, added, (a, b) => coordinates[a]! < coordinates[b]! || (coordinates[a] === coordinates[b] && rows[a]!.number < rows[b]!.number));
  }
}

export interface Split {
  /** Per row: BELOW or ABOVE. */
  readonly membership: Uint8Array;
  readonly belowCount: number;
  /** Per row, the MOTPE hypervolume-contribution weight of below rows (multi-objective only). */
  readonly belowWeights: Float64Array | null;
}

/** Optuna's group decomposition: parameter sets that always appear together. */
type Group = Map<string, Distribution>;

export class TrialHistory {
  rows: HistoryRow[] = [];
  /** Rows of failed trials (with `modelFailures`): never in the below set, nor shaping the space. */
  private failedRows = 0;
  private readonly modelFailures: boolean;
  /** Row indices by (rank, loss, trial number): a split is a prefix of this. */
  private readonly lossOrder: number[] = [];
  /**
   * Whether some row has stored constraints. Then the order is Optuna 3.1's constrained one: a
   * complete trial without constraints is +∞ and equal positive violations keep trial-number order.
   */
  private constrained = false;
  /** Row indices by trial number. */
  readonly byNumber: number[] = [];
  private readonly columns = new Map<string, Column>();
  private studyKey: string | null = null;
  private finishedSeen: FrozenTrial[] = [];
  private finishedArray: readonly FrozenTrial[] | null = null;
  private directions: readonly Direction[] = [];
  private splitCache: { rows: number; belowCount: number; split: Split } | null = null;
  private trialsScanned = 0;
  private trialsArray: readonly FrozenTrial[] | null = null;
  private unfinished: number[] = [];
  private groups: Group[] = [];
  private groupedRows = 0;
  private intersection: Map<string, Distribution> | null = null;
  private intersectedRows = 0;

  /** Rows of failed trials (0 without `modelFailures`). */
  get failedCount(): number {
    return this.failedRows;
  }

  /** With `modelFailures`, failed trials are rows ranked after every other (with several objectives, never in a nondominated front). */
  constructor(options: { modelFailures?: boolean } = {}) {
    this.modelFailures = options.modelFailures ?? false;
  }

  /** Reads the trials finished since the last call; starts over if the snapshot is of another study or history. */
  sync(snapshot: StudySnapshot): void {
    const finished = snapshot.finished;
    if (this.studyKey !== studyKeyOf(snapshot) || finished.length < this.finishedSeen.length || !this.sameDirections(snapshot.directions)) {
      this.reset(snapshot);
    } else if (finished !== this.finishedArray) {
      // A different array (a hand-made snapshot): trust the cache only if it starts with what we read.
      for (let i = 0; i < this.finishedSeen.length; i++) {
        if (finished[i] !== this.finishedSeen[i]) {
          this.reset(snapshot);
          break;
        }
      }
    }
    this.finishedArray = finished;
    const multiObjective = this.directions.length > 1;
    const from = this.rows.length;
    for (let i = this.finishedSeen.length; i < finished.length; i++) {
      const trial = finished[i]!;
      this.finishedSeen.push(trial);
      const row = this.makeRow(trial, multiObjective);
      if (row) this.addRow(row);
    }
    if (!this.constrained && this.rows.slice(from).some((row) => storesConstraintsAttr(row.trial))) {
      // The study just became constrained: the rows read before change violation and tie rule.
      this.constrained = true;
      for (const row of this.rows) if (row.trial.state === "complete" && !storesConstraintsAttr(row.trial)) row.violation = Number.POSITIVE_INFINITY;
      this.lossOrder.length = 0;
      this.orderLoss(0, from);
    }
    this.orderRows(from);
  }

  private sameDirections(directions: readonly Direction[]): boolean {
    return directions.length === this.directions.length && directions.every((d, i) => d === this.directions[i]);
  }

  private reset(snapshot: StudySnapshot): void {
    this.studyKey = studyKeyOf(snapshot);
    this.directions = [...snapshot.directions];
    this.rows = [];
    this.failedRows = 0;
    this.lossOrder.length = 0;
    this.constrained = false;
    this.byNumber.length = 0;
    this.columns.clear();
    this.finishedSeen = [];
    this.splitCache = null;
    this.trialsScanned = 0;
    this.trialsArray = null;
    this.unfinished = [];
    this.groups = [];
    this.groupedRows = 0;
    this.intersection = null;
    this.intersectedRows = 0;
  }

  private makeRow(trial: FrozenTrial, multiObjective: boolean): HistoryRow | null {
    const directions = this.directions;
    if (trial.state === "complete") {
      const values = trial.values;
      if (!values || values.length !== directions.length || !values.every(Number.isFinite)) return null;
      const losses = multiObjective ? Float64Array.from(values, (v, k) => (directions[k] === "minimize" ? v : -v)) : null;
      const loss = directions[0] === "minimize" ? values[0]! : -values[0]!;
      const violation = this.constrained && !storesConstraintsAttr(trial) ? Number.POSITIVE_INFINITY : storedViolation(trial);
      // Constrained domination (Deb 2000), as the split's order: infeasible rows come after every
      // feasible one, the least violating first.
      if (violation > 0) return { trial, number: trial.number, rank: INFEASIBLE_RANK, loss: violation, losses, violation };
      return { trial, number: trial.number, rank: Number.NEGATIVE_INFINITY, loss, losses, violation };
    }
    // Pruned trials rank after every complete one of the same violation, deeper first (Optuna 3.1);
    // MOTPE leaves them out. A pruned trial's constraints are read as a complete one's: one that
    // meets them ranks before every infeasible trial, one that breaks them among those by its
    // violation, and one without them after all of those (Optuna's +∞; with no constraints anywhere
    // this order is the unconstrained one).
    if (trial.state === "pruned" && !multiObjective) {
      const violation = storesConstraintsAttr(trial) ? storedViolation(trial) : Number.POSITIVE_INFINITY;
      let step = -1;
      for (const key of Object.keys(trial.intermediate)) {
        const s = Number(key);
        if (s > step) step = s;
      }
      if (step < 0) return { trial, number: trial.number, rank: 1, loss: 0, losses: null, violation };
      const value = trial.intermediate[step]!;
      const loss = Number.isNaN(value) ? Number.POSITIVE_INFINITY : directions[0] === "minimize" ? value : -value;
      return { trial, number: trial.number, rank: -step, loss, losses: null, violation };
    }
    if (trial.state === "failed" && this.modelFailures) {
      return { trial, number: trial.number, rank: FAILED_RANK, loss: 0, losses: null, violation: Number.POSITIVE_INFINITY };
    }
    return null;
  }

  private addRow(row: HistoryRow): void {
    this.rows.push(row);
    if (row.rank === FAILED_RANK) this.failedRows++;
  }

  /** Puts the rows from `from` on into every order: the loss order, number order and each column's (none added: nothing done). */
  private orderRows(from: number): void {
    const rows = this.rows;
    this.orderLoss(from, rows.length);
    const added = Array.from({ length: rows.length - from }, (_, k) => from + k);
    mergeSorted(this.byNumber, added, (a, b) => rows[a]!.number < rows[b]!.number);
    for (const column of this.columns.values()) column.addRows(from, this);
  }

  /**
   * Merges the rows from `from` to `to` into the loss order. Constrained, as Optuna 3.1's
   * `_split_observation_pairs`: by violation, feasible rows by (rank, loss, number), equal positive
   * violations by trial number (failed rows last). Unconstrained: by (violation, rank, loss, number).
   */
  private orderLoss(from: number, to: number): void {
    const rows = this.rows;
    const constrained = this.constrained;
    const added = Array.from({ length: to - from }, (_, k) => from + k);
    mergeSorted(this.lossOrder, added, (a, b) => {
      const x = rows[a]!;
      const y = rows[b]!;
      if (x.violation !== y.violation) return x.violation < y.violation;
      if (constrained && x.violation > 0) {
        const xFailed = x.rank === FAILED_RANK;
        return xFailed !== (y.rank === FAILED_RANK) ? !xFailed : x.number < y.number;
      }
      return x.rank < y.rank || (x.rank === y.rank && (x.loss < y.loss || (x.loss === y.loss && x.number < y.number)));
    });
  }

  /** The column of a parameter under one distribution, built on first use and extended from then on. */
  column(name: string, distribution: Distribution): Column {
    const key = `${name}\u0000${JSON.stringify(distribution)}`;
    let column = this.columns.get(key);
    if (!column) {
      column = new Column(name, makeDimension(distribution));
      column.addRows(0, this);
      this.columns.set(key, column);
    }
    return column;
  }

  /** The below/above split for `belowCount` below rows; cached until a row is added. */
  split(belowCount: number): Split {
    const n = this.rows.length;
    // A failed trial is never a good one, however few the others are.
    belowCount = Math.max(0, Math.min(n - this.failedRows, belowCount));
    const cached = this.splitCache;
    if (cached && cached.rows === n && cached.belowCount === belowCount) return cached.split;
    const membership = new Uint8Array(n).fill(ABOVE);
    let belowWeights: Float64Array | null = null;
    if (this.directions.length === 1) {
      for (let i = 0; i < belowCount; i++) membership[this.lossOrder[i]!] = BELOW;
    } else {
      const below = this.multiObjectiveBelow(belowCount);
      belowWeights = new Float64Array(n);
      const weights = contributionWeights(below.map((row) => this.rows[row]!.losses!));
      below.forEach((row, i) => {
        membership[row] = BELOW;
        belowWeights![row] = weights[i]!;
      });
    }
    const split = { membership, belowCount, belowWeights };
    this.splitCache = { rows: n, belowCount, split };
    return split;
  }

  /**
   * Watanabe's (2023) EI weights of the below rows: the improvement of each over the best above
   * loss, scaled to mean 1. Null (weights by recency) when pruned trials are involved or every
   * below loss ties the threshold, since the improvement is then undefined or zero everywhere.
   */
  improvementWeights(split: Split): Float64Array | null {
    const n = this.rows.length;
    const count = split.belowCount;
    if (count === 0 || count >= n) return null;
    const threshold = this.rows[this.lossOrder[count]!]!;
    if (threshold.rank !== Number.NEGATIVE_INFINITY || threshold.violation !== 0) return null;
    let total = 0;
    for (let i = 0; i < count; i++) total += threshold.loss - this.rows[this.lossOrder[i]!]!.loss;
    if (!(total > 0 && Number.isFinite(total))) return null;
    const weights = new Float64Array(n);
    for (let i = 0; i < count; i++) {
      const row = this.lossOrder[i]!;
      weights[row] = ((threshold.loss - this.rows[row]!.loss) * count) / total;
    }
    return weights;
  }

  /** Rows of the best nondomination ranks, the last partial rank thinned by greedy hypervolume selection. */
  private multiObjectiveBelow(belowCount: number): number[] {
    // Failed rows have no losses and are never below.
    let remaining = this.byNumber.filter((row) => this.rows[row]!.rank !== FAILED_RANK);
    // Peeled in an order where every row comes after each row that dominates it (see
    // dominanceOrder): a row is then dominated by a remaining row exactly when it is dominated by a
    // front row met before it, so each front costs its size times the remaining rows, not their square.
    let ordered = remaining.slice().sort(this.dominanceOrder);
    const inFront = new Uint8Array(this.rows.length);
    const below: number[] = [];
    while (below.length < belowCount && remaining.length > 0) {
      const found: number[] = [];
      const later: number[] = [];
      for (const row of ordered) {
        const { losses, violation } = this.rows[row]!;
        let dominated = false;
        // Latest first: with two objectives the front row found last is the one most likely to dominate.
        for (let f = found.length - 1; f >= 0; f--) {
          const o = this.rows[found[f]!]!;
          if (constrainedDominates(o.losses!, o.violation, losses!, violation)) {
            dominated = true;
            break;
          }
        }
        if (dominated) later.push(row);
        else {
          found.push(row);
          inFront[row] = 1;
        }
      }
      // The front and the rest in trial-number order, as the selection and its tie rule expect.
      const front = remaining.filter((row) => inFront[row] === 1);
      const rest = remaining.filter((row) => inFront[row] === 0);
      // Loops, not push(...array): spreading 125,000 rows overflowed the call stack.
      if (below.length + front.length <= belowCount) {
        for (const row of front) below.push(row);
      } else {
        const points = scaledForHypervolume(front.map((row) => this.rows[row]!.losses!));
        const picked = greedyHypervolumeSubset(points, belowCount - below.length, referencePoint(points));
        for (const position of picked) below.push(front[position]!);
      }
      for (const row of found) inFront[row] = 0;
      remaining = rest;
      ordered = later;
    }
    return below;
  }

  /**
   * A total order in which a row that constrainedDominates another comes first: feasible rows (by
   * their losses lexicographically, which Pareto dominance always decreases) before infeasible ones
   * (by violation, NaN as the worst). Ties are left in any order: neither of two tied rows dominates the other.
   */
  private readonly dominanceOrder = (a: number, b: number): number => {
    const x = this.rows[a]!;
    const y = this.rows[b]!;
    const vx = Number.isNaN(x.violation) ? Number.POSITIVE_INFINITY : x.violation;
    const vy = Number.isNaN(y.violation) ? Number.POSITIVE_INFINITY : y.violation;
    const feasibleX = vx <= 0;
    if (feasibleX !== vy <= 0) return feasibleX ? -1 : 1;
    if (!feasibleX) return vx < vy ? -1 : vx > vy ? 1 : 0;
    const lx = x.losses!;
    const ly = y.losses!;
    for (let k = 0; k < lx.length; k++) if (lx[k] !== ly[k]) return lx[k]! < ly[k]! ? -1 : 1;
    return 0;
  };

  /**
   * Trials running now (for the constant liar), other than `exceptNumber`. Only trials not yet
   * seen finished are revisited, so the cost follows the number of trials in flight.
   */
  runningTrials(snapshot: StudySnapshot, exceptNumber: number): FrozenTrial[] {
    const trials = snapshot.trials;
    if (trials !== this.trialsArray) {
      this.trialsScanned = 0;
      this.unfinished = [];
    }
    this.trialsArray = trials;
    for (; this.trialsScanned < trials.length; this.trialsScanned++) this.unfinished.push(this.trialsScanned);
    const running: FrozenTrial[] = [];
    const still: number[] = [];
    for (const index of this.unfinished) {
      const trial = trials[index];
      if (!trial) continue;
      if (trial.state === "complete" || trial.state === "pruned" || trial.state === "failed") continue;
      still.push(index);
      if (trial.state === "running" && trial.number !== exceptNumber) running.push(trial);
    }
    this.unfinished = still;
    return running.sort((a, b) => a.number - b.number);
  }

  /** The parameters every row has, with one distribution (the intersection search space), extended incrementally. */
  intersectionSpace(): ReadonlyMap<string, Distribution> {
    for (; this.intersectedRows < this.rows.length; this.intersectedRows++) {
      // A failed trial may have stopped before asking for every parameter: it does not shape the space.
      if (this.rows[this.intersectedRows]!.rank === FAILED_RANK) continue;
      const distributions = this.rows[this.intersectedRows]!.trial.distributions;
      if (this.intersection === null) {
        this.intersection = new Map(Object.entries(distributions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
        continue;
      }
      for (const [name, distribution] of this.intersection) {
        const other = distributions[name];
        if (other === undefined || !distributionsEqual(other, distribution)) this.intersection.delete(name);
      }
    }
    return this.intersection ?? new Map();
  }

  /** Optuna's group decomposition of the parameters of complete (and pruned) trials, extended incrementally. */
  parameterGroups(): readonly Group[] {
    for (; this.groupedRows < this.rows.length; this.groupedRows++) {
      if (this.rows[this.groupedRows]!.rank === FAILED_RANK) continue;
      const distributions = this.rows[this.groupedRows]!.trial.distributions;
      const keys = new Set(Object.keys(distributions));
      const next: Group[] = [];
      for (const group of this.groups) {
        const inside: Group = new Map();
        const outside: Group = new Map();
        for (const [name, distribution] of group) (keys.has(name) ? inside : outside).set(name, distribution);
        for (const name of group.keys()) keys.delete(name);
        if (inside.size > 0) next.push(inside);
        if (outside.size > 0) next.push(outside);
      }
      const fresh: Group = new Map();
      for (const name of [...keys].sort()) fresh.set(name, distributions[name]!);
      if (fresh.size > 0) next.push(fresh);
      this.groups = next;
    }
    return this.groups;
  }
}

/**
 * Adds `added` (new elements, in any order) to `list`, which is sorted by `before`, a strict total
 * order (every order here ends on the trial number): the same list as inserting each at its place,
 * in O(n + k log k) for k added to n, where one insertion after another shifted the list k times.
 */
function mergeSorted(list: number[], added: number[], before: (a: number, b: number) => boolean): void {
  if (added.length === 0) return;
  const compare = (a: number, b: number): number => (before(a, b) ? -1 : before(b, a) ? 1 : 0);
  if (added.length > 1) added.sort(compare);
  // Most additions land at the end (new trials, worse losses in long studies): check it first.
  if (list.length === 0 || before(list[list.length - 1]!, added[0]!)) {
    for (const value of added) list.push(value);
    return;
  }
  if (added.length === 1) {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(list[mid]!, added[0]!)) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, added[0]!);
    return;
  }
  const old = list.slice();
  list.length = 0;
  let i = 0;
  let j = 0;
  while (i < old.length && j < added.length) list.push(before(added[j]!, old[i]!) ? added[j++]! : old[i++]!);
  while (i < old.length) list.push(old[i++]!);
  while (j < added.length) list.push(added[j++]!);
}

/**
 * The coordinates of a group of columns, row-major, extended as rows arrive, with whether each row
 * has all of them: a joint model then reads its observations from one contiguous row instead of
 * visiting every column of every row on every trial. Rows never change once read, so the
 * extension equals a rebuild.
 */
export class RowMatrix {
  values = new Float64Array(0);
  complete = new Uint8Array(0);
  private filled = 0;

  constructor(readonly columns: readonly Column[]) {}

  /** Whether this matrix is of exactly these columns (a history that started over has new ones). */
  isOf(columns: readonly Column[]): boolean {
    if (columns.length !== this.columns.length) return false;
    for (let k = 0; k < columns.length; k++) if (columns[k] !== this.columns[k]) return false;
    return true;
  }

  /** Reads rows up to `rowCount` (every column must have them). */
  extend(rowCount: number): void {
    const d = this.columns.length;
    if (this.complete.length < rowCount) {
      const size = Math.max(rowCount, 2 * this.complete.length, 64);
      const values = new Float64Array(size * d);
      values.set(this.values);
      this.values = values;
      const complete = new Uint8Array(size);
      complete.set(this.complete);
      this.complete = complete;
    }
    const { values, complete, columns } = this;
    for (let row = this.filled; row < rowCount; row++) {
      let has = 1;
      for (let k = 0; k < d; k++) {
        const coordinate = columns[k]!.coordinates[row]!;
        values[row * d + k] = coordinate;
        if (Number.isNaN(coordinate)) has = 0;
      }
      complete[row] = has;
    }
    this.filled = rowCount;
  }
}
