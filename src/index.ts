/**
 * Sextant: hyperparameter and black-box optimization for TypeScript and for any program.
 *
 * @example
 * import { createStudy } from "sextant";
 * const study = await createStudy({ direction: "minimize" }); // the auto sampler: GP or TPE
 * await study.optimize((trial) => (trial.suggestFloat("x", -10, 10) - 2) ** 2, { nTrials: 50 });
 * console.log(study.bestTrial?.params);
 */
import { AutoSampler } from "./samplers/index.js";
import { setDefaultSamplerFactory } from "./study/index.js";

export * from "./study/index.js";
export * from "./samplers/index.js";
export * from "./pruners/index.js";
export * from "./schedulers/index.js";
export * from "./space/index.js";
export * from "./analysis/index.js";
export * from "./online/index.js";
export * from "./priors/index.js";
export {
  openStorage,
  MemoryStorage,
  type Storage,
  type StudyRecord,
  type StudyInit,
  type StudySummary,
  type TrialPatch,
  type TrialInit,
  type TrialChanges,
  type FinishedTrialInit,
  type TrialQuery,
  findTrials,
  trialPages,
  type WaitingTrialInit,
  type WholeTrialInit,
  DuplicateStudyError,
  StudyNotFoundError,
  TrialNotRunningError,
  TrialNotFoundError,
  StorageError,
  StorageUrlError,
  StorageOpenError,
  StorageReadOnlyError,
  StorageUpgradeRefusedError,
  StorageBusyError,
} from "./storage/index.js";
export { Rng } from "./math/rng.js";

// The default sampler picks GP or TPE from the study and records its choice (see AutoSampler).
setDefaultSamplerFactory((seed) => new AutoSampler(seed === undefined ? {} : { seed }));
