import type { Stats } from '@inferbench/contracts';
import { ExactIntSum } from './exact-sum.js';
import { FastHdr } from './hdr.js';

/** The percentiles every Stats object carries, with their StatsSchema field names. */
export const STATS_PERCENTILES = [
  ['p50', 50],
  ['p90', 90],
  ['p95', 95],
  ['p99', 99],
  ['p999', 99.9],
] as const;

/** Serialized form of a {@link FigureAccumulator} (exact scalars as decimal strings, HDR as base64). */
export interface FigureState {
  count: number;
  sum: string;
  sumSq: string;
  min: number | null;
  max: number | null;
  hdr: string;
}

/**
 * Distribution of one figure recorded as integers in a fixed base unit (µs, ns or milli-tokens/s),
 * with exact count / sum / sum of squares / min / max and a 3-significant-digit HDR histogram.
 *
 * Precision of the resulting {@link Stats}: count, mean, std (population), min and max are exact
 * functions of the recorded integers (they merge bit-identically in any order); percentiles are
 * HDR nearest-rank values, reported as the bucket's highest equivalent value clamped to [min, max],
 * so each is ≥ the exact nearest-rank value and above it by at most ≈0.1 % (1/1024) of it.
 */
export class FigureAccumulator {
  count = 0;
  min = Infinity;
  max = -Infinity;
  readonly sum = new ExactIntSum();
  readonly sumSq = new ExactIntSum();
  hdr: FastHdr;

  /** @param unitsPerOutput recorded units per unit of the reported value (1000 for µs → ms). */
  constructor(readonly unitsPerOutput: number) {
    this.hdr = new FastHdr(3, 64);
  }

  /** Record one integer value in base units. */
  record(v: number): void {
    this.count++;
    this.sum.add(v);
    this.sumSq.addSquare(v);
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.hdr.record(v);
  }

  /**
   * Record many non-negative integers (e.g. one request's ITL gaps). Same result as calling
   * {@link record} for each; faster because the exact sums are accumulated locally (exact while
   * they stay ≤ 2^53, checked) and added once.
   */
  recordMany(values: readonly number[]): void {
    const n = values.length;
    let sum = 0;
    let sq = 0;
    let mn = this.min;
    let mx = this.max;
    let safe = true;
    const h = this.hdr;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (v < 0) safe = false;
      sum += v;
      sq += v * v;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
      h.record(v);
    }
    this.min = mn;
    this.max = mx;
    this.count += n;
    // non-negative integers: every partial sum is ≤ the final one, so ≤ 2^53 at the end means exact
    if (safe && sum <= Number.MAX_SAFE_INTEGER && sq <= Number.MAX_SAFE_INTEGER) {
      this.sum.add(sum);
      this.sumSq.add(sq);
    } else {
      for (let i = 0; i < n; i++) {
        this.sum.add(values[i]!);
        this.sumSq.addSquare(values[i]!);
      }
    }
  }

  merge(o: FigureAccumulator): void {
    if (o.count === 0) return;
    this.count += o.count;
    this.sum.merge(o.sum);
    this.sumSq.merge(o.sumSq);
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
    this.hdr.merge(o.hdr);
  }

  /** Percentile (0 < p ≤ 100) in output units, HDR precision; undefined when empty. */
  percentile(p: number): number | undefined {
    if (this.count === 0) return undefined;
    let v = this.hdr.valueAtPercentile(p);
    if (v > this.max) v = this.max;
    if (v < this.min) v = this.min;
    return v / this.unitsPerOutput;
  }

  /** Stats in output units; undefined when nothing was recorded (StatsSchema cannot hold NaN). */
  stats(): Stats | undefined {
    const n = this.count;
    if (n === 0) return undefined;
    const sum = this.sum.value();
    const nb = BigInt(n);
    // population variance·n² computed exactly in integers, converted once
    const varNum = nb * this.sumSq.value() - sum * sum;
    const scale = this.unitsPerOutput;
    const out: Stats = {
      count: n,
      mean: Number(sum) / n / scale,
      std: Math.sqrt(Number(varNum < 0n ? 0n : varNum)) / n / scale,
      min: this.min / scale,
      p50: 0,
      p90: 0,
      p95: 0,
      p99: 0,
      p999: 0,
      max: this.max / scale,
    };
    for (const [key, p] of STATS_PERCENTILES) out[key] = this.percentile(p)!;
    return out;
  }

  toState(): FigureState {
    return {
      count: this.count,
      sum: this.sum.toString(),
      sumSq: this.sumSq.toString(),
      min: this.count === 0 ? null : this.min,
      max: this.count === 0 ? null : this.max,
      hdr: this.hdr.encode(),
    };
  }

  static fromState(s: FigureState, unitsPerOutput: number): FigureAccumulator {
    const f = new FigureAccumulator(unitsPerOutput);
    f.count = s.count;
    f.sum.addBig(BigInt(s.sum));
    f.sumSq.addBig(BigInt(s.sumSq));
    f.min = s.min ?? Infinity;
    f.max = s.max ?? -Infinity;
    f.hdr = FastHdr.decode(s.hdr, 3, 64);
    if (f.hdr.totalCount !== s.count)
      throw new Error(`figure state count ${s.count} disagrees with its histogram (${f.hdr.totalCount})`);
    return f;
  }
}
