import type { RequestSample } from '@inferbench/contracts';
import type { LoadPointEndStatus } from '../point-types.js';

/**
 * Why a load point stops, as a constraint decides it. The runner keeps the most severe decision
 * (`cancelled` > `aborted` > `completed`) and always stops admitting requests.
 */
export interface StopDecision {
  status: LoadPointEndStatus;
  /** plain-language reason (absent for a normal end) */
  reason?: string;
  /** also cut off the requests in flight (they become `cancelled` samples); false lets them finish */
  cancelTail: boolean;
}

/** What a constraint may read of the running point (counts include warm-up unless named otherwise). */
export interface PointProgress {
  /** requests admitted so far */
  readonly admitted: number;
  /** admitted requests that are not warm-up */
  readonly admittedMeasured: number;
  /** requests that finished by themselves (successes and failures) */
  readonly completed: number;
  /** of `completed`, the failed ones */
  readonly errors: number;
  readonly inFlight: number;
  /** total requests planned (warm-up included) when known */
  readonly planned: number | undefined;
  /** whether the in-flight tail was already cut off */
  readonly tailCancelled: boolean;
}

/** One admission, as constraints see it right after it was granted. */
export interface Admission {
  warmup: boolean;
  /** the first measured (non-warm-up) request of the point */
  firstMeasured: boolean;
}

/**
 * One limit on a load point (GuideLLM-style: constraints are separate from the release strategy). Each hook is
 * optional; the runner calls them at fixed moments and stops the point on the first decision returned:
 * - `beforeAdmit`: before each request is admitted (returning a decision refuses it);
 * - `onAdmitted`: after each admission (may move the constraint's check time);
 * - `onRequestDone`: after each request's sample is recorded;
 * - `nextCheckUs` / `checkAt`: a timer; the runner wakes at the earliest `nextCheckUs` (µs from the start)
 *   and calls `checkAt` of every constraint due by then;
 * - `watch`: an outside event (e.g. the caller's abort signal); returns the unsubscribe function.
 */
export interface Constraint {
  readonly name: string;
  beforeAdmit?(progress: PointProgress): StopDecision | undefined;
  onAdmitted?(admission: Admission, nowRelUs: number, progress: PointProgress): void;
  onRequestDone?(sample: RequestSample, progress: PointProgress): StopDecision | undefined;
  nextCheckUs?(): number | undefined;
  checkAt?(nowRelUs: number, progress: PointProgress): StopDecision | undefined;
  /**
   * End of the planned measurement window (µs from the start) when the window is what ends the point; an
   * open-loop release stops scheduling arrivals at or beyond it.
   */
  plannedEndUs?(): number | undefined;
  watch?(stop: (decision: StopDecision) => void): () => void;
}
