import { describe, expect, it } from 'vitest';
import { type LoadLevel, LoadPlanSpecSchema, type LoadPointSummary, type Stats } from '@inferbench/contracts';
import { LoadPointAccumulator, type PercentileSource } from '@inferbench/metrics';
import { type AdaptiveHistoryEntry, nextAdaptiveLevel, slaSearchResult } from './adaptive.js';

function stats(p99: number): Stats {
  return {
    count: 100,
    mean: p99 / 2,
    std: 1,
    min: 1,
    p50: p99 / 2,
    p90: p99 * 0.8,
    p95: p99 * 0.9,
    p99,
    p999: p99 * 1.2,
    max: p99 * 1.5,
  };
}

interface PointResult {
  summary: LoadPointSummary;
  distribution: PercentileSource;
}

/** A point's summary, and a TTFT distribution whose percentile p is `ttftP99 · p / 99` (no other figure). */
function summary(opts: { throughput: number; errorRate?: number; ttftP99?: number }): PointResult {
  const ttftP99 = opts.ttftP99;
  const distribution: PercentileSource = {
    percentile: (figure, p) =>
      figure === 'ttftMs' && ttftP99 !== undefined ? (ttftP99 * p) / 99 : undefined,
  };
  return { summary: pointSummary(opts), distribution };
}

function pointSummary(opts: { throughput: number; errorRate?: number; ttftP99?: number }): LoadPointSummary {
  return {
    requests: { total: 100, succeeded: 100, failed: 0, cancelled: 0, warmup: 0 },
    durationSec: 30,
    requestThroughput: opts.throughput,
    outputTokenThroughput: opts.throughput * 100,
    totalTokenThroughput: opts.throughput * 200,
    achievedConcurrency: 1,
    errorRate: opts.errorRate ?? 0,
    errorsByClass: {},
    tokens: { input: 0, output: 0, reasoning: 0, tokensPerChunk: 1, bySource: {}, disagreements: 0 },
    latency: opts.ttftP99 !== undefined ? { ttftMs: stats(opts.ttftP99) } : {},
    warnings: [],
  };
}

/** Drives a plan against a model server: `respond(level)` gives the summary of running that level. */
function drive(planInput: unknown, respond: (l: LoadLevel) => PointResult): AdaptiveHistoryEntry[] {
  const plan = LoadPlanSpecSchema.parse(planInput);
  const history: AdaptiveHistoryEntry[] = [];
  for (let i = 0; i < 100; i++) {
    const level = nextAdaptiveLevel(plan, history);
    if (!level) return history;
    history.push({ level, ...respond(level) });
  }
  throw new Error('plan did not finish');
}

/** A server with capacity 40 req/s; a single stream does 5 req/s. */
const server = (l: LoadLevel): PointResult => {
  if (l.kind === 'concurrency') return summary({ throughput: Math.min(40, 5 * l.concurrency) });
  if (l.kind === 'rate') return summary({ throughput: Math.min(l.rate, 40) * 0.99 });
  throw new Error('unexpected');
};

