import { describe, expect, it } from "vitest";
import { type Distribution, makeSnapshot, makeTrial } from "../../space/index.js";
import { constrainedDominates, greedyHypervolumeSubset, hypervolume } from "../../analysis/index.js";
import { Rng } from "../../math/rng.js";
import { ABOVE, BELOW, RowMatrix, TrialHistory } from "./history.js";
import { referencePoint, scaledForHypervolume } from "./motpe-weights.js";

const X: Distribution = { type: "float", low: 0, high: 1 };
const C: Distribution = { type: "categorical", choices: ["a", "b"] };

describe("RowMatrix", () => {
  it("holds, extended trial by trial, each row's column coordinates and whether it has them all", () => {
    const trials = Array.from({ length: 30 }, (_, i) => {
      const params: Record<string, number | string> = { x: (i * 0.37) % 1 };
      const distributions: Record<string, Distribution> = { x: X };
      if (i % 3 !== 1) {
        params.c = i % 2 === 0 ? "a" : "b";
        distributions.c = C;
      }
      return makeTrial({ number: i, state: "complete", params, distributions, values: [i % 7] });
    });
    const history = new TrialHistory();
    const columns = [history.column("c", C), history.column("x", X)];
    const matrix = new RowMatrix(columns);
    for (let n = 1; n <= trials.length; n += 4) {
      history.sync(makeSnapshot(trials.slice(0, n)));
      matrix.extend(history.rows.length);
      for (let row = 0; row < history.rows.length; row++) {
        const expected = columns.map((column) => column.coordinates[row]!);
        expect(Array.from(matrix.values.subarray(2 * row, 2 * row + 2))).toEqual(expected);
        expect(matrix.complete[row]).toBe(expected.some(Number.isNaN) ? 0 : 1);
      }
    }
    expect(matrix.isOf(columns)).toBe(true);
    expect(matrix.isOf([columns[1]!, columns[0]!])).toBe(false);
  });
});

describe("TrialHistory with modelFailures", () => {
  const trials = Array.from({ length: 40 }, (_, number) => {
    const x = (number * 0.6180339887) % 1;
    if (number % 10 === 0) return makeTrial({ number, params: { x, c: "b" }, distributions: { x: X, c: C }, values: [x] });
    // Some failures stop before asking for c.
    const partial = number % 2 === 1;
    return makeTrial({ number, state: "failed", params: partial ? { x } : { x, c: "a" }, distributions: partial ? { x: X } : { x: X, c: C } });
  });

  it("keeps failed trials as rows after every other, never below, however many fail, and leaves them out of the space", () => {
    const history = new TrialHistory({ modelFailures: true });
    history.sync(makeSnapshot(trials));
    expect(history.rows.length).toBe(40);
    const split = history.split(10);
    expect(split.belowCount).toBe(4);
    history.rows.forEach((row, i) => expect(split.membership[i]).toBe(row.trial.state === "failed" ? ABOVE : BELOW));
    expect([...history.intersectionSpace().keys()]).toEqual(["c", "x"]);
    expect(history.parameterGroups().map((group) => [...group.keys()].sort())).toEqual([["c", "x"]]);
  });

  it("ignores failed trials without it", () => {
    const history = new TrialHistory();
    history.sync(makeSnapshot(trials));
    expect(history.rows.length).toBe(4);
  });
});

describe("TrialHistory with several objectives", () => {
  it("splits a history of 130,000 trials, which overflowed the call stack (push(...rest))", () => {
    // A chain: trial i dominates every later one, so each front holds one trial and the rest is carried over.
    const trials = Array.from({ length: 130_000 }, (_, number) => makeTrial({ number, params: { x: number / 130_000 }, distributions: { x: X }, values: [number, number] }));
    const history = new TrialHistory();
    history.sync(makeSnapshot(trials, { directions: ["minimize", "minimize"] }));
    const split = history.split(3);
    expect([0, 1, 2, 3].map((row) => split.membership[row])).toEqual([BELOW, BELOW, BELOW, ABOVE]);
  });
});

