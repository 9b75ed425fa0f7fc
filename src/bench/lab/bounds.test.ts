import { describe, expect, it } from "vitest";
import type { Distribution } from "../../index.js";
import { countBoundProposals, parametersOnBound } from "./bounds.js";

const space: Record<string, Distribution> = {
  lr: { type: "float", low: 1e-3, high: 1, log: true },
  l2: { type: "float", low: 0, high: 0.1 },
  epochs: { type: "int", low: 2, high: 30 },
  grid: { type: "float", low: 0, high: 1, step: 0.25 },
  batch: { type: "categorical", choices: [16, 64, 256] },
};

describe("parametersOnBound", () => {
  it("flags numeric values at either end of the box, grids at their end cells, never categoricals", () => {
    expect(parametersOnBound(space, { lr: 1, l2: 0, epochs: 30, grid: 0, batch: 16 })).toEqual({ lr: true, l2: true, epochs: true, grid: true });
    expect(parametersOnBound(space, { lr: 0.999, l2: 1e-7, epochs: 3, grid: 0.75, batch: 256 })).toEqual({ lr: false, l2: false, epochs: false, grid: false });
    expect(parametersOnBound(space, { lr: 1e-3, l2: 0.05, epochs: 2 })).toEqual({ lr: true, l2: false, epochs: true });
  });
});

describe("countBoundProposals", () => {
  it("counts proposals with any parameter on a bound, and each parameter's", () => {
    const counts = countBoundProposals([
      { distributions: space, params: { lr: 1, l2: 0.05, epochs: 30, grid: 0.5, batch: 16 } },
      { distributions: space, params: { lr: 0.1, l2: 0.05, epochs: 10, grid: 0.5, batch: 16 } },
      { distributions: space, params: { lr: 0.1, l2: 0.1, epochs: 10, grid: 0.5, batch: 16 } },
    ]);
    expect(counts).toEqual({ proposals: 3, anyOnBound: 2, perParameter: { lr: 1, l2: 1, epochs: 1, grid: 0 } });
  });
});
