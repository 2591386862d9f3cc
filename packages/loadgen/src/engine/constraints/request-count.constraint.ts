import type { Constraint } from './constraint.js';

/**
 * The point's planned measured request count: once that many measured requests were admitted, the next
 * admission ends the point normally and the requests in flight finish.
 */
export function createRequestCountConstraint(requests: number): Constraint {
  return {
    name: 'requests',
    beforeAdmit: (progress) =>
      progress.admittedMeasured >= requests ? { status: 'completed', cancelTail: false } : undefined,
  };
}
