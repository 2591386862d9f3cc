import type { LoadPointSummary, Stats } from '@inferbench/contracts';
import { describe, expect, it } from 'vitest';
import type { SummaryFigure } from './accumulator.js';
import { FigureAccumulator } from './figure.js';
import {
  histogramValues,
  judgeRegression,
  judgeThreshold,
  parseDelay,
  parseRegressionRule,
  parseThresholds,
  summaryValues,
  thresholdApplies,
  type RegressionRule,
} from './thresholds.js';

/** A ms figure with the given values (recorded in µs, as the accumulator does). */
function fig(values: number[]): FigureAccumulator {
  const f = new FigureAccumulator(1e3);
  for (const v of values) f.record(Math.round(v * 1e3));
  return f;
}

function summary(ttft: FigureAccumulator, extra: Partial<LoadPointSummary> = {}): LoadPointSummary {
  return {
    requests: { total: ttft.count, succeeded: ttft.count, failed: 0, cancelled: 0, warmup: 0 },
    durationSec: 10,
    requestThroughput: 5,
    outputTokenThroughput: 2500,
    totalTokenThroughput: 3000,
    achievedConcurrency: 2,
    errorRate: 0.002,
    errorsByClass: {},
    tokens: { input: 0, output: 0, reasoning: 0, tokensPerChunk: 1, bySource: {}, disagreements: 0 },
    latency: { ttftMs: ttft.stats() as Stats },
    warnings: [],
    ...extra,
  };
}

const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('parseThresholds (k6 syntax)', () => {
  it('parses strings and the object form, with tags, every aggregation and operator', () => {
    const { thresholds, errors } = parseThresholds({
      ttft: ['p(95)<500', 'p(99.9) <= 1200'],
      'e2e{variant:fast,level:c=8}': ['avg<2000', 'med>1'],
      error_rate: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '10s' }],
      output_tps: ['avg>2000'],
      goodput: ['value>=3'],
    });
    expect(errors).toEqual([]);
    expect(thresholds.map((t) => [t.key, t.expression, t.op, t.bound, t.unit])).toEqual([
      ['ttft', 'p(95)<500', '<', 500, 'ms'],
      ['ttft', 'p(99.9)<=1200', '<=', 1200, 'ms'],
      ['e2e{variant:fast,level:c=8}', 'avg<2000', '<', 2000, 'ms'],
      ['e2e{variant:fast,level:c=8}', 'med>1', '>', 1, 'ms'],
      ['error_rate', 'rate<0.01', '<', 0.01, 'ratio'],
      ['output_tps', 'avg>2000', '>', 2000, 'tokens/s'],
      ['goodput', 'value>=3', '>=', 3, 'req/s'],
    ]);
    expect(thresholds[1]!.aggregation).toEqual({ kind: 'p', p: 99.9 });
    expect(thresholds[2]!.tags).toEqual({ variant: 'fast', level: 'c=8' });
    expect(thresholds[4]).toMatchObject({ abortOnFail: true, delayAbortMs: 10_000 });
    expect(thresholdApplies(thresholds[2]!, 'fast', 'c=8')).toBe(true);
    expect(thresholdApplies(thresholds[2]!, 'fast', 'c=4')).toBe(false);
    expect(thresholdApplies(thresholds[0]!, 'anything', 'c=1')).toBe(true);
  });

  it('names every bad entry', () => {
    const { thresholds, errors } = parseThresholds({
      latency: ['p(95)<5'],
      ttft: [
        'p(95)<<5',
        'p(0)<5',
        'rate<0.1',
        { threshold: 'p(90)<5', abortOnFail: true, delayAbortEval: 'soon' },
      ],
      error_rate: ['p(95)<0.1'],
      'tpot{gpu:a}': ['avg<5'],
    });
    expect(thresholds).toEqual([]);
    expect(errors).toEqual([
      expect.stringMatching(/^latency: unknown metric/),
      `ttft: "p(95)<<5" is not a threshold like 'p(95)<500', 'avg<200', 'rate<0.01' or 'avg>2000'`,
      'ttft: "p(0)<5": the percentile must be in (0, 100]',
      'ttft: "rate<0.1": ttft takes p(N), avg, min, max or med',
      'ttft: delayAbortEval "soon" is not a duration like 10s or 1m',
      'error_rate: "p(95)<0.1": error_rate takes rate',
      'tpot{gpu:a}: tag "gpu:a" is not variant:<label> or level:<label>',
    ]);
  });

  it('reads durations', () => {
    expect(parseDelay('10s')).toBe(10_000);
    expect(parseDelay('1.5m')).toBe(90_000);
    expect(parseDelay('250ms')).toBe(250);
    expect(parseDelay('3')).toBe(3000);
    expect(parseDelay('x')).toBeUndefined();
  });
});

