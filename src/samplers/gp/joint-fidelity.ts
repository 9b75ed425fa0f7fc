/**
 * A multi-fidelity model for the GP sampler: one Gaussian process over the configuration and the
 * fidelity together, so that every step a trial reported informs the model of final values.
 *
 * Kandasamy, Dasarathy, Schneider and Póczos (2017), "Multi-fidelity Bayesian Optimisation with
 * Continuous Approximations" (BOCA, ICML), model g(z, x) with a product kernel κ_Z(z, z')·κ_X(x, x')
 * and optimise at the highest fidelity z• with the GP's posterior there; the fidelity to spend on is
 * their second step, which a pruner takes over here. Here the fidelity is simply one more input of
 * the sampler's ARD Matérn-5/2 kernel, with its own lengthscale: a joint kernel over (x, z), not
 * BOCA's product (the two coincide only for the squared-exponential kernel), which keeps the GP's
 * fitting, priors and acquisition search as they are. z = log(1 + step) / log(1 + top step), top
 * being the last step a complete trial reported: halving pruners space their rungs geometrically,
 * and z = 1 is the final value.
 *
 * What each trial contributes, so that the model stays of the order of the trials' count:
 * - its value at each rung step it reached (the steps at which pruned trials were stopped, at most
 *   {@link MAX_RUNG_STEPS} of them, evenly spread over their sorted list), which gives the model the
 *   same configuration at several fidelities, the pairs that teach it how early steps relate to the
 *   end;
 * - a complete trial its final value at z = 1, a pruned trial its value at the last step it reported.
 *
 * The acquisition is searched at z = 1 through {@link finalFidelitySurrogate}, against the best
 * complete trial (or, before any, the lowest posterior mean at z = 1 of a configuration seen).
 */
import type { FrozenTrial, StudySnapshot } from "../../space/index.js";
import type { PredictionBatch } from "./model.js";
import type { Surrogate } from "./acquisition.js";
import { logNormalCdf } from "../../math/special.js";

/** Rung steps a trial contributes observations at, besides its last one. */
export const MAX_RUNG_STEPS = 4;

/** The joint model's training set, configurations encoded by the caller. */
export interface JointObservations {
  /** Rows of d + 1: the configuration, then z. */
  readonly points: Float64Array[];
  /** Minimisation targets, one per row. */
  readonly values: number[];
  /** The complete trials' configurations (d entries) and final values, as minimisation targets. */
  readonly complete: { point: Float64Array; value: number }[];
  /** Every configuration observed (d entries), complete or pruned. */
  readonly configurations: Float64Array[];
  /** The step that z = 1 stands for. */
  readonly topStep: number;
  /** The rung steps observations were taken at (besides last steps). */
  readonly rungSteps: number[];
  /**
   * Of the trials that reported at the first rung step (`rungSteps[0]`), how many went on past it
   * (reported a later step or completed): the share the pruner lets through there.
   */
  readonly firstRung: { reached: number; passed: number };
}

/** A trial's reported steps with finite values, ascending. */
function reportedSteps(trial: FrozenTrial): number[] {
  return Object.keys(trial.intermediate)
    .map(Number)
    .filter((step) => Number.isFinite(step) && step >= 0 && Number.isFinite(trial.intermediate[step]))
    .sort((a, b) => a - b);
}

/** z for a step: log(1 + step) / log(1 + top), in [0, 1] for steps up to top. */
export function fidelityOf(step: number, topStep: number): number {
  if (topStep <= 0) return 1;
  return Math.min(1, Math.log1p(Math.max(0, step)) / Math.log1p(topStep));
}

/**
 * The joint training set of a single-objective study, or null when no pruned trial reported a step.
 * `encode` maps a trial to its configuration (undefined for one outside the space); `sign` is 1 to
 * minimise, −1 to maximise.
 *
 * @example
 * const joint = jointObservations(snapshot, (t) => encodeTrial(t, encoder), 1, trial.number);
 * joint?.points[0]; // Float64Array [x₁, …, x_d, z]
 */
