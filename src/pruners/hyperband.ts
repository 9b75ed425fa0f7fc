import { crc32 } from "../math/crc32.js";
import { type Direction, type FrozenTrial, type StudySnapshot, defineOptions, studyKeyOf, refuseUnknownOptions, componentSpec, type ComponentSpec } from "../space/index.js";
import { type RungSchedule, RungMemory, judgeAtRungs } from "./asha.js";
import type { Pruner, PruningNotes } from "./base.js";
import { RankedFirstRung, checkInteger, firstCompleteLastStep, rankAgreement, singleDirection } from "./steps.js";

export interface HyperbandPrunerOptions {
  /**
   * Steps before the first rung of the most aggressive bracket, or "rank-agreement" (the default
   * since session 24; 1 before, as Optuna's): the step asha's `minResource: "rank-agreement"` would
   * choose, the earliest from which every reported step ranks the complete trials as their final
   * values do. The brackets are laid out once it is found; nothing is pruned before.
   */
  minResource?: number | "rank-agreement";
  /** The most steps a trial takes, or "auto" for one more than the first complete trial's last step (default "auto"). */
  maxResource?: number | "auto";
  /** η, shared by every bracket (default 3). */
  reductionFactor?: number;
  /** As successive halving's, per bracket (default 0). */
  bootstrapCount?: number;
  /**
   * The sampler learns only from the trials of the bracket a new trial joins, as Optuna 3.1's
   * `HyperbandPruner` makes every sampler do, and as in Li et al.'s Hyperband, where each bracket
   * is a run of its own (default false: the sampler sees every bracket).
   */
  samplerPerBracket?: boolean;
  /**
   * `"fixed"` (default): Hyperband's shares, every bracket budgeted alike. `"rank-agreement"`:
   * each bracket's share is multiplied by how well its first rung ranks trials as their final
   * values do (Kendall's τ over the complete trials so far, 0 when negative; see
   * {@link bracketWeightsByRankAgreement}), so brackets whose first rung misleads get fewer
   * trials. A trial's bracket is then fixed when it is first judged, from the weights at that
   * moment, and recorded on it as system attribute `hyperband_bracket`.
   */
  bracketWeighting?: "fixed" | "rank-agreement";
}

/** The system attribute holding a trial's bracket under `bracketWeighting: "rank-agreement"`. */
export const BRACKET_KEY = "hyperband_bracket";

/**
 * Hyperband (Li et al., "Hyperband: A Novel Bandit-Based Approach to Hyperparameter
 * Optimization", JMLR 2018) over asynchronous successive halving, with the semantics of Optuna's
 * `HyperbandPruner`.
 *
 * With R = `maxResource`/`minResource`, there are ⌊log_η R⌋ + 1 brackets (counted exactly, see
 * {@link bracketCount}); bracket b is ASHA with
 * offset s = b, so bracket 0 stops trials earliest and the last bracket barely prunes. Which
 * pruning aggressiveness pays off is unknown in advance, hence the hedge. Each trial joins one
 * bracket for good, picked from CRC-32 of "<study name>_<trial number>" modulo the total budget,
 * where bracket b gets a share ⌈B·η^(B−1−b)/(B−b)⌉ (B brackets): the number of trials the paper's
 * Algorithm 1 starts in it. A trial is compared only with the trials of its own bracket.
 *
 * Until the brackets are laid out (with "auto", when the first complete trial is seen; with
 * `minResource: "rank-agreement"`, when a step that ranks trials is found) nothing is pruned. Under
 * "rank-agreement" the trials that ran before compete at each rung of their bracket with the value
 * they reported at its step, and one still running is judged and recorded at each rung it is past
 * with that value, not its latest (as asha's, through `judgeAtRungs`).
 *
 * With `samplerPerBracket`, a sampler proposing a trial sees only that trial's bracket (through
 * {@link Pruner.samplerSnapshot}), as Optuna 3.1 does: a model-based sampler then starts over in
 * each bracket, with its own random startup there.
 *
 * @example
 * const study = await createStudy({ pruner: new HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3 }) });
 */
export class HyperbandPruner implements Pruner {
  readonly name = "hyperband";
  readonly singleObjective = true;
  readonly minResource: number | "rank-agreement";
  readonly reductionFactor: number;
  readonly bootstrapCount: number;
  readonly samplerPerBracket: boolean;
  readonly bracketWeighting: "fixed" | "rank-agreement";
  private readonly maxResource: number | "auto";
  /**
   * Each study's brackets, by {@link studyKeyOf} (by study name for {@link bracketFor}): with
   * maxResource "auto" or minResource "rank-agreement" they come from the study's own trials, and
   * a pruner reused by a second study kept the first one's.
   */
  private readonly layouts = new Map<string, BracketLayout>();
  /** The layout laid out last, for {@link bracketCount}. */
  private lastLayout: BracketLayout | null = null;
  /** The layout of the study of each name laid out last, for {@link bracketFor}. */
  private readonly layoutByName = new Map<string, BracketLayout>();
  /** Each study's search for its first ranking step (minResource "rank-agreement"), by layout key. */
  private readonly rankedFirstRung = new Map<string, RankedFirstRung>();
  private readonly rungs = new RungMemory();