describe('judgeThreshold', () => {
  // 100 values 1..100 ms: p95 = 95, mean 50.5
  const ttft = fig(range(100, (i) => i + 1));
  const s = summary(ttft);

  it('judges percentiles, means and point figures from a summary', () => {
    const { thresholds } = parseThresholds({
      ttft: ['p(95)<100', 'p(95)<90', 'avg<=50.5', 'p(97)<200'],
      error_rate: ['rate<0.01'],
      output_tps: ['avg>3000'],
      goodput: ['value>1'],
    });
    const v = summaryValues(s);
    const r = thresholds.map((t) => judgeThreshold(t, v));
    expect(r[0]).toMatchObject({ pass: true });
    expect(r[0]!.observed).toBeCloseTo(95, 0);
    expect(r[1]!.pass).toBe(false);
    expect(r[2]).toMatchObject({ pass: true, observed: 50.5 });
    // p97 is not in a summary: no data (fails) without histograms …
    expect(r[3]).toEqual({ observed: undefined, pass: false });
    expect(r[4]).toEqual({ observed: 0.002, pass: true });
    expect(r[5]).toEqual({ observed: 2500, pass: false });
    // … goodput is absent without an SLO: no data
    expect(r[6]).toEqual({ observed: undefined, pass: false });
    // … and read exactly from the histogram with it
    const hv = histogramValues(s, new Map<SummaryFigure, FigureAccumulator>([['ttftMs', ttft]]));
    const p97 = judgeThreshold(thresholds[3]!, hv);
    expect(p97.pass).toBe(true);
    expect(p97.observed).toBeCloseTo(97, 0);
  });
});

describe('baseline regression gate', () => {
  const rule = (key: string, pct: number): RegressionRule => {
    const r = parseRegressionRule(key, pct);
    if (typeof r === 'string') throw new Error(r);
    return r;
  };
  const side = (values: number[]) => {
    const f = fig(values);
    return { summary: summary(f), figures: new Map<SummaryFigure, FigureAccumulator>([['ttftMs', f]]) };
  };
  // deterministic spread around a centre
  const around = (centre: number, n = 400) => range(n, (i) => centre * (0.8 + (0.4 * ((i * 37) % n)) / n));

  it('fails a figure worse beyond the tolerance and beyond noise', () => {
    const out = judgeRegression(rule('ttft.p95', 10), side(around(100)), side(around(200)));
    expect(out.pass).toBe(false);
    expect(out.beyondNoise).toBe(true);
    expect(out.worsePct).toBeGreaterThan(90);
    expect(out.baselineCi!.upper).toBeLessThan(out.currentCi!.lower);
  });

  it('passes a change within the tolerance, and one beyond it that the intervals cannot separate', () => {
    expect(judgeRegression(rule('ttft.p95', 10), side(around(100)), side(around(105))).pass).toBe(true);
    // 8 values each: p95's interval is open above, so a 30 % worse p95 is still noise
    const noisy = judgeRegression(rule('ttft.p95', 10), side(around(100, 8)), side(around(130, 8)));
    expect(noisy.worsePct).toBeGreaterThan(10);
    expect(noisy.beyondNoise).toBe(false);
    expect(noisy.pass).toBe(true);
    expect(noisy.note).toMatch(/within noise/);
  });

  it('judges means with their interval and throughputs on the tolerance alone; better is never a regression', () => {
    expect(judgeRegression(rule('ttft.mean', 5), side(around(100)), side(around(150))).pass).toBe(false);
    expect(judgeRegression(rule('ttft.p95', 0), side(around(200)), side(around(100))).pass).toBe(true);
    const a = side(around(100));
    const b = { ...a, summary: { ...a.summary, outputTokenThroughput: 2000 } };
    const tps = judgeRegression(rule('output_tps', 10), a, b);
    expect(tps).toMatchObject({
      pass: false,
      beyondNoise: null,
      baseline: 2500,
      current: 2000,
      unit: 'tokens/s',
    });
    expect(tps.worsePct).toBeCloseTo(20, 6);
  });

  it('rejects unknown rules', () => {
    expect(parseRegressionRule('ttft', 10)).toMatch(/name a statistic/);
    expect(parseRegressionRule('latency.p95', 10)).toMatch(/unknown figure/);
    expect(parseRegressionRule('e2e.p99.9', 10)).toMatchObject({ stat: { kind: 'p', p: 99.9 } });
  });
});
