export {
  runLoadPoint,
  ERROR_RATE_MIN_REQUESTS,
  CANCEL_GRACE_US,
  type RunLoadPointInput,
  type RunLoadPointDeps,
  type RunLoadPointResult,
  type LoadPointEndStatus,
  type LoadTick,
} from './run-load-point.js';
export { outcomeToSample, type SampleContext } from './samples.js';
export { SelfCheck, SELF_CHECK_LIMITS, type SelfCheckReport } from './self-check.js';
export {
  runLoadPointParallel,
  dealWorker,
  dealtCount,
  splitForWorkers,
  type Deal,
  type ParallelOptions,
} from './workers/run-load-point-parallel.js';
export type { WorkersReport, WorkerPartReport } from './point-types.js';
