/**
 * Priors for LLM pre-training hyperparameters from the Step Law of Li et al. (2025, "Predictable
 * Scale: Part I — Optimal Hyperparameter Scaling Law in Large Language Model Pretraining",
 * arXiv:2503.04715). Fitted on about 3,700 models trained from scratch, the paper's law gives the
 * optimal peak learning rate and batch size as power laws of N, the number of non-embedding
 * parameters, and D, the number of training tokens:
 *
 *   η(N, D) = 1.79 · N^−0.713 · D^0.307
 *   B(D)    = 0.58 · D^0.571           (batch size in tokens)
 *
 * (the paper's "Step Law" formula pair, arXiv:2503.04715; constants and exponents checked against
 * two independent renderings of the paper's statement of the law — its equation number differs
 * between arXiv versions, so it is cited by name). Their setting: AdamW,
 * warm-up then cosine decay to a fixed final learning rate of 1e-5, dense and MoE transformers;
 * the landscape around the optimum is broad and convex, so a search in a band of a decade or so
 * around the prediction refines it rather than rediscovering it.
 */
import { type FloatDistribution, type IntDistribution, unknownKeysMessage } from "../space/index.js";

/** Bad input to a prior; the message names the field. */
export class PriorInputError extends RangeError {
  override name = "PriorInputError";
}

/** The Step Law's constants, as published. */
export const STEP_LAW = {
  learningRate: { coefficient: 1.79, paramsExponent: -0.713, tokensExponent: 0.307 },
  batchSize: { coefficient: 0.58, tokensExponent: 0.571 },
  formula: "lr = 1.79 * N^-0.713 * D^0.307; batch_tokens = 0.58 * D^0.571",
  source: 'Li et al. 2025, "Predictable Scale: Part I — Optimal Hyperparameter Scaling Law in Large Language Model Pretraining" (Step Law), arXiv:2503.04715',
} as const;

/** What {@link llmPrior} predicts. */
export interface LlmPrior {
  /** Non-embedding parameters N and training tokens D it was computed for. */
  readonly params: number;
  readonly tokens: number;
  /** The predicted optimal peak learning rate. */
  readonly learningRate: number;
  /** The predicted optimal batch size in tokens. */
  readonly batchSizeTokens: number;
  /** The same in sequences, when a sequence length was given (rounded, at least 1). */
  readonly batchSizeSequences: number | null;
  readonly formula: string;
  readonly source: string;
}

/**
 * The Step Law's optimal learning rate and batch size for a model of `params` non-embedding
 * parameters trained on `tokens` tokens.
 *
 * @example
 * const prior = llmPrior({ params: 1e9, tokens: 1e11 });
 * prior.learningRate;    // ≈ 1.63e-3
 * prior.batchSizeTokens; // ≈ 1.11e6
 */
export function llmPrior(options: { params: number; tokens: number; sequenceLength?: number }): LlmPrior {
  refuseUnknownKeys("llmPrior", options, ["params", "tokens", "sequenceLength"]);
  const { params, tokens, sequenceLength } = options;
  if (typeof params !== "number" || !Number.isFinite(params) || params <= 0) throw new PriorInputError(`params (non-embedding parameter count N) must be a positive number, got ${shown(params)}`);
  if (typeof tokens !== "number" || !Number.isFinite(tokens) || tokens <= 0) throw new PriorInputError(`tokens (training tokens D) must be a positive number, got ${shown(tokens)}`);
  // Fewer than one: no model, and below one token the batch rounded to 0, outside the space llmPriorSpace builds from it.
  if (params < 1) throw new PriorInputError(`params (non-embedding parameter count N) must be at least 1, got ${params}`);
  if (tokens < 1) throw new PriorInputError(`tokens (training tokens D) must be at least 1, got ${tokens}`);
  if (sequenceLength !== undefined && !(Number.isInteger(sequenceLength) && sequenceLength > 0)) {
    throw new PriorInputError(`sequenceLength must be a positive integer, got ${shown(sequenceLength)}`);
  }
  const lr = STEP_LAW.learningRate;
  const bs = STEP_LAW.batchSize;
  const learningRate = lr.coefficient * params ** lr.paramsExponent * tokens ** lr.tokensExponent;
  const batchSizeTokens = bs.coefficient * tokens ** bs.tokensExponent;
  return {
    params,
    tokens,
    learningRate,
    batchSizeTokens,
    batchSizeSequences: sequenceLength === undefined ? null : Math.max(1, Math.round(batchSizeTokens / sequenceLength)),
    formula: STEP_LAW.formula,
    source: STEP_LAW.source,
  };
}

/** A refused input as the caller gave it: the string "1e9" (read from an environment variable) printed as 1e9 looked like a number refused for being one. */
function shown(value: unknown): string {
  return typeof value === "string" ? `the string ${JSON.stringify(value)}` : String(value);
}

/** A search space centred on a prior, and the trial to run first. */
export interface PriorStart {
  readonly space: Readonly<Record<string, FloatDistribution | IntDistribution>>;
  readonly first: Readonly<Record<string, number>>;
}

