/**
 * Uncertainty and paired comparison of accuracies: Wilson interval, bootstrap standard error, McNemar's test,
 * the interval of a paired difference, flipped items, and the sample size to detect a drop.
 */

/** erfc(x), Chebyshev approximation (Numerical Recipes `erfcc`), fractional error < 1.2e-7 everywhere. */
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

/** Standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Standard normal quantile Φ⁻¹(p), Acklam's rational approximation (relative error < 1.15e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return Number.NEGATIVE_INFINITY;
    if (p === 1) return Number.POSITIVE_INFINITY;
    throw new Error(`normalQuantile: p must be in (0, 1), got ${p}`);
  }
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
    -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const plow = 0.02425;
  let x: number;
  if (p < plow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - plow) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  return x;
}

export interface Interval {
  estimate: number;
  lower: number;
  upper: number;
  confidence: number;
}

/**
 * Wilson score interval of a proportion k/n: (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n),
 * z = Φ⁻¹((1+confidence)/2) (1.959964 for 95 %). n = 0 gives [0, 1].
 */
export function wilsonInterval(successes: number, n: number, confidence = 0.95): Interval {
  if (n <= 0) return { estimate: 0, lower: 0, upper: 1, confidence };
  const z = normalQuantile((1 + confidence) / 2);
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return {
    estimate: p,
    lower: successes <= 0 ? 0 : Math.max(0, center - half),
    upper: successes >= n ? 1 : Math.min(1, center + half),
    confidence,
  };
}

/**
 * Bootstrap standard error of the mean of per-item scores: `iterations` resamples of n items with replacement
 * (mulberry32 seeded by `seed`), SE = sample standard deviation (n−1) of the resample means. Deterministic.
 */
export function bootstrapStandardError(
  scores: ArrayLike<number>,
  opts: { iterations?: number; seed?: number } = {},
): number {
  const n = scores.length;
  const iterations = opts.iterations ?? 1000;
  if (n < 2 || iterations < 2) return 0;
  const data = Float64Array.from(scores as ArrayLike<number>);
  let state = (opts.seed ?? 1) >>> 0;
  let sum = 0;
  let sumSq = 0;
  for (let b = 0; b < iterations; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      // mulberry32, inlined for speed
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      s += data[(u * n) | 0]!;
    }
    const m = s / n;
    sum += m;
    sumSq += m * m;
  }
  const mean = sum / iterations;
  return Math.sqrt(Math.max(0, (sumSq - iterations * mean * mean) / (iterations - 1)));
}

export interface McNemarResult {
  /** baseline right, candidate wrong */
  rightToWrong: number;
  /** baseline wrong, candidate right */
  wrongToRight: number;
  discordant: number;
  method: 'exact' | 'chi2_cc' | 'none';
  /** χ² with continuity correction, when that method is used */
  statistic?: number;
  pValue: number;
}

/**
 * McNemar's test on the discordant pairs b (right→wrong) and c (wrong→right). Up to `exactUpTo` (25) discordant
 * pairs: exact two-sided binomial p = min(1, 2·P[X ≤ min(b,c)]), X ~ Bin(b+c, ½). Above: χ² = (|b−c|−1)²/(b+c)
 * with 1 degree of freedom, p = erfc(√(χ²/2)). No discordant pair: p = 1.
 */
export function mcnemarTest(rightToWrong: number, wrongToRight: number, exactUpTo = 25): McNemarResult {
  const b = rightToWrong;
  const c = wrongToRight;
  const n = b + c;
  if (n === 0) return { rightToWrong: b, wrongToRight: c, discordant: 0, method: 'none', pValue: 1 };
  if (n <= exactUpTo) {
    const k = Math.min(b, c);
    let logC = 0; // log C(n, i)
    let tail = 0;
    const ln2n = n * Math.LN2;
    for (let i = 0; i <= k; i++) {
      tail += Math.exp(logC - ln2n);
      logC += Math.log(n - i) - Math.log(i + 1);
    }
    return {
      rightToWrong: b,
      wrongToRight: c,
      discordant: n,
      method: 'exact',
      pValue: Math.min(1, 2 * tail),
    };
  }
  const d = Math.max(0, Math.abs(b - c) - 1);
  const statistic = (d * d) / n;
  return {
    rightToWrong: b,
    wrongToRight: c,
    discordant: n,
    method: 'chi2_cc',
    statistic,
    pValue: Math.min(1, erfc(Math.sqrt(statistic / 2))),
  };
}

