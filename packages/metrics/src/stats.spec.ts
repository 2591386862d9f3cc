import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';
import {
  bootstrapPercentileCI,
  compareStats,
  erfc,
  exactPercentile,
  mcnemar,
  normalQuantile,
  pairedAccuracyDiff,
  percentileOfSorted,
} from './stats.js';

const expSample = (n: number, seed: number, mean = 1): number[] => {
  const r = createRng(seed);
  return Array.from({ length: n }, () => -Math.log(1 - r.next()) * mean);
};

describe('exactPercentile (nearest rank)', () => {
  it.each([
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 51, 3],
    [[1, 2, 3, 4], 100, 4],
    [[5], 99.9, 5],
    [[10, 1, 7, 3, 9, 2, 8, 4, 6, 5], 90, 9],
  ])('%j p%d = %d', (vals, p, want) => {
    expect(exactPercentile(vals, p)).toBe(want);
  });
});

describe('percentileOfSorted', () => {
  it('equals exactPercentile on the sorted list, for any n and p', () => {
    const r = createRng(11);
    for (const n of [1, 2, 3, 7, 10, 100, 1000, 1001]) {
      const vals = Array.from({ length: n }, () => Math.floor(r.next() * 50));
      const sorted = [...vals].sort((a, b) => a - b);
      for (const p of [0.1, 1, 25, 50, 90, 95, 99, 99.9, 100]) {
        expect(percentileOfSorted(sorted, p)).toBe(exactPercentile(vals, p));
        expect(percentileOfSorted(Float64Array.from(sorted), p)).toBe(exactPercentile(vals, p));
      }
    }
  });

  it('is NaN for an empty list', () => {
    expect(percentileOfSorted([], 50)).toBeNaN();
    expect(percentileOfSorted(new Float64Array(0), 99)).toBeNaN();
  });
});

describe('rng', () => {
  it('is deterministic per seed and roughly uniform', () => {
    const a = createRng(5);
    const b = createRng(5);
    const xs = Array.from({ length: 10_000 }, () => a.next());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.next()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});

describe('bootstrapPercentileCI', () => {
  it('is reproducible for a seed and brackets the estimate', () => {
    const v = expSample(300, 1);
    const a = bootstrapPercentileCI(v, 90, { iterations: 500, confidence: 0.9, seed: 3 });
    const b = bootstrapPercentileCI(v, 90, { iterations: 500, confidence: 0.9, seed: 3 });
    expect(a).toEqual(b);
    expect(a.lower).toBeLessThanOrEqual(a.estimate);
    expect(a.upper).toBeGreaterThanOrEqual(a.estimate);
    expect(a.estimate).toBe(exactPercentile(v, 90));
  });

  it('95 % intervals of the median cover the true median in roughly 95 % of trials', () => {
    const trueMedian = Math.LN2; // exponential(1)
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const ci = bootstrapPercentileCI(expSample(200, 1000 + t), 50, {
        iterations: 400,
        confidence: 0.95,
        seed: t,
      });
      if (ci.lower <= trueMedian && trueMedian <= ci.upper) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.88);
    expect(covered / trials).toBeLessThan(0.995);
  });

  it('rejects empty input and bad options', () => {
    expect(() => bootstrapPercentileCI([], 50)).toThrow();
    expect(() => bootstrapPercentileCI([1], 50, { confidence: 1 })).toThrow();
  });
});

describe('compareStats', () => {
  it('flags a 50 % shift of the median as beyond noise', () => {
    const c = compareStats(expSample(500, 1), expSample(500, 2, 1.5), { p: 50, iterations: 1000, seed: 9 });
    expect(c.differs).toBe(true);
    expect(c.diff.estimate).toBeGreaterThan(0);
    expect(c.diff.lower).toBeGreaterThan(0);
  });

  it('does not flag two samples of the same distribution', () => {
    const c = compareStats(expSample(500, 3), expSample(500, 4), { p: 50, iterations: 1000, seed: 9 });
    expect(c.differs).toBe(false);
    expect(c.intervalsOverlap).toBe(true);
    expect(c.diff.lower).toBeLessThan(0);
    expect(c.diff.upper).toBeGreaterThan(0);
  });
});

describe('mcnemar', () => {
  it('exact binomial for small counts: b=10, c=2', () => {
    // 2 · (C(12,0) + C(12,1) + C(12,2)) / 2^12 = 2 · 79 / 4096
    const r = mcnemar(10, 2);
    expect(r.method).toBe('exact-binomial');
    expect(r.pValue).toBeCloseTo((2 * 79) / 4096, 12);
    expect(r.statistic).toBeCloseTo(49 / 12, 12);
  });

  it('exact edge cases', () => {
    expect(mcnemar(0, 0).pValue).toBe(1);
    expect(mcnemar(5, 0).pValue).toBeCloseTo(2 / 32, 12);
    expect(mcnemar(3, 3).pValue).toBe(1);
  });

  it('chi-square with continuity correction for b=40, c=20', () => {
    // (|40 − 20| − 1)² / 60 = 6.01667; P(χ²₁ > 6.01667) = 2 · (1 − Φ(2.45289)) ≈ 0.014171
    const r = mcnemar(40, 20);
    expect(r.method).toBe('chi-square-cc');
    expect(r.statistic).toBeCloseTo(361 / 60, 12);
    expect(r.pValue).toBeCloseTo(0.014171, 5);
  });

  it('rejects non-integer counts', () => {
    expect(() => mcnemar(1.5, 2)).toThrow();
  });
});

describe('normal helpers and paired accuracy interval', () => {
  it('erfc and the normal quantile match tabulated values', () => {
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(erfc(1)).toBeCloseTo(0.157299207, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 6);
  });

  it('pairedAccuracyDiff: b=30, c=10 of n=200', () => {
    // diff = 20/200 = 0.1; se = sqrt(40 − 400/200)/200 = sqrt(38)/200
    const r = pairedAccuracyDiff(30, 10, 200);
    const se = Math.sqrt(38) / 200;
    expect(r.estimate).toBeCloseTo(0.1, 12);
    expect(r.lower).toBeCloseTo(0.1 - 1.959964 * se, 5);
    expect(r.upper).toBeCloseTo(0.1 + 1.959964 * se, 5);
  });
});
