/**
 * Every engine's /metrics mapped onto the same telemetry fields as vLLM.
 *
 * No live llama.cpp, SGLang, TGI or Triton server runs here, so each fixture below is metrics text
 * written by hand in the engine's documented format, from the source named above it. The numbers
 * are invented; the names, types, labels and number formatting are the engine's.
 */
import { ServerTelemetrySchema, type ServerTelemetry } from '@inferbench/contracts';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineFromModels, isTgiInfo, probeEngine } from './engine-probe.js';
import { detectEngine } from './metric-names.js';
import { createMetricsScraper } from './scraper.js';
import { ServerTelemetryAccumulator } from './server-telemetry.js';

const run = (bodies: string[], opts: ConstructorParameters<typeof ServerTelemetryAccumulator>[0] = {}) => {
  const acc = new ServerTelemetryAccumulator(opts);
  bodies.forEach((b, i) => expect(acc.addScrape(i, b)).toBe(true));
  const r = acc.result();
  // what crosses the wire must survive JSON and the contract
  expect(ServerTelemetrySchema.parse(JSON.parse(JSON.stringify(r)))).toEqual(r);
  return r;
};

const missingOf = (r: ServerTelemetry): Record<string, string> =>
  Object.fromEntries((r.missing ?? []).map((m) => [m.figure, m.reason]));

/**
 * llama.cpp server, written from ggml-org/llama.cpp `tools/server/server.cpp` (handle_metrics: one
 * `# HELP`, `# TYPE`, value triple per metric, all prefixed `llamacpp:`, no labels; the counters
 * block also holds `n_busy_slots_per_decode`, a running mean) and `tools/server/README.md`
 * ("GET /metrics": kv_cache_usage_ratio, kv_cache_tokens, requests_processing, requests_deferred
 * are gauges). Values go through a C++ ostream, i.e. `%g` with 6 significant digits.
 */
function cppNumber(x: number): string {
  if (x === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(6)))));
  const strip = (s: string) => s.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  if (exp < -4 || exp >= 6) {
    const m = strip((x / 10 ** exp).toPrecision(6));
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return strip(x.toPrecision(6));
}

interface LlamaState {
  promptTokens: number;
  promptSeconds: number;
  predicted: number;
  predictedSeconds: number;
  decodes: number;
  /** Σ busy slots over all decode calls; the server exposes it as the mean per call */
  busySlotsTotal: number;
  processing: number;
  deferred: number;
  /** absent in newer builds */
  kv?: { ratio: number; tokens: number };
}

function llamaMetrics(s: LlamaState): string {
  const counters: [string, string, number][] = [
    ['prompt_tokens_total', 'Number of prompt tokens processed.', s.promptTokens],
    ['prompt_seconds_total', 'Prompt process time', s.promptSeconds],
    ['tokens_predicted_total', 'Number of generation tokens processed.', s.predicted],
    ['tokens_predicted_seconds_total', 'Predict process time', s.predictedSeconds],
    ['n_decode_total', 'Total number of llama_decode() calls', s.decodes],
    [
      'n_busy_slots_per_decode',
      'Average number of busy slots per llama_decode() call',
      s.busySlotsTotal / Math.max(s.decodes, 1),
    ],
  ];
  const gauges: [string, string, number][] = [
    ['prompt_tokens_seconds', 'Average prompt throughput in tokens/s.', 812.5],
    ['predicted_tokens_seconds', 'Average generation throughput in tokens/s.', 41.2],
    ...(s.kv
      ? ([
          ['kv_cache_usage_ratio', 'KV-cache usage. 1 means 100 percent usage.', s.kv.ratio],
          ['kv_cache_tokens', 'KV-cache tokens.', s.kv.tokens],
        ] as [string, string, number][])
      : []),
    ['requests_processing', 'Number of requests processing.', s.processing],
    ['requests_deferred', 'Number of requests deferred.', s.deferred],
  ];
  const out: string[] = [];
  for (const [type, list] of [
    ['counter', counters],
    ['gauge', gauges],
  ] as const) {
    for (const [name, help, value] of list)
      out.push(
        `# HELP llamacpp:${name} ${help}`,
        `# TYPE llamacpp:${name} ${type}`,
        `llamacpp:${name} ${cppNumber(value)}`,
      );
  }
  return `${out.join('\n')}\n`;
}

