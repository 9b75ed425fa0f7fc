/**
 * The generational engine NSGA-II and NSGA-III share: populations replayed from the study's
 * finished trials, parents chosen by binary tournament, children bred by the operators of
 * `operators.ts`. The two samplers differ in how survivors are chosen (crowding distance or
 * reference-direction niching) and in what decides a tournament (rank and crowding, or only
 * constraint violation), which they pass in. Internal to the NSGA family.
 *
 * Generations live in the study, not in the process:
 * - each trial is tagged with the generation it was bred for (`<name>:generation`) and its parents;
 * - generation g is made of the `populationSize` lowest-numbered complete trials tagged g, whatever
 *   order they finished or were read in (complete trials without a tag, e.g. from another sampler,
 *   count toward generation 0); others stay in the history but do not move the search;
 * - the parents of generation g + 1 are the survivors of the parents of g together with the members
 *   of g, each computed once and cached (and again when a lower-numbered trial that finishes late
 *   takes its place in a full generation).
 * So asynchronous workers simply breed the current generation until it fills, and a resumed study
 * (or another process) replays the same populations.
 */
import { nonDominatedSort, toLosses } from "../../analysis/index.js";
import { storedViolation } from "../../analysis/pareto.js";
import { deriveSeed, Rng, seedOrRandom } from "../../math/rng.js";
import {
  type Direction,
  type Distribution,
  type FrozenTrial,
  type ParamValue,
  type SamplingTrial,
  type SearchSpace,
  type StudySnapshot,
  FinishedCursor,
  SpaceEncoder,
  IntersectionSearchSpace,
} from "../../space/index.js";
import type { IndependentSampling, Sampler } from "../base.js";
import { sampleUniform } from "../random.js";
import { type VariationSettings, makeChild } from "./operators.js";

/** Options every sampler of the NSGA family takes. */
export interface GenerationalOptions {
  seed?: number;
  /** Trials per generation (default 50). */
  populationSize?: number;
  /** Probability that two parents are crossed (default 0.9); otherwise the child is a mutated copy. */
  crossoverProb?: number;
  /** In uniform crossover, the probability that a categorical value comes from the second parent (default 0.5). */
  swappingProb?: number;
  /** Per parameter, the probability of mutation (default 1 / number of parameters). */
  mutationProb?: number;
  /** SBX distribution index: larger keeps children nearer their parents (default 20, as in Deb et al. 2002). */
  crossoverEta?: number;
  /** Polynomial-mutation distribution index (default 20). */
  mutationEta?: number;
}

/** A population's candidates as the survival step sees them. */
export interface Candidates {
  /** Loss vectors (objectives minimized). */
  readonly losses: readonly Float64Array[];
  /** Total constraint violation per candidate, 0 when feasible. */
  readonly violations: readonly number[];
}

/** The survivors of a population, with what the parent tournaments compare. */
export interface Survivors {
  /** Positions of the survivors among the candidates. */
  readonly chosen: number[];
  /** Per survivor: its non-domination rank (constrained, so infeasible ones rank after feasible ones). */
  readonly rank: number[];
  /** Per survivor: a diversity score (NSGA-II's crowding distance); all equal when the method has none. */
  readonly diversity: number[];
}

/** How a member of the NSGA family picks `size` survivors; `rng` breaks its ties. */
export type SurvivalSelection = (candidates: Candidates, size: number, rng: Rng) => Survivors;

/** The parents' side of a tournament: per parent (positions 0 … n − 1), its survival data and its total constraint violation (0 when feasible). */
export interface TournamentEntrants extends Survivors {
  readonly violation: readonly number[];
}

/** How a member of the NSGA family picks one parent among `entrants`: a position in 0 … n − 1, drawn with `rng`. */
export type ParentTournament = (rng: Rng, entrants: TournamentEntrants) => number;

/** Two distinct random positions among n ≥ 2: the pair a binary tournament compares. */
function drawPair(rng: Rng, n: number): [number, number] {
  const a = rng.integer(0, n - 1);
  let b = rng.integer(0, n - 2);
  if (b >= a) b++;
  return [a, b];
}

/**
 * NSGA-II's binary tournament with the crowded-comparison operator (Deb et al. 2002): of two
 * distinct random parents the lower rank wins, then the larger diversity, then a coin. Ranks come
 * from constrained domination, so a feasible parent beats an infeasible one.
 */
export function rankAndCrowdingTournament(rng: Rng, entrants: TournamentEntrants): number {
  const n = entrants.chosen.length;
  if (n === 1) return 0;
  const [a, b] = drawPair(rng, n);
  if (entrants.rank[a] !== entrants.rank[b]) return entrants.rank[a]! < entrants.rank[b]! ? a : b;
  if (entrants.diversity[a] !== entrants.diversity[b]) return entrants.diversity[a]! > entrants.diversity[b]! ? a : b;
  return rng.uniform() < 0.5 ? a : b;
}

