import { z } from 'zod';
import { IdSchema, IsoDateSchema, pageOf } from '../common.js';
import { wellFormedText } from '../text.js';
import { PercentileCiSchema } from './compare.js';

// CI gates (issue 12): k6-style thresholds judged per load point, the baseline regression gate, the stored verdicts of
// a run, and experiment webhooks with their delivery log. The parser and the judge live in @inferbench/metrics
// (`thresholds.ts`); these are only the shapes that cross the wire.

/**
 * One threshold of a metric, in k6's syntax: `'p(95)<500'`, or the object form with `abortOnFail` (cancel the run as
 * soon as a live figure crosses it) and `delayAbortEval` (`'10s'`, `'1m'`: no abort before this long after the run
 * started).
 */
export const ThresholdEntrySchema = z.union([
  z.string().trim().min(1).max(200),
  z.object({
    threshold: z.string().trim().min(1).max(200),
    abortOnFail: z.boolean().default(false),
    delayAbortEval: z.string().trim().max(20).optional(),
  }),
]);
export type ThresholdEntry = z.infer<typeof ThresholdEntrySchema>;

/**
 * `{ metric: [threshold, ...] }`, k6's `options.thresholds`. Metric names: `ttft`, `ttft_content`, `tpot`, `ntpot`,
 * `itl`, `e2e` (ms), `error_rate`, `output_tps`, `total_tps`, `request_throughput`, `goodput`,
 * `slo_attainment`, optionally narrowed k6-style with tags: `ttft{variant:fp16}`, `ttft{level:c=8}`. A single
 * string is accepted for a one-threshold metric.
 */
export const ThresholdsSpecSchema = z
  .record(
    z.string().trim().min(1).max(200),
    z.union([ThresholdEntrySchema.transform((e) => [e]), z.array(ThresholdEntrySchema).min(1).max(20)]),
  )
  .refine((r) => Object.keys(r).length <= 50, { message: 'at most 50 metrics' });
export type ThresholdsSpec = z.infer<typeof ThresholdsSpecSchema>;

/**
 * Baseline gate: compare each load point with the same variant × level of the baseline run (default: the
 * experiment's baseline) and fail when a figure is worse beyond sampling noise AND beyond its tolerance.
 * `maxRegression` keys are `<figure>.<stat>` (`ttft.p95`, `e2e.p99`, `tpot.mean`, `output_tps`), values in percent.
 */
export const BaselineGateSchema = z.object({
  runId: IdSchema.optional(),
  maxRegression: z
    .record(z.string().trim().min(1).max(50), z.number().min(0).max(10_000))
    .refine((r) => Object.keys(r).length >= 1 && Object.keys(r).length <= 50, {
      message: 'name 1 to 50 figures',
    }),
});
export type BaselineGate = z.infer<typeof BaselineGateSchema>;

/** `POST /runs/:id/evaluate`. */
export const EvaluateRunRequestSchema = z
  .object({
    thresholds: ThresholdsSpecSchema.default({}),
    baseline: BaselineGateSchema.optional(),
    /** keep the verdicts with the run (shown on the run page); false only computes them */
    store: z.boolean().default(true),
    /** the threshold that made the caller cancel the run early (`abortOnFail`), recorded with the verdicts */
    abortedBy: z.string().max(300).optional(),
  })
  .apply(wellFormedText);
export type EvaluateRunRequest = z.infer<typeof EvaluateRunRequestSchema>;

/** One threshold judged on one load point. */
export const ThresholdVerdictSchema = z.object({
  /** the metric key as written, tags included (`ttft{variant:a}`) */
  metric: z.string(),
  /** the expression as written (`p(95)<500`) */
  threshold: z.string(),
  loadPointId: z.string(),
  variantLabel: z.string(),
  levelLabel: z.string(),
  /** observed value of the aggregation; null when the point has no data for it */
  observed: z.number().nullable(),
  bound: z.number(),
  unit: z.string(),
  pass: z.boolean(),
  abortOnFail: z.boolean().default(false),
  /** why it failed without a value (`no data`, `point failed`) */
  note: z.string().nullable().default(null),
});
export type ThresholdVerdict = z.infer<typeof ThresholdVerdictSchema>;

/** One `maxRegression` rule judged on one load point against its baseline point. */
export const RegressionCheckSchema = z.object({
  rule: z.string(),
  variantLabel: z.string(),
  levelLabel: z.string(),
  unit: z.string(),
  baseline: z.number().nullable(),
  current: z.number().nullable(),
  /** change in percent, signed so that positive = worse (higher latency, lower throughput) */
  worsePct: z.number().nullable(),
  tolerancePct: z.number(),
  /** the 95 % intervals do not overlap; null when no interval exists for this statistic (throughputs) */
  beyondNoise: z.boolean().nullable(),
  baselineCi: PercentileCiSchema.nullable(),
  currentCi: PercentileCiSchema.nullable(),
  pass: z.boolean(),
  note: z.string().nullable().default(null),
});
export type RegressionCheck = z.infer<typeof RegressionCheckSchema>;