const LLAMA: LlamaState[] = [
  {
    promptTokens: 1000,
    promptSeconds: 2,
    predicted: 5000,
    predictedSeconds: 100,
    decodes: 4000,
    busySlotsTotal: 6000,
    processing: 0,
    deferred: 0,
    kv: { ratio: 0.1, tokens: 410 },
  },
  {
    promptTokens: 3000,
    promptSeconds: 4,
    predicted: 7000,
    predictedSeconds: 150,
    decodes: 5000,
    busySlotsTotal: 9500,
    processing: 4,
    deferred: 3,
    kv: { ratio: 0.6, tokens: 2458 },
  },
  {
    promptTokens: 4000,
    promptSeconds: 5,
    predicted: 9000,
    predictedSeconds: 190,
    decodes: 6000,
    busySlotsTotal: 13500,
    processing: 4,
    deferred: 1,
    kv: { ratio: 0.75, tokens: 3072 },
  },
];

describe('llama.cpp (llamacpp: names)', () => {
  it('formats numbers like the C++ server does', () => {
    expect([1234567, 0.1, 2.25, 1.5e-5, 150].map(cppNumber)).toEqual([
      '1.23457e+06',
      '0.1',
      '2.25',
      '1.5e-05',
      '150',
    ]);
  });

  const r = run(LLAMA.map(llamaMetrics));

  it('is detected from its metric names and fills the vLLM fields', () => {
    expect(r).toMatchObject({ available: true, engine: 'llamacpp', engineDetectedBy: 'metric-names' });
    // requests_processing → running, requests_deferred → waiting, kv_cache_usage_ratio → percent
    expect(
      r.series.map(({ tSec, running, waiting, kvUsagePct }) => ({ tSec, running, waiting, kvUsagePct })),
    ).toEqual([
      { tSec: 0, running: 0, waiting: 0, kvUsagePct: 10 },
      { tSec: 1, running: 4, waiting: 3, kvUsagePct: 60 },
      { tSec: 2, running: 4, waiting: 1, kvUsagePct: 75 },
    ]);
    expect(r.series[2]!.extra).toEqual({ 'llamacpp:kv_cache_tokens': 3072 });
    expect(r.gaugeStats).toMatchObject({ waitingMax: 3, runningMax: 4, kvUsagePctMax: 75 });
  });

  it('turns the cumulative counters into increases over the point', () => {
    expect(r.deltas).toEqual({
      promptTokens: 3000,
      generationTokens: 4000,
      promptSeconds: 3,
      generationSeconds: 90,
      decodeCalls: 2000,
      // (9500 − 6000) + (13500 − 9500), rebuilt from the running mean × calls
      busySlotSteps: 7500,
    });
  });

  it('derives prefill vs decode speed, the prefill share and busy slots per decode', () => {
    expect(r.derived).toEqual({
      prefillTokensPerSec: 1000,
      decodeTokensPerSec: 44.444,
      prefillTimeSharePct: 3.226,
      busySlotsPerDecode: 3.75,
    });
  });

  it('says which figures llama.cpp cannot give, and why', () => {
    const m = missingOf(r);
    expect(m['TTFT queue/prefill split']).toBe(
      'llama.cpp exposes no per-request queue time (only cumulative prompt-processing seconds; see prefill speed)',
    );
    expect(m['server TTFT']).toMatch(/no latency histograms/);
    expect(m.preemptions).toMatch(/no preemption counter/);
    // what it does give is not listed as missing
    expect(m['KV-cache use']).toBeUndefined();
    expect(m['waiting requests']).toBeUndefined();
    expect(m['prompt/generation token counts']).toBeUndefined();
  });

  it('reports the KV gauge as missing on newer builds that dropped it', () => {
    const newer = run(LLAMA.map((s) => llamaMetrics({ ...s, kv: undefined })));
    expect(newer.gaugeStats.kvUsagePctMax).toBeUndefined();
    expect(missingOf(newer)['KV-cache use']).toMatch(/no llamacpp:kv_cache_usage_ratio/);
  });

  it('does not mistake 6-digit rounding of the busy-slot mean for a restart, but sees a real one', () => {
    // a long-running server: 1.23457e+06 decode calls either way, while one more decode with one
    // busy slot moves the mean from 2.3456655 (printed 2.34567) to 2.3456644 (printed 2.34566)
    const big = { ...LLAMA[0]!, decodes: 1_234_567, busySlotsTotal: 1_234_567 * 2.3456655 };
    const later = { ...big, decodes: 1_234_568, busySlotsTotal: big.busySlotsTotal + 1 };
    expect(llamaMetrics(big)).toContain('llamacpp:n_busy_slots_per_decode 2.34567\n');
    expect(llamaMetrics(later)).toContain('llamacpp:n_busy_slots_per_decode 2.34566\n');
    const r2 = run([llamaMetrics(big), llamaMetrics(later)]);
    expect(r2.counterResets).toBe(0);
    expect(r2.deltas.busySlotSteps).toBe(0);
    // a restart: calls go down too, so the whole new total counts
    const restarted = { ...LLAMA[0]!, decodes: 10, busySlotsTotal: 20 };
    const r3 = run([llamaMetrics(LLAMA[2]!), llamaMetrics(restarted)]);
    expect(r3.deltas.decodeCalls).toBe(10);
    expect(r3.deltas.busySlotSteps).toBe(20);
    expect(r3.derived!.busySlotsPerDecode).toBe(2);
  });
});

