/**
 * Which server metric answers which question, per server family. The first candidate present in a
 * scrape wins, so a newer name is listed before the older one it replaced.
 *
 * vLLM names are the primary ones (METRICS.md); SGLang and TGI names are mapped from their docs
 * and sources as far as known, and are NOT verified against live servers here. The README lists
 * this table in prose.
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
  | 'prefixCacheHitTokens';

/** A counter comes from a counter sample, or from a histogram's `_sum` (TGI token lengths). */
export type CounterSource =
  { engine: ServerEngine; counter: string } | { engine: ServerEngine; histogramSum: string };

/** Gauge names; `kvUsage` gauges are fractions 0..1 in every family listed. */
export const GAUGE_NAMES: Record<GaugeRole, readonly { engine: ServerEngine; name: string }[]> = {
  running: [
    { engine: 'vllm', name: 'vllm:num_requests_running' },
    { engine: 'sglang', name: 'sglang:num_running_reqs' },
    { engine: 'tgi', name: 'tgi_batch_current_size' },
  ],
  waiting: [
    { engine: 'vllm', name: 'vllm:num_requests_waiting' },
    { engine: 'sglang', name: 'sglang:num_queue_reqs' },
    { engine: 'tgi', name: 'tgi_queue_size' },
  ],
  kvUsage: [
    { engine: 'vllm', name: 'vllm:kv_cache_usage_perc' },
    // vLLM V0 name, replaced by kv_cache_usage_perc
    { engine: 'vllm', name: 'vllm:gpu_cache_usage_perc' },
    // fraction of SGLang's KV token pool in use
    { engine: 'sglang', name: 'sglang:token_usage' },
  ],
};

/** Counter sources; names are the exposed sample names (with `_total`). */
export const COUNTER_SOURCES: Record<CounterRole, readonly CounterSource[]> = {
  promptTokens: [
    { engine: 'vllm', counter: 'vllm:prompt_tokens_total' },
    { engine: 'sglang', counter: 'sglang:prompt_tokens_total' },
    { engine: 'tgi', histogramSum: 'tgi_request_input_length' },
  ],
  generationTokens: [
    { engine: 'vllm', counter: 'vllm:generation_tokens_total' },
    { engine: 'sglang', counter: 'sglang:generation_tokens_total' },
    { engine: 'tgi', histogramSum: 'tgi_request_generated_tokens' },
  ],
  preemptions: [{ engine: 'vllm', counter: 'vllm:num_preemptions_total' }],
  requestsSucceeded: [
    { engine: 'vllm', counter: 'vllm:request_success_total' },
    // SGLang counts every finished request here, not only successful ones
    { engine: 'sglang', counter: 'sglang:num_requests_total' },
    { engine: 'tgi', counter: 'tgi_request_success' },
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
};

/** Histogram base names (without `_bucket`/`_sum`/`_count`), all in seconds. */
export const HISTOGRAM_NAMES: Record<ServerHistogramRole, readonly { engine: ServerEngine; name: string }[]> =
  {
    ttft: [
      { engine: 'vllm', name: 'vllm:time_to_first_token_seconds' },
      { engine: 'sglang', name: 'sglang:time_to_first_token_seconds' },
    ],
    queue: [
      { engine: 'vllm', name: 'vllm:request_queue_time_seconds' },
      { engine: 'sglang', name: 'sglang:queue_time_seconds' },
      { engine: 'tgi', name: 'tgi_request_queue_duration' },
    ],
    prefill: [{ engine: 'vllm', name: 'vllm:request_prefill_time_seconds' }],
    decode: [{ engine: 'vllm', name: 'vllm:request_decode_time_seconds' }],
    e2e: [
      { engine: 'vllm', name: 'vllm:e2e_request_latency_seconds' },
      { engine: 'sglang', name: 'sglang:e2e_request_latency_seconds' },
      { engine: 'tgi', name: 'tgi_request_duration' },
    ],
    tpot: [
      // per-request TPOT in newer vLLM; the older name below observed the same figure per request
      { engine: 'vllm', name: 'vllm:request_time_per_output_token_seconds' },
      { engine: 'vllm', name: 'vllm:time_per_output_token_seconds' },
      { engine: 'sglang', name: 'sglang:time_per_output_token_seconds' },
      { engine: 'tgi', name: 'tgi_request_mean_time_per_token_duration' },
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
];

/** Guesses the server family from the metric names present. */
export function detectEngine(sampleNames: Iterable<string>): ServerEngine {
  let engine: ServerEngine = 'unknown';
  for (const n of sampleNames) {
    if (n.startsWith('vllm:')) return 'vllm';
    if (n.startsWith('sglang:')) engine = 'sglang';
    else if (n.startsWith('tgi_') && engine === 'unknown') engine = 'tgi';
  }
  return engine;
}
