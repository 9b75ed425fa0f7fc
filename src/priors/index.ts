/**
 * Priors that start a study near a good configuration instead of from nothing: today the Step
 * Law's learning rate and batch size for LLM pre-training.
 *
 * @example
 * const prior = llmPrior({ params: 1e9, tokens: 1e11 });
 * const { space } = await startFromPrior(study, prior);
 */
export { PriorInputError, STEP_LAW, llmPrior, llmPriorSpace, startFromPrior, type LlmPrior, type PriorStart, type EnqueueingStudy } from "./step-law.js";