/**
 * A log-range search space centred on the prediction, `decades` wide in all (default 1: from
 * prediction/√10 to prediction·√10), and the predicted point as the first trial. The batch size is
 * an integer, in sequences when the prior has a sequence length and in tokens otherwise.
 *
 * @example
 * const start = llmPriorSpace(llmPrior({ params: 1e9, tokens: 1e11, sequenceLength: 4096 }));
 * await study.enqueueTrial(start.first);
 * await study.optimize((trial) => train(trial.suggestFloat("lr", start.space.lr.low, start.space.lr.high, { log: true })));
 */
export function llmPriorSpace(prior: LlmPrior, options: { decades?: number; learningRateName?: string; batchSizeName?: string } = {}): PriorStart {
  refuseUnknownKeys("llmPriorSpace", options, ["decades", "learningRateName", "batchSizeName"]);
  const decades = options.decades ?? 1;
  // Past 12 decades (10⁻⁶ to 10⁶ times the prediction) the range means nothing, and past ~616 its ends overflow to 0 and Infinity.
  if (!(decades > 0) || !(decades <= MAX_DECADES)) throw new PriorInputError(`decades must be a positive number of at most ${MAX_DECADES}, got ${decades}`);
  const lrName = options.learningRateName ?? "lr";
  const batchName = options.batchSizeName ?? "batch_size";
  if (lrName === batchName) throw new PriorInputError(`learningRateName and batchSizeName must differ, both are ${JSON.stringify(lrName)}`);
  const factor = 10 ** (decades / 2);
  const lr: FloatDistribution = { type: "float", low: prior.learningRate / factor, high: prior.learningRate * factor, log: true };
  const batch = prior.batchSizeSequences ?? Math.round(prior.batchSizeTokens);
  const batchDistribution: IntDistribution = { type: "int", low: Math.max(1, Math.floor(batch / factor)), high: Math.max(2, Math.ceil(batch * factor)), log: true };
  // Past 2^53 − 1 the range is no int distribution: every suggestInt of it threw, and `sextant
  // priors` printed a --param that tune refuses. Said here, naming what to give instead.
  if (batchDistribution.high > Number.MAX_SAFE_INTEGER) {
    const unit = prior.batchSizeSequences === null ? "tokens" : "sequences";
    const beyond = `beyond ${Number.MAX_SAFE_INTEGER} (2^53 − 1), the largest bound an int parameter takes`;
    if (batch > Number.MAX_SAFE_INTEGER) {
      const remedy = prior.batchSizeSequences === null ? "give a sequence length to count it in sequences, or fewer tokens" : "give fewer tokens or a longer sequence length";
      throw new PriorInputError(`tokens (training tokens D) ${prior.tokens} predict a batch size of ${batch} ${unit}, ${beyond}; ${remedy}`);
    }
    const widest = Math.floor(200 * Math.log10(Number.MAX_SAFE_INTEGER / batch)) / 100;
    throw new PriorInputError(`decades ${decades} make the batch size range reach ${batchDistribution.high} ${unit}, ${beyond}; give decades of at most ${widest}`);
  }
  return { space: { [lrName]: lr, [batchName]: batchDistribution }, first: { [lrName]: prior.learningRate, [batchName]: batch } };
}

/** The widest range {@link llmPriorSpace} builds, in decades. */
export const MAX_DECADES = 12;

/** A misspelt option would otherwise be dropped in silence (seqLength for sequenceLength: tokens where sequences were meant). */
function refuseUnknownKeys(where: string, options: object, known: readonly string[]): void {
  const unknown = unknownKeysMessage(options, known);
  if (unknown !== null) throw new PriorInputError(`${where}: ${unknown}`);
}

/** What {@link startFromPrior} needs of a study. */
export interface EnqueueingStudy {
  enqueueTrial(params: Record<string, number>, options?: { userAttrs?: Record<string, string>; skipIfExists?: boolean }): Promise<unknown>;
}

/**
 * Starts a study from a prior: enqueues the predicted point as a trial (once, however often it is
 * called) and returns the centred space for the objective's `suggest*` calls.
 *
 * @example
 * const study = await createStudy({ name: "lm-1b" });
 * const { space } = await startFromPrior(study, llmPrior({ params: 1e9, tokens: 1e11, sequenceLength: 2048 }));
 * await study.optimize((t) => train({
 *   lr: t.suggestFloat("lr", space.lr.low, space.lr.high, { log: true }),
 *   batch: t.suggestInt("batch_size", space.batch_size.low, space.batch_size.high, { log: true }),
 * }), { nTrials: 20 });
 */
export async function startFromPrior(
  study: EnqueueingStudy,
  prior: LlmPrior,
  options: { decades?: number; learningRateName?: string; batchSizeName?: string } = {},
): Promise<PriorStart> {
  const start = llmPriorSpace(prior, options);
  await study.enqueueTrial({ ...start.first }, { userAttrs: { prior: "step-law" }, skipIfExists: true });
  return start;
}
