import { LoadPointSummarySchema, type RequestSample } from '@inferbench/contracts';
import { describe, expect, it } from 'vitest';
import { LoadPointAccumulator, SUMMARY_FIGURES, summarizeSamples } from './accumulator.js';
import { exactPercentile } from './stats.js';
import { makeSample, randomSamples } from './testing/samples.js';

/** HDR percentile check: never below the exact value, at most 1/1024 of it above. */
function expectHdr(actual: number | undefined, exact: number): void {
  expect(actual).toBeDefined();
  expect(actual!).toBeGreaterThanOrEqual(exact - 1e-9);
  expect(actual!).toBeLessThanOrEqual(exact * (1 + 1 / 1024) + 1e-9);
}

// The load point of the README worked example. Window = A..F: first sent 1.000 s, last end 2.000 s → D = 1 s.
const A = makeSample({
  idx: 0,
  sentUs: 1_000_000,
  scheduledUs: 998_000,
  clientQueueUs: 500,
  firstChunkUs: 1_200_000,
  firstContentUs: 1_250_000,
  chunkGapsUs: [50_000, 30_000, 20_000],
  endUs: 1_310_000,
  inputTokens: 100,
  outputTokens: 5,
  reasoningTokens: 2,
  tokenSource: 'server',
  clientOutputTokens: 6,
});
const B = makeSample({
  idx: 1,
  sentUs: 1_100_000,
  firstChunkUs: 1_400_000,
  chunkGapsUs: [100_000],
  endUs: 1_600_000,
  inputTokens: 50,
  outputTokens: 2,
  tokenSource: 'client',
});
const C = makeSample({
  idx: 2,
  sentUs: 1_200_000,
  firstChunkUs: 1_300_000,
  endUs: 1_300_000,
  inputTokens: 10,
  outputTokens: 1,
  tokenSource: 'server',
  clientOutputTokens: 1,
});
const D = makeSample({ idx: 3, sentUs: 1_250_000, endUs: 1_260_000, outputTokens: 0, tokenSource: 'none' });
const E = makeSample({
  idx: 4,
  sentUs: 1_300_000,
  scheduledUs: 1_290_000,
  endUs: 2_000_000,
  httpStatus: 500,
  errorClass: 'http',
});
const F = makeSample({
  idx: 5,
  sentUs: 1_050_000,
  firstChunkUs: 1_100_000,
  chunkGapsUs: [10_000],
  endUs: 1_900_000,
  outputTokens: 3,
  errorClass: 'timeout',
});
const W = makeSample({
  idx: 6,
  warmup: true,
  sentUs: 0,
  firstChunkUs: 10_000,
  endUs: 900_000,
  outputTokens: 9,
});
const X = makeSample({ idx: 7, sentUs: 1_500_000, endUs: 2_500_000, errorClass: 'cancelled' });
const ALL = [A, B, C, D, E, F, W, X];