describe("TrialHistory's multi-objective split, against peeling fronts pair by pair", () => {
  /** The split as defined: each front by comparing all pairs, the last one thinned greedily, weights from each point left out. */
  function bruteForce(history: TrialHistory, belowCount: number): Map<number, number> {
    let remaining = history.byNumber.slice();
    const rows = history.rows;
    const below: number[] = [];
    while (below.length < belowCount && remaining.length > 0) {
      const dominatedBySome = (row: number) => remaining.some((o) => o !== row && constrainedDominates(rows[o]!.losses!, rows[o]!.violation, rows[row]!.losses!, rows[row]!.violation));
      const front = remaining.filter((row) => !dominatedBySome(row));
      if (below.length + front.length <= belowCount) below.push(...front);
      else {
        const points = scaledForHypervolume(front.map((row) => rows[row]!.losses!));
        for (const position of greedyHypervolumeSubset(points, belowCount - below.length, referencePoint(points))) below.push(front[position]!);
      }
      remaining = remaining.filter((row) => !front.includes(row));
    }
    const points = scaledForHypervolume(below.map((row) => rows[row]!.losses!));
    const reference = referencePoint(points);
    const total = hypervolume(points, reference);
    const raw = points.map((_, i) => total - hypervolume(points.filter((__, j) => j !== i), reference) + 1e-12);
    const max = Math.max(...raw);
    return new Map(below.map((row, i) => [row, below.length === 1 ? 1 : Math.min(1, Math.max(0, raw[i]! / max))]));
  }

  it("chooses the same rows with bit-identical weights, with constraints, equal losses and 2 or 3 objectives", () => {
    const rng = new Rng(7);
    for (let round = 0; round < 16; round++) {
      const m = 2 + (round % 2);
      const constrained = round % 4 >= 2;
      const trials = Array.from({ length: 40 + rng.integer(0, 80) }, (_, number) => {
        // Coarse values: equal losses, equal gains and duplicate points.
        const values = Array.from({ length: m }, () => rng.integer(0, 6) / 2);
        const systemAttrs: Record<string, number[]> = constrained ? { constraints: [rng.integer(-2, 2) / 2, rng.uniform() < 0.1 ? Number.NaN : -1] } : {};
        return makeTrial({ number, state: "complete", params: { x: rng.uniform() }, distributions: { x: X }, values, systemAttrs });
      });
      const history = new TrialHistory();
      history.sync(makeSnapshot(trials, { directions: Array.from({ length: m }, (_, k) => (k === 1 ? "maximize" : "minimize")) }));
      for (const belowCount of [1, 5, Math.ceil(trials.length / 4), trials.length - 1]) {
        const split = history.split(belowCount);
        const expected = bruteForce(history, belowCount);
        history.rows.forEach((_, row) => {
          expect(split.membership[row], `round ${round}, below ${belowCount}, row ${row}`).toBe(expected.has(row) ? BELOW : ABOVE);
          if (expected.has(row)) expect(Object.is(split.belowWeights![row], expected.get(row))).toBe(true);
        });
      }
    }
  });
});

describe("TrialHistory with constraints", () => {
  it("ranks a trial whose stored constraints are not a list of numbers as infeasible, after every violation (it threw)", () => {
    const stored = [[-1], "x", [0.5], [1, "a"], [-2]];
    const trials = stored.map((constraints, number) => makeTrial({ number, state: "complete", params: { x: number / 10 }, distributions: { x: X }, values: [-number], systemAttrs: { constraints } }));
    const history = new TrialHistory();
    history.sync(makeSnapshot(trials));
    expect(history.rows.map((row) => row.violation)).toEqual([0, Infinity, 0.5, Infinity, 0]);
    // Below: the two feasible trials, then the violation of 0.5 ahead of the malformed ones.
    const split = history.split(3);
    expect(history.rows.map((_, i) => split.membership[i])).toEqual([BELOW, ABOVE, BELOW, ABOVE, BELOW]);
  });
});

