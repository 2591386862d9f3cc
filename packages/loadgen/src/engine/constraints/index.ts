import type { LoadLevel } from '@inferbench/contracts';
import type { RunLoadPointInput } from '../point-types.js';
import { createCancelConstraint } from './cancel.constraint.js';
import type { Constraint } from './constraint.js';
import { createDurationConstraint } from './duration.constraint.js';
import { createErrorRateConstraint } from './error-rate.constraint.js';
import { createMaxRequestsConstraint } from './max-requests.constraint.js';
import { createRequestCountConstraint } from './request-count.constraint.js';

export type { Admission, Constraint, PointProgress, StopDecision } from './constraint.js';
export { ConstraintSet } from './constraint-set.js';
export { ERROR_RATE_MIN_REQUESTS } from './error-rate.constraint.js';
export { createWarmupPolicy, type WarmupPolicy } from './warmup.js';

/** This shard's resolved counts (see `runLoadPoint`). */
export interface ShardCounts {
  requests: number | undefined;
  warmupRequests: number | undefined;
  maxRequests: number | undefined;
}

/**
 * The constraints of one load point, in the order they are asked: caller cancel, the request count (a normal
 * end) before limits.maxRequests (an abort), the time window / maxDurationSec, limits.maxErrorRate.
 */
export function buildConstraints(
  input: RunLoadPointInput,
  load: LoadLevel,
  counts: ShardCounts,
  signal: AbortSignal,
  warnings: string[],
): Constraint[] {
  const out: Constraint[] = [createCancelConstraint(signal)];
  if (counts.requests !== undefined) out.push(createRequestCountConstraint(counts.requests));
  if (counts.maxRequests !== undefined) out.push(createMaxRequestsConstraint(counts.maxRequests));
  out.push(
    createDurationConstraint(
      {
        durationSec: input.durationSec,
        warmupDurationSec: input.warmup?.durationSec ?? 0,
        hasRequestWarmup: counts.warmupRequests !== undefined && counts.warmupRequests > 0,
        stagesEndUs:
          load.kind === 'stages' ? load.stages.reduce((s, st) => s + st.durationSec, 0) * 1e6 : undefined,
        isBounded:
          input.requests !== undefined ||
          input.durationSec !== undefined ||
          load.kind === 'stages' ||
          load.kind === 'trace',
        maxDurationSec: input.limits.maxDurationSec,
        requests: counts.requests,
      },
      warnings,
    ),
  );
  if (input.limits.maxErrorRate !== undefined) out.push(createErrorRateConstraint(input.limits.maxErrorRate));
  return out;
}
