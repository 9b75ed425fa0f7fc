/**
 * Races between processes on one study's shared record, in memory, on a real SQLite file and on
 * real PostgreSQL: each test forces the losing interleaving with a gate rather than hoping for it
 * by timing. Each process is a connection of its own to the same store.
 */
import { describe, expect, it } from "vitest";
import { RandomSampler } from "../src/samplers/index.js";
import { createStudy, loadStudy } from "../src/study/index.js";
import { readingEarly, twoConnectionBackends } from "./fixtures/two-connections.js";

const backends = await twoConnectionBackends("study-races");

describe.each(backends)("races on a study's record: $name", (backend) => {
  it("keeps one constraint count when two workers that both read none tell their first constrained trials at once", async (context) => {
    if (backend.skip) context.skip(backend.skip);
    const [first, peer] = await backend.connections();
    try {
      await createStudy({ name: "s", storage: first, sampler: new RandomSampler({ seed: 1 }) });
      const hold: { promise: Promise<unknown> | null } = { promise: null };
      const a = await loadStudy({ name: "s", storage: first, sampler: new RandomSampler({ seed: 2 }) });
      const b = await loadStudy({ name: "s", storage: readingEarly(peer, hold), sampler: new RandomSampler({ seed: 3 }) });
      const [ta, tb] = [await a.ask(), await b.ask()];
      ta.suggestFloat("x", 0, 1);
      tb.suggestFloat("x", 0, 1);
      // b reads the study (no count yet) before a tells, and goes on only once a's tell is stored.
      let release!: () => void;
      hold.promise = new Promise<void>((resolve) => (release = resolve));
      const told = b.tell(tb, 2, { constraints: [-1, -1] });
      const toldA = await a.tell(ta, 1, { constraints: [-1] });
      release();
      const toldB = await told;
      hold.promise = null;
      expect(toldA.state).toBe("complete");
      expect([toldB.state, toldB.systemAttrs.failReason]).toEqual(["failed", "2 constraint value(s) reported, but the study's trials have 1"]);
      const stored = await loadStudy({ name: "s", storage: first, sampler: new RandomSampler({ seed: 4 }) });
      expect(stored.systemAttrs.constraintCount).toBe(1);
      expect(stored.trials.filter((t) => t.state === "complete").map((t) => t.systemAttrs.constraints)).toEqual([[-1]]);
      // The same count from the loser is taken as it is.
      const again = await b.ask();
      again.suggestFloat("x", 0, 1);
      expect((await b.tell(again, 3, { constraints: [0.5] })).state).toBe("complete");
    } finally {
      await first.close();
      if (peer !== first) await peer.close();
    }
  });
});