/**
 * SGLang, written from sgl-project/sglang `docs/references/production_metrics.md` (example
 * `curl /metrics` output: `sglang:` prefix, `model_name` label, floats like `8.128902e+06`) and
 * `python/sglang/srt/metrics/collector.py` (num_running_reqs, num_queue_reqs, token_usage gauges;
 * num_retracted_requests_total, cached_tokens_total, num_requests_total counters; queue_time_seconds
 * histogram with buckets 0, 0.1, 0.2, 0.5, 1, ...).
 */
function sglangMetrics(i: 0 | 1): string {
  const m = 'model_name="meta-llama/Llama-3.1-8B-Instruct"';
  const v = <T>(a: T, b: T): T => (i === 0 ? a : b);
  const hist = (name: string, help: string, bounds: number[], cum: number[], sum: number) => [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} histogram`,
    `${name}_sum{${m}} ${sum}`,
    ...bounds.map((le, k) => `${name}_bucket{le="${le}",${m}} ${cum[k]}`),
    `${name}_bucket{le="+Inf",${m}} ${cum.at(-1)}`,
    `${name}_count{${m}} ${cum.at(-1)}`,
  ];
  return [
    '# HELP sglang:prompt_tokens_total Number of prefill tokens processed.',
    '# TYPE sglang:prompt_tokens_total counter',
    `sglang:prompt_tokens_total{${m}} ${v('8.128902e+06', '8.132902e+06')}`,
    '# HELP sglang:generation_tokens_total Number of generation tokens processed.',
    '# TYPE sglang:generation_tokens_total counter',
    `sglang:generation_tokens_total{${m}} ${v('7.557572e+06', '7.559572e+06')}`,
    '# HELP sglang:token_usage The token usage',
    '# TYPE sglang:token_usage gauge',
    `sglang:token_usage{${m}} ${v(0.28, 0.97)}`,
    '# HELP sglang:cache_hit_rate The cache hit rate',
    '# TYPE sglang:cache_hit_rate gauge',
    `sglang:cache_hit_rate{${m}} 0.007507552643049313`,
    '# HELP sglang:num_running_reqs The number of running requests.',
    '# TYPE sglang:num_running_reqs gauge',
    `sglang:num_running_reqs{${m}} ${v(2, 30)}`,
    '# HELP sglang:num_queue_reqs The number of requests in the waiting queue.',
    '# TYPE sglang:num_queue_reqs gauge',
    `sglang:num_queue_reqs{${m}} ${v(0, 12)}`,
    '# HELP sglang:num_retracted_requests_total Total number of retracted requests.',
    '# TYPE sglang:num_retracted_requests_total counter',
    `sglang:num_retracted_requests_total{${m}} ${v(5, 9)}`,
    '# HELP sglang:cached_tokens_total Number of cached prompt tokens.',
    '# TYPE sglang:cached_tokens_total counter',
    `sglang:cached_tokens_total{${m}} ${v(1000, 1800)}`,
    '# HELP sglang:num_requests_total Number of requests processed.',
    '# TYPE sglang:num_requests_total counter',
    `sglang:num_requests_total{${m}} ${v(100, 110)}`,
    ...hist(
      'sglang:time_to_first_token_seconds',
      'Histogram of time to first token in seconds.',
      [0.1, 0.5, 1, 2],
      v([50, 90, 100, 100], [50, 92, 106, 110]),
      v(30, 40),
    ),
    ...hist(
      'sglang:queue_time_seconds',
      'Histogram of queueing time in seconds.',
      [0, 0.1, 0.2, 0.5, 1],
      v([80, 95, 100, 100, 100], [80, 95, 101, 107, 110]),
      v(2, 8),
    ),
    '',
  ].join('\n');
}

describe('SGLang (sglang: names)', () => {
  const r = run([sglangMetrics(0), sglangMetrics(1)], { model: 'meta-llama/Llama-3.1-8B-Instruct' });

  it('maps gauges, counters (retractions as preemptions) and histograms', () => {
    expect(r).toMatchObject({ engine: 'sglang', engineDetectedBy: 'metric-names' });
    expect(r.series[1]).toMatchObject({ running: 30, waiting: 12, kvUsagePct: 97 });
    expect(r.deltas).toEqual({
      promptTokens: 4000,
      generationTokens: 2000,
      preemptions: 4,
      prefixCacheHitTokens: 800,
      requestsSucceeded: 10,
    });
    // 10 TTFTs summing 10 s, 10 queue times summing 6 s: queue is 60 % of server TTFT
    expect(r.ttftSplit).toMatchObject({
      serverTtftMsMean: 1000,
      queueMsMean: 600,
      queueSharePct: 60,
      shareBasis: 'server-ttft',
    });
    expect(r.ttftSplit!.prefillMsMean).toBeUndefined();
  });

  it('says the prefill part of the split is missing', () => {
    const m = missingOf(r);
    expect(m['TTFT queue/prefill split']).toMatch(/SGLang .* no per-request prefill time/);
    expect(m['KV-cache use']).toBeUndefined();
    expect(m.preemptions).toBeUndefined();
  });
});

/**
 * TGI, written from the text-generation-inference docs "Reference > Metrics" table (tgi_queue_size,
 * tgi_batch_current_size, tgi_batch_current_max_tokens gauges; tgi_request_success counter;
 * tgi_request_queue_duration, tgi_request_duration, tgi_request_input_length,
 * tgi_request_generated_tokens histograms; no labels on these).
 */
function tgiMetrics(i: 0 | 1): string {
  const v = <T>(a: T, b: T): T => (i === 0 ? a : b);
  const hist = (name: string, bounds: number[], cum: number[], sum: number) => [
    `# TYPE ${name} histogram`,
    ...bounds.map((le, k) => `${name}_bucket{le="${le}"} ${cum[k]}`),
    `${name}_bucket{le="+Inf"} ${cum.at(-1)}`,
    `${name}_sum ${sum}`,
    `${name}_count ${cum.at(-1)}`,
  ];
  return [
    '# TYPE tgi_queue_size gauge',
    `tgi_queue_size ${v(0, 6)}`,
    '# TYPE tgi_batch_current_size gauge',
    `tgi_batch_current_size ${v(1, 16)}`,
    '# TYPE tgi_batch_current_max_tokens gauge',
    `tgi_batch_current_max_tokens ${v(600, 9000)}`,
    '# TYPE tgi_request_success counter',
    `tgi_request_success ${v(20, 28)}`,
    ...hist('tgi_request_queue_duration', [0.01, 0.1, 1], v([15, 20, 20], [15, 22, 28]), v(0.5, 3.3)),
    ...hist('tgi_request_duration', [1, 5, 10], v([5, 20, 20], [5, 24, 28]), v(60, 100)),
    ...hist('tgi_request_input_length', [100, 1000], v([10, 20], [10, 28]), v(4000, 8000)),
    ...hist('tgi_request_generated_tokens', [100, 1000], v([20, 20], [28, 28]), v(1000, 1800)),
    '',
  ].join('\n');
}

