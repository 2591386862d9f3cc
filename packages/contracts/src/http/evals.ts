import { z } from 'zod';
import { IdSchema, IsoDateSchema, pageOf, RunStatusSchema } from '../common.js';
import { EvalParseStatusSchema, EvalPromptSchema } from '../eval-jobs.js';
import { EvalModeSchema } from '../specs/eval-plan.js';
import { wellFormedText } from '../text.js';
import { EvalMetricNameSchema, EvalScoringSpecSchema } from '../specs/eval-suite.js';

/**
 * REST shapes of accuracy evals run through the platform (issue 11 items 5, 6, 9):
 * `GET /runs/:id/evals`, `GET /runs/:id/evals/items`, `GET /evals/compare`, `POST /runs/:id/evals/rescore`.
 * Figure definitions: METRICS.md "Accuracy (evals)". Scores are in 0..1 (BLEU divided by 100).
 */

/** Latency of a task's items (each item's total request wall time), ms. */
export const EvalLatencySchema = z.object({
  mean: z.number().nullable(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
});
export type EvalLatency = z.infer<typeof EvalLatencySchema>;

export const EvalTaskStatusSchema = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']);
export type EvalTaskStatus = z.infer<typeof EvalTaskStatusSchema>;

/** One task of one variant in one run, at one score version. */
export const EvalTaskSummarySchema = z.object({
  taskId: z.string(),
  /** `taskVersionHash` of the task config the items were scored with */
  versionHash: z.string(),
  status: EvalTaskStatusSchema,
  /** why the task failed (e.g. "likelihood scoring unsupported: …"); null otherwise */
  error: z.string().nullable(),
  /** the task's first metric (`accuracy`, `exact_match`, `bleu`, …) */
  primaryMetric: EvalMetricNameSchema,
  /** items scored (unparseable and failed requests included, as wrong) */
  items: z.number().int().min(0),
  /** Σ per-item accuracy (fractional with repeats) */
  correct: z.number().min(0),
  /** correct / items */
  accuracy: z.number(),
  /** the task score (primary metric, 0..1) */
  score: z.number(),
  /** Wilson 95 % interval of the accuracy */
  wilson: z.object({ lo: z.number(), hi: z.number() }),
  /** bootstrap standard error of the primary per-item score (seeded, 1,000 resamples) */
  bootstrapSe: z.number(),
  /** (no_answer + invalid) / items: answers that could not be extracted, NOT request failures */
  parseFailureRate: z.number(),
  noAnswer: z.number().int().min(0),
  invalid: z.number().int().min(0),
  /** items whose request failed (HTTP error, timeout) */
  requestErrors: z.number().int().min(0),
  /** every reported figure by name: accuracy, exact_match, f1, rouge_l, bleu, macro_f1, acc, acc_norm, … */
  metrics: z.record(z.string(), z.number()),
  latency: EvalLatencySchema,
  tokens: z.object({ input: z.number(), output: z.number(), reasoning: z.number() }),
});
export type EvalTaskSummary = z.infer<typeof EvalTaskSummarySchema>;

/** Suite score: unweighted mean of task scores and item-weighted mean (completed tasks only). */
export const EvalSuiteScoreSchema = z.object({
  meanOfTasks: z.number(),
  itemWeighted: z.number(),
  /** tasks that count (completed); failed tasks are listed in `tasks` with their error */
  tasks: z.number().int().min(0),
});
export type EvalSuiteScore = z.infer<typeof EvalSuiteScoreSchema>;

/** The eval of one variant in one run (one eval work item). */
export const EvalVariantSummarySchema = z.object({
  workItemId: IdSchema,
  variantId: IdSchema.nullable(),
  variantLabel: z.string(),
  status: RunStatusSchema,
  mode: EvalModeSchema,
  /** alongside-load: the load point the eval ran with; null in standalone mode */
  loadPointId: IdSchema.nullable(),
  /** the score version these figures are from (0 = as measured; each re-score adds one) */
  scoreVersion: z.number().int().min(0),
  /** live progress while running: items done / planned */
  progress: z.object({ done: z.number().int(), total: z.number().int() }).nullable(),
  error: z.string().nullable(),
  startedAt: IsoDateSchema.nullable(),
  finishedAt: IsoDateSchema.nullable(),
  tasks: z.array(EvalTaskSummarySchema),
  /** null until the work item finished */
  suite: EvalSuiteScoreSchema.nullable(),
});
export type EvalVariantSummary = z.infer<typeof EvalVariantSummarySchema>;

/** `GET /runs/:id/evals`; also `Run.evals` (null for a run without evals). */
export const RunEvalsSchema = z.object({
  runId: IdSchema,
  /** score versions stored for this run, ascending (0 first) */
  scoreVersions: z.array(z.number().int().min(0)),
  variants: z.array(EvalVariantSummarySchema),
});
export type RunEvals = z.infer<typeof RunEvalsSchema>;

/** `GET /runs/:id/evals` query. */
export const RunEvalsQuerySchema = z.object({
  /** default: the latest score version */
  scoreVersion: z.coerce.number().int().min(0).optional(),
});
export type RunEvalsQuery = z.infer<typeof RunEvalsQuerySchema>;

export const EvalItemStatusFilterSchema = z.enum(['correct', 'wrong', 'unparseable']);
export type EvalItemStatusFilter = z.infer<typeof EvalItemStatusFilterSchema>;

/** `GET /runs/:id/evals/items` query. */
export const EvalItemsQuerySchema = z.object({
  task: z.string().optional(),
  /** variant label */
  variant: z.string().optional(),
  /** correct; wrong (parsed but wrong, or failed request); unparseable (no_answer / invalid) */
  status: EvalItemStatusFilterSchema.optional(),
  /** 1-based page */
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
  /** default: the latest score version */
  scoreVersion: z.coerce.number().int().min(0).optional(),
});
export type EvalItemsQuery = z.infer<typeof EvalItemsQuerySchema>;

/** One item record as served. */
export const EvalItemRowSchema = z.object({
  taskId: z.string(),
  itemId: z.string(),
  variantLabel: z.string(),
  promptHash: z.string(),
  templateHash: z.string(),
  /** rendered prompt (rotation 0): text or chat messages; null when the run did not store prompts */
  prompt: EvalPromptSchema.nullable(),
  response: z.object({ content: z.string().nullable(), reasoning: z.string().nullable() }),
  extracted: z.string().nullable(),
  reference: z.string().nullable(),
  references: z.array(z.string()),
  correct: z.boolean(),
  /** primary per-item score */
  score: z.number(),
  scores: z.record(z.string(), z.number()),
  parseStatus: EvalParseStatusSchema,
  tokens: z.object({ input: z.number(), output: z.number(), reasoning: z.number() }),
  latencyMs: z.number(),
  error: z.string().nullable(),
  scoreVersion: z.number().int().min(0),
});
export type EvalItemRow = z.infer<typeof EvalItemRowSchema>;
export const EvalItemPageSchema = pageOf(EvalItemRowSchema).extend({
  page: z.number().int().min(1),
  pageSize: z.number().int().min(1),
});
export type EvalItemPage = z.infer<typeof EvalItemPageSchema>;

/** `<runId>:<variantLabel>` (the first ':' separates). */
export const EvalSelectionParamSchema = z
  .string()
  .regex(/^[^:]+:.+$/, 'expected <runId>:<variantLabel>')
  .transform((s) => {
    const i = s.indexOf(':');
    return { runId: s.slice(0, i), variantLabel: s.slice(i + 1) };
  });

/** `GET /evals/compare` query: a = baseline, b = candidate. */
export const EvalCompareQuerySchema = z.object({
  a: EvalSelectionParamSchema,
  b: EvalSelectionParamSchema,
  /** only this task */
  task: z.string().optional(),
  /** significance level of McNemar's test; default 0.05 */
  alpha: z.coerce.number().gt(0).lt(1).default(0.05),
});
export type EvalCompareQuery = z.infer<typeof EvalCompareQuerySchema>;

export const EvalSelectionSchema = z.object({
  runId: IdSchema,
  variantLabel: z.string(),
  scoreVersion: z.number().int().min(0),
});
export type EvalSelection = z.infer<typeof EvalSelectionSchema>;

/** Paired comparison of one task between the two selections (items matched by id). */
export const EvalTaskComparisonSchema = z.object({
  taskId: z.string(),
  /** paired items */
  n: z.number().int().min(0),
  baselineAccuracy: z.number(),
  candidateAccuracy: z.number(),
  /** candidate − baseline (accuracy points as a proportion) */
  difference: z.number(),
  /** Wald interval of the paired difference (95 %) */
  interval: z.object({ lo: z.number(), hi: z.number(), confidence: z.number() }),
  mcnemar: z.object({
    p: z.number(),
    method: z.enum(['exact', 'chi2_cc', 'none']),
    statistic: z.number().nullable(),
    discordant: z.object({ rightToWrong: z.number().int(), wrongToRight: z.number().int() }),
  }),
  /** McNemar's p < alpha: only then may a difference be called */
  significant: z.boolean(),
  /** items needed to detect a drop of 2 and of 5 points (α 0.05, power 0.8) at the observed discordant rate */
  itemsNeededForDrop: z.object({ twoPoints: z.number().int(), fivePoints: z.number().int() }),
  /** the two sides scored this task with different configs (template/extraction/metrics): compare with care */
  versionHashMismatch: z.boolean(),
  versionHashes: z.object({ a: z.string(), b: z.string() }),
  /** items present on one side only (not compared) */
  unmatched: z.number().int().min(0),
});
export type EvalTaskComparison = z.infer<typeof EvalTaskComparisonSchema>;

/** An item right on one side and wrong on the other. */
export const EvalFlipSchema = z.object({
  taskId: z.string(),
  itemId: z.string(),
  /** right in a (baseline), wrong in b (candidate) — or the reverse */
  direction: z.enum(['rightToWrong', 'wrongToRight']),
  a: z.object({ extracted: z.string().nullable(), parseStatus: EvalParseStatusSchema }),
  b: z.object({ extracted: z.string().nullable(), parseStatus: EvalParseStatusSchema }),
  reference: z.string().nullable(),
});
export type EvalFlip = z.infer<typeof EvalFlipSchema>;

/** `GET /evals/compare`. */
export const EvalComparisonSchema = z.object({
  a: EvalSelectionSchema,
  b: EvalSelectionSchema,
  alpha: z.number(),
  /** tasks present on both sides, in a's order */
  tasks: z.array(EvalTaskComparisonSchema),
  /** task ids present on one side only */
  unmatchedTasks: z.array(z.string()),
  /** at most 1,000 flips, rightToWrong first */
  flips: z.array(EvalFlipSchema),
  flipsTruncated: z.boolean(),
});
export type EvalComparison = z.infer<typeof EvalComparisonSchema>;

/** A changed scoring config for one task when re-scoring (the stored responses are scored again). */
export const EvalRescoreOverrideSchema = z
  .object({
    /** new scoring (extraction, assertions…); the mode must stay the same (the responses were generated for it) */
    scoring: EvalScoringSpecSchema.optional(),
    metrics: z.array(EvalMetricNameSchema).min(1).optional(),
    labels: z.array(z.string()).optional(),
  })
  .strict();
export type EvalRescoreOverride = z.infer<typeof EvalRescoreOverrideSchema>;

/** `POST /runs/:id/evals/rescore`: scores stored responses again; no request reaches the target. */
export const EvalRescoreRequestSchema = z
  .object({
    /** task id → changed config; tasks not listed are re-scored with their stored config */
    overrides: z.record(z.string(), EvalRescoreOverrideSchema).default({}),
    /** only these tasks (default all) */
    tasks: z.array(z.string().min(1)).min(1).optional(),
  })
  .apply(wellFormedText);
export type EvalRescoreRequest = z.infer<typeof EvalRescoreRequestSchema>;
export type EvalRescoreRequestInput = z.input<typeof EvalRescoreRequestSchema>;

/** Result of a re-score: the new score version with its summaries. */
export const EvalRescoreResultSchema = z.object({
  runId: IdSchema,
  scoreVersion: z.number().int().min(1),
  /** records scored again */
  rescored: z.number().int().min(0),
  evals: RunEvalsSchema,
});
export type EvalRescoreResult = z.infer<typeof EvalRescoreResultSchema>;