export function jointObservations(
  snapshot: StudySnapshot,
  encode: (trial: FrozenTrial) => Float64Array | undefined,
  sign: number,
  number: number,
): JointObservations | null {
  const finished = snapshot.finished.filter((t) => t.number !== number && (t.state === "complete" || t.state === "pruned"));
  // Each trial's last reported step, −1 if none.
  const lasts = finished.map((trial) => {
    const steps = reportedSteps(trial);
    return steps.length > 0 ? steps[steps.length - 1]! : -1;
  });
  let topComplete = -1;
  let topAny = -1;
  const stops: number[] = [];
  for (const [i, trial] of finished.entries()) {
    const last = lasts[i]!;
    topAny = Math.max(topAny, last);
    if (trial.state === "complete") topComplete = Math.max(topComplete, last);
    else if (last >= 0) stops.push(last);
  }
  if (stops.length === 0) return null;
  const topStep = topComplete >= 0 ? topComplete : topAny;
  const distinct = [...new Set(stops)].sort((a, b) => a - b);
  const rungSteps =
    distinct.length <= MAX_RUNG_STEPS
      ? distinct
      : [...new Set(Array.from({ length: MAX_RUNG_STEPS }, (_, k) => distinct[Math.round((k * (distinct.length - 1)) / (MAX_RUNG_STEPS - 1))]!))];
  const points: Float64Array[] = [];
  const values: number[] = [];
  const firstRung = { reached: 0, passed: 0 };
  const complete: { point: Float64Array; value: number }[] = [];
  const configurations: Float64Array[] = [];
  const row = (configuration: Float64Array, z: number): Float64Array => {
    const point = new Float64Array(configuration.length + 1);
    point.set(configuration);
    point[configuration.length] = z;
    return point;
  };
  for (const [i, trial] of finished.entries()) {
    const configuration = encode(trial);
    if (!configuration) continue;
    const last = lasts[i]!;
    let final: number | null = null;
    if (trial.state === "complete") {
      const value = trial.values?.[0];
      if (value !== undefined && Number.isFinite(value)) final = sign * value;
    } else if (last >= 0) {
      final = sign * trial.intermediate[last]!;
    }
    if (final === null) continue;
    configurations.push(configuration);
    if (Number.isFinite(trial.intermediate[rungSteps[0]!])) {
      firstRung.reached++;
      if (last > rungSteps[0]! || trial.state === "complete") firstRung.passed++;
    }
    for (const step of rungSteps) {
      if (step >= last) continue;
      const value = trial.intermediate[step];
      if (value === undefined || !Number.isFinite(value)) continue;
      points.push(row(configuration, fidelityOf(step, topStep)));
      values.push(sign * value);
    }
    if (trial.state === "complete") {
      points.push(row(configuration, 1));
      values.push(final);
      complete.push({ point: configuration, value: final });
    } else {
      points.push(row(configuration, fidelityOf(last, topStep)));
      values.push(final);
    }
  }
  return { points, values, complete, configurations, topStep, rungSteps, firstRung };
}

/** What {@link finalFidelitySurrogate} needs of a GP over (x, z). */
type JointModel = Pick<Surrogate, "predict" | "predictWithGradient"> & { predictBatch(points: Float64Array, count: number): PredictionBatch };

/**
 * The model at z = 1, as a surrogate over configurations alone (d inputs), so that the sampler's
 * acquisition search runs unchanged in the space's own cube.
 *
 * @example
 * const atFinal = finalFidelitySurrogate(gp, d); // gp fitted on rows of d + 1
 * atFinal.predict(configuration).mean; // the predicted final value there
 */
export function finalFidelitySurrogate(gp: JointModel, d: number): Surrogate {
  const extended = new Float64Array(d + 1);
  const meanGradient = new Float64Array(d + 1);
  const varianceGradient = new Float64Array(d + 1);
  const at = (point: Float64Array): Float64Array => {
    extended.set(point.subarray(0, d));
    extended[d] = 1;
    return extended;
  };
  return {
    predict: (point) => gp.predict(at(point)),
    predictBatch(points, count) {
      const rows = new Float64Array(count * (d + 1));
      for (let c = 0; c < count; c++) {
        rows.set(points.subarray(c * d, (c + 1) * d), c * (d + 1));
        rows[c * (d + 1) + d] = 1;
      }
      return gp.predictBatch(rows, count);
    },
    predictWithGradient(point, mean, variance) {
      const result = gp.predictWithGradient(at(point), meanGradient, varianceGradient);
      mean.set(meanGradient.subarray(0, d));
      variance.set(varianceGradient.subarray(0, d));
      return result;
    },
  };
}

/**
 * log P(a configuration passes the first rung), for `jointSurvival`: under successive halving a
 * configuration the first rung stops never yields a final value, however good the model expects
 * its end to be. With μ, σ² the model's prediction at the first rung's fidelity z₁ (plus its noise
 * variance, since the pruner sees a noisy value), and t the model-scale value at z₁ that the share
 * of trials the pruner let through so far would just pass (an order statistic of `atFirst`), it is
 * log Φ((t − μ) / σ). Null when the pruner has let every trial or none through.
 *
 * @example
 * const penalty = firstRungSurvival(gp, d, z1, yAtFirst, joint.firstRung, noiseVariance);
 * penalty?.(configuration); // ≤ 0
 */
export function firstRungSurvival(
  gp: Pick<Surrogate, "predict">,
  d: number,
  z: number,
  atFirst: readonly number[],
  firstRung: { reached: number; passed: number },
  noiseVariance: number,
): ((point: Float64Array) => number) | null {
  if (firstRung.passed === 0 || firstRung.passed >= firstRung.reached || atFirst.length === 0) return null;
  const sorted = [...atFirst].sort((a, b) => a - b);
  const share = firstRung.passed / firstRung.reached;
  const threshold = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))]!;
  const row = new Float64Array(d + 1);
  return (point) => {
    row.set(point.subarray(0, d));
    row[d] = z;
    const { mean, variance } = gp.predict(row);
    return logNormalCdf((threshold - mean) / Math.sqrt(Math.max(variance, 0) + noiseVariance));
  };
}