describe('TGI (tgi_ names)', () => {
  const r = run([tgiMetrics(0), tgiMetrics(1)]);

  it('maps queue and batch gauges, success counter, token sums and latency histograms', () => {
    expect(r.engine).toBe('tgi');
    expect(r.series[1]).toEqual({
      tSec: 1,
      running: 16,
      waiting: 6,
      extra: { tgi_batch_current_max_tokens: 9000 },
    });
    expect(r.deltas).toEqual({ promptTokens: 4000, generationTokens: 800, requestsSucceeded: 8 });
    expect(r.histograms.queue).toMatchObject({ metric: 'tgi_request_queue_duration', count: 8, meanMs: 350 });
    expect(r.histograms.e2e).toMatchObject({ metric: 'tgi_request_duration', count: 8, meanMs: 5000 });
  });

  it('lists TTFT, KV use, preemptions and prefix cache as missing with TGI reasons', () => {
    const m = missingOf(r);
    expect(m['server TTFT']).toBe('TGI exposes no time-to-first-token histogram');
    expect(m['KV-cache use']).toMatch(/^TGI exposes no KV-cache usage gauge/);
    expect(m.preemptions).toBe('TGI exposes no preemption counter');
    expect(m['prefix-cache hits']).toBe('TGI exposes no prefix-cache counters');
    expect(m['TTFT queue/prefill split']).toMatch(
      /^TGI exposes per-request queue time but no time to first token/,
    );
  });
});