/**
 * NSGA-III's parent choice. Deb and Jain 2014 (part I, Sec. IV-E) pick parents at random from the
 * survivors, since niching already keeps them spread; their constrained NSGA-III (Jain and Deb
 * 2014, part II) holds a binary tournament on violation only: a feasible parent beats an
 * infeasible one, the smaller violation wins between two infeasible ones, and two feasible ones
 * (or equal violations) are settled by a coin. Without constraints every survivor is thus equally
 * likely, whatever its front. pymoo's NSGA3 selects the same way (`comp_by_cv_then_random` in
 * pymoo/algorithms/moo/nsga3.py). Optuna's NSGAIIISampler (3.2+) does not: it reuses its NSGA-II
 * parent selection (`_select_parent` in optuna/samplers/nsgaii/_crossover.py), where of two random
 * trials the first wins if it (constrained-)dominates the second, else the second.
 */
export function violationThenRandomTournament(rng: Rng, entrants: TournamentEntrants): number {
  const n = entrants.chosen.length;
  if (n === 1) return 0;
  const [a, b] = drawPair(rng, n);
  const va = entrants.violation[a]!;
  const vb = entrants.violation[b]!;
  if (va !== vb) return va < vb ? a : b;
  return rng.uniform() < 0.5 ? a : b;
}

interface Population {
  readonly trials: FrozenTrial[];
  readonly survivors: TournamentEntrants | null;
}

interface StudyState {
  readonly cursor: FinishedCursor;
  /** Complete trials per generation by number, at most populationSize each. */
  readonly members: FrozenTrial[][];
  /** Parents per generation (index 0 has none), computed once the previous generation is full. */
  readonly parents: Population[];
}

const DEFAULTS = { populationSize: 50, crossoverProb: 0.9, swappingProb: 0.5, crossoverEta: 20, mutationEta: 20 };