  /** The options given to the constructor, which {@link spec} writes down. */
  private readonly given: Readonly<HyperbandPrunerOptions>;

  constructor(options: HyperbandPrunerOptions = {}) {
    refuseUnknownOptions("hyperband pruner", options, HYPERBAND_OPTIONS, []);
    this.given = { ...options };
    const minResource = options.minResource ?? "rank-agreement";
    this.minResource = minResource === "rank-agreement" ? minResource : checkInteger(this.name, "minResource", minResource, 1);
    const maxResource = options.maxResource ?? "auto";
    this.maxResource = maxResource === "auto" ? "auto" : checkInteger(this.name, "maxResource", maxResource, typeof this.minResource === "number" ? this.minResource : 1);
    this.reductionFactor = checkInteger(this.name, "reductionFactor", options.reductionFactor ?? 3, 2);
    this.bootstrapCount = checkInteger(this.name, "bootstrapCount", options.bootstrapCount ?? 0, 0);
    if (this.bootstrapCount > 0 && this.minResource === "rank-agreement") {
      throw new RangeError('hyperband pruner: bootstrapCount needs a numeric minResource (with "rank-agreement" the rungs are placed later)');
    }
    this.samplerPerBracket = options.samplerPerBracket ?? false;
    if (typeof this.samplerPerBracket !== "boolean") throw new TypeError(`hyperband pruner: samplerPerBracket must be a boolean, got ${JSON.stringify(options.samplerPerBracket)}`);
    this.bracketWeighting = options.bracketWeighting ?? "fixed";
    if (this.bracketWeighting !== "fixed" && this.bracketWeighting !== "rank-agreement") {
      throw new RangeError(`hyperband pruner: bracketWeighting must be "fixed" or "rank-agreement", got ${JSON.stringify(options.bracketWeighting)}`);
    }
    if (this.samplerPerBracket && this.bracketWeighting !== "fixed") {
      throw new RangeError("hyperband pruner: samplerPerBracket needs bracketWeighting \"fixed\" (a weighted bracket is known only once the trial is judged)");
    }
  }

  /** See {@link Pruner.spec}. */
  spec(): ComponentSpec | null {
    return componentSpec(this.name, this.given, HYPERBAND_OPTIONS);
  }

  /** How many brackets the last study laid out has, or null until one has (its `maxResource` is known). */
  get bracketCount(): number | null {
    return this.lastLayout === null ? null : this.lastLayout.brackets.length;
  }

  prune(snapshot: StudySnapshot, trial: FrozenTrial, notes?: PruningNotes): boolean {
    const direction = singleDirection(snapshot, this.name);
    const layout = this.layoutFor(studyKeyOf(snapshot), snapshot.studyName, snapshot.trials);
    if (layout === null) return false;
    if (this.bracketWeighting === "rank-agreement") return this.pruneWeighted(layout, snapshot, trial, direction, notes);
    const bracket = bracketOf(layout, snapshot.studyName, trial.number);
    const peers = snapshot.trials.filter((t) => bracketOf(layout, snapshot.studyName, t.number) === bracket);
    return judgeAtRungs(layout.brackets[bracket]!.schedule, studyKeyOf(snapshot), peers, direction, trial, this.rungs, notes);
  }

  /**
   * Weighted brackets: a trial joins a bracket the first time it is judged, drawn from the CRC-32
   * of "<study name>_<trial number>" against the shares Hyperband's budget × the rank agreement of
   * each bracket's first rung. Peers are the trials recorded in the same bracket (their system
   * attribute, or this process's memory).
   */
  private pruneWeighted(layout: BracketLayout, snapshot: StudySnapshot, trial: FrozenTrial, direction: Direction, notes?: PruningNotes): boolean {
    let known = layout.bracketCache.get(snapshot.studyName);
    if (!known) layout.bracketCache.set(snapshot.studyName, (known = []));
    const recorded = (t: FrozenTrial): number | undefined => {
      const stored = t.systemAttrs[BRACKET_KEY];
      return typeof stored === "number" ? stored : known[t.number];
    };
    let bracket = recorded(trial);
    if (bracket === undefined) {
      const firstSteps = layout.brackets.map((b) => b.schedule.minResource * b.schedule.reductionFactor ** b.schedule.minEarlyStoppingRate);
      const weights = bracketWeightsByRankAgreement(snapshot.trials, firstSteps, layout.maxResource);
      const shares = layout.brackets.map((b, i) => b.budget * weights[i]!);
      bracket = pickByShare(crc32(`${snapshot.studyName}_${trial.number}`) / 2 ** 32, shares);
      known[trial.number] = bracket;
      notes?.setSystemAttr(BRACKET_KEY, bracket);
    }
    const peers = snapshot.trials.filter((t) => t.id === trial.id || recorded(t) === bracket);
    return judgeAtRungs(layout.brackets[bracket]!.schedule, studyKeyOf(snapshot), peers, direction, trial, this.rungs, notes);
  }

