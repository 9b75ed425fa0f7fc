import { lowerBound } from "../math/sorted.js";
import type { FrozenTrial } from "./records.js";

/**
 * A trial's intermediate values in step order, with the best value up to each step, kept up to
 * date as steps are reported: what pruners ask on every report (the latest two steps, the best
 * value so far, the first report at or past a rung) costs O(1) or O(log n) in the trial's number
 * of steps instead of a scan of them all, which made a 30,000-step learning curve quadratic.
 *
 * NaN (and anything not a number) counts as a report for the steps but never as a best value.
 *
 * @example
 * const index = intermediateIndex(trial);
 * index.lastStep;          // 29999
 * index.best("minimize");  // 0.173, the smallest value reported so far
 */
export class IntermediateIndex {
  /** Reported steps, ascending. */
  private readonly steps: number[] = [];
  /** `values[i]` was reported at `steps[i]`. */
  private readonly values: number[] = [];
  /**
   * The smallest and largest non-NaN value among `values[0..i]` (NaN while there is none), valid
   * for i < `prefixValid` and filled in when asked: a report before earlier-reported steps moves
   * every later prefix, and recomputing them on each add made a curve reported in descending
   * (or random) step order quadratic: 50,000 steps took 14 s where in order they take 0.1 s.
   */
  private readonly prefixMin: number[] = [];
  private readonly prefixMax: number[] = [];
  private prefixValid = 0;
  /** The smallest and largest non-NaN value of all steps (NaN while there is none). */
  private overallMin = Number.NaN;
  private overallMax = Number.NaN;
  /** The steps in the order they were added. */
  private readonly reportOrder: number[] = [];
  /** The steps whose value is a finite number, ascending. */
  private readonly finiteSteps: number[] = [];
  private everyStepInOrder = true;

  /** Records `value` at `step`, a step not recorded before. Reports in step order cost O(1). */
  add(step: number, value: number): void {
    let at = this.steps.length;
    if (at > 0 && step < this.steps[at - 1]!) {
      this.everyStepInOrder = false;
      at = this.firstIndexFrom(step);
      this.steps.splice(at, 0, step);
      this.values.splice(at, 0, value);
      this.prefixValid = Math.min(this.prefixValid, at);
    } else {
      this.steps.push(step);
      this.values.push(value);
    }
    this.reportOrder.push(step);
    if (Number.isFinite(value)) {
      const finite = this.finiteSteps;
      if (finite.length > 0 && step < finite[finite.length - 1]!) finite.splice(lowerBound(finite, step), 0, step);
      else finite.push(step);
    }
    if (typeof value === "number" && !Number.isNaN(value)) {
      if (Number.isNaN(this.overallMin) || value < this.overallMin) this.overallMin = value;
      if (Number.isNaN(this.overallMax) || value > this.overallMax) this.overallMax = value;
    }
  }

  /** How many steps were reported. */
  get size(): number {
    return this.steps.length;
  }

  /** The step added `k`-th (0 is the first), in the order steps were added rather than by step. */
  stepAddedAt(k: number): number {
    return this.reportOrder[k]!;
  }

  /** Whether every step was added after all smaller ones (then a running sum in report order is one in step order). */
  get addedInStepOrder(): boolean {
    return this.everyStepInOrder;
  }

  /** How many steps have a finite value. */
  get finiteCount(): number {
    return this.finiteSteps.length;
  }

  /** The `i`-th step with a finite value, in ascending order. */
  finiteStepAt(i: number): number {
    return this.finiteSteps[i]!;
  }

  /** The latest reported step, or -1. */
  get lastStep(): number {
    return this.steps.length > 0 ? this.steps[this.steps.length - 1]! : -1;
  }

  /** The one-before-latest reported step, or -1. */
  get secondLastStep(): number {
    return this.steps.length > 1 ? this.steps[this.steps.length - 2]! : -1;
  }

  /** The `i`-th reported step in ascending order (0 is the first). */
  stepAt(i: number): number {
    return this.steps[i]!;
  }

  /** The value reported at the `i`-th step in ascending order. */
  valueAt(i: number): number {
    return this.values[i]!;
  }

  /** The best value among the first `count` steps (all by default) under `direction`, NaN ignored; NaN if none. */
  best(direction: "minimize" | "maximize", count: number = this.steps.length): number {
    if (count <= 0) return Number.NaN;
    if (count >= this.steps.length) return direction === "maximize" ? this.overallMax : this.overallMin;
    for (let i = this.prefixValid; i < count; i++) {
      const v = this.values[i]!;
      const usable = typeof v === "number" && !Number.isNaN(v);
      const min = i === 0 ? Number.NaN : this.prefixMin[i - 1]!;
      const max = i === 0 ? Number.NaN : this.prefixMax[i - 1]!;
      this.prefixMin[i] = usable && (Number.isNaN(min) || v < min) ? v : min;
      this.prefixMax[i] = usable && (Number.isNaN(max) || v > max) ? v : max;
    }
    this.prefixValid = Math.max(this.prefixValid, count);
    const prefix = direction === "maximize" ? this.prefixMax : this.prefixMin;
    return prefix[count - 1]!;
  }

  /** The position of the first reported step ≥ `step` (`size` when there is none), by binary search. */
  firstIndexFrom(step: number): number {
    return lowerBound(this.steps, step);
  }
}

/** Indexes kept up to date by the owner of the record they describe (a running `Trial`). */
const tracked = new WeakMap<object, IntermediateIndex>();

/**
 * Starts an index of `intermediate` that its owner keeps up to date by calling `add` with every
 * step it writes into the record; {@link intermediateIndex} then answers for that record from it.
 */
export function trackIntermediate(intermediate: Readonly<Record<number, number>>): IntermediateIndex {
  const index = buildIndex(intermediate);
  tracked.set(intermediate, index);
  return index;
}

/**
 * The index of a trial's intermediate values: the one its running `Trial` keeps (O(1)), or one
 * built now from the record (O(n log n)) for a trial read from storage or made by hand, whose
 * record may change without notice and so is never cached.
 */
export function intermediateIndex(trial: Pick<FrozenTrial, "intermediate">): IntermediateIndex {
  return tracked.get(trial.intermediate) ?? buildIndex(trial.intermediate);
}

function buildIndex(intermediate: Readonly<Record<number, number>>): IntermediateIndex {
  const index = new IntermediateIndex();
  const steps = Object.keys(intermediate)
    .map(Number)
    .sort((a, b) => a - b);
  for (const step of steps) index.add(step, intermediate[step]!);
  return index;
}
