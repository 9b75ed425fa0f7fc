/**
 * Das–Dennis reference directions (Das and Dennis 1998, "Normal-boundary intersection", SIAM J.
 * Optim. 8(3)): every point of the unit simplex whose coordinates are multiples of 1/H, the
 * structured set NSGA-III spreads its population along.
 */
import { OptionError } from "../../space/index.js";

/** The number of Das–Dennis directions for `objectives` objectives and `divisions` divisions: C(H + M − 1, M − 1). */
export function countReferenceDirections(objectives: number, divisions: number): number {
  let count = 1;
  for (let k = 1; k < objectives; k++) count = (count * (divisions + k)) / k;
  return Math.round(count);
}

/** The most reference directions {@link dasDennisDirections} builds; NSGA-III uses about one per individual of its population. */
export const MAX_REFERENCE_DIRECTIONS = 1_000_000;

/**
 * All Das–Dennis directions for `objectives` objectives with `divisions` divisions, in
 * lexicographic order of their integer numerators.
 *
 * @example
 * dasDennisDirections(3, 2) // [[0,0,1],[0,0.5,0.5],[0,1,0],[0.5,0,0.5],[0.5,0.5,0],[1,0,0]]
 */
export function dasDennisDirections(objectives: number, divisions: number): Float64Array[] {
  if (!(Number.isInteger(objectives) && objectives >= 1)) throw new RangeError(`objectives must be an integer >= 1, got ${objectives}`);
  if (!(Number.isInteger(divisions) && divisions >= 1)) throw new RangeError(`referenceDivisions must be an integer >= 1, got ${divisions}`);
  const count = countReferenceDirections(objectives, divisions);
  if (count > MAX_REFERENCE_DIRECTIONS) {
    // 60 divisions for 6 objectives made 8 million directions: the study hung building them, then ran out of memory.
    let fewer = divisions - 1;
    while (fewer > 1 && countReferenceDirections(objectives, fewer) > MAX_REFERENCE_DIRECTIONS) fewer--;
    throw new OptionError(
      `nsga3 sampler: option "referenceDivisions" ${divisions} makes ${count} reference directions for ${objectives} objectives; at most ${MAX_REFERENCE_DIRECTIONS}: give referenceDivisions ${fewer} or fewer (the default makes about populationSize of them)`,
      { key: "referenceDivisions", wrong: "value" },
    );
  }
  const directions: Float64Array[] = [];
  const numerators = new Array<number>(objectives).fill(0);
  const fill = (position: number, left: number): void => {
    if (position === objectives - 1) {
      numerators[position] = left;
      directions.push(Float64Array.from(numerators, (n) => n / divisions));
      return;
    }
    for (let n = 0; n <= left; n++) {
      numerators[position] = n;
      fill(position + 1, left - n);
    }
  };
  fill(0, divisions);
  return directions;
}

/** The fewest divisions whose directions are at least `populationSize` (Deb and Jain size the population to the directions). */
export function defaultDivisions(objectives: number, populationSize: number): number {
  if (objectives <= 1) return 1;
  let divisions = 1;
  while (countReferenceDirections(objectives, divisions) < populationSize) divisions++;
  return divisions;
}