describe('LoadPointAccumulator on a hand-computed load point', () => {
  const s = summarizeSamples(ALL, { includeTimeSeries: true, warnings: ['w1'] });

  it('is a valid LoadPointSummary', () => {
    expect(LoadPointSummarySchema.parse(s)).toEqual(s);
  });

  it('counts requests, excluding warm-up and cancelled from the window', () => {
    expect(s.requests).toEqual({ total: 8, succeeded: 4, failed: 2, cancelled: 1, warmup: 1 });
    expect(s.durationSec).toBe(1);
    expect(s.errorRate).toBeCloseTo(2 / 6, 12);
    expect(s.errorsByClass).toEqual({ http: 1, timeout: 1 });
    expect(s.warnings).toEqual(['w1']);
  });

  it('computes throughputs and achieved concurrency over D', () => {
    expect(s.requestThroughput).toBe(4);
    expect(s.outputTokenThroughput).toBe(8); // 5 + 2 + 1 + 0
    expect(s.totalTokenThroughput).toBe(168); // + 100 + 50 + 10
    // Σ(end − sent) over the window: 310 + 500 + 100 + 10 + 700 + 850 ms = 2.47 s over D = 1 s
    expect(s.achievedConcurrency).toBeCloseTo(2.47, 12);
    expect(s.goodput).toBeUndefined();
  });

  it('reports tokens', () => {
    expect(s.tokens).toEqual({
      input: 160,
      output: 8,
      reasoning: 2,
      tokensPerChunk: 8 / 7, // chunks: 4 + 2 + 1 + 0
      bySource: { client: 1, none: 1, server: 2 },
      disagreements: 1, // A: server 5 vs client 6
      disagreementMeanAbs: 1,
      disagreementMaxAbs: 1,
    });
  });

  it('disagreement size: mean and max |server − client| over the disagreeing requests, exact across merges', () => {
    const mk = (idx: number, server: number, client: number): RequestSample =>
      makeSample({
        idx,
        sentUs: idx * 1000,
        firstChunkUs: idx * 1000 + 10_000,
        endUs: idx * 1000 + 20_000,
        outputTokens: server,
        tokenSource: 'server',
        clientOutputTokens: client,
      });
    const a = new LoadPointAccumulator();
    a.add(mk(0, 10, 13)); // 3
    a.add(mk(1, 10, 10)); // agrees: not counted
    const b = new LoadPointAccumulator();
    b.add(mk(2, 20, 12)); // 8
    const merged = LoadPointAccumulator.fromJSON(a.toJSON()).merge(LoadPointAccumulator.fromJSON(b.toJSON()));
    expect(merged.summary().tokens).toMatchObject({
      disagreements: 2,
      disagreementMeanAbs: 5.5,
      disagreementMaxAbs: 8,
    });
    expect(a.summary().tokens.disagreementMaxAbs).toBe(3);
  });

  it('computes exact mean/std/min/max and HDR percentiles for every figure', () => {
    const L = s.latency;
    const ttft = L.ttftMs!;
    expect(ttft.count).toBe(3);
    expect(ttft.mean).toBe(200);
    expect(ttft.std).toBeCloseTo(Math.sqrt(20000 / 3), 9);
    expect([ttft.min, ttft.max]).toEqual([100, 300]);
    expectHdr(ttft.p50, 200);
    expect(ttft.p90).toBe(300); // clamped to the exact max
    expect(ttft.p999).toBe(300);

    expect(L.ttftContentMs).toMatchObject({ count: 1, mean: 250, min: 250, max: 250, p50: 250 });
    expect(L.ttstMs).toMatchObject({ count: 2, mean: 325, min: 250, max: 400 });
    expect(L.e2eMs).toMatchObject({ count: 4, mean: 230, min: 10, max: 500 });
    expect(L.tpotMs).toMatchObject({ count: 2, mean: 113.75, min: 27.5, max: 200 });
    expect(L.ntpotMs!.count).toBe(3);
    expect(L.ntpotMs!.mean).toBeCloseTo((62 + 250 + 100) / 3, 9);
    expect(L.tpotAllTokensMs!.mean).toBeCloseTo((22 + 100 + 0) / 3, 9);
    expect(L.itlMs).toMatchObject({ count: 4, mean: 50, min: 20, max: 100 });
    expect(L.itlMs!.std).toBeCloseTo(Math.sqrt((0 + 400 + 900 + 2500) / 4), 9);
    expectHdr(L.itlMs!.p50, 30); // nearest rank 2 of [20, 30, 50, 100]
    expect(L.scheduleDelayMs).toMatchObject({ count: 2, mean: 6, min: 2, max: 10 }); // A and the failed E
    expect(L.clientQueueMs).toMatchObject({ count: 1, mean: 0.5 });
    expect(L.decodeTokensPerSec!.count).toBe(2);
    expect(L.decodeTokensPerSec!.max).toBeCloseTo(4 / 0.11, 3);
    // A: 5 / 0.31 s = 16.129 tokens/s (stored per request to 0.001 tokens/s); D: 0
    expect(L.requestTokensPerSec).toMatchObject({ count: 4, min: 0, max: 16.129 });
  });

  it('buckets the time series by end second, with in-flight counts', () => {
    expect(s.timeSeries).toHaveLength(2);
    const [t1, t2] = s.timeSeries!;
    expect(t1).toMatchObject({ tSec: 1, completed: 4, errors: 1, outputTokens: 8, inFlight: 1 });
    expect(t1!.ttftP50Ms!).toBeGreaterThanOrEqual(200);
    expect(t1!.ttftP50Ms!).toBeLessThanOrEqual(200 * 1.008);
    expect(t1!.ttftP99Ms).toBe(300);
    expect(t1!.itlP99Ms).toBe(100);
    expect(t2).toEqual({ tSec: 2, completed: 0, errors: 1, outputTokens: 0, inFlight: 0 });
  });

  it('without includeTimeSeries the series is omitted', () => {
    expect(summarizeSamples(ALL).timeSeries).toBeUndefined();
  });
});

