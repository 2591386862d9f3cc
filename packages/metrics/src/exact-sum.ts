/**
 * Exact sum of integers (and of their squares) that never loses precision: a double accumulates
 * while it stays within Number.MAX_SAFE_INTEGER and spills into a bigint when it would not.
 * Integer addition is associative, so sums built in any order (one accumulator, or shards merged
 * in any grouping) are bit-identical, which is what makes merged summaries equal single-process
 * ones. The spill is rare, so the hot path costs two compares.
 */
export class ExactIntSum {
  private lo = 0;
  private hi = 0n;

  /** Add an integer with |v| ≤ MAX_SAFE_INTEGER. */
  add(v: number): void {
    const t = this.lo + v;
    if (t > Number.MAX_SAFE_INTEGER || t < -Number.MAX_SAFE_INTEGER) {
      this.hi += BigInt(this.lo);
      this.lo = v;
    } else {
      this.lo = t;
    }
  }

  /** Add v² exactly (v integer). */
  addSquare(v: number): void {
    if (v < SQRT_MAX_SAFE && v > -SQRT_MAX_SAFE) {
      this.add(v * v);
    } else {
      const b = BigInt(v);
      this.hi += b * b;
    }
  }

  /** Add a bigint (used when merging and decoding). */
  addBig(v: bigint): void {
    this.hi += v;
  }

  /** Add another sum into this one. */
  merge(other: ExactIntSum): void {
    this.hi += other.value();
  }

  value(): bigint {
    return this.hi + BigInt(this.lo);
  }

  /** Decimal string of the exact value (serialization). */
  toString(): string {
    return this.value().toString();
  }

  static fromString(s: string): ExactIntSum {
    const out = new ExactIntSum();
    out.hi = BigInt(s);
    return out;
  }
}

/** floor(sqrt(2^53 − 1)): squares of integers below this are exact doubles. */
const SQRT_MAX_SAFE = 94906265;
