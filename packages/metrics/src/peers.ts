import type { LoadPointSummary } from '@inferbench/contracts';

/** The peer tools whose names we map to. */
export const PEER_TOOLS = ['vllm', 'sglang', 'aiperf', 'guidellm', 'inferencePerf', 'llmperf'] as const;
export type PeerTool = (typeof PEER_TOOLS)[number];

/** A peer's name for one of our figures; `note` says where the definitions differ in detail. */
export interface PeerName {
  name: string;
  note?: string;
}

/** One of our figures, its definition, and what each peer calls it (null: the peer has no equivalent figure). */
export interface PeerEquivalent {
  formula: string;
  unit: string;
  peers: Record<PeerTool, PeerName | null>;
}

/** Figures that have a peer mapping: summary latency keys plus the load-point scalars. */
export type PeerFigure =
  | 'ttftMs'
  | 'ttftContentMs'
  | 'ttstMs'
  | 'tpotMs'
  | 'ntpotMs'
  | 'tpotAllTokensMs'
  | 'itlMs'
  | 'e2eMs'
  | 'scheduleDelayMs'
  | 'clientQueueMs'
  | 'decodeTokensPerSec'
  | 'requestTokensPerSec'
  | 'requestThroughput'
  | 'outputTokenThroughput'
  | 'totalTokenThroughput'
  | 'goodput'
  | 'achievedConcurrency'
  | 'tokensPerChunk';

const none: Record<PeerTool, null> = {
  vllm: null,
  sglang: null,
  aiperf: null,
  guidellm: null,
  inferencePerf: null,
  llmperf: null,
};

/**
 * What vLLM `bench serve`, SGLang `bench_serving`, AIPerf, GuideLLM, inference-perf and llmperf call
 * each of our figures (METRICS.md). A peer listed under a figure computes the same quantity from
 * the same timestamps (up to the notes); where a peer uses the same word for a different quantity
 * the mapping follows the quantity, not the word: GuideLLM's "time_per_output_token" is our NTPOT
 * and AIPerf's/GuideLLM's "inter_token_latency" is our TPOT.
 */
