export { Trial, TrialPruned, ParameterConflictError } from "./trial.js";
export type { SuggestFloatOptions, SuggestIntOptions } from "./trial.js";
export {
  Study,
  createStudy,
  loadStudy,
  setDefaultSamplerFactory,
  MultiObjectiveError,
  TrialNumberNotFoundError,
} from "./study.js";
export type { Objective, ObjectiveResult, OptimizeOptions, CreateStudyOptions, TellResult, TrialCallback } from "./study.js";
export {
  commandObjective,
  CommandNotFoundError,
  CommandTemplateError,
  CommandTrialError,
  checkCommandTemplate,
  resolveExecutable,
  parseReportLine,
  paramEnvName,
  placeholdersIn,
  substitutePlaceholders,
} from "./command-runner.js";
export type { CommandHooks, CommandSpec, ReportLine } from "./command-runner.js";
