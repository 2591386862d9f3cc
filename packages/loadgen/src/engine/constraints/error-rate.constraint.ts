import type { Constraint } from './constraint.js';

/** Finished-request count below which an error rate is not judged (a single early error is not a trend). */
export const ERROR_RATE_MIN_REQUESTS = 20;

/**
 * `limits.maxErrorRate`: once enough requests finished (ERROR_RATE_MIN_REQUESTS, or all planned ones when
 * fewer), an error rate above the bound aborts the point and cuts off the in-flight tail. Not judged after
 * the tail was cut off (those samples are the end of the point, not a trend).
 */
export function createErrorRateConstraint(maxErrorRate: number): Constraint {
  return {
    name: 'maxErrorRate',
    onRequestDone(_sample, progress) {
      if (progress.tailCancelled) return undefined;
      const minRequests = Math.min(ERROR_RATE_MIN_REQUESTS, progress.planned ?? ERROR_RATE_MIN_REQUESTS);
      if (progress.completed < minRequests) return undefined;
      const rate = progress.errors / progress.completed;
      if (!(rate > maxErrorRate)) return undefined;
      return {
        status: 'aborted',
        reason: `error rate ${(rate * 100).toFixed(1)} % (${progress.errors} of ${progress.completed} requests) exceeded limits.maxErrorRate ${(maxErrorRate * 100).toFixed(1)} %`,
        cancelTail: true,
      };
    },
  };
}
