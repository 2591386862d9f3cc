import { createRng } from './rng.js';

/**
 * Nearest-rank percentile (0 < p ≤ 100) of a list: the ceil(p/100 · n)-th smallest value. This is
 * the definition HdrHistogram uses, so exact and HDR percentiles are comparable. Does not modify
 * the input. Throws on an empty list.
 */
export function exactPercentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty list');
  const buf = Float64Array.from(values);
  return selectKth(buf, rankIndex(buf.length, p));
}

/**
 * Nearest-rank percentile (0 < p ≤ 100) of values already sorted ascending: the same value as
 * {@link exactPercentile}, read by index, for callers that take several percentiles of one sorted list.
 * NaN when the list is empty (a figure with no samples). The order is not checked.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[rankIndex(sorted.length, p)]!;
}

/** 0-based index of the nearest-rank p-th percentile among n sorted values. */
function rankIndex(n: number, p: number): number {
  const k = Math.ceil((Math.min(Math.max(p, 0), 100) / 100) * n - 1e-9);
  return Math.min(Math.max(k, 1), n) - 1;
}

/** k-th smallest (0-based) by quickselect; reorders buf. */
function selectKth(buf: Float64Array, k: number): number {
  let lo = 0;
  let hi = buf.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // median of three as pivot, keeps sorted and constant inputs linear
    const a = buf[lo]!;
    const b = buf[mid]!;
    const c = buf[hi]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (buf[i]! < pivot) i++;
      while (buf[j]! > pivot) j--;
      if (i <= j) {
        const t = buf[i]!;
        buf[i] = buf[j]!;
        buf[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return buf[k]!;
  }
  return buf[k]!;
}

/** Options of the bootstrap functions. */
export interface BootstrapOptions {
  /** resamples (default 2000) */
  iterations?: number;
  /** two-sided confidence level in (0, 1) (default 0.95) */
  confidence?: number;
  /** RNG seed; the same seed gives the same interval (default 1) */
  seed?: number;
}

/** A point estimate with a confidence interval. */
export interface ConfidenceInterval {
  estimate: number;
  lower: number;
  upper: number;
  confidence: number;
}

/**
 * Percentile bootstrap confidence interval of the p-th percentile (nearest rank) of `values`:
 * resample n values with replacement `iterations` times, take the percentile of each resample,
 * and report the (1−c)/2 and (1+c)/2 quantiles of those. Deterministic for a given seed.
 * Note: for extreme percentiles of small samples (p99 of 50 values) the interval is necessarily
 * wide and the bootstrap under-covers; report n alongside.
 */
export function bootstrapPercentileCI(
  values: readonly number[],
  p: number,
  opts: BootstrapOptions = {},
): ConfidenceInterval & { n: number; iterations: number } {
  const iterations = opts.iterations ?? 2000;
  const confidence = opts.confidence ?? 0.95;
  checkBootstrap(values.length, iterations, confidence);
  const rng = createRng(opts.seed ?? 1);
  const src = Float64Array.from(values);
  const n = src.length;
  const k = rankIndex(n, p);
  const buf = new Float64Array(n);
  const est = new Float64Array(iterations);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < n; i++) buf[i] = src[rng.nextInt(n)]!;
    est[it] = selectKth(buf, k);
  }
  const [lower, upper] = interval(est, confidence);
  return { estimate: selectKth(Float64Array.from(values), k), lower, upper, confidence, n, iterations };
}

function checkBootstrap(n: number, iterations: number, confidence: number): void {
  if (n === 0) throw new Error('bootstrap of an empty sample');
  if (!(iterations >= 10)) throw new Error('bootstrap needs at least 10 iterations');
  if (!(confidence > 0 && confidence < 1)) throw new Error('confidence must be in (0, 1)');
}

function interval(est: Float64Array, confidence: number): [number, number] {
  const sorted = Float64Array.from(est).sort();
  const alpha = (1 - confidence) / 2;
  return [
    sorted[rankIndex(sorted.length, alpha * 100)]!,
    sorted[rankIndex(sorted.length, (1 - alpha) * 100)]!,
  ];
}

/** Result of {@link compareStats}. */
export interface PercentileComparison {
  p: number;
  a: ConfidenceInterval & { n: number };
  b: ConfidenceInterval & { n: number };
  /** b − a, with the bootstrap interval of the difference */
  diff: ConfidenceInterval;
  /** true when the two percentile intervals overlap */
  intervalsOverlap: boolean;
  /** true when the interval of the difference excludes 0: the percentiles differ beyond noise */
  differs: boolean;
}

/**
 * Does the p-th percentile of B differ from A's beyond resampling noise? Resamples A and B
 * independently each iteration and bootstraps the difference of their percentiles; `differs` is
 * true when that interval excludes 0. The separate intervals of A and B (from the same resamples)
 * and whether they overlap are reported too; non-overlap implies `differs`, not the reverse.
 */
