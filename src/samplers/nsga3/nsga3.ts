/**
 * NSGA-III as a Sextant sampler (Deb and Jain 2014, "An evolutionary many-objective optimization
 * algorithm using reference-point-based nondominated sorting approach, part I", IEEE TEC 18(4);
 * constraints as in part II, Jain and Deb 2014).
 */
import type { Rng } from "../../math/rng.js";
import { type Candidates, type GenerationalOptions, GenerationalSampler, NSGA2_OPTIONS, type Survivors, selectByFronts, violationThenRandomTournament } from "../nsga2/index.js";
import { type RawOptions, defineOptions, parseOptions, refuseUnknownOptions, componentSpec, type ComponentSpec } from "../../space/index.js";
import { dasDennisDirections, defaultDivisions } from "./reference-directions.js";

/** Options of {@link NSGAIIISampler}. */
export interface NSGAIIISamplerOptions extends GenerationalOptions {
  /** Das–Dennis divisions H; by default the fewest whose directions number at least the population. */
  referenceDivisions?: number;
}

/** Below this, an intercept of the normalizing hyperplane is degenerate and the front's extent is used instead. */
const TINY = 1e-10;

/**
 * Reference-direction survival (Deb and Jain 2014): whole fronts while they fit; for the front
 * that does not, objectives are normalized by the ideal point and the intercepts of the hyperplane
 * through the extreme points, every point is associated with its nearest reference line, and the
 * least crowded lines are filled one point at a time (the nearest point for an empty line, a random
 * one otherwise).
 */
export function referenceDirectionSurvival(directions: readonly Float64Array[]): (candidates: Candidates, size: number, rng: Rng) => Survivors {
  return (candidates, size, rng) => {
    const { chosen, ranks } = selectByFronts(candidates, size, (accepted, lastFront, room) => {
      const considered = [...accepted, ...lastFront];
      const normalized = normalize(considered.map((i) => candidates.losses[i]!));
      const niche = new Int32Array(considered.length);
      const distance = new Float64Array(considered.length);
      normalized.forEach((point, position) => {
        let best = Number.POSITIVE_INFINITY;
        directions.forEach((direction, j) => {
          const d = perpendicularDistance(point, direction);
          if (d < best) {
            best = d;
            niche[position] = j;
          }
        });
        distance[position] = best;
      });
      const nicheCount = new Int32Array(directions.length);
      for (let position = 0; position < accepted.length; position++) nicheCount[niche[position]!]!++;
      // Last-front members by line, each list nearest first.
      const waiting = new Map<number, number[]>();
      for (let position = accepted.length; position < considered.length; position++) {
        const line = niche[position]!;
        (waiting.get(line) ?? waiting.set(line, []).get(line)!).push(position);
      }
      for (const list of waiting.values()) list.sort((a, b) => distance[a]! - distance[b]! || a - b);
      const picked: number[] = [];
      while (picked.length < room) {
        let fewest = Number.POSITIVE_INFINITY;
        let lines: number[] = [];
        for (const line of [...waiting.keys()].sort((a, b) => a - b)) {
          const count = nicheCount[line]!;
          if (count < fewest) {
            fewest = count;
            lines = [line];
          } else if (count === fewest) lines.push(line);
        }
        const line = lines[rng.integer(0, lines.length - 1)]!;
        const list = waiting.get(line)!;
        const take = nicheCount[line] === 0 ? 0 : rng.integer(0, list.length - 1);
        picked.push(considered[list[take]!]!);
        list.splice(take, 1);
        if (list.length === 0) waiting.delete(line);
        nicheCount[line]!++;
      }
      return picked;
    });
    // Reference-point niching has no diversity score, and NSGA-III's parent tournament reads neither.
    return { chosen, rank: chosen.map((i) => ranks[i]!), diversity: chosen.map(() => 0) };
  };
}

/** Objectives translated by the ideal point and divided by the intercepts (or the front's extent where those degenerate). */
function normalize(points: readonly Float64Array[]): Float64Array[] {
  const m = points[0]!.length;
  const ideal = new Float64Array(m).fill(Number.POSITIVE_INFINITY);
  for (const p of points) for (let k = 0; k < m; k++) ideal[k] = Math.min(ideal[k]!, p[k]!);
  const translated = points.map((p) => Float64Array.from(p, (v, k) => v - ideal[k]!));
  const extremes: Float64Array[] = [];
  for (let axis = 0; axis < m; axis++) {
    let best = translated[0]!;
    let bestScalar = Number.POSITIVE_INFINITY;
    for (const p of translated) {
      let scalar = 0;
      for (let k = 0; k < m; k++) scalar = Math.max(scalar, p[k]! / (k === axis ? 1 : 1e-6));
      if (scalar < bestScalar) {
        bestScalar = scalar;
        best = p;
      }
    }
    extremes.push(best);
  }
  let intercepts = hyperplaneIntercepts(extremes);
  if (intercepts === null) {
    intercepts = new Float64Array(m);
    for (const p of translated) for (let k = 0; k < m; k++) intercepts[k] = Math.max(intercepts[k]!, p[k]!);
  }
  for (let k = 0; k < m; k++) if (!(intercepts[k]! > TINY)) intercepts[k] = 1;
  return translated.map((p) => Float64Array.from(p, (v, k) => v / intercepts![k]!));
}