/**
 * Triton with the TensorRT-LLM backend, written from triton-inference-server/tensorrtllm_backend
 * README "Triton Metrics" (nv_trt_llm_request_metrics{request_type=...},
 * nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=...}, gauges; base Triton counters
 * nv_inference_request_success etc. per `model`) and Triton `docs/user_guide/metrics.md`
 * (nv_inference_first_response_histogram_ms, milliseconds, with --metrics-config
 * histogram_latencies=true). An ensemble serves the TensorRT-LLM model, so Triton also counts the
 * ensemble and the pre/post-processing models.
 */
function tritonMetrics(i: 0 | 1, opts: { fraction: boolean; firstResponse: boolean }): string {
  const v = <T>(a: T, b: T): T => (i === 0 ? a : b);
  const core = 'model="tensorrt_llm",version="1"';
  const lines = [
    '# HELP nv_trt_llm_request_metrics TRT LLM request metrics',
    '# TYPE nv_trt_llm_request_metrics gauge',
    `nv_trt_llm_request_metrics{${core.replace(',', ',request_type="waiting",')}} ${v(0, 5)}`,
    `nv_trt_llm_request_metrics{${core.replace(',', ',request_type="context",')}} ${v(0, 2)}`,
    `nv_trt_llm_request_metrics{${core.replace(',', ',request_type="scheduled",')}} ${v(1, 8)}`,
    `nv_trt_llm_request_metrics{${core.replace(',', ',request_type="max",')}} 512`,
    `nv_trt_llm_request_metrics{${core.replace(',', ',request_type="active",')}} ${v(1, 8)}`,
    '# HELP nv_trt_llm_kv_cache_block_metrics TRT LLM KV cache block metrics',
    '# TYPE nv_trt_llm_kv_cache_block_metrics gauge',
    ...(opts.fraction
      ? [`nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="fraction",${core}} ${v(0.05, 0.4875)}`]
      : []),
    `nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="tokens_per",${core}} 64`,
    `nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="used",${core}} ${v(312, 3042)}`,
    `nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="free",${core}} ${v(5928, 3198)}`,
    `nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="max",${core}} 6240`,
    '# HELP nv_inference_request_success Number of successful inference requests, all batch sizes',
    '# TYPE nv_inference_request_success counter',
    ...['ensemble', 'preprocessing', 'tensorrt_llm', 'postprocessing'].map(
      (model) => `nv_inference_request_success{model="${model}",version="1"} ${v(100, 130)}`,
    ),
    '# HELP nv_inference_pending_request_count Instantaneous number of pending requests awaiting execution per-model.',
    '# TYPE nv_inference_pending_request_count gauge',
    `nv_inference_pending_request_count{${core}} 0`,
  ];
  if (opts.firstResponse) {
    lines.push(
      '# HELP nv_inference_first_response_histogram_ms Duration from request to first response in milliseconds',
      '# TYPE nv_inference_first_response_histogram_ms histogram',
      ...['ensemble', 'tensorrt_llm'].flatMap((model) => [
        `nv_inference_first_response_histogram_ms_count{model="${model}",version="1"} ${v(100, 130)}`,
        `nv_inference_first_response_histogram_ms_sum{model="${model}",version="1"} ${v(10000, 16000)}`,
        `nv_inference_first_response_histogram_ms_bucket{model="${model}",version="1",le="100"} ${v(60, 70)}`,
        `nv_inference_first_response_histogram_ms_bucket{model="${model}",version="1",le="500"} ${v(100, 130)}`,
        `nv_inference_first_response_histogram_ms_bucket{model="${model}",version="1",le="+Inf"} ${v(100, 130)}`,
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('TensorRT-LLM under Triton (nv_trt_llm_*, nv_inference_*)', () => {
  it('maps batcher gauges, counts only the TensorRT-LLM model and reads the ms TTFT histogram', () => {
    const o = { fraction: true, firstResponse: true };
    const r = run([tritonMetrics(0, o), tritonMetrics(1, o)], { model: 'ensemble' });
    expect(r).toMatchObject({ engine: 'trtllm', engineDetectedBy: 'metric-names' });
    expect(r.series[1]).toEqual({ tSec: 1, running: 8, waiting: 5, kvUsagePct: 48.75 });
    // 30 more requests, not 4 × 30 (ensemble + pre/post-processing also count them)
    expect(r.deltas).toEqual({ requestsSucceeded: 30 });
    // 30 first responses summing 6000 ms, only the tensorrt_llm model's
    expect(r.histograms.ttft).toMatchObject({
      metric: 'nv_inference_first_response_histogram_ms',
      count: 30,
      meanMs: 200,
      buckets: [
        { leSec: 0.1, count: 10 },
        { leSec: 0.5, count: 30 },
      ],
    });
    const m = missingOf(r);
    expect(m['prompt/generation token counts']).toMatch(/no cumulative prompt\/generation token counters/);
    expect(m['TTFT queue/prefill split']).toMatch(/in-flight batcher/);
    expect(m['server TTFT']).toBeUndefined();
  });

  it('falls back to used/max blocks without the fraction label, and says how to get TTFT', () => {
    const o = { fraction: false, firstResponse: false };
    const r = run([tritonMetrics(0, o), tritonMetrics(1, o)]);
    expect(r.series.map((p) => p.kvUsagePct)).toEqual([5, 48.75]);
    expect(missingOf(r)['server TTFT']).toMatch(/histogram_latencies=true/);
  });

  /** trtllm-serve / Dynamo names, from the NVIDIA Dynamo docs "TensorRT-LLM Prometheus Metrics". */
  it('maps the trtllm_ histograms of trtllm-serve', () => {
    const body = (n: number, ttft: number, queue: number) =>
      [
        '# TYPE trtllm_request_success_total counter',
        `trtllm_request_success_total{model_name="Qwen/Qwen3-0.6B",engine_type="trtllm",finished_reason="stop"} ${n}`,
        '# TYPE trtllm_time_to_first_token_seconds histogram',
        `trtllm_time_to_first_token_seconds_bucket{le="0.05",model_name="Qwen/Qwen3-0.6B",engine_type="trtllm"} ${n}`,
        `trtllm_time_to_first_token_seconds_bucket{le="+Inf",model_name="Qwen/Qwen3-0.6B",engine_type="trtllm"} ${n}`,
        `trtllm_time_to_first_token_seconds_count{model_name="Qwen/Qwen3-0.6B",engine_type="trtllm"} ${n}`,
        `trtllm_time_to_first_token_seconds_sum{model_name="Qwen/Qwen3-0.6B",engine_type="trtllm"} ${ttft}`,
        '# TYPE trtllm_request_queue_time_seconds histogram',
        `trtllm_request_queue_time_seconds_bucket{le="1.0",model_name="Qwen/Qwen3-0.6B",engine_type="trtllm"} ${n}`,
        `trtllm_request_queue_time_seconds_bucket{le="+Inf",model_name="Qwen/Qwen3-0.6B",engine_type="trtllm"} ${n}`,
        `trtllm_request_queue_time_seconds_count{model_name="Qwen/Qwen3-0.6B",engine_type="trtllm"} ${n}`,
        `trtllm_request_queue_time_seconds_sum{model_name="Qwen/Qwen3-0.6B",engine_type="trtllm"} ${queue}`,
        '',
      ].join('\n');
    const r = run([body(150, 8.75, 3), body(160, 9.25, 3.1)], { model: 'Qwen/Qwen3-0.6B' });
    expect(r.engine).toBe('trtllm');
    expect(r.deltas.requestsSucceeded).toBe(10);
    expect(r.ttftSplit).toMatchObject({ serverTtftMsMean: 50, queueMsMean: 10, queueSharePct: 20 });
  });
});

describe('engine detection', () => {
  it.each([
    [['vllm:num_requests_running', 'tgi_queue_size'], 'vllm'],
    [['llamacpp:n_decode_total'], 'llamacpp'],
    [['nv_inference_count', 'nv_trt_llm_request_metrics'], 'trtllm'],
    [['trtllm_request_success_total'], 'trtllm'],
    [['tgi_queue_size', 'sglang:num_queue_reqs'], 'sglang'],
    [['process_cpu_seconds_total', 'nv_inference_count'], 'unknown'],
  ] as const)('%j → %s', (names, engine) => {
    expect(detectEngine(names)).toBe(engine);
  });

  it('reads owned_by from /v1/models and the router from TGI /info', () => {
    expect(
      engineFromModels({ object: 'list', data: [{ id: 'm', object: 'model', owned_by: 'llamacpp' }] }),
    ).toBe('llamacpp');
    expect(engineFromModels({ data: [{ id: 'm', owned_by: 'vllm' }] })).toBe('vllm');
    expect(engineFromModels({ data: [{ id: 'm', owned_by: 'sglang' }] })).toBe('sglang');
    expect(engineFromModels({ data: [{ id: 'm', owned_by: 'openai' }] })).toBeUndefined();
    expect(engineFromModels('not json')).toBeUndefined();
    expect(
      isTgiInfo({
        model_id: 'mistralai/Ministral-8B-Instruct-2410',
        router: 'text-generation-router',
        version: '3.2.1',
      }),
    ).toBe(true);
    expect(isTgiInfo({ router: 'something-else' })).toBe(false);
  });

  it('unknown metric names are one missing entry, not a list of guesses', () => {
    const r = run(['# TYPE my_requests gauge\nmy_requests 3\n']);
    expect(r.engine).toBe('unknown');
    expect(r.missing).toEqual([
      { figure: 'server figures', reason: expect.stringMatching(/not recognised/) },
    ]);
  });
});

describe('probing a real server', () => {
  /** /v1/models answers `owned_by`, /info answers like TGI, /metrics is off (llama-server without --metrics) */
  let server: http.Server;
  let base: string;
  let ownedBy = 'llamacpp';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ object: 'list', data: [{ id: 'm.gguf', object: 'model', owned_by: ownedBy }] }),
        );
      } else if (req.url === '/info') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ model_id: 'm', router: 'text-generation-router', version: '3.2.1' }));
      } else {
        res.writeHead(501, { 'content-type': 'application/json' });
        res.end('{"error":{"code":501,"message":"This server does not support metrics endpoint."}}');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('finds the engine from /v1/models, with or without /v1 in the base URL, else from /info', async () => {
    ownedBy = 'llamacpp';
    expect(await probeEngine({ baseUrl: `${base}/v1` })).toEqual({ engine: 'llamacpp', source: 'v1-models' });
    expect(await probeEngine({ baseUrl: `${base}/` })).toEqual({ engine: 'llamacpp', source: 'v1-models' });
    ownedBy = 'text-generation-inference';
    expect(await probeEngine({ baseUrl: `${base}/v1` })).toEqual({ engine: 'tgi', source: 'tgi-info' });
    expect(await probeEngine({ baseUrl: 'http://127.0.0.1:1/v1', timeoutMs: 500 })).toBeUndefined();
  });

  it('names the engine even when /metrics is off, next to the reason', async () => {
    ownedBy = 'llamacpp';
    const scraper = createMetricsScraper({
      url: `${base}/metrics`,
      intervalMs: 50,
      engineProbe: { baseUrl: `${base}/v1` },
    });
    scraper.start();
    const r = await scraper.stop();
    expect(r).toMatchObject({
      available: false,
      engine: 'llamacpp',
      engineDetectedBy: 'v1-models',
      lastError: 'HTTP 501',
    });
    expect(r.missing).toBeUndefined();
  });
});
