/**
 * Turns of the event loop for a loop of promises that may never give one. A loop whose awaits all
 * settle at once (a synchronous objective, storage in memory) runs on microtasks alone: timers,
 * I/O and signal handlers wait until it ends, so Ctrl-C, SIGTERM, a `setTimeout(() =>
 * study.stop())` and a progress timer did nothing until the last trial.
 */

/** How long (ms) a loop runs on microtasks at most before it lets the event loop turn. */
export const EVENT_LOOP_TURN_MS = 20;

/**
 * Lets the event loop turn (through `setImmediate`, after timers, I/O and signals) once at least
 * `everyMs` have gone by since the last turn it gave: once per `everyMs` of continuous work, not
 * once per iteration, which would cost a loop of fast trials a turn each. One object may serve
 * several loops (optimize's lanes): a loop that comes while a turn is under way takes one too.
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
  private lastTurn = performance.now();

  constructor(private readonly everyMs: number = EVENT_LOOP_TURN_MS) {}

  /**
   * Whether a turn is due. Asked before awaiting {@link turn}, not folded into it: an await of
   * nothing still costs a loop of fast trials a microtask each, and reorders optimize's lanes.
   */
  due(): boolean {
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
