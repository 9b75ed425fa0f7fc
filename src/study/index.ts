export { Trial, TrialPruned, ParameterConflictError, FixedParamOutOfRangeError } from "./trial.js";
export type { SuggestFloatOptions, SuggestIntOptions, TrialSegment } from "./trial.js";
export { type StoredBest, bestFeasibleTrial, isConstrainedStoredStudy, leastViolatingTrial, recommendedTrial, storedBest } from "./best.js";
export {
  InvalidStudyDataError,
  StudyChangedDuringCopyError,
  constraintsProblemOfTrials,
  copyStudy,
  importStudy,
  isSameStudy,
  studyPages,
  type CopiedStudy,
  type CopyProgressOptions,
  type StudyData,
  type StudyPages,
  type StudyTrial,
} from "./copy.js";
export { CheckpointStore, checkFolderOwner, defaultCheckpointRoot, startingCheckpointGone, type Checkpoint, type CheckpointInput } from "./checkpoints.js";
export { FolderNotWritableError, ensureWritableFolder } from "./folders.js";
export {
  Study,
  createStudy,
  loadStudy,
  storedWarmStartSources,
  setDefaultSamplerFactory,
  MultiObjectiveError,
  NoSegmentReadyError,
  TrialBudgetSpentError,
  HalfMadeStudyError,
  isHalfMadeStudy,
  isStudyBeingCopied,
  studyHeartbeatGraceSeconds,
  singleObjectiveProblem,
  prunerSchedulerProblem,
  DEFAULT_MAX_RETRIES,
  ASK_PENDING_ATTR,
  LIBRARY_SAMPLER_ATTR,
  LIBRARY_PRUNER_ATTR,
  CLIENT_BEATS_ATTR,
  REAPED_REASON_PREFIX,
  FAILED_BY_HAND_REASON,
  TrialNumberNotFoundError,
  TrialNotFinishedError,
  TrialLooksAliveError,
} from "./study.js";
export type { ConstraintsFunction, NumberList, Objective, ObjectiveResult, OptimizeOptions, CreateStudyOptions, ManualFailure, ReapResult, Requeued, TellResult, TrialCallback } from "./study.js";
export { HeartbeatThread, resolveHeartbeat, DEFAULT_HEARTBEAT_GRACE_SECONDS, DEFAULT_HEARTBEAT_INTERVAL_SECONDS, OWNER_HEARTBEAT_ATTR, ownersGraceMs, silentTrials } from "./heartbeat.js";
export type { HeartbeatOptions, HeartbeatTiming } from "./heartbeat.js";
export {
  commandObjective,
  CommandNotFoundError,
  CommandTemplateError,
  CommandTrialError,
  checkCommandSpec,
  checkCommandTemplate,
  resolveExecutable,
  parseReportLine,
  paramEnvName,
  placeholdersIn,
  substitutePlaceholders,
} from "./command-runner.js";
export type { CommandHooks, CommandSpec, ReportLine } from "./command-runner.js";
export { currentWorker, judgeWorker, readProcessStat } from "./worker-identity.js";
export type { ProcessProbe, ProcessStat, WorkerIdentity, WorkerVerdict } from "./worker-identity.js";
