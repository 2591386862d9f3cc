import type { SourceTool } from './types.js';

/** One rule of the import mapping: a peer figure and the METRICS.md figure it is stored under. */
export interface MappingRow {
  tool: SourceTool;
  /** the peer's key (as in its file) */
  peer: string;
  /** our field: `latency.<figure>`, `scalars.<name>`, `tokens.<input|output>`, `requests.<…>` */
  ours: string;
  relation: 'same' | 'approx';
  note: string;
}

/**
 * The mapping every importer applies (README "Mapping" table; a test checks the README lists each row
 * and that importers store each peer figure under exactly this name).
 */
export const MAPPING_TABLE: MappingRow[] = [
  { tool: 'vllm', peer: '*_ttft_ms', ours: 'latency.ttftMs', relation: 'same', note: '' },
  { tool: 'vllm', peer: '*_tpot_ms', ours: 'latency.tpotMs', relation: 'same', note: 'vLLM TPOT = our TPOT' },
  {
    tool: 'vllm',
    peer: '*_itl_ms',
    ours: 'latency.itlMs',
    relation: 'same',
    note: 'vLLM ITL = our ITL (chunk gaps, pooled)',
  },
  {
    tool: 'vllm',
    peer: '*_e2el_ms',
    ours: 'latency.e2eMs',
    relation: 'approx',
    note: 'ends at last chunk, ours at end of stream',
  },
  { tool: 'vllm', peer: 'request_throughput', ours: 'scalars.requestThroughput', relation: 'same', note: '' },
  {
    tool: 'vllm',
    peer: 'output_throughput',
    ours: 'scalars.outputTokenThroughput',
    relation: 'approx',
    note: 'client re-tokenized counts',
  },
  {
    tool: 'vllm',
    peer: 'total_token_throughput',
    ours: 'scalars.totalTokenThroughput',
    relation: 'approx',
    note: 'client re-tokenized counts',
  },
  {
    tool: 'vllm',
    peer: 'request_goodput',
    ours: 'scalars.goodput',
    relation: 'approx',
    note: 'SLOs on ttft/tpot/e2el only',
  },
  {
    tool: 'vllm',
    peer: 'total_output_tokens',
    ours: 'tokens.output',
    relation: 'approx',
    note: 'client re-tokenized: can exceed the server count (flagged)',
  },
  {
    tool: 'vllm',
    peer: 'duration',
    ours: 'scalars.durationSec',
    relation: 'approx',
    note: 'benchmark wall time',
  },
  { tool: 'guidellm', peer: 'time_to_first_token_ms', ours: 'latency.ttftMs', relation: 'same', note: '' },
  {
    tool: 'guidellm',
    peer: 'time_to_first_output_token_ms',
    ours: 'latency.ttftContentMs',
    relation: 'same',
    note: '',
  },
  {
    tool: 'guidellm',
    peer: 'inter_token_latency_ms',
    ours: 'latency.tpotMs',
    relation: 'approx',
    note: 'GuideLLM "ITL" = our TPOT; token-weighted distribution',
  },
  {
    tool: 'guidellm',
    peer: 'time_per_output_token_ms',
    ours: 'latency.ntpotMs',
    relation: 'approx',
    note: 'GuideLLM "TPOT" = our NTPOT (newer reports only); token-weighted',
  },
  {
    tool: 'guidellm',
    peer: 'request_latency',
    ours: 'latency.e2eMs',
    relation: 'same',
    note: 'seconds → ms',
  },
  {
    tool: 'guidellm',
    peer: 'requests_per_second',
    ours: 'scalars.requestThroughput',
    relation: 'approx',
    note: 'time-weighted mean over the window',
  },
  {
    tool: 'guidellm',
    peer: 'output_tokens_per_second',
    ours: 'scalars.outputTokenThroughput',
    relation: 'approx',
    note: 'time-weighted mean',
  },
  {
    tool: 'guidellm',
    peer: 'tokens_per_second',
    ours: 'scalars.totalTokenThroughput',
    relation: 'approx',
    note: 'time-weighted mean',
  },
  {
    tool: 'guidellm',
    peer: 'request_concurrency',
    ours: 'scalars.achievedConcurrency',
    relation: 'approx',
    note: 'time-averaged in flight',
  },
  { tool: 'aiperf', peer: 'time_to_first_token', ours: 'latency.ttftMs', relation: 'same', note: '' },
  { tool: 'aiperf', peer: 'time_to_second_token', ours: 'latency.ttstMs', relation: 'same', note: '' },
  {
    tool: 'aiperf',
    peer: 'time_to_first_output_token',
    ours: 'latency.ttftContentMs',
    relation: 'same',
    note: '',
  },
  { tool: 'aiperf', peer: 'request_latency', ours: 'latency.e2eMs', relation: 'same', note: '' },
  {
    tool: 'aiperf',
    peer: 'inter_token_latency',
    ours: 'latency.tpotMs',
    relation: 'same',
    note: 'AIPerf "ITL" = our TPOT',
  },
  {
    tool: 'aiperf',
    peer: 'inter_chunk_latency',
    ours: 'latency.itlMs',
    relation: 'same',
    note: 'AIPerf inter-chunk latency = our ITL',
  },
  {
    tool: 'aiperf',
    peer: 'output_token_throughput_per_user',
    ours: 'latency.decodeTokensPerSec',
    relation: 'same',
    note: '',
  },
  {
    tool: 'aiperf',
    peer: 'request_throughput',
    ours: 'scalars.requestThroughput',
    relation: 'same',
    note: '',
  },
  {
    tool: 'aiperf',
    peer: 'output_token_throughput',
    ours: 'scalars.outputTokenThroughput',
    relation: 'same',
    note: '',
  },
  { tool: 'aiperf', peer: 'goodput', ours: 'scalars.goodput', relation: 'same', note: '' },
  { tool: 'aiperf', peer: 'benchmark_duration', ours: 'scalars.durationSec', relation: 'approx', note: '' },
  {
    tool: 'inference-perf',
    peer: 'time_to_first_token',
    ours: 'latency.ttftMs',
    relation: 'same',
    note: 'seconds → ms',
  },
  {
    tool: 'inference-perf',
    peer: 'request_latency',
    ours: 'latency.e2eMs',
    relation: 'same',
    note: 'seconds → ms',
  },
  {
    tool: 'inference-perf',
    peer: 'normalized_time_per_output_token',
    ours: 'latency.ntpotMs',
    relation: 'same',
    note: 'seconds → ms',
  },
  {
    tool: 'inference-perf',
    peer: 'time_per_output_token',
    ours: 'latency.tpotMs',
    relation: 'approx',
    note: 'ends at last token',
  },
  {
    tool: 'inference-perf',
    peer: 'inter_token_latency',
    ours: 'latency.itlMs',
    relation: 'approx',
    note: 'per token (0 inside a chunk), ours per chunk',
  },
  {
    tool: 'inference-perf',
    peer: 'schedule_delay',
    ours: 'latency.scheduleDelayMs',
    relation: 'same',
    note: '',
  },
  {
    tool: 'inference-perf',
    peer: 'requests_per_sec',
    ours: 'scalars.requestThroughput',
    relation: 'same',
    note: '',
  },
  {
    tool: 'inference-perf',
    peer: 'output_tokens_per_sec',
    ours: 'scalars.outputTokenThroughput',
    relation: 'same',
    note: '',
  },
  {
    tool: 'inference-perf',
    peer: 'total_tokens_per_sec',
    ours: 'scalars.totalTokenThroughput',
    relation: 'same',
    note: '',
  },
  {
    tool: 'inference-perf',
    peer: 'benchmark_time_seconds',
    ours: 'scalars.durationSec',
    relation: 'same',
    note: '',
  },
  { tool: 'k6', peer: 'ib_ttft', ours: 'latency.ttftMs', relation: 'same', note: 'our exported script' },
  { tool: 'k6', peer: 'ib_tpot', ours: 'latency.tpotMs', relation: 'same', note: 'our exported script' },
  { tool: 'k6', peer: 'ib_itl', ours: 'latency.itlMs', relation: 'same', note: 'our exported script' },
  { tool: 'k6', peer: 'ib_e2e', ours: 'latency.e2eMs', relation: 'same', note: 'our exported script' },
  {
    tool: 'k6',
    peer: 'ib_requests_ok.rate',
    ours: 'scalars.requestThroughput',
    relation: 'approx',
    note: 'rate over the whole test run',
  },
  {
    tool: 'k6',
    peer: 'ib_output_tokens.rate',
    ours: 'scalars.outputTokenThroughput',
    relation: 'approx',
    note: 'rate over the whole test run',
  },
];
