/**
 * Notices parameters that a sampler modelling parameters jointly (CMA-ES, GP, multivariate TPE,
 * TuRBO…) leaves to independent sampling for good, so the study can say so once.
 */
import { type Distribution, FinishedCursor, type SamplingTrial, type StudySnapshot, distributionsEqual, isSingleValue } from "../space/index.js";
import type { IndependentSampling, Sampler } from "../samplers/index.js";

/**
 * Finished trials, from its first on, that must all have asked for a parameter that earlier ones
 * lack before it is taken as added mid-study rather than a conditional branch first taken; as
 * many finished trials before must have lacked it.
 */
const ADDED_EVIDENCE = 3;

/** What the finished (complete or pruned) trials read so far say of one parameter. */
interface ParameterRecord {
  /** The first distribution it was asked with, and a second one if any differs: enough to tell whether any differs from a given one. */
  readonly distributions: Distribution[];
  /** The lowest number of a trial that asked for it. */
  first: number;
  /** The highest number of a trial that did not ask for it, or -1. */
  lastWithout: number;
  /** How many trials asked for it. */
  count: number;
}

/**
 * One per study object: reads the study's finished trials incrementally (each once), and says,
 * for a parameter that reached `sampleIndependent`, why the sampler's joint model left it out,
 * once per parameter name.
 *
 * Said: its distribution differs from the one earlier trials asked with (a range changed between
 * runs); at least {@link ADDED_EVIDENCE} earlier trials lack it and as many finished trials from
 * its first on all have it (added mid-study); its type is one the model never takes (a
 * categorical under CMA-ES).
 * Not said: before the sampler's startup is over (every parameter is sampled independently by
 * design then), for a parameter of a conditional branch (some trials after the first that asked
 * for it did not: the intersection search space leaves such parameters to independent sampling by
 * design), for a single value, for a parameter of a type the model never takes once another of
 * that type was said.
 *
 * @example
 * const watch = new IndependentSamplingWatch();
 * const note = watch.check(sampler, snapshot, view, "x", { type: "float", low: -10, high: 10 });
 * if (note !== null) trial.warn(note);
 */
export class IndependentSamplingWatch {
  private cursor = new FinishedCursor();
  private readonly parameters = new Map<string, ParameterRecord>();
  private finishedCount = 0;
  private completeCount = 0;
  private highestNumber = -1;
  private readonly warned = new Set<string>();
  /** Distribution types a warning about a type the model never takes was given for. */
  private readonly warnedTypes = new Set<Distribution["type"]>();

  /** The warning for `name`, asked for as `distribution` and sampled independently at `trial`, or null when there is nothing (more) to say. */
  check(sampler: Sampler, snapshot: StudySnapshot, trial: SamplingTrial, name: string, distribution: Distribution): string | null {
    if (sampler.independentSampling === undefined || this.warned.has(name) || isSingleValue(distribution)) return null;
    this.read(snapshot);
    const record = this.parameters.get(name);
    // A conditional parameter: a trial after the first that asked for it did not.
    if (this.finishedCount === 0 || (record !== undefined && record.lastWithout > record.first)) return null;
    const sampling = sampler.independentSampling(snapshot, trial);
    if (sampling === null || this.completeCount < sampling.startupTrials) return null;
    const unmodelledType = sampling.unmodelledTypes?.includes(distribution.type) === true;
    // One line for every parameter of a type the model never takes: thirty categoricals under
    // cmaes printed thirty lines of the same advice at one trial.
    if (unmodelledType && this.warnedTypes.has(distribution.type)) return null;
    const why = this.reason(sampling, name, distribution, record);
    if (why === null) return null;
    this.warned.add(name);
    if (unmodelledType) this.warnedTypes.add(distribution.type);
    const by = sampling.sampler ?? `the ${sampler.name} sampler`;
    const said = unmodelledType ? `Said once for all ${distribution.type} parameters: the others are sampled the same way.` : "Said once per parameter.";
    return `parameter "${name}" is sampled ${sampling.how}, not jointly by ${by}: ${why} (${said})`;
  }

  /** Why the model leaves `name` out, and what to do, or null when that is by design. */
  private reason(sampling: IndependentSampling, name: string, distribution: Distribution, record: ParameterRecord | undefined): string | null {
    if (sampling.unmodelledTypes?.includes(distribution.type)) {
      return `the sampler does not model ${distribution.type} parameters. Use one that does (tpe, gp or auto) to have "${name}" modelled.`;
    }
    const newStudy = "start a new study (a new study name; --study with sextant tune)";
    const other = record?.distributions.find((earlier) => !distributionsEqual(earlier, distribution));
    if (other !== undefined) {
      return (
        `it is asked for as ${JSON.stringify(distribution)}, but earlier trials asked for it as ${JSON.stringify(other)}, and the sampler models a parameter ` +
        `only with the distribution every earlier finished trial gave it. It stays out of the model for the rest of this study: keep one range for "${name}", or ${newStudy} for the new one. ` +
        `If its range follows another parameter by design, ask for a fixed range (a fraction in [0, 1], say) and scale it by that parameter, so the model can take it.`
      );
    }
    // Earlier trials lack it. Its first finished trials alone cannot tell a parameter added
    // mid-study from a branch first taken now: a few in a row, with none since that lacks it, after
    // a few without it, can. One trial without it was the study's first trial taking another branch
    // (a kernel without "C", then three with it), and the advice to start a new study was wrong.
    // (Grouped TPE, and auto, which turns to it, model such a parameter by then.)
    const without = this.finishedCount - (record?.count ?? 0);
    if (record === undefined || record.lastWithout < 0 || record.count < ADDED_EVIDENCE || without < ADDED_EVIDENCE) return null;
    return (
      `it was added mid-study: the ${without} finished trial(s) before trial ${record.first} did not ask for it, the ${record.count} from it on all did, ` +
      `and the sampler models only parameters that every earlier finished trial asked for. It stays out of the model for the rest of this study: ${newStudy} to have it modelled.`
    );
  }

  /** Reads the finished trials not read yet; starts over on a snapshot that does not continue what was read. */
  private read(snapshot: StudySnapshot): void {
    if (!this.cursor.continues(snapshot)) {
      this.cursor = new FinishedCursor();
      this.parameters.clear();
      this.finishedCount = 0;
      this.completeCount = 0;
      this.highestNumber = -1;
    }
    const finished = snapshot.finished;
    for (let i = this.cursor.position; i < finished.length; i++) {
      const trial = finished[i]!;
      if (trial.state !== "complete" && trial.state !== "pruned") continue;
      if (trial.state === "complete") this.completeCount++;
      for (const [name, record] of this.parameters) {
        const distribution = trial.distributions[name];
        if (distribution === undefined) {
          record.lastWithout = Math.max(record.lastWithout, trial.number);
          continue;
        }
        record.first = Math.min(record.first, trial.number);
        record.count++;
        if (record.distributions.length === 1 && !distributionsEqual(record.distributions[0]!, distribution)) record.distributions.push(distribution);
      }
      for (const [name, distribution] of Object.entries(trial.distributions)) {
        // Every trial read before lacked it.
        if (!this.parameters.has(name)) this.parameters.set(name, { distributions: [distribution], first: trial.number, lastWithout: this.highestNumber, count: 1 });
      }
      this.finishedCount++;
      this.highestNumber = Math.max(this.highestNumber, trial.number);
    }
    this.cursor.markRead(snapshot);
  }
}
