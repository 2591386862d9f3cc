import type { FakeClock } from '../../clock/fake-clock.js';

/**
 * Runs a promise whose progress depends on a FakeClock to completion: wakes sleepers in time order (jumping
 * virtual time) until the promise settles. Throws if nothing is left to wake and the promise is still pending
 * (a deadlock in the code under test).
 */
export async function runWithFakeClock<T>(
  clock: FakeClock,
  promise: Promise<T>,
  maxIdleRounds = 50,
): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  let idle = 0;
  while (!settled) {
    await clock.runUntilIdle();
    await new Promise((r) => setImmediate(r));
    if (settled) break;
    if (clock.pendingSleepers === 0) {
      if (++idle > maxIdleRounds)
        throw new Error('runWithFakeClock: promise pending with no sleeper left (deadlock)');
    } else {
      idle = 0;
    }
  }
  return promise;
}