describe('goodput', () => {
  const cases: Array<[string, Record<string, number>, number, number, number]> = [
    // [name, slo, good requests, good output tokens, attainment %]; attainment divides by the window's
    // 6 requests (4 succeeded A–D + 2 failed E, F): a failed request never meets an SLO
    [
      'ttft ≤ 250 and tpot ≤ 50: A, C good; B slow TTFT; D has no first token',
      { ttftMs: 250, tpotMs: 50 },
      2,
      6,
      (100 * 2) / 6,
    ],
    ['max ITL ≤ 60: B has a 100 ms gap', { itlMs: 60 }, 3, 6, 50],
    ['e2e ≤ 400', { e2eMs: 400 }, 3, 6, 50],
    ['tpot ≤ 27.5 holds with equality for A', { tpotMs: 27.5 }, 3, 6, 50],
    ['everything loose', { ttftMs: 1e6, tpotMs: 1e6, itlMs: 1e6, e2eMs: 1e6 }, 3, 8, 50],
  ];
  it.each(cases)('%s', (_n, bounds, good, goodTokens, pct) => {
    const slo = { percentile: 99, ...bounds };
    const s = summarizeSamples(ALL, { slo });
    expect(s.goodput).toBe(good); // D = 1 s
    expect(s.tokenGoodput).toBe(goodTokens);
    expect(s.sloAttainmentPct).toBe(pct);
  });

  it('SLO attainment counts failed requests in the denominator; goodput only counts good ones', () => {
    // 50 % errors: every successful request meets the SLO, yet attainment is 50 %, not 100 %
    const ok = (i: number): RequestSample =>
      makeSample({
        idx: i,
        sentUs: i * 1000,
        firstChunkUs: i * 1000 + 10_000,
        endUs: i * 1000 + 20_000,
        outputTokens: 1,
      });
    const bad = (i: number): RequestSample =>
      makeSample({ idx: i, sentUs: i * 1000, endUs: i * 1000 + 5_000, errorClass: 'connect' });
    const samples = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? ok(i) : bad(i)));
    const s = summarizeSamples(samples, { slo: { ttftMs: 100, percentile: 99 } });
    expect(s.errorRate).toBe(0.5);
    expect(s.sloAttainmentPct).toBe(50);
    expect(s.goodput).toBeCloseTo(10 / s.durationSec, 12);
    // no request succeeded: 0 %, never NaN
    const allBad = summarizeSamples(
      Array.from({ length: 5 }, (_, i) => bad(i)),
      { slo: { ttftMs: 100, percentile: 99 } },
    );
    expect(allBad.sloAttainmentPct).toBe(0);
    // merged accumulators agree with one accumulator fed everything
    const slo = { ttftMs: 100, percentile: 99 };
    const a = new LoadPointAccumulator({ slo }).addAll(samples.slice(0, 7));
    const b = new LoadPointAccumulator({ slo }).addAll(samples.slice(7));
    expect(LoadPointAccumulator.decode(a.merge(b).encode()).summary().sloAttainmentPct).toBe(50);
  });

  it('refuses a summary SLO that differs from the one the accumulator was built with', () => {
    const acc = new LoadPointAccumulator({ slo: { ttftMs: 250, percentile: 99 } }).addAll(ALL);
    expect(() => acc.summary({ slo: { ttftMs: 300, percentile: 99 } })).toThrow(/build the accumulator/);
    expect(acc.summary({ slo: { ttftMs: 250, percentile: 90 } }).goodput).toBe(2);
  });

  it('evaluateSlo judges percentiles against bounds for any SLO', () => {
    const acc = new LoadPointAccumulator().addAll(ALL);
    const v = acc.evaluateSlo({ ttftMs: 350, e2eMs: 400, percentile: 99 });
    expect(v.checks.map((c) => [c.figure, c.pass])).toEqual([
      ['ttftMs', true],
      ['e2eMs', false],
    ]);
    expect(v.pass).toBe(false);
  });
});

