/**
 * The simulator's heartbeat: steps the simulation on a real-time timer until simulated time reaches
 * the end of the run, then says so once. Shared by the registry simulator and the load mode, so
 * both stop the same way (duration reached, a failed step, or `stop()`).
 */
import type { Logger } from '../../common/logger.ts';

/** A running ticker. */
export type Ticker = {
  /** Stops ticking and resolves `done`. Idempotent. */
  stop(): void;
  /** Resolves once the ticker has stopped, for whatever reason. */
  readonly done: Promise<void>;
};

/**
 * Calls `step(now)` every `tickMs` real milliseconds with the simulated time `now()`, at once the
 * first time. A step that throws stops the run with an error log: a bug in the model must not kill
 * the process silently between ticks. The timer is unref'd: the caller keeps the process alive.
 */
export function startTicker(o: { tickMs: number; now: () => number; endMs: number; step: (now: number) => void; logger: Logger; what: string }): Ticker {
  let stopped = false;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  function tick(): void {
    if (stopped) return;
    const now = o.now();
    try {
      o.step(now);
    } catch (err) {
      o.logger.error({ err }, `${o.what} step failed; stopping`);
      stop();
      return;
    }
    if (now >= o.endMs) {
      o.logger.info({ simTime: new Date(o.endMs).toISOString() }, 'duration reached');
      stop();
    }
  }
  const timer = setInterval(tick, o.tickMs);
  timer.unref();
  function stop(): void {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    resolveDone();
  }
  tick();
  return { stop, done };
}
