import { z } from 'zod';

/**
 * Server and GPU telemetry collected by an agent next to the inference server while a load point
 * runs (METRICS.md "server side" and "GPU"). Produced by `@inferbench/telemetry`.
 * Infinity never appears in these objects (JSON has no Infinity): histogram buckets list finite
 * upper bounds only, and the +Inf bucket is `count`.
 */

/**
 * Which server family the telemetry came from: from the metric names (`vllm:`, `sglang:`, `tgi_`,
 * `llamacpp:`, `nv_trt_llm_`/`trtllm_`), else from the server's `/v1/models` (`owned_by`) or TGI's `/info`.
 */
export const ServerEngineSchema = z.enum(['vllm', 'sglang', 'tgi', 'llamacpp', 'trtllm', 'unknown']);
export type ServerEngine = z.infer<typeof ServerEngineSchema>;

/** One cumulative histogram bucket: observations ≤ `leSec`. */
export const HistogramBucketSchema = z.object({
  leSec: z.number(),
  count: z.number().min(0),
});
export type HistogramBucket = z.infer<typeof HistogramBucketSchema>;

/**
 * A server histogram's increase over the load point (bucket-wise deltas of the cumulative counts).
 * Percentiles are approximate: linear interpolation inside the bucket that holds the rank
 * (the Prometheus `histogram_quantile` method); `undefined` when the histogram saw no observation.
 */
export const HistogramSummarySchema = z.object({
  /** the metric name the data came from, e.g. `vllm:request_queue_time_seconds` */
  metric: z.string(),
  count: z.number().min(0),
  sumSec: z.number(),
  meanMs: z.number().optional(),
  p50Ms: z.number().optional(),
  p90Ms: z.number().optional(),
  p99Ms: z.number().optional(),
  /** true when a reported percentile fell in the +Inf bucket and was clamped to the last finite bound */
  clamped: z.boolean().optional(),
  /** cumulative counts per finite upper bound; the +Inf bucket is `count` */
  buckets: z.array(HistogramBucketSchema),
});
export type HistogramSummary = z.infer<typeof HistogramSummarySchema>;

/** One scrape's gauges. `tSec` is seconds since the scraper started (ms precision). */
export const ServerGaugePointSchema = z.object({
  tSec: z.number().min(0),
  running: z.number().optional(),
  waiting: z.number().optional(),
  /** KV-cache usage in percent 0..100 (vLLM's `*_perc` gauges are fractions 0..1; converted) */
  kvUsagePct: z.number().optional(),
  /** other gauges of interest, by metric name (summed over label sets) */
  extra: z.record(z.string(), z.number()).optional(),
});
export type ServerGaugePoint = z.infer<typeof ServerGaugePointSchema>;

/** Mean and max of each gauge over the scrapes of the load point. */
export const ServerGaugeStatsSchema = z.object({
  runningMean: z.number().optional(),
  runningMax: z.number().optional(),
  waitingMean: z.number().optional(),
  waitingMax: z.number().optional(),
  kvUsagePctMean: z.number().optional(),
  kvUsagePctMax: z.number().optional(),
});
export type ServerGaugeStats = z.infer<typeof ServerGaugeStatsSchema>;

/** Counter increases over the load point (reset-tolerant, summed over label sets). */
export const ServerCounterDeltasSchema = z.object({
  promptTokens: z.number().optional(),
  generationTokens: z.number().optional(),
  preemptions: z.number().optional(),
  requestsSucceeded: z.number().optional(),
  prefixCacheQueryTokens: z.number().optional(),
  prefixCacheHitTokens: z.number().optional(),
  /** seconds spent processing prompts, summed over requests (llama.cpp `prompt_seconds_total`) */
  promptSeconds: z.number().optional(),
  /** seconds spent generating, summed over requests (llama.cpp `tokens_predicted_seconds_total`) */
  generationSeconds: z.number().optional(),
  /** decode (batch) calls of the engine (llama.cpp `n_decode_total`) */
  decodeCalls: z.number().optional(),
  /** busy slots summed over those decode calls (llama.cpp: running mean × calls) */
  busySlotSteps: z.number().optional(),
});
export type ServerCounterDeltas = z.infer<typeof ServerCounterDeltasSchema>;

/**
 * Server-side TTFT split into queueing and prefill (means from histogram sum/count deltas).
 * Shares are of the server's mean TTFT when it exposes a TTFT histogram, else of queue + prefill;
 * `otherSharePct` is the remainder (tokenization, detokenization, scheduling gaps), floored at 0.
 */
export const TtftSplitSchema = z.object({
  queueMsMean: z.number().optional(),
  prefillMsMean: z.number().optional(),
  serverTtftMsMean: z.number().optional(),
  decodeMsMean: z.number().optional(),
  queueSharePct: z.number().optional(),
  prefillSharePct: z.number().optional(),
  otherSharePct: z.number().optional(),
  /** what the shares are relative to */
  shareBasis: z.enum(['server-ttft', 'queue-plus-prefill']).optional(),
  queueMsP50: z.number().optional(),
  queueMsP90: z.number().optional(),
  queueMsP99: z.number().optional(),
  prefillMsP50: z.number().optional(),
  prefillMsP90: z.number().optional(),
  prefillMsP99: z.number().optional(),
  serverTtftMsP50: z.number().optional(),
  serverTtftMsP90: z.number().optional(),
  serverTtftMsP99: z.number().optional(),
});
export type TtftSplit = z.infer<typeof TtftSplitSchema>;

