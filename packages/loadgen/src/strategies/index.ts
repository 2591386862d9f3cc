export { createRng, deriveSeed, sampleExponential, sampleGamma, sampleStandardNormal } from './rng.js';
export { PiecewiseLinear } from './piecewise-linear.js';
export {
  createUnitGapSampler,
  createRateSchedule,
  createStagedRateSchedule,
  createTraceSchedule,
  type ArrivalSchedule,
  type ArrivalProcess,
} from './arrivals.js';
export { createFixedConcurrency, createStagedConcurrency, type ConcurrencyProfile } from './concurrency.js';
export { parseTrace, normalizeTrace } from './trace.js';
export { expandLoadPlan, isAdaptivePlan, splitCount, shardLoadLevel } from './plan.js';
export {
  nextAdaptiveLevel,
  slaSearchResult,
  isOverSaturated,
  type AdaptiveHistoryEntry,
  type SlaSearchResult,
} from './adaptive.js';
