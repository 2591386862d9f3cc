import type { Arrival, Stage } from '@inferbench/contracts';
import type { Rng } from '../ports.js';
import { PiecewiseLinear } from './piecewise-linear.js';
import { sampleExponential, sampleGamma } from './rng.js';

/** Open-loop send times in µs from the load point's start, non-decreasing. Pure: driven only by its Rng. */
export interface ArrivalSchedule {
  /** the next send time (µs from start), or null when the schedule has ended */
  next(): number | null;
}

/** Arrival process of an open-loop schedule. */
export interface ArrivalProcess {
  arrival: Arrival;
  /** gamma shape k (only for `gamma`): gaps have CV = 1/√k, so k < 1 is burstier than Poisson; default 1 */
  burstiness?: number;
}

/**
 * Draws one inter-arrival gap of MEAN 1 (unit time): constant → 1, Poisson → Exp(1),
 * gamma → Gamma(k, 1/k). Schedules scale it by 1/rate (or feed it through the time-rescaling of a staged rate).
 */
export function createUnitGapSampler(process: ArrivalProcess, rng: Rng): () => number {
  switch (process.arrival) {
    case 'constant':
      return () => 1;
    case 'poisson':
      return () => sampleExponential(rng, 1);
    case 'gamma': {
      const k = process.burstiness ?? 1;
      if (!(k > 0)) throw new RangeError(`gamma burstiness must be > 0, got ${k}`);
      return () => sampleGamma(rng, k, 1 / k);
    }
  }
}

/**
 * Constant-rate open loop: the first request at t = 0, then gaps of mean 1/rate drawn from the process.
 * Never ends by itself (the engine stops it by count or duration).
 */
export function createRateSchedule(rate: number, process: ArrivalProcess, rng: Rng): ArrivalSchedule {
  if (!(rate > 0)) throw new RangeError(`rate must be > 0, got ${rate}`);
  const gap = createUnitGapSampler(process, rng);
  const meanGapUs = 1e6 / rate;
  let tUs = 0;
  let first = true;
  return {
    next(): number | null {
      if (first) {
        first = false;
        return 0;
      }
      tUs += gap() * meanGapUs;
      return tUs;
    },
  };
}

/**
 * Staged rate (k6 `ramping-arrival-rate`): the rate moves linearly between stage targets. Arrivals come from
 * time-rescaling: unit-mean gaps are accumulated in "expected arrivals" Λ and mapped back through Λ⁻¹(t), so
 * Poisson stays an inhomogeneous Poisson process and constant stays evenly spaced in Λ. The first arrival comes
 * after the first gap; the schedule ends with the last stage.
 */
export function createStagedRateSchedule(
  startRate: number,
  stages: readonly Stage[],
  process: ArrivalProcess,
  rng: Rng,
): ArrivalSchedule {
  const profile = new PiecewiseLinear(startRate, stages);
  const gap = createUnitGapSampler(process, rng);
  let area = 0;
  let done = false;
  return {
    next(): number | null {
      if (done) return null;
      area += gap();
      const tSec = profile.inverseIntegral(area);
      if (tSec === null) {
        done = true;
        return null;
      }
      return tSec * 1e6;
    },
  };
}

/** Send times of a trace (already sorted, ms from the first entry), divided by `speedup`. */
export function createTraceSchedule(timesMs: readonly number[], speedup = 1): ArrivalSchedule {
  let i = 0;
  return {
    next(): number | null {
      const t = timesMs[i++];
      return t === undefined ? null : (t * 1000) / speedup;
    },
  };
}
