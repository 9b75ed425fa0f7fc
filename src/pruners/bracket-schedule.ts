import type { Direction } from "../space/index.js";
import { bracketCount } from "./hyperband.js";
import { checkInteger } from "./steps.js";

export interface BracketScheduleOptions {
  /** The most steps a configuration trains (R). */
  maxResource: number;
  /** Steps of the first rung of the most aggressive bracket; with R it sets how many brackets there are (default 1). */
  minResource?: number;
  /** η: each rung keeps the best ⌊n/η⌋ of its n configurations and trains them η times longer (default 3). */
  reductionFactor?: number;
  /**
   * `"hyperband"` (default): cycle through every bracket, most aggressive first, as Li et al.'s
   * Algorithm 1 and BOHB do; `"successive-halving"`: repeat the most aggressive bracket alone.
   */
  brackets?: "hyperband" | "successive-halving";
  /** Whether lower values are better (default "minimize"). */
  direction?: Direction;
}

/**
 * One unit of work: train configuration `config` from step `from` (exclusive; 0 for a new one) to
 * step `until` and report its value there with {@link BracketSchedule.report}. `isNew` jobs need a
 * new configuration (ask the study for a trial); `final` jobs end at R, where the configuration is
 * complete.
 */
export interface BracketJob {
  readonly config: number;
  readonly bracket: number;
  readonly rung: number;
  readonly from: number;
  readonly until: number;
  readonly isNew: boolean;
  readonly final: boolean;
}

/** The layout of one bracket of Li et al.'s Algorithm 1. */
export interface BracketLayout {
  /** s: how many times the bracket halves. */
  readonly halvings: number;
  /** Configurations at each rung: n_i = ⌊n·η^−i⌋. */
  readonly sizes: readonly number[];
  /** Steps at each rung: r_i = R·η^(i−s), rounded, at least 1; the last is R. */
  readonly steps: readonly number[];
}

/**
 * The brackets of Hyperband for R = `maxResource`, r = `minResource` and η (Li et al., "Hyperband:
 * A Novel Bandit-Based Approach to Hyperparameter Optimization", JMLR 2018, Algorithm 1): with
 * s_max = ⌊log_η(R/r)⌋, bracket s (s_max down to 0) starts n = ⌈(s_max + 1)·η^s/(s + 1)⌉
 * configurations at R·η^−s steps and halves s times, so every bracket spends about
 * (s_max + 1)·R steps.
 *
 * @example
 * hyperbandBrackets(1, 27, 3)[0] // { halvings: 3, sizes: [27, 9, 3, 1], steps: [1, 3, 9, 27] }
 */
export function hyperbandBrackets(minResource: number, maxResource: number, reductionFactor: number): BracketLayout[] {
  const sMax = bracketCount(minResource, maxResource, reductionFactor) - 1;
  const layouts: BracketLayout[] = [];
  for (let s = sMax; s >= 0; s--) {
    const n = Math.ceil(((sMax + 1) * reductionFactor ** s) / (s + 1));
    const sizes: number[] = [];
    const steps: number[] = [];
    for (let i = 0; i <= s; i++) {
      sizes.push(Math.floor(n / reductionFactor ** i));
      steps.push(i === s ? maxResource : Math.max(Math.round(maxResource * reductionFactor ** (i - s)), 1));
    }
    layouts.push({ halvings: s, sizes, steps });
  }
  return layouts;
}

interface OpenBracket {
  readonly index: number;
  readonly layout: BracketLayout;
  rung: number;
  /** Configurations of the current rung not handed out yet (-1: a new one to create). */
  pending: number[];
  /** Configurations of the current rung handed out and not reported. */
  running: Set<number>;
  /** Values reported at the current rung. */
  results: Map<number, number>;
  /** Steps each configuration of the bracket has trained. */
  trained: Map<number, number>;
}

/**
 * Synchronous successive halving in Hyperband's brackets, the schedule of Li et al. (JMLR 2018)
 * that BOHB (Falkner et al., ICML 2018) runs with its model: a bracket's n_i configurations all
 * train to rung i, then exactly its best ⌊n_i/η⌋ go on to rung i + 1 and the rest stop. Unlike
 * asynchronous halving (the `asha` and `hyperband` pruners), a configuration is ranked only against
 * the peers of its own bracket and rung, so a sampler whose later proposals all beat the early
 * random ones cannot get most of them promoted: each rung keeps 1/η however good the proposals
 * are. The price is waiting: a configuration pauses at a rung until its peers reach it, so training
 * has to be resumable (a checkpoint, or a simulator).
 *
 * The schedule only plans; the caller trains. Call {@link next} for a job, train it, and
 * {@link report} the value at `job.until` (NaN for a job that failed: it ranks last, and the
 * rung does not wait for it forever); `report` answers which configurations stopped. With
 * several workers, `next` hands out the current rung's jobs, and when they are all out it opens the
 * next bracket instead of waiting (as HpBandSter does), so nobody idles.
 *
 * @example
 * const schedule = new BracketSchedule({ maxResource: 27 });
 * const job = schedule.next(); // { config: 0, rung: 0, from: 0, until: 1, isNew: true, ... }
 * const { stopped } = schedule.report(job.config, 0.42);
 */
