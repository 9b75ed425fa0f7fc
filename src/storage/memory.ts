import { isDeepStrictEqual } from "node:util";
import type { Direction, FrozenTrial, JsonValue } from "../space/index.js";
import { checkGraceMs, checkTrialIds } from "./heartbeat.js";
import { applyTrialPatch, finishedTrial } from "./patch.js";
import { summarizeStudy } from "./summary.js";
import { heldInSegmentOrder } from "./segment-order.js";
import { type TrialQuery, selectTrials } from "./trial-query.js";
import {
  DuplicateStudyError,
  type FinishedTrialInit,
  ONCE_KEY_ATTR,
  type Storage,
  type StudyInit,
  type StudyRecord,
  type StudySummary,
  type TrialChanges,
  type TrialClaim,
  type TrialInit,
  TrialNotFoundError,
  type TrialPatch,
  type WholeTrialInit,
  noStudy,
} from "./types.js";

interface MemoryStudy {
  record: StudyRecord;
  trials: FrozenTrial[];
  /** changeLog[k] is the id of the trial whose write got seq k + 1. */
  changeLog: number[];
  /** Ids of waiting trials, oldest first. */
  waiting: number[];
  /** The study's trial figures as of change-log length `seq`, so listing studies need not recount them. */
  summary?: { seq: number } & Pick<StudySummary, "trialCounts" | "bestValue">;
}

/**
 * Storage in this process's memory (`memory:`): fast and gone when the process ends. Trials are
 * immutable objects, replaced on every change, so reads hand them out without copying.
 */
export class MemoryStorage implements Storage {
  readonly url = "memory:";
  private readonly studies = new Map<string, MemoryStudy>();
  private readonly studiesById = new Map<number, MemoryStudy>();
  private readonly trialIndex = new Map<number, { study: MemoryStudy; number: number }>();
  /** Last heartbeat of each running trial that has beaten, in ms since the epoch. */
  private readonly lastBeat = new Map<number, number>();
  private nextStudyId = 1;
  private nextTrialId = 1;

  async createStudy(
    name: string,
    directions: readonly Direction[],
    attrs: StudyInit = {},
  ): Promise<StudyRecord> {
    if (this.studies.has(name)) throw new DuplicateStudyError(name);
    const record: StudyRecord = {
      id: this.nextStudyId++,
      name,
      directions: [...directions],
      userAttrs: { ...attrs.userAttrs },
      systemAttrs: { ...attrs.systemAttrs },
      createdAt: attrs.createdAt ?? Date.now(),
    };
    const study: MemoryStudy = { record, trials: [], changeLog: [], waiting: [] };
    this.studies.set(name, study);
    this.studiesById.set(record.id, study);
    return record;
  }

  async getStudy(name: string): Promise<StudyRecord | null> {
    return this.studies.get(name)?.record ?? null;
  }

  async listStudies(): Promise<StudySummary[]> {
    return [...this.studies.values()].map((study) => {
      // Every trial write appends to the change log, so its length tags the figures exactly.
      const seq = study.changeLog.length;
      if (study.summary?.seq !== seq) {
        const { trialCounts, bestValue } = summarizeStudy(study.record, study.trials);
        study.summary = { seq, trialCounts, bestValue };
      }
      return { ...study.record, trialCounts: { ...study.summary.trialCounts }, bestValue: study.summary.bestValue };
    });
  }

  async deleteStudy(name: string): Promise<boolean> {
    const study = this.studies.get(name);
    if (!study) return false;
    for (const trial of study.trials) {
      this.trialIndex.delete(trial.id);
      this.lastBeat.delete(trial.id);
    }
    this.studies.delete(name);
    this.studiesById.delete(study.record.id);
    return true;
  }

  async setStudyAttrs(
    studyId: number,
    attrs: { userAttrs?: Record<string, JsonValue>; systemAttrs?: Record<string, JsonValue> },
  ): Promise<void> {
    const study = this.requireStudy(studyId);
    study.record = {
      ...study.record,
      userAttrs: { ...study.record.userAttrs, ...attrs.userAttrs },
      systemAttrs: { ...study.record.systemAttrs, ...attrs.systemAttrs },
    };
  }

  async compareAndSetStudySystemAttr(studyId: number, key: string, expected: JsonValue | undefined, value: JsonValue): Promise<boolean> {
    // Check and set in one synchronous step: no other caller runs in between.
    const study = this.requireStudy(studyId);
    if (!isDeepStrictEqual(study.record.systemAttrs[key], expected)) return false;
    study.record = { ...study.record, systemAttrs: { ...study.record.systemAttrs, [key]: value } };
    return true;
  }

  async createTrial(studyId: number, init: TrialInit): Promise<FrozenTrial> {
    return this.insertTrial(studyId, init);
  }

  async queueTrials(studyId: number, count: number): Promise<void> {
    this.requireStudy(studyId);
    for (let i = 0; i < count; i++) this.insertTrial(studyId, { state: "waiting" });
  }

  async createTrialOnce(studyId: number, key: string, init: TrialInit): Promise<FrozenTrial | null> {
    // Check and insert in one synchronous step: no other caller runs in between.
    if (this.requireStudy(studyId).trials.some((t) => t.systemAttrs[ONCE_KEY_ATTR] === key)) return null;
    return this.insertTrial(studyId, { ...init, systemAttrs: { ...init.systemAttrs, [ONCE_KEY_ATTR]: key } });
  }

