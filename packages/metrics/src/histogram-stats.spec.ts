import { describe, expect, it } from 'vitest';
import type { RequestSample } from '@inferbench/contracts';
import { LoadPointAccumulator } from './accumulator.js';
import { FigureAccumulator } from './figure.js';
import {
  cdfPoints,
  decodeFigures,
  isBeyondNoise,
  orderStatisticRanks,
  percentileCi,
} from './histogram-stats.js';
import { createRng } from './rng.js';
import { exactPercentile } from './stats.js';

/** TTFT values in µs drawn from a log-normal-ish distribution around `medianUs`. */
function ttftValuesUs(n: number, medianUs: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () =>
    Math.round(medianUs * Math.exp(0.4 * (rng.next() + rng.next() + rng.next() - 1.5) * 2)),
  );
}

function figureOf(valuesUs: number[]): FigureAccumulator {
  const f = new FigureAccumulator(1000);
  for (const v of valuesUs) f.record(v);
  return f;
}

describe('percentileCi (order-statistic interval from the histogram)', () => {
  it('brackets the exact percentile of the data and narrows as n grows', () => {
    const small = ttftValuesUs(200, 50_000, 1);
    const big = ttftValuesUs(20_000, 50_000, 1);
    for (const values of [small, big]) {
      const ci = percentileCi(figureOf(values), 50)!;
      const exactMs = exactPercentile(values, 50) / 1000;
      expect(ci.lower).toBeLessThanOrEqual(exactMs);
      expect(ci.upper).toBeGreaterThanOrEqual(exactMs * 0.999);
      expect(ci.lower).toBeLessThanOrEqual(ci.estimate);
      expect(ci.upper).toBeGreaterThanOrEqual(ci.estimate);
    }
    const wSmall = percentileCi(figureOf(small), 50)!;
    const wBig = percentileCi(figureOf(big), 50)!;
    expect(wBig.upper - wBig.lower).toBeLessThan((wSmall.upper - wSmall.lower) / 4);
  });

  it('covers the true median in about 95 % of repeated experiments', () => {
    // the population median of the generator, estimated from a very large draw
    const trueMedianMs = exactPercentile(ttftValuesUs(400_000, 50_000, 999), 50) / 1000;
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const ci = percentileCi(figureOf(ttftValuesUs(300, 50_000, 10 + t)), 50)!;
      if (ci.lower <= trueMedianMs && trueMedianMs <= ci.upper) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.9);
    expect(covered / trials).toBeLessThanOrEqual(1);
  });

  it('with few values the p99 interval is open at the top (it reaches the maximum and proves nothing)', () => {
    const values = ttftValuesUs(30, 50_000, 3);
    const ci = percentileCi(figureOf(values), 99)!;
    expect(ci.upper).toBe(Math.max(...values) / 1000);
    expect(ci.upperOpen).toBe(true);
    const far = percentileCi(figureOf(ttftValuesUs(30, 500_000, 4)), 99)!;
    // even a 10x slower distribution cannot be called different on p99 with 30 values
    expect(isBeyondNoise(ci, far)).toBe(false);
    expect(percentileCi(figureOf(ttftValuesUs(5000, 50_000, 5)), 99)!.upperOpen).toBe(false);
  });

  it('orderStatisticRanks: exact binomial ranks agree with known values and join the normal approximation', () => {
    // median of 20 values: the classic table interval is [X(6), X(15)] at ≥ 95 %
    expect(orderStatisticRanks(20, 0.5, 0.95)).toEqual({ l: 6, u: 15 });
    // p99 of 100 values: no upper bound exists at 95 %
    expect(orderStatisticRanks(100, 0.99, 0.95).u).toBeGreaterThan(100);
    // exact (n·q·(1−q) just under 50) and approximate (just over) give nearly the same ranks
    const exact = orderStatisticRanks(199, 0.5, 0.95);
    const approx = orderStatisticRanks(201, 0.5, 0.95);
    expect(Math.abs(exact.l - approx.l)).toBeLessThanOrEqual(2);
    expect(Math.abs(exact.u - 1 - (approx.u - 3))).toBeLessThanOrEqual(2);
  });

  it('beyondNoise: a 10 % shift with 5,000 values is beyond noise; two draws of one distribution are not', () => {
    const a = percentileCi(figureOf(ttftValuesUs(5000, 50_000, 1)), 50);
    const same = percentileCi(figureOf(ttftValuesUs(5000, 50_000, 2)), 50);
    const shifted = percentileCi(figureOf(ttftValuesUs(5000, 55_000, 3)), 50);
    expect(isBeyondNoise(a, same)).toBe(false);
    expect(isBeyondNoise(a, shifted)).toBe(true);
    expect(isBeyondNoise(a, null)).toBe(false);
  });
});

describe('cdfPoints', () => {
  it('is monotone, starts at the minimum, ends at 100 % at the maximum, and matches exact percentiles within HDR precision', () => {
    const values = ttftValuesUs(10_000, 80_000, 4);
    const pts = cdfPoints(figureOf(values), 100);
    expect(pts[0]!.valueMs).toBe(Math.min(...values) / 1000);
    expect(pts.at(-1)).toEqual({ valueMs: Math.max(...values) / 1000, pct: 100 });
    for (let i = 1; i < pts.length; i++) {
      expect(pts[i]!.valueMs).toBeGreaterThan(pts[i - 1]!.valueMs);
      expect(pts[i]!.pct).toBeGreaterThan(pts[i - 1]!.pct);
    }
    const p90 = pts.find((p) => p.pct === 90)!;
    const exact = exactPercentile(values, 90) / 1000;
    expect(p90.valueMs).toBeGreaterThanOrEqual(exact);
    expect(p90.valueMs).toBeLessThanOrEqual(exact * 1.001);
  });
});

describe('decodeFigures', () => {
  it('reads figures from an encoded accumulator and tolerates a missing or broken one', () => {
    const acc = new LoadPointAccumulator();
    const samples: RequestSample[] = Array.from({ length: 50 }, (_, i) => ({
      idx: i,
      warmup: false,
      sentUs: i * 1000,
      firstChunkUs: i * 1000 + 20_000 + i * 100,
      endUs: i * 1000 + 60_000,
      chunkGapsUs: [5000, 5000],
      inputTokens: 10,
      outputTokens: 3,
      reasoningTokens: 0,
      tokenSource: 'server',
      httpStatus: 200,
    }));
    acc.addAll(samples);
    const figs = decodeFigures(acc.encode(), ['ttftMs', 'itlMs', 'tpotMs', 'e2eMs']);
    expect(figs.get('ttftMs')!.count).toBe(50);
    expect(figs.get('itlMs')!.count).toBe(100);
    expect(figs.get('ttftMs')!.percentile(50)).toBeCloseTo(acc.percentile('ttftMs', 50)!, 9);
    expect(decodeFigures(null, ['ttftMs']).size).toBe(0);
    expect(decodeFigures('not json', ['ttftMs']).size).toBe(0);
  });
});
