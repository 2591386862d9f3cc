import type { Clock } from '../ports.js';

interface Sleeper {
  tUs: number;
  seq: number;
  resolve: () => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * A manual clock for strategy/engine tests. Time moves only when the test calls `advanceUs`/`advanceToUs`
 * (or `runUntilIdle`). Sleepers wake in time order (ties in call order); after each wake-up the clock
 * lets pending promise callbacks run (a `setImmediate` turn) before waking the next sleeper, so code
 * that wakes up and immediately sleeps again is scheduled correctly within the same advance.
 * Like `SystemClock`, an aborted sleep RESOLVES (never rejects).
 */
export class FakeClock implements Clock {
  private currentUs: number;
  private seq = 0;
  private sleepers: Sleeper[] = [];

  constructor(startUs = 0) {
    this.currentUs = startUs;
  }

  nowUs(): number {
    return this.currentUs;
  }

  /** number of sleeps not yet resolved */
  get pendingSleepers(): number {
    return this.sleepers.length;
  }

  /** the earliest wake-up time among pending sleeps, or undefined */
  get nextWakeUs(): number | undefined {
    return this.sleepers[0]?.tUs;
  }

  sleepUntilUs(tUs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted || tUs <= this.currentUs) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const sleeper: Sleeper = { tUs, seq: this.seq++, resolve, signal };
      if (signal) {
        sleeper.onAbort = () => {
          this.remove(sleeper);
          resolve();
        };
        signal.addEventListener('abort', sleeper.onAbort, { once: true });
      }
      this.insert(sleeper);
    });
  }

  /** Move time forward by `dUs`, waking every sleeper due on the way, in time order. */
  async advanceUs(dUs: number): Promise<void> {
    if (dUs < 0) throw new RangeError('FakeClock cannot go backwards');
    await this.advanceToUs(this.currentUs + dUs);
  }

  /** Move time to `tUs` (≥ now), waking every sleeper due on the way, in time order. */
  async advanceToUs(tUs: number): Promise<void> {
    if (tUs < this.currentUs) throw new RangeError('FakeClock cannot go backwards');
    await flushCallbacks();
    for (;;) {
      const next = this.sleepers[0];
      if (next === undefined || next.tUs > tUs) break;
      this.sleepers.shift();
      this.currentUs = next.tUs;
      this.wake(next);
      await flushCallbacks();
    }
    this.currentUs = tUs;
    await flushCallbacks();
  }

  /** Wake sleepers one after the other (jumping time) until none is left or `maxSteps` were woken. */
  async runUntilIdle(maxSteps = 1_000_000): Promise<void> {
    await flushCallbacks();
    for (let i = 0; i < maxSteps; i++) {
      const next = this.sleepers.shift();
      if (next === undefined) return;
      this.currentUs = Math.max(this.currentUs, next.tUs);
      this.wake(next);
      await flushCallbacks();
    }
  }

  private wake(s: Sleeper): void {
    if (s.signal && s.onAbort) s.signal.removeEventListener('abort', s.onAbort);
    s.resolve();
  }

  private insert(s: Sleeper): void {
    // keep sorted by (tUs, seq): binary search for the first sleeper strictly later than s
    let lo = 0;
    let hi = this.sleepers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sleepers[mid]!.tUs <= s.tUs) lo = mid + 1;
      else hi = mid;
    }
    this.sleepers.splice(lo, 0, s);
  }

  private remove(s: Sleeper): void {
    const i = this.sleepers.indexOf(s);
    if (i >= 0) this.sleepers.splice(i, 1);
  }
}

/** Let every queued microtask and promise continuation run (one macrotask turn). */
function flushCallbacks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
