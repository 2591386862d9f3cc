import type { Stage } from '@inferbench/contracts';

/**
 * A non-negative piecewise-linear function of time (seconds) built from k6-style stages, with its integral
 * and the integral's inverse. Used for staged rates (time-rescaled arrivals) and staged concurrency.
 */
export class PiecewiseLinear {
  /** breakpoints: times (s) and values; times strictly increasing, first is 0 */
  private readonly tSec: number[];
  private readonly values: number[];
  /** integral from 0 up to each breakpoint */
  private readonly cumulative: number[];

  constructor(startValue: number, stages: readonly Stage[]) {
    this.tSec = [0];
    this.values = [startValue];
    this.cumulative = [0];
    let t = 0;
    let v = startValue;
    let area = 0;
    for (const st of stages) {
      area += ((v + st.target) / 2) * st.durationSec;
      t += st.durationSec;
      v = st.target;
      this.tSec.push(t);
      this.values.push(v);
      this.cumulative.push(area);
    }
  }

  /** end of the last stage, seconds */
  get endSec(): number {
    return this.tSec[this.tSec.length - 1]!;
  }

  /** the largest value taken */
  get maxValue(): number {
    return Math.max(...this.values);
  }

  /** ∫₀^end f */
  get totalIntegral(): number {
    return this.cumulative[this.cumulative.length - 1]!;
  }

  /** f(t); holds the last value after the end */
  valueAt(tSec: number): number {
    if (tSec <= 0) return this.values[0]!;
    if (tSec >= this.endSec) return this.values[this.values.length - 1]!;
    const i = this.segmentIndex(tSec);
    const t0 = this.tSec[i]!;
    const t1 = this.tSec[i + 1]!;
    const v0 = this.values[i]!;
    const v1 = this.values[i + 1]!;
    return v0 + ((v1 - v0) * (tSec - t0)) / (t1 - t0);
  }

  /** the earliest t ≥ afterSec (and < end) with f(t) ≥ level, or null */
  firstTimeAtLeast(level: number, afterSec: number): number | null {
    const eps = 1e-9;
    for (let i = 0; i < this.tSec.length - 1; i++) {
      const t0 = this.tSec[i]!;
      const t1 = this.tSec[i + 1]!;
      if (t1 <= afterSec) continue;
      const a = Math.max(t0, afterSec);
      const va = this.valueAt(a);
      if (va >= level - eps) return a;
      const v1 = this.values[i + 1]!;
      if (v1 >= level - eps && v1 > va) {
        // linear: va + slope·(t − a) = level
        const slope = (v1 - this.values[i]!) / (t1 - t0);
        return Math.min(t1, a + (level - va) / slope);
      }
    }
    return null;
  }

  /** t such that ∫₀^t f = area, or null when area exceeds the total */
  inverseIntegral(area: number): number | null {
    if (area > this.totalIntegral) return null;
    // first breakpoint whose cumulative ≥ area
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! < area) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return 0;
    const i = lo - 1;
    const t0 = this.tSec[i]!;
    const v0 = this.values[i]!;
    const slope = (this.values[i + 1]! - v0) / (this.tSec[i + 1]! - t0);
    const d = area - this.cumulative[i]!;
    // solve v0·s + slope·s²/2 = d; this form is stable for any sign of slope and for slope = 0
    const disc = Math.max(0, v0 * v0 + 2 * slope * d);
    const denom = v0 + Math.sqrt(disc);
    const s = denom > 0 ? (2 * d) / denom : 0;
    return Math.min(this.tSec[i + 1]!, t0 + s);
  }

  private segmentIndex(tSec: number): number {
    let lo = 0;
    let hi = this.tSec.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.tSec[mid]! <= tSec) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