export const BaselineVerdictSchema = z.object({
  baselineRunId: z.string().nullable(),
  /** set when the gate could not run (no baseline, baseline is this run): the gate then passes */
  skipped: z.string().nullable(),
  pass: z.boolean(),
  checks: z.array(RegressionCheckSchema),
});
export type BaselineVerdict = z.infer<typeof BaselineVerdictSchema>;

/** The verdicts of one evaluation; the last one is stored with the run (`Run.evaluation`). */
export const RunEvaluationSchema = z.object({
  runId: z.string(),
  evaluatedAt: IsoDateSchema,
  runStatus: z.string(),
  pass: z.boolean(),
  thresholds: z.array(ThresholdVerdictSchema),
  baseline: BaselineVerdictSchema.nullable(),
  abortedBy: z.string().nullable().default(null),
  /** the thresholds as given, so a reader knows what was asked */
  spec: z.record(z.string(), z.array(ThresholdEntrySchema)).default({}),
});
export type RunEvaluation = z.infer<typeof RunEvaluationSchema>;

// ---- webhooks ----

/** A URL notified when a run of the experiment ends; `secret` (write-only, stored encrypted) signs each delivery. */
export const ExperimentWebhookInputSchema = z.object({
  url: z.url({ protocol: /^https?$/ }).max(2000),
  secret: z.string().min(1).max(500).optional(),
});
export type ExperimentWebhookInput = z.infer<typeof ExperimentWebhookInputSchema>;

export const ExperimentWebhooksInputSchema = z
  .array(ExperimentWebhookInputSchema)
  .max(10)
  .refine((l) => new Set(l.map((w) => w.url)).size === l.length, { message: 'webhook URLs must be unique' });

/** A webhook as the API answers it (the secret never leaves the API). */
export const ExperimentWebhookSchema = z.object({ url: z.string(), hasSecret: z.boolean() });
export type ExperimentWebhook = z.infer<typeof ExperimentWebhookSchema>;

/** Stored form (`Experiment.webhooks`): the secret AES-256-GCM encrypted like target API keys. */
export const StoredWebhooksSchema = z
  .array(z.object({ url: z.string(), secretEnc: z.string().nullable().default(null) }))
  .catch([]);
export type StoredWebhook = z.infer<typeof StoredWebhooksSchema>[number];

export const WebhookDeliveryStatusSchema = z.enum(['pending', 'delivered', 'failed']);

export const WebhookDeliverySchema = z.object({
  id: z.string(),
  experimentId: z.string(),
  runId: z.string(),
  event: z.string(),
  url: z.string(),
  status: WebhookDeliveryStatusSchema,
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: IsoDateSchema,
  deliveredAt: IsoDateSchema.nullable(),
  updatedAt: IsoDateSchema,
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;
export const WebhookDeliveryListSchema = pageOf(WebhookDeliverySchema);
export type WebhookDeliveryList = z.infer<typeof WebhookDeliveryListSchema>;

/** Job payload of `webhook.deliver` (the body and the secret are read from the database at send time). */
export const WebhookDeliverJobSchema = z.object({ deliveryId: z.string().min(1) });
export type WebhookDeliverJob = z.infer<typeof WebhookDeliverJobSchema>;

/** Headers of a delivery. The signature is HMAC-SHA256 over `<timestamp>.<raw body>` with the webhook's secret. */
export const WEBHOOK_HEADERS = {
  signature: 'x-inferbench-signature',
  timestamp: 'x-inferbench-timestamp',
  event: 'x-inferbench-event',
  delivery: 'x-inferbench-delivery',
} as const;

/** Body of a `run.finished` delivery. */
export const RunFinishedWebhookSchema = z.object({
  event: z.literal('run.finished'),
  deliveryId: z.string(),
  run: z.object({
    id: z.string(),
    experimentId: z.string(),
    experimentName: z.string(),
    status: z.string(),
    error: z.string().nullable(),
    trigger: z.string(),
    metadata: z.record(z.string(), z.string()),
    createdAt: IsoDateSchema,
    startedAt: IsoDateSchema.nullable(),
    finishedAt: IsoDateSchema.nullable(),
  }),
  points: z.array(
    z.object({
      variantLabel: z.string(),
      levelLabel: z.string(),
      status: z.string(),
      ttftP95Ms: z.number().nullable(),
      ttftP99Ms: z.number().nullable(),
      tpotP95Ms: z.number().nullable(),
      e2eP95Ms: z.number().nullable(),
      outputTokenThroughput: z.number().nullable(),
      errorRate: z.number().nullable(),
    }),
  ),
});
export type RunFinishedWebhook = z.infer<typeof RunFinishedWebhookSchema>;
