import { z } from 'zod';

/** Distribution statistics of one figure, in the unit named by the field that holds it (ms unless stated). */
export const StatsSchema = z.object({
  count: z.number().int().min(0),
  mean: z.number(),
  std: z.number(),
  min: z.number(),
  p50: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
  p999: z.number(),
  max: z.number(),
});
export type Stats = z.infer<typeof StatsSchema>;

/** The latency figures of METRICS.md, each in milliseconds. */
export const LATENCY_FIGURES = [
  'ttftMs',
  'ttftContentMs',
  'ttstMs',
  'tpotMs',
  'ntpotMs',
  'itlMs',
  'e2eMs',
  'scheduleDelayMs',
  'clientQueueMs',
] as const;
export type LatencyFigure = (typeof LATENCY_FIGURES)[number];

/** One second of a load point: what happened in [t, t+1s) relative to the point's start. */
export const TimeSeriesPointSchema = z.object({
  tSec: z.number().int().min(0),
  completed: z.number().int().min(0),
  errors: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  inFlight: z.number().int().min(0).optional(),
  ttftP50Ms: z.number().optional(),
  ttftP99Ms: z.number().optional(),
  itlP50Ms: z.number().optional(),
  itlP99Ms: z.number().optional(),
});
export type TimeSeriesPoint = z.infer<typeof TimeSeriesPointSchema>;

/** Per-load-point summary (METRICS.md "Per load point"). Measured window excludes warm-up and cancelled tails. */
export const LoadPointSummarySchema = z.object({
  requests: z.object({
    total: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
    /** cancelled tails, counted but excluded from the window */
    cancelled: z.number().int(),
    warmup: z.number().int(),
  }),
  /** D = last endUs − first sentUs in the window, seconds */
  durationSec: z.number(),
  requestThroughput: z.number(),
  outputTokenThroughput: z.number(),
  totalTokenThroughput: z.number(),
  /** good requests per second, when SLOs are set */
  goodput: z.number().optional(),
  tokenGoodput: z.number().optional(),
  /** percent of the window's requests (succeeded + failed) meeting every SLO: a failed request never meets one */
  sloAttainmentPct: z.number().optional(),
  achievedConcurrency: z.number(),
  errorRate: z.number(),
  errorsByClass: z.record(z.string(), z.number().int()),
  /**
   * measured requests re-sent once because a reused connection was closed before any response byte (not errors,
   * always reported); absent in summaries computed before it existed
   */
  connectionRetries: z.number().int().min(0).optional(),
  tokens: z.object({
    input: z.number().int(),
    output: z.number().int(),
    reasoning: z.number().int(),
    /** mean output tokens per output chunk */
    tokensPerChunk: z.number(),
    bySource: z.record(z.string(), z.number().int()),
    /** requests whose server and client output counts disagreed (where both exist) */
    disagreements: z.number().int(),
    /** mean and max |server − client| output tokens over the disagreeing requests (absent when none disagreed) */
    disagreementMeanAbs: z.number().optional(),
    disagreementMaxAbs: z.number().int().optional(),
  }),
  latency: z.record(z.string(), StatsSchema),
  timeSeries: z.array(TimeSeriesPointSchema).optional(),
  /** plain-language warnings, e.g. the client fell behind its schedule */
  warnings: z.array(z.string()).default([]),
  /**
   * set when the error rate exceeded the plan's `maxErrorRate` (the point is marked with a warning, also
   * listed in `warnings`); the failed requests by class are in `errorsByClass`
   */
  errorRateExceeded: z.object({ errorRate: z.number(), maxErrorRate: z.number() }).optional(),
});
export type LoadPointSummary = z.infer<typeof LoadPointSummarySchema>;
