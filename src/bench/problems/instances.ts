/**
 * Seeded random instances of a box-constrained function: its coordinates permuted, its optimum
 * moved to a random place inside the box, and its landscape rotated, so that no optimizer can
 * profit from optima that sit at the centre, on a diagonal or on a grid. The minimum value never
 * changes, and the same (function, seed) always gives the same instance.
 */
import { Rng } from "../../index.js";

/** A function of a real vector on a box, with its minimum: what instances and problems are built from. */
export interface BoxFunction {
  readonly bounds: readonly (readonly [number, number])[];
  /** The minimum over the box. */
  readonly optimum: number;
  /** One minimizer inside the box, or null when unknown. */
  readonly optimizer: readonly number[] | null;
  /** True when no input anywhere in R^d goes below `optimum` (see {@link SyntheticFunction}). */
  readonly boundedBelowByOptimum: boolean;
  evaluate(x: readonly number[]): number;
}

/** Which transformations a random instance applies; each defaults to on where the function allows it. */
export interface InstanceOptions {
  readonly seed: number;
  readonly permute?: boolean;
  readonly shift?: boolean;
  /** Needs a function bounded below by its optimum with a known optimizer; see {@link canRotate}. */
  readonly rotate?: boolean;
  /** Moves the optimum by whole numbers only, so that integer inputs keep reaching it. */
  readonly integerShift?: boolean;
}

/**
 * Whether translation may read the formula outside its box: only when nothing outside goes below
 * the optimum. Otherwise the shift wraps around inside the box instead.
 */
function canTranslate(fn: BoxFunction): boolean {
  return fn.boundedBelowByOptimum && fn.optimizer !== null;
}

/**
 * Whether {@link randomInstance} can rotate `fn`. A rotation about the optimizer keeps the optimizer
 * and its value but reads the formula outside the box near the corners, which is sound only when
 * nothing there goes below the optimum.
 *
 * @example
 * canRotate(syntheticBoxFunction("rastrigin", 5)); // true
 * canRotate(syntheticBoxFunction("schwefel", 5));  // false: lower values lie outside its box
 */
export function canRotate(fn: BoxFunction): boolean {
  return canTranslate(fn);
}

/**
 * A Haar-random orthogonal matrix (rows), by Gram–Schmidt on a Gaussian matrix: orthonormalizing
 * the rows of a matrix with independent normal entries gives a uniformly distributed rotation
 * (or reflection), as Mezzadri (2007) shows for the QR route with a positive diagonal.
 *
 * @example
 * const q = randomOrthogonalMatrix(3, new Rng(1)); // q · qᵀ = I
 */
export function randomOrthogonalMatrix(dimension: number, rng: Rng): number[][] {
  const rows: number[][] = [];
  while (rows.length < dimension) {
    const row = Array.from({ length: dimension }, () => rng.normal());
    for (const done of rows) {
      let dot = 0;
      for (let j = 0; j < dimension; j++) dot += row[j]! * done[j]!;
      for (let j = 0; j < dimension; j++) row[j]! -= dot * done[j]!;
    }
    const norm = Math.hypot(...row);
    // A draw (nearly) inside the span of the earlier rows has probability zero; redraw it if it happens.
    if (norm < 1e-8) continue;
    rows.push(row.map((v) => v / norm));
  }
  return rows;
}

function wrapInto(value: number, low: number, width: number): number {
  const offset = (value - low) % width;
  return low + (offset < 0 ? offset + width : offset);
}

/**
 * A random instance of `fn`: same box, same minimum value, optimum elsewhere.
 *
 * - permute: coordinate i of the instance is coordinate `order[i]` of the function (bounds follow);
 * - shift: when the formula may be read outside the box (see {@link BoxFunction}), the input is
 *   translated so that the optimizer lands on a uniform random point of the box; otherwise the
 *   translation wraps around inside the box, which keeps every value the function takes and so
 *   its minimum, at the price of a seam;
 * - rotate: a random orthogonal matrix about the (moved) optimizer.
 *
 * @example
 * const fn = syntheticBoxFunction("rastrigin", 5);
 * const instance = randomInstance(fn, { seed: 3 });
 * instance.evaluate(instance.optimizer!); // 0, at a random point of [-5.12, 5.12]^5
 */
export function randomInstance(fn: BoxFunction, options: InstanceOptions): BoxFunction {
  const dimension = fn.bounds.length;
  const rng = new Rng(options.seed);
  const translate = canTranslate(fn);
  const rotate = options.rotate ?? canRotate(fn);
  if (rotate && !canRotate(fn)) {
    throw new Error("rotate: this function cannot be rotated (it goes below its optimum outside its box, or its optimizer is unknown)");
  }
  if (options.integerShift && !translate) {
    throw new Error("integerShift: only functions with a known optimizer that are bounded below by it can be shifted on the integers");
  }
  const order = Array.from({ length: dimension }, (_, i) => i);
  if (options.permute ?? true) rng.shuffle(order);
  const bounds = order.map((i) => fn.bounds[i]!);
  const permutedOptimizer = fn.optimizer === null ? null : order.map((i) => fn.optimizer![i]!);

  let shift: number[] = new Array<number>(dimension).fill(0);
  let optimizer = permutedOptimizer;
  if (options.shift ?? true) {
    if (translate) {
      const target = bounds.map(([low, high]) =>
        options.integerShift ? rng.integer(Math.ceil(low), Math.floor(high)) : rng.uniformIn(low, high),
      );
      shift = target.map((t, i) => t - permutedOptimizer![i]!);
      optimizer = target;
    } else {
      shift = bounds.map(([low, high]) => rng.uniformIn(0, high - low));
      optimizer = permutedOptimizer?.map((v, i) => wrapInto(v + shift[i]!, bounds[i]![0], bounds[i]![1] - bounds[i]![0])) ?? null;
    }
  }
  const rotation = rotate ? randomOrthogonalMatrix(dimension, rng) : null;
  const centre = optimizer;

  const evaluate = (y: readonly number[]): number => {
    let v: readonly number[] = y;
    if (rotation !== null) {
      v = rotation.map((row, i) => {
        let sum = centre![i]!;
        for (let j = 0; j < dimension; j++) sum += row[j]! * (y[j]! - centre![j]!);
        return sum;
      });
    }
    const x = new Array<number>(dimension);
    for (let i = 0; i < dimension; i++) {
      const [low, high] = bounds[i]!;
      const moved = v[i]! - shift[i]!;
      x[order[i]!] = translate ? moved : wrapInto(moved, low, high - low);
    }
    return fn.evaluate(x);
  };
  // A wrapped instance maps every input into the box, so it too never goes below the optimum.
  return { bounds, optimum: fn.optimum, optimizer, boundedBelowByOptimum: true, evaluate };
}