export class BracketSchedule {
  readonly maxResource: number;
  readonly minResource: number;
  readonly reductionFactor: number;
  readonly layouts: readonly BracketLayout[];
  private readonly sign: number;
  private readonly open: OpenBracket[] = [];
  private readonly bracketOf = new Map<number, OpenBracket>();
  private bracketsStarted = 0;
  /** Brackets started per layout. */
  private readonly startedPerLayout: number[];
  private configs = 0;

  constructor(options: BracketScheduleOptions) {
    this.maxResource = checkInteger("bracket schedule", "maxResource", options.maxResource, 1);
    this.minResource = checkInteger("bracket schedule", "minResource", options.minResource ?? 1, 1);
    this.reductionFactor = checkInteger("bracket schedule", "reductionFactor", options.reductionFactor ?? 3, 2);
    if (this.minResource > this.maxResource) throw new RangeError(`bracket schedule: minResource ${this.minResource} exceeds maxResource ${this.maxResource}`);
    const brackets = options.brackets ?? "hyperband";
    if (brackets !== "hyperband" && brackets !== "successive-halving") throw new RangeError(`bracket schedule: brackets must be "hyperband" or "successive-halving", got ${JSON.stringify(brackets)}`);
    const all = hyperbandBrackets(this.minResource, this.maxResource, this.reductionFactor);
    this.layouts = brackets === "hyperband" ? all : [all[0]!];
    this.sign = (options.direction ?? "minimize") === "minimize" ? 1 : -1;
    this.startedPerLayout = this.layouts.map(() => 0);
  }

  /**
   * The next job: the oldest open bracket's next one, else the first of a new bracket. New
   * brackets cycle through the layouts, most aggressive first (Algorithm 1); with `weights` (one
   * per layout, ≥ 0, at least one positive; e.g. `bracketWeightsByRankAgreement` of the
   * layouts' first rung steps) each layout instead gets its weight's share of the brackets
   * started: the one furthest below its share starts next (ties to the more aggressive), which
   * with equal weights is the plain cycle.
   */
  next(weights?: readonly number[]): BracketJob {
    for (const bracket of this.open) {
      const job = this.take(bracket);
      if (job) return job;
    }
    const index = weights ? this.mostBehind(weights) : this.bracketsStarted % this.layouts.length;
    this.startedPerLayout[index]!++;
    const layout = this.layouts[index]!;
    const bracket: OpenBracket = { index: this.bracketsStarted++, layout, rung: 0, pending: new Array(layout.sizes[0]).fill(-1), running: new Set(), results: new Map(), trained: new Map() };
    this.open.push(bracket);
    return this.take(bracket)!;
  }

  /**
   * Records `value` for `config` at the step its job ended. When that completes its rung, the
   * best ⌊n_i/η⌋ are queued for the next rung and the others are returned as `stopped` (a NaN
   * ranks last; ties go to the earlier configuration).
   */
  report(config: number, value: number): { stopped: number[] } {
    const bracket = this.bracketOf.get(config);
    if (!bracket || !bracket.running.has(config)) throw new Error(`bracket schedule: configuration ${config} has no job running`);
    bracket.running.delete(config);
    bracket.results.set(config, value);
    bracket.trained.set(config, bracket.layout.steps[bracket.rung]!);
    if (bracket.results.size < bracket.layout.sizes[bracket.rung]!) return { stopped: [] };
    const ranked = [...bracket.results].sort(([a, x], [b, y]) => this.compare(x, y) || a - b).map(([c]) => c);
    const last = bracket.rung === bracket.layout.halvings;
    const kept = last ? ranked.length : bracket.layout.sizes[bracket.rung + 1]!;
    const stopped = last ? [] : ranked.slice(kept);
    for (const c of last ? ranked : stopped) this.bracketOf.delete(c);
    if (last) {
      this.open.splice(this.open.indexOf(bracket), 1);
    } else {
      bracket.rung++;
      bracket.pending = ranked.slice(0, kept);
      bracket.results = new Map();
    }
    return { stopped };
  }

  private mostBehind(weights: readonly number[]): number {
    if (weights.length !== this.layouts.length || weights.some((w) => !(w >= 0)) || !weights.some((w) => w > 0)) {
      throw new RangeError(`bracket schedule: weights must be ${this.layouts.length} numbers ≥ 0, at least one positive, got ${JSON.stringify(weights)}`);
    }
    const total = weights.reduce((a, b) => a + b, 0);
    let best = -1;
    let bestDeficit = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i]! <= 0) continue;
      const deficit = (weights[i]! / total) * (this.bracketsStarted + 1) - this.startedPerLayout[i]!;
      if (deficit > bestDeficit + 1e-12) [best, bestDeficit] = [i, deficit];
    }
    return best;
  }

  private compare(x: number, y: number): number {
    if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y));
    return this.sign * (x - y);
  }

  private take(bracket: OpenBracket): BracketJob | null {
    const next = bracket.pending.shift();
    if (next === undefined) return null;
    const isNew = next === -1;
    const config = isNew ? this.configs++ : next;
    bracket.running.add(config);
    this.bracketOf.set(config, bracket);
    return {
      config,
      bracket: bracket.index,
      rung: bracket.rung,
      from: bracket.trained.get(config) ?? 0,
      until: bracket.layout.steps[bracket.rung]!,
      isNew,
      final: bracket.rung === bracket.layout.halvings,
    };
  }
}