describe("TrialHistory with constraints on pruned trials", () => {
  it("splits as Optuna 3.1's constrained TPE: a pruned trial that meets its constraints before every infeasible one, one without them last", () => {
    const trial = (fields: Parameters<typeof makeTrial>[0]) => makeTrial({ ...fields, params: { x: fields.number / 10 }, distributions: { x: X } });
    const trials = [
      trial({ number: 0, state: "complete", values: [1], systemAttrs: { constraints: [-1] } }),
      trial({ number: 1, state: "complete", values: [0], systemAttrs: { constraints: [2] } }),
      trial({ number: 2, state: "pruned", intermediate: { 0: 5, 3: 0.5 }, systemAttrs: { constraints: [-1] } }),
      trial({ number: 3, state: "pruned", intermediate: { 0: 0.1 }, systemAttrs: { constraints: [1] } }),
      trial({ number: 4, state: "pruned", intermediate: { 0: 0.2 } }),
      trial({ number: 5, state: "complete", values: [3], systemAttrs: { constraints: [0.5] } }),
    ];
    const history = new TrialHistory();
    history.sync(makeSnapshot(trials));
    expect(history.rows.map((row) => row.violation)).toEqual([0, 2, 0, 1, Infinity, 0.5]);
    // Optuna 3.1's _split_observation_pairs on this history (its below trials for 1 to 5 below).
    const below = (count: number) => {
      const split = history.split(count);
      return history.rows.filter((_, i) => split.membership[i] === BELOW).map((row) => row.number);
    };
    expect([1, 2, 3, 4, 5].map(below)).toEqual([[0], [0, 2], [0, 2, 5], [0, 2, 3, 5], [0, 1, 2, 3, 5]]);
  });
});

describe("TrialHistory with constraints on some trials only", () => {
  const trial = (fields: Parameters<typeof makeTrial>[0]) => makeTrial({ ...fields, params: { x: fields.number / 10 }, distributions: { x: X } });
  const belowSets = (trials: ReturnType<typeof makeTrial>[], incremental: boolean) => {
    const history = new TrialHistory();
    if (incremental) for (let n = 1; n <= trials.length; n++) history.sync(makeSnapshot(trials.slice(0, n)));
    else history.sync(makeSnapshot(trials));
    return trials.map((_, k) => {
      const split = history.split(k + 1);
      return history.rows.filter((_, i) => split.membership[i] === BELOW).map((row) => row.number);
    });
  };
  // Each history's expected below sets (for 1, 2, ... below) are what Optuna 3.1's
  // _get_observation_pairs(constraints_enabled=True) and _split_observation_pairs give on it.
  const histories: [string, ReturnType<typeof makeTrial>[], number[][]][] = [
    [
      "equal violations, complete and pruned, keep trial-number order",
      [
        trial({ number: 0, state: "complete", values: [1], systemAttrs: { constraints: [-1] } }),
        trial({ number: 1, state: "pruned", intermediate: { 0: 1 }, systemAttrs: { constraints: [1] } }),
        trial({ number: 2, state: "complete", values: [0], systemAttrs: { constraints: [1] } }),
        trial({ number: 3, state: "pruned", intermediate: { 0: 3, 4: 2 }, systemAttrs: { constraints: [1] } }),
      ],
      [[0], [0, 1], [0, 1, 2], [0, 1, 2, 3]],
    ],
    [
      "two pruned trials without constraints (+∞ both) keep trial-number order",
      [
        trial({ number: 0, state: "complete", values: [1], systemAttrs: { constraints: [-1] } }),
        trial({ number: 1, state: "pruned", intermediate: { 0: 5 } }),
        trial({ number: 2, state: "pruned", intermediate: { 0: 9, 3: 1 } }),
      ],
      [[0], [0, 1], [0, 1, 2]],
    ],
    [
      "a complete trial without constraints in a constrained study is +∞, not feasible",
      [
        trial({ number: 0, state: "complete", values: [0] }),
        trial({ number: 1, state: "complete", values: [5], systemAttrs: { constraints: [1] } }),
        trial({ number: 2, state: "complete", values: [3], systemAttrs: { constraints: [-1] } }),
      ],
      [[2], [1, 2], [0, 1, 2]],
    ],
  ];
  for (const [name, trials, expected] of histories) {
    it(`splits as Optuna 3.1 does: ${name}, read at once or trial by trial`, () => {
      expect(belowSets(trials, false)).toEqual(expected);
      expect(belowSets(trials, true)).toEqual(expected);
    });
  }
});

