import { z } from 'zod';
import {
  IdSchema,
  IsoDateSchema,
  LoadPointStatusSchema,
  PageQuerySchema,
  pageOf,
  RunStatusSchema,
  RunTriggerSchema,
} from '../common.js';
import { LoadLevelSchema } from '../specs/load-plan.js';
import { LoadPointTelemetrySchema } from '../events.js';
import { LoadPointSummarySchema } from '../summary.js';
import { BottleneckHintSchema } from '../telemetry.js';

export const StartRunRequestSchema = z.object({
  trigger: RunTriggerSchema.default('api'),
  /** free-form provenance, e.g. { gitSha, ciUrl } */
  metadata: z.record(z.string(), z.string()).default({}),
});
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
  spec: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
  createdAt: IsoDateSchema,
  startedAt: IsoDateSchema.nullable(),
  finishedAt: IsoDateSchema.nullable(),
  loadPoints: z.array(LoadPointSchema),
  /** bottleneck hints per variant over its completed points (`analyzeSweep`), computed when the run ends */
  hints: z.array(BottleneckHintSchema).default([]),
});
export type Run = z.infer<typeof RunSchema>;

/** `GET /runs` query: newest first, optionally one experiment's runs and/or one status. */
export const RunListQuerySchema = PageQuerySchema.extend({
  experimentId: IdSchema.optional(),
  status: RunStatusSchema.optional(),
});
export type RunListQuery = z.infer<typeof RunListQuerySchema>;

/** A run in a list: everything but the frozen spec and the load points. */
export const RunListItemSchema = RunSchema.omit({ spec: true, loadPoints: true }).extend({
  /** load points in the run and how many reached a terminal state */
  loadPointCount: z.number().int(),
  loadPointsDone: z.number().int(),
});
export type RunListItem = z.infer<typeof RunListItemSchema>;
export const RunListSchema = pageOf(RunListItemSchema);
export type RunList = z.infer<typeof RunListSchema>;
