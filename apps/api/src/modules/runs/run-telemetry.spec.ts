import { describe, expect, it } from 'vitest';
import type { GpuTelemetry, LoadPointSummary, ServerTelemetry } from '@inferbench/contracts';
import {
  computeRunHints,
  levelValue,
  mergeShardTelemetry,
  parseStoredHints,
  parseStoredTelemetry,
} from './run-telemetry.js';

const server = (
  scrapes: number,
  available = true,
  extra: Partial<ServerTelemetry> = {},
): ServerTelemetry => ({
  available,
  engine: 'vllm',
  scrapes,
  scrapeErrors: 0,
  counterResets: 0,
  windowSec: scrapes,
  series: [],
  gaugeStats: {},
  deltas: {},
  histograms: {},
  ...(available ? {} : { reason: 'connection refused' }),
  ...extra,
});

const gpu = (available: boolean, energyJ = 0): GpuTelemetry => ({
  available,
  ...(available ? { source: 'nvidia-smi' as const } : { reason: 'nvidia-smi not found' }),
  samples: available ? 5 : 0,
  sampleErrors: 0,
  gpus: [],
  energyJ,
  energyMethod: available && energyJ > 0 ? 'trapezoid' : 'none',
  ...(available && energyJ > 0 ? { energyPerOutputTokenJ: energyJ / 100 } : {}),
});

/** A summary where only the fields the hint rules read matter. */
function summary(
  outTokPerSec: number,
  ttftP99Ms: number,
  inputTokens = 1000,
  succeeded = 10,
): LoadPointSummary {
  const stats = (p50: number, p99: number) => ({
    count: succeeded,
    mean: p50,
    std: 0,
    min: p50,
    p50,
    p90: p99,
    p95: p99,
    p99,
    p999: p99,
    max: p99,
  });
  return {
    requests: { total: succeeded, succeeded, failed: 0, cancelled: 0, warmup: 0 },
    durationSec: 10,
    requestThroughput: 1,
    outputTokenThroughput: outTokPerSec,
    totalTokenThroughput: outTokPerSec,
    achievedConcurrency: 1,
    errorRate: 0,
    errorsByClass: {},
    tokens: {
      input: inputTokens,
      output: 100,
      reasoning: 0,
      tokensPerChunk: 1,
      bySource: {},
      disagreements: 0,
    },
    latency: { ttftMs: stats(ttftP99Ms / 2, ttftP99Ms), tpotMs: stats(10, 12) },
    warnings: [],
  } as LoadPointSummary;
}

describe('mergeShardTelemetry', () => {
  it('returns null when no shard sent telemetry', () => {
    expect(mergeShardTelemetry([])).toBeNull();
    expect(mergeShardTelemetry([undefined, {}])).toBeNull();
  });

  it('keeps the server view with the most successful scrapes, preferring available ones', () => {
    const merged = mergeShardTelemetry([
      { server: server(0, false) },
      { server: server(4) },
      { server: server(6) },
      { server: server(6) },
    ]);
    expect(merged?.server?.scrapes).toBe(6);
    expect(merged?.server?.available).toBe(true);
    // only unavailable views: the first one, with its reason
    expect(mergeShardTelemetry([{ server: server(0, false) }])?.server).toMatchObject({
      available: false,
      reason: 'connection refused',
    });
  });

  it('keeps the first available GPU view and recomputes J/token over the whole point when shards > 1', () => {
    const single = mergeShardTelemetry([{ gpu: gpu(true, 500) }], 400);
    expect(single?.gpu?.energyPerOutputTokenJ).toBe(5); // the agent's own figure (500 J / 100 tokens)
    const multi = mergeShardTelemetry(
      [{ gpu: gpu(false) }, { gpu: gpu(true, 500) }, { gpu: gpu(true, 900) }],
      400,
    );
    expect(multi?.gpu?.energyJ).toBe(500);
    expect(multi?.gpu?.energyPerOutputTokenJ).toBe(1.25);
    expect(mergeShardTelemetry([{ gpu: gpu(false) }, { gpu: gpu(false) }])?.gpu).toMatchObject({
      available: false,
      reason: 'nvidia-smi not found',
    });
    expect('server' in mergeShardTelemetry([{ gpu: gpu(false) }])!).toBe(false);
  });
});

describe('stored JSON parsing', () => {
  it('accepts valid telemetry and hints, drops anything else', () => {
    expect(parseStoredTelemetry(null)).toBeNull();
    expect(parseStoredTelemetry({ server: { available: 'yes' } })).toBeNull();
    expect(parseStoredTelemetry({ gpu: gpu(false) })?.gpu?.reason).toBe('nvidia-smi not found');
    expect(parseStoredHints(null)).toEqual([]);
    expect(
      parseStoredHints([{ kind: 'knee', message: 'm', evidence: { a: 1 } }, { kind: 'nonsense' }]),
    ).toEqual([{ kind: 'knee', message: 'm', evidence: { a: 1 } }]);
  });
});

describe('computeRunHints', () => {
  it('runs one sweep per variant over completed points sorted by level, naming the variant', () => {
    const c = (n: number) => ({ kind: 'concurrency' as const, concurrency: n });
    const hints = computeRunHints([
      // variant a: throughput flat from c=4 to c=8 while p99 TTFT triples -> knee at 4 (given out of order)
      { variantLabel: 'a', status: 'completed', level: c(8), summary: summary(1050, 900), telemetry: null },
      { variantLabel: 'a', status: 'completed', level: c(1), summary: summary(300, 100), telemetry: null },
      { variantLabel: 'a', status: 'completed', level: c(4), summary: summary(1000, 300), telemetry: null },
      // variant b: the failed point would have made a knee; it is left out
      { variantLabel: 'b', status: 'completed', level: c(1), summary: summary(300, 100), telemetry: null },
      { variantLabel: 'b', status: 'failed', level: c(4), summary: summary(310, 1000), telemetry: null },
    ]);
    expect(hints).toEqual([
      expect.objectContaining({
        kind: 'knee',
        variant: 'a',
        level: 4,
        evidence: expect.objectContaining({ kneeLevel: 4, nextLevel: 8 }),
      }),
    ]);
  });

  it('uses the server telemetry of each point (queue-bound from the TTFT split)', () => {
    const s = server(5, true, {
      gaugeStats: { waitingMean: 3, waitingMax: 6 },
      ttftSplit: {
        queueMsMean: 300,
        prefillMsMean: 50,
        queueSharePct: 80,
        prefillSharePct: 13,
        shareBasis: 'server-ttft',
      },
    });
    const hints = computeRunHints([
      {
        variantLabel: 'v',
        status: 'completed',
        level: { kind: 'rate', rate: 2, arrival: 'poisson' },
        summary: summary(100, 400),
        telemetry: { server: s },
      },
    ]);
    expect(hints).toEqual([expect.objectContaining({ kind: 'queue-bound', variant: 'v', level: 2 })]);
  });

  it('maps levels to numbers: concurrency and rate only', () => {
    expect(levelValue({ kind: 'concurrency', concurrency: 3 })).toBe(3);
    expect(levelValue({ kind: 'rate', rate: 2.5, arrival: 'constant' })).toBe(2.5);
    expect(levelValue({ kind: 'trace', speedup: 1 } as never)).toBeNull();
  });
});
