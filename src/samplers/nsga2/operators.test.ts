import { describe, expect, it } from "vitest";
import { Rng } from "../../math/rng.js";
import { makeChild, polynomialMutation, simulatedBinaryCrossover } from "./operators.js";

const SETTINGS = { crossoverProb: 1, swappingProb: 0.5, mutationProb: null, crossoverEta: 20, mutationEta: 20 };

describe("simulatedBinaryCrossover", () => {
  it("stays in [0, 1] for parents anywhere, including on the bounds", () => {
    const rng = new Rng(1);
    const parents = [0, 1e-9, 0.3, 0.5, 1 - 1e-9, 1];
    for (const eta of [0, 2, 20, 100]) {
      for (const a of parents) {
        for (const b of parents) {
          for (let r = 0; r < 50; r++) {
            const child = simulatedBinaryCrossover(rng, a, b, eta);
            expect(child).toBeGreaterThanOrEqual(0);
            expect(child).toBeLessThanOrEqual(1);
          }
        }
      }
    }
  });

  it("returns the parent when both parents are equal", () => {
    expect(simulatedBinaryCrossover(new Rng(2), 0.4, 0.4, 20)).toBe(0.4);
  });

  it("keeps children nearer their parents as eta grows", () => {
    const meanDistance = (eta: number) => {
      const rng = new Rng(3);
      let sum = 0;
      for (let r = 0; r < 2000; r++) {
        const child = simulatedBinaryCrossover(rng, 0.4, 0.6, eta);
        sum += Math.min(Math.abs(child - 0.4), Math.abs(child - 0.6));
      }
      return sum / 2000;
    };
    expect(meanDistance(50)).toBeLessThan(meanDistance(2));
  });

  it("is symmetric about the parents' midpoint away from the bounds", () => {
    const rng = new Rng(4);
    let sum = 0;
    for (let r = 0; r < 4000; r++) sum += simulatedBinaryCrossover(rng, 0.45, 0.55, 5) - 0.5;
    expect(Math.abs(sum / 4000)).toBeLessThan(0.005);
  });
});

describe("polynomialMutation", () => {
  it("stays in [0, 1] and moves both ways", () => {
    const rng = new Rng(5);
    let up = 0;
    let down = 0;
    for (const x of [0, 0.001, 0.5, 0.999, 1]) {
      for (let r = 0; r < 200; r++) {
        const y = polynomialMutation(rng, x, 20);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThanOrEqual(1);
        if (y > x) up++;
        if (y < x) down++;
      }
    }
    expect(up).toBeGreaterThan(300);
    expect(down).toBeGreaterThan(300);
  });
});

describe("makeChild", () => {
  it("is deterministic under a seed and keeps categorical coordinates on a parent's cell or a legal cell", () => {
    const first = Float64Array.from([0.1, 0.25, 0.9]);
    const second = Float64Array.from([0.7, 0.75, 0.2]);
    const sizes = [0, 2, 0];
    const a = makeChild(new Rng(9), first, second, sizes, SETTINGS);
    const b = makeChild(new Rng(9), first, second, sizes, SETTINGS);
    expect(Array.from(a)).toEqual(Array.from(b));
    const rng = new Rng(10);
    for (let r = 0; r < 500; r++) {
      const child = makeChild(rng, first, second, sizes, { ...SETTINGS, mutationProb: 0.5 });
      expect([0.25, 0.75]).toContain(child[1]);
      for (const x of child) expect(x >= 0 && x <= 1).toBe(true);
    }
  });

  it("copies the first parent when neither crossover nor mutation happens", () => {
    const first = Float64Array.from([0.1, 0.3]);
    const child = makeChild(new Rng(11), first, Float64Array.from([0.9, 0.8]), [0, 0], { ...SETTINGS, crossoverProb: 0, mutationProb: 0 });
    expect(Array.from(child)).toEqual([0.1, 0.3]);
  });
});
