import type { CdfPoint, DistributionFigure, PercentileCi } from '@inferbench/contracts';
import { FIGURE_UNITS_PER_OUTPUT, type SummaryFigure } from './accumulator.js';
import { FigureAccumulator, type FigureState } from './figure.js';
import { normalQuantile } from './stats.js';

// Statistics read from stored HDR histograms: CDF points and distribution-free confidence intervals of
// percentiles, which the compare view uses to tell a real difference from sampling noise.

/**
 * Read figures out of a stored `LoadPoint.histograms` string (the JSON of `LoadPointAccumulator.encode()`).
 * Only the requested figures' HDR histograms are decoded; the rest of the state is not rebuilt.
 * Returns an empty map when the string is null or unreadable (a point finalized before histograms were kept).
 */
export function decodeFigures<F extends SummaryFigure = DistributionFigure>(
  encoded: string | null,
  figures: readonly F[],
): Map<F, FigureAccumulator> {
  const out = new Map<F, FigureAccumulator>();
  if (!encoded) return out;
  let state: { figures?: Record<string, FigureState> };
  try {
    state = JSON.parse(encoded) as { figures?: Record<string, FigureState> };
  } catch {
    return out;
  }
  for (const f of figures) {
    const fs = state.figures?.[f];
    if (fs && fs.count > 0) out.set(f, FigureAccumulator.fromState(fs, FIGURE_UNITS_PER_OUTPUT[f]));
  }
  return out;
}

/** Value (reported unit) at a nearest-rank percentile, as the HDR bucket's lowest or highest equivalent value, clamped to [min, max]. */
function valueAt(fig: FigureAccumulator, pct: number, edge: 'low' | 'high'): number {
  const h = fig.hdr.histogram();
  const hi = h.getValueAtPercentile(Math.min(100, Math.max(pct, 1e-9)));
  let v = edge === 'high' ? hi : h.lowestEquivalentValue(hi);
  if (v > fig.max) v = fig.max;
  if (v < fig.min) v = fig.min;
  return v / fig.unitsPerOutput;
}

/**
 * CDF points of a figure: percentiles on an even grid of `points` steps plus the tail (p99.5, p99.9)
 * and the maximum, each as (value, percent ≤ value). Monotone in both coordinates. Reads only the
 * histogram (never samples); values are HDR bucket tops (≤ 0.1 % above the exact value).
 */
export function cdfPoints(fig: FigureAccumulator, points: number): CdfPoint[] {
  if (fig.count === 0) return [];
  const grid = new Set<number>();
  for (let i = 1; i <= points; i++) grid.add((100 * i) / points);
  for (const p of [99.5, 99.9]) grid.add(p);
  const out: CdfPoint[] = [{ valueMs: fig.min / fig.unitsPerOutput, pct: 100 / fig.count }];
  for (const pct of [...grid].sort((a, b) => a - b)) {
    const valueMs = valueAt(fig, pct, 'high');
    const last = out[out.length - 1]!;
    if (valueMs < last.valueMs) continue;
    if (valueMs === last.valueMs) last.pct = Math.max(last.pct, pct);
    else out.push({ valueMs, pct });
  }
  return out;
}

/**
 * Ranks [l, u] (1-based, may fall outside [1, n]) of the distribution-free confidence interval of the q-quantile
 * of n independent values: the number of values below the true quantile is Binomial(n, q), so
 * P(X(l) ≤ ξq ≤ X(u)) ≥ confidence for l = the largest k with P(B ≤ k − 1) ≤ α/2 and u = the smallest k with
 * P(B ≤ k − 1) ≥ 1 − α/2. Exact binomial sums while n·q·(1−q) < 50 (small samples and extreme percentiles,
 * where the normal approximation under-covers); the normal approximation with continuity correction beyond.
 * l < 1 or u > n means that side cannot be bounded with these many values.
 */
export function orderStatisticRanks(n: number, q: number, confidence: number): { l: number; u: number } {
  const alpha = 1 - confidence;
  const v = n * q * (1 - q);
  if (v >= 50) {
    const z = normalQuantile(1 - alpha / 2);
    return { l: Math.floor(n * q - z * Math.sqrt(v) + 0.5), u: Math.ceil(n * q + z * Math.sqrt(v) + 0.5) };
  }
  // exact: cumulative binomial in log space, term by term (n is small here: n·q·(1−q) < 50)
  const lq = Math.log(q);
  const l1q = Math.log1p(-q);
  let logC = 0;
  let cdf = 0;
  let l = 0;
  let u = n + 1;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logC += Math.log(n - k + 1) - Math.log(k);
    cdf += Math.exp(logC + k * lq + (n - k) * l1q);
    // after adding P(B = k), cdf = P(B ≤ k), which is the condition for rank k + 1
    if (cdf <= alpha / 2) l = k + 1;
    if (cdf >= 1 - alpha / 2) {
      u = k + 1;
      break;
    }
  }
  return { l, u };
}

/**
 * Distribution-free (order-statistic) 95 % confidence interval of the p-th percentile, from the histogram
 * alone: the values of ranks l and u of {@link orderStatisticRanks}, read from the histogram with the lower end
 * at its bucket's lowest equivalent value and the upper at the highest, so the HDR bucket width (≤ 0.1 %) is
 * inside the interval. A side that cannot be bounded (too few values beyond the percentile) is reported at
 * the min/max and flagged open. Caveat: the ITL gaps of one request are not independent, so ITL intervals
 * are narrower than they should be.
 */
export function percentileCi(fig: FigureAccumulator, p: number, confidence = 0.95): PercentileCi | null {
  const n = fig.count;
  if (n === 0) return null;
  const { l, u } = orderStatisticRanks(n, p / 100, confidence);
  const estimate = fig.percentile(p)!;
  const lowerOpen = l < 1;
  const upperOpen = u > n;
  const lower = Math.min(
    estimate,
    lowerOpen ? fig.min / fig.unitsPerOutput : valueAt(fig, (100 * l) / n, 'low'),
  );
  const upper = Math.max(
    estimate,
    upperOpen ? fig.max / fig.unitsPerOutput : valueAt(fig, (100 * u) / n, 'high'),
  );
  return { estimate, lower, upper, lowerOpen, upperOpen };
}

/**
 * Two intervals that do not overlap: the difference is beyond sampling noise (a conservative test). An open
 * side reaches to ±infinity, so it never separates.
 */
export function isBeyondNoise(a: PercentileCi | null, b: PercentileCi | null): boolean {
  if (!a || !b) return false;
  const below = (x: PercentileCi, y: PercentileCi) => !x.upperOpen && !y.lowerOpen && x.upper < y.lower;
  return below(a, b) || below(b, a);
}
