import { type ComponentSpec, type RawOptions, componentSpec, parseOptions, refuseUnknownOptions } from "../space/index.js";
import { MEDIAN_OPTIONS, PercentilePruner, type PercentilePrunerOptions } from "./percentile.js";

export { MEDIAN_OPTIONS } from "./percentile.js";

export type MedianPrunerOptions = Omit<PercentilePrunerOptions, "percentile">;

/**
 * Prunes a trial whose best intermediate value so far is worse than the median of the complete
 * trials' intermediate values at the trial's latest step: Optuna's `MedianPruner`, i.e. the
 * {@link PercentilePruner} at 50 % (see it for the warm-up, interval and minimum-trial rules),
 * except for the default warm-up: `nWarmupSteps: "rank-agreement"` (since session 24; Optuna's is
 * 0), so no trial is judged on steps that do not yet rank trials as they end (see the README's
 * pruning benchmark for the rule and the dev problems that chose it).
 *
 * Reference: the median stopping rule of Golovin et al., "Google Vizier: A Service for Black-Box
 * Optimization", KDD 2017.
 *
 * @example
 * const study = await createStudy({ pruner: new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 10 }) });
 */
export class MedianPruner extends PercentilePruner {
  constructor(options: MedianPrunerOptions = {}) {
    // Checked here first: PercentilePruner's own check would take `percentile`, which the median fixes.
    refuseUnknownOptions("median pruner", options, MEDIAN_OPTIONS, []);
    super({ ...options, percentile: 50 }, "median");
  }

  /** See {@link Pruner.spec}: the median's options, without the percentile it fixes. */
  override spec(): ComponentSpec | null {
    const { percentile: _fixed, ...given } = this.given;
    return componentSpec(this.name, given, MEDIAN_OPTIONS);
  }
}

/**
 * Builds a {@link MedianPruner} from CLI-style options (`--pruner-opt n_startup_trials=10`) read
 * against {@link MEDIAN_OPTIONS}: keys in camelCase, snake_case or kebab-case, values as numbers or
 * numeric strings. An unknown key or a value that is not a whole number in range throws an
 * `OptionError` naming it.
 *
 * @example
 * createMedianPrunerFromOptions({ "n-warmup-steps": "10", nStartupTrials: 3 })
 */
export function createMedianPrunerFromOptions(options: RawOptions = {}): MedianPruner {
  return new MedianPruner(parseOptions("median pruner", options, MEDIAN_OPTIONS));
}
