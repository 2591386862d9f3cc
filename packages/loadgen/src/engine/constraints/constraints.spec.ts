import type { RequestSample } from '@inferbench/contracts';
import { describe, expect, it } from 'vitest';
import { createCancelConstraint } from './cancel.constraint.js';
import type { PointProgress, StopDecision } from './constraint.js';
import { createDurationConstraint, type DurationConstraintOptions } from './duration.constraint.js';
import { createErrorRateConstraint, ERROR_RATE_MIN_REQUESTS } from './error-rate.constraint.js';
import { createMaxRequestsConstraint } from './max-requests.constraint.js';
import { createRequestCountConstraint } from './request-count.constraint.js';
import { createWarmupPolicy } from './warmup.js';

function progress(over: Partial<PointProgress> = {}): PointProgress {
  return {
    admitted: 0,
    admittedMeasured: 0,
    completed: 0,
    errors: 0,
    inFlight: 0,
    planned: undefined,
    tailCancelled: false,
    ...over,
  };
}
const sample = {} as RequestSample;

describe('request count and maxRequests', () => {
  it('ends normally once the measured count is admitted, letting the tail finish', () => {
    const c = createRequestCountConstraint(10);
    expect(c.beforeAdmit!(progress({ admitted: 15, admittedMeasured: 9 }))).toBeUndefined();
    expect(c.beforeAdmit!(progress({ admitted: 15, admittedMeasured: 10 }))).toEqual({
      status: 'completed',
      cancelTail: false,
    });
  });

  it('aborts at limits.maxRequests counting warm-up too', () => {
    const c = createMaxRequestsConstraint(5);
    expect(c.beforeAdmit!(progress({ admitted: 4 }))).toBeUndefined();
    expect(c.beforeAdmit!(progress({ admitted: 5, admittedMeasured: 0 }))).toEqual({
      status: 'aborted',
      reason: 'limits.maxRequests (5) reached',
      cancelTail: false,
    });
  });
});

describe('error rate', () => {
  const c = createErrorRateConstraint(0.1);

  it('waits for enough finished requests (or all planned ones) before judging', () => {
    const min = ERROR_RATE_MIN_REQUESTS;
    expect(c.onRequestDone!(sample, progress({ completed: min - 1, errors: min - 1 }))).toBeUndefined();
    expect(c.onRequestDone!(sample, progress({ completed: 4, errors: 4, planned: 4 }))?.status).toBe(
      'aborted',
    );
  });

  it('aborts above the bound with the counts, and cuts off the tail', () => {
    expect(c.onRequestDone!(sample, progress({ completed: 20, errors: 2 }))).toBeUndefined();
    expect(c.onRequestDone!(sample, progress({ completed: 20, errors: 3 }))).toEqual({
      status: 'aborted',
      reason: 'error rate 15.0 % (3 of 20 requests) exceeded limits.maxErrorRate 10.0 %',
      cancelTail: true,
    });
    expect(
      c.onRequestDone!(sample, progress({ completed: 20, errors: 3, tailCancelled: true })),
    ).toBeUndefined();
  });
});

describe('duration', () => {
  const base: DurationConstraintOptions = {
    durationSec: 10,
    warmupDurationSec: 0,
    hasRequestWarmup: false,
    stagesEndUs: undefined,
    isBounded: true,
    maxDurationSec: 600,
    requests: undefined,
  };

  it('ends the point at warm-up + durationSec, cutting off the tail', () => {
    const c = createDurationConstraint({ ...base, warmupDurationSec: 2 }, []);
    expect(c.nextCheckUs!()).toBe(12e6);
    expect(c.plannedEndUs!()).toBe(12e6);
    expect(c.checkAt!(12e6, progress())).toEqual({ status: 'completed', cancelTail: true });
    expect(c.nextCheckUs!()).toBeUndefined();
  });

  it('aborts at maxDurationSec when it comes first, naming the progress', () => {
    const c = createDurationConstraint({ ...base, durationSec: 900, maxDurationSec: 60, requests: 50 }, []);
    expect(c.nextCheckUs!()).toBe(60e6);
    expect(c.plannedEndUs!()).toBeUndefined();
    expect(c.checkAt!(60e6, progress({ admittedMeasured: 12, inFlight: 3 }))).toEqual({
      status: 'aborted',
      reason:
        'limits.maxDurationSec (60 s) reached after 12 of 50 measured requests; 3 requests in flight were cancelled',
      cancelTail: true,
    });
  });

  it('a request-count warm-up starts the measured window at the first measured admission', () => {
    const c = createDurationConstraint({ ...base, hasRequestWarmup: true }, []);
    expect(c.nextCheckUs!()).toBe(600e6);
    c.onAdmitted!({ warmup: true, firstMeasured: false }, 1e6, progress());
    expect(c.nextCheckUs!()).toBe(600e6);
    c.onAdmitted!({ warmup: false, firstMeasured: true }, 3e6, progress());
    expect(c.nextCheckUs!()).toBe(13e6);
    c.onAdmitted!({ warmup: false, firstMeasured: false }, 5e6, progress());
    expect(c.nextCheckUs!()).toBe(13e6);
  });

  it('stages end the window; an unbounded point runs to the cap and says so', () => {
    expect(
      createDurationConstraint({ ...base, durationSec: undefined, stagesEndUs: 30e6 }, []).nextCheckUs!(),
    ).toBe(30e6);
    const warnings: string[] = [];
    const c = createDurationConstraint({ ...base, durationSec: undefined, isBounded: false }, warnings);
    expect(warnings).toEqual(['no requests or durationSec given: ran until limits.maxDurationSec (600 s)']);
    expect(c.checkAt!(600e6, progress())).toEqual({ status: 'completed', cancelTail: true });
  });
});

describe('cancel and warm-up', () => {
  it('stops on the caller signal, at once when it is already aborted', () => {
    const seen: StopDecision[] = [];
    const ctl = new AbortController();
    const off = createCancelConstraint(ctl.signal).watch!((d) => seen.push(d));
    expect(seen).toEqual([]);
    ctl.abort();
    expect(seen).toEqual([{ status: 'cancelled', reason: 'cancelled by the caller', cancelTail: true }]);
    off();
    createCancelConstraint(ctl.signal).watch!((d) => seen.push(d));
    expect(seen).toHaveLength(2);
  });

  it('classifies warm-up by count or by scheduled time', () => {
    const byCount = createWarmupPolicy({ warmupRequests: 2, warmupDurationSec: 5 });
    expect([0, 1, 2].map((n) => byCount(n, 0))).toEqual([true, true, false]);
    const byTime = createWarmupPolicy({ warmupRequests: undefined, warmupDurationSec: 5 });
    expect([byTime(0, 4.9e6), byTime(0, 5e6)]).toEqual([true, false]);
    expect(createWarmupPolicy({ warmupRequests: undefined, warmupDurationSec: 0 })(0, 0)).toBe(false);
  });
});