  /**
   * With `samplerPerBracket`, the trials of the bracket trial `trialNumber` joins (the snapshot
   * unchanged before the brackets are laid out); else the snapshot.
   */
  samplerSnapshot(snapshot: StudySnapshot, trialNumber: number): StudySnapshot {
    if (!this.samplerPerBracket) return snapshot;
    const layout = this.layoutFor(studyKeyOf(snapshot), snapshot.studyName, snapshot.trials);
    if (layout === null) return snapshot;
    const bracket = bracketOf(layout, snapshot.studyName, trialNumber);
    const inBracket = (t: FrozenTrial) => bracketOf(layout, snapshot.studyName, t.number) === bracket;
    return { ...snapshot, trials: snapshot.trials.filter(inBracket), finished: snapshot.finished.filter(inBracket) };
  }

  /**
   * The bracket a trial belongs to (0 = most aggressive), or null before the brackets are laid out.
   *
   * @example
   * new HyperbandPruner({ minResource: 1, maxResource: 81 }).bracketFor("my-study", 7) // a number in 0..4
 * new HyperbandPruner({ maxResource: 81 }).bracketFor("my-study", 7) // null until "rank-agreement" has found the first rung
   */
  bracketFor(studyName: string, trialNumber: number): number | null {
    const layout = this.layoutByName.get(studyName) ?? (this.maxResource === "auto" ? null : this.layoutFor(`name:${studyName}`, studyName, []));
    return layout === null ? null : bracketOf(layout, studyName, trialNumber);
  }

  /** The study's brackets, laid out once its trials fix them; null before. */
  private layoutFor(key: string, studyName: string, trials: readonly FrozenTrial[]): BracketLayout | null {
    const known = this.layouts.get(key);
    if (known) return known;
    const laid = this.layOutBrackets(key, trials);
    if (laid) {
      this.layouts.set(key, laid);
      this.layoutByName.set(studyName, laid);
      this.lastLayout = laid;
    }
    return laid;
  }

  private layOutBrackets(key: string, trials: readonly FrozenTrial[]): BracketLayout | null {
    let minResource: number;
    if (this.minResource === "rank-agreement") {
      let search = this.rankedFirstRung.get(key);
      if (!search) this.rankedFirstRung.set(key, (search = new RankedFirstRung()));
      const found = search.find(trials);
      if (found === null) return null;
      minResource = found;
    } else {
      minResource = this.minResource;
    }
    let maxResource = this.maxResource;
    if (maxResource === "auto") {
      const first = firstCompleteLastStep(trials);
      if (first < 0) return null;
      maxResource = first + 1;
    }
    // A step found by rank agreement beyond a maxResource given by hand: one bracket that prunes nothing.
    minResource = Math.min(minResource, maxResource);
    const layout: BracketLayout = { maxResource, brackets: [], totalBudget: 0, bracketCache: new Map() };
    const count = bracketCount(minResource, maxResource, this.reductionFactor);
    for (let b = 0; b < count; b++) {
      const s = count - 1 - b;
      const budget = Math.ceil((count * this.reductionFactor ** s) / (s + 1));
      layout.brackets.push({
        schedule: {
          minResource,
          reductionFactor: this.reductionFactor,
          minEarlyStoppingRate: b,
          bootstrapCount: this.bootstrapCount,
          backfill: this.minResource === "rank-agreement",
        },
        budget,
      });
      layout.totalBudget += budget;
    }
    return layout;
  }
}

/** One study's Hyperband brackets. */
interface BracketLayout {
  readonly maxResource: number;
  readonly brackets: { schedule: RungSchedule; budget: number }[];
  totalBudget: number;
  /** Bracket by trial number, per study name: every prune call filters the whole history by bracket. */
  readonly bracketCache: Map<string, number[]>;
}

