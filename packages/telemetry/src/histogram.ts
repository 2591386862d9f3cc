/**
 * Cumulative Prometheus histograms: reading them out of a parsed exposition, subtracting two
 * scrapes bucket-wise (reset-tolerant), summing label sets and estimating quantiles.
 */
import type { HistogramSummary } from '@inferbench/contracts';
import type { PromSample } from './prom-parser.js';

/** One cumulative bucket: `count` observations ≤ `le` (`le` may be +Inf). */
export interface CumBucket {
  le: number;
  count: number;
}

/** A cumulative histogram as exposed: buckets sorted by `le`, ending with +Inf when present. */
export interface CumHistogram {
  buckets: CumBucket[];
  sum: number;
  count: number;
}

/** Selects which label sets of a metric to use (e.g. one `model_name`). */
export type LabelPredicate = (labels: Record<string, string>) => boolean;

/** A stable key for a label set, ignoring the labels named in `omit`. */
export function seriesKey(labels: Record<string, string>, omit: readonly string[] = []): string {
  return Object.keys(labels)
    .filter((k) => !omit.includes(k))
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}

/**
 * Reads every label set of histogram `base` from samples indexed by sample name.
 * A label set with a `_count` but no `_bucket` lines (TGI-style sum/count only) gets a single
 * +Inf bucket so its mean still works.
 */
export function readHistograms(
  index: ReadonlyMap<string, PromSample[]>,
  base: string,
  accept: LabelPredicate = () => true,
): Map<string, CumHistogram> {
  const out = new Map<string, CumHistogram>();
  const get = (labels: Record<string, string>): CumHistogram => {
    const k = seriesKey(labels, ['le']);
    let h = out.get(k);
    if (!h) {
      h = { buckets: [], sum: 0, count: 0 };
      out.set(k, h);
    }
    return h;
  };
  let sawCount = false;
  for (const s of index.get(`${base}_bucket`) ?? []) {
    if (!accept(s.labels)) continue;
    const leText = s.labels.le;
    if (leText === undefined) continue;
    const le = leText === '+Inf' ? Number.POSITIVE_INFINITY : Number(leText);
    if (Number.isNaN(le)) continue;
    get(s.labels).buckets.push({ le, count: s.value });
  }
  for (const s of index.get(`${base}_sum`) ?? []) if (accept(s.labels)) get(s.labels).sum = s.value;
  for (const s of index.get(`${base}_count`) ?? []) {
    if (!accept(s.labels)) continue;
    sawCount = true;
    get(s.labels).count = s.value;
  }
  for (const h of out.values()) {
    h.buckets.sort((a, b) => a.le - b.le);
    const last = h.buckets.at(-1);
    if (!last || last.le !== Number.POSITIVE_INFINITY)
      h.buckets.push({ le: Number.POSITIVE_INFINITY, count: h.count });
    // some exporters omit _count; the +Inf bucket is the same number
    if (!sawCount) h.count = h.buckets.at(-1)!.count;
  }
  return out;
}

/** Cumulative count at bound `x` of a histogram whose own bounds may not include `x`. */
function countAtOrBelow(h: CumHistogram, x: number): number {
  let c = 0;
  for (const b of h.buckets) {
    if (b.le <= x) c = b.count;
    else break;
  }
  return c;
}

/**
 * Sums histograms bucket-wise. With identical bounds (the normal case) this is exact; where bounds
 * differ, a histogram's count at a foreign bound is its count at its largest bound ≤ that bound
 * (a lower estimate).
 */
export function sumHistograms(hs: Iterable<CumHistogram>): CumHistogram | undefined {
  const list = [...hs];
  if (list.length === 0) return undefined;
  const bounds = [...new Set(list.flatMap((h) => h.buckets.map((b) => b.le)))].sort((a, b) => a - b);
  return {
    buckets: bounds.map((le) => ({ le, count: list.reduce((acc, h) => acc + countAtOrBelow(h, le), 0) })),
    sum: list.reduce((acc, h) => acc + h.sum, 0),
    count: list.reduce((acc, h) => acc + h.count, 0),
  };
}

