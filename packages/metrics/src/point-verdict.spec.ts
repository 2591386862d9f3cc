import type { RequestSample } from '@inferbench/contracts';
import { describe, expect, it } from 'vitest';
import { summarizeSamples } from './accumulator.js';
import {
  allFailedReason,
  dominantErrorClass,
  errorRateWarning,
  formatErrorClasses,
  markErrorRate,
} from './point-verdict.js';
import { makeSample } from './testing/samples.js';

const ok = (i: number): RequestSample =>
  makeSample({
    idx: i,
    sentUs: i * 1000,
    firstChunkUs: i * 1000 + 500,
    endUs: i * 1000 + 900,
    outputTokens: 1,
  });
const bad = (i: number, errorClass: 'connect' | 'http' | 'timeout'): RequestSample =>
  makeSample({
    idx: i,
    sentUs: i * 1000,
    endUs: i * 1000 + 100,
    httpStatus: errorClass === 'http' ? 503 : 0,
    errorClass,
  });

describe('dominantErrorClass / formatErrorClasses', () => {
  it('picks the most frequent class, ties by name; lists most frequent first', () => {
    expect(dominantErrorClass({})).toBeUndefined();
    expect(dominantErrorClass({ http: 2, connect: 5, timeout: 5 })).toBe('connect');
    expect(formatErrorClasses({ http: 2, connect: 5, timeout: 0 })).toBe('connect 5, http 2');
  });
});

describe('allFailedReason', () => {
  it('names the dominant class and one real message when no request succeeded', () => {
    const s = summarizeSamples(Array.from({ length: 300 }, (_, i) => bad(i, 'connect')));
    expect(allFailedReason(s, 'connect ECONNREFUSED 127.0.0.1:9')).toBe(
      'all 300 requests failed: connect (connect ECONNREFUSED 127.0.0.1:9)',
    );
    expect(allFailedReason(s)).toBe('all 300 requests failed: connect');
  });

  it('mentions the other classes too', () => {
    const s = summarizeSamples([bad(0, 'http'), bad(1, 'connect'), bad(2, 'connect')]);
    expect(allFailedReason(s, 'boom')).toBe('all 3 requests failed: connect (boom); also http 1');
  });

  it('is undefined when a request succeeded or none was measured', () => {
    expect(allFailedReason(summarizeSamples([ok(0), bad(1, 'connect')]))).toBeUndefined();
    expect(allFailedReason(summarizeSamples([]))).toBeUndefined();
  });
});

describe('errorRateWarning / markErrorRate', () => {
  it('warns above maxErrorRate with the classes, and marks the summary once', () => {
    const samples = [...Array.from({ length: 8 }, (_, i) => ok(i)), bad(8, 'connect'), bad(9, 'http')];
    const s = summarizeSamples(samples, { warnings: ['w'] });
    expect(s.errorRate).toBe(0.2);
    expect(errorRateWarning(s, 0.2)).toBeUndefined(); // at the bound: fine
    expect(errorRateWarning(s, 0.05)).toBe(
      'error rate 20.0 % exceeds maxErrorRate 5.0 % (2 of 10 requests failed: connect 1, http 1)',
    );
    markErrorRate(s, 0.05);
    markErrorRate(s, 0.05);
    expect(s.errorRateExceeded).toEqual({ errorRate: 0.2, maxErrorRate: 0.05 });
    expect(s.warnings).toEqual(['w', errorRateWarning(s, 0.05)]);
  });

  it('leaves a summary within the bound untouched', () => {
    const s = summarizeSamples([ok(0), ok(1), bad(2, 'timeout')]);
    markErrorRate(s, 0.5);
    expect(s.errorRateExceeded).toBeUndefined();
    expect(s.warnings).toEqual([]);
  });
});