function bracketOf(layout: BracketLayout, studyName: string, trialNumber: number): number {
  let known = layout.bracketCache.get(studyName);
  if (!known) layout.bracketCache.set(studyName, (known = []));
  return (known[trialNumber] ??= hashToBracket(layout, studyName, trialNumber));
}

function hashToBracket(layout: BracketLayout, studyName: string, trialNumber: number): number {
  let n = crc32(`${studyName}_${trialNumber}`) % layout.totalBudget;
  for (let b = 0; b < layout.brackets.length; b++) {
    n -= layout.brackets[b]!.budget;
    if (n < 0) return b;
  }
  throw new Error("hyperband pruner: bracket budgets do not cover the hash range");
}

/**
 * A weight per Hyperband bracket from how well its first rung ranks trials: max(τ, 0) with τ =
 * {@link rankAgreement} at the bracket's first rung step, 1 for a bracket that starts at
 * `maxResource` (it prunes nothing) and for a rung with fewer than `minTrials` complete trials to
 * judge it by (plain Hyperband until then). τ is the rung's excess over a coin flip at ordering a
 * pair, so a rung that orders pairs no better than chance gets no trials. This is the idea of
 * Hyper-Tune's bracket selection (Li et al., "Hyper-Tune: Towards Efficient Hyper-parameter
 * Tuning at Scale", VLDB 2022): judge each fidelity by how consistently it ranks configurations
 * with the highest one, and start fewer brackets at fidelities that rank badly.
 *
 * The complete trials have survived their own brackets' rungs, so their early values span a
 * narrower range than fresh trials' would; τ among them is, if anything, lower, which errs
 * toward the brackets that prune less.
 *
 * @example
 * bracketWeightsByRankAgreement(trials, [1, 3, 9, 27], 27) // e.g. [0.2, 0.35, 0.6, 1]
 */
export function bracketWeightsByRankAgreement(trials: readonly FrozenTrial[], firstRungSteps: readonly number[], maxResource: number, minTrials: number = 5): number[] {
  return firstRungSteps.map((step) => {
    if (step >= maxResource) return 1;
    const tau = rankAgreement(trials, step, minTrials);
    return tau === null ? 1 : Math.max(tau, 0);
  });
}

/**
 * The index whose cumulative share interval holds `u` ∈ [0, 1) (shares need not sum to 1). With
 * no positive share (no rung ranks better than chance, as when R is not a power of η and even the
 * last bracket prunes once), the last index: the bracket that prunes least.
 */
function pickByShare(u: number, shares: readonly number[]): number {
  const total = shares.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return shares.length - 1;
  let left = u * total;
  let last = 0;
  for (let i = 0; i < shares.length; i++) {
    if (shares[i]! <= 0) continue;
    last = i;
    left -= shares[i]!;
    if (left < 0) return i;
  }
  return last;
}

/**
 * Hyperband's number of brackets, s_max + 1 with s_max = ⌊log_η(max/min)⌋ (Li et al. 2018,
 * Algorithm 1): the largest s with min·η^s ≤ max, counted in integers. The floating-point
 * logarithm misses whole powers: log(1000)/log(10) is 2.9999999999999996, which would drop
 * a bracket (Optuna 3.1 computes it that way and drops one at 1000/10, and at 243/3 in Python).
 *
 * @example
 * bracketCount(1, 1000, 10) // 4: rungs at 1, 10, 100, 1000
 */
export function bracketCount(minResource: number, maxResource: number, reductionFactor: number): number {
  let count = 1;
  for (let reach = minResource * reductionFactor; reach <= maxResource; reach *= reductionFactor) count++;
  return count;
}

/** The options of the `hyperband` pruner, as `--pruner-opt`, config files and `sextant pruners` know them. */
export const HYPERBAND_OPTIONS = defineOptions({
  minResource: { kind: "steps", min: 1, words: ["rank-agreement"], default: "rank-agreement", description: "most aggressive first rung: where steps start to rank trials, or n steps" },
  maxResource: { kind: "steps", min: 1, words: ["auto"], default: "auto", description: "the most steps a trial takes, or auto (the last step of the first trial to complete, plus one)" },
  reductionFactor: { kind: "integer", min: 2, default: 3, description: "η: each rung keeps the best 1/η and sits η times further" },
  bootstrapCount: { kind: "integer", min: 0, default: 0, description: "prune at a rung reached by at most this many trials" },
  samplerPerBracket: { kind: "boolean", default: false, description: "the sampler learns only from the new trial's bracket (Optuna 3.1's behaviour)" },
  bracketWeighting: { kind: "enum", values: ["fixed", "rank-agreement"] as const, default: "fixed", description: "fixed (Hyperband's shares) or rank-agreement (shares × Kendall's τ of each bracket's first rung with final values)" },
});
