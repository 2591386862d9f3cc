import {
  BottleneckHintSchema,
  type LoadPointSummary,
  type ServerTelemetry,
  type Stats,
} from '@inferbench/contracts';
import { describe, expect, it } from 'vitest';
import { analyzeSweep, pearson, type SweepPoint } from './bottleneck.js';

/** A Stats object whose every percentile is `v` except p99 (`p99 ?? v`). */
const stats = (v: number, p99 = v): Stats => ({
  count: 100,
  mean: v,
  std: 0,
  min: v,
  p50: v,
  p90: v,
  p95: v,
  p99,
  p999: p99,
  max: p99,
});

function summary(o: {
  thr: number;
  ttft: number;
  ttftP99?: number;
  tpot: number;
  tpotP99?: number;
  conc?: number;
}): LoadPointSummary {
  return {
    requests: { total: 100, succeeded: 100, failed: 0, cancelled: 0, warmup: 0 },
    durationSec: 60,
    requestThroughput: o.thr / 100,
    outputTokenThroughput: o.thr,
    totalTokenThroughput: o.thr * 2,
    achievedConcurrency: o.conc ?? 1,
    errorRate: 0,
    errorsByClass: {},
    tokens: { input: 1, output: 1, reasoning: 0, tokensPerChunk: 1, bySource: {}, disagreements: 0 },
    latency: { ttftMs: stats(o.ttft, o.ttftP99), tpotMs: stats(o.tpot, o.tpotP99) },
    warnings: [],
  };
}

function server(o: {
  running?: number;
  waiting?: number;
  waitingMax?: number;
  kvMax?: number;
  preemptions?: number;
  queueMs?: number;
  prefillMs?: number;
  ttftMs?: number;
}): ServerTelemetry {
  const split =
    o.queueMs !== undefined || o.prefillMs !== undefined
      ? {
          queueMsMean: o.queueMs,
          prefillMsMean: o.prefillMs,
          serverTtftMsMean: o.ttftMs,
          queueSharePct:
            o.queueMs !== undefined
              ? (o.queueMs / (o.ttftMs ?? o.queueMs + (o.prefillMs ?? 0))) * 100
              : undefined,
          prefillSharePct:
            o.prefillMs !== undefined
              ? (o.prefillMs / (o.ttftMs ?? (o.queueMs ?? 0) + o.prefillMs)) * 100
              : undefined,
        }
      : undefined;
  return {
    available: true,
    engine: 'vllm',
    scrapes: 60,
    scrapeErrors: 0,
    counterResets: 0,
    windowSec: 59,
    series: [],
    gaugeStats: {
      runningMean: o.running,
      waitingMean: o.waiting,
      waitingMax: o.waitingMax ?? o.waiting,
      kvUsagePctMax: o.kvMax,
      kvUsagePctMean: o.kvMax !== undefined ? o.kvMax * 0.8 : undefined,
    },
    deltas: { preemptions: o.preemptions ?? 0 },
    histograms: {},
    ttftSplit: split,
  };
}

const kinds = (points: SweepPoint[]) => analyzeSweep(points).map((h) => h.kind);

