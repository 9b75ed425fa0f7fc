import { describe, expect, it } from "vitest";
import { createStudy } from "../study/index.js";
import { MemoryStorage } from "../storage/index.js";
import { RandomSampler } from "../samplers/index.js";
import { llmPrior, llmPriorSpace, startFromPrior } from "./step-law.js";

describe("Step Law prior", () => {
  it("matches values worked by hand from the paper's formula", () => {
    // N = 1e9, D = 1e11 (the paper's 1B-parameter, 100B-token setting):
    //   log10 η = log10 1.79 − 0.713·9 + 0.307·11 = 0.252853 − 6.417 + 3.377 = −2.787147 → η = 1.6325e-3
    //   log10 B = log10 0.58 + 0.571·11 = −0.236572 + 6.281 = 6.044428 → B = 1.1077e6 tokens
    const big = llmPrior({ params: 1e9, tokens: 1e11 });
    expect(big.learningRate / 1.6325e-3).toBeCloseTo(1, 3);
    expect(big.batchSizeTokens / 1.1077e6).toBeCloseTo(1, 3);
    // N = 1e8, D = 1e10: log10 η = 0.252853 − 5.704 + 3.07 = −2.381147 → 4.1577e-3;
    //   log10 B = −0.236572 + 5.71 = 5.473428 → 2.9746e5 tokens.
    const small = llmPrior({ params: 1e8, tokens: 1e10, sequenceLength: 2048 });
    expect(small.learningRate / 4.1577e-3).toBeCloseTo(1, 3);
    expect(small.batchSizeTokens / 2.9746e5).toBeCloseTo(1, 3);
    expect(small.batchSizeSequences).toBe(145); // 297460 / 2048 = 145.2
    expect(big.source).toMatch(/2503\.04715/);
  });

  it("depends on N only through the learning rate", () => {
    const a = llmPrior({ params: 1e8, tokens: 1e11 });
    const b = llmPrior({ params: 1e9, tokens: 1e11 });
    expect(a.batchSizeTokens).toBe(b.batchSizeTokens);
    expect(a.learningRate / b.learningRate).toBeCloseTo(10 ** 0.713, 10);
  });

  it("names the bad input", () => {
    expect(() => llmPrior({ params: -1, tokens: 1e9 })).toThrow(/params/);
    expect(() => llmPrior({ params: 1e9, tokens: Number.NaN })).toThrow(/tokens/);
    expect(() => llmPrior({ params: 1e9, tokens: 1e9, sequenceLength: 1.5 })).toThrow(/sequenceLength/);
    // A number read from the environment or argv, still a string: it said "got 1e9".
    expect(() => llmPrior({ params: "1e9" as never, tokens: 1e11 })).toThrow('params (non-embedding parameter count N) must be a positive number, got the string "1e9"');
    expect(() => llmPrior({ params: 1e9, tokens: "1e11" as never })).toThrow('tokens (training tokens D) must be a positive number, got the string "1e11"');
    expect(() => llmPrior({ params: 1e9, tokens: 1e11, sequenceLength: "4096" as never })).toThrow('sequenceLength must be a positive integer, got the string "4096"');
    expect(() => llmPriorSpace(llmPrior({ params: 1e9, tokens: 1e9 }), { decades: 0 })).toThrow(/decades/);
    // Half a token gave a first batch size of 0, outside the space's [1, 2]; a fraction of a parameter is no model.
    expect(() => llmPrior({ params: 1e9, tokens: 0.5 })).toThrow("tokens (training tokens D) must be at least 1, got 0.5");
    expect(() => llmPrior({ params: 0.25, tokens: 1e11 })).toThrow("params (non-embedding parameter count N) must be at least 1, got 0.25");
    const least = llmPriorSpace(llmPrior({ params: 1, tokens: 1 }));
    expect(least.first.batch_size).toBeGreaterThanOrEqual(least.space.batch_size!.low);
    // Each used to pass in silence: a batch size in tokens where sequences were meant, a range
    // ending at Infinity that failed every trial, and a space with one parameter instead of two.
    expect(() => llmPrior({ params: 1e9, tokens: 1e11, seqLength: 4096 } as never)).toThrow(
      'llmPrior: unknown option "seqLength"; valid options: params, tokens, sequenceLength',
    );
    const prior = llmPrior({ params: 1e9, tokens: 1e11 });
    expect(() => llmPriorSpace(prior, { decades: 1e3 })).toThrow("decades must be a positive number of at most 12, got 1000");
    expect(llmPriorSpace(prior, { decades: 12 }).space.lr!.high).toBeLessThan(Infinity);
    expect(() => llmPriorSpace(prior, { learningRateName: "x", batchSizeName: "x" })).toThrow('learningRateName and batchSizeName must differ, both are "x"');
  });

  it("refuses a batch size range past the largest int bound, naming what to change", () => {
    // Each built a batch_size int range ending past 2^53 − 1, which every suggestInt then refused
    // with an InvalidDistributionError (and `sextant priors` printed a --param tune refuses).
    // 1e18 tokens predict 1.1e10 tokens a batch: 12 decades reach 1.1e16.
    const wide = llmPrior({ params: 1e9, tokens: 1e18 });
    expect(() => llmPriorSpace(wide, { decades: 12 })).toThrow(/^decades 12 make the batch size range reach 11000894343000000 tokens, beyond 9007199254740991 \(2\^53 − 1\).*; give decades of at most 11\.82$/);
    const { space } = llmPriorSpace(wide, { decades: 11.82 });
    expect(space.batch_size!.high).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
    // 1e30 tokens predict 7.8e16 tokens a batch, past the bound whatever the decades.
    expect(() => llmPriorSpace(llmPrior({ params: 1e9, tokens: 1e30 }))).toThrow(/^tokens \(training tokens D\) 1e\+30 predict a batch size of 78239847190315650 tokens, .*give a sequence length/);
    // Counted in sequences it fits.
    expect(llmPriorSpace(llmPrior({ params: 1e9, tokens: 1e30, sequenceLength: 4096 })).first.batch_size).toBe(Math.round(78239847190315650 / 4096));
  });

  it("centres a log range on the prediction and starts the study there", async () => {
    const prior = llmPrior({ params: 1e9, tokens: 1e11, sequenceLength: 4096 });
    const storage = new MemoryStorage();
    const study = await createStudy({ storage, sampler: new RandomSampler({ seed: 1 }) });
    const { space, first } = await startFromPrior(study, prior, { decades: 2 });
    await startFromPrior(study, prior, { decades: 2 }); // a second call queues nothing more
    const lr = space.lr!;
    expect(lr).toMatchObject({ type: "float", log: true });
    expect(Math.sqrt(lr.low * lr.high) / prior.learningRate).toBeCloseTo(1, 10);
    expect(lr.high / lr.low).toBeCloseTo(100, 8);
    expect(first.batch_size).toBe(270); // 1.1077e6 / 4096 = 270.4
    const seen: number[][] = [];
    await study.optimize(
      (t) => {
        const l = t.suggestFloat("lr", lr.low, lr.high, { log: true });
        const b = t.suggestInt("batch_size", space.batch_size!.low, space.batch_size!.high, { log: true });
        seen.push([l, b]);
        return Math.abs(Math.log(l / prior.learningRate));
      },
      { nTrials: 3 },
    );
    expect(seen[0]).toEqual([prior.learningRate, 270]);
    expect(study.trials.filter((t) => t.userAttrs.prior === "step-law")).toHaveLength(1);
  });
});
