import { expect } from "vitest";
import type { Storage } from "../src/storage/types.js";

/** A claim limited to some trial numbers (synchronous PBT's) takes the oldest of them still waiting, and no other. */
export async function expectClaimsAmong(storage: Storage): Promise<void> {
  const study = await storage.createStudy("among", ["minimize"]);
  for (let i = 0; i < 4; i++) await storage.createTrial(study.id, { state: "waiting" });
  expect((await storage.claimWaitingTrial(study.id, { among: [2, 3] }))!.number).toBe(2);
  expect(await storage.claimWaitingTrial(study.id, { among: [2, 7] })).toBeNull();
  expect((await storage.claimWaitingTrial(study.id))!.number).toBe(0);
  expect((await storage.claimWaitingTrial(study.id, { among: [3, 1] }))!.number).toBe(1);
}
