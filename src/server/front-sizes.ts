/**
 * The size of each multi-objective study's Pareto front, as GET /studies lists it, kept up to date
 * with the storage's incremental reads (`trialsSince`) instead of reading every trial on every
 * request: the dashboard's study search sends one listing per keystroke, and a 100,000-trial study
 * of two objectives took seconds to read and rank each time.
 */
import { feasibilityRule, feasibleParetoFront, isConstrainedStudy } from "../analysis/index.js";
import { type FrozenTrial, paretoFront } from "../space/index.js";
import type { Storage, StudyRecord } from "../storage/index.js";

/** A study's front as of storage `seq`, and whether the study was constrained then. */
interface KnownFront {
  readonly seq: number;
  readonly constrained: boolean;
  readonly front: readonly FrozenTrial[];
}

/**
 * Keeps the feasible Pareto front (see `feasibleParetoFront`) of each study it is asked about and
 * brings it up to date with the trials changed since. The front of all trials is the front of the
 * old front and the new trials (domination is transitive), so only the front is kept. It reads the
 * whole study again only when that does not hold: the study's first constrained trial arrives (a
 * trial without constraints then counts as infeasible, and the trials it dominated may join), or a
 * trial on the front changed. Concurrent requests for one study share one read.
 *
 * @example
 * const fronts = new ParetoFrontSizes(storage);
 * await fronts.size(record); // 4: reads the study once, then only what changed
 */
export class ParetoFrontSizes {
  private readonly fronts = new Map<number, { known: KnownFront | null; refreshing: Promise<KnownFront> | null }>();

  constructor(private readonly storage: Storage) {}

  /** How many feasible complete trials are on the study's Pareto front now. */
  async size(record: StudyRecord): Promise<number> {
    let entry = this.fronts.get(record.id);
    if (!entry) {
      entry = { known: null, refreshing: null };
      this.fronts.set(record.id, entry);
    }
    const current = entry;
    current.refreshing ??= (async () => {
      try {
        current.known = await this.advance(record, current.known);
        return current.known;
      } finally {
        current.refreshing = null;
      }
    })();
    return (await current.refreshing).front.length;
  }

  /** Forgets the studies not among `ids` (deleted ones), so a long-running server does not keep their fronts. */
  keepOnly(ids: ReadonlySet<number>): void {
    for (const id of this.fronts.keys()) if (!ids.has(id)) this.fronts.delete(id);
  }

  private async advance(record: StudyRecord, known: KnownFront | null): Promise<KnownFront> {
    if (known === null) return this.readWhole(record);
    const changes = await this.storage.trialsSince(record.id, known.seq);
    if (changes.trials.length === 0) return { ...known, seq: Math.max(known.seq, changes.seq) };
    const onFront = new Set(known.front.map((t) => t.number));
    const complete = changes.trials.filter((t) => t.state === "complete");
    // Finished trials do not change; were one on the front to, what it dominated may be back.
    if (changes.trials.some((t) => onFront.has(t.number))) return this.readWhole(record);
    if (!known.constrained && isConstrainedStudy(complete)) return this.readWhole(record);
    const feasible = feasibilityRule(complete, known.constrained);
    return {
      seq: Math.max(known.seq, changes.seq),
      constrained: known.constrained,
      front: paretoFront([...known.front, ...complete.filter(feasible)], record.directions),
    };
  }

  private async readWhole(record: StudyRecord): Promise<KnownFront> {
    const { trials, seq } = await this.storage.trialsSince(record.id, 0);
    return { seq, constrained: isConstrainedStudy(trials), front: feasibleParetoFront(trials, record.directions) };
  }
}