function sameBounds(a: CumHistogram, b: CumHistogram): boolean {
  return a.buckets.length === b.buckets.length && a.buckets.every((x, i) => x.le === b.buckets[i]!.le);
}

/**
 * Increase of a histogram from `before` to `after`, bucket-wise. A count or bucket that went down,
 * or changed bounds, means the server restarted in between: then, as Prometheus `increase()` does,
 * the whole `after` is the increase and `reset` is true.
 */
export function subtractHistogram(
  after: CumHistogram,
  before: CumHistogram | undefined,
): { delta: CumHistogram; reset: boolean } {
  if (!before) return { delta: cloneHistogram(after), reset: false };
  const isReset =
    after.count < before.count ||
    after.sum < before.sum ||
    !sameBounds(after, before) ||
    after.buckets.some((b, i) => b.count < before.buckets[i]!.count);
  if (isReset) return { delta: cloneHistogram(after), reset: true };
  return {
    delta: {
      buckets: after.buckets.map((b, i) => ({ le: b.le, count: b.count - before.buckets[i]!.count })),
      sum: after.sum - before.sum,
      count: after.count - before.count,
    },
    reset: false,
  };
}

/** Adds `b` into `a` (same or different bounds; see sumHistograms). */
export function addHistograms(a: CumHistogram | undefined, b: CumHistogram): CumHistogram {
  if (!a) return cloneHistogram(b);
  if (sameBounds(a, b)) {
    return {
      buckets: a.buckets.map((x, i) => ({ le: x.le, count: x.count + b.buckets[i]!.count })),
      sum: a.sum + b.sum,
      count: a.count + b.count,
    };
  }
  return sumHistograms([a, b])!;
}

function cloneHistogram(h: CumHistogram): CumHistogram {
  return { buckets: h.buckets.map((b) => ({ ...b })), sum: h.sum, count: h.count };
}

/**
 * Approximate quantile `q` (0..1) of a cumulative histogram, by linear interpolation inside the
 * bucket that holds rank q·count (the Prometheus `histogram_quantile` method). The first bucket
 * interpolates from 0 (latencies are never negative). A rank in the +Inf bucket returns the last
 * finite bound with `clamped: true`. `undefined` for an empty histogram.
 */
export function histogramQuantile(
  h: CumHistogram,
  q: number,
): { value: number; clamped: boolean } | undefined {
  const total = h.buckets.at(-1)?.count ?? h.count;
  if (!(total > 0) || q < 0 || q > 1) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of h.buckets) {
    if (b.count >= rank && b.count > prevCount) {
      if (b.le === Number.POSITIVE_INFINITY) return { value: prevLe, clamped: true };
      const lower = Math.min(prevLe, b.le);
      return { value: lower + ((b.le - lower) * (rank - prevCount)) / (b.count - prevCount), clamped: false };
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  // only reachable when bucket counts are not monotone (not a valid exposition)
  return undefined;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** The contract summary of a histogram delta in seconds: mean and p50/p90/p99 in ms. */
export function summarizeHistogram(metric: string, h: CumHistogram): HistogramSummary {
  const summary: HistogramSummary = {
    metric,
    count: h.count,
    sumSec: h.sum,
    buckets: h.buckets.filter((b) => Number.isFinite(b.le)).map((b) => ({ leSec: b.le, count: b.count })),
  };
  if (h.count > 0) summary.meanMs = round3((h.sum / h.count) * 1000);
  // with only a +Inf bucket (sum/count-only histograms) percentiles say nothing
  if (h.buckets.length > 1) {
    let clamped = false;
    for (const [q, key] of [
      [0.5, 'p50Ms'],
      [0.9, 'p90Ms'],
      [0.99, 'p99Ms'],
    ] as const) {
      const r = histogramQuantile(h, q);
      if (!r) continue;
      summary[key] = round3(r.value * 1000);
      clamped ||= r.clamped;
    }
    if (clamped) summary.clamped = true;
  }
  return summary;
}