describe('analyzeSweep', () => {
  it.each<{ name: string; points: SweepPoint[]; expected: string[] }>([
    {
      name: 'healthy linear scaling: no hint',
      points: [1, 2, 4, 8].map((c) => ({ level: c, summary: summary({ thr: 100 * c, ttft: 50, tpot: 10 }) })),
      expected: [],
    },
    {
      name: 'throughput flat and p99 TTFT doubling: knee only (TPOT flat)',
      points: [
        { level: 8, summary: summary({ thr: 800, ttft: 50, ttftP99: 100, tpot: 10 }) },
        { level: 16, summary: summary({ thr: 1500, ttft: 60, ttftP99: 120, tpot: 10 }) },
        { level: 32, summary: summary({ thr: 1550, ttft: 150, ttftP99: 400, tpot: 10.5 }) },
      ],
      expected: ['knee'],
    },
    {
      name: 'TPOT rising as throughput flattens: decode-bound and knee',
      points: [
        { level: 16, summary: summary({ thr: 1000, ttft: 50, tpot: 10 }), server: server({ running: 16 }) },
        { level: 32, summary: summary({ thr: 1800, ttft: 55, tpot: 12 }), server: server({ running: 32 }) },
        {
          level: 64,
          summary: summary({ thr: 1900, ttft: 60, tpot: 22, tpotP99: 30 }),
          server: server({ running: 64 }),
        },
      ],
      expected: ['decode-bound', 'knee'],
    },
    {
      name: 'KV full with a queue and preemptions',
      points: [
        {
          level: 32,
          summary: summary({ thr: 1000, ttft: 50, tpot: 10 }),
          server: server({ kvMax: 60, waiting: 0 }),
        },
        {
          level: 64,
          summary: summary({ thr: 1900, ttft: 80, tpot: 11 }),
          server: server({ kvMax: 99.2, waiting: 5, preemptions: 12 }),
        },
      ],
      expected: ['kv-capacity-bound'],
    },
    {
      name: 'queue share high with requests waiting',
      points: [
        {
          level: 1,
          summary: summary({ thr: 100, ttft: 40, tpot: 10 }),
          server: server({ queueMs: 1, prefillMs: 35, ttftMs: 40, waiting: 0 }),
        },
        {
          level: 4,
          summary: summary({ thr: 400, ttft: 300, tpot: 10 }),
          server: server({ queueMs: 240, prefillMs: 40, ttftMs: 300, waiting: 6 }),
        },
      ],
      expected: ['queue-bound'],
    },
    {
      name: 'prefill dominating the slowest TTFT',
      points: [
        {
          level: 1,
          summary: summary({ thr: 100, ttft: 40, tpot: 10 }),
          server: server({ queueMs: 1, prefillMs: 35, ttftMs: 40, waiting: 0 }),
        },
        {
          level: 2,
          summary: summary({ thr: 200, ttft: 90, tpot: 10 }),
          server: server({ queueMs: 5, prefillMs: 80, ttftMs: 90, waiting: 0 }),
        },
      ],
      expected: ['prefill-bound'],
    },
    {
      name: 'TTFT following input length (no server telemetry)',
      points: [512, 1024, 2048, 4096].map((n, i) => ({
        level: i,
        inputTokensMean: n,
        summary: summary({ thr: 500, ttft: 20 + n * 0.05, tpot: 10 }),
      })),
      expected: ['prefill-bound'],
    },
  ])('$name', ({ points, expected }) => {
    expect(kinds(points)).toEqual(expected);
  });

  it('the knee hint names the level, the figures and the rule thresholds it crossed', () => {
    const [hint] = analyzeSweep(
      [
        { level: 32, summary: summary({ thr: 1550, ttft: 150, ttftP99: 400, tpot: 10 }) },
        { level: 8, summary: summary({ thr: 800, ttft: 50, ttftP99: 100, tpot: 10 }) },
        { level: 16, summary: summary({ thr: 1500, ttft: 60, ttftP99: 120, tpot: 10 }) },
      ],
      { variant: 'fp8' },
    );
    expect(BottleneckHintSchema.parse(hint)).toEqual(hint);
    expect(hint).toMatchObject({
      kind: 'knee',
      variant: 'fp8',
      level: 16,
      evidence: {
        kneeLevel: 16,
        nextLevel: 32,
        throughputGainPct: 3.3,
        latencyFigure: 'ttftMs.p99',
        latencyFromMs: 120,
        latencyToMs: 400,
        latencyGrowthPct: 233.3,
      },
    });
    expect(hint!.message).toContain('level 16');
    expect(hint!.message).toContain('3.3 %');
  });

  it('does not call a knee when throughput still grows 10 % or more', () => {
    const points = [
      { level: 1, summary: summary({ thr: 100, ttft: 50, ttftP99: 100, tpot: 10 }) },
      { level: 2, summary: summary({ thr: 110, ttft: 100, ttftP99: 400, tpot: 10 }) },
    ];
    expect(kinds(points)).toEqual([]);
  });

  it('honours custom thresholds', () => {
    const points = [
      { level: 1, summary: summary({ thr: 100, ttft: 50, ttftP99: 100, tpot: 10 }) },
      { level: 2, summary: summary({ thr: 110, ttft: 100, ttftP99: 400, tpot: 10 }) },
    ];
    expect(analyzeSweep(points, { thresholds: { kneeThroughputGainPct: 15 } }).map((h) => h.kind)).toEqual([
      'knee',
    ]);
  });

  it('kv hint carries preemptions and peak usage as evidence', () => {
    const [hint] = analyzeSweep([
      {
        level: 64,
        summary: summary({ thr: 1900, ttft: 80, tpot: 11 }),
        server: server({ kvMax: 99.2, waiting: 5, preemptions: 12 }),
      },
    ]);
    expect(hint).toMatchObject({
      kind: 'kv-capacity-bound',
      level: 64,
      evidence: { preemptions: 12, kvUsagePctMax: 99.2, waitingMax: 5 },
    });
    expect(hint!.message).toContain('99.2 %');
  });

  it('a high queue share with nobody waiting is not called queue-bound', () => {
    const points = [
      {
        level: 1,
        summary: summary({ thr: 100, ttft: 2, tpot: 10 }),
        server: server({ queueMs: 1.5, prefillMs: 0.4, ttftMs: 2, waiting: 0 }),
      },
    ];
    expect(kinds(points)).not.toContain('queue-bound');
  });

  it('ignores unavailable server telemetry', () => {
    const s = { ...server({ kvMax: 100, waiting: 9, preemptions: 3 }), available: false };
    expect(kinds([{ level: 1, summary: summary({ thr: 1, ttft: 1, tpot: 1 }), server: s }])).toEqual([]);
  });
});

describe('pearson', () => {
  it.each([
    { xs: [1, 2, 3], ys: [2, 4, 6], r: 1 },
    { xs: [1, 2, 3], ys: [3, 2, 1], r: -1 },
    { xs: [1, 2], ys: [1, 2], r: undefined },
    { xs: [1, 1, 1], ys: [1, 2, 3], r: undefined },
  ])('$xs / $ys → $r', ({ xs, ys, r }) => {
    const got = pearson(xs, ys);
    if (r === undefined) expect(got).toBeUndefined();
    else expect(got).toBeCloseTo(r, 12);
  });
});
