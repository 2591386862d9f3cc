/**
 * The contracts between a model's engine and its workers: what a worker offers the engine and the Driver
 * ({@link Worker}) and what it may use of its engine ({@link WorkerHost}). Workers depend on these, never on
 * ModelEngine itself.
 */
import type { Seq } from './seq.js';

/** Counters per model (monotonic), read by /metrics and stats(). */
export interface EngineCounters {
  promptTokens: number;
  generationTokens: number;
  preemptions: number;
  successStop: number;
  successLength: number;
  aborted: number;
  steps: number;
  /** sum of step durations (batched workers), ms: engine busy time */
  busyMs: number;
  prefixQueryTokens: number;
  prefixHitTokens: number;
}

/** Steps shorter than this are rounded up so that a zero-cost profile still makes progress. */
export const MIN_STEP_MS = 0.001;

/** A worker = one simulated GPU (group) with its own timeline. */
export interface Worker {
  readonly role: 'unified' | 'prefill' | 'decode' | 'fixed';
  /** Earliest engine time at which this worker has something to do (Infinity: idle). */
  nextDueMs(): number;
  /** Completes/plans steps up to `nowMs`, at most maxSteps; returns steps completed. */
  advance(nowMs: number, maxSteps: number): number;
  submit(seq: Seq): void;
  abort(seq: Seq, nowMs: number): void;
  readonly runningCount: number;
  readonly waitingCount: number;
  readonly kvUsedTokens: number;
  readonly kvCapacityTokens: number;
}

/** Hooks the Driver installs to measure lag. */
export interface DriverHooks {
  onStepCompleted(endMs: number): void;
}

/** What a worker uses of the model engine it belongs to. */
export interface WorkerHost {
  readonly counters: EngineCounters;
  readonly driverHooks: DriverHooks | null;
  /** Called per emission after the first, with the engine-time gap to the previous one (ms). */
  readonly onInterToken: ((gapMs: number) => void) | null;
  /** Marks a sequence finished (counters, listener). */
  finish(seq: Seq, t: number): void;
  /** Prefix-cache lookup at first admission: skips the cached leading blocks. */
  lookupPrefix(seq: Seq): void;
  /** After a prefill completes its blocks become cached. */
  insertPrefix(seq: Seq): void;
}

/** Removes `s` from a worker queue (no-op when absent). */
export function removeFrom(arr: Seq[], s: Seq): void {
  const i = arr.lastIndexOf(s);
  if (i >= 0) arr.splice(i, 1);
}
