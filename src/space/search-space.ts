/**
 * Search spaces inferred from a study's history, for samplers that model parameters jointly.
 */
import { hashString } from "../math/rng.js";
import { type Distribution, type SearchSpace, distributionsEqual } from "./distributions.js";
import { FinishedCursor, type FrozenTrial, type StudySnapshot } from "./records.js";

/**
 * The parameters that every finished (complete or pruned) trial has, with the same distribution:
 * the space a relative sampler can model jointly. Parameters of conditional branches that not
 * every trial visits are left to independent sampling.
 *
 * Incremental: it reads each finished trial once, using the append-only `finished` list of the
 * snapshot, so keeping one instance per sampler costs O(new trials) per call.
 */
export class IntersectionSearchSpace {
  private cursor = new FinishedCursor();
  private space: Record<string, Distribution> | null = null;

  constructor(private readonly includePruned = true) {}

  calculate(snapshot: StudySnapshot): SearchSpace {
    if (!this.cursor.continues(snapshot)) {
      this.cursor = new FinishedCursor();
      this.space = null;
    }
    const finished = snapshot.finished;
    for (let i = this.cursor.position; i < finished.length; i++) {
      const trial = finished[i]!;
      if (!(trial.state === "complete" || (this.includePruned && trial.state === "pruned"))) continue;
      this.space = intersect(this.space, trial);
    }
    this.cursor.markRead(snapshot);
    return this.space ?? {};
  }
}

function intersect(space: Record<string, Distribution> | null, trial: FrozenTrial): Record<string, Distribution> {
  if (space === null) return { ...trial.distributions };
  const next: Record<string, Distribution> = {};
  for (const [name, distribution] of Object.entries(space)) {
    const other = trial.distributions[name];
    if (other !== undefined && distributionsEqual(distribution, other)) next[name] = distribution;
  }
  return next;
}

/** The intersection search space of a snapshot, computed from scratch (see {@link IntersectionSearchSpace}). */
export function intersectionSearchSpace(snapshot: StudySnapshot, includePruned = true): SearchSpace {
  return new IntersectionSearchSpace(includePruned).calculate(snapshot);
}

/**
 * A short fingerprint of a search space, equal for spaces with the same parameters and
 * distributions whatever the key order, and "" for the empty space. Samplers that keep state for
 * one space (CMA-ES, CEM) compare it to notice that the space changed; CMA-ES also records it on
 * its trials, so the value must stay stable across versions for existing studies.
 *
 * @example
 * searchSpaceFingerprint({ x: { type: "float", low: 0, high: 1 } }); // "…" (8 hex digits at most)
 * searchSpaceFingerprint({}); // ""
 */
export function searchSpaceFingerprint(space: SearchSpace): string {
  const names = Object.keys(space).sort();
  if (names.length === 0) return "";
  return hashString(JSON.stringify(names.map((name) => [name, space[name]]))).toString(16);
}
