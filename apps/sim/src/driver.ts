/**
 * The Driver: the single timer chain that advances every worker of every model in real wall time.
 *
 * Time model: each worker has its own engine timeline in ms (same origin as the Driver's
 * clock, performance.now()). A step is planned at time `start` (the end of the previous
 * step, or when work appeared), costs `c` ms from the cost model, and its tokens become due
 * at `start + c`. The Driver wakes when the earliest step is due and completes every step
 * whose end is <= now, so a late wake-up (timer granularity, CPU saturation) completes
 * several steps at once ("catch-up") instead of stretching the timeline; how late tokens are
 * written compared to their due time is measured as scheduler lag and exposed.
 */
import type { DriverHooks, Worker } from './worker.js';

/** Lag statistics of the Driver (ms). */
export interface LagStats {
  /** lag of the last wake-up that completed steps: write time - due time of its oldest step */
  lastMs: number;
  maxMs: number;
  meanMs: number;
  /** wake-ups that completed at least one step */
  wakeups: number;
  /** wake-ups whose lag exceeded 10 ms */
  wakeupsOver10Ms: number;
}

/** What the Driver needs of a model engine: its workers, and a slot for the lag hooks. */
export interface DrivenEngine {
  readonly workers: readonly Worker[];
  driverHooks: DriverHooks | null;
}

/** Most steps completed in one wake-up before yielding to I/O (keeps sockets serviced). */
const MAX_STEPS_PER_WAKE = 4096;

/**
 * The single timer chain. One setTimeout/setImmediate is armed at a time, for the earliest due
 * time over all workers of all models; no per-request timers.
 */
export class Driver {
  private timer: NodeJS.Timeout | null = null;
  private timerDueMs = Infinity;
  private immediate: NodeJS.Immediate | null = null;
  private stopped = false;
  private oldestDueThisWake = Infinity;
  private lagSumMs = 0;
  readonly lag: LagStats = { lastMs: 0, maxMs: 0, meanMs: 0, wakeups: 0, wakeupsOver10Ms: 0 };
  private readonly workers: Worker[];

  constructor(
    engines: readonly DrivenEngine[],
    private readonly clock: () => number,
    /** runs after each wake-up, e.g. to flush buffered socket writes */
    private readonly afterWake: () => void,
  ) {
    this.workers = engines.flatMap((e) => e.workers);
    const hooks: DriverHooks = {
      onStepCompleted: (endMs) => {
        if (endMs < this.oldestDueThisWake) this.oldestDueThisWake = endMs;
      },
    };
    for (const e of engines) e.driverHooks = hooks;
  }

  /** Requests a wake-up on the next turn of the event loop (new work arrived). */
  kick(): void {
    if (this.stopped || this.immediate) return;
    this.immediate = setImmediate(this.wake);
  }

  /** Stops the timer chain for good. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private readonly wake = (): void => {
    this.immediate = null;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.timerDueMs = Infinity;
    }
    if (this.stopped) return;
    const nowMs = this.clock();
    let steps = 0;
    this.oldestDueThisWake = Infinity;
    for (const w of this.workers) steps += w.advance(nowMs, MAX_STEPS_PER_WAKE - steps);
    this.afterWake();
    if (this.oldestDueThisWake !== Infinity) {
      const lagMs = Math.max(0, this.clock() - this.oldestDueThisWake);
      const l = this.lag;
      l.lastMs = lagMs;
      if (lagMs > l.maxMs) l.maxMs = lagMs;
      l.wakeups++;
      if (lagMs > 10) l.wakeupsOver10Ms++;
      this.lagSumMs += lagMs;
      l.meanMs = this.lagSumMs / l.wakeups;
    }
    if (steps >= MAX_STEPS_PER_WAKE) {
      this.kick();
      return;
    }
    this.arm();
  };

  private arm(): void {
    let due = Infinity;
    for (const w of this.workers) {
      const d = w.nextDueMs();
      if (d < due) due = d;
    }
    if (due === Infinity || this.stopped) return;
    const delayMs = due - this.clock();
    if (delayMs <= 0) {
      this.kick();
      return;
    }
    if (this.timer && this.timerDueMs === due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDueMs = due;
    // ceil: a timer that fires early would only re-arm for the remainder (+1 ms of lag)
    this.timer = setTimeout(this.wake, Math.ceil(delayMs));
  }
}
