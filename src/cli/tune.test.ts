import { describe, expect, it } from "vitest";
import { RandomSampler } from "../samplers/index.js";
import { createStudy } from "../study/index.js";
import { bestSoFarText } from "./tune.js";

describe("bestSoFarText", () => {
  it("shows the best value of a single-objective study, and a dash before its first complete trial", async () => {
    const study = await createStudy({ direction: "minimize", sampler: new RandomSampler({ seed: 1 }) });
    expect(bestSoFarText(study)).toBe("best=-");
    await study.tell(await study.ask(), { state: "failed", reason: "crashed" });
    expect(bestSoFarText(study)).toBe("best=-");
    await study.tell(await study.ask(), 0.413249);
    await study.tell(await study.ask(), 2);
    expect(bestSoFarText(study)).toBe("best=0.4132");
  });

  it("shows the size of the Pareto front of a multi-objective study", async () => {
    const study = await createStudy({ directions: ["minimize", "minimize"], sampler: new RandomSampler({ seed: 1 }) });
    expect(bestSoFarText(study)).toBe("front=0");
    await study.tell(await study.ask(), [1, 2]);
    await study.tell(await study.ask(), [2, 1]);
    await study.tell(await study.ask(), [3, 3]);
    expect(bestSoFarText(study)).toBe("front=2");
  });
});