describe('merge and serialization', () => {
  const samples = randomSamples(3000, 42, { seconds: 20 });
  const slo = { ttftMs: 200, tpotMs: 30, itlMs: 80, e2eMs: 900, percentile: 99 };
  const whole = new LoadPointAccumulator({ slo }).addAll(samples);
  const expected = whole.summary({ includeTimeSeries: true });

  it('merging shards gives exactly the single-accumulator summary', () => {
    const shards = [0, 1, 2].map(() => new LoadPointAccumulator({ slo }));
    samples.forEach((s, i) => shards[(i * 7) % 3]!.add(s));
    const merged = LoadPointAccumulator.mergeAll(shards);
    expect(merged.summary({ includeTimeSeries: true })).toStrictEqual(expected);
    // merging in a different grouping gives the same result too
    const other = new LoadPointAccumulator({ slo })
      .merge(shards[2]!)
      .merge(new LoadPointAccumulator({ slo }).merge(shards[1]!).merge(shards[0]!));
    expect(other.summary({ includeTimeSeries: true })).toStrictEqual(expected);
  });

  it('round-trips through encode/decode and merges decoded shards exactly', () => {
    const decoded = LoadPointAccumulator.decode(whole.encode());
    expect(decoded.summary({ includeTimeSeries: true })).toStrictEqual(expected);
    const half = samples.length / 2;
    const a = LoadPointAccumulator.decode(
      new LoadPointAccumulator({ slo }).addAll(samples.slice(0, half)).encode(),
    );
    const b = LoadPointAccumulator.fromJSON(
      JSON.parse(JSON.stringify(new LoadPointAccumulator({ slo }).addAll(samples.slice(half)).toJSON())),
    );
    expect(a.merge(b).summary({ includeTimeSeries: true })).toStrictEqual(expected);
  });

  it('keeps sums exact past 2^53 (bigint spill)', () => {
    const big = 3_000_000_000; // 50 min in µs: square is 9e18, far beyond 2^53
    const mk = (i: number) => makeSample({ idx: i, sentUs: 0, endUs: big + i, outputTokens: 0 });
    const acc = new LoadPointAccumulator({ timeSeries: false });
    for (let i = 0; i < 4; i++) acc.add(mk(i));
    const e2e = acc.stats('e2eMs')!;
    expect(e2e.mean).toBe((big + 1.5) / 1000);
    expect(e2e.std).toBeCloseTo(Math.sqrt(1.25) / 1000, 12);
  });

  it('rejects merging different SLOs or time-series settings', () => {
    expect(() => new LoadPointAccumulator({ slo }).merge(new LoadPointAccumulator())).toThrow(/SLO/);
    expect(() => new LoadPointAccumulator().merge(new LoadPointAccumulator({ timeSeries: false }))).toThrow(
      /time series/,
    );
  });

  it('rejects a corrupt state', () => {
    const st = whole.toJSON();
    expect(() => LoadPointAccumulator.fromJSON({ ...st, v: 2 })).toThrow();
    const bad = { ...st, figures: { ...st.figures, ttftMs: { ...st.figures.ttftMs!, count: 1 } } };
    expect(() => LoadPointAccumulator.fromJSON(bad)).toThrow(/disagrees/);
  });

  it('an empty accumulator summarizes to zeros', () => {
    const s = new LoadPointAccumulator().summary({ includeTimeSeries: true });
    expect(s.requests.total).toBe(0);
    expect(s.durationSec).toBe(0);
    expect(s.requestThroughput).toBe(0);
    expect(s.latency).toEqual({});
    expect(s.timeSeries).toEqual([]);
    expect(LoadPointSummarySchema.safeParse(s).success).toBe(true);
  });
});

describe('HDR percentiles vs exact sort on 10,000 random values', () => {
  const samples = randomSamples(10_000, 7, { seconds: 30, maxGaps: 5 });
  const acc = new LoadPointAccumulator().addAll(samples);
  const ok = samples.filter((s) => !s.warmup && s.errorClass === undefined);
  const exact: Record<string, number[]> = {
    ttftMs: ok.map((s) => (s.firstChunkUs! - s.sentUs) / 1000),
    e2eMs: ok.map((s) => (s.endUs - s.sentUs) / 1000),
    itlMs: ok.flatMap((s) => s.chunkGapsUs.map((g) => g / 1000)),
  };
  it.each(Object.keys(exact))('%s', (fig) => {
    const st = acc.stats(fig as (typeof SUMMARY_FIGURES)[number])!;
    const values = exact[fig]!;
    expect(st.count).toBe(values.length);
    expect(st.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 9);
    expect(st.min).toBe(Math.min(...values));
    expect(st.max).toBe(Math.max(...values));
    for (const [k, p] of [
      ['p50', 50],
      ['p90', 90],
      ['p95', 95],
      ['p99', 99],
      ['p999', 99.9],
    ] as const) {
      expectHdr(st[k], exactPercentile(values, p));
    }
  });
});

describe('SUMMARY_FIGURES', () => {
  it('covers the contract figures', () => {
    const s: RequestSample[] = [];
    expect(SUMMARY_FIGURES).toContain('ttftMs');
    expect(summarizeSamples(s).latency).toEqual({});
  });
});
