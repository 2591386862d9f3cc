import { describe, expect, it } from 'vitest';
import {
  type ArrivalSchedule,
  createRateSchedule,
  createStagedRateSchedule,
  createTraceSchedule,
} from './arrivals.js';
import { createRng, deriveSeed, sampleGamma } from './rng.js';

function take(s: ArrivalSchedule, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = s.next();
    if (t === null) break;
    out.push(t);
  }
  return out;
}

/** arrivals per window of `windowUs` over [0, horizonUs) */
function countsPerWindow(times: number[], windowUs: number, horizonUs: number): number[] {
  const counts = new Array<number>(Math.floor(horizonUs / windowUs)).fill(0);
  for (const t of times) {
    const w = Math.floor(t / windowUs);
    if (w < counts.length) counts[w]!++;
  }
  return counts;
}

function meanVar(xs: number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, variance };
}

describe('rng', () => {
  it('gives identical streams for identical seeds and different ones otherwise', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xa = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xa);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(xa);
    expect(xa.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(deriveSeed(1, 'shard', 0)).not.toBe(deriveSeed(1, 'shard', 1));
    expect(deriveSeed(1, 'shard', 0)).toBe(deriveSeed(1, 'shard', 0));
  });

  it('samples gamma with the right mean and variance', () => {
    const rng = createRng(7);
    for (const shape of [0.3, 1, 4]) {
      const xs = Array.from({ length: 40_000 }, () => sampleGamma(rng, shape, 2));
      const { mean, variance } = meanVar(xs);
      expect(mean).toBeCloseTo(shape * 2, 0);
      expect(variance / (shape * 4)).toBeGreaterThan(0.9);
      expect(variance / (shape * 4)).toBeLessThan(1.1);
    }
  });
});