export function compareStats(
  a: readonly number[],
  b: readonly number[],
  opts: BootstrapOptions & { p?: number } = {},
): PercentileComparison {
  const p = opts.p ?? 50;
  const iterations = opts.iterations ?? 2000;
  const confidence = opts.confidence ?? 0.95;
  checkBootstrap(a.length, iterations, confidence);
  checkBootstrap(b.length, iterations, confidence);
  const rng = createRng(opts.seed ?? 1);
  const sa = Float64Array.from(a);
  const sb = Float64Array.from(b);
  const ka = rankIndex(sa.length, p);
  const kb = rankIndex(sb.length, p);
  const ba = new Float64Array(sa.length);
  const bb = new Float64Array(sb.length);
  const ea = new Float64Array(iterations);
  const eb = new Float64Array(iterations);
  const ed = new Float64Array(iterations);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < sa.length; i++) ba[i] = sa[rng.nextInt(sa.length)]!;
    for (let i = 0; i < sb.length; i++) bb[i] = sb[rng.nextInt(sb.length)]!;
    ea[it] = selectKth(ba, ka);
    eb[it] = selectKth(bb, kb);
    ed[it] = eb[it]! - ea[it]!;
  }
  const estA = selectKth(Float64Array.from(a), ka);
  const estB = selectKth(Float64Array.from(b), kb);
  const [la, ua] = interval(ea, confidence);
  const [lb, ub] = interval(eb, confidence);
  const [ld, ud] = interval(ed, confidence);
  return {
    p,
    a: { estimate: estA, lower: la, upper: ua, confidence, n: a.length },
    b: { estimate: estB, lower: lb, upper: ub, confidence, n: b.length },
    diff: { estimate: estB - estA, lower: ld, upper: ud, confidence },
    intervalsOverlap: la <= ub && lb <= ua,
    differs: ld > 0 || ud < 0,
  };
}

/**
 * Complementary error function, |relative error| < 1.2e-7 (Chebyshev-fitted rational form given
 * in Numerical Recipes, "erfcc").
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal quantile (inverse CDF) by bisection on erfc; accurate to ~1e-7. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error('normalQuantile needs p in (0, 1)');
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    const cdf = 0.5 * erfc(-mid / Math.SQRT2);
    if (cdf < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Result of {@link mcnemar}. */
export interface McNemarResult {
  b: number;
  c: number;
  /** discordant pairs b + c */
  n: number;
  /** chi-square statistic with continuity correction, (|b − c| − 1)² / (b + c); 0 when b + c = 0 */
  statistic: number;
  /** two-sided p-value */
  pValue: number;
  method: 'exact-binomial' | 'chi-square-cc';
}

/**
 * McNemar's test for paired accuracy on the same items. b = items A got right and B wrong,
 * c = items A got wrong and B right (concordant items do not enter). When b + c < exactBelow
 * (default 25) the p-value is the exact two-sided binomial test of b ~ Bin(b + c, 1/2):
 * min(1, 2 · P(X ≤ min(b, c))); otherwise the chi-square (1 df) p-value of the
 * continuity-corrected statistic.
 */
export function mcnemar(b: number, c: number, opts: { exactBelow?: number } = {}): McNemarResult {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0)
    throw new Error('mcnemar needs non-negative integer counts');
  const n = b + c;
  const statistic = n === 0 ? 0 : Math.max(Math.abs(b - c) - 1, 0) ** 2 / n;
  if (n < (opts.exactBelow ?? 25)) {
    return { b, c, n, statistic, pValue: exactBinomialTwoSided(Math.min(b, c), n), method: 'exact-binomial' };
  }
  return { b, c, n, statistic, pValue: erfc(Math.sqrt(statistic / 2)), method: 'chi-square-cc' };
}

/** min(1, 2 · P(X ≤ k)) for X ~ Bin(n, 1/2), summed in log space so large n does not underflow. */
function exactBinomialTwoSided(k: number, n: number): number {
  if (n === 0) return 1;
  let logPmf = -n * Math.LN2; // P(X = 0)
  let cdf = Math.exp(logPmf);
  for (let i = 0; i < k; i++) {
    logPmf += Math.log(n - i) - Math.log(i + 1);
    cdf += Math.exp(logPmf);
  }
  return Math.min(1, 2 * cdf);
}

/**
 * Difference in accuracy of A over B on the same n items, with a Wald interval for paired
 * proportions: diff = (b − c) / n, se = sqrt(b + c − (b − c)²/n) / n. b and c as in {@link mcnemar}.
 */
export function pairedAccuracyDiff(b: number, c: number, n: number, confidence = 0.95): ConfidenceInterval {
  if (n <= 0 || b + c > n) throw new Error('pairedAccuracyDiff needs b + c ≤ n and n > 0');
  const diff = (b - c) / n;
  const se = Math.sqrt(Math.max(b + c - (b - c) ** 2 / n, 0)) / n;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  return {
    estimate: diff,
    lower: Math.max(-1, diff - z * se),
    upper: Math.min(1, diff + z * se),
    confidence,
  };
}
