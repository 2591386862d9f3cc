import { z } from 'zod';
import {
  IdSchema,
  IsoDateSchema,
  LoadPointStatusSchema,
  PageQuerySchema,
  pageOf,
  RunStatusSchema,
  RunTriggerSchema,
  StartRunTriggerSchema,
} from '../common.js';
import { LoadLevelSchema } from '../specs/load-plan.js';
import { LoadPointTelemetrySchema } from '../events.js';
import { LoadPointSummarySchema } from '../summary.js';
import { ImportedPointInfoSchema, ImportSourceSchema } from '../imports.js';
import { BottleneckHintSchema } from '../telemetry.js';
import { wellFormedText } from '../text.js';
import { TokenizerInfoSchema } from '../tokenizer.js';
import { RunSpecSchema } from '../stored.js';
import { RunEvaluationSchema } from './ci.js';
import { RunEvalsSchema } from './evals.js';

export const StartRunRequestSchema = z
  .object({
    trigger: StartRunTriggerSchema.default('api'),
    /** free-form provenance, e.g. { gitSha, ciUrl } */
    metadata: z.record(z.string(), z.string()).default({}),
    /**
     * A retried start with the same key (per experiment) returns the run the first one started instead of a new one
     * (also accepted as the `Idempotency-Key` header; the body field wins).
     */
    idempotencyKey: z.string().trim().min(1).max(200).optional(),
  })
  .apply(wellFormedText);
export type StartRunRequest = z.infer<typeof StartRunRequestSchema>;

/** How one shard of a load point went: what its agent reported when it ended. */
export const ShardHealthSchema = z.object({
  index: z.number().int().min(0),
  /** the attempt whose samples count (> 0 after the shard was re-run because its agent died) */
  attempt: z.number().int().min(0),
  agentId: z.string().nullable(),
  status: z.enum(['completed', 'cancelled', 'failed']),
  /** failed measured requests of the shard */
  errors: z.number().int().min(0).nullable(),
  /** p99 of sentAt − scheduledAt, ms (open-loop); null when not reported */
  scheduleDelayP99Ms: z.number().nullable(),
  /** epoch ms when the shard actually started sending */
  startedAtEpochMs: z.number().nullable(),
  reason: z.string().nullable(),
  /** the client-side tokenizer the shard used; null when its agent did not say (agent-wide tokenizer, older agent) */
  tokenizer: TokenizerInfoSchema.nullable().default(null),
});
export type ShardHealth = z.infer<typeof ShardHealthSchema>;

export const LoadPointSchema = z.object({
  id: IdSchema,
  variantId: IdSchema,
  variantLabel: z.string(),
  /** position in the run's execution order */
  ordinal: z.number().int(),
  level: LoadLevelSchema,
  levelLabel: z.string(),
  status: LoadPointStatusSchema,
  shards: z.number().int(),
  samplesStored: z.number().int(),
  startedAt: IsoDateSchema.nullable(),
  finishedAt: IsoDateSchema.nullable(),
  error: z.string().nullable(),
  summary: LoadPointSummarySchema.nullable(),
  /** one entry per shard that reported its end (the attempt that counts), in shard order */
  shardHealth: z.array(ShardHealthSchema).default([]),
  /** spread of the shards' actual start times (max − min), ms; null for a single shard or before they report */
  startSkewMs: z.number().nullable().default(null),
  /**
   * Server (Prometheus) and GPU telemetry measured next to the target while the point ran; null when the
   * agent sent none (no `metricsUrl` and GPU sampling off, an older agent, a point that never ran).
   * With several shards: `server` is the shard with the most successful scrapes (they all scrape the
   * same server), `gpu` the first shard's that measured one (see apps/api README, "Telemetry").
   */
  telemetry: LoadPointTelemetrySchema.nullable().default(null),
  /**
   * The client-side tokenizer that built the prompts and counted tokens (the first shard's that reported one: shards
   * of a point share the target and its setting); null when no agent said (agent-wide tokenizer, older agents,
   * points that never ran). `approximate`: prompt lengths and client-side token counts are not the model's own.
   */
  tokenizer: TokenizerInfoSchema.nullable().default(null),
  /** imported points (run trigger `import`): what the file said, and "aggregates only" figures; null otherwise */
  imported: ImportedPointInfoSchema.nullable().default(null),
});
export type LoadPoint = z.infer<typeof LoadPointSchema>;

export const RunSchema = z.object({
  id: IdSchema,
  experimentId: IdSchema,
  experimentName: z.string(),
  status: RunStatusSchema,
  trigger: RunTriggerSchema,
  metadata: z.record(z.string(), z.string()),
  /** frozen copy of the experiment (workload, load plan, SLOs, variants, targets without secrets) at start */
  spec: RunSpecSchema,
  error: z.string().nullable(),
  createdAt: IsoDateSchema,
  startedAt: IsoDateSchema.nullable(),
  finishedAt: IsoDateSchema.nullable(),
  loadPoints: z.array(LoadPointSchema),
  /** bottleneck hints per variant over its completed points (`analyzeSweep`), computed when the run ends */
  hints: z.array(BottleneckHintSchema).default([]),
  /** imported runs (trigger `import`): the tool and file the figures came from; null for measured runs */
  source: ImportSourceSchema.nullable().default(null),
  /** accuracy evals of the run (per variant × task summaries, suite scores); null when the run has none */
  evals: RunEvalsSchema.nullable().default(null),
  /** the key the run was started with (`Idempotency-Key`); null when none */
  idempotencyKey: z.string().nullable().default(null),
  /** the verdicts of the last `POST /runs/:id/evaluate` (CI thresholds, baseline gate); null when never evaluated */
  evaluation: RunEvaluationSchema.nullable().default(null),
});
export type Run = z.infer<typeof RunSchema>;

/** `GET /runs` query: newest first, optionally one experiment's runs and/or one status. */
export const RunListQuerySchema = PageQuerySchema.extend({
  experimentId: IdSchema.optional(),
  status: RunStatusSchema.optional(),
});
export type RunListQuery = z.infer<typeof RunListQuerySchema>;

/** A run in a list: everything but the frozen spec and the load points. */
export const RunListItemSchema = RunSchema.omit({
  spec: true,
  loadPoints: true,
  evals: true,
  idempotencyKey: true,
  evaluation: true,
}).extend({
  /** load points in the run and how many reached a terminal state */
  loadPointCount: z.number().int(),
  loadPointsDone: z.number().int(),
});
export type RunListItem = z.infer<typeof RunListItemSchema>;
export const RunListSchema = pageOf(RunListItemSchema);
export type RunList = z.infer<typeof RunListSchema>;
