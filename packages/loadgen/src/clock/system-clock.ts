import { setMaxListeners } from 'node:events';
import type { Clock } from '../ports.js';

/**
 * How long before the deadline `sleepUntilUs` stops trusting `setTimeout` and spins on `setImmediate`.
 * Node timers fire up to ~1 ms late (libuv rounds to whole milliseconds and the loop may be busy), so the
 * last stretch is covered by yielding to the event loop each turn and re-reading the clock.
 */
const SPIN_WINDOW_US = 2_000;

/**
 * The real clock: `performance.now() * 1000` µs (monotonic, sub-µs resolution, origin = process start).
 * `sleepUntilUs` is precise to a few tens of µs when the event loop is not overloaded: `setTimeout` for the
 * bulk of the wait, then `setImmediate` turns (which still let I/O run) for the last ~2 ms.
 * On abort the promise RESOLVES early (never rejects); callers check `signal.aborted` afterwards.
 */
export class SystemClock implements Clock {
  private readonly sharedSignals = new WeakSet<AbortSignal>();

  nowUs(): number {
    return performance.now() * 1000;
  }

  sleepUntilUs(tUs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted || performance.now() * 1000 >= tUs) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let immediate: NodeJS.Immediate | undefined;
      const finish = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        if (immediate !== undefined) clearImmediate(immediate);
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      const spin = (): void => {
        immediate = undefined;
        if (performance.now() * 1000 >= tUs) finish();
        else immediate = setImmediate(spin);
      };
      const step = (): void => {
        timer = undefined;
        const leftUs = tUs - performance.now() * 1000;
        if (leftUs <= 0) return finish();
        // setTimeout may fire early by <1 ms or late; re-check and only spin inside the window
        if (leftUs > SPIN_WINDOW_US) timer = setTimeout(step, Math.floor((leftUs - SPIN_WINDOW_US) / 1000));
        else spin();
      };
      if (signal) {
        if (!this.sharedSignals.has(signal)) {
          // one run-wide signal shared by thousands of sleepers is expected: silence Node's leak warning
          this.sharedSignals.add(signal);
          setMaxListeners(0, signal);
        }
        signal.addEventListener('abort', finish, { once: true });
      }
      step();
    });
  }
}