  private insertTrial(studyId: number, init: TrialInit): FrozenTrial {
    const study = this.requireStudy(studyId);
    const trial: FrozenTrial = {
      id: this.nextTrialId++,
      number: study.trials.length,
      state: init.state,
      params: { ...init.params },
      distributions: { ...init.distributions },
      values: null,
      intermediate: {},
      userAttrs: { ...init.userAttrs },
      systemAttrs: { ...init.systemAttrs },
      startedAt: init.state === "running" ? Date.now() : null,
      finishedAt: null,
      seq: study.changeLog.length + 1,
    };
    this.append(study, trial);
    if (init.state === "waiting") study.waiting.push(trial.id);
    return trial;
  }

  /** Adds a new trial, with the next number, to the study and its change log. */
  private append(study: MemoryStudy, trial: FrozenTrial): FrozenTrial {
    study.trials.push(trial);
    study.changeLog.push(trial.id);
    this.trialIndex.set(trial.id, { study, number: trial.number });
    return trial;
  }

  async insertFinishedTrial(studyId: number, init: FinishedTrialInit): Promise<FrozenTrial> {
    return (await this.insertTrials(studyId, [init]))[0]!;
  }

  async insertTrials(studyId: number, inits: readonly WholeTrialInit[]): Promise<FrozenTrial[]> {
    // One synchronous step: all or none, and no other caller's trial numbered in between.
    const study = this.requireStudy(studyId);
    return inits.map((init) => {
      const trial = this.append(study, finishedTrial(init, this.nextTrialId++, study.trials.length, study.changeLog.length + 1));
      if (trial.state === "waiting") study.waiting.push(trial.id);
      return trial;
    });
  }

  async claimWaitingTrial(studyId: number, claim: TrialClaim = {}): Promise<FrozenTrial | null> {
    const study = this.requireStudy(studyId);
    const among = claim.among ? new Set(claim.among) : null;
    const order = claim.segmentOrder;
    const pending = order ? study.trials.filter((t) => t.state === "waiting" || t.state === "running") : [];
    const claimable = (waitingId: number): boolean => {
      const trial = study.trials[this.trialIndex.get(waitingId)!.number]!;
      return (!among || among.has(trial.number)) && (!order || !heldInSegmentOrder(trial, pending, order));
    };
    const at = among || order ? study.waiting.findIndex(claimable) : 0;
    const id = at < 0 ? undefined : study.waiting.splice(at, 1)[0];
    if (id === undefined) return null;
    const number = this.trialIndex.get(id)!.number;
    const waiting = study.trials[number]!;
    const trial: FrozenTrial = {
      ...waiting,
      systemAttrs: claim.systemAttrs ? { ...waiting.systemAttrs, ...claim.systemAttrs } : waiting.systemAttrs,
      state: "running",
      startedAt: Date.now(),
      seq: study.changeLog.length + 1,
    };
    return this.replace(study, trial);
  }

  async updateTrial(trialId: number, patch: TrialPatch): Promise<FrozenTrial> {
    const entry = this.trialIndex.get(trialId);
    if (!entry) throw new TrialNotFoundError(trialId);
    const { study, number } = entry;
    const next = applyTrialPatch(study.trials[number]!, patch, study.changeLog.length + 1, Date.now());
    if (next.state !== "running") this.lastBeat.delete(trialId);
    return this.replace(study, next);
  }

  async trialsSince(studyId: number, seq: number): Promise<TrialChanges> {
    const study = this.requireStudy(studyId);
    const log = study.changeLog;
    if (seq <= 0) return { trials: [...study.trials], seq: log.length };
    const numbers = new Set<number>();
    for (let k = seq; k < log.length; k++) numbers.add(this.trialIndex.get(log[k]!)!.number);
    const trials = [...numbers].sort((a, b) => a - b).map((n) => study.trials[n]!);
    return { trials, seq: log.length };
  }

  async getTrial(trialId: number): Promise<FrozenTrial | null> {
    const entry = this.trialIndex.get(trialId);
    return entry ? entry.study.trials[entry.number]! : null;
  }

  async findTrials(studyId: number, query: TrialQuery): Promise<FrozenTrial[]> {
    return selectTrials(this.requireStudy(studyId).trials, query);
  }

  async recordHeartbeat(trialIds: readonly number[]): Promise<void> {
    checkTrialIds(trialIds);
    const now = Date.now();
    for (const id of trialIds) {
      const entry = this.trialIndex.get(id);
      if (entry && entry.study.trials[entry.number]!.state === "running") this.lastBeat.set(id, now);
    }
  }

  async staleTrials(studyId: number, graceMs: number): Promise<FrozenTrial[]> {
    checkGraceMs(graceMs);
    const study = this.requireStudy(studyId);
    const cutoff = Date.now() - graceMs;
    return study.trials.filter((trial) => trial.state === "running" && (this.lastBeat.get(trial.id) ?? trial.startedAt!) < cutoff);
  }

  async heartbeatSilenceMs(trialId: number): Promise<number | null> {
    const entry = this.trialIndex.get(trialId);
    const trial = entry?.study.trials[entry.number];
    if (!trial || trial.state !== "running") return null;
    return Math.max(0, Date.now() - (this.lastBeat.get(trialId) ?? trial.startedAt!));
  }

  async close(): Promise<void> {}

  private replace(study: MemoryStudy, trial: FrozenTrial): FrozenTrial {
    study.trials[trial.number] = trial;
    study.changeLog.push(trial.id);
    return trial;
  }

  private requireStudy(studyId: number): MemoryStudy {
    const study = this.studiesById.get(studyId);
    if (!study) throw noStudy(studyId);
    return study;
  }
}

