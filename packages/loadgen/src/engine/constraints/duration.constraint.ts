import type { Constraint } from './constraint.js';

export interface DurationConstraintOptions {
  /** measured duration, seconds (after the warm-up) */
  durationSec: number | undefined;
  /** duration warm-up, seconds (0: none); it adds to the window */
  warmupDurationSec: number;
  /** whether the warm-up is a request count: the measured duration then starts with the first measured request */
  hasRequestWarmup: boolean;
  /** end of a staged level's last stage, µs from the start */
  stagesEndUs: number | undefined;
  /** whether something else bounds the point (a request count, a duration, stages, a trace) */
  isBounded: boolean;
  maxDurationSec: number;
  /** this shard's measured request count, for the abort reason */
  requests: number | undefined;
}

/**
 * The time window of a point and `limits.maxDurationSec`. The window ends at the warm-up plus `durationSec`
 * (a request-count warm-up moves that end to `durationSec` after the first measured request) or at the end of
 * the stages; reaching it ends the point normally. When the cap comes first, or nothing bounds the point,
 * the cap ends it (aborted, unless unbounded: then it is the planned end). Either way the in-flight tail is
 * cut off. Pushes a warning into `warnings` for an unbounded point.
 */
export function createDurationConstraint(opts: DurationConstraintOptions, warnings: string[]): Constraint {
  const maxUs = opts.maxDurationSec * 1e6;
  let endUs = Infinity;
  if (opts.durationSec !== undefined && !opts.hasRequestWarmup) {
    endUs = opts.warmupDurationSec * 1e6 + opts.durationSec * 1e6;
  }
  if (opts.stagesEndUs !== undefined) endUs = Math.min(endUs, opts.stagesEndUs);
  if (!opts.isBounded) {
    warnings.push(
      `no requests or durationSec given: ran until limits.maxDurationSec (${opts.maxDurationSec} s)`,
    );
    endUs = maxUs;
  }
  /** window end, µs from start, and whether reaching it is the planned end or the limit */
  let deadline: { atUs: number; kind: 'end' | 'limit' } =
    endUs <= maxUs ? { atUs: endUs, kind: 'end' } : { atUs: maxUs, kind: 'limit' };
  let fired = false;

  return {
    name: 'duration',
    onAdmitted(admission, nowRelUs) {
      if (admission.warmup || !admission.firstMeasured) return;
      if (!opts.hasRequestWarmup || opts.durationSec === undefined) return;
      const measuredEndUs = nowRelUs + opts.durationSec * 1e6;
      if (measuredEndUs <= deadline.atUs) deadline = { atUs: measuredEndUs, kind: 'end' };
    },
    nextCheckUs: () => (fired ? undefined : deadline.atUs),
    plannedEndUs: () => (deadline.kind === 'end' ? deadline.atUs : undefined),
    checkAt(_nowRelUs, progress) {
      fired = true;
      if (deadline.kind === 'end') return { status: 'completed', cancelTail: true };
      const of = opts.requests !== undefined ? ` of ${opts.requests}` : '';
      return {
        status: 'aborted',
        reason:
          `limits.maxDurationSec (${opts.maxDurationSec} s) reached after ${progress.admittedMeasured}${of} measured requests` +
          (progress.inFlight > 0 ? `; ${progress.inFlight} requests in flight were cancelled` : ''),
        cancelTail: true,
      };
    },
  };
}