/** Intercepts with the axes of the hyperplane through the m extreme points, or null when there is no such plane or it cuts an axis at or below 0. */
function hyperplaneIntercepts(extremes: readonly Float64Array[]): Float64Array | null {
  const m = extremes.length;
  // Solve E · b = 1 by Gaussian elimination with partial pivoting; the intercepts are 1 / b.
  const a = extremes.map((row) => [...row, 1]);
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (Math.abs(a[pivot]![col]!) < TINY) return null;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = 0; r < m; r++) {
      if (r === col) continue;
      const factor = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= m; c++) a[r]![c]! -= factor * a[col]![c]!;
    }
  }
  const intercepts = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const b = a[k]![m]! / a[k]![k]!;
    intercepts[k] = 1 / b;
    if (!(intercepts[k]! > TINY) || !Number.isFinite(intercepts[k]!)) return null;
  }
  return intercepts;
}

function perpendicularDistance(point: Float64Array, direction: Float64Array): number {
  let along = 0;
  let norm = 0;
  for (let k = 0; k < point.length; k++) {
    along += point[k]! * direction[k]!;
    norm += direction[k]! * direction[k]!;
  }
  const scale = along / norm;
  let squared = 0;
  for (let k = 0; k < point.length; k++) squared += (point[k]! - scale * direction[k]!) ** 2;
  return Math.sqrt(squared);
}

/**
 * NSGA-III (Deb and Jain 2014): NSGA-II's generations and operators with survival by
 * reference directions instead of crowding distance, which keeps the population spread over
 * the front when there are three or more objectives. Das–Dennis directions are built for the
 * study's number of objectives; constraint values in `systemAttrs.constraints` are honoured by
 * constrained domination. Parents are drawn at random from the survivors, whatever their front,
 * except that a tournament prefers the feasible or less violating of two (see
 * {@link violationThenRandomTournament}). Trials are tagged `nsga3:generation`.
 *
 * @example
 * const study = await createStudy({ directions: ["minimize", "minimize", "minimize"], sampler: new NSGAIIISampler({ seed: 1, populationSize: 28 }) });
 */
export class NSGAIIISampler extends GenerationalSampler {
  readonly name = "nsga3";
  readonly referenceDivisions: number | undefined;

  constructor(options: NSGAIIISamplerOptions = {}) {
    refuseUnknownOptions("nsga3 sampler", options, NSGA3_OPTIONS, []);
    const directionsByObjectives = new Map<number, Float64Array[]>();
    const survivalFor = (candidates: Candidates, size: number, rng: Rng): Survivors => {
      const m = candidates.losses[0]?.length ?? 1;
      let directions = directionsByObjectives.get(m);
      if (directions === undefined) {
        directions = dasDennisDirections(m, options.referenceDivisions ?? defaultDivisions(m, this.populationSize));
        directionsByObjectives.set(m, directions);
      }
      return referenceDirectionSurvival(directions)(candidates, size, rng);
    };
    super("nsga3", options, survivalFor, violationThenRandomTournament);
    if (options.referenceDivisions !== undefined && !(Number.isInteger(options.referenceDivisions) && options.referenceDivisions >= 1)) {
      throw new RangeError(`nsga3: referenceDivisions must be an integer >= 1, got ${options.referenceDivisions}`);
    }
    this.referenceDivisions = options.referenceDivisions;
  }

  /** See {@link Sampler.spec}. */
  spec(): ComponentSpec | null {
    return componentSpec(this.name, this.given, NSGA3_OPTIONS);
  }
}

/** NSGA-II's options plus the reference-direction lattice. */
export const NSGA3_OPTIONS = defineOptions({
  ...NSGA2_OPTIONS,
  referenceDivisions: { kind: "integer", min: 1, default: "fewest with at least populationSize directions", description: "Das-Dennis divisions H of the reference directions" },
});

/**
 * Builds an {@link NSGAIIISampler} from CLI-style options (`--sampler-opt reference-divisions=6`).
 *
 * @example
 * createNSGAIIISamplerFromOptions({ seed: 1, populationSize: "28", referenceDivisions: "6" })
 */
export function createNSGAIIISamplerFromOptions(options: RawOptions): NSGAIIISampler {
  return new NSGAIIISampler(parseOptions("nsga3 sampler", options, NSGA3_OPTIONS));
}
