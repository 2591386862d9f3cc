import { ServerTelemetrySchema } from '@inferbench/contracts';
import { describe, expect, it } from 'vitest';
import { ServerTelemetryAccumulator, computeTtftSplit } from './server-telemetry.js';
import { histogramOf, renderVllm, type TestVllmState } from './testing/exposition.js';

const BOUNDS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0];

/** Three scrapes of one vLLM model; observations accumulate like a real server's histograms. */
function threeScrapes(): TestVllmState[] {
  const queue = [[0.1, 0.2], [0.4, 0.6, 1.2], [0.4]];
  const prefill = [[0.05, 0.05], [0.1, 0.1, 0.1], [0.1]];
  const ttft = [[0.2, 0.3], [0.55, 0.75, 1.35], [0.55]];
  const gauges = [
    { running: 2, waiting: 0, kvUsage: 0.1, promptTokens: 1000, generationTokens: 5000, preemptions: 0 },
    { running: 8, waiting: 4, kvUsage: 0.9, promptTokens: 3000, generationTokens: 9000, preemptions: 1 },
    { running: 6, waiting: 1, kvUsage: 0.5, promptTokens: 4000, generationTokens: 12000, preemptions: 1 },
  ];
  return gauges.map((g, i) => ({
    ...g,
    histograms: {
      queue: histogramOf(BOUNDS, queue.slice(0, i + 1).flat()),
      prefill: histogramOf(BOUNDS, prefill.slice(0, i + 1).flat()),
      ttft: histogramOf(BOUNDS, ttft.slice(0, i + 1).flat()),
    },
  }));
}

describe('ServerTelemetryAccumulator (vLLM)', () => {
  const acc = new ServerTelemetryAccumulator({ url: 'http://x/metrics' });
  threeScrapes().forEach((s, i) => acc.addScrape(i, renderVllm([s])));
  const r = acc.result();

  it('is a valid contract object', () => {
    expect(ServerTelemetrySchema.parse(JSON.parse(JSON.stringify(r)))).toEqual(r);
    expect(r).toMatchObject({
      available: true,
      engine: 'vllm',
      scrapes: 3,
      scrapeErrors: 0,
      counterResets: 0,
      windowSec: 2,
    });
  });

  it('keeps the gauge series with KV usage in percent', () => {
    expect(r.series).toEqual([
      { tSec: 0, running: 2, waiting: 0, kvUsagePct: 10 },
      { tSec: 1, running: 8, waiting: 4, kvUsagePct: 90 },
      { tSec: 2, running: 6, waiting: 1, kvUsagePct: 50 },
    ]);
    expect(r.gaugeStats).toEqual({
      runningMean: 5.333,
      runningMax: 8,
      waitingMean: 1.667,
      waitingMax: 4,
      kvUsagePctMean: 50,
      kvUsagePctMax: 90,
    });
  });

  it('reports counter increases from the first to the last scrape', () => {
    expect(r.deltas).toEqual({ promptTokens: 3000, generationTokens: 7000, preemptions: 1 });
  });

  it('reports bucket-wise histogram deltas excluding the baseline observations', () => {
    const q = r.histograms.queue!;
    expect(q.metric).toBe('vllm:request_queue_time_seconds');
    expect(q.count).toBe(4);
    expect(q.sumSec).toBeCloseTo(2.6, 12);
    expect(q.meanMs).toBe(650);
    expect(q.buckets.map((b) => b.count)).toEqual([0, 2, 3, 3, 4, 4]);
    // rank 2 of 4 fills the (0.3, 0.5] bucket exactly: 0.3 + 0.2 * 2/2
    expect(q.p50Ms).toBeCloseTo(500, 9);
  });

  it('splits server TTFT into queueing and prefill', () => {
    expect(r.ttftSplit).toMatchObject({
      queueMsMean: 650,
      prefillMsMean: 100,
      serverTtftMsMean: 800,
      shareBasis: 'server-ttft',
      queueSharePct: 81.25,
      prefillSharePct: 12.5,
      otherSharePct: 6.25,
    });
    expect(r.ttftSplit!.queueMsP50).toBeCloseTo(500, 9);
  });
});

