/**
 * Turns of the event loop for a loop of promises that may never give one. A loop whose awaits all
 * settle at once (a synchronous objective, storage in memory) runs on microtasks alone: timers,
 * I/O and signal handlers wait until it ends, so Ctrl-C, SIGTERM, a `setTimeout(() =>
 * study.stop())` and a progress timer did nothing until the last trial.
 */

/** How long (ms) a loop runs on microtasks at most before it lets the event loop turn. */
export const EVENT_LOOP_TURN_MS = 20;

/**
 * Lets the event loop turn (through `setImmediate`, after timers, I/O and signals) where it has not
 * turned by itself for `everyMs` while the loop ran: a loop whose awaits turn it anyway (an
 * objective that awaits its training, a write to SQLite) is never made to wait, which would change
 * the order in which optimize's lanes run, and so asynchronous PBT's rankings. It notices a turn
 * with a `setImmediate` of its own, one at a time. One object may serve several loops (optimize's
 * lanes): a loop that comes while a turn is under way takes one too.
 *
 * @example
 * const turns = new EventLoopTurns();
 * for (;;) {
 *   if (turns.due()) await turns.turn();
 *   if (stopped) break; // a signal handler had a chance to set it
 *   runTrial();
 * }
 */
export class EventLoopTurns {
  /** When the event loop last turned, or when this object began to watch for its next turn. */
  private lastTurn = performance.now();
  /** Whether a `setImmediate` is waiting to see the event loop's next turn. */
  private watching = false;

  constructor(private readonly everyMs: number = EVENT_LOOP_TURN_MS) {}

  /**
   * Whether a turn is due: the event loop has not turned for `everyMs` since this object began to
   * watch. Asked before awaiting {@link turn}, not folded into it: an await of nothing still costs
   * a loop of fast trials a microtask each, and reorders optimize's lanes.
   */
  due(): boolean {
    if (!this.watching) {
      // The loop has turned since the last watch ended (or none began): watch from now.
      this.watching = true;
      this.lastTurn = performance.now();
      setImmediate(() => {
        this.watching = false;
        this.lastTurn = performance.now();
      });
      return false;
    }
    return performance.now() - this.lastTurn >= this.everyMs;
  }

  /** Resolves once the event loop has turned (timers, I/O and signal handlers have run). */
  turn(): Promise<void> {
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        this.lastTurn = performance.now();
        resolve();
      }),
    );
  }
}