export interface PairedComparison {
  n: number;
  baselineAccuracy: number;
  candidateAccuracy: number;
  /** candidate − baseline */
  difference: Interval;
  mcnemar: McNemarResult;
  /** true when McNemar's p < alpha: only then may a dashboard call a difference */
  significant: boolean;
  alpha: number;
  /** item ids right in the baseline and wrong in the candidate, and the reverse */
  flips: { rightToWrong: string[]; wrongToRight: string[] };
  /** ids present in only one of the two runs (not compared) */
  unmatched: string[];
}

/**
 * Paired comparison of two runs on the same items (matched by id; 1 = right, 0 = wrong, fractions are
 * thresholded at ≥ 0.5). Difference d = (c − b)/n with the Wald interval for paired proportions:
 * SE = √((b + c) − (c − b)²/n) / n, d ± z·SE.
 */
export function comparePaired(
  baseline: ReadonlyMap<string, number> | Record<string, number>,
  candidate: ReadonlyMap<string, number> | Record<string, number>,
  opts: { confidence?: number; alpha?: number } = {},
): PairedComparison {
  const confidence = opts.confidence ?? 0.95;
  const alpha = opts.alpha ?? 0.05;
  const a = baseline instanceof Map ? baseline : new Map(Object.entries(baseline));
  const bm = candidate instanceof Map ? candidate : new Map(Object.entries(candidate));
  const rightToWrong: string[] = [];
  const wrongToRight: string[] = [];
  const unmatched: string[] = [];
  let n = 0;
  let aRight = 0;
  let bRight = 0;
  for (const [id, va] of a) {
    const vb = bm.get(id);
    if (vb === undefined) {
      unmatched.push(id);
      continue;
    }
    n++;
    const ra = va >= 0.5;
    const rb = vb >= 0.5;
    if (ra) aRight++;
    if (rb) bRight++;
    if (ra && !rb) rightToWrong.push(id);
    else if (!ra && rb) wrongToRight.push(id);
  }
  for (const id of bm.keys()) if (!a.has(id)) unmatched.push(id);
  const b = rightToWrong.length;
  const c = wrongToRight.length;
  const d = n > 0 ? (c - b) / n : 0;
  const se = n > 0 ? Math.sqrt(Math.max(0, b + c - ((c - b) * (c - b)) / n)) / n : 0;
  const z = normalQuantile((1 + confidence) / 2);
  const mcnemar = mcnemarTest(b, c);
  return {
    n,
    baselineAccuracy: n > 0 ? aRight / n : 0,
    candidateAccuracy: n > 0 ? bRight / n : 0,
    difference: { estimate: d, lower: Math.max(-1, d - z * se), upper: Math.min(1, d + z * se), confidence },
    mcnemar,
    significant: mcnemar.pValue < alpha,
    alpha,
    flips: { rightToWrong, wrongToRight },
    unmatched,
  };
}

/**
 * Items needed to detect a drop of `drop` (a proportion: 0.02 = 2 points) between two paired runs with McNemar's
 * test (Connor 1987): n = (z_{1−α/2}·√ψ + z_{power}·√(ψ − δ²))² / δ², where δ = drop and ψ = the expected
 * proportion of discordant items (both directions; ψ ≥ δ, raised to δ if lower). Rounded up.
 */
export function itemsNeededForDrop(opts: {
  drop: number;
  discordantRate: number;
  alpha?: number;
  power?: number;
}): number {
  const delta = Math.abs(opts.drop);
  if (!(delta > 0 && delta <= 1)) throw new Error('itemsNeededForDrop: drop must be in (0, 1]');
  const psi = Math.min(1, Math.max(opts.discordantRate, delta));
  const za = normalQuantile(1 - (opts.alpha ?? 0.05) / 2);
  const zb = normalQuantile(opts.power ?? 0.8);
  const root = za * Math.sqrt(psi) + zb * Math.sqrt(Math.max(0, psi - delta * delta));
  return Math.ceil((root * root) / (delta * delta));
}