describe('ServerTelemetryAccumulator edge cases', () => {
  const base: TestVllmState = {
    running: 1,
    waiting: 0,
    kvUsage: 0.2,
    promptTokens: 1000,
    generationTokens: 0,
    preemptions: 0,
  };

  it('survives a counter reset (server restart) like Prometheus increase()', () => {
    const acc = new ServerTelemetryAccumulator();
    for (const [t, prompt] of [
      [0, 1000],
      [1, 1500],
      [2, 200],
      [3, 700],
    ] as const)
      acc.addScrape(t, renderVllm([{ ...base, promptTokens: prompt }]));
    const r = acc.result();
    // 500 before the restart + 200 counted from 0 + 500 after
    expect(r.deltas.promptTokens).toBe(1200);
    expect(r.counterResets).toBe(1);
  });

  it('treats a histogram that went down as reset and counts the new one whole', () => {
    const acc = new ServerTelemetryAccumulator();
    const hist = (obs: number[]) => ({ ...base, histograms: { queue: histogramOf(BOUNDS, obs) } });
    acc.addScrape(0, renderVllm([hist([0.1, 0.1, 0.1])]));
    acc.addScrape(1, renderVllm([hist([0.1, 0.1, 0.1, 0.4])]));
    acc.addScrape(2, renderVllm([hist([0.9])]));
    const r = acc.result();
    expect(r.histograms.queue!.count).toBe(2);
    expect(r.histograms.queue!.meanMs).toBe(650);
    expect(r.counterResets).toBe(1);
  });

  it('keeps only the requested model, summing nothing from the other', () => {
    const acc = new ServerTelemetryAccumulator({ model: 'a' });
    acc.addScrape(
      0,
      renderVllm([
        { ...base, model: 'a' },
        { ...base, model: 'b', running: 50 },
      ]),
    );
    acc.addScrape(
      1,
      renderVllm([
        { ...base, model: 'a', promptTokens: 1100 },
        { ...base, model: 'b', promptTokens: 9000 },
      ]),
    );
    const r = acc.result();
    expect(r.deltas.promptTokens).toBe(100);
    expect(r.series[0]!.running).toBe(1);
  });

  it('sums requests over models and takes the fullest KV cache without a model filter', () => {
    const acc = new ServerTelemetryAccumulator();
    acc.addScrape(
      0,
      renderVllm([
        { ...base, model: 'a', kvUsage: 0.3 },
        { ...base, model: 'b', running: 5, kvUsage: 0.7 },
      ]),
    );
    expect(acc.result().series[0]).toEqual({ tSec: 0, running: 6, waiting: 0, kvUsagePct: 70 });
  });

  it('counts a non-Prometheus body as an error and reports unavailable', () => {
    const acc = new ServerTelemetryAccumulator();
    expect(acc.addScrape(0, '<html><body>Not Found</body></html>')).toBe(false);
    acc.addError('HTTP 503');
    const r = acc.result();
    expect(r).toMatchObject({
      available: false,
      scrapes: 0,
      scrapeErrors: 2,
      lastError: 'HTTP 503',
      series: [],
    });
    expect(r.reason).toBe('no successful scrape: HTTP 503');
    expect(ServerTelemetrySchema.safeParse(r).success).toBe(true);
  });

  it('records *_perc gauges and named extra gauges in the series', () => {
    const acc = new ServerTelemetryAccumulator({ extraGauges: ['my_gauge'] });
    acc.addScrape(
      0,
      renderVllm([base]) +
        '# TYPE vllm:cpu_cache_usage_perc gauge\nvllm:cpu_cache_usage_perc{model_name="m"} 0.25\nmy_gauge 7\n',
    );
    expect(acc.result().series[0]!.extra).toEqual({ 'vllm:cpu_cache_usage_perc': 0.25, my_gauge: 7 });
  });
});

