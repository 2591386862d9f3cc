import { describe, expect, it } from 'vitest';
import {
  clientQueueMs,
  decodeTokensPerSec,
  deriveRequestMetrics,
  e2eMs,
  errorClassOf,
  itlGapsMs,
  maxItlMs,
  ntpotMs,
  outputChunkCount,
  requestTokensPerSec,
  sampleKind,
  scheduleDelayMs,
  tpotAllTokensMs,
  tpotMs,
  ttftContentMs,
  ttftMs,
  ttstMs,
} from './request-metrics.js';
import { makeSample } from './testing/samples.js';

// chunks at 1.200, 1.250, 1.280, 1.300 s; sent 1.000 s; end 1.310 s; 5 output tokens
const A = makeSample({
  sentUs: 1_000_000,
  scheduledUs: 998_000,
  clientQueueUs: 500,
  firstChunkUs: 1_200_000,
  firstContentUs: 1_250_000,
  chunkGapsUs: [50_000, 30_000, 20_000],
  endUs: 1_310_000,
  outputTokens: 5,
});
const ONE = makeSample({ sentUs: 0, firstChunkUs: 100_000, endUs: 100_000, outputTokens: 1 });
const ZERO = makeSample({ sentUs: 0, endUs: 10_000, outputTokens: 0 });
const FAILED = makeSample({
  sentUs: 0,
  scheduledUs: -5_000,
  firstChunkUs: 50_000,
  chunkGapsUs: [10_000],
  endUs: 80_000,
  outputTokens: 3,
  errorClass: 'truncated',
});

describe('per-request figures (hand-computed)', () => {
  const cases: Array<[string, (s: typeof A) => number | undefined, typeof A, number | undefined]> = [
    ['ttft', ttftMs, A, 200],
    ['ttftContent', ttftContentMs, A, 250],
    ['ttst', ttstMs, A, 250],
    ['e2e', e2eMs, A, 310],
    ['tpot = (310−200)/4', tpotMs, A, 27.5],
    ['ntpot = 310/5', ntpotMs, A, 62],
    ['tpotAllTokens = 110/5', tpotAllTokensMs, A, 22],
    ['tps = 5/0.31 s', requestTokensPerSec, A, 5 / 0.31],
    ['decode = 4/0.11 s', decodeTokensPerSec, A, 4 / 0.11],
    ['max ITL', maxItlMs, A, 50],
    ['schedule delay', scheduleDelayMs, A, 2],
    ['client queue', clientQueueMs, A, 0.5],
    // out = 1: TPOT and decode speed undefined, NTPOT defined, no second token
    ['tpot out=1', tpotMs, ONE, undefined],
    ['decode out=1', decodeTokensPerSec, ONE, undefined],
    ['ntpot out=1', ntpotMs, ONE, 100],
    ['tpotAll out=1', tpotAllTokensMs, ONE, 0],
    ['ttst out=1', ttstMs, ONE, undefined],
    ['maxItl one chunk', maxItlMs, ONE, undefined],
    // out = 0, no chunks
    ['ttft no chunks', ttftMs, ZERO, undefined],
    ['tpot out=0', tpotMs, ZERO, undefined],
    ['ntpot out=0', ntpotMs, ZERO, undefined],
    ['tpotAll out=0', tpotAllTokensMs, ZERO, undefined],
    ['e2e out=0', e2eMs, ZERO, 10],
    ['tps out=0', requestTokensPerSec, ZERO, 0],
    // failed: latency undefined, client-side figures still defined
    ['ttft failed', ttftMs, FAILED, undefined],
    ['e2e failed', e2eMs, FAILED, undefined],
    ['tpot failed', tpotMs, FAILED, undefined],
    ['schedule delay failed', scheduleDelayMs, FAILED, 5],
    ['client queue absent', clientQueueMs, FAILED, undefined],
  ];
  it.each(cases)('%s', (_name, fn, s, expected) => {
    const v = fn(s);
    if (expected === undefined) expect(v).toBeUndefined();
    else expect(v).toBeCloseTo(expected, 9);
  });

  it('ITL gaps are the chunk gaps in ms, empty for failed requests', () => {
    expect(itlGapsMs(A)).toEqual([50, 30, 20]);
    expect(itlGapsMs(FAILED)).toEqual([]);
    expect(outputChunkCount(A)).toBe(4);
    expect(outputChunkCount(ZERO)).toBe(0);
  });

  it('classifies samples: warm-up wins, cancelled is outside the window, non-2xx fails as http', () => {
    expect(sampleKind(A)).toBe('succeeded');
    expect(sampleKind(FAILED)).toBe('failed');
    expect(sampleKind({ ...A, warmup: true, errorClass: 'cancelled' })).toBe('warmup');
    expect(sampleKind({ ...A, errorClass: 'cancelled' })).toBe('cancelled');
    const status500 = { ...A, httpStatus: 500 };
    expect(sampleKind(status500)).toBe('failed');
    expect(errorClassOf(status500)).toBe('http');
    expect(errorClassOf(A)).toBeUndefined();
  });

  it('deriveRequestMetrics bundles every figure', () => {
    const m = deriveRequestMetrics(A);
    expect(m.kind).toBe('succeeded');
    expect(m.tpotMs).toBeCloseTo(27.5, 9);
    expect(m.itlGapsMs).toEqual([50, 30, 20]);
  });
});
