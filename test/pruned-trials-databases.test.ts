/**
 * Pruned trials as Optuna 3.1 records them, stored in memory, in a SQLite file and in PostgreSQL
 * and read back through a second connection, as another process reads them.
 */
import { describe, expect, it } from "vitest";
import { RandomSampler } from "../src/samplers/index.js";
import { createStudy, loadStudy } from "../src/study/index.js";
import { twoConnectionBackends } from "./fixtures/two-connections.js";

const backends = await twoConnectionBackends("pruned-trials");

describe.each(backends)("pruned trials: $name", (backend) => {
  it("keeps an infinite last intermediate value as the pruned trial's value, and none for NaN, as Optuna 3.1 does", async (context) => {
    if (backend.skip) context.skip(backend.skip);
    const [first, peer] = await backend.connections();
    try {
      const study = await createStudy({ name: "s", storage: first, sampler: new RandomSampler({ seed: 1 }) });
      for (const last of [Infinity, -Infinity, Number.NaN, 2.5]) {
        const trial = await study.ask();
        trial.suggestFloat("x", 0, 1);
        trial.reportIntermediate(1, 0);
        trial.reportIntermediate(last, 1);
        await study.tell(trial, { state: "pruned" });
      }
      const stored = await loadStudy({ name: "s", storage: peer, sampler: new RandomSampler({ seed: 2 }) });
      expect(stored.trials.map((t) => [t.state, t.values])).toEqual([
        ["pruned", [Infinity]],
        ["pruned", [-Infinity]],
        ["pruned", null],
        ["pruned", [2.5]],
      ]);
      // A pruned trial is never the best, whatever its value: the listing's best value stays unset.
      const listed = await peer.listStudies();
      expect(listed.find((s) => s.name === "s")?.bestValue ?? null).toBeNull();
    } finally {
      await first.close();
      if (peer !== first) await peer.close();
    }
  });
});