describe('SGLang and TGI names', () => {
  it('maps SGLang gauges, counters and histograms', () => {
    const body = (
      running: number,
      queue: number,
      usage: number,
      prompt: number,
      ttftCount: number,
      ttftSum: number,
    ) =>
      [
        '# TYPE sglang:num_running_reqs gauge',
        `sglang:num_running_reqs{model_name="q"} ${running}`,
        '# TYPE sglang:num_queue_reqs gauge',
        `sglang:num_queue_reqs{model_name="q"} ${queue}`,
        '# TYPE sglang:token_usage gauge',
        `sglang:token_usage{model_name="q"} ${usage}`,
        '# TYPE sglang:prompt_tokens_total counter',
        `sglang:prompt_tokens_total{model_name="q"} ${prompt}`,
        '# TYPE sglang:time_to_first_token_seconds histogram',
        `sglang:time_to_first_token_seconds_sum{model_name="q"} ${ttftSum}`,
        `sglang:time_to_first_token_seconds_bucket{le="0.5",model_name="q"} ${ttftCount}`,
        `sglang:time_to_first_token_seconds_bucket{le="+Inf",model_name="q"} ${ttftCount}`,
        `sglang:time_to_first_token_seconds_count{model_name="q"} ${ttftCount}`,
      ].join('\n');
    const acc = new ServerTelemetryAccumulator();
    acc.addScrape(0, body(3, 0, 0.28, 8.128902e6, 10, 1));
    acc.addScrape(1, body(9, 2, 0.5, 8.130902e6, 14, 2.2));
    const r = acc.result();
    expect(r.engine).toBe('sglang');
    expect(r.series[1]).toEqual({ tSec: 1, running: 9, waiting: 2, kvUsagePct: 50 });
    expect(r.deltas.promptTokens).toBe(2000);
    expect(r.histograms.ttft).toMatchObject({
      metric: 'sglang:time_to_first_token_seconds',
      count: 4,
      meanMs: 300,
    });
  });

  it('maps TGI queue gauges, token-length histogram sums and queue duration', () => {
    const body = (queue: number, batch: number, inputSum: number, n: number, queueSum: number) =>
      [
        '# TYPE tgi_queue_size gauge',
        `tgi_queue_size ${queue}`,
        '# TYPE tgi_batch_current_size gauge',
        `tgi_batch_current_size ${batch}`,
        '# TYPE tgi_request_input_length histogram',
        `tgi_request_input_length_bucket{le="1000"} ${n}`,
        `tgi_request_input_length_bucket{le="+Inf"} ${n}`,
        `tgi_request_input_length_sum ${inputSum}`,
        `tgi_request_input_length_count ${n}`,
        '# TYPE tgi_request_queue_duration histogram',
        `tgi_request_queue_duration_bucket{le="0.1"} ${n}`,
        `tgi_request_queue_duration_bucket{le="+Inf"} ${n}`,
        `tgi_request_queue_duration_sum ${queueSum}`,
        `tgi_request_queue_duration_count ${n}`,
      ].join('\n');
    const acc = new ServerTelemetryAccumulator();
    acc.addScrape(0, body(0, 1, 500, 2, 0.02));
    acc.addScrape(1, body(5, 4, 2500, 6, 0.1));
    const r = acc.result();
    expect(r.engine).toBe('tgi');
    expect(r.series[1]).toEqual({ tSec: 1, running: 4, waiting: 5 });
    expect(r.deltas.promptTokens).toBe(2000);
    expect(r.histograms.queue!.meanMs).toBeCloseTo(20, 9);
    // no prefill histogram: shares are of queue + prefill = queue alone
    expect(r.ttftSplit).toMatchObject({ shareBasis: 'queue-plus-prefill', queueSharePct: 100 });
  });
});

describe('computeTtftSplit', () => {
  const summary = (count: number, meanMs: number) => ({
    metric: 'x',
    count,
    sumSec: (count * meanMs) / 1000,
    meanMs,
    buckets: [],
  });

  it.each([
    {
      name: 'queue-dominated, against server TTFT',
      input: { queue: summary(10, 300), prefill: summary(10, 50), ttft: summary(10, 400) },
      expected: { queueSharePct: 75, prefillSharePct: 12.5, otherSharePct: 12.5, shareBasis: 'server-ttft' },
    },
    {
      name: 'no TTFT histogram: relative to queue + prefill',
      input: { queue: summary(10, 20), prefill: summary(10, 80) },
      expected: {
        queueSharePct: 20,
        prefillSharePct: 80,
        otherSharePct: 0,
        shareBasis: 'queue-plus-prefill',
      },
    },
    {
      name: 'parts exceed TTFT (different request sets): other floored at 0',
      input: { queue: summary(10, 60), prefill: summary(10, 60), ttft: summary(10, 100) },
      expected: { queueSharePct: 60, prefillSharePct: 60, otherSharePct: 0 },
    },
  ])('$name', ({ input, expected }) => {
    expect(computeTtftSplit(input)).toMatchObject(expected);
  });

  it('is undefined when neither queue nor prefill saw a request', () => {
    expect(computeTtftSplit({ queue: summary(0, 0), ttft: summary(3, 100) })).toBeUndefined();
  });
});