describe('rate schedules', () => {
  it('Poisson: mean rate and an index of dispersion ≈ 1', () => {
    const rate = 100;
    const times = take(createRateSchedule(rate, { arrival: 'poisson' }, createRng(1)), 120_000);
    expect(times[0]).toBe(0);
    const horizonUs = 1000e6;
    const counts = countsPerWindow(times, 1e6, horizonUs);
    const { mean, variance } = meanVar(counts);
    expect(mean).toBeGreaterThan(rate * 0.98);
    expect(mean).toBeLessThan(rate * 1.02);
    // SE of the dispersion index over 1000 windows ≈ √(2/999) ≈ 0.045
    expect(variance / mean).toBeGreaterThan(0.85);
    expect(variance / mean).toBeLessThan(1.15);
    // gaps: exponential → coefficient of variation ≈ 1
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const g = meanVar(gaps);
    expect(g.mean).toBeCloseTo(1e6 / rate, -2);
    expect(Math.sqrt(g.variance) / g.mean).toBeCloseTo(1, 1);
  });

  it('gamma: burstiness < 1 raises dispersion, > 1 lowers it (≈ 1/k), constant has none', () => {
    const dispersion = (k: number | undefined, arrival: 'gamma' | 'constant'): number => {
      const times = take(createRateSchedule(50, { arrival, burstiness: k }, createRng(3)), 60_000);
      const counts = countsPerWindow(times, 2e6, 1000e6);
      const { mean, variance } = meanVar(counts);
      return variance / mean;
    };
    const bursty = dispersion(0.25, 'gamma');
    const smooth = dispersion(4, 'gamma');
    const poissonLike = dispersion(1, 'gamma');
    expect(bursty).toBeGreaterThan(3); // theory: CV² = 1/k = 4
    expect(bursty).toBeLessThan(5.5);
    expect(smooth).toBeGreaterThan(0.15); // theory 0.25
    expect(smooth).toBeLessThan(0.4);
    expect(poissonLike).toBeGreaterThan(0.8);
    expect(poissonLike).toBeLessThan(1.2);
    expect(dispersion(undefined, 'constant')).toBeLessThan(0.01);
  });

  it('gamma keeps the mean gap at 1/rate whatever the burstiness', () => {
    for (const k of [0.2, 1, 5]) {
      const times = take(createRateSchedule(20, { arrival: 'gamma', burstiness: k }, createRng(11)), 50_001);
      expect(times[50_000]! / 50_000).toBeGreaterThan(0.97 * 50_000);
      expect(times[50_000]! / 50_000).toBeLessThan(1.03 * 50_000);
    }
  });

  it('constant: evenly spaced at exactly 1/rate', () => {
    expect(take(createRateSchedule(4, { arrival: 'constant' }, createRng(1)), 4)).toEqual([
      0, 250_000, 500_000, 750_000,
    ]);
  });

  it('identical seeds give identical schedules; other seeds do not', () => {
    const a = take(
      createRateSchedule(10, { arrival: 'gamma', burstiness: 0.5 }, createRng(deriveSeed(9, 'arrivals'))),
      500,
    );
    const b = take(
      createRateSchedule(10, { arrival: 'gamma', burstiness: 0.5 }, createRng(deriveSeed(9, 'arrivals'))),
      500,
    );
    const c = take(
      createRateSchedule(10, { arrival: 'gamma', burstiness: 0.5 }, createRng(deriveSeed(10, 'arrivals'))),
      500,
    );
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});

describe('staged rate schedule', () => {
  it('ramps linearly: 0 → 100/s over 10 s puts 1/4 of the arrivals in the first half', () => {
    const total = [];
    for (let seed = 1; seed <= 10; seed++) {
      total.push(
        ...take(
          createStagedRateSchedule(
            0,
            [{ durationSec: 10, target: 100 }],
            { arrival: 'poisson' },
            createRng(seed),
          ),
          10_000,
        ),
      );
    }
    const firstHalf = total.filter((t) => t < 5e6).length / 10;
    const all = total.length / 10;
    expect(all).toBeGreaterThan(500 * 0.95); // ∫ = 500 expected arrivals
    expect(all).toBeLessThan(500 * 1.05);
    expect(firstHalf).toBeGreaterThan(125 * 0.85);
    expect(firstHalf).toBeLessThan(125 * 1.15);
    expect(Math.max(...total)).toBeLessThanOrEqual(10e6);
  });

  it('constant arrivals follow the staged rate exactly and the schedule ends with the last stage', () => {
    const s = createStagedRateSchedule(
      10,
      [
        { durationSec: 2, target: 10 },
        { durationSec: 2, target: 30 },
      ],
      { arrival: 'constant' },
      createRng(1),
    );
    const times = take(s, 1000);
    expect(s.next()).toBeNull();
    // 20 arrivals in the flat first 2 s (every 100 ms), then ∫ of 10→30 over 2 s = 40
    expect(times.filter((t) => t <= 2e6)).toHaveLength(20);
    expect(times[0]).toBeCloseTo(100_000, 3);
    expect(times.length).toBe(60);
    // the rate at the end is 30/s: last gaps ≈ 33 ms
    expect(times[59]! - times[58]!).toBeGreaterThan(32_000);
    expect(times[59]! - times[58]!).toBeLessThan(35_000);
  });

  it('handles a ramp down to zero without producing times past the end', () => {
    const times = take(
      createStagedRateSchedule(50, [{ durationSec: 4, target: 0 }], { arrival: 'poisson' }, createRng(5)),
      1000,
    );
    expect(times.length).toBeGreaterThan(70); // expected 100
    expect(times.length).toBeLessThan(130);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    expect(times.filter((t) => t > 2e6).length).toBeLessThan(times.filter((t) => t <= 2e6).length);
  });
});

describe('trace schedule', () => {
  it('replays times and divides them by the speedup', () => {
    expect(take(createTraceSchedule([0, 100, 250], 2), 10)).toEqual([0, 50_000, 125_000]);
  });
});