export const PEER_EQUIVALENTS: Record<PeerFigure, PeerEquivalent> = {
  ttftMs: {
    formula: 'first output chunk − sentAt',
    unit: 'ms',
    peers: {
      vllm: { name: 'TTFT (ttft_ms)' },
      sglang: { name: 'TTFT' },
      aiperf: { name: 'time_to_first_token' },
      guidellm: { name: 'time_to_first_token_ms' },
      inferencePerf: { name: 'time_to_first_token' },
      llmperf: { name: 'ttft_s', note: 'seconds' },
    },
  },
  ttftContentMs: {
    formula: 'first non-reasoning content chunk − sentAt',
    unit: 'ms',
    peers: {
      ...none,
      aiperf: { name: 'time_to_first_output_token', note: 'TTFO: first non-reasoning output token' },
    },
  },
  ttstMs: {
    formula: 'second output chunk − sentAt',
    unit: 'ms',
    peers: { ...none, aiperf: { name: 'time_to_second_token' } },
  },
  tpotMs: {
    formula: '(E2E − TTFT) / (outputTokens − 1), outputTokens ≥ 2',
    unit: 'ms',
    peers: {
      vllm: { name: 'TPOT (tpot_ms)' },
      sglang: { name: 'TPOT' },
      aiperf: { name: 'inter_token_latency', note: 'AIPerf calls TPOT "ITL"' },
      guidellm: { name: 'inter_token_latency_ms', note: 'GuideLLM calls TPOT "ITL"' },
      inferencePerf: { name: 'time_per_output_token' },
      llmperf: null,
    },
  },
  ntpotMs: {
    formula: 'E2E / outputTokens',
    unit: 'ms',
    peers: {
      ...none,
      guidellm: { name: 'time_per_output_token_ms', note: 'GuideLLM "TPOT" includes TTFT' },
      inferencePerf: { name: 'normalized_time_per_output_token' },
      llmperf: {
        name: 'inter_token_latency_s',
        note: 'sum of per-chunk times including TTFT ÷ output tokens ≈ E2E/out; seconds; tokens counted with one Llama tokenizer for every model',
      },
    },
  },
  tpotAllTokensMs: {
    formula: '(E2E − TTFT) / outputTokens (article variant, not TPOT)',
    unit: 'ms',
    peers: { ...none },
  },
  itlMs: {
    formula: 'gaps between consecutive output chunks, pooled over requests',
    unit: 'ms',
    peers: {
      vllm: { name: 'ITL (itl_ms)' },
      sglang: { name: 'ITL' },
      aiperf: { name: 'inter_chunk_latency' },
      guidellm: null,
      inferencePerf: { name: 'inter_token_latency' },
      llmperf: null,
    },
  },
  e2eMs: {
    formula: 'endAt − sentAt',
    unit: 'ms',
    peers: {
      vllm: { name: 'E2EL (e2el_ms)' },
      sglang: { name: 'E2E Latency' },
      aiperf: { name: 'request_latency' },
      guidellm: { name: 'request_latency', note: 'seconds' },
      inferencePerf: { name: 'request_latency' },
      llmperf: { name: 'end_to_end_latency_s', note: 'seconds' },
    },
  },
  scheduleDelayMs: { formula: 'sentAt − scheduledAt', unit: 'ms', peers: { ...none } },
  clientQueueMs: { formula: 'time waiting for a concurrency slot', unit: 'ms', peers: { ...none } },
  decodeTokensPerSec: {
    formula: '(outputTokens − 1) / (E2E − TTFT)',
    unit: 'tokens/s',
    peers: {
      ...none,
      aiperf: { name: 'output_token_throughput_per_user', note: '1 / AIPerf inter_token_latency' },
    },
  },
  requestTokensPerSec: {
    formula: 'outputTokens / E2E',
    unit: 'tokens/s',
    peers: { ...none, llmperf: { name: 'request_output_throughput_token_per_s' } },
  },
  requestThroughput: {
    formula: 'successful requests / D',
    unit: 'requests/s',
    peers: {
      vllm: { name: 'request_throughput' },
      sglang: { name: 'Request throughput (req/s)' },
      aiperf: { name: 'request_throughput' },
      guidellm: { name: 'requests_per_second' },
      inferencePerf: { name: 'requests_per_sec' },
      llmperf: { name: 'results_num_completed_requests_per_min', note: 'per minute' },
    },
  },
  outputTokenThroughput: {
    formula: 'Σ outputTokens / D',
    unit: 'tokens/s',
    peers: {
      vllm: { name: 'output_throughput' },
      sglang: { name: 'Output token throughput (tok/s)' },
      aiperf: { name: 'output_token_throughput' },
      guidellm: { name: 'output_tokens_per_second' },
      inferencePerf: { name: 'output_tokens_per_sec' },
      llmperf: { name: 'results_mean_output_throughput_token_per_s' },
    },
  },
  totalTokenThroughput: {
    formula: 'Σ (inputTokens + outputTokens) / D',
    unit: 'tokens/s',
    peers: {
      ...none,
      vllm: { name: 'total_token_throughput' },
      sglang: { name: 'Total throughput (tok/s)' },
      inferencePerf: { name: 'total_tokens_per_sec' },
    },
  },
  goodput: {
    formula: 'successful requests meeting every set SLO / D',
    unit: 'requests/s',
    peers: {
      ...none,
      vllm: { name: 'request_goodput', note: 'vLLM SLOs cover ttft, tpot and e2el only (--goodput)' },
      aiperf: { name: 'goodput' },
    },
  },
  achievedConcurrency: {
    formula: 'Σ E2E / D',
    unit: 'requests',
    peers: {
      ...none,
      sglang: { name: 'Concurrency', note: 'Σ E2E / duration' },
      guidellm: { name: 'request_concurrency', note: 'time-averaged requests in flight' },
    },
  },
  tokensPerChunk: {
    formula: 'Σ outputTokens / Σ output chunks (successful requests)',
    unit: 'tokens',
    peers: { ...none },
  },
};

/** A summary with, for every figure present in it, the peers' names. */
export type AnnotatedSummary = LoadPointSummary & { peerNames: Partial<Record<PeerFigure, PeerEquivalent>> };

/**
 * Annotate a summary for export: adds `peerNames` with the {@link PEER_EQUIVALENTS} entry of every
 * latency figure present in the summary and of the load-point scalars (goodput only when set).
 * The summary itself is copied, not changed.
 */
export function annotateSummary(summary: LoadPointSummary): AnnotatedSummary {
  const peerNames: Partial<Record<PeerFigure, PeerEquivalent>> = {};
  for (const key of Object.keys(summary.latency)) {
    if (key in PEER_EQUIVALENTS) peerNames[key as PeerFigure] = PEER_EQUIVALENTS[key as PeerFigure];
  }
  const scalars: PeerFigure[] = [
    'requestThroughput',
    'outputTokenThroughput',
    'totalTokenThroughput',
    'achievedConcurrency',
    'tokensPerChunk',
  ];
  if (summary.goodput !== undefined) scalars.push('goodput');
  for (const k of scalars) peerNames[k] = PEER_EQUIVALENTS[k];
  return { ...summary, peerNames };
}
