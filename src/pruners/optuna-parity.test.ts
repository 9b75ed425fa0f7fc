import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Direction, FrozenTrial, JsonValue, RawOptions, StudySnapshot } from "../space/index.js";
import { createPrunerByName } from "./registry.js";

/**
 * Optuna 3.1's decisions on fixed histories, written by scripts/optuna-pruner-decisions.py (run
 * with Debian's /usr/bin/python3, which has optuna and scipy): each case is a log of reports, the
 * pruner's answer after each, and the ends of the trials. Replaying the log against Sextant's
 * pruner of the same name and options must give the same answers, report by report.
 */
type Event =
  | { trial: number; step: number; value: number | null; prune: boolean }
  | { trial: number; finish: "complete"; value: number }
  | { trial: number; finish: "pruned" };

interface Case {
  name: string;
  kind: "successive_halving" | "hyperband" | "percentile" | "threshold" | "patient";
  options: Record<string, unknown>;
  direction: Direction;
  studyName: string;
  events: Event[];
}

const fixture = JSON.parse(readFileSync(new URL("../../test/fixtures/optuna-pruner-decisions.json", import.meta.url), "utf8")) as { optuna: string; cases: Case[] };

function sextantPruner(c: Case) {
  const name = c.kind === "successive_halving" ? "asha" : c.kind;
  const options = { ...c.options } as Record<string, unknown>;
  // Optuna's default first rungs are "auto" (successive halving) and 1 (Hyperband); Sextant's are
  // "rank-agreement" (session 24), so the cases recorded with Optuna's defaults name them.
  if (c.kind === "successive_halving" && options.min_resource === undefined) options.min_resource = "auto";
  if (c.kind === "hyperband" && options.min_resource === undefined) options.min_resource = 1;
  // And Optuna's percentile pruner warms up for 0 steps, Sextant's until the steps rank trials.
  if (c.kind === "percentile" && options.n_warmup_steps === undefined) options.n_warmup_steps = 0;
  if (c.kind === "patient" && options.wrapped) {
    // The wrapped median pruner with Optuna's warm-up (Sextant's default waits for the steps to rank).
    options.wrappedOptions = JSON.stringify({ n_warmup_steps: 0, ...(options.wrapped as object) });
    options.wrapped = "median";
  }
  return createPrunerByName(name, options as RawOptions);
}

/** Replays a case; returns the reports whose decision differs from Optuna's. */
function replay(c: Case): string[] {
  const pruner = sextantPruner(c);
  const live = new Map<number, FrozenTrial>();
  const finished: FrozenTrial[] = [];
  const mismatches: string[] = [];
  const snapshot = (): StudySnapshot => ({
    studyId: 1,
    studyName: c.studyName,
    directions: [c.direction],
    trials: [...live.values()].sort((a, b) => a.number - b.number),
    finished: [...finished],
    userAttrs: {},
    systemAttrs: {},
  });
  for (const event of c.events) {
    const before = live.get(event.trial) ?? blank(event.trial);
    if ("step" in event) {
      const trial: FrozenTrial = { ...before, intermediate: { ...before.intermediate, [event.step]: event.value ?? Number.NaN } };
      live.set(event.trial, trial);
      const attrs: Record<string, JsonValue> = { ...trial.systemAttrs };
      const decision = pruner.prune(snapshot(), trial, { setSystemAttr: (key, value) => void (attrs[key] = value) });
      live.set(event.trial, { ...trial, systemAttrs: attrs });
      if (decision !== event.prune) mismatches.push(`trial ${event.trial} step ${event.step}: optuna ${event.prune}, sextant ${decision}`);
    } else {
      const ended: FrozenTrial = { ...before, state: event.finish, values: event.finish === "complete" ? [event.value] : null };
      live.set(event.trial, ended);
      finished.push(ended);
    }
  }
  return mismatches;
}

function blank(number: number): FrozenTrial {
  return { id: 100 + number, number, state: "running", params: {}, distributions: {}, values: null, intermediate: {}, userAttrs: {}, systemAttrs: {}, startedAt: null, finishedAt: null, seq: number };
}

describe(`pruner decisions match Optuna ${fixture.optuna} on the same histories`, () => {
  for (const c of fixture.cases) {
    it(`${c.name} (${c.kind} ${JSON.stringify(c.options)}, ${c.direction})`, () => {
      const prunes = c.events.filter((e) => "prune" in e && e.prune).length;
      const keeps = c.events.filter((e) => "prune" in e && !e.prune).length;
      // A case that never prunes (or always does) would check nothing.
      expect(prunes).toBeGreaterThan(0);
      expect(keeps).toBeGreaterThan(0);
      expect(replay(c)).toEqual([]);
    });
  }
});