describe("TrialHistory orders", () => {
  // Ties on purpose: losses and coordinates repeat, so only the trial number orders some rows.
  const trials = Array.from({ length: 3_000 }, (_, number) => {
    const x = Math.round(((number * 0.6180339887) % 1) * 50) / 50;
    const params = { x, c: number % 3 === 0 ? "a" : "b" };
    const distributions = { x: X, c: C };
    if (number % 11 === 0) return makeTrial({ number, state: "pruned", params, distributions, intermediate: number % 22 === 0 ? {} : { 0: x, [number % 5]: x / 2 } });
    if (number % 13 === 0) return makeTrial({ number, params, distributions, values: [x], systemAttrs: { constraints: [x - 0.5] } });
    return makeTrial({ number, state: "complete", params, distributions, values: [Math.round(x * 10) / 10] });
  });
  const lossOrder = (history: TrialHistory) => (history as unknown as { lossOrder: number[] }).lossOrder;
  const orders = (history: TrialHistory) => {
    const columns = [history.column("x", X), history.column("c", C)];
    return {
      loss: lossOrder(history).map((row) => history.rows[row]!.number),
      number: history.byNumber.map((row) => history.rows[row]!.number),
      columns: columns.map((column) => ({ sorted: column.sorted.map((row) => history.rows[row]!.number), coordinates: Array.from(column.coordinates.subarray(0, history.rows.length)) })),
    };
  };

  it("are the same whether the trials arrive at once (a resumed study), in batches or one by one, and sorted as their rules say", () => {
    const atOnce = new TrialHistory();
    atOnce.sync(makeSnapshot(trials));
    const oneByOne = new TrialHistory();
    oneByOne.column("x", X); // a column that exists before the rows arrive is extended with them
    for (let n = 1; n <= trials.length; n++) oneByOne.sync(makeSnapshot(trials.slice(0, n)));
    const batches = new TrialHistory();
    for (const n of [1, 2, 500, 501, 1_700, 3_000]) batches.sync(makeSnapshot(trials.slice(0, n)));
    const expected = orders(atOnce);
    expect(orders(oneByOne)).toEqual(expected);
    expect(orders(batches)).toEqual(expected);

    // The rules themselves, checked on every adjacent pair: (violation, then rank, loss, number when feasible, else number) and (coordinate, number).
    const rows = new Map(atOnce.rows.map((row) => [row.number, row]));
    for (let i = 1; i < expected.loss.length; i++) {
      const [a, b] = [rows.get(expected.loss[i - 1]!)!, rows.get(expected.loss[i]!)!];
      // Constrained from trial 13 on: equal positive violations keep trial-number order, as in Optuna 3.1.
      const sameViolation = a.violation === b.violation;
      const tie = a.violation > 0 ? a.number < b.number : a.rank < b.rank || (a.rank === b.rank && (a.loss < b.loss || (a.loss === b.loss && a.number < b.number)));
      expect(a.violation < b.violation || (sameViolation && tie)).toBe(true);
    }
    expect(expected.number).toEqual([...expected.number].sort((a, b) => a - b));
    const x = new Map(atOnce.rows.map((row) => [row.number, row.trial.params.x as number]));
    for (let i = 1; i < expected.columns[0]!.sorted.length; i++) {
      const [a, b] = [expected.columns[0]!.sorted[i - 1]!, expected.columns[0]!.sorted[i]!];
      expect(x.get(a)! < x.get(b)! || (x.get(a) === x.get(b) && a < b)).toBe(true);
    }
    expect(expected.columns[0]!.sorted).toHaveLength(atOnce.rows.length);
  });
});
