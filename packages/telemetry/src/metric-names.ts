/**
 * Which server metric answers which question, per server family. The first candidate present in a
 * scrape wins, so a newer name is listed before the older one it replaced.
 *
 * vLLM names are the primary ones (METRICS.md) and are checked against the simulator. The others
 * come from each engine's docs and sources (named in the README table and in `engines.spec.ts`)
 * and are NOT verified against live servers here. The README lists this table in prose.
 */
import type { ServerEngine, ServerHistogramRole } from '@inferbench/contracts';

/** Gauge roles sampled every scrape. */
export type GaugeRole = 'running' | 'waiting' | 'kvUsage';
/** Counter roles reported as increases over the load point. */
export type CounterRole =
  | 'promptTokens'
  | 'generationTokens'
  | 'preemptions'
  | 'requestsSucceeded'
  | 'prefixCacheQueryTokens'
  | 'prefixCacheHitTokens'
  | 'promptSeconds'
  | 'generationSeconds'
  | 'decodeCalls'
  | 'busySlotSteps';

/**
 * Label conditions on a source. `labels`: every listed label must have that value (Triton's
 * `request_type="waiting"`). `sameModelAs`: keep only label sets whose `model` label is one of the
 * `model` values of that metric, when it is present (Triton serves an ensemble, pre- and
 * post-processing models next to the TensorRT-LLM one; only the TensorRT-LLM model is wanted).
 */
export interface LabelCondition {
  labels?: Readonly<Record<string, string>>;
  sameModelAs?: string;
}

/** A gauge: a sample, or the ratio of two label-selected sums of one metric (Triton KV blocks used / max). */
export type GaugeSource = { engine: ServerEngine; name: string } & LabelCondition & {
    ratioOf?: { numerator: Readonly<Record<string, string>>; denominator: Readonly<Record<string, string>> };
  };

/**
 * A counter comes from a counter sample (optionally scaled into our unit), a histogram's `_sum`
 * (TGI token lengths), or the product of two samples with the same labels (llama.cpp exposes a
 * running mean of busy slots per decode call; mean × calls is the cumulative total).
 */
export type CounterSource =
  | ({ engine: ServerEngine; counter: string; scale?: number } & LabelCondition)
  | { engine: ServerEngine; histogramSum: string }
  | { engine: ServerEngine; product: readonly [string, string] };

/** A histogram; `unit: 'ms'` when its bounds and sum are milliseconds (converted to seconds). */
export type HistogramSource = { engine: ServerEngine; name: string; unit?: 'ms' } & LabelCondition;

/** Gauge names; `kvUsage` gauges are fractions 0..1 in every family listed. */
export const GAUGE_NAMES: Record<GaugeRole, readonly GaugeSource[]> = {
  running: [
    { engine: 'vllm', name: 'vllm:num_requests_running' },
    { engine: 'sglang', name: 'sglang:num_running_reqs' },
    { engine: 'tgi', name: 'tgi_batch_current_size' },
    // slots busy with a request
    { engine: 'llamacpp', name: 'llamacpp:requests_processing' },
    // requests the in-flight batcher holds (context + generation phase)
    {
      engine: 'trtllm',
      name: 'nv_trt_llm_request_metrics',
      labels: { request_type: 'active' },
    },
    { engine: 'trtllm', name: 'trtllm_num_requests_running' },
  ],
  waiting: [
    { engine: 'vllm', name: 'vllm:num_requests_waiting' },
    { engine: 'sglang', name: 'sglang:num_queue_reqs' },
    { engine: 'tgi', name: 'tgi_queue_size' },
    // requests deferred because every slot is busy: llama.cpp's queue
    { engine: 'llamacpp', name: 'llamacpp:requests_deferred' },
    {
      engine: 'trtllm',
      name: 'nv_trt_llm_request_metrics',
      labels: { request_type: 'waiting' },
    },
    { engine: 'trtllm', name: 'trtllm_num_requests_waiting' },
  ],
  kvUsage: [
    { engine: 'vllm', name: 'vllm:kv_cache_usage_perc' },
    // vLLM V0 name, replaced by kv_cache_usage_perc
    { engine: 'vllm', name: 'vllm:gpu_cache_usage_perc' },
    // fraction of SGLang's KV token pool in use
    { engine: 'sglang', name: 'sglang:token_usage' },
    // 1 means 100 % (older llama-server builds; newer ones dropped the gauge)
    { engine: 'llamacpp', name: 'llamacpp:kv_cache_usage_ratio' },
    {
      engine: 'trtllm',
      name: 'nv_trt_llm_kv_cache_block_metrics',
      labels: { kv_cache_block_type: 'fraction' },
    },
    // backends older than the `fraction` label: used blocks / max blocks
    {
      engine: 'trtllm',
      name: 'nv_trt_llm_kv_cache_block_metrics',
      ratioOf: { numerator: { kv_cache_block_type: 'used' }, denominator: { kv_cache_block_type: 'max' } },
    },
    { engine: 'trtllm', name: 'trtllm_kv_cache_utilization' },
  ],
};