/** Logical histograms the scraper knows, by role (metric names per engine in the telemetry README). */
export const SERVER_HISTOGRAM_ROLES = ['ttft', 'queue', 'prefill', 'decode', 'e2e', 'tpot', 'itl'] as const;
export type ServerHistogramRole = (typeof SERVER_HISTOGRAM_ROLES)[number];

/**
 * Figures computed from counter increases where an engine has no histogram for them (llama.cpp).
 * Speeds are per request: llama.cpp sums each slot's own processing time, so with N busy slots the
 * server's aggregate rate is about N times these.
 */
export const ServerDerivedSchema = z.object({
  /** prompt tokens / prompt-processing seconds (token-weighted mean prefill speed of a request) */
  prefillTokensPerSec: z.number().optional(),
  /** generated tokens / generation seconds (token-weighted mean decode speed of a request) */
  decodeTokensPerSec: z.number().optional(),
  /** prompt seconds / (prompt + generation seconds), in percent */
  prefillTimeSharePct: z.number().optional(),
  /** mean number of busy slots (requests batched together) per decode call within the point */
  busySlotsPerDecode: z.number().optional(),
});
export type ServerDerived = z.infer<typeof ServerDerivedSchema>;

/** A figure the server panel cannot show for this engine, and why. */
export const ServerMissingFigureSchema = z.object({
  /** e.g. `TTFT queue/prefill split` */
  figure: z.string(),
  /** e.g. `llama.cpp exposes no per-request queue time` */
  reason: z.string(),
});
export type ServerMissingFigure = z.infer<typeof ServerMissingFigureSchema>;

/** What the target's Prometheus endpoint said during one load point. */
export const ServerTelemetrySchema = z.object({
  /** false when no scrape succeeded (endpoint missing, failing, or not Prometheus text) */
  available: z.boolean(),
  reason: z.string().optional(),
  engine: ServerEngineSchema,
  url: z.string().optional(),
  scrapes: z.number().int().min(0),
  scrapeErrors: z.number().int().min(0),
  lastError: z.string().optional(),
  /** counter/histogram series that went down between two scrapes (server restart) */
  counterResets: z.number().int().min(0),
  /** seconds between the first and the last successful scrape */
  windowSec: z.number().min(0),
  series: z.array(ServerGaugePointSchema),
  gaugeStats: ServerGaugeStatsSchema,
  deltas: ServerCounterDeltasSchema,
  histograms: z.partialRecord(z.enum(SERVER_HISTOGRAM_ROLES), HistogramSummarySchema),
  ttftSplit: TtftSplitSchema.optional(),
  /** how `engine` was found: the metric names, the server's `/v1/models` (`owned_by`), or TGI's `/info` */
  engineDetectedBy: z.enum(['metric-names', 'v1-models', 'tgi-info']).optional(),
  derived: ServerDerivedSchema.optional(),
  /** figures this engine does not expose (or this scrape lacked), each with the reason */
  missing: z.array(ServerMissingFigureSchema).optional(),
});
export type ServerTelemetry = z.infer<typeof ServerTelemetrySchema>;

/** One GPU sample. Fields the driver reports as `[N/A]` / `[Not Supported]` are absent. */
export const GpuSamplePointSchema = z.object({
  tSec: z.number().min(0),
  utilPct: z.number().optional(),
  memUsedMb: z.number().optional(),
  powerW: z.number().optional(),
  smClockMhz: z.number().optional(),
  temperatureC: z.number().optional(),
});
export type GpuSamplePoint = z.infer<typeof GpuSamplePointSchema>;

/** One GPU's series and per-point figures. */
export const GpuSeriesSchema = z.object({
  index: z.number().int().min(0),
  uuid: z.string().optional(),
  name: z.string(),
  memTotalMb: z.number().optional(),
  series: z.array(GpuSamplePointSchema),
  utilPctMean: z.number().optional(),
  memUsedMbMax: z.number().optional(),
  powerWMean: z.number().optional(),
  /** joules over the window (trapezoid over powerW, or the DCGM energy counter delta) */
  energyJ: z.number().optional(),
});
export type GpuSeries = z.infer<typeof GpuSeriesSchema>;

/** What the GPUs said during one load point. */
export const GpuTelemetrySchema = z.object({
  available: z.boolean(),
  /** why not available, e.g. `nvidia-smi not found` */
  reason: z.string().optional(),
  source: z.enum(['nvidia-smi', 'dcgm']).optional(),
  samples: z.number().int().min(0),
  sampleErrors: z.number().int().min(0),
  gpus: z.array(GpuSeriesSchema),
  /** total over all GPUs, joules; 0 when no power reading was available */
  energyJ: z.number().min(0),
  /** how energyJ was obtained */
  energyMethod: z.enum(['trapezoid', 'dcgm-counter', 'none']),
  /** energyJ / output tokens of the load point, when given */
  energyPerOutputTokenJ: z.number().optional(),
});
export type GpuTelemetry = z.infer<typeof GpuTelemetrySchema>;

/** Kinds of bottleneck the sweep analysis can point to. */
export const BottleneckKindSchema = z.enum([
  'queue-bound',
  'prefill-bound',
  'decode-bound',
  'kv-capacity-bound',
  'knee',
]);
export type BottleneckKind = z.infer<typeof BottleneckKindSchema>;

/** A plain-language hint about where a sweep's limit is, with the numbers behind it. */
export const BottleneckHintSchema = z.object({
  kind: BottleneckKindSchema,
  /** the variant (label) the hint is about, when several are compared */
  variant: z.string().optional(),
  /** load level at which the hint applies (first level where it shows), when it is level-specific */
  level: z.number().optional(),
  message: z.string(),
  /** the figures behind the message, by name with units in the name */
  evidence: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
});
export type BottleneckHint = z.infer<typeof BottleneckHintSchema>;
