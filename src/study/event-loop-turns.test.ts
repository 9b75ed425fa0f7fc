import { describe, expect, it } from "vitest";
import { EventLoopTurns } from "./event-loop-turns.js";

/** Keeps the CPU busy for `ms` milliseconds without letting the event loop turn. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe("EventLoopTurns", () => {
  it("makes a loop that never lets the event loop turn give it turns, so a timer runs", async () => {
    const turns = new EventLoopTurns(50);
    let fired = false;
    setTimeout(() => (fired = true), 0);
    let given = 0;
    const end = performance.now() + 300;
    while (performance.now() < end) {
      if (turns.due()) {
        given++;
        await turns.turn();
      }
      await Promise.resolve();
      busy(1);
    }
    expect(fired).toBe(true);
    expect(given).toBeGreaterThanOrEqual(2);
  });

  it("gives no turn of its own to a loop whose awaits turn the event loop anyway", async () => {
    // Such turns reordered optimize's lanes, and asynchronous PBT then ranked its members otherwise.
    const turns = new EventLoopTurns(50);
    let given = 0;
    for (let i = 0; i < 100; i++) {
      if (turns.due()) {
        given++;
        await turns.turn();
      }
      busy(1);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(given).toBe(0);
  });
});
