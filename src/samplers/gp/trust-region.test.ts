import { describe, expect, it } from "vitest";
import { makeSamplingTrial, makeSnapshot, makeTrial, type FrozenTrial, type SearchSpace } from "../../space/index.js";
import { Rng } from "../../math/rng.js";
import { type Acquisition, type DimensionKind, maximizeAcquisitionFunction } from "./acquisition.js";
import { GPSampler } from "./gp.js";
import { maceParetoFront } from "./mace.js";
import { GaussianProcess } from "./model.js";
import { distanceToRegion, vizierTrustRadius, vizierTrustRegion } from "./trust-region.js";

const continuous = (d: number): DimensionKind[] => Array.from({ length: d }, () => ({ type: "continuous" }) as const);

describe("Vizier's trust region", () => {
  it("has radius 0.2 + 0.3·n/(5(p+1)) and is dropped once that reaches 0.5", () => {
    expect(vizierTrustRadius(0, 4)).toBeCloseTo(0.2, 12);
    expect(vizierTrustRadius(10, 4)).toBeCloseTo(0.2 + 0.3 * 10 / 25, 12);
    const points = (n: number) => Array.from({ length: n }, () => new Float64Array(4).fill(0.5));
    expect(vizierTrustRegion(points(24), continuous(4))?.radius).toBeCloseTo(0.2 + 0.3 * 24 / 25, 12);
    expect(vizierTrustRegion(points(25), continuous(4))).toBeNull();
    expect(vizierTrustRegion([], continuous(4))).toBeNull();
  });

  it("measures L∞ distance to the nearest centre over numeric coordinates only, with its gradient", () => {
    const dimensions: DimensionKind[] = [{ type: "continuous" }, { type: "categorical", size: 3 }, { type: "continuous" }];
    const region = vizierTrustRegion([Float64Array.from([0.1, 0, 0.1]), Float64Array.from([0.9, 2, 0.9])], dimensions)!;
    const gradient = new Float64Array(3);
    // Nearest centre (0.9, ·, 0.9): the larger gap is the first coordinate's 0.3, below the centre.
    expect(distanceToRegion(region, Float64Array.from([0.6, 0, 0.8]), gradient)).toBeCloseTo(0.3, 12);
    expect(Array.from(gradient)).toEqual([-1, 0, 0]);
    // The categorical coordinate (index 1) does not count however far it is.
    expect(distanceToRegion(region, Float64Array.from([0.1, 2, 0.15]))).toBeCloseTo(0.05, 12);
  });

  it("keeps the acquisition search inside, even when the acquisition peaks far outside", () => {
    const dimensions = continuous(3);
    const centres = [Float64Array.from([0.2, 0.2, 0.2]), Float64Array.from([0.3, 0.1, 0.25])];
    const region = vizierTrustRegion(centres, dimensions)!;
    // Peaks at the far corner (1, 1, 1); smooth, with a gradient.
    const corner: Acquisition = {
      value: (p) => -((1 - p[0]!) ** 2 + (1 - p[1]!) ** 2 + (1 - p[2]!) ** 2),
      valueWithGradient(p, g) {
        for (let i = 0; i < 3; i++) g[i] = 2 * (1 - p[i]!);
        return this.value(p);
      },
    };
    const search = { dimensions, nCandidates: 256, nRestarts: 4, anchors: centres, taken: new Set<string>(), seed: 5, rng: new Rng(5) };
    const free = maximizeAcquisitionFunction(corner, search)!;
    expect(distanceToRegion(region, free.point)).toBeGreaterThan(0.5);
    const found = maximizeAcquisitionFunction(corner, { ...search, rng: new Rng(5), trustRegion: region })!;
    expect(distanceToRegion(region, found.point)).toBeLessThanOrEqual(region.radius + 1e-12);
    // And it goes as far towards the corner as the region allows: the box corner of the ball around (0.3, 0.1, 0.25) or (0.2, 0.2, 0.2).
    expect(found.value).toBeGreaterThan(corner.value(Float64Array.from([0.2 + region.radius, 0.2 + region.radius, 0.2 + region.radius])) - 1e-3);
  });

  it("keeps MACE's Pareto front inside", () => {
    const gp = new GaussianProcess(
      { x: Float64Array.from([0.1, 0.1, 0.2, 0.15, 0.9, 0.9]), y: Float64Array.from([0, 0.5, 1]), n: 3, d: 2, categorical: new Uint8Array(2) },
      { lengthscales: Float64Array.from([0.3, 0.3]), signalVariance: 1, noiseVariance: 1e-6 },
    );
    const dimensions = continuous(2);
    const centres = [Float64Array.from([0.1, 0.1]), Float64Array.from([0.2, 0.15]), Float64Array.from([0.9, 0.9])];
    const region = vizierTrustRegion(centres, dimensions)!;
    const search = { dimensions, nCandidates: 256, anchors: centres, taken: new Set<string>(), seed: 2, generations: 5 };
    const open = maceParetoFront(gp, 0, 2, { ...search, rng: new Rng(2) });
    // Without the region UCB's end of the front reaches the unexplored corners.
    expect(open.some(({ point }) => distanceToRegion(region, point) > region.radius)).toBe(true);
    const restricted = maceParetoFront(gp, 0, 2, { ...search, rng: new Rng(2), trustRegion: region });
    expect(restricted.length).toBeGreaterThan(0);
    for (const { point } of restricted) expect(distanceToRegion(region, point)).toBeLessThanOrEqual(region.radius + 1e-12);
  });

  it("as a GPSampler option, proposes within the radius of an evaluated point until it is dropped", () => {
    const d = 6;
    const space: SearchSpace = Object.fromEntries(Array.from({ length: d }, (_, i) => [`x${i}`, { type: "float", low: 0, high: 1 } as const]));
    const f = (p: Record<string, unknown>) => Object.values(p).reduce<number>((s, v) => s + ((v as number) - 0.8) ** 2, 0);
    const trials: FrozenTrial[] = [];
    const sampler = new GPSampler({ seed: 7, trustRegion: true });
    let checked = 0;
    for (let number = 0; number < 30; number++) {
      const snapshot = makeSnapshot(trials);
      const trial = makeSamplingTrial(number);
      const relative = sampler.inferRelativeSpace(snapshot, trial);
      const params = Object.keys(relative).length > 0 ? sampler.sampleRelative(snapshot, trial, relative) : {};
      for (const [name, distribution] of Object.entries(space)) if (!(name in params)) params[name] = sampler.sampleIndependent(snapshot, trial, name, distribution);
      const radius = vizierTrustRadius(trials.length, d);
      if (Object.keys(relative).length > 0 && trials.length >= 10 && radius < 0.5) {
        const point = Object.keys(space).map((name) => params[name] as number);
        const nearest = Math.min(...trials.map((t) => Math.max(...Object.keys(space).map((name, i) => Math.abs((t.params[name] as number) - point[i]!)))));
        expect(nearest).toBeLessThanOrEqual(radius + 1e-9);
        checked++;
      }
      trials.push(makeTrial({ number, params, distributions: space, values: [f(params)] }));
    }
    expect(checked).toBeGreaterThan(10);
  });
});