/** Counter sources; names are the exposed sample names (with `_total` where the engine adds it). */
export const COUNTER_SOURCES: Record<CounterRole, readonly CounterSource[]> = {
  promptTokens: [
    { engine: 'vllm', counter: 'vllm:prompt_tokens_total' },
    { engine: 'sglang', counter: 'sglang:prompt_tokens_total' },
    { engine: 'tgi', histogramSum: 'tgi_request_input_length' },
    { engine: 'llamacpp', counter: 'llamacpp:prompt_tokens_total' },
  ],
  generationTokens: [
    { engine: 'vllm', counter: 'vllm:generation_tokens_total' },
    { engine: 'sglang', counter: 'sglang:generation_tokens_total' },
    { engine: 'tgi', histogramSum: 'tgi_request_generated_tokens' },
    { engine: 'llamacpp', counter: 'llamacpp:tokens_predicted_total' },
  ],
  preemptions: [
    { engine: 'vllm', counter: 'vllm:num_preemptions_total' },
    // SGLang retracts (preempts) running requests when the KV pool runs out
    { engine: 'sglang', counter: 'sglang:num_retracted_requests_total' },
  ],
  requestsSucceeded: [
    { engine: 'vllm', counter: 'vllm:request_success_total' },
    // SGLang counts every finished request here, not only successful ones
    { engine: 'sglang', counter: 'sglang:num_requests_total' },
    { engine: 'tgi', counter: 'tgi_request_success' },
    { engine: 'trtllm', counter: 'nv_inference_request_success', sameModelAs: 'nv_trt_llm_request_metrics' },
    { engine: 'trtllm', counter: 'trtllm_request_success_total' },
  ],
  prefixCacheQueryTokens: [
    { engine: 'vllm', counter: 'vllm:prefix_cache_queries_total' },
    { engine: 'vllm', counter: 'vllm:gpu_prefix_cache_queries_total' },
  ],
  prefixCacheHitTokens: [
    { engine: 'vllm', counter: 'vllm:prefix_cache_hits_total' },
    { engine: 'vllm', counter: 'vllm:gpu_prefix_cache_hits_total' },
    { engine: 'sglang', counter: 'sglang:cached_tokens_total' },
  ],
  promptSeconds: [{ engine: 'llamacpp', counter: 'llamacpp:prompt_seconds_total' }],
  generationSeconds: [{ engine: 'llamacpp', counter: 'llamacpp:tokens_predicted_seconds_total' }],
  decodeCalls: [{ engine: 'llamacpp', counter: 'llamacpp:n_decode_total' }],
  busySlotSteps: [
    { engine: 'llamacpp', product: ['llamacpp:n_busy_slots_per_decode', 'llamacpp:n_decode_total'] },
  ],
};

