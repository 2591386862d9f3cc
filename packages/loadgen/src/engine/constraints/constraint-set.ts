import type { RequestSample } from '@inferbench/contracts';
import type { Clock } from '../../ports.js';
import type { Admission, Constraint, PointProgress, StopDecision } from './constraint.js';

/**
 * The constraints of one point, asked together: the first decision of a hook stops the point through `stop`
 * (the runner keeps the most severe one). Owns the timer that wakes time-based constraints.
 */
export class ConstraintSet {
  private timerRearm = new AbortController();

  constructor(
    private readonly list: readonly Constraint[],
    private readonly progress: PointProgress,
    private readonly stop: (decision: StopDecision) => void,
  ) {}

  /** Subscribes the event-driven constraints; returns the unsubscribe function. */
  watch(): () => void {
    const offs = this.list.map((c) => c.watch?.(this.stop));
    return () => {
      for (const off of offs) off?.();
    };
  }

  /** Whether one more request may be admitted; false after a constraint stopped the point. */
  mayAdmit(): boolean {
    for (const c of this.list) {
      const d = c.beforeAdmit?.(this.progress);
      if (d) {
        this.stop(d);
        return false;
      }
    }
    return true;
  }

  /** Tells every constraint about an admission; re-arms the timer when that moved a check time. */
  admitted(admission: Admission, nowRelUs: number): void {
    const before = this.nextCheckUs();
    for (const c of this.list) c.onAdmitted?.(admission, nowRelUs, this.progress);
    if (this.nextCheckUs() !== before) this.timerRearm.abort();
  }

  requestDone(sample: RequestSample): void {
    for (const c of this.list) {
      const d = c.onRequestDone?.(sample, this.progress);
      if (d) this.stop(d);
    }
  }

  /** The earliest planned window end (see `Constraint.plannedEndUs`). */
  plannedEndUs(): number | undefined {
    return minOf(this.list.map((c) => c.plannedEndUs?.()));
  }

  /**
   * Until `finished` aborts: wakes at the earliest time a constraint asked for and lets every constraint due by
   * then decide (`rel`: µs since `startUs`).
   */
  async runTimer(clock: Clock, startUs: number, rel: () => number, finished: AbortSignal): Promise<void> {
    for (;;) {
      const rearm = (this.timerRearm = new AbortController());
      const atUs = this.nextCheckUs();
      const signal = AbortSignal.any([finished, rearm.signal]);
      if (atUs === undefined) await untilAborted(signal);
      else await clock.sleepUntilUs(startUs + atUs, signal);
      if (finished.aborted) return;
      if (rearm.signal.aborted || atUs === undefined) continue;
      for (const c of this.list) {
        const due = c.nextCheckUs?.();
        if (due === undefined || due > atUs) continue;
        const d = c.checkAt?.(rel(), this.progress);
        if (d) this.stop(d);
      }
    }
  }

  private nextCheckUs(): number | undefined {
    return minOf(this.list.map((c) => c.nextCheckUs?.()));
  }
}

function minOf(values: readonly (number | undefined)[]): number | undefined {
  let min: number | undefined;
  for (const v of values) if (v !== undefined && (min === undefined || v < min)) min = v;
  return min;
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
