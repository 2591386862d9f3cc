import { z } from 'zod';
import { IdSchema, IsoDateSchema, PageQuerySchema, pageOf, RunStatusSchema } from '../common.js';
import { LoadPlanSpecSchema } from '../specs/load-plan.js';
import { SloSpecSchema } from '../specs/slo.js';
import { ExperimentEvalsSchema } from '../specs/eval-plan.js';
import { OptimizationDescriptorSchema, RequestParamsSchema } from '../specs/variant.js';
import { WorkloadSpecSchema } from '../specs/workload.js';
import { wellFormedText } from '../text.js';
import { ExperimentWebhookSchema, ExperimentWebhooksInputSchema } from './ci.js';

export const VariantInputSchema = z.object({
  /** present when updating an existing variant */
  id: IdSchema.optional(),
  targetId: IdSchema,
  label: z.string().trim().min(1).max(100),
  optimization: OptimizationDescriptorSchema.default({ features: {} }),
  params: RequestParamsSchema.default({}),
});
export type VariantInput = z.infer<typeof VariantInputSchema>;

export const CreateExperimentRequestSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(10_000).default(''),
    tags: z.array(z.string().trim().min(1).max(50)).max(50).default([]),
    workload: WorkloadSpecSchema,
    loadPlan: LoadPlanSpecSchema,
    slo: SloSpecSchema.optional(),
    /** accuracy evals run for every variant (issue 11); absent = none */
    evals: ExperimentEvalsSchema.optional(),
    variants: z.array(VariantInputSchema).min(1).max(50),
    /** URLs notified (signed) when a run ends; `secret` is write-only */
    webhooks: ExperimentWebhooksInputSchema.optional(),
  })
  .refine((e) => new Set(e.variants.map((v) => v.label)).size === e.variants.length, {
    message: 'variant labels must be unique within an experiment',
    path: ['variants'],
  })
  .apply(wellFormedText);
export type CreateExperimentRequest = z.infer<typeof CreateExperimentRequestSchema>;

/** PATCH: any top-level field; `variants`, when given, replaces the variant list (ids keep existing rows). */
export const UpdateExperimentRequestSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(10_000).optional(),
    tags: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
    workload: WorkloadSpecSchema.optional(),
    loadPlan: LoadPlanSpecSchema.optional(),
    slo: SloSpecSchema.nullable().optional(),
    /** null removes the evals */
    evals: ExperimentEvalsSchema.nullable().optional(),
    variants: z.array(VariantInputSchema).min(1).max(50).optional(),
    /** replaces the list; a webhook given without `secret` keeps the stored secret of the same URL */
    webhooks: ExperimentWebhooksInputSchema.optional(),
  })
  .apply(wellFormedText);
export type UpdateExperimentRequest = z.infer<typeof UpdateExperimentRequestSchema>;

export const VariantSchema = z.object({
  id: IdSchema,
  targetId: IdSchema,
  label: z.string(),
  optimization: OptimizationDescriptorSchema,
  params: RequestParamsSchema,
});
export type Variant = z.infer<typeof VariantSchema>;

export const RunBriefSchema = z.object({
  id: IdSchema,
  status: RunStatusSchema,
  trigger: z.string(),
  createdAt: IsoDateSchema,
  finishedAt: IsoDateSchema.nullable(),
});
export type RunBrief = z.infer<typeof RunBriefSchema>;

export const ExperimentSchema = z.object({
  id: IdSchema,
  name: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  workload: WorkloadSpecSchema,
  loadPlan: LoadPlanSpecSchema,
  slo: SloSpecSchema.nullable(),
  /** accuracy evals of every run (issue 11); null when the experiment has none */
  evals: ExperimentEvalsSchema.nullable().default(null),
  variants: z.array(VariantSchema),
  createdAt: IsoDateSchema,
  updatedAt: IsoDateSchema,
  /** newest first, at most 20 */
  recentRuns: z.array(RunBriefSchema),
  /** the run new runs are compared against (team review); null when none is set */
  baselineRunId: IdSchema.nullable().default(null),
  /** set while the experiment is archived (hidden from the list unless `archived=true`) */
  archivedAt: IsoDateSchema.nullable().default(null),
  /** URLs notified when a run ends (secrets never returned) */
  webhooks: z.array(ExperimentWebhookSchema).default([]),
});
export type Experiment = z.infer<typeof ExperimentSchema>;

export const ExperimentListItemSchema = ExperimentSchema.omit({
  workload: true,
  loadPlan: true,
  slo: true,
  evals: true,
  webhooks: true,
}).extend({
  lastRun: RunBriefSchema.nullable(),
});
export type ExperimentListItem = z.infer<typeof ExperimentListItemSchema>;
export const ExperimentListSchema = pageOf(ExperimentListItemSchema);
export type ExperimentList = z.infer<typeof ExperimentListSchema>;

export const ExperimentListQuerySchema = PageQuerySchema.extend({
  q: z.string().optional(),
  tag: z.string().optional(),
  /** status of the experiment's newest run */
  status: RunStatusSchema.optional(),
  /** true: only archived experiments; false/absent: only active ones */
  archived: z.stringbool().optional(),
});
export type ExperimentListQuery = z.infer<typeof ExperimentListQuerySchema>;
