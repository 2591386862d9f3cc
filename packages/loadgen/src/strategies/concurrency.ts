import type { Stage } from '@inferbench/contracts';
import { PiecewiseLinear } from './piecewise-linear.js';

/**
 * How many closed-loop slots are open over time. Slot i (0-based) may run a request while `slotsAt(t) > i`;
 * a slot that is closed finishes its current request and then waits for `timeSlotOpens(i + 1, t)`.
 */
export interface ConcurrencyProfile {
  /** open slots at tUs (µs from the load point's start) */
  slotsAt(tUs: number): number;
  /** the largest number of slots ever open (how many workers to start) */
  readonly maxSlots: number;
  /** earliest time ≥ afterUs at which at least `n` slots are open, or null if never again */
  firstTimeAtLeast(n: number, afterUs: number): number | null;
  /** when the profile ends (µs), or null if it holds forever */
  readonly endUs: number | null;
}

/**
 * Fixed concurrency, optionally ramped up: slot i opens at i·rampUpSec/concurrency, so one request starts at
 * t = 0 and all slots are open just before rampUpSec.
 */
export function createFixedConcurrency(concurrency: number, rampUpSec?: number): ConcurrencyProfile {
  if (!Number.isInteger(concurrency) || concurrency < 0)
    throw new RangeError(`bad concurrency ${concurrency}`);
  const rampUs = rampUpSec !== undefined && rampUpSec > 0 ? rampUpSec * 1e6 : 0;
  const openUs = (i: number): number => (rampUs === 0 ? 0 : (i * rampUs) / concurrency);
  return {
    maxSlots: concurrency,
    endUs: null,
    slotsAt(tUs: number): number {
      if (rampUs === 0) return concurrency;
      return Math.min(concurrency, Math.floor((Math.max(0, tUs) * concurrency) / rampUs) + 1);
    },
    firstTimeAtLeast(n: number, afterUs: number): number | null {
      if (n > concurrency) return null;
      if (n <= 0) return afterUs;
      return Math.max(afterUs, openUs(n - 1));
    },
  };
}

/**
 * Staged concurrency (k6 `ramping-vus`): the target moves linearly between stage targets; open slots are
 * floor(target(t)). Ends with the last stage.
 */
export function createStagedConcurrency(startTarget: number, stages: readonly Stage[]): ConcurrencyProfile {
  const profile = new PiecewiseLinear(startTarget, stages);
  const endUs = profile.endSec * 1e6;
  const eps = 1e-9;
  return {
    maxSlots: Math.floor(profile.maxValue + eps),
    endUs,
    slotsAt(tUs: number): number {
      if (tUs >= endUs) return 0;
      return Math.floor(profile.valueAt(tUs / 1e6) + eps);
    },
    firstTimeAtLeast(n: number, afterUs: number): number | null {
      if (afterUs >= endUs) return null;
      const t = profile.firstTimeAtLeast(n, afterUs / 1e6);
      if (t === null) return null;
      const tUs = Math.max(afterUs, t * 1e6);
      return tUs >= endUs ? null : tUs;
    },
  };
}