/** Histogram base names (without `_bucket`/`_sum`/`_count`), in seconds unless `unit` says otherwise. */
export const HISTOGRAM_NAMES: Record<ServerHistogramRole, readonly HistogramSource[]> = {
  ttft: [
    { engine: 'vllm', name: 'vllm:time_to_first_token_seconds' },
    { engine: 'sglang', name: 'sglang:time_to_first_token_seconds' },
    { engine: 'trtllm', name: 'trtllm_time_to_first_token_seconds' },
    // Triton, only with --metrics-config histogram_latencies=true: time to the first response
    // (first streamed chunk) of the TensorRT-LLM model
    {
      engine: 'trtllm',
      name: 'nv_inference_first_response_histogram_ms',
      unit: 'ms',
      sameModelAs: 'nv_trt_llm_request_metrics',
    },
  ],
  queue: [
    { engine: 'vllm', name: 'vllm:request_queue_time_seconds' },
    { engine: 'sglang', name: 'sglang:queue_time_seconds' },
    { engine: 'tgi', name: 'tgi_request_queue_duration' },
    { engine: 'trtllm', name: 'trtllm_request_queue_time_seconds' },
  ],
  prefill: [{ engine: 'vllm', name: 'vllm:request_prefill_time_seconds' }],
  decode: [{ engine: 'vllm', name: 'vllm:request_decode_time_seconds' }],
  e2e: [
    { engine: 'vllm', name: 'vllm:e2e_request_latency_seconds' },
    { engine: 'sglang', name: 'sglang:e2e_request_latency_seconds' },
    { engine: 'tgi', name: 'tgi_request_duration' },
    { engine: 'trtllm', name: 'trtllm_e2e_request_latency_seconds' },
  ],
  tpot: [
    // per-request TPOT in newer vLLM; the older name below observed the same figure per request
    { engine: 'vllm', name: 'vllm:request_time_per_output_token_seconds' },
    { engine: 'vllm', name: 'vllm:time_per_output_token_seconds' },
    { engine: 'sglang', name: 'sglang:time_per_output_token_seconds' },
    { engine: 'tgi', name: 'tgi_request_mean_time_per_token_duration' },
    { engine: 'trtllm', name: 'trtllm_time_per_output_token_seconds' },
  ],
  itl: [
    { engine: 'vllm', name: 'vllm:inter_token_latency_seconds' },
    { engine: 'sglang', name: 'sglang:inter_token_latency_seconds' },
  ],
};

/** Gauges worth keeping in the series besides running/waiting/KV, when present. */
export const DEFAULT_EXTRA_GAUGES: readonly string[] = [
  'vllm:num_requests_swapped',
  'vllm:cpu_cache_usage_perc',
  'sglang:cache_hit_rate',
  'sglang:gen_throughput',
  'tgi_batch_current_max_tokens',
  'llamacpp:kv_cache_tokens',
];

/** Metric-name prefixes per engine, most specific first (vLLM wins over anything it re-exports). */
const ENGINE_PREFIXES: readonly [ServerEngine, readonly string[]][] = [
  ['vllm', ['vllm:']],
  ['sglang', ['sglang:']],
  ['llamacpp', ['llamacpp:']],
  ['trtllm', ['nv_trt_llm_', 'trtllm_']],
  ['tgi', ['tgi_']],
];

/** Guesses the server family from the metric names present (`unknown` when none is recognised). */
export function detectEngine(sampleNames: Iterable<string>): ServerEngine {
  let best = ENGINE_PREFIXES.length;
  for (const n of sampleNames) {
    for (let i = 0; i < best; i++) {
      if (ENGINE_PREFIXES[i]![1].some((p) => n.startsWith(p))) {
        best = i;
        break;
      }
    }
    if (best === 0) break;
  }
  return best < ENGINE_PREFIXES.length ? ENGINE_PREFIXES[best]![0] : 'unknown';
}

/** How each engine is called in messages. */
export const ENGINE_LABELS: Record<ServerEngine, string> = {
  vllm: 'vLLM',
  sglang: 'SGLang',
  tgi: 'TGI',
  llamacpp: 'llama.cpp',
  trtllm: 'TensorRT-LLM',
  unknown: 'this server',
};