/** Checks the shared options and names the one that is wrong. */
export function resolveGenerationalOptions(sampler: string, options: GenerationalOptions): Required<Omit<GenerationalOptions, "mutationProb" | "seed">> & { mutationProb: number | null } {
  const resolved = { ...DEFAULTS, ...definedOnly(options), mutationProb: options.mutationProb ?? null };
  const { populationSize } = resolved;
  if (!(Number.isInteger(populationSize) && populationSize >= 2)) {
    throw new RangeError(`${sampler}: populationSize must be an integer >= 2, got ${populationSize}`);
  }
  for (const key of ["crossoverProb", "swappingProb"] as const) {
    if (!(resolved[key] >= 0 && resolved[key] <= 1)) throw new RangeError(`${sampler}: ${key} must be in [0, 1], got ${resolved[key]}`);
  }
  if (resolved.mutationProb !== null && !(resolved.mutationProb >= 0 && resolved.mutationProb <= 1)) {
    throw new RangeError(`${sampler}: mutationProb must be in [0, 1], got ${resolved.mutationProb}`);
  }
  for (const key of ["crossoverEta", "mutationEta"] as const) {
    if (!(resolved[key] >= 0 && Number.isFinite(resolved[key]))) throw new RangeError(`${sampler}: ${key} must be a finite number >= 0, got ${resolved[key]}`);
  }
  return resolved;
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The engine; see the module comment. Subclasses give a name and a survival selection. */
export abstract class GenerationalSampler implements Sampler {
  abstract readonly name: string;
  readonly seed: number;
  readonly populationSize: number;
  private readonly variation: VariationSettings;
  private state: StudyState | null = null;
  /** Kept between asks, so each reads only the trials finished since (a new one per ask made a run O(n²)). */
  private readonly searchSpace = new IntersectionSearchSpace(false);

  /** The options given to the constructor, which each subclass's `spec` writes down against its schema. */
  protected readonly given: Readonly<GenerationalOptions>;

  protected constructor(
    samplerName: string,
    options: GenerationalOptions,
    private readonly survive: SurvivalSelection,
    private readonly tournament: ParentTournament,
  ) {
    this.given = { ...options };
    const resolved = resolveGenerationalOptions(samplerName, options);
    this.seed = seedOrRandom(options.seed, this.constructor.name);
    this.populationSize = resolved.populationSize;
    this.variation = resolved;
  }

  private get generationTag(): string {
    return `${this.name}:generation`;
  }

  private get parentsTag(): string {
    return `${this.name}:parents`;
  }

  /** The generation the next trial is bred for. */
  currentGeneration(snapshot: StudySnapshot): number {
    const members = this.sync(snapshot).members;
    let generation = 0;
    while ((members[generation]?.length ?? 0) >= this.populationSize) generation++;
    return generation;
  }

  inferRelativeSpace(snapshot: StudySnapshot, trial: SamplingTrial): SearchSpace {
    const generation = this.currentGeneration(snapshot);
    trial.setSystemAttr(this.generationTag, generation);
    if (generation === 0) return {};
    return this.searchSpace.calculate(snapshot);
  }

  sampleRelative(snapshot: StudySnapshot, trial: SamplingTrial, space: SearchSpace): Record<string, ParamValue> {
    const generation = this.currentGeneration(snapshot);
    if (generation === 0 || Object.keys(space).length === 0) return {};
    const parents = this.parentsOf(generation, snapshot.directions);
    const survivors = parents.survivors!;
    const rng = new Rng(deriveSeed(this.seed, generation, trial.number));
    const first = this.tournament(rng, survivors);
    const second = this.tournament(rng, survivors);
    const encoder = new SpaceEncoder(space);
    const categoricalSizes = encoder.distributions.map((d) => (d.type === "categorical" ? d.choices.length : 0));
    const firstTrial = parents.trials[first]!;
    const secondTrial = parents.trials[second]!;
    const child = makeChild(rng, encoder.encode(firstTrial.params), encoder.encode(secondTrial.params), categoricalSizes, this.variation);
    trial.setSystemAttr(this.parentsTag, [firstTrial.number, secondTrial.number]);
    return encoder.decode(child);
  }

  sampleIndependent(_snapshot: StudySnapshot, trial: SamplingTrial, name: string, distribution: Distribution): ParamValue {
    return sampleUniform(new Rng(deriveSeed(this.seed, trial.number, name)), distribution);
  }

  /** Parameters out of the space its children are bred in are drawn at random; generation 0 is all random. */
  independentSampling(): IndependentSampling {
    return { how: "at random", startupTrials: this.populationSize };
  }

  /** Parents of `generation` >= 1, computed from the previous generation's parents and members. */
  private parentsOf(generation: number, directions: readonly Direction[]): Population {
    const state = this.state!;
    for (let g = state.parents.length; g <= generation; g++) {
      if (g === 0) {
        state.parents.push({ trials: [], survivors: null });
        continue;
      }
      const pool = [...state.parents[g - 1]!.trials, ...state.members[g - 1]!];
      const candidates = candidatesOf(pool, directions);
      const survivors = this.survive(candidates, Math.min(this.populationSize, pool.length), new Rng(deriveSeed(this.seed, "survival", g)));
      state.parents.push({ trials: survivors.chosen.map((i) => pool[i]!), survivors: entrantsOf(survivors, candidates) });
    }
    return state.parents[generation]!;
  }

  private sync(snapshot: StudySnapshot): StudyState {
    // Another study, or a history that does not extend the one read: replay from scratch.
    if (this.state === null || !this.state.cursor.continues(snapshot)) this.state = { cursor: new FinishedCursor(), members: [], parents: [] };
    const state = this.state;
    const finished = snapshot.finished;
    for (let i = state.cursor.position; i < finished.length; i++) {
      const trial = finished[i]!;
      if (trial.state !== "complete" || trial.values === null || trial.values.length !== snapshot.directions.length) continue;
      const tag = trial.systemAttrs[this.generationTag];
      const generation = typeof tag === "number" && Number.isInteger(tag) && tag >= 0 ? tag : 0;
      const members = (state.members[generation] ??= []);
      // Placed by number, not by when this process read it: a study loaded from storage reads its
      // trials by number, and trials asked together are often told out of that order. (Their finish
      // times would tie within a millisecond, and a rerun's would not.)
      let at = members.length;
      while (at > 0 && members[at - 1]!.number > trial.number) at--;
      if (at >= this.populationSize) continue;
      members.splice(at, 0, trial);
      if (members.length > this.populationSize) {
        members.pop();
        // A full generation changed: the parents bred from it on are computed again.
        if (state.parents.length > generation + 1) state.parents.length = generation + 1;
      }
    }
    state.cursor.markRead(snapshot);
    return state;
  }
}

function candidatesOf(trials: readonly FrozenTrial[], directions: readonly Direction[]): Candidates {
  return {
    losses: trials.map((t) => toLosses(t.values!, directions)),
    violations: trials.map(storedViolation),
  };
}

/** The survivors' tournament data indexed by survivor position (0 … size − 1) rather than candidate position. */
function entrantsOf(survivors: Survivors, candidates: Candidates): TournamentEntrants {
  return {
    chosen: survivors.chosen.map((_, i) => i),
    rank: survivors.rank,
    diversity: survivors.diversity,
    violation: survivors.chosen.map((i) => candidates.violations[i]!),
  };
}

/**
 * Fills the survivors front by front (constrained non-dominated sorting) and hands the front that
 * does not fit whole to `pickFromLastFront`, which returns the `room` of its members to keep.
 */
export function selectByFronts(
  candidates: Candidates,
  size: number,
  pickFromLastFront: (accepted: readonly number[], lastFront: readonly number[], room: number) => number[],
): { chosen: number[]; ranks: Int32Array; wholeFronts: number[][] } {
  // Where every candidate is feasible, constrained domination is plain domination: skip its checks.
  const violations = candidates.violations.every((v) => v <= 0) ? undefined : candidates.violations;
  const { ranks, fronts } = nonDominatedSort(candidates.losses, violations);
  const chosen: number[] = [];
  const wholeFronts: number[][] = [];
  for (const front of fronts) {
    if (chosen.length === size) break;
    if (chosen.length + front.length <= size) {
      chosen.push(...front);
      wholeFronts.push(front);
    } else {
      chosen.push(...pickFromLastFront(chosen, front, size - chosen.length));
    }
  }
  return { chosen, ranks, wholeFronts };
}