describe('nextAdaptiveLevel', () => {
  it('walks static plans level by level', () => {
    const h = drive({ kind: 'concurrency', levels: [1, 2, 3], requests: 5 }, server);
    expect(h.map((e) => e.level)).toEqual([1, 2, 3].map((c) => ({ kind: 'concurrency', concurrency: c })));
  });

  it('rate sweep: one stream, saturation probe, then evenly spaced rates up to saturation', () => {
    const h = drive({ kind: 'sweep', mode: 'rate', points: 6, maxConcurrency: 64, durationSec: 30 }, server);
    expect(h[0]!.level).toEqual({ kind: 'concurrency', concurrency: 1 });
    expect(h[1]!.level).toEqual({ kind: 'concurrency', concurrency: 64 });
    const rates = h.slice(2).map((e) => (e.level.kind === 'rate' ? e.level.rate : NaN));
    expect(rates).toEqual([13.75, 22.5, 31.25, 40]);
    expect(h.slice(2).every((e) => e.level.kind === 'rate' && e.level.arrival === 'poisson')).toBe(true);
  });

  it('rate sweep stops early at the first over-saturated point', () => {
    // this server only sustains 20 req/s open-loop although the closed-loop probe measured 40
    const h = drive({ kind: 'sweep', mode: 'rate', points: 10, durationSec: 30 }, (l) =>
      l.kind === 'rate' ? summary({ throughput: Math.min(l.rate, 20) }) : server(l),
    );
    const rates = h.slice(2).map((e) => (e.level.kind === 'rate' ? e.level.rate : NaN));
    expect(rates.length).toBeLessThan(8);
    expect(rates[rates.length - 1]).toBeGreaterThan(20 / 0.9);
    expect(rates.slice(0, -1).every((r) => r <= 20 / 0.9)).toBe(true);
  });

  it('rate sweep ends after the probes when there is no headroom', () => {
    const h = drive({ kind: 'sweep', mode: 'rate', durationSec: 30 }, () => summary({ throughput: 5 }));
    expect(h).toHaveLength(2);
  });

  it('concurrency sweep doubles until throughput stops growing', () => {
    const h = drive({ kind: 'sweep', mode: 'concurrency', points: 20, durationSec: 30 }, server);
    expect(h.map((e) => (e.level.kind === 'concurrency' ? e.level.concurrency : 0))).toEqual([
      1, 2, 4, 8, 16,
    ]);
  });

  it('sweep stops on errors', () => {
    const h = drive({ kind: 'sweep', mode: 'concurrency', durationSec: 30, maxErrorRate: 0.05 }, (l) =>
      summary({ throughput: 10, errorRate: l.kind === 'concurrency' && l.concurrency >= 4 ? 0.5 : 0 }),
    );
    expect(h).toHaveLength(2); // c=1 ok, c=2 → no gain (10 vs 10) ends it
    const h2 = drive({ kind: 'sweep', mode: 'concurrency', durationSec: 30, maxErrorRate: 0.05 }, (l) => {
      const c = l.kind === 'concurrency' ? l.concurrency : 0;
      return summary({ throughput: 5 * c, errorRate: c >= 4 ? 0.5 : 0 });
    });
    expect(h2.map((e) => (e.level.kind === 'concurrency' ? e.level.concurrency : 0))).toEqual([1, 2, 4]);
  });

  it('SLA search (concurrency): finds the highest concurrency with p99 TTFT < 500 ms', () => {
    // TTFT p99 grows 60 ms per concurrent request: 8 → 480 ms passes, 9 → 540 ms fails
    const plan = {
      kind: 'sla',
      mode: 'concurrency',
      slo: { ttftMs: 500 },
      min: 1,
      max: 1000,
      requests: 50,
    } as const;
    const h = drive(plan, (l) =>
      summary({ throughput: 10, ttftP99: (l.kind === 'concurrency' ? l.concurrency : 0) * 60 }),
    );
    const result = slaSearchResult(
      LoadPlanSpecSchema.parse(plan) as Extract<ReturnType<typeof LoadPlanSpecSchema.parse>, { kind: 'sla' }>,
      h,
    );
    expect(result.bestValue).toBe(8);
    expect(result.lowestFailing).toBe(9);
    expect(h.map((e) => (e.level.kind === 'concurrency' ? e.level.concurrency : 0))).toEqual([
      1, 2, 4, 8, 16, 12, 10, 9,
    ]);
  });

  it('SLA search (rate): bisects to within the tolerance and respects saturation', () => {
    const plan = LoadPlanSpecSchema.parse({
      kind: 'sla',
      mode: 'rate',
      slo: { ttftMs: 300, percentile: 95 },
      min: 1,
      max: 64,
      tolerance: 0.05,
      durationSec: 30,
    });
    // p99 = 20·rate, p95 = (95/99)·p99 → passes while 20·rate·95/99 ≤ 300, i.e. rate ≤ 15.63
    const h = drive(plan, (l) => {
      const r = l.kind === 'rate' ? l.rate : 0;
      return summary({ throughput: r, ttftP99: 20 * r });
    });
    const res = slaSearchResult(plan as Extract<typeof plan, { kind: 'sla' }>, h);
    const limit = (300 * 99) / (20 * 95);
    expect(res.bestValue).toBeLessThanOrEqual(limit);
    expect(res.bestValue).toBeGreaterThan(limit * 0.95);
    expect(h.length).toBeLessThanOrEqual(12);
  });

  it('SLA search ends with no answer when even the minimum fails, and caps at max', () => {
    const fails = drive({ kind: 'sla', slo: { ttftMs: 10 }, max: 100, requests: 10 }, () =>
      summary({ throughput: 1, ttftP99: 50 }),
    );
    expect(fails).toHaveLength(1);
    const passes = drive({ kind: 'sla', slo: { ttftMs: 10 }, min: 1, max: 5, requests: 10 }, () =>
      summary({ throughput: 1, ttftP99: 5 }),
    );
    expect(passes.map((e) => (e.level.kind === 'concurrency' ? e.level.concurrency : 0))).toEqual([
      1, 2, 4, 5,
    ]);
  });

  it('SLA search judges a p97 SLO exactly at p97, not at the reported p99', () => {
    // TTFT 1, 2, …, 100 ms: p97 = 97 ms meets the 98 ms bound although the reported p99 (99 ms) does not
    const acc = new LoadPointAccumulator().addAll(
      Array.from({ length: 100 }, (_, i) => ({
        idx: i,
        warmup: false,
        sentUs: 0,
        firstChunkUs: (i + 1) * 1000,
        endUs: (i + 2) * 1000,
        chunkGapsUs: [],
        inputTokens: 10,
        outputTokens: 1,
        reasoningTokens: 0,
        tokenSource: 'server' as const,
        httpStatus: 200,
      })),
    );
    const measured = acc.summary();
    expect(measured.latency.ttftMs!.p99).toBeGreaterThan(98);
    const plan = LoadPlanSpecSchema.parse({
      kind: 'sla',
      mode: 'concurrency',
      slo: { ttftMs: 98, percentile: 97 },
      min: 1,
      max: 4,
      requests: 100,
    }) as Extract<ReturnType<typeof LoadPlanSpecSchema.parse>, { kind: 'sla' }>;
    const entry = (c: number, distribution: PercentileSource): AdaptiveHistoryEntry => ({
      level: { kind: 'concurrency', concurrency: c },
      summary: { ...measured, requestThroughput: 10 },
      distribution,
    });
    expect(slaSearchResult(plan, [entry(1, acc)]).bestValue).toBe(1);
    // a point whose p97 is above the bound fails it
    const slow: PercentileSource = { percentile: (f, p) => acc.percentile(f, p)! + 5 };
    expect(slaSearchResult(plan, [entry(1, acc), entry(2, slow)])).toMatchObject({
      bestValue: 1,
      lowestFailing: 2,
    });
  });
});
