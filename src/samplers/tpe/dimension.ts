/**
 * How TPE sees one parameter: numeric parameters live in the unit interval of their working
 * scale (log applied, grids padded by half a cell, exactly as the Parzen bounds of Bergstra et
 * al. 2011 and Optuna 3.1), categorical ones as a choice index. Internal to the TPE sampler.
 */
import {
  type Distribution,
  type ParamValue,
  cardinality,
  choiceIndex,
  decodeNumeric,
  effectiveStep,
  encodeNumeric,
  isSingleValue,
} from "../../space/index.js";

export type DimensionKind = "continuous" | "discrete" | "categorical";

export interface Dimension {
  readonly distribution: Distribution;
  /**
   * `discrete`: a linear grid (ints, stepped floats), scored by the kernel mass of the grid cell.
   * `continuous`: floats, and log-scaled ints, which Optuna 3.1 models continuously in log space
   * and rounds after sampling.
   */
  readonly kind: DimensionKind;
  /** Width of one grid cell in the unit interval (discrete only; 0 otherwise). */
  readonly cell: number;
  /** Number of choices (categorical) or grid cells (discrete); Infinity for continuous. */
  readonly cells: number;
  /** Whether the parameter can take only one value (TPE leaves those to a constant). */
  readonly single: boolean;
  /** Log-scaled ints must be rounded after each draw and re-encoded. */
  readonly roundsInValueSpace: boolean;
}

export function makeDimension(distribution: Distribution): Dimension {
  if (distribution.type === "categorical") {
    const k = distribution.choices.length;
    return { distribution, kind: "categorical", cell: 0, cells: k, single: k === 1, roundsInValueSpace: false };
  }
  const single = isSingleValue(distribution) || cardinality(distribution) === 1;
  const step = effectiveStep(distribution);
  if (distribution.log || step === undefined) {
    return {
      distribution,
      kind: "continuous",
      cell: 0,
      cells: Infinity,
      single,
      roundsInValueSpace: distribution.type === "int",
    };
  }
  const cells = cardinality(distribution);
  return { distribution, kind: "discrete", cell: 1 / cells, cells, single, roundsInValueSpace: false };
}

/** The coordinate of a legal value: unit-interval position, or choice index; NaN if not legal. */
export function encodeCoordinate(dimension: Dimension, value: ParamValue): number {
  const distribution = dimension.distribution;
  if (distribution.type === "categorical") {
    const index = choiceIndex(distribution, value);
    return index < 0 ? Number.NaN : index;
  }
  if (typeof value !== "number" || !Number.isFinite(value)) return Number.NaN;
  return encodeNumeric(distribution, value);
}

/** Moves a unit coordinate onto the legal value nearest to it (the centre of its grid cell). */
export function snapCoordinate(dimension: Dimension, unit: number): number {
  if (dimension.kind === "discrete") {
    const k = Math.min(dimension.cells - 1, Math.max(0, Math.floor(unit * dimension.cells)));
    return (k + 0.5) * dimension.cell;
  }
  if (dimension.roundsInValueSpace && dimension.distribution.type !== "categorical") {
    return encodeNumeric(dimension.distribution, decodeNumeric(dimension.distribution, unit));
  }
  return Math.min(1, Math.max(0, unit));
}

/** The legal value at a coordinate (unit position or choice index). */
export function decodeCoordinate(dimension: Dimension, coordinate: number): ParamValue {
  const distribution = dimension.distribution;
  if (distribution.type === "categorical") {
    const k = distribution.choices.length;
    return distribution.choices[Math.min(k - 1, Math.max(0, Math.round(coordinate)))]!;
  }
  return decodeNumeric(distribution, coordinate);
}
