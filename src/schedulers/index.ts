/**
 * Population-based schedulers: PBT (Jaderberg et al. 2017) and PB2 (Parker-Holder et al. 2020).
 * They read a snapshot of the study and answer, at each member's ready point, "continue from this
 * trial's checkpoint with these hyperparameters"; the study queues that as the member's next
 * segment trial.
 *
 * @example
 * import { PBTScheduler } from "sextant";
 * const study = await createStudy({ direction: "maximize", scheduler: new PBTScheduler({ population: 8, segmentSteps: 5 }) });
 *
 * @module
 */
export {
  type Scheduler,
  type SegmentPlace,
  type SegmentPlan,
  SEGMENT_ATTR_PREFIX,
  MEMBER_ATTR,
  SEGMENT_ATTR,
  PARENT_ATTR,
  EXPLOITED_FROM_ATTR,
  CHECKPOINT_ATTR,
  SAVED_CHECKPOINT_ATTR,
  UNDECIDED_ATTR,
  SCHEDULER_ATTR,
  describeSchedule,
  segmentPlace,
  segmentAttrs,
  segmentScore,
  newestPerMember,
} from "./base.js";
export { PBTScheduler, PBT_OPTIONS, type PBTOptions, perturbValue } from "./pbt.js";
export { PB2Scheduler, PB2_OPTIONS, type PB2Options, explorationWeight } from "./pb2.js";
export { TimeVaryingGP, timeVaryingKernel, type TimeVaryingKernel, type TimedObservations } from "./time-varying-gp.js";
export { disposableCheckpoints, CHECKPOINT_RETENTIONS, type CheckpointRetention } from "./retention.js";
export { populationLineage, type LineageSegment, type MemberLineage } from "./lineage.js";
export { createSchedulerByName, registerScheduler, schedulerNames, schedulerEntries, type SchedulerEntry } from "./registry.js";
