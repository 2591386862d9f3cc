import { z } from 'zod';
import { IdSchema, IsoDateSchema, LoadPointStatusSchema, PageQuerySchema, pageOf, RunStatusSchema, RunTriggerSchema } from '../common.js';
import { LoadLevelSchema } from '../specs/load-plan.js';
import { LoadPointSummarySchema } from '../summary.js';

export const StartRunRequestSchema = z.object({
  trigger: RunTriggerSchema.default('api'),
  /** free-form provenance, e.g. { gitSha, ciUrl } */
  metadata: z.record(z.string(), z.string()).default({}),
});
export type StartRunRequest = z.infer<typeof StartRunRequestSchema>;

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
