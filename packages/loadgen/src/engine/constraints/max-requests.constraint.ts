import type { Constraint } from './constraint.js';

/** `limits.maxRequests` (warm-up included): reaching it aborts the point; the requests in flight finish. */
export function createMaxRequestsConstraint(maxRequests: number): Constraint {
  return {
    name: 'maxRequests',
    beforeAdmit: (progress) =>
      progress.admitted >= maxRequests
        ? { status: 'aborted', reason: `limits.maxRequests (${maxRequests}) reached`, cancelTail: false }
        : undefined,
  };
}
