/**
 * Where proposals sit relative to the search box: issue 12's measure of expected improvement's pull
 * to the faces and corners. Used by `bench/quickstart.mjs` and `bench/bounds.mjs`.
 *
 * A numeric parameter is on a bound when its unit-cube encoding is within 1e-9 of 0 or 1; a
 * discrete one (int, or a float with a step) when it takes its lowest or highest legal value.
 * Categorical parameters never are.
 *
 * @module
 */
import { type Distribution, type ParamValue, encodeValue } from "../../index.js";

/**
 * Per numeric parameter of `space` that `params` sets, whether its value is on a bound.
 *
 * @example
 * parametersOnBound({ lr: { type: "float", low: 1e-3, high: 1, log: true } }, { lr: 1 }); // { lr: true }
 */
export function parametersOnBound(space: Readonly<Record<string, Distribution>>, params: Readonly<Record<string, ParamValue>>): Record<string, boolean> {
  const hit: Record<string, boolean> = {};
  for (const [name, distribution] of Object.entries(space)) {
    if (distribution.type === "categorical" || !(name in params)) continue;
    const value = params[name] as number;
    if (distribution.type === "int" || distribution.step !== undefined) {
      hit[name] = value <= distribution.low || value >= distribution.high;
    } else {
      const u = encodeValue(distribution, value);
      hit[name] = u < 1e-9 || u > 1 - 1e-9;
    }
  }
  return hit;
}

/** How many of a set of proposals sit on a bound, overall and per parameter. */
export interface BoundCounts {
  readonly proposals: number;
  /** Proposals with at least one parameter on a bound. */
  readonly anyOnBound: number;
  /** Per parameter, the proposals with that parameter on a bound. */
  readonly perParameter: Readonly<Record<string, number>>;
}

/**
 * Counts the proposals (each a trial's distributions and parameters) with a parameter on a bound.
 *
 * @example
 * const counts = countBoundProposals(study.trials);
 * console.log(counts.anyOnBound / counts.proposals);
 */
export function countBoundProposals(
  proposals: readonly { readonly distributions: Readonly<Record<string, Distribution>>; readonly params: Readonly<Record<string, ParamValue>> }[],
): BoundCounts {
  let anyOnBound = 0;
  const perParameter: Record<string, number> = {};
  for (const { distributions, params } of proposals) {
    const hit = parametersOnBound(distributions, params);
    if (Object.values(hit).some(Boolean)) anyOnBound++;
    for (const [name, on] of Object.entries(hit)) perParameter[name] = (perParameter[name] ?? 0) + (on ? 1 : 0);
  }
  return { proposals: proposals.length, anyOnBound, perParameter };
}
