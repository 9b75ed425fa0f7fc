/**
 * The online-tuning benchmark's instances: sequences of sparse linear systems from a discretized
 * elliptic problem −∇·(a∇u) + c·u = f on the unit square (5-point stencil, Dirichlet boundary),
 * whose coefficients drift from one system to the next, solved by successive over-relaxation.
 * This is the setting of Khodak et al. (2024, "Learning to Relax"): the diagonal shift c of each
 * system is its context, and the iteration count to a tolerance is the cost of a relaxation ω.
 */
import { Rng, deriveSeed } from "../math/rng.js";

/** One system A x = b on an n×n grid of interior nodes, stored by stencil. */
export interface StencilSystem {
  readonly n: number;
  /** The diagonal of A. */
  readonly diagonal: Float64Array;
  /** Coupling to the west, east, south and north neighbours (0 at the boundary), as positive numbers: A_ij = −coupling. */
  readonly west: Float64Array;
  readonly east: Float64Array;
  readonly south: Float64Array;
  readonly north: Float64Array;
  readonly rhs: Float64Array;
  /** The scaled diagonal shift c·h² of this system: its context. */
  readonly shift: number;
}

/** How a sequence drifts. */
export interface SorSequenceOptions {
  /** Interior nodes per side (default 12). */
  readonly n?: number;
  /** Range of the scaled shift c·h², drawn log-uniformly anew for each system (default [0.005, 3]). */
  readonly shiftRange?: readonly [number, number];
  /** Systems per period of the diffusion coefficient's drift (default 200). */
  readonly period?: number;
}

/**
 * System `index` of the sequence with this seed: a diffusion coefficient
 * a(x, y) = 1 + ½·sin(2π(x + index/period))·cos(πy) that drifts along the sequence, a diagonal
 * shift drawn log-uniformly (small shifts want ω near 1.6, large ones near 1.1), and a random
 * right-hand side.
 *
 * @example
 * const system = sorSystem(1, 0);
 * sorIterations(system, 1.5).iterations;
 */
export function sorSystem(seed: number, index: number, options: SorSequenceOptions = {}): StencilSystem {
  const n = options.n ?? 12;
  const [shiftLow, shiftHigh] = options.shiftRange ?? [0.005, 3];
  const period = options.period ?? 200;
  const rng = new Rng(deriveSeed(seed, index, "sor"));
  const shift = Math.exp(rng.uniformIn(Math.log(shiftLow), Math.log(shiftHigh)));
  const phase = index / period;
  const h = 1 / (n + 1);
  const a = (x: number, y: number) => 1 + 0.5 * Math.sin(2 * Math.PI * (x + phase)) * Math.cos(Math.PI * y);
  const size = n * n;
  const diagonal = new Float64Array(size);
  const west = new Float64Array(size);
  const east = new Float64Array(size);
  const south = new Float64Array(size);
  const north = new Float64Array(size);
  const rhs = new Float64Array(size);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const k = j * n + i;
      const x = (i + 1) * h;
      const y = (j + 1) * h;
      const aw = a(x - h / 2, y);
      const ae = a(x + h / 2, y);
      const as = a(x, y - h / 2);
      const an = a(x, y + h / 2);
      // Scaled so the shift enters as c·h² next to diffusion coefficients of order 1.
      diagonal[k] = aw + ae + as + an + shift;
      west[k] = i > 0 ? aw : 0;
      east[k] = i < n - 1 ? ae : 0;
      south[k] = j > 0 ? as : 0;
      north[k] = j < n - 1 ? an : 0;
      rhs[k] = rng.uniformIn(-1, 1);
    }
  }
  return { n, diagonal, west, east, south, north, rhs, shift };
}

/**
 * Solves the system by SOR with relaxation ω from x = 0, until the residual's 2-norm is below
 * `tolerance` times the right-hand side's, or `maxIterations` sweeps.
 *
 * @example
 * sorIterations(sorSystem(1, 0), 1).iterations; // Gauss-Seidel
 */
export function sorIterations(system: StencilSystem, omega: number, tolerance = 1e-8, maxIterations = 5000): { iterations: number; converged: boolean } {
  const { n, diagonal, west, east, south, north, rhs } = system;
  const size = n * n;
  const x = new Float64Array(size);
  let rhsNorm = 0;
  for (let k = 0; k < size; k++) rhsNorm += rhs[k]! * rhs[k]!;
  const threshold = tolerance * tolerance * rhsNorm;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    for (let k = 0; k < size; k++) {
      let sum = rhs[k]!;
      if (west[k]! !== 0) sum += west[k]! * x[k - 1]!;
      if (east[k]! !== 0) sum += east[k]! * x[k + 1]!;
      if (south[k]! !== 0) sum += south[k]! * x[k - n]!;
      if (north[k]! !== 0) sum += north[k]! * x[k + n]!;
      x[k] = (1 - omega) * x[k]! + (omega * sum) / diagonal[k]!;
    }
    let residual = 0;
    for (let k = 0; k < size; k++) {
      let r = rhs[k]! - diagonal[k]! * x[k]!;
      if (west[k]! !== 0) r += west[k]! * x[k - 1]!;
      if (east[k]! !== 0) r += east[k]! * x[k + 1]!;
      if (south[k]! !== 0) r += south[k]! * x[k - n]!;
      if (north[k]! !== 0) r += north[k]! * x[k + n]!;
      residual += r * r;
    }
    if (!(residual <= threshold * 1e300) || !Number.isFinite(residual)) return { iterations: maxIterations, converged: false };
    if (residual <= threshold) return { iterations: iteration, converged: true };
  }
  return { iterations: maxIterations, converged: false };
}
