import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { ExactIntSum } from './exact-sum.js';
import { FastHdr } from './hdr.js';
import { createRng } from './rng.js';

describe('FastHdr', () => {
  it.each([2, 3] as const)(
    'puts every value in the same bucket as hdr-histogram-js (%i digits)',
    (digits) => {
      const rng = createRng(digits);
      const fast = new FastHdr(digits, 32);
      const ref = hdr.build({
        numberOfSignificantValueDigits: digits,
        bitBucketSize: 32,
        useWebAssembly: false,
        autoResize: true,
      }) as hdr.JsHistogram;
      const values: number[] = [0, 1, 1023, 1024, 2047, 2048, 4095, 4096, 2 ** 31 - 1, 2 ** 31, 5e9];
      for (let i = 0; i < 20_000; i++) values.push(Math.floor(Math.exp(rng.next() * 22)));
      for (const v of values) {
        fast.record(v);
        ref.recordValue(v);
      }
      const h = fast.histogram();
      expect(h.totalCount).toBe(ref.totalCount);
      for (const p of [0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100]) {
        expect(h.getValueAtPercentile(p)).toBe(ref.getValueAtPercentile(p));
      }
      // the bucket layout is identical: compare counts index by index
      for (let i = 0; i < ref.countsArrayLength; i++)
        expect(h.getCountAtIndex(i)).toBe(ref.getCountAtIndex(i));
    },
  );

  it('records negative values as 0 and rounds fractions', () => {
    const f = new FastHdr(3);
    f.record(-5);
    f.record(2.6);
    expect(f.totalCount).toBe(2);
    expect(f.valueAtPercentile(50)).toBe(0);
    expect(f.valueAtPercentile(100)).toBe(3);
  });

  it('encodes, decodes and merges exactly', () => {
    const a = new FastHdr(3);
    const b = new FastHdr(3);
    for (let i = 1; i <= 1000; i++) (i % 2 ? a : b).record(i * 997);
    const d = FastHdr.decode(a.encode());
    d.merge(FastHdr.decode(b.encode()));
    d.record(10 ** 10); // decoded histograms must keep auto-resizing
    expect(d.totalCount).toBe(1001);
    const all = new FastHdr(3);
    for (let i = 1; i <= 1000; i++) all.record(i * 997);
    all.record(10 ** 10);
    for (const p of [50, 90, 99]) expect(d.valueAtPercentile(p)).toBe(all.valueAtPercentile(p));
    expect(() => FastHdr.decode(a.encode(), 2)).toThrow(/digits/);
  });
});

describe('ExactIntSum', () => {
  it('is exact beyond 2^53 in any order', () => {
    const vals = [2 ** 52, 2 ** 52, 3, 2 ** 52, -7, 123456789012];
    const fwd = new ExactIntSum();
    const rev = new ExactIntSum();
    vals.forEach((v) => fwd.add(v));
    [...vals].reverse().forEach((v) => rev.add(v));
    const want = vals.reduce((a, v) => a + BigInt(v), 0n);
    expect(fwd.value()).toBe(want);
    expect(rev.value()).toBe(want);
    const sq = new ExactIntSum();
    sq.addSquare(3e9);
    sq.addSquare(94906265);
    expect(sq.value()).toBe(9_000_000_000_000_000_000n + 94906265n * 94906265n);
    expect(ExactIntSum.fromString(fwd.toString()).value()).toBe(want);
  });
});
