/**
 * Encoding between parameter values and the unit interval. Model-based samplers (GP, CMA-ES,
 * CEM, quasi-random sequences) work in [0, 1]^d; these functions are the one place that knows how
 * log scales, steps and integers map there and back.
 *
 * Numeric parameters on a grid (ints and stepped floats) are encoded with half a cell of padding
 * on each side, so every legal value owns an equal share of [0, 1]: uniform draws in the cube
 * decode to uniform draws over the grid.
 */
import {
  type CategoricalDistribution,
  type Distribution,
  type NumericDistribution,
  type ParamValue,
  type SearchSpace,
  choiceIndex,
  effectiveStep,
  snapToDistribution,
} from "./distributions.js";

interface Transformed {
  readonly low: number;
  readonly high: number;
}

/** The bounds of a numeric distribution in its working scale (log applied, half-cell padding for grids). */
function workingBounds(distribution: NumericDistribution): Transformed {
  const step = effectiveStep(distribution);
  if (distribution.log) {
    const pad = distribution.type === "int" ? 0.5 : 0;
    return { low: Math.log(distribution.low - pad), high: Math.log(distribution.high + pad) };
  }
  const pad = step === undefined ? 0 : step / 2;
  return { low: distribution.low - pad, high: distribution.high + pad };
}

/** Maps a legal numeric value to [0, 1]. A single-valued distribution maps to 0.5. */
export function encodeNumeric(distribution: NumericDistribution, value: number): number {
  const { low, high } = workingBounds(distribution);
  if (high <= low) return 0.5;
  const x = distribution.log ? Math.log(value) : value;
  return Math.min(1, Math.max(0, (x - low) / (high - low)));
}

/** Maps a point of [0, 1] back to a legal value (rounded onto the grid, clipped to bounds). */
export function decodeNumeric(distribution: NumericDistribution, unit: number): number {
  const { low, high } = workingBounds(distribution);
  const u = Number.isFinite(unit) ? Math.min(1, Math.max(0, unit)) : 0.5;
  const x = low + u * (high - low);
  return snapToDistribution(distribution, distribution.log ? Math.exp(x) : x);
}

/**
 * The cell of [0, 1] that decodes to the same grid value as `unit`, for a parameter on a grid (an
 * int or a stepped float); undefined for a continuous float. `lower` and `upper` are the encoded
 * thresholds where the decoded value changes; the first cell has no lower threshold (−∞) and the
 * last no upper one (+∞), since everything beyond the bounds decodes to `low` and `high`.
 * Used by CMA-ES with Margin, which keeps the probability of crossing these thresholds from
 * vanishing.
 *
 * @example
 * gridCellAround({ type: "int", low: 0, high: 3 }, 0.4) // { lower: 0.25, upper: 0.5 } (value 1)
 */
export function gridCellAround(distribution: NumericDistribution, unit: number): { lower: number; upper: number } | undefined {
  const step = effectiveStep(distribution);
  if (step === undefined) return undefined;
  const { low, high } = workingBounds(distribution);
  if (!(high > low)) return undefined;
  const value = decodeNumeric(distribution, unit);
  // Half a step either side of the value in the working scale; for a log int the step is 1 and the
  // thresholds are log(v ± ½), where rounding exp(x) changes its answer.
  const below = distribution.log ? Math.log(value - step / 2) : value - step / 2;
  const above = distribution.log ? Math.log(value + step / 2) : value + step / 2;
  return {
    lower: value <= distribution.low ? Number.NEGATIVE_INFINITY : (below - low) / (high - low),
    upper: value >= distribution.high ? Number.POSITIVE_INFINITY : (above - low) / (high - low),
  };
}

/** Maps a categorical value to the middle of its cell in [0, 1]: choice i of k goes to (i + 0.5) / k. */
export function encodeCategorical(distribution: CategoricalDistribution, value: ParamValue): number {
  const index = choiceIndex(distribution, value);
  if (index < 0) throw new RangeError(`value ${JSON.stringify(value)} is not one of the choices`);
  return (index + 0.5) / distribution.choices.length;
}

/** Maps a point of [0, 1] to the categorical choice whose cell contains it. */
export function decodeCategorical(distribution: CategoricalDistribution, unit: number): ParamValue {
  const k = distribution.choices.length;
  const u = Number.isFinite(unit) ? unit : 0.5;
  const index = Math.min(k - 1, Math.max(0, Math.floor(u * k)));
  return distribution.choices[index]!;
}

/** Encodes any legal value of any distribution to [0, 1]. */
export function encodeValue(distribution: Distribution, value: ParamValue): number {
  return distribution.type === "categorical"
    ? encodeCategorical(distribution, value)
    : encodeNumeric(distribution, value as number);
}

/** Decodes a point of [0, 1] to a legal value of any distribution. */
export function decodeValue(distribution: Distribution, unit: number): ParamValue {
  return distribution.type === "categorical" ? decodeCategorical(distribution, unit) : decodeNumeric(distribution, unit);
}

/**
 * A fixed ordering of a search space's parameters, for samplers that work on vectors. Names are
 * sorted so that the same space always gives the same order, whatever order it was built in.
 */
export class SpaceEncoder {
  readonly names: readonly string[];
  readonly distributions: readonly Distribution[];

  constructor(space: SearchSpace) {
    this.names = Object.keys(space).sort();
    this.distributions = this.names.map((name) => space[name]!);
  }

  get dimension(): number {
    return this.names.length;
  }

  /** Encodes a parameter record to a point of [0, 1]^d. Every name of the space must be present. */
  encode(params: Readonly<Record<string, ParamValue>>, out = new Float64Array(this.names.length)): Float64Array {
    for (let i = 0; i < this.names.length; i++) {
      out[i] = encodeValue(this.distributions[i]!, params[this.names[i]!] as ParamValue);
    }
    return out;
  }

  /** Decodes a point of [0, 1]^d to a parameter record of legal values. */
  decode(point: ArrayLike<number>): Record<string, ParamValue> {
    const params: Record<string, ParamValue> = {};
    for (let i = 0; i < this.names.length; i++) {
      params[this.names[i]!] = decodeValue(this.distributions[i]!, point[i]!);
    }
    return params;
  }
}
