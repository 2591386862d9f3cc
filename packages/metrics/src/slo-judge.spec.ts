import { describe, expect, it } from 'vitest';
import { LoadPointAccumulator } from './accumulator.js';
import { describeSloViolations, judgeSlo, type PercentileSource } from './slo-judge.js';
import { makeSample } from './testing/samples.js';

/** 100 successful requests with TTFT 1, 2, …, 100 ms (E2E one ms more). */
function ttftRamp(): LoadPointAccumulator {
  return new LoadPointAccumulator().addAll(
    Array.from({ length: 100 }, (_, i) =>
      makeSample({
        idx: i,
        sentUs: 0,
        firstChunkUs: (i + 1) * 1000,
        endUs: (i + 2) * 1000,
        outputTokens: 1,
      }),
    ),
  );
}

describe('judgeSlo', () => {
  it('judges a p97 SLO at p97 exactly, not at the next reported percentile (p99)', () => {
    const acc = ttftRamp();
    const summary = acc.summary();
    // the summary only reports p95 and p99: a judge reading it would have to use p99 (99 ms) and fail
    expect(summary.latency.ttftMs!.p99).toBeGreaterThan(98);
    const verdict = judgeSlo(acc, { ttftMs: 98, percentile: 97 });
    expect(verdict.checks).toHaveLength(1);
    expect(verdict.checks[0]!.observedMs).toBeGreaterThanOrEqual(97);
    expect(verdict.checks[0]!.observedMs).toBeLessThan(98);
    expect(verdict.pass).toBe(true);
    // one step stricter and p97 breaks it
    expect(judgeSlo(acc, { ttftMs: 96, percentile: 97 }).pass).toBe(false);
  });

  it('is what the accumulator uses for evaluateSlo', () => {
    const acc = ttftRamp();
    const slo = { ttftMs: 50, e2eMs: 200, percentile: 90 };
    expect(acc.evaluateSlo(slo)).toEqual(judgeSlo(acc, slo));
  });

  it('fails a bound without data, passes with no SLO, and defaults to p99', () => {
    const asked: number[] = [];
    const source: PercentileSource = {
      percentile: (figure, p) => {
        asked.push(p);
        return figure === 'ttftMs' ? 10 : undefined;
      },
    };
    expect(judgeSlo(source, undefined)).toEqual({ pass: true, checks: [] });
    const v = judgeSlo(source, { ttftMs: 5, itlMs: 100 } as never);
    expect(asked).toEqual([99, 99]);
    expect(v.pass).toBe(false);
    expect(describeSloViolations(v)).toEqual(['ttftMs p99 10.0 > 5', 'itlMs: no data']);
    expect(describeSloViolations(judgeSlo(source, { ttftMs: 10, percentile: 50 }))).toEqual([]);
  });
});
